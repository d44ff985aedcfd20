//! The ZIP check before a workbook is parsed: entry count, the real decompressed size of every
//! entry (decompressed here with a cap; the sizes the archive declares are never trusted),
//! compression ratio, no archive inside the archive, and for XML parts no document type
//! declaration (the entities of a "billion laughs"), no deep nesting and a bounded number of
//! shared strings.

use std::io::Read;

use super::{Refusal, MAX_SHARED_STRINGS, MAX_UNZIPPED_BYTES, MAX_XML_DEPTH, MAX_ZIP_ENTRIES, MAX_ZIP_RATIO};

fn refuse(limit: &str, vi: String, en: String) -> Refusal {
    Refusal::new(limit, vi, en)
}

fn nested() -> Refusal {
    refuse(
        "nested_archive",
        "Tệp XLSX chứa một tệp nén khác bên trong; hãy xóa đối tượng nhúng rồi lưu lại.".into(),
        "The XLSX file contains another archive; remove embedded objects and save it again.".into(),
    )
}

pub(super) fn check(bytes: &[u8]) -> Result<(), Refusal> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(super::xlsx::invalid)?;
    if archive.len() > MAX_ZIP_ENTRIES {
        return Err(refuse(
            "zip_entries",
            format!("Tệp XLSX có hơn {MAX_ZIP_ENTRIES} thành phần."),
            format!("The XLSX file has more than {MAX_ZIP_ENTRIES} parts."),
        ));
    }
    let mut total: u64 = 0;
    let mut buf = vec![0u8; 64 * 1024];
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).map_err(super::xlsx::invalid)?;
        let name = entry.name().map_err(super::xlsx::invalid)?.to_ascii_lowercase();
        if [".zip", ".xlsx", ".xlsm", ".docx", ".pptx", ".jar", ".gz", ".7z", ".rar"]
            .iter()
            .any(|ext| name.ends_with(ext))
        {
            return Err(nested());
        }
        let compressed = entry.compressed_size().max(1);
        // Every part that looks like XML is scanned, whatever its name: the workbook's
        // relationships may point calamine at a sheet with any extension.
        let mut scan: Option<XmlScan> = None;
        let mut size: u64 = 0;
        loop {
            let n = entry.read(&mut buf).map_err(super::xlsx::invalid)?;
            if n == 0 {
                break;
            }
            if size == 0 && buf[..n].starts_with(b"PK\x03\x04") {
                return Err(nested());
            }
            if size == 0 && looks_like_xml(&buf[..n]) {
                scan = Some(XmlScan::new(name.ends_with("sharedstrings.xml")));
            }
            size += n as u64;
            total += n as u64;
            if total > MAX_UNZIPPED_BYTES {
                let mib = MAX_UNZIPPED_BYTES >> 20;
                return Err(refuse(
                    "unzipped_bytes",
                    format!("Nội dung tệp XLSX khi giải nén lớn hơn giới hạn {mib} MiB."),
                    format!("The XLSX file's contents are larger than the limit of {mib} MiB once decompressed."),
                ));
            }
            if size > 1 << 20 && size / compressed > MAX_ZIP_RATIO {
                return Err(refuse(
                    "zip_ratio",
                    format!("Tệp XLSX bị nén bất thường (hơn {MAX_ZIP_RATIO} lần): có thể là “bom nén”."),
                    format!("The XLSX file is compressed more than {MAX_ZIP_RATIO} times: a likely ZIP bomb."),
                ));
            }
            if let Some(scan) = scan.as_mut() {
                scan.feed(&buf[..n])?;
            }
        }
    }
    Ok(())
}

/// Text starting (after an optional BOM and blanks) with `<`; binary parts (images,
/// printer settings) do not.
fn looks_like_xml(start: &[u8]) -> bool {
    let start = start.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(start);
    start.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'<')
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    Text,
    /// Just after `<`: the tag's name so far is in `name`.
    Name,
    /// Inside a tag after its name; `Some(q)` inside an attribute value quoted with `q`.
    Attributes(Option<u8>),
    /// A comment, processing instruction or CDATA: skipped up to the next `>`.
    Other,
}

/// A small tag scanner (no parsing): nesting depth, `<si>` elements, `<!DOCTYPE`/`<!ENTITY`.
struct XmlScan {
    state: State,
    name: Vec<u8>,
    closing: bool,
    previous: u8,
    depth: u32,
    strings: usize,
    count_strings: bool,
}

impl XmlScan {
    fn new(count_strings: bool) -> Self {
        Self {
            state: State::Text,
            name: Vec::with_capacity(32),
            closing: false,
            previous: 0,
            depth: 0,
            strings: 0,
            count_strings,
        }
    }

    fn feed(&mut self, chunk: &[u8]) -> Result<(), Refusal> {
        for &b in chunk {
            match self.state {
                State::Text if b == b'<' => {
                    self.state = State::Name;
                    self.name.clear();
                    self.closing = false;
                }
                State::Text => {}
                State::Name if b == b'/' && self.name.is_empty() && !self.closing => self.closing = true,
                State::Name if b == b'>' || b == b'/' || b.is_ascii_whitespace() => {
                    self.end_name()?;
                    self.attribute_byte(b)?;
                }
                State::Name => {
                    if self.name.len() < 32 {
                        self.name.push(b);
                    }
                    if self.name == b"!--" || self.name == b"![CDATA[" {
                        self.state = State::Other;
                    }
                }
                State::Attributes(_) => self.attribute_byte(b)?,
                State::Other if b == b'>' => self.state = State::Text,
                State::Other => {}
            }
            self.previous = b;
        }
        Ok(())
    }

    fn end_name(&mut self) -> Result<(), Refusal> {
        if self.name.starts_with(b"!DOCTYPE") || self.name.starts_with(b"!ENTITY") {
            return Err(refuse(
                "xml_dtd",
                "Tệp XLSX chứa khai báo DTD/ENTITY, điều mà bảng tính không bao giờ dùng.".into(),
                "The XLSX file contains a DTD/ENTITY declaration, which spreadsheets never use.".into(),
            ));
        }
        if self.name.starts_with(b"!") || self.name.starts_with(b"?") {
            self.state = State::Other;
            return Ok(());
        }
        self.state = State::Attributes(None);
        let local = self.name.rsplit(|b| *b == b':').next().unwrap_or_default();
        if self.count_strings && !self.closing && local == b"si" {
            self.strings += 1;
            if self.strings > MAX_SHARED_STRINGS {
                return Err(refuse(
                    "shared_strings",
                    format!("Tệp XLSX có hơn {MAX_SHARED_STRINGS} chuỗi dùng chung."),
                    format!("The XLSX file has more than {MAX_SHARED_STRINGS} shared strings."),
                ));
            }
        }
        Ok(())
    }

    fn attribute_byte(&mut self, b: u8) -> Result<(), Refusal> {
        match self.state {
            State::Attributes(Some(q)) if b == q => self.state = State::Attributes(None),
            State::Attributes(Some(_)) => {}
            State::Attributes(None) if b == b'"' || b == b'\'' => self.state = State::Attributes(Some(b)),
            State::Attributes(None) if b == b'>' => {
                self.state = State::Text;
                if self.closing {
                    self.depth = self.depth.saturating_sub(1);
                } else if self.previous != b'/' {
                    self.depth += 1;
                    if self.depth > MAX_XML_DEPTH {
                        return Err(refuse(
                            "xml_depth",
                            format!("Tệp XLSX có XML lồng nhau sâu hơn {MAX_XML_DEPTH} mức."),
                            format!("The XLSX file has XML nested deeper than {MAX_XML_DEPTH} levels."),
                        ));
                    }
                }
            }
            // `>` closing a comment or declaration ended in `end_name`.
            State::Other if b == b'>' => self.state = State::Text,
            _ => {}
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan(xml: &str, strings: bool) -> Result<XmlScan, Refusal> {
        let mut s = XmlScan::new(strings);
        // Fed in small pieces: tags cut between chunks are seen whole.
        for piece in xml.as_bytes().chunks(3) {
            s.feed(piece)?;
        }
        Ok(s)
    }

    #[test]
    fn counts_shared_strings_and_depth_across_chunks() {
        let s = scan(
            r#"<?xml version="1.0"?><sst a="x>y"><si><t>a</t></si><x:si/><si ><t/></si><!-- <si> --></sst>"#,
            true,
        )
        .expect("fine");
        assert_eq!((s.strings, s.depth), (3, 0));
        let deep = "<a>".repeat(MAX_XML_DEPTH as usize + 1);
        assert_eq!(scan(&deep, false).err().map(|r| r.limit), Some("xml_depth".into()));
        assert!(scan(&"<a>".repeat(MAX_XML_DEPTH as usize), false).is_ok());
        let laughs = r#"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">]><sst>&lol;</sst>"#;
        assert_eq!(scan(laughs, false).err().map(|r| r.limit), Some("xml_dtd".into()));
    }
}
