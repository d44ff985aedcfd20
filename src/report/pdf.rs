//! A small PDF writer: A4 pages of text in one embedded TrueType font (Identity-H encoding,
//! so every Vietnamese letter is one glyph), filled rectangles and lines for tables and bar
//! charts, compressed streams, and a ToUnicode map so the text can be searched and copied.
//! Only what the reports need; no images, no layout engine.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write as _;

use skrifa::instance::{LocationRef, Size};
use skrifa::metrics::{GlyphMetrics, Metrics};
use skrifa::{charmap::Charmap, FontRef, GlyphId, MetadataProvider as _};

pub const A4: (f32, f32) = (595.0, 842.0);

/// DejaVu Sans (see assets/fonts/dejavu/README.md).
pub static FONT: &[u8] = include_bytes!("../../assets/fonts/dejavu/DejaVuSans.ttf");

#[derive(Debug, Clone, Copy)]
pub struct Rgb(pub f32, pub f32, pub f32);

pub const BLACK: Rgb = Rgb(0.0, 0.0, 0.0);

pub struct Document {
    /// Character → glyph, and the font's metrics in font units (no scaling, no variation).
    charmap: Charmap<'static>,
    advances: GlyphMetrics<'static>,
    metrics: Metrics,
    font: &'static [u8],
    pages: Vec<String>,
    /// glyph id → the character it shows (for widths and ToUnicode).
    used: BTreeMap<u16, char>,
}

impl Document {
    pub fn new(font: &'static [u8]) -> anyhow::Result<Self> {
        let face = FontRef::new(font).map_err(|e| anyhow::anyhow!("font: {e}"))?;
        let metrics = face.metrics(Size::unscaled(), LocationRef::default());
        anyhow::ensure!(metrics.units_per_em > 0, "font: no units per em");
        Ok(Self {
            charmap: face.charmap(),
            advances: face.glyph_metrics(Size::unscaled(), LocationRef::default()),
            metrics,
            font,
            pages: Vec::new(),
            used: BTreeMap::new(),
        })
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
        f32::from(self.metrics.units_per_em)
    }

    /// A glyph's advance in font units.
    fn advance(&self, glyph: u16) -> f32 {
        self.advances.advance_width(GlyphId::from(glyph)).unwrap_or(0.0)
    }

    fn glyph(&self, c: char) -> u16 {
        let id = |c: char| self.charmap.map(c).and_then(|g| u16::try_from(g.to_u32()).ok());
        id(c).or_else(|| id('?')).unwrap_or(0)
    }

    /// Width of `text` at `size` points.
    pub fn width(&self, text: &str, size: f32) -> f32 {
        let units: f32 = text.chars().map(|c| self.advance(self.glyph(c))).sum();
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
                let adv = self.advance(*g) * scale;
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
        let bbox = self.metrics.bounds.unwrap_or_default();
        let s = |v: f32| (v * scale).round();
        w.object(
            5,
            &format!(
                "<< /Type /FontDescriptor /FontName /DejaVuSans /Flags 32 /FontBBox [{} {} {} {}] /ItalicAngle 0 \
                 /Ascent {} /Descent {} /CapHeight {} /StemV 80 /FontFile2 6 0 R >>",
                s(bbox.x_min),
                s(bbox.y_min),
                s(bbox.x_max),
                s(bbox.y_max),
                s(self.metrics.ascent),
                s(self.metrics.descent),
                s(self.metrics.cap_height.unwrap_or(self.metrics.ascent)),
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

    /// The font's description (widths, bounding box, ascent, descent, cap height) as PDF
    /// readers get it, pinned from the font parser used before (ttf-parser): a change of
    /// parser or font changes no report.
    #[test]
    fn the_font_description_is_the_same_in_every_build() {
        let mut doc = Document::new(FONT).expect("font parses");
        doc.text(50.0, 800.0, 11.0, BLACK, "Phường Đặc khu Bạch Long Vĩ: 12.345 thí sinh (ệ?)");
        let width = doc.width("Tỉnh Lào Cai — Đặc khu", 10.0);
        let bytes = doc.finish("x");
        let text = String::from_utf8_lossy(&bytes);
        let object = |n: usize| {
            let start = text.find(&format!("\n{n} 0 obj")).expect("object");
            let end = start + text[start..].find("endobj").expect("end");
            text[start..end].trim().to_string()
        };
        assert_eq!(width.to_bits(), 1_122_894_336, "{width}");
        assert_eq!(
            object(4),
            "4 0 obj\n<< /Type /Font /Subtype /CIDFontType2 /BaseFont /DejaVuSans /CIDSystemInfo << /Registry (Adobe) \
             /Ordering (Identity) /Supplement 0 >> /FontDescriptor 5 0 R /CIDToGIDMap /Identity /DW 600 /W [3 [318] \
             11 [390] 12 [390] 17 [318] 20 [636] 21 [636] 22 [636] 23 [636] 24 [636] 29 [337] 34 [531] 37 [686] \
             47 [557] 51 [603] 57 [684] 70 [550] 74 [635] 75 [634] 76 [278] 78 [579] 81 [634] 82 [612] 86 [521] \
             87 [392] 88 [634] 175 [278] 210 [775] 235 [278] 370 [634] 2463 [613] 2485 [613] 2501 [615] 2523 [612]] >>"
        );
        assert_eq!(
            object(5),
            "5 0 obj\n<< /Type /FontDescriptor /FontName /DejaVuSans /Flags 32 /FontBBox [-1021 -463 1793 1232] \
             /ItalicAngle 0 /Ascent 928 /Descent -236 /CapHeight 928 /StemV 80 /FontFile2 6 0 R >>"
        );
    }
}
