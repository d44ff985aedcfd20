//! The one gate every uploaded or imported table goes through (question banks, units; the
//! console and `thiluat contest import` alike): a size limit while the body arrives
//! (`http::upload`), a ZIP check before any XLSX is parsed (`zipcheck`), and readers that stream
//! rows with row, column and cell limits (`xlsx`, `csv`), so that nothing is allocated by a
//! size the file declares. The server reads files in a child process of its own binary with
//! memory, CPU and wall-clock limits (`isolate`): one organiser's file cannot stop a round.

mod csv;
pub mod image;
pub mod isolate;
mod xlsx;
mod zipcheck;

pub use isolate::{table, table_from_file, use_parser_binary};

/// Rows of text cells, as a spreadsheet shows them (header first).
pub type Table = Vec<Vec<String>>;

// Limits. Real banks and unit lists are a few thousand rows of at most ~60 columns (14 plus 8
// per translation); each limit is well above them and well below what hurts the server.
/// Bytes of an uploaded or imported file.
pub const MAX_BYTES: usize = 20 << 20;
pub const MAX_ROWS: usize = 50_000;
pub const MAX_COLUMNS: usize = 256;
/// Cells of the table once rows are padded to the widest one.
pub const MAX_CELLS: usize = 1_000_000;
/// Excel's own limit for one cell.
pub const MAX_CELL_CHARS: usize = 32_767;
/// Bytes of text in all cells together.
pub const MAX_TEXT_BYTES: usize = 24 << 20;
/// Bytes of one physical line of a CSV file.
pub const MAX_LINE_BYTES: usize = 1 << 20;
pub const MAX_ZIP_ENTRIES: usize = 256;
/// Bytes of all ZIP entries once decompressed (measured while decompressing).
pub const MAX_UNZIPPED_BYTES: u64 = 128 << 20;
/// Decompressed / compressed size of an entry, checked once it is past 1 MiB.
pub const MAX_ZIP_RATIO: u64 = 100;
pub const MAX_SHARED_STRINGS: usize = 500_000;
/// Nesting of XML elements (a worksheet needs about 6).
pub const MAX_XML_DEPTH: u32 = 100;

/// Why a file was refused: the stable name of the check and a message for a person, in
/// Vietnamese and in English, naming the limit.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Refusal {
    pub limit: String,
    pub vi: String,
    pub en: String,
}

impl Refusal {
    pub fn new(limit: &str, vi: impl Into<String>, en: impl Into<String>) -> Self {
        Self { limit: limit.into(), vi: vi.into(), en: en.into() }
    }

    pub fn message(&self, lang: crate::i18n::Lang) -> &str {
        match lang {
            crate::i18n::Lang::Vi => &self.vi,
            crate::i18n::Lang::En => &self.en,
        }
    }

    pub fn too_large() -> Self {
        let mib = MAX_BYTES >> 20;
        Self::new(
            "bytes",
            format!("Tệp lớn hơn giới hạn {mib} MiB."),
            format!("The file is larger than the limit of {mib} MiB."),
        )
    }
}

/// Reads a table in this process, through every check of the gate: XLSX when the bytes are a
/// ZIP archive, CSV otherwise. Memory stays bounded by the limits above; the server still runs
/// it in a child process (`isolate`) so that a bug in a parser cannot reach the server.
pub fn read_table(bytes: &[u8]) -> Result<Table, Refusal> {
    if bytes.len() > MAX_BYTES {
        return Err(Refusal::too_large());
    }
    if bytes.starts_with(b"PK\x03\x04") {
        read_xlsx(bytes)
    } else {
        csv::rows(bytes)
    }
}

/// The first sheet of an XLSX workbook, through the ZIP check and the streaming reader.
pub fn read_xlsx(bytes: &[u8]) -> Result<Table, Refusal> {
    if bytes.len() > MAX_BYTES {
        return Err(Refusal::too_large());
    }
    // calamine can panic on a crafted workbook (a shared-string index past the end, found by
    // fuzzing): such a file is "not a valid XLSX file", never a crash.
    std::panic::catch_unwind(|| {
        zipcheck::check(bytes)?;
        xlsx::rows(bytes)
    })
    .unwrap_or_else(|_| Err(xlsx::invalid("its contents are inconsistent")))
}

/// A CSV file (UTF-8, optional BOM) through the gate's checks.
pub fn read_csv(bytes: &[u8]) -> Result<Table, Refusal> {
    if bytes.len() > MAX_BYTES {
        return Err(Refusal::too_large());
    }
    csv::rows(bytes)
}

/// Counts cells as a table is built, refusing past the row, column, cell and text limits.
struct Budget {
    cells: usize,
    text: usize,
}

impl Budget {
    fn new() -> Self {
        Self { cells: 0, text: 0 }
    }

    fn position(row: usize, column: usize) -> Result<(), Refusal> {
        if row >= MAX_ROWS {
            return Err(Refusal::new(
                "rows",
                format!("Tệp có dữ liệu ở dòng {}, vượt giới hạn {MAX_ROWS} dòng.", row + 1),
                format!("The file has data in row {}, past the limit of {MAX_ROWS} rows.", row + 1),
            ));
        }
        if column >= MAX_COLUMNS {
            return Err(Refusal::new(
                "columns",
                format!("Dòng {} có dữ liệu ở cột thứ {}, vượt giới hạn {MAX_COLUMNS} cột.", row + 1, column + 1),
                format!("Row {} has data in column {}, past the limit of {MAX_COLUMNS} columns.", row + 1, column + 1),
            ));
        }
        Ok(())
    }

    fn cell(&mut self, row: usize, column: usize, text: &str) -> Result<(), Refusal> {
        Self::position(row, column)?;
        if text.len() > MAX_CELL_CHARS && text.chars().count() > MAX_CELL_CHARS {
            return Err(Refusal::new(
                "cell_chars",
                format!("Một ô ở dòng {} dài hơn giới hạn {MAX_CELL_CHARS} ký tự.", row + 1),
                format!("A cell in row {} is longer than the limit of {MAX_CELL_CHARS} characters.", row + 1),
            ));
        }
        self.cells += 1;
        self.text += text.len();
        if self.cells > MAX_CELLS {
            return Err(Self::too_many_cells());
        }
        if self.text > MAX_TEXT_BYTES {
            let mib = MAX_TEXT_BYTES >> 20;
            return Err(Refusal::new(
                "text_bytes",
                format!("Tổng nội dung các ô vượt giới hạn {mib} MiB."),
                format!("The cells hold more text than the limit of {mib} MiB."),
            ));
        }
        Ok(())
    }

    fn too_many_cells() -> Refusal {
        Refusal::new(
            "cells",
            format!("Bảng có quá {MAX_CELLS} ô (tính cả ô trống giữa các ô có dữ liệu)."),
            format!("The table has more than {MAX_CELLS} cells (counting empty cells between filled ones)."),
        )
    }
}

#[cfg(test)]
mod tests;
