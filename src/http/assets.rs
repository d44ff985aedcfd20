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
        path: "/style.css",
        content_type: "text/css; charset=utf-8",
        body: include_str!("../../frontend/style.css"),
    },
];

const INDEX: &str = include_str!("../../frontend/index.html");

/// Every path served by this module (GET), for the OpenAPI comparison.
pub const PATHS: &[&str] = &["/", "/c/{slug}", "/app.js", "/style.css", "/console/", "/console/{file}"];

async fn index() -> HttpResponse {
    HttpResponse::Ok().content_type("text/html; charset=utf-8").insert_header(("cache-control", "no-cache")).body(INDEX)
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    console::routes(cfg);
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

// --- The organiser console (frontend/console/) -------------------------------------------
// A separate block until the asset pipeline embeds every file under frontend/ by itself;
// then these entries go.
mod console {
    use actix_web::{web, HttpResponse};

    const JS: &str = "text/javascript; charset=utf-8";

    /// (file name, content type, body) of every console file but the entry page.
    const FILES: &[(&str, &str, &str)] = &[
        ("console.css", "text/css; charset=utf-8", include_str!("../../frontend/console/console.css")),
        ("main.js", JS, include_str!("../../frontend/console/main.js")),
        ("api.js", JS, include_str!("../../frontend/console/api.js")),
        ("i18n.js", JS, include_str!("../../frontend/console/i18n.js")),
        ("dom.js", JS, include_str!("../../frontend/console/dom.js")),
        ("markdown.js", JS, include_str!("../../frontend/console/markdown.js")),
        ("chart.js", JS, include_str!("../../frontend/console/chart.js")),
        ("wizard.js", JS, include_str!("../../frontend/console/wizard.js")),
        ("live.js", JS, include_str!("../../frontend/console/live.js")),
        ("results.js", JS, include_str!("../../frontend/console/results.js")),
        ("org.js", JS, include_str!("../../frontend/console/org.js")),
        ("provinces.js", JS, include_str!("../../frontend/console/provinces.js")),
    ];

    const INDEX: &str = include_str!("../../frontend/console/index.html");

    fn no_cache(content_type: &str, body: &'static str) -> HttpResponse {
        HttpResponse::Ok().content_type(content_type).insert_header(("cache-control", "no-cache")).body(body)
    }

    async fn file(path: web::Path<String>, lang: crate::http::Lang) -> Result<HttpResponse, crate::http::ApiError> {
        match FILES.iter().find(|(name, ..)| *name == path.as_str()) {
            Some((_, content_type, body)) => Ok(no_cache(content_type, body)),
            None => crate::http::error::not_found(lang).await,
        }
    }

    pub fn routes(cfg: &mut web::ServiceConfig) {
        cfg.route("/console/", web::get().to(|| async { no_cache("text/html; charset=utf-8", INDEX) }))
            .route("/console/{file}", web::get().to(file));
    }
}
