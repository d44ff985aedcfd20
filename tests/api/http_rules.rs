//! Rules that hold for every route: HEAD answers like GET without a body, responses with
//! personal data carry `Cache-Control: no-store`, and `/metrics` is not for everyone.

use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::helpers::*;

struct Raw {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Raw {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// One request over a plain socket, so that what the server sends after a HEAD's headers
/// is seen as sent (an HTTP client would drop it).
async fn raw(app: &TestApp, method: &str, path: &str, extra: &[(&str, String)]) -> Raw {
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", app.port)).await.expect("connect");
    let mut request = format!("{method} {path} HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\n");
    for (name, value) in extra {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).await.expect("write");
    let mut bytes = Vec::new();
    tokio::time::timeout(std::time::Duration::from_secs(30), stream.read_to_end(&mut bytes))
        .await
        .expect("answered in time")
        .expect("read");
    let end = bytes.windows(4).position(|w| w == b"\r\n\r\n").expect("end of headers");
    let head = String::from_utf8_lossy(&bytes[..end]).to_string();
    let mut lines = head.split("\r\n");
    let status = lines.next().and_then(|l| l.split(' ').nth(1)).and_then(|s| s.parse().ok()).expect("status line");
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    Raw { status, headers, body: bytes[end + 4..].to_vec() }
}

/// An admin of the test contest's organisation, a participant, and every GET route with its
/// parameters filled in (the API's from the route table, and the pages).
async fn setup(app: &TestApp) -> (Vec<(&'static str, String)>, Vec<String>) {
    let (admin, org, contest) = crate::privacy::owned_contest(app, "rules").await;
    let participant = app.participant().await;
    let round = app.round();
    let credentials = vec![
        ("cookie", format!("thiluat_session={}", admin.cookie)),
        ("authorization", format!("Bearer {}", participant.token)),
    ];
    let mut paths: Vec<String> = thiluat::http::ROUTES
        .iter()
        .filter(|(method, _)| *method == "get")
        .map(|(_, path)| {
            let id = if path.contains("/rounds/") { round } else { contest };
            path.replace("{slug}", SLUG)
                .replace("{org}", &org.to_string())
                .replace("{round}", &round.to_string())
                .replace("{attempt}", "1")
                .replace("{id}", &id.to_string())
        })
        .collect();
    for page in ["/", "/c/test-contest", "/c/test-contest/poster", "/c/test-contest/ket-qua", "/app.js", "/nowhere"] {
        paths.push(page.to_string());
    }
    (credentials, paths)
}

#[actix_web::test]
async fn head_answers_wherever_get_does_with_the_same_headers_and_no_body() {
    let app = spawn_app().await;
    let (credentials, paths) = setup(&app).await;
    let mut oks = 0;
    for path in &paths {
        let get = raw(&app, "GET", path, &credentials).await;
        let head = raw(&app, "HEAD", path, &credentials).await;
        assert_eq!(head.status, get.status, "HEAD {path}");
        for name in ["content-type", "cache-control", "content-security-policy", "content-disposition"] {
            assert_eq!(head.header(name), get.header(name), "{name} of HEAD {path}");
        }
        assert!(head.body.is_empty(), "HEAD {path} sent a body of {} bytes", head.body.len());
        oks += usize::from(get.status == 200);
    }
    assert!(oks >= 30, "most GET routes answered 200 with these credentials ({oks} did)");
}

#[actix_web::test]
async fn responses_with_personal_data_are_never_stored() {
    let app = spawn_app().await;
    let (credentials, paths) = setup(&app).await;
    let round = app.round();
    let mut checked = 0;
    for path in
        paths.iter().filter(|p| p.starts_with("/api/admin/") || p.starts_with("/api/me/") || p.contains("/review"))
    {
        let res = raw(&app, "GET", path, &credentials).await;
        assert_eq!(res.header("cache-control"), Some("no-store"), "GET {path} answered {}", res.status);
        checked += usize::from(res.status == 200);
    }
    assert!(checked >= 20, "{checked} personal GET routes answered 200");
    let export = format!("/api/admin/rounds/{round}/results.csv?personal=true");
    let res = raw(&app, "GET", &export, &credentials).await;
    assert_eq!((res.status, res.header("cache-control")), (200, Some("no-store")), "{export}");
    // The answers that carry a credential.
    let body = serde_json::to_string(&valid_registration()).expect("json");
    let res = app
        .http
        .post(app.url(&format!("/api/contests/{SLUG}/register")))
        .insert_header(("content-type", "application/json"))
        .send_body(body)
        .await
        .expect("sent");
    assert_eq!(
        (res.status().as_u16(), res.headers().get("cache-control").map(|v| v.as_bytes())),
        (201, Some(&b"no-store"[..]))
    );
    let (org, email) = app.org_with_admin("rules2").await;
    let res = app
        .http
        .post(app.url("/api/admin/login"))
        .send_json(&json!({"email": email, "password": "mật khẩu rất dài 1"}))
        .await
        .expect("sent");
    assert_eq!(
        (res.status().as_u16(), res.headers().get("cache-control").map(|v| v.as_bytes())),
        (200, Some(&b"no-store"[..])),
        "org {org}"
    );
    // Public pages stay cacheable.
    let res = raw(&app, "GET", &format!("/api/contests/{SLUG}"), &[]).await;
    assert_ne!(res.header("cache-control"), Some("no-store"));
}

fn behind_proxy(c: &mut thiluat::config::Config) {
    c.http.trusted_proxies = vec!["127.0.0.0/8".parse().expect("network")];
}

fn with_token(c: &mut thiluat::config::Config) {
    behind_proxy(c);
    c.http.metrics_token = Some(thiluat::config::Secret::new("scrape-me-0123456789"));
}

#[actix_web::test]
async fn metrics_only_for_loopback_without_a_token() {
    let app = spawn_app_with(Options { configure: Some(behind_proxy), ..Default::default() }).await;
    assert_eq!(raw(&app, "GET", "/metrics", &[]).await.status, 200, "a scraper on this machine");
    let outside = [("x-forwarded-for", "203.0.113.9".to_string())];
    assert_eq!(raw(&app, "GET", "/metrics", &outside).await.status, 403, "a client behind the proxy");
    let local_via_proxy = [("x-forwarded-for", "127.0.0.1".to_string())];
    assert_eq!(raw(&app, "GET", "/metrics", &local_via_proxy).await.status, 403, "anything that came through a proxy");
    // Without trusted proxies, a local reverse proxy's requests come from loopback too.
    let app = spawn_app().await;
    assert_eq!(raw(&app, "GET", "/metrics", &outside).await.status, 403, "a local proxy's request");
}

#[actix_web::test]
async fn metrics_with_a_token_need_it() {
    let app = spawn_app_with(Options { configure: Some(with_token), ..Default::default() }).await;
    let outside = ("x-forwarded-for", "203.0.113.9".to_string());
    let bearer = |t: &str| ("authorization", format!("Bearer {t}"));
    assert_eq!(raw(&app, "GET", "/metrics", std::slice::from_ref(&outside)).await.status, 403, "no token");
    assert_eq!(raw(&app, "GET", "/metrics", &[]).await.status, 403, "no token, even from loopback");
    assert_eq!(raw(&app, "GET", "/metrics", &[outside.clone(), bearer("scrape-me-0123456788")]).await.status, 403);
    assert_eq!(raw(&app, "GET", "/metrics", &[outside.clone(), bearer("scrape-me")]).await.status, 403);
    let ok = raw(&app, "GET", "/metrics", &[outside, bearer("scrape-me-0123456789")]).await;
    assert_eq!(ok.status, 200);
    assert!(String::from_utf8_lossy(&ok.body).contains("thiluat_"), "the metrics");
}
