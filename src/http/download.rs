//! Every file the API hands out (CSV, XLSX, PDF, JSON) starts here: its content type, an
//! RFC 6266 file name (`filename*` in UTF-8 for Vietnamese letters, after a plain ASCII
//! `filename` for clients that read only that), and `Cache-Control: no-store` when the file
//! carries personal data. The caller adds the body, whole or streamed.

use actix_web::http::header::{
    CacheControl, CacheDirective, Charset, ContentDisposition, DispositionParam, DispositionType, ExtendedValue,
};
use actix_web::{HttpResponse, HttpResponseBuilder};

/// What a download holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// UTF-8 with a byte-order mark (Excel opens it as UTF-8 then).
    Csv,
    Xlsx,
    Pdf,
    Json,
}

impl Kind {
    pub fn content_type(self) -> &'static str {
        match self {
            Kind::Csv => "text/csv; charset=utf-8",
            Kind::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            Kind::Pdf => "application/pdf",
            Kind::Json => "application/json",
        }
    }
}

/// Whether a download names or describes people (then no cache may keep it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Data {
    Personal,
    Anonymous,
}

/// The `Content-Disposition` of a file called `name`: an ASCII `filename` (Vietnamese letters
/// without their marks, anything else outside `[A-Za-z0-9._-]` as `-`), and, when that is
/// not `name` itself, `filename*` with the name in UTF-8.
pub fn attachment(name: &str) -> ContentDisposition {
    let fallback = ascii_name(name);
    let mut parameters = vec![DispositionParam::Filename(fallback.clone())];
    if fallback != name {
        parameters.push(DispositionParam::FilenameExt(ExtendedValue {
            charset: Charset::Ext("UTF-8".to_string()),
            language_tag: None,
            value: name.as_bytes().to_vec(),
        }));
    }
    ContentDisposition { disposition: DispositionType::Attachment, parameters }
}

fn ascii_name(name: &str) -> String {
    use unicode_normalization::char::is_combining_mark;
    use unicode_normalization::UnicodeNormalization;
    name.nfd()
        .filter(|c| !is_combining_mark(*c))
        .map(|c| match c {
            'đ' => 'd',
            'Đ' => 'D',
            c if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') => c,
            _ => '-',
        })
        .collect()
}

/// A 200 answer for the file `name`: content type, file name and cache policy set; the
/// caller adds the body (`.body(bytes)`, `.streaming(chunks)`, `.json(value)`).
pub fn start(kind: Kind, name: &str, data: Data) -> HttpResponseBuilder {
    let mut res = HttpResponse::Ok();
    res.content_type(kind.content_type()).insert_header(attachment(name));
    if data == Data::Personal {
        res.insert_header(CacheControl(vec![CacheDirective::NoStore]));
    }
    res
}

#[cfg(test)]
mod tests {
    use actix_web::http::header;

    use super::*;

    fn headers(kind: Kind, name: &str, data: Data) -> (String, String, Option<String>) {
        let res = start(kind, name, data).finish();
        let get = |h| res.headers().get(h).map(|v| v.to_str().expect("ascii header").to_string());
        (
            get(header::CONTENT_TYPE).expect("type"),
            get(header::CONTENT_DISPOSITION).expect("disposition"),
            get(header::CACHE_CONTROL),
        )
    }

    #[test]
    fn an_ascii_name_is_sent_as_it_is() {
        let (kind, disposition, cache) = headers(Kind::Csv, "nhat-ky.csv", Data::Personal);
        assert_eq!(kind, "text/csv; charset=utf-8");
        assert_eq!(disposition, "attachment; filename=\"nhat-ky.csv\"");
        assert_eq!(cache.as_deref(), Some("no-store"));
    }

    #[test]
    fn a_vietnamese_name_has_an_ascii_fallback_and_a_utf8_name() {
        let (kind, disposition, cache) = headers(Kind::Pdf, "Báo cáo Đợt 1.pdf", Data::Anonymous);
        assert_eq!(kind, "application/pdf");
        assert_eq!(
            disposition,
            "attachment; filename=\"Bao-cao-Dot-1.pdf\"; filename*=UTF-8''B%C3%A1o%20c%C3%A1o%20%C4%90%E1%BB%A3t%201.pdf"
        );
        assert_eq!(cache, None);
    }

    #[test]
    fn quotes_and_separators_cannot_leave_the_parameter() {
        let (_, disposition, _) = headers(Kind::Json, "a\"b\\c/d;e\r\nf.json", Data::Personal);
        assert!(
            disposition.starts_with("attachment; filename=\"a-b-c-d-e--f.json\"; filename*=UTF-8''"),
            "{disposition}"
        );
        assert!(!disposition.contains('\n') && !disposition.contains('\r'), "{disposition}");
    }
}
