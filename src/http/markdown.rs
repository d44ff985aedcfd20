//! Organisers write rules pages in Markdown; the public sees HTML with every raw HTML tag
//! escaped and only http(s)/mailto/relative links, so a rules page cannot carry a script.

use pulldown_cmark::{html, CowStr, Event, Options, Parser, Tag};

fn safe_url(url: &str) -> bool {
    let lower = url.trim().to_ascii_lowercase();
    lower.starts_with("https://")
        || lower.starts_with("http://")
        || lower.starts_with("mailto:")
        || lower.starts_with('/')
        || lower.starts_with('#')
}

pub fn render(markdown: &str) -> String {
    let parser =
        Parser::new_ext(markdown, Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH).map(|event| match event {
            Event::Html(raw) | Event::InlineHtml(raw) => Event::Text(raw),
            Event::Start(Tag::Link { link_type, dest_url, title, id }) if !safe_url(&dest_url) => {
                Event::Start(Tag::Link { link_type, dest_url: CowStr::from("#"), title, id })
            }
            Event::Start(Tag::Image { link_type, dest_url, title, id }) if !safe_url(&dest_url) => {
                Event::Start(Tag::Image { link_type, dest_url: CowStr::from("#"), title, id })
            }
            other => other,
        });
    let mut out = String::new();
    html::push_html(&mut out, parser);
    out
}

#[cfg(test)]
mod tests {
    use super::render;

    #[test]
    fn markdown_renders_and_html_is_escaped() {
        let html =
            render("# Thể lệ\n\n**Đối tượng**: công dân.\n\n<script>alert(1)</script>\n\n<img src=x onerror=alert(1)>");
        assert!(html.contains("<h1>Thể lệ</h1>"));
        assert!(html.contains("<strong>Đối tượng</strong>"));
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("<img"), "{html}");
        assert!(html.contains("&lt;script&gt;"));
    }

    #[test]
    fn only_safe_links_survive() {
        let html = render("[a](javascript:alert(1)) [b](https://moj.gov.vn) [c](data:text/html,x)");
        assert!(!html.contains("javascript:"), "{html}");
        assert!(!html.contains("data:"), "{html}");
        assert!(html.contains("https://moj.gov.vn"));
    }
}
