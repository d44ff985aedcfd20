//! The OpenAPI 3 document of every route, and a small page to browse it (no CDN).

use actix_web::HttpResponse;

pub const DOCUMENT: &str = include_str!("openapi.json");

pub async fn document() -> HttpResponse {
    HttpResponse::Ok().content_type("application/json").insert_header(("cache-control", "no-cache")).body(DOCUMENT)
}

pub async fn page() -> HttpResponse {
    HttpResponse::Ok().content_type("text/html; charset=utf-8").body(include_str!("openapi.html"))
}
