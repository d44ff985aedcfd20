//! The hostile files of issue 16, generated here (nothing big is committed): each one aims at
//! one way a spreadsheet or CSV reader can be made to exhaust memory or crash, with the limit
//! of the input gate (src/upload) that must refuse it. `write_folder` puts them all in
//! target/tmp/hostile-files/ to look at, or to try by hand:
//!
//!     cargo test --test api hostile_files::the_folder_of_hostile_files -- --nocapture

use std::io::Write;
use std::path::PathBuf;

pub struct Hostile {
    pub name: &'static str,
    pub bytes: Vec<u8>,
    /// `details.limit` of the refusal.
    pub limit: &'static str,
}

const SHEET_START: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#;
const SHEET_END: &str = "</sheetData></worksheet>";

/// Writes one part of a workbook.
type Part<'a> = &'a dyn Fn(&mut dyn Write);

/// A minimal workbook around a first sheet and optional shared strings, each written by a
/// closure (so that entries of hundreds of MiB are streamed into the deflater, never held).
fn workbook(sheet: Part, strings: Option<Part>, extra: &[(&str, &[u8])]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let deflate = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(9))
        .large_file(true);
    let mut put = |name: &str, text: &[u8]| {
        zip.start_file(name, deflate).expect("entry");
        zip.write_all(text).expect("write");
    };
    put(
        "[Content_Types].xml",
        br#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#,
    );
    put(
        "_rels/.rels",
        br#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#,
    );
    put(
        "xl/workbook.xml",
        br#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"#,
    );
    put(
        "xl/_rels/workbook.xml.rels",
        br#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>"#,
    );
    for (name, bytes) in extra {
        put(name, bytes);
    }
    if let Some(strings) = strings {
        zip.start_file("xl/sharedStrings.xml", deflate).expect("entry");
        strings(&mut zip);
    }
    zip.start_file("xl/worksheets/sheet1.xml", deflate).expect("entry");
    sheet(&mut zip);
    zip.finish().expect("zip").into_inner()
}

fn text(s: &str) -> impl Fn(&mut dyn Write) + '_ {
    move |w: &mut dyn Write| w.write_all(s.as_bytes()).expect("write")
}

fn a_cell_sheet() -> String {
    format!(r#"{SHEET_START}<row r="1"><c r="A1" t="s"><v>0</v></c></row>{SHEET_END}"#)
}

/// Every hostile file, generated once per test process.
pub fn all() -> &'static [Hostile] {
    static FILES: std::sync::OnceLock<Vec<Hostile>> = std::sync::OnceLock::new();
    FILES.get_or_init(generate)
}

fn generate() -> Vec<Hostile> {
    let mut files = Vec::new();
    // The critical one: A1 and XFD1048576 (1.6 KB; the old reader allocated the whole range).
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.write_string(0, 0, "code").expect("A1");
    sheet.write_string(1_048_575, 16_383, "x").expect("XFD1048576");
    files.push(Hostile { name: "dimension-bomb.xlsx", bytes: book.save_to_buffer().expect("xlsx"), limit: "rows" });

    // 64 MiB of blanks inside sheetData: valid XML, about 64 KB compressed.
    let blanks = |w: &mut dyn Write| {
        w.write_all(SHEET_START.as_bytes()).expect("write");
        let chunk = vec![b' '; 1 << 20];
        for _ in 0..64 {
            w.write_all(&chunk).expect("write");
        }
        w.write_all(SHEET_END.as_bytes()).expect("write");
    };
    files.push(Hostile { name: "zip-bomb.xlsx", bytes: workbook(&blanks, None, &[]), limit: "zip_ratio" });
    // 200 parts of 1 MiB of blanks each, every one under the ratio check's 1 MiB floor:
    // together past the decompressed size limit.
    let megabyte = vec![b' '; 1 << 20];
    let parts: Vec<(String, &[u8])> = (0..200).map(|i| (format!("xl/media/part{i}.xml"), &megabyte[..])).collect();
    let parts: Vec<(&str, &[u8])> = parts.iter().map(|(n, b)| (n.as_str(), *b)).collect();
    files.push(Hostile {
        name: "many-parts-bomb.xlsx",
        bytes: workbook(&text(&a_cell_sheet()), None, &parts),
        limit: "unzipped_bytes",
    });

    let mut laughs = String::from(r#"<?xml version="1.0"?><!DOCTYPE sst [<!ENTITY lol0 "lol">"#);
    for i in 1..10 {
        let prev = format!("&lol{};", i - 1);
        laughs.push_str(&format!(r#"<!ENTITY lol{i} "{}">"#, prev.repeat(10)));
    }
    laughs.push_str(
        r#"]><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>&lol9;</t></si></sst>"#,
    );
    let sheet = a_cell_sheet();
    files.push(Hostile {
        name: "billion-laughs.xlsx",
        bytes: workbook(&text(&sheet), Some(&text(&laughs)), &[]),
        limit: "xml_dtd",
    });

    let deep = |w: &mut dyn Write| {
        w.write_all(SHEET_START.as_bytes()).expect("write");
        w.write_all("<a>".repeat(1_000_000).as_bytes()).expect("write");
        w.write_all("</a>".repeat(1_000_000).as_bytes()).expect("write");
        w.write_all(SHEET_END.as_bytes()).expect("write");
    };
    files.push(Hostile { name: "deep-nesting.xlsx", bytes: workbook(&deep, None, &[]), limit: "xml_depth" });

    let many = |w: &mut dyn Write| {
        w.write_all(br#"<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">"#)
            .expect("write");
        let mut all = String::with_capacity(20 << 20);
        for i in 0..1_000_000 {
            all.push_str(&format!("<si><t>{i}</t></si>"));
        }
        w.write_all(all.as_bytes()).expect("write");
        w.write_all(b"</sst>").expect("write");
    };
    files.push(Hostile {
        name: "million-shared-strings.xlsx",
        bytes: workbook(&text(&sheet), Some(&many), &[]),
        limit: "shared_strings",
    });

    // A cell naming shared string 4294967295 of 1 (calamine indexes its table with it).
    let past_the_end = format!(r#"{SHEET_START}<row r="1"><c r="A1" t="s"><v>4294967295</v></c></row>{SHEET_END}"#);
    let one = r#"<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>code</t></si></sst>"#;
    files.push(Hostile {
        name: "shared-string-index-past-the-end.xlsx",
        bytes: workbook(&text(&past_the_end), Some(&text(one)), &[]),
        limit: "format",
    });

    let inner = workbook(&text(&sheet), Some(&text(one)), &[]);
    files.push(Hostile {
        name: "nested-archive.xlsx",
        bytes: workbook(&text(&sheet), Some(&text(one)), &[("xl/embeddings/inner.xlsx", &inner)]),
        limit: "nested_archive",
    });

    let mut wide = "c,".repeat(1_000_000);
    wide.push('\n');
    files.push(Hostile { name: "million-columns.csv", bytes: wide.into_bytes(), limit: "line_bytes" });

    let mut long = b"code,name\n".to_vec();
    long.resize(100 << 20, b'a');
    files.push(Hostile { name: "hundred-megabyte-line.csv", bytes: long, limit: "bytes" });

    let mut utf16 = vec![0xFF, 0xFE];
    utf16.extend("code,name\nX,Câu hỏi\n".encode_utf16().flat_map(u16::to_le_bytes));
    files.push(Hostile { name: "utf-16.csv", bytes: utf16, limit: "encoding" });
    // "Câu hỏi" as Windows-1258 writes it (â = E2, ỏ = o + combining hook D2).
    files.push(Hostile {
        name: "windows-1258.csv",
        bytes: b"code,name\nX,C\xE2u ho\xD2i\n".to_vec(),
        limit: "encoding",
    });
    files
}

pub fn folder() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("hostile-files")
}

pub fn write_folder(files: &[Hostile]) -> PathBuf {
    let dir = folder();
    std::fs::create_dir_all(&dir).expect("folder");
    for f in files {
        std::fs::write(dir.join(f.name), &f.bytes).expect("write");
    }
    dir
}

/// Every file is refused by the gate in-process too, with the limit it aims at.
#[test]
fn the_folder_of_hostile_files() {
    let files = all();
    let dir = write_folder(files);
    for f in files {
        let refusal = thiluat::upload::read_table(&f.bytes).expect_err(f.name);
        assert_eq!(refusal.limit, f.limit, "{}: {refusal:?}", f.name);
        println!("{:>10} bytes  {:<40} {}", f.bytes.len(), f.name, refusal.en);
    }
    println!("written to {}", dir.display());
}
