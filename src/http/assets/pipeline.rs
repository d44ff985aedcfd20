//! Turns frontend/'s files into what the server sends: content hashes, hashed URLs, HTML with
//! rewritten references and an import map, and each body compressed once with brotli and gzip.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::Write;

use actix_web::web::Bytes;
use base64::Engine;
use sha2::{Digest, Sha256};

/// One body in the three encodings we serve.
pub struct Encoded {
    pub raw: Bytes,
    pub br: Bytes,
    pub gzip: Bytes,
}

impl Encoded {
    pub fn new(raw: Bytes) -> Self {
        let mut br = Vec::new();
        {
            // A window no larger than the file compresses it as well as the largest one, and
            // the encoder's tables (which grow with the window) stay small: 22 bits cost
            // some 100 MiB of peak RSS at start-up for files of a few KB.
            let lgwin = (usize::BITS - raw.len().max(1).leading_zeros()).clamp(10, 22) as i32;
            let params = brotli::enc::BrotliEncoderParams { quality: 11, lgwin, ..Default::default() };
            // Writing into a Vec cannot fail.
            let _ = brotli::BrotliCompress(&mut &raw[..], &mut br, &params);
        }
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        let _ = gz.write_all(&raw);
        let gzip = gz.finish().unwrap_or_default();
        Self { raw, br: Bytes::from(br), gzip: Bytes::from(gzip) }
    }
}

/// A non-HTML file.
pub struct Asset {
    /// Path under frontend/, e.g. `console/app.js`.
    pub rel: String,
    /// `/assets/console/app.3f2a9c1b.js`
    pub url: String,
    pub content_type: &'static str,
    pub etag: String,
    pub body: Encoded,
}

/// An HTML page, prepared.
pub struct Page {
    pub rel: String,
    /// The HTML after rewriting (hashed references, import map, preloads).
    pub html: String,
    pub csp: String,
    pub etag: String,
    pub body: Encoded,
}

pub struct Catalog {
    assets: Vec<Asset>,
    /// URL (hashed → true, unhashed `/assets/{rel}` → false) → index in `assets`.
    urls: HashMap<String, (usize, bool)>,
    pages: HashMap<String, Page>,
}

fn hash_of(bytes: &[u8]) -> String {
    hex::encode(&Sha256::digest(bytes)[..4])
}

pub fn content_type(rel: &str) -> &'static str {
    match rel.rsplit_once('.').map(|(_, ext)| ext) {
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("html") => "text/html; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("ico") => "image/x-icon",
        Some("json") => "application/json",
        Some("webmanifest") => "application/manifest+json",
        Some("txt" | "md") => "text/plain; charset=utf-8",
        Some("woff2") => "font/woff2",
        _ => "application/octet-stream",
    }
}

/// `dir/name.ext` → `/assets/dir/name.{hash}.ext`
fn hashed_url(rel: &str, hash: &str) -> String {
    let (dir, file) = rel.rsplit_once('/').map_or(("", rel), |(d, f)| (d, f));
    let dir = if dir.is_empty() { String::new() } else { format!("{dir}/") };
    match file.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() => format!("/assets/{dir}{stem}.{hash}.{ext}"),
        _ => format!("/assets/{dir}{file}.{hash}"),
    }
}

/// Resolves an import specifier or `src` found in the file `from` (a path under frontend/) to
/// another path under frontend/. Bare specifiers and other origins give None.
pub fn resolve(from: &str, spec: &str) -> Option<String> {
    let spec = spec.split(['?', '#']).next().unwrap_or("");
    let mut parts: Vec<&str> = if let Some(abs) = spec.strip_prefix('/') {
        if abs.starts_with('/') {
            return None; // protocol-relative
        }
        let abs = abs.strip_prefix("assets/").unwrap_or(abs);
        return normalise(abs.split('/').collect());
    } else if spec.starts_with("./") || spec.starts_with("../") {
        from.split('/').collect()
    } else {
        return None;
    };
    parts.pop(); // the importing file's name
    parts.extend(spec.split('/'));
    normalise(parts)
}

fn normalise(parts: Vec<&str>) -> Option<String> {
    let mut out: Vec<&str> = Vec::new();
    for p in parts {
        match p {
            "" | "." => {}
            ".." => {
                out.pop()?;
            }
            p => out.push(p),
        }
    }
    (!out.is_empty()).then(|| out.join("/"))
}

/// The module specifiers a JS file imports: (static imports and re-exports, dynamic `import('…')`).
/// A small scanner, not a parser: a false hit only adds an import-map entry.
pub fn imports(src: &str) -> (Vec<String>, Vec<String>) {
    let (mut fixed, mut dynamic) = (Vec::new(), Vec::new());
    let bytes = src.as_bytes();
    let quoted_at = |mut i: usize| -> Option<String> {
        while i < bytes.len() && (bytes[i] == b' ' || bytes[i] == b'\t' || bytes[i] == b'\n' || bytes[i] == b'\r') {
            i += 1;
        }
        let q = *bytes.get(i)?;
        if q != b'\'' && q != b'"' {
            return None;
        }
        let end = src[i + 1..].find(q as char)?;
        Some(src[i + 1..i + 1 + end].to_string())
    };
    for (kw, dynamic_kw) in [("from", false), ("import", false), ("import(", true)] {
        let mut start = 0;
        while let Some(pos) = src[start..].find(kw) {
            let at = start + pos;
            start = at + kw.len();
            let before_ok =
                at == 0 || !(bytes[at - 1].is_ascii_alphanumeric() || bytes[at - 1] == b'_' || bytes[at - 1] == b'.');
            if !before_ok {
                continue;
            }
            if let Some(spec) = quoted_at(at + kw.len()) {
                if dynamic_kw {
                    dynamic.push(spec)
                } else {
                    fixed.push(spec)
                }
            }
        }
    }
    (fixed, dynamic)
}

/// Values of `attr="…"` in the tags of `html` whose name is `tag`.
fn attr_values(html: &str, tag: &str, attr: &str) -> Vec<String> {
    let mut out = Vec::new();
    let open = format!("<{tag}");
    let mut start = 0;
    while let Some(pos) = html[start..].find(&open) {
        let at = start + pos;
        let end = html[at..].find('>').map_or(html.len(), |e| at + e);
        let tag_text = &html[at..end];
        let needle = format!(" {attr}=\"");
        if let Some(v) = tag_text.find(&needle) {
            let v = &tag_text[v + needle.len()..];
            if let Some(close) = v.find('"') {
                out.push(v[..close].to_string());
            }
        }
        start = end.max(at + 1);
    }
    out
}

impl Catalog {
    pub fn build(files: &[(&str, &'static [u8])]) -> Self {
        let mut assets = Vec::new();
        let mut urls = HashMap::new();
        let mut html_files = Vec::new();
        for (rel, bytes) in files {
            if rel.ends_with(".html") {
                html_files.push((*rel, *bytes));
                continue;
            }
            let hash = hash_of(bytes);
            let url = hashed_url(rel, &hash);
            urls.insert(url.clone(), (assets.len(), true));
            urls.insert(format!("/assets/{rel}"), (assets.len(), false));
            assets.push(Asset {
                rel: rel.to_string(),
                url,
                content_type: content_type(rel),
                etag: format!("\"{hash}\""),
                body: Encoded::new(Bytes::from_static(bytes)),
            });
        }
        let mut catalog = Self { assets, urls, pages: HashMap::new() };
        for (rel, bytes) in html_files {
            let page = catalog.prepare_page(rel, &String::from_utf8_lossy(bytes));
            catalog.pages.insert(rel.to_string(), page);
        }
        catalog
    }

    pub fn asset(&self, rel: &str) -> Option<&Asset> {
        self.urls.get(&format!("/assets/{rel}")).map(|(i, _)| &self.assets[*i])
    }

    /// By URL: (asset, whether the URL is the hashed one).
    pub fn lookup(&self, url: &str) -> Option<(&Asset, bool)> {
        self.urls.get(url).map(|(i, hashed)| (&self.assets[*i], *hashed))
    }

    pub fn page(&self, rel: &str) -> Option<&Page> {
        self.pages.get(rel)
    }

    /// The hashed URL of a file under frontend/, for pages rendered elsewhere.
    pub fn url(&self, rel: &str) -> Option<&str> {
        self.asset(rel).map(|a| a.url.as_str())
    }

    /// The JS files a page loads, closed over their imports: (static closure, dynamic-only).
    fn module_graph(&self, entries: &[String]) -> (BTreeSet<String>, BTreeSet<String>) {
        let (mut fixed, mut dynamic) = (BTreeSet::new(), BTreeSet::new());
        let mut todo: Vec<(String, bool)> = entries.iter().map(|e| (e.clone(), false)).collect();
        while let Some((rel, is_dynamic)) = todo.pop() {
            let Some(asset) = self.asset(&rel) else { continue };
            let seen = if is_dynamic { dynamic.contains(&rel) || fixed.contains(&rel) } else { fixed.contains(&rel) };
            if seen {
                continue;
            }
            if is_dynamic {
                dynamic.insert(rel.clone())
            } else {
                fixed.insert(rel.clone())
            };
            let (f, d) = imports(&String::from_utf8_lossy(&asset.body.raw));
            todo.extend(f.iter().filter_map(|s| resolve(&rel, s)).map(|r| (r, is_dynamic)));
            todo.extend(d.iter().filter_map(|s| resolve(&rel, s)).map(|r| (r, true)));
        }
        dynamic.retain(|r| !fixed.contains(r));
        (fixed, dynamic)
    }

    fn prepare_page(&self, rel: &str, source: &str) -> Page {
        let entries: Vec<String> =
            attr_values(source, "script", "src").iter().filter_map(|s| resolve(rel, s)).collect();
        // Longest first, so `/a/b.js` is not half-replaced by a rule for `/b.js`.
        let mut html = source.to_string();
        let mut by_len: Vec<&Asset> = self.assets.iter().collect();
        by_len.sort_by_key(|a| std::cmp::Reverse(a.rel.len()));
        for a in by_len {
            html = html.replace(&format!("\"/assets/{}\"", a.rel), &format!("\"{}\"", a.url));
            html = html.replace(&format!("\"/{}\"", a.rel), &format!("\"{}\"", a.url));
        }
        let (fixed, dynamic) = self.module_graph(&entries);
        let mut csp = super::super::CSP.to_string();
        if !fixed.is_empty() || !dynamic.is_empty() {
            let mut map = BTreeMap::new();
            for r in fixed.iter().chain(dynamic.iter()) {
                if let Some(a) = self.asset(r) {
                    map.insert(format!("/assets/{r}"), a.url.clone());
                    map.insert(format!("/{r}"), a.url.clone());
                }
            }
            let json = serde_json::json!({ "imports": map }).to_string();
            let digest = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(json.as_bytes()));
            csp = csp.replacen("script-src 'self'", &format!("script-src 'self' 'sha256-{digest}'"), 1);
            // Preload every statically imported module so a slow link fetches them in parallel,
            // not one import level per round trip.
            let preload: String = fixed
                .iter()
                .filter(|r| !entries.contains(r))
                .filter_map(|r| self.asset(r))
                .map(|a| format!("<link rel=\"modulepreload\" href=\"{}\">\n", a.url))
                .collect();
            let head = format!("<script type=\"importmap\">{json}</script>\n{preload}");
            let at = html.find("<script").or_else(|| html.find("<link rel=\"stylesheet\"")).unwrap_or(0);
            html.insert_str(at, &head);
        }
        let etag = format!("\"{}\"", hash_of(html.as_bytes()));
        Page { rel: rel.to_string(), body: Encoded::new(Bytes::from(html.clone())), html, csp, etag }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specifiers_resolve_relative_to_the_importing_file() {
        assert_eq!(resolve("console/app.js", "./chart.js").as_deref(), Some("console/chart.js"));
        assert_eq!(resolve("console/app.js", "../pow.js").as_deref(), Some("pow.js"));
        assert_eq!(resolve("index.html", "/app.js").as_deref(), Some("app.js"));
        assert_eq!(resolve("index.html", "/assets/i18n/en.js").as_deref(), Some("i18n/en.js"));
        assert_eq!(resolve("app.js", "../../etc/passwd"), None);
        assert_eq!(resolve("app.js", "lodash"), None);
        assert_eq!(resolve("app.js", "//cdn.example/x.js"), None);
    }

    #[test]
    fn the_scanner_finds_static_and_dynamic_imports() {
        let (f, d) = imports("import { t } from './i18n.js';\nexport * from \"./b.js\";\nimport './side.js';\nconst en = await import('./en.js');\nconst transform = 1;");
        assert_eq!(f, vec!["./i18n.js", "./b.js", "./side.js"]);
        assert_eq!(d, vec!["./en.js"]);
    }

    #[test]
    fn pages_get_hashed_references_an_import_map_and_a_csp_hash() {
        let files: &[(&str, &'static [u8])] = &[
            ("index.html", b"<!doctype html><link rel=\"stylesheet\" href=\"/style.css\"><script type=\"module\" src=\"/app.js\"></script>"),
            ("app.js", b"import { t } from './i18n.js'; const en = () => import('./en.js');"),
            ("i18n.js", b"export const t = 1;"),
            ("en.js", b"export default {};"),
            ("style.css", b"body{}"),
        ];
        let c = Catalog::build(files);
        let page = c.page("index.html").expect("page");
        let app = c.url("app.js").expect("app");
        assert!(
            app.starts_with("/assets/app.") && app.ends_with(".js") && app.len() == "/assets/app.12345678.js".len()
        );
        assert!(page.html.contains(&format!("src=\"{app}\"")), "{}", page.html);
        assert!(page.html.contains(c.url("style.css").expect("css")));
        let i18n = c.url("i18n.js").expect("i18n");
        assert!(page.html.contains(&format!("\"/assets/i18n.js\":\"{i18n}\"")), "{}", page.html);
        assert!(page.html.contains(&format!("<link rel=\"modulepreload\" href=\"{i18n}\">")));
        assert!(
            !page.html.contains(&format!("modulepreload\" href=\"{}", c.url("en.js").expect("en"))),
            "dynamic imports are not preloaded"
        );
        assert!(page.html.contains(c.url("en.js").expect("en")), "but mapped");
        assert!(page.csp.contains("script-src 'self' 'sha256-"));
        let (a, hashed) = c.lookup(app).expect("served");
        assert!(hashed && a.rel == "app.js");
        assert_eq!(c.lookup("/assets/app.js").map(|(_, h)| h), Some(false));
        // The bodies decompress to the original.
        let mut out = Vec::new();
        brotli::BrotliDecompress(&mut &a.body.br[..], &mut out).expect("brotli");
        assert_eq!(out, a.body.raw.to_vec());
    }
}
