//! The browser apps' files (everything under frontend/, embedded by build.rs), served with
//! content-hashed names, immutable caching and compression prepared once at startup.
//!
//! - `/assets/{dir/}{name}.{hash}.{ext}`: immutable for a year (the name changes with the content);
//! - `/assets/{path}` (unhashed) and the legacy `/app.js`, `/style.css`: `no-cache` with an ETag;
//! - HTML pages (`/`, `/c/{slug}`, `/{dir}/` for `frontend/{dir}/index.html`): `no-cache`, their
//!   `"/x.js"` references rewritten to hashed names, and an import map so that plain ES module
//!   imports between files (`import … from './i18n.js'`) load the hashed files too. The map is an
//!   inline script: each page's Content-Security-Policy allows exactly its hash.

mod pipeline;

use std::sync::LazyLock;

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};

use super::{ApiError, Lang};
pub use pipeline::{Asset, Catalog, Encoded, Page};

mod files {
    include!(concat!(env!("OUT_DIR"), "/frontend_files.rs"));
}

/// Prepared on first use; `routes` forces it so the work happens at startup, not on a request.
pub static CATALOG: LazyLock<Catalog> = LazyLock::new(|| Catalog::build(files::FILES));

/// Every path served by this module (GET), in the OpenAPI document's spelling.
pub const PATHS: &[&str] = &[
    "/",
    "/c/{slug}",
    "/c/{slug}/poster",
    "/c/{slug}/logo",
    "/c/{slug}/ket-qua",
    "/{page}/",
    "/app.js",
    "/style.css",
    "/assets/{file}",
];

pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// The encoding a request accepts that we have prepared: brotli, else gzip, else none.
pub fn negotiate(req: &HttpRequest) -> Encoding {
    let accept = req.headers().get(header::ACCEPT_ENCODING).and_then(|v| v.to_str().ok()).unwrap_or("");
    let accepts = |name: &str| {
        accept.split(',').any(|part| {
            let mut it = part.split(';');
            let token = it.next().unwrap_or("").trim();
            let q = it.find_map(|p| p.trim().strip_prefix("q=")).and_then(|q| q.trim().parse::<f32>().ok());
            (token.eq_ignore_ascii_case(name) || token == "*") && q.is_none_or(|q| q > 0.0)
        })
    };
    if accepts("br") {
        Encoding::Brotli
    } else if accepts("gzip") {
        Encoding::Gzip
    } else {
        Encoding::Identity
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Encoding {
    Brotli,
    Gzip,
    Identity,
}

/// A prepared body in the request's encoding. Setting Content-Encoding (even `identity`)
/// keeps the Compress middleware from compressing it again.
fn encoded(req: &HttpRequest, content_type: &str, cache: &str, etag: &str, body: &Encoded) -> HttpResponse {
    if cache != IMMUTABLE
        && req.headers().get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains(etag))
    {
        return HttpResponse::NotModified()
            .insert_header((header::ETAG, etag.to_string()))
            .insert_header((header::CACHE_CONTROL, cache.to_string()))
            .finish();
    }
    let (coding, bytes) = match negotiate(req) {
        Encoding::Brotli => ("br", body.br.clone()),
        Encoding::Gzip => ("gzip", body.gzip.clone()),
        Encoding::Identity => ("identity", body.raw.clone()),
    };
    HttpResponse::Ok()
        .content_type(content_type.to_string())
        .insert_header((header::CACHE_CONTROL, cache.to_string()))
        .insert_header((header::ETAG, etag.to_string()))
        .insert_header((header::VARY, "Accept-Encoding"))
        .insert_header((header::CONTENT_ENCODING, coding))
        .body(bytes)
}

/// A static HTML page as prepared at startup.
pub fn page_response(req: &HttpRequest, page: &Page) -> HttpResponse {
    let mut res = encoded(req, "text/html; charset=utf-8", "no-cache", &page.etag, &page.body);
    set_csp(&mut res, &page.csp);
    res
}

/// An HTML page rendered for this request (e.g. with a contest's Open Graph tags): the
/// Compress middleware compresses it; the page's CSP still allows its import map.
pub fn dynamic_page(page: &Page, html: String) -> HttpResponse {
    let mut res = HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .body(html);
    set_csp(&mut res, &page.csp);
    res
}

fn set_csp(res: &mut HttpResponse, csp: &str) {
    if let Ok(v) = header::HeaderValue::from_str(csp) {
        res.headers_mut().insert(header::CONTENT_SECURITY_POLICY, v);
    }
}

fn asset_response(req: &HttpRequest, asset: &Asset, immutable: bool) -> HttpResponse {
    encoded(req, asset.content_type, if immutable { IMMUTABLE } else { "no-cache" }, &asset.etag, &asset.body)
}

async fn home(req: HttpRequest, lang: Lang) -> Result<HttpResponse, ApiError> {
    let page = CATALOG.page("index.html").ok_or_else(|| not_found(lang))?;
    Ok(page_response(&req, page))
}

/// `frontend/{page}/index.html` at `/{page}/` (the organiser console is `/console/`).
async fn dir_page(req: HttpRequest, path: web::Path<String>, lang: Lang) -> Result<HttpResponse, ApiError> {
    let page = CATALOG.page(&format!("{}/index.html", path.into_inner())).ok_or_else(|| not_found(lang))?;
    Ok(page_response(&req, page))
}

async fn file(req: HttpRequest, path: web::Path<String>, lang: Lang) -> Result<HttpResponse, ApiError> {
    let (asset, immutable) =
        CATALOG.lookup(&format!("/assets/{}", path.into_inner())).ok_or_else(|| not_found(lang))?;
    Ok(asset_response(&req, asset, immutable))
}

fn not_found(lang: Lang) -> ApiError {
    ApiError::new(lang, actix_web::http::StatusCode::NOT_FOUND, "not_found")
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    LazyLock::force(&CATALOG);
    cfg.route("/", web::get().to(home))
        .route("/c/{slug}", web::get().to(super::contest_page::page))
        .route("/c/{slug}/poster", web::get().to(super::contest_page::poster))
        .route("/c/{slug}/logo", web::get().to(super::contest_page::logo))
        .route("/c/{slug}/ket-qua", web::get().to(super::contest_page::results_page))
        .route("/{page}/", web::get().to(dir_page))
        .route("/assets/{file:.+}", web::get().to(file));
    for legacy in ["app.js", "style.css"] {
        cfg.route(
            &format!("/{legacy}"),
            web::get().to(move |req: HttpRequest, lang: Lang| async move {
                let asset = CATALOG.asset(legacy).ok_or_else(|| not_found(lang))?;
                Ok::<_, ApiError>(asset_response(&req, asset, false))
            }),
        );
    }
}
