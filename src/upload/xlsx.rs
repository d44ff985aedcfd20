//! The first sheet of a workbook, read cell by cell (calamine's cell reader, which builds no
//! range): a cell past the row or column limit is refused when it is read, so a sheet that
//! declares (or really has) a cell at XFD1048576 costs nothing. The table is then laid out
//! like calamine's range (from the first filled row and column to the last), padded only up
//! to the limits.

use calamine::{Data, Reader, Xlsx};

use super::{Budget, Refusal, Table};

pub(super) fn invalid(detail: impl std::fmt::Display) -> Refusal {
    Refusal::new("format", format!("Không phải tệp XLSX hợp lệ: {detail}"), format!("not a valid XLSX file: {detail}"))
}

pub(super) fn rows(bytes: &[u8]) -> Result<Table, Refusal> {
    let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).map_err(invalid)?;
    let Some(first) = book.sheet_names().into_iter().next() else {
        return Err(Refusal::new("format", "Tệp không có trang tính nào.", "the workbook has no sheet"));
    };
    let mut reader = book.worksheet_cells_reader(&first).map_err(|e| {
        Refusal::new(
            "format",
            format!("Không đọc được trang tính đầu tiên: {e}"),
            format!("cannot read the first sheet: {e}"),
        )
    })?;
    let mut budget = Budget::new();
    let mut cells: Vec<(usize, usize, String)> = Vec::new();
    while let Some(cell) = reader.next_cell().map_err(invalid)? {
        let (row, column) = cell.get_position();
        let (row, column) = (row as usize, column as usize);
        Budget::position(row, column)?;
        let value = Data::from(cell.get_value().clone());
        if value == Data::Empty {
            continue;
        }
        let text = value.to_string();
        budget.cell(row, column, &text)?;
        cells.push((row, column, text));
    }
    let (Some(top), Some(left)) = (cells.iter().map(|c| c.0).min(), cells.iter().map(|c| c.1).min()) else {
        return Ok(Table::new());
    };
    let bottom = cells.iter().map(|c| c.0).max().unwrap_or(top);
    let right = cells.iter().map(|c| c.1).max().unwrap_or(left);
    let (height, width) = (bottom - top + 1, right - left + 1);
    // Both are within the limits already; their product may not be.
    if height.saturating_mul(width) > super::MAX_CELLS {
        return Err(Budget::too_many_cells());
    }
    let mut table = vec![vec![String::new(); width]; height];
    for (row, column, text) in cells {
        table[row - top][column - left] = text;
    }
    Ok(table)
}
