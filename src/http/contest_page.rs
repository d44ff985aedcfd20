//! The contest's HTML pages: `/c/{slug}` (the phone app with the contest's Open Graph tags,
//! so Zalo and Facebook previews work without JavaScript) and `/c/{slug}/poster` (a printable
//! poster with a QR code of the contest's address, rendered here as SVG) and `/c/{slug}/ket-qua`
//! (the public winners and participation statistics).

use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{TimeZone, Timelike};

use super::assets::{dynamic_page, page_response, CATALOG};
use super::{ApiError, AppState, Lang};

#[derive(sqlx::FromRow)]
struct Summary {
    id: i64,
    slug: String,
    title: String,
    organiser: String,
    rules_md: String,
    logo_url: Option<String>,
}

async fn summary(state: &AppState, slug: &str) -> Result<Option<Summary>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, slug, title, organiser, rules_md, logo_url FROM contests WHERE slug = $1 AND status = 'published'",
    )
    .bind(slug)
    .fetch_optional(&state.pg)
    .await
}

/// The published contest of a slug, or 404 `not_found`.
async fn published(state: &AppState, slug: &str, lang: Lang) -> Result<Summary, ApiError> {
    summary(state, slug).await?.ok_or_else(|| ApiError::new(lang, actix_web::http::StatusCode::NOT_FOUND, "not_found"))
}

/// A server-rendered page (no script), revalidated on every visit.
fn html_response(html: String) -> HttpResponse {
    HttpResponse::Ok().content_type("text/html; charset=utf-8").insert_header(("cache-control", "no-cache")).body(html)
}

/// Text for an HTML attribute or element.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A preview's description: the rules' first words without Markdown marks.
fn plain_excerpt(md: &str, max_chars: usize) -> String {
    let text: String = md.chars().map(|c| if "#*_`>|[]".contains(c) { ' ' } else { c }).collect();
    let words: Vec<&str> = text.split_whitespace().collect();
    let joined = words.join(" ");
    if joined.chars().count() <= max_chars {
        return joined;
    }
    let cut: String = joined.chars().take(max_chars).collect();
    let cut = cut.rsplit_once(' ').map_or(cut.as_str(), |(a, _)| a).to_string();
    format!("{cut}…")
}

/// The meta tags a link preview reads.
fn og_tags(s: &Summary, base: &str) -> String {
    let url = format!("{base}/c/{}", s.slug);
    let rules = plain_excerpt(&s.rules_md, 180);
    let description = if rules.is_empty() { s.organiser.clone() } else { format!("{} — {rules}", s.organiser) };
    let mut tags = format!(
        "<meta name=\"description\" content=\"{d}\">\n<meta property=\"og:type\" content=\"website\">\n\
         <meta property=\"og:locale\" content=\"vi_VN\">\n<meta property=\"og:site_name\" content=\"{o}\">\n\
         <meta property=\"og:title\" content=\"{t}\">\n<meta property=\"og:description\" content=\"{d}\">\n\
         <meta property=\"og:url\" content=\"{u}\">\n<link rel=\"canonical\" href=\"{u}\">\n",
        d = esc(&description),
        o = esc(&s.organiser),
        t = esc(&s.title),
        u = esc(&url),
    );
    let logo = s.logo_url.as_deref().map(str::trim).filter(|l| !l.is_empty());
    let image = logo.and_then(|l| {
        if l.starts_with("https://") || l.starts_with("http://") {
            Some(l.to_string())
        } else if l.starts_with('/') && !l.starts_with("//") {
            Some(format!("{base}{l}"))
        } else {
            None
        }
    });
    match image {
        Some(img) => tags.push_str(&format!(
            "<meta property=\"og:image\" content=\"{}\">\n<meta name=\"twitter:card\" content=\"summary_large_image\">\n",
            esc(&img)
        )),
        None => tags.push_str("<meta name=\"twitter:card\" content=\"summary\">\n"),
    }
    tags
}

/// Replaces the first `from` in `html` by `to` (the template's element is known to be there:
/// the unit test `the_template_has_every_slot` checks each one).
fn put(html: &mut String, from: &str, to: &str) {
    if let Some(at) = html.find(from) {
        html.replace_range(at..at + from.len(), to);
    }
}

/// The slots of frontend/index.html that the server fills, so that a phone reads the contest
/// (title, organiser, rounds, rules) before any script arrives, or without scripts at all.
const SLOT_BODY: &str = "<body>";
const SLOT_TITLE: &str = "<h1 id=\"title\" data-t=\"title\">Thi trực tuyến tìm hiểu pháp luật</h1>";
const SLOT_ORG: &str = "<p id=\"org\" class=\"hint\"><span id=\"org-name\"></span></p>";
const SLOT_BOOT: &str = "<p id=\"boot\" data-t=\"boot\">";
const SLOT_INFO: &str = "<section id=\"info\" hidden ";
const SLOT_ROUNDS: &str = "<ul id=\"rounds\"></ul>";
const SLOT_RULES: &str = "<div id=\"rules\"></div>";
const SLOT_RESULTS: &str = "<a id=\"results-link\" ";

/// Where a page loads the contest's logo from: a logo on this server by its path; one stored
/// as a data: URL (uploaded in the console, checked and size-limited there) from
/// `/c/{slug}/logo`, versioned by its hash so that it is cached for good and the page stays
/// small on a slow link.
fn logo_src(s: &Summary) -> Option<String> {
    let logo = s.logo_url.as_deref().map(str::trim).filter(|l| !l.is_empty())?;
    if logo.starts_with('/') && !logo.starts_with("//") {
        return Some(logo.to_string());
    }
    logo.starts_with("data:image/").then(|| {
        use sha2::Digest;
        let v = hex::encode(&sha2::Sha256::digest(logo.as_bytes())[..6]);
        format!("/c/{}/logo?v={v}", s.slug)
    })
}

/// The logo as an `<img>` beside the organiser's name (so no text alternative of its own), or "".
fn logo_img(s: &Summary) -> String {
    logo_src(s).map_or_else(String::new, |src| format!("<img class=\"logo\" src=\"{}\" alt=\"\">", esc(&src)))
}

/// `/c/{slug}/logo`: the logo of a published contest stored as a data: URL, as an image.
pub async fn logo(path: web::Path<String>, state: web::Data<AppState>, lang: Lang) -> Result<HttpResponse, ApiError> {
    use base64::Engine;
    let s = published(&state, &path, lang).await?;
    let not_found = || ApiError::new(lang, actix_web::http::StatusCode::NOT_FOUND, "not_found");
    let logo = s.logo_url.as_deref().unwrap_or("");
    let (kind, data) = logo.strip_prefix("data:image/").and_then(|r| r.split_once(";base64,")).ok_or_else(not_found)?;
    let content_type = match kind {
        "png" => "image/png",
        "jpeg" => "image/jpeg",
        "webp" => "image/webp",
        _ => return Err(not_found()),
    };
    let bytes = base64::engine::general_purpose::STANDARD.decode(data).map_err(|_| not_found())?;
    Ok(HttpResponse::Ok()
        .content_type(content_type)
        // The page asks for it with ?v={hash of the logo}: a new logo is a new URL.
        .insert_header(("cache-control", "public, max-age=31536000, immutable"))
        .insert_header(("x-content-type-options", "nosniff"))
        .body(bytes))
}

/// JSON in a `<script type="application/json">`: no `<` in it, so no `</script>` or `<!--`
/// can end or bend the element (`<` only occurs inside JSON strings, where `\u003c` is the same).
fn data_block(json: &str) -> String {
    format!("<script type=\"application/json\" id=\"contest-data\">{}</script>", json.replace('<', "\\u003c"))
}

/// The contest's text in the page's slots. `now_ms` marks the open round as app.js does.
fn fill_page(html: &mut String, s: &Summary, rounds: &[crate::store::pg::RoundRow], now_ms: i64) {
    put(html, SLOT_BODY, "<body class=\"auth\">");
    put(html, SLOT_TITLE, &format!("<h1 id=\"title\">{}</h1>", esc(&s.title)));
    put(
        html,
        SLOT_ORG,
        &format!("<p id=\"org\" class=\"hint\">{}<span id=\"org-name\">{}</span></p>", logo_img(s), esc(&s.organiser)),
    );
    put(html, SLOT_BOOT, "<p id=\"boot\" data-t=\"boot\" hidden>");
    put(html, SLOT_INFO, "<section id=\"info\" ");
    let items: String = rounds
        .iter()
        .map(|r| {
            let open = r.opens_at_ms <= now_ms && now_ms < r.closes_at_ms;
            format!(
                "<li>{}: từ {} đến {}{}</li>",
                esc(&r.title),
                vn_time(r.opens_at_ms, false),
                vn_time(r.closes_at_ms, true),
                if open { " (đang mở)" } else { "" }
            )
        })
        .collect();
    put(html, SLOT_ROUNDS, &format!("<ul id=\"rounds\">{items}</ul>"));
    // Rendered and sanitised as GET /api/contests/{slug} renders it (rules_html).
    put(html, SLOT_RULES, &format!("<div id=\"rules\">{}</div>", super::markdown::render(&s.rules_md)));
    put(html, SLOT_RESULTS, &format!("<a id=\"results-link\" href=\"/c/{}/ket-qua\" ", esc(&s.slug)));
}

/// `/c/{slug}`: the phone app. A published contest's page carries its title, organiser, round
/// windows and rules (readable before and without scripts) and its preview tags; any other
/// slug gets the plain page, whose script says the contest was not found.
pub async fn page(
    req: HttpRequest,
    path: web::Path<String>,
    state: web::Data<AppState>,
    lang: Lang,
) -> Result<HttpResponse, ApiError> {
    let page = CATALOG
        .page("index.html")
        .ok_or_else(|| ApiError::new(lang, actix_web::http::StatusCode::NOT_FOUND, "not_found"))?;
    let Some(s) = summary(&state, &path).await? else { return Ok(page_response(&req, page)) };
    let rounds = crate::store::pg::rounds_of_contest(&state.pg, s.id).await?;
    let mut html = page.html.clone();
    fill_page(&mut html, &s, &rounds, chrono::Utc::now().timestamp_millis());
    // The contest as GET /api/contests/{slug} answers it, in the page: app.js reads it instead
    // of fetching it (one round trip less on a slow link). A JSON data block is not executed,
    // so the CSP's script-src does not apply to it.
    let api = super::contests::contest(web::Path::from(s.slug.clone()), state.clone(), lang).await?;
    if api.status() == actix_web::http::StatusCode::OK {
        if let Ok(mut v) = actix_web::body::to_bytes(api.into_body())
            .await
            .map_err(|_| ())
            .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).map_err(|_| ()))
        {
            // What the page already shows (#rules) or never uses: the bytes stay off the link.
            if let Some(o) = v.as_object_mut() {
                o.remove("rules_html");
                o.remove("rules_md");
                // A data: URL logo would put its bytes in every visit: its cached URL instead.
                o.insert("logo_url".into(), serde_json::json!(logo_src(&s)));
            }
            if let Some(c) = v.pointer_mut("/consent").and_then(|c| c.as_object_mut()) {
                c.remove("text");
            }
            put(&mut html, "</body>", &format!("{}</body>", data_block(&v.to_string())));
        }
    }
    if let (Some(a), Some(b)) = (html.find("<title>"), html.find("</title>")) {
        html.replace_range(a..b + "</title>".len(), &format!("<title>{}</title>", esc(&s.title)));
    }
    let at = html.find("<title>").unwrap_or(0);
    html.insert_str(at, &og_tags(&s, &state.public_url));
    Ok(dynamic_page(page, html))
}

/// "0h00 ngày 01/12/2026" in Asia/Ho_Chi_Minh; a window's midnight end reads "24h00" of the day before.
pub fn vn_time(ms: i64, end: bool) -> String {
    let tz = chrono_tz::Asia::Ho_Chi_Minh;
    let Some(t) = tz.timestamp_millis_opt(ms).single() else { return String::new() };
    if end && t.hour() == 0 && t.minute() == 0 {
        let d = t - chrono::Duration::days(1);
        return format!("24h00 ngày {}", d.format("%d/%m/%Y"));
    }
    format!("{}h{:02} ngày {}", t.hour(), t.minute(), t.format("%d/%m/%Y"))
}

/// The QR code of `url` as an inline SVG element.
pub fn qr_svg(url: &str) -> Option<String> {
    let code = qrcode::QrCode::with_error_correction_level(url.as_bytes(), qrcode::EcLevel::M).ok()?;
    let svg = code
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(320, 320)
        .quiet_zone(true)
        .dark_color(qrcode::render::svg::Color("#000000"))
        .light_color(qrcode::render::svg::Color("#ffffff"))
        .build();
    // Inline in HTML: drop the XML declaration, name the image for screen readers.
    let start = svg.find("<svg")?;
    Some(svg[start..].replacen("<svg", "<svg role=\"img\" aria-label=\"Mã QR\"", 1))
}

/// `/c/{slug}/poster`: a printable A4 poster for the organiser: title, organiser, rounds, a
/// QR code and the address in letters. Server-rendered HTML, no script.
pub async fn poster(path: web::Path<String>, state: web::Data<AppState>, lang: Lang) -> Result<HttpResponse, ApiError> {
    let s = published(&state, &path, lang).await?;
    let url = format!("{}/c/{}", state.public_url, s.slug);
    let qr = qr_svg(&url).ok_or_else(|| ApiError::internal(lang, &"QR code"))?;
    let rounds = crate::store::pg::rounds_of_contest(&state.pg, s.id).await?;
    let items: String = rounds
        .iter()
        .map(|r| {
            format!(
                "<li><strong>{}</strong>: từ {} đến {}</li>",
                esc(&r.title),
                vn_time(r.opens_at_ms, false),
                vn_time(r.closes_at_ms, true)
            )
        })
        .collect();
    let css = CATALOG.url("poster.css").unwrap_or("/assets/poster.css");
    let html = format!(
        "<!doctype html>\n<html lang=\"vi\">\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\n\
         <title>{title} — áp phích</title>\n<link rel=\"icon\" href=\"data:,\">\n<link rel=\"stylesheet\" href=\"{css}\">\n<body class=\"poster\">\n<main>\n\
         <p class=\"org\">{logo}{org}</p>\n<h1>{title}</h1>\n<p class=\"call\">Quét mã QR bằng Zalo hoặc máy ảnh điện thoại để dự thi</p>\n\
         <div class=\"qr\">{qr}</div>\n<p class=\"url\">{url_text}</p>\n<h2>Thời gian thi</h2>\n<ul>{items}</ul>\n</main>\n</body>\n</html>\n",
        title = esc(&s.title),
        org = esc(&s.organiser),
        url_text = esc(&url),
        logo = logo_img(&s),
    );
    Ok(html_response(html))
}

/// The public statistics' breakdowns, in the order the page shows them.
const PUBLIC_DIMENSIONS: [(&str, &str); 6] = [
    ("province", "Theo tỉnh, thành phố"),
    ("area", "Theo khu vực (thành thị, nông thôn)"),
    ("unit", "Theo đơn vị dự thi"),
    ("age_band", "Theo độ tuổi"),
    ("sex", "Theo giới tính"),
    ("occupation", "Theo nghề nghiệp"),
];

/// A count the statistics hid (a group under five people) reads as a dash.
fn count(v: &serde_json::Value) -> String {
    v.as_i64().map_or_else(|| "—".to_string(), crate::report::int_vi)
}

/// A table with a caption, header cells and rows of already escaped cells.
fn table(caption: &str, head: &[&str], rows: &[Vec<String>]) -> String {
    let th: String = head.iter().map(|h| format!("<th scope=\"col\">{}</th>", esc(h))).collect();
    let body: String = rows
        .iter()
        .map(|r| format!("<tr>{}</tr>", r.iter().map(|c| format!("<td>{c}</td>")).collect::<String>()))
        .collect();
    // Wide tables scroll inside a focusable region on a narrow phone, not the page.
    format!(
        "<div class=\"scroll\" role=\"region\" tabindex=\"0\" aria-label=\"{c}\"><table><caption>{c}</caption>\
         <thead><tr>{th}</tr></thead><tbody>{body}</tbody></table></div>",
        c = esc(caption)
    )
}

/// `/c/{slug}/ket-qua`: the public results page of a published contest, for anyone and
/// without script (a Zalo webview, a printed notice): the verified winners once the list is
/// published (names and phones masked, commune shown), and the participation statistics
/// (groups under five people merged). Server-rendered, Vietnamese.
pub async fn results_page(
    path: web::Path<String>,
    state: web::Data<AppState>,
    lang: Lang,
) -> Result<HttpResponse, ApiError> {
    let s = published(&state, &path, lang).await?;
    let winners = crate::awards::published_winners(&state.pg, s.id).await?;
    let stats: serde_json::Value =
        serde_json::from_str(&crate::http::admin::stats::public_summary(&state, lang, s.id, &s.slug).await?)
            .map_err(|e| ApiError::internal(lang, &e))?;
    let winners_html = match &winners {
        None => "<p>Ban Tổ chức chưa công bố danh sách đoạt giải.</p>".to_string(),
        Some(list) if list.is_empty() => "<p>Chưa có người đoạt giải.</p>".to_string(),
        Some(list) => {
            let rows: Vec<Vec<String>> = list
                .iter()
                .map(|w| {
                    vec![
                        esc(w.round_title.as_deref().unwrap_or("Chung cuộc")),
                        esc(&w.prize),
                        w.rank.to_string(),
                        esc(&w.name),
                        esc(&w.phone),
                        esc(w.commune.as_deref().unwrap_or("")),
                    ]
                })
                .collect();
            table(
                "Danh sách đoạt giải",
                &["Vòng thi", "Giải", "Hạng", "Họ và tên", "Số điện thoại", "Xã, phường, đặc khu"],
                &rows,
            )
        }
    };
    let rounds: Vec<Vec<String>> = stats["rounds"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|r| vec![esc(r["title"].as_str().unwrap_or("")), count(&r["participants"]), count(&r["attempts"])])
        .collect();
    let mut breakdowns = String::new();
    for (dim, title) in PUBLIC_DIMENSIONS {
        let groups: Vec<Vec<String>> = stats["by"][dim]
            .as_array()
            .into_iter()
            .flatten()
            .map(|g| vec![esc(g["label"].as_str().unwrap_or("")), count(&g["participants"]), count(&g["attempts"])])
            .collect();
        if !groups.is_empty() {
            breakdowns.push_str(&table(title, &["Nhóm", "Người dự thi", "Lượt thi"], &groups));
        }
    }
    let css = CATALOG.url("public.css").unwrap_or("/assets/public.css");
    let html = format!(
        "<!doctype html>\n<html lang=\"vi\">\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\n\
         <title>Kết quả — {title}</title>\n<link rel=\"icon\" href=\"data:,\">\n<link rel=\"stylesheet\" href=\"{css}\">\n\
         <body class=\"public\">\n<main>\n<p class=\"org\">{logo}{org}</p>\n<h1>{title}</h1>\n\
         <p><a href=\"/c/{slug}\">Về trang cuộc thi</a></p>\n\
         <section aria-labelledby=\"winners-h\"><h2 id=\"winners-h\">Danh sách đoạt giải</h2>\n{winners_html}</section>\n\
         <section aria-labelledby=\"stats-h\"><h2 id=\"stats-h\">Thống kê tham gia</h2>\n\
         <dl><dt>Số người dự thi</dt><dd>{participants}</dd><dt>Số lượt thi</dt><dd>{attempts}</dd></dl>\n\
         {rounds}{breakdowns}\n<p class=\"hint\">Nhóm dưới 5 người được gộp lại để không ai bị nhận ra; số liệu cập nhật mỗi phút.</p></section>\n\
         </main>\n</body>\n</html>\n",
        title = esc(&s.title),
        org = esc(&s.organiser),
        slug = esc(&s.slug),
        logo = logo_img(&s),
        participants = count(&stats["participants"]),
        attempts = count(&stats["attempts"]),
        rounds = table("Theo vòng thi", &["Vòng thi", "Người dự thi", "Lượt thi"], &rounds),
    );
    Ok(html_response(html))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_read_the_vietnamese_way() {
        // 2026-12-01 00:00 and 2026-12-08 00:00 in UTC+7.
        let open = chrono::DateTime::parse_from_rfc3339("2026-12-01T00:00:00+07:00").expect("date").timestamp_millis();
        let close = chrono::DateTime::parse_from_rfc3339("2026-12-08T00:00:00+07:00").expect("date").timestamp_millis();
        assert_eq!(vn_time(open, false), "0h00 ngày 01/12/2026");
        assert_eq!(vn_time(close, true), "24h00 ngày 07/12/2026");
        assert_eq!(vn_time(close + 90 * 60_000, true), "1h30 ngày 08/12/2026");
    }

    #[test]
    fn the_data_block_cannot_be_closed_early() {
        let b = data_block(r#"{"rules_html":"<p>a</p></script><script>alert(1)</script><!--"}"#);
        assert_eq!(b.matches("</script>").count(), 1, "{b}");
        assert_eq!(b.matches('<').count(), 2, "only the element's own tags: {b}");
        let inner = &b["<script type=\"application/json\" id=\"contest-data\">".len()..b.len() - "</script>".len()];
        let v: serde_json::Value = serde_json::from_str(inner).expect("still JSON");
        assert_eq!(v["rules_html"], "<p>a</p></script><script>alert(1)</script><!--");
    }

    #[test]
    fn the_template_has_every_slot() {
        let page = CATALOG.page("index.html").expect("index.html");
        for slot in [SLOT_BODY, SLOT_TITLE, SLOT_ORG, SLOT_BOOT, SLOT_INFO, SLOT_ROUNDS, SLOT_RULES, SLOT_RESULTS] {
            assert_eq!(page.html.matches(slot).count(), 1, "{slot}");
        }
    }

    #[test]
    fn previews_escape_and_excerpt() {
        assert_eq!(esc("a\"<b>&'"), "a&quot;&lt;b&gt;&amp;&#39;");
        assert_eq!(plain_excerpt("# Thể lệ\n\n**Đối tượng** dự thi", 100), "Thể lệ Đối tượng dự thi");
        assert!(plain_excerpt(&"từ ".repeat(100), 20).ends_with('…'));
        let svg = qr_svg("https://thi.example.vn/c/x").expect("qr");
        assert!(svg.starts_with("<svg role=\"img\"") && svg.contains("<path"), "{svg}");
    }
}
