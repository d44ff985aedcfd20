use super::*;

fn limit(result: Result<Table, Refusal>) -> String {
    result.err().map(|r| r.limit).unwrap_or_else(|| "accepted".into())
}

/// One cell in A1 and one in the far corner: calamine's range reader built the dense range
/// between them (2^14 × 2^20 cells) and the server was killed for lack of memory.
#[test]
fn a_cell_at_the_far_corner_is_refused_without_building_the_range() {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.write_string(0, 0, "code").expect("A1");
    sheet.write_string(1_048_575, 16_383, "x").expect("XFD1048576");
    let bytes = book.save_to_buffer().expect("xlsx");
    assert!(bytes.len() < 8 * 1024, "{} bytes", bytes.len());
    let refusal = read_table(&bytes).expect_err("refused");
    assert_eq!(refusal.limit, "rows", "{refusal:?}");
    assert!(refusal.vi.contains("50000 dòng") && refusal.en.contains("50000 rows"), "{refusal:?}");
    // Far to the right on the first row: the column limit.
    let mut book = rust_xlsxwriter::Workbook::new();
    book.add_worksheet().write_string(0, 16_383, "x").expect("XFD1");
    assert_eq!(limit(read_table(&book.save_to_buffer().expect("xlsx"))), "columns");
}

#[test]
fn a_sheet_is_laid_out_like_a_spreadsheet_range() {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.write_string(1, 1, "b2").expect("cell");
    sheet.write_number(3, 2, 42.0).expect("cell");
    let rows = read_table(&book.save_to_buffer().expect("xlsx")).expect("read");
    assert_eq!(rows, vec![vec!["b2", ""], vec!["", ""], vec!["", "42"]]);
}

#[test]
fn csv_limits_and_encodings_are_clear_refusals() {
    assert_eq!(read_table(b"a,b\n1,2\n").expect("fine"), vec![vec!["a", "b"], vec!["1", "2"]]);
    let wide = format!("{}x\n", "a,".repeat(MAX_COLUMNS));
    assert_eq!(limit(read_table(wide.as_bytes())), "columns");
    let long = "a".repeat(MAX_LINE_BYTES + 1);
    assert_eq!(limit(read_table(long.as_bytes())), "line_bytes");
    let tall = "a\n".repeat(MAX_ROWS + 1);
    assert_eq!(limit(read_table(tall.as_bytes())), "rows");
    let mut utf16 = vec![0xFF, 0xFE];
    utf16.extend("code,name\n".encode_utf16().flat_map(u16::to_le_bytes));
    assert_eq!(limit(read_table(&utf16)), "encoding");
    // "Câu hỏi" in Windows-1258 (â = E2, ỏ = o + combining hook D2).
    let refusal = read_table(b"code,name\nX,C\xE2u ho\xD2i\n").expect_err("not UTF-8");
    assert!(refusal.en.contains("line 2") && refusal.vi.contains("UTF-8"), "{refusal:?}");
    assert_eq!(limit(read_table(&vec![b'a'; MAX_BYTES + 1])), "bytes");
}

#[test]
fn a_zip_bomb_is_refused_by_its_real_size_and_ratio() {
    use std::io::Write;
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    zip.start_file("xl/worksheets/sheet1.xml", options).expect("entry");
    let zeros = vec![b' '; 1 << 20];
    for _ in 0..8 {
        zip.write_all(&zeros).expect("write");
    }
    let bytes = zip.finish().expect("zip").into_inner();
    assert_eq!(limit(read_table(&bytes)), "zip_ratio");
}

#[test]
fn every_part_that_looks_like_xml_is_scanned_whatever_its_name() {
    use std::io::Write;
    let archive = |name: &str, content: &[u8]| {
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        zip.start_file(name, zip::write::SimpleFileOptions::default()).expect("entry");
        zip.write_all(content).expect("write");
        zip.finish().expect("zip").into_inner()
    };
    let dtd = archive(
        "xl/worksheets/sheet1.dat",
        b"\xEF\xBB\xBF <?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY a \"b\">]><x/>",
    );
    assert_eq!(limit(read_table(&dtd)), "xml_dtd");
    // A binary part full of `<` is not XML: no depth refusal (it fails later as no workbook).
    let binary = archive("xl/media/image1.png", &[&b"\x89PNG"[..], &[b'<', b'a', b'>'].repeat(500)].concat());
    assert_eq!(limit(read_table(&binary)), "format");
}
