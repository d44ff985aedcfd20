//! Rules that hold for every route rather than one handler: HEAD answers like GET, and
//! responses with personal data are never stored by a browser or a shared cache.

use actix_web::dev::{Service, ServiceRequest, ServiceResponse};
use actix_web::http::{header, Method};

/// `HEAD` is answered wherever `GET` is (RFC 9110 §9.3.2): the request is routed as a GET,
/// and the HTTP/1 encoder, which knows the request was a HEAD, sends the status and headers
/// without the body. Done here once, so that no route (assets included) can forget it.
pub fn head_as_get<S, B>(mut req: ServiceRequest, srv: &S) -> S::Future
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error>,
{
    if req.method() == Method::HEAD {
        req.head_mut().method = Method::GET;
    }
    srv.call(req)
}

/// Whether a response to this request may carry personal data: everything of the admin
/// console (registrants, exports, the audit log), the participant's own routes, anything
/// sent with a participant credential, and registration/login, which answer with one.
/// A rule by path and credential rather than a list of handlers, so a new route under these
/// prefixes is covered without anyone remembering to.
pub fn carries_personal_data(path: &str, authorised: bool) -> bool {
    authorised
        || path.starts_with("/api/admin/")
        || path.starts_with("/api/me/")
        || (path.starts_with("/api/contests/") && (path.ends_with("/register") || path.ends_with("/login")))
}

/// Sets `Cache-Control: no-store` on every response for which `carries_personal_data`
/// holds, replacing whatever the handler set (an export is never cacheable).
pub fn no_store<S, B>(
    req: ServiceRequest,
    srv: &S,
) -> impl std::future::Future<Output = Result<ServiceResponse<B>, actix_web::Error>>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error>,
{
    let personal = carries_personal_data(req.path(), req.headers().contains_key(header::AUTHORIZATION));
    let fut = srv.call(req);
    async move {
        let mut res = fut.await?;
        if personal {
            res.headers_mut().insert(header::CACHE_CONTROL, header::HeaderValue::from_static("no-store"));
        }
        Ok(res)
    }
}

#[cfg(test)]
mod tests {
    use super::carries_personal_data as personal;

    #[test]
    fn personal_routes_by_path_and_credential() {
        assert!(personal("/api/admin/orgs/1/audit.csv", false));
        assert!(personal("/api/me/data", false));
        assert!(personal("/api/contests/x/register", false));
        assert!(personal("/api/contests/x/login", false));
        assert!(personal("/api/rounds/1/attempts/2/review", true));
        assert!(!personal("/api/contests/x", false));
        assert!(!personal("/assets/app.js", false));
    }
}
