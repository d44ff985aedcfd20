//! CSV tables: UTF-8 only (a BOM at the very start is dropped), with line, row, column and
//! cell limits checked before a record is kept.

use super::{Budget, Refusal, Table, MAX_LINE_BYTES};

fn encoding(vi_detail: &str, en_detail: &str) -> Refusal {
    Refusal::new(
        "encoding",
        format!("Tệp CSV phải dùng bảng mã UTF-8 ({vi_detail}). Trong Excel, hãy lưu bằng “CSV UTF-8”."),
        format!("A CSV file must be UTF-8 ({en_detail}). In Excel, save it as “CSV UTF-8”."),
    )
}

pub(super) fn rows(bytes: &[u8]) -> Result<Table, Refusal> {
    if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        return Err(encoding("tệp này là UTF-16", "this file is UTF-16"));
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    // Checked on the bytes before any parsing, so a huge line is refused after reading it
    // once, not after growing a record buffer to its size.
    for (i, line) in bytes.split(|b| *b == b'\n').enumerate() {
        if line.len() > MAX_LINE_BYTES {
            let kib = MAX_LINE_BYTES >> 10;
            return Err(Refusal::new(
                "line_bytes",
                format!("Dòng {} của tệp dài hơn giới hạn {kib} KiB.", i + 1),
                format!("Line {} of the file is longer than the limit of {kib} KiB.", i + 1),
            ));
        }
    }
    if let Err(e) = std::str::from_utf8(bytes) {
        let line = bytes[..e.valid_up_to()].iter().filter(|b| **b == b'\n').count() + 1;
        let (vi, en) = if bytes.contains(&0) {
            ("có byte 0, có thể là UTF-16".to_string(), "it has NUL bytes, perhaps UTF-16".to_string())
        } else {
            (format!("dòng {line} có ký tự không phải UTF-8"), format!("line {line} is not UTF-8"))
        };
        return Err(encoding(&vi, &en));
    }
    let mut reader = ::csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(bytes);
    let mut budget = Budget::new();
    let mut out = Vec::new();
    let mut record = ::csv::StringRecord::new();
    loop {
        let row = out.len();
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                return Err(Refusal::new(
                    "format",
                    format!("Không đọc được tệp CSV ở dòng {}: {e}", row + 1),
                    format!("not valid CSV (row {}): {e}", row + 1),
                ))
            }
        }
        Budget::position(row, record.len().saturating_sub(1))?;
        let mut cells = Vec::with_capacity(record.len());
        for (column, cell) in record.iter().enumerate() {
            budget.cell(row, column, cell)?;
            cells.push(cell.to_string());
        }
        out.push(cells);
    }
    Ok(out)
}
