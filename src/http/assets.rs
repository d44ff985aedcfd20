//! The phone app's static files, embedded in the binary.

use actix_web::{web, HttpResponse};

struct Asset {
    path: &'static str,
    content_type: &'static str,
    body: &'static str,
}

const ASSETS: &[Asset] = &[
    Asset {
        path: "/app.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_str!("../../frontend/app.js"),
    },
    Asset {
        path: "/pow.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_str!("../../frontend/pow.js"),
    },
    Asset {
        path: "/style.css",
        content_type: "text/css; charset=utf-8",
        body: include_str!("../../frontend/style.css"),
    },
];

const INDEX: &str = include_str!("../../frontend/index.html");

/// Every path served by this module (GET), for the OpenAPI comparison.
pub const PATHS: &[&str] = &["/", "/c/{slug}", "/app.js", "/pow.js", "/style.css"];

async fn index() -> HttpResponse {
    HttpResponse::Ok().content_type("text/html; charset=utf-8").insert_header(("cache-control", "no-cache")).body(INDEX)
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(index)).route("/c/{slug}", web::get().to(index));
    for asset in ASSETS {
        cfg.route(
            asset.path,
            web::get().to(move || async move {
                HttpResponse::Ok()
                    .content_type(asset.content_type)
                    .insert_header(("cache-control", "no-cache"))
                    .body(asset.body)
            }),
        );
    }
}
