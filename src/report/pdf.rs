//! A small PDF writer: A4 pages of text in one embedded TrueType font (Identity-H encoding,
//! so every Vietnamese letter is one glyph), filled rectangles and lines for tables and bar
//! charts, compressed streams, and a ToUnicode map so the text can be searched and copied.
//! Only what the reports need; no images, no layout engine.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write as _;

pub const A4: (f32, f32) = (595.0, 842.0);

/// DejaVu Sans (see assets/fonts/dejavu/README.md).
pub static FONT: &[u8] = include_bytes!("../../assets/fonts/dejavu/DejaVuSans.ttf");

#[derive(Debug, Clone, Copy)]
pub struct Rgb(pub f32, pub f32, pub f32);

pub const BLACK: Rgb = Rgb(0.0, 0.0, 0.0);

pub struct Document {
    face: ttf_parser::Face<'static>,
    font: &'static [u8],
    pages: Vec<String>,
    /// glyph id → the character it shows (for widths and ToUnicode).
    used: BTreeMap<u16, char>,
}

impl Document {
    pub fn new(font: &'static [u8]) -> anyhow::Result<Self> {
        let face = ttf_parser::Face::parse(font, 0).map_err(|e| anyhow::anyhow!("font: {e}"))?;
        Ok(Self { face, font, pages: Vec::new(), used: BTreeMap::new() })
    }

    pub fn new_page(&mut self) {
        self.pages.push(String::new());
    }

    fn ops(&mut self) -> &mut String {
        if self.pages.is_empty() {
            self.pages.push(String::new());
        }
        let last = self.pages.len() - 1;
        &mut self.pages[last]
    }

    fn units(&self) -> f32 {
        f32::from(self.face.units_per_em())
    }

    fn glyph(&self, c: char) -> u16 {
        self.face.glyph_index(c).or_else(|| self.face.glyph_index('?')).map(|g| g.0).unwrap_or(0)
    }

    /// Width of `text` at `size` points.
    pub fn width(&self, text: &str, size: f32) -> f32 {
        let units: f32 = text
            .chars()
            .map(|c| f32::from(self.face.glyph_hor_advance(ttf_parser::GlyphId(self.glyph(c))).unwrap_or(0)))
            .sum();
        units * size / self.units()
    }

    /// `text` cut with "…" to fit `max` points.
    pub fn fit(&self, text: &str, size: f32, max: f32) -> String {
        if self.width(text, size) <= max {
            return text.to_string();
        }
        let mut out: String = text.to_string();
        while !out.is_empty() && self.width(&format!("{out}…"), size) > max {
            out.pop();
        }
        format!("{out}…")
    }

    /// Text with its baseline's left end at (x, y), y from the bottom of the page.
    pub fn text(&mut self, x: f32, y: f32, size: f32, color: Rgb, text: &str) {
        let text = crate::domain::text::nfc(text);
        let mut hex = String::with_capacity(text.len() * 4);
        for c in text.chars() {
            let g = self.glyph(c);
            self.used.entry(g).or_insert(c);
            let _ = write!(hex, "{g:04X}");
        }
        let Rgb(r, g, b) = color;
        let _ = writeln!(self.ops(), "BT {r:.3} {g:.3} {b:.3} rg /F1 {size:.1} Tf {x:.2} {y:.2} Td <{hex}> Tj ET");
    }

    /// Right-aligned at `right`.
    pub fn text_right(&mut self, right: f32, y: f32, size: f32, color: Rgb, text: &str) {
        let w = self.width(text, size);
        self.text(right - w, y, size, color, text);
    }

    pub fn rect(&mut self, x: f32, y: f32, w: f32, h: f32, color: Rgb) {
        let Rgb(r, g, b) = color;
        let _ = writeln!(self.ops(), "{r:.3} {g:.3} {b:.3} rg {x:.2} {y:.2} {w:.2} {h:.2} re f");
    }

    pub fn line(&mut self, (x1, y1): (f32, f32), (x2, y2): (f32, f32), width: f32, color: Rgb) {
        let Rgb(r, g, b) = color;
        let _ = writeln!(self.ops(), "{r:.3} {g:.3} {b:.3} RG {width:.2} w {x1:.2} {y1:.2} m {x2:.2} {y2:.2} l S");
    }

    /// The finished file.
    pub fn finish(mut self, title: &str) -> Vec<u8> {
        if self.pages.is_empty() {
            self.new_page();
        }
        let mut w = Writer::default();
        w.out.extend_from_slice(b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n");
        // Fixed object numbers: 1 catalog, 2 pages, 3 font, 4 CID font, 5 descriptor,
        // 6 font file, 7 ToUnicode, 8 info, then a (page, content) pair per page.
        let n = self.pages.len();
        let page_ids: Vec<usize> = (0..n).map(|i| 9 + 2 * i).collect();
        w.object(1, "<< /Type /Catalog /Pages 2 0 R >>");
        let kids: Vec<String> = page_ids.iter().map(|id| format!("{id} 0 R")).collect();
        w.object(2, &format!("<< /Type /Pages /Kids [{}] /Count {n} >>", kids.join(" ")));
        w.object(3, "<< /Type /Font /Subtype /Type0 /BaseFont /DejaVuSans /Encoding /Identity-H /DescendantFonts [4 0 R] /ToUnicode 7 0 R >>");
        let scale = 1000.0 / self.units();
        let widths: Vec<String> = self
            .used
            .keys()
            .map(|g| {
                let adv = f32::from(self.face.glyph_hor_advance(ttf_parser::GlyphId(*g)).unwrap_or(0)) * scale;
                format!("{g} [{}]", adv.round())
            })
            .collect();
        w.object(
            4,
            &format!(
                "<< /Type /Font /Subtype /CIDFontType2 /BaseFont /DejaVuSans \
                 /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> \
                 /FontDescriptor 5 0 R /CIDToGIDMap /Identity /DW 600 /W [{}] >>",
                widths.join(" ")
            ),
        );
        let bbox = self.face.global_bounding_box();
        let s = |v: i16| (f32::from(v) * scale).round();
        w.object(
            5,
            &format!(
                "<< /Type /FontDescriptor /FontName /DejaVuSans /Flags 32 /FontBBox [{} {} {} {}] /ItalicAngle 0 \
                 /Ascent {} /Descent {} /CapHeight {} /StemV 80 /FontFile2 6 0 R >>",
                s(bbox.x_min),
                s(bbox.y_min),
                s(bbox.x_max),
                s(bbox.y_max),
                s(self.face.ascender()),
                s(self.face.descender()),
                s(self.face.capital_height().unwrap_or(self.face.ascender())),
            ),
        );
        w.stream(6, &format!("/Length1 {}", self.font.len()), self.font);
        w.stream(7, "", to_unicode(&self.used).as_bytes());
        w.object(8, &format!("<< /Title {} /Producer (thiluat) >>", utf16_string(title)));
        for (i, ops) in self.pages.iter().enumerate() {
            let (pw, ph) = A4;
            w.object(
                page_ids[i],
                &format!(
                    "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {pw} {ph}] /Resources << /Font << /F1 3 0 R >> >> \
                     /Contents {} 0 R >>",
                    page_ids[i] + 1
                ),
            );
            w.stream(page_ids[i] + 1, "", ops.as_bytes());
        }
        w.finish(8)
    }
}

/// A PDF text string in UTF-16BE with its byte-order mark, as hex.
fn utf16_string(s: &str) -> String {
    let mut hex = String::from("<FEFF");
    for unit in s.encode_utf16() {
        let _ = write!(hex, "{unit:04X}");
    }
    hex.push('>');
    hex
}

fn to_unicode(used: &BTreeMap<u16, char>) -> String {
    let mut out = String::from(
        "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n\
         /CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n\
         /CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n\
         1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n",
    );
    let entries: Vec<(&u16, &char)> = used.iter().collect();
    for chunk in entries.chunks(100) {
        let _ = writeln!(out, "{} beginbfchar", chunk.len());
        for (g, c) in chunk {
            let mut buf = [0u16; 2];
            let units: String = c.encode_utf16(&mut buf).iter().map(|u| format!("{u:04X}")).collect();
            let _ = writeln!(out, "<{g:04X}> <{units}>");
        }
        out.push_str("endbfchar\n");
    }
    out.push_str("endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n");
    out
}

#[derive(Default)]
struct Writer {
    out: Vec<u8>,
    offsets: BTreeMap<usize, usize>,
}

impl Writer {
    fn object(&mut self, id: usize, body: &str) {
        self.offsets.insert(id, self.out.len());
        self.out.extend_from_slice(format!("{id} 0 obj\n{body}\nendobj\n").as_bytes());
    }

    fn stream(&mut self, id: usize, extra: &str, data: &[u8]) {
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        // Writing into a Vec cannot fail.
        let _ = z.write_all(data);
        let packed = z.finish().unwrap_or_default();
        self.offsets.insert(id, self.out.len());
        self.out.extend_from_slice(
            format!("{id} 0 obj\n<< /Length {} /Filter /FlateDecode {extra} >>\nstream\n", packed.len()).as_bytes(),
        );
        self.out.extend_from_slice(&packed);
        self.out.extend_from_slice(b"\nendstream\nendobj\n");
    }

    fn finish(mut self, info: usize) -> Vec<u8> {
        let size = self.offsets.keys().max().copied().unwrap_or(0) + 1;
        let xref = self.out.len();
        let mut table = format!("xref\n0 {size}\n0000000000 65535 f \n");
        for id in 1..size {
            match self.offsets.get(&id) {
                Some(off) => {
                    let _ = writeln!(table, "{off:010} 00000 n ");
                }
                None => table.push_str("0000000000 65535 f \n"),
            }
        }
        let _ = write!(table, "trailer\n<< /Size {size} /Root 1 0 R /Info {info} 0 R >>\nstartxref\n{xref}\n%%EOF\n");
        self.out.extend_from_slice(table.as_bytes());
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_of_vietnamese_text_is_a_well_formed_pdf() {
        let mut doc = Document::new(FONT).expect("font parses");
        doc.text(50.0, 800.0, 14.0, BLACK, "Báo cáo kết quả: Phường Lào Cai, Đặc khu Bạch Long Vĩ");
        doc.rect(50.0, 700.0, 100.0, 20.0, Rgb(0.2, 0.4, 0.8));
        let w = doc.width("Ệ", 10.0);
        assert!(w > 3.0 && w < 10.0, "{w}");
        assert!(doc.fit("Một tên đơn vị rất dài không vừa cột", 10.0, 60.0).ends_with('…'));
        let ê = doc.glyph('ệ');
        assert_ne!(ê, doc.glyph('?'), "DejaVu Sans has the precomposed Vietnamese letters");
        let bytes = doc.finish("Báo cáo");
        assert!(bytes.starts_with(b"%PDF-1.7"));
        let tail = String::from_utf8_lossy(&bytes[bytes.len() - 200..]).to_string();
        assert!(tail.contains("startxref") && tail.ends_with("%%EOF\n"));
        // Every xref offset points at its object.
        let xref_at: usize =
            tail.split("startxref\n").nth(1).and_then(|s| s.lines().next()).and_then(|s| s.parse().ok()).expect("at");
        let table = String::from_utf8_lossy(&bytes[xref_at..]).to_string();
        let entries: Vec<&str> = table.lines().skip(3).take_while(|l| l.ends_with(" n ")).collect();
        assert_eq!(entries.len(), 10, "8 fixed objects and one page");
        for (i, line) in entries.iter().enumerate() {
            let off: usize = line[..10].parse().expect("offset");
            assert!(bytes[off..].starts_with(format!("{} 0 obj", i + 1).as_bytes()), "object {}", i + 1);
        }
    }
}
