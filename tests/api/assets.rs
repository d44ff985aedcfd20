//! The browser apps' files: hashed names, caching, precompression, import maps, the contest
//! page's Open Graph tags and the printable poster.

use crate::helpers::*;

async fn get(app: &TestApp, path: &str, accept_encoding: &str) -> (u16, awc::http::header::HeaderMap, Vec<u8>) {
    let mut res = app
        .http
        .get(app.url(path))
        .no_decompress()
        .insert_header(("accept-encoding", accept_encoding))
        .send()
        .await
        .expect("request sent");
    let body = res.body().limit(8 << 20).await.expect("body").to_vec();
    (res.status().as_u16(), res.headers().clone(), body)
}

fn header<'a>(h: &'a awc::http::header::HeaderMap, name: &str) -> &'a str {
    h.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default()
}

/// `name="/assets/…"` values in a page.
fn hashed_refs(html: &str) -> Vec<String> {
    html.split('"').filter(|s| s.starts_with("/assets/")).map(str::to_string).collect()
}

#[actix_web::test]
async fn pages_reference_hashed_immutable_precompressed_files() {
    let app = spawn_app().await;
    let (status, h, body) = get(&app, "/", "identity").await;
    assert_eq!(status, 200);
    assert_eq!(header(&h, "cache-control"), "no-cache");
    let html = String::from_utf8(body).expect("UTF-8");
    assert!(!html.contains("src=\"/app.js\"") && !html.contains("href=\"/style.css\""), "plain names left in the page");
    let refs = hashed_refs(&html);
    let script = refs.iter().find(|r| r.starts_with("/assets/app.") && r.ends_with(".js")).expect("hashed app.js");
    assert!(refs.iter().any(|r| r.starts_with("/assets/style.") && r.ends_with(".css")), "{refs:?}");
    // The import map is allowed by the page's own CSP hash; nothing else inline is.
    assert!(html.contains("<script type=\"importmap\">"));
    let csp = header(&h, "content-security-policy");
    assert!(csp.contains("script-src 'self' 'sha256-") && csp.contains("frame-ancestors 'none'"), "{csp}");

    let (status, h, br) = get(&app, script, "gzip, deflate, br").await;
    assert_eq!(status, 200);
    assert_eq!(header(&h, "cache-control"), "public, max-age=31536000, immutable");
    assert_eq!(header(&h, "content-encoding"), "br");
    assert!(header(&h, "content-type").starts_with("text/javascript"));
    let (_, h, gz) = get(&app, script, "gzip").await;
    assert_eq!(header(&h, "content-encoding"), "gzip");
    let (_, h, raw) = get(&app, script, "identity").await;
    assert_ne!(header(&h, "content-encoding"), "br");
    assert_eq!(raw, include_bytes!("../../frontend/app.js"), "the plain body is the file");
    assert!(br.len() < raw.len() / 2 && gz.len() < raw.len() / 2, "br {} gz {} raw {}", br.len(), gz.len(), raw.len());

    // The plain names still answer, revalidated every time.
    let (status, h, _) = get(&app, "/app.js", "br").await;
    assert_eq!(status, 200);
    assert_eq!(header(&h, "cache-control"), "no-cache");
    let etag = header(&h, "etag").to_string();
    let res = app
        .http
        .get(app.url("/assets/app.js"))
        .insert_header(("if-none-match", etag.as_str()))
        .send()
        .await
        .expect("sent");
    assert_eq!(res.status().as_u16(), 304);
    // A wrong hash or a path outside frontend/ is a 404 in the envelope.
    let (status, _, body) = get(&app, "/assets/app.00000000.js", "identity").await;
    assert_eq!(status, 404);
    assert!(String::from_utf8_lossy(&body).contains("not_found"));
    let (status, _, _) = get(&app, "/assets/../Cargo.toml", "br").await;
    assert_eq!(status, 404);
    app.stop().await;
}

#[actix_web::test]
async fn the_contest_page_carries_open_graph_tags_and_the_poster_a_qr_code() {
    let app = spawn_app().await;
    sqlx::query("UPDATE contests SET title = 'Thi \"tìm hiểu\" <luật>', logo_url = '/assets/logo.png' WHERE slug = $1")
        .bind(SLUG)
        .execute(&app.pg)
        .await
        .expect("update");
    let (status, h, body) = get(&app, &format!("/c/{SLUG}"), "identity").await;
    assert_eq!(status, 200);
    assert_eq!(header(&h, "cache-control"), "no-cache");
    let html = String::from_utf8(body).expect("UTF-8");
    let base = app.url("");
    let base = base.trim_end_matches('/');
    assert!(html.contains("<meta property=\"og:title\" content=\"Thi &quot;tìm hiểu&quot; &lt;luật&gt;\">"), "{html}");
    assert!(html.contains(&format!("<meta property=\"og:url\" content=\"{base}/c/{SLUG}\">")), "{html}");
    assert!(html.contains(&format!("<meta property=\"og:image\" content=\"{base}/assets/logo.png\">")));
    assert!(html.contains("<meta property=\"og:description\" content=\""));
    assert!(html.contains("<title>Thi &quot;tìm hiểu&quot; &lt;luật&gt;</title>"));
    assert!(hashed_refs(&html).iter().any(|r| r.starts_with("/assets/app.")), "still the app");
    assert!(header(&h, "content-security-policy").contains("'sha256-"));
    // An unknown contest: the plain page (its script says so), no preview tags.
    let (status, _, body) = get(&app, "/c/no-such-contest", "identity").await;
    assert_eq!(status, 200);
    assert!(!String::from_utf8_lossy(&body).contains("og:title"));

    let (status, _, body) = get(&app, &format!("/c/{SLUG}/poster"), "identity").await;
    assert_eq!(status, 200);
    let poster = String::from_utf8(body).expect("UTF-8");
    assert!(poster.contains("<svg role=\"img\""), "inline QR code");
    assert!(poster.contains(&format!("{base}/c/{SLUG}")), "the address in letters");
    assert!(poster.contains("Thi &quot;tìm hiểu&quot; &lt;luật&gt;"));
    assert!(!poster.contains("<script"));
    let (status, _, _) = get(&app, "/c/no-such-contest/poster", "identity").await;
    assert_eq!(status, 404);
    app.stop().await;
}

/// Public links (link previews, the QR poster) name the configured public address, never the
/// request's `Host` or `X-Forwarded-Host`: a forged header cannot put another site on a poster.
#[actix_web::test]
async fn public_links_come_from_the_configured_address_never_from_the_request() {
    let app = spawn_app_with(Options {
        configure: Some(|c| c.http.public_url = Some("https://thi.sotuphap.example/".into())),
        ..Options::default()
    })
    .await;
    for path in [format!("/c/{SLUG}"), format!("/c/{SLUG}/poster")] {
        let mut res = app
            .http
            .get(app.url(&path))
            .insert_header(("host", "evil.example"))
            .insert_header(("x-forwarded-host", "evil.example"))
            .insert_header(("x-forwarded-proto", "http"))
            .insert_header(("forwarded", "host=evil.example;proto=http"))
            .send()
            .await
            .expect("sent");
        assert_eq!(res.status().as_u16(), 200, "{path}");
        let body = String::from_utf8(res.body().limit(8 << 20).await.expect("body").to_vec()).expect("utf8");
        assert!(!body.contains("evil.example"), "{path}: {body}");
        assert!(body.contains(&format!("https://thi.sotuphap.example/c/{SLUG}")), "{path}: {body}");
    }
    app.stop().await;
}
