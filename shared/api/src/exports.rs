//! Spreadsheets for people who work in Excel or WPS: a use case's table written as `.xlsx`
//! (typed cells, dates as dates, a frozen header row, column widths) or as UTF-8 CSV with a
//! byte order mark (without it Excel reads Chinese as mojibake), and sent as a download.

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDateTime, Utc};
use rust_xlsxwriter::{Format as CellFormat, Workbook};
use serde::Deserialize;

pub use openday_app::exports::{Cell, Streamed, Table};

use crate::error::ApiError;

fn local(t: DateTime<Utc>) -> NaiveDateTime {
    t.with_timezone(&chrono_tz::Asia::Shanghai).naive_local()
}

/// `.xlsx` or `.csv`, as asked for by `?format=`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    #[default]
    Xlsx,
    Csv,
}

/// The audit trail's filters and, for a download, the format (the API and the page alike).
#[derive(Debug, Default, serde::Deserialize)]
pub struct AuditExportQuery {
    #[serde(flatten)]
    pub filter: openday_app::audit::AuditQuery,
    pub format: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct FormatQuery {
    pub format: Option<String>,
    pub year: Option<String>,
}

impl FormatQuery {
    /// The format asked for: `xlsx` (the default when not given) or `csv`; anything else,
    /// an empty value included, is a 422.
    pub fn format(&self) -> Result<Format, ApiError> {
        match self.format.as_deref().map(str::trim) {
            None | Some("xlsx") => Ok(Format::Xlsx),
            Some("csv") => Ok(Format::Csv),
            Some(_) => Err(ApiError::from(
                openday_rules::Violation::new(
                    openday_rules::Code::ValidationFailed,
                    "导出格式应为 xlsx 或 csv",
                )
                .at("format"),
            )),
        }
    }
}

/// Whether a spreadsheet would take the text for a formula (`=`, `+`, `-`, `@`, or a tab or
/// carriage return before one): a registrant's name or a feedback item is anybody's input,
/// and such a cell must stay text when opened or edited.
fn formula_like(t: &str) -> bool {
    t.starts_with(['=', '+', '-', '@', '\t', '\r'])
}

fn xlsx_error(e: rust_xlsxwriter::XlsxError) -> ApiError {
    ApiError::unavailable(format!("xlsx: {e}"))
}

/// The tables as one workbook, a sheet each.
pub fn xlsx(tables: &[Table]) -> Result<Vec<u8>, ApiError> {
    let mut book = Workbook::new();
    let mut used = std::collections::BTreeSet::new();
    for table in tables {
        let sheet = book.add_worksheet();
        let base = sheet_name(&table.sheet);
        let mut name = base.clone();
        let mut n = 1;
        while !used.insert(name.clone()) {
            n += 1;
            name = format!("{base}({n})");
        }
        sheet.set_name(&name).map_err(xlsx_error)?;
        write_header(sheet, &table.columns)?;
        write_rows(sheet, 1, &table.rows)?;
    }
    book.save_to_buffer().map_err(xlsx_error)
}

/// A sheet's name as Excel allows it: 31 characters at most (28 here, leaving room for a
/// `(2)` when a book repeats a name), none of `[]:*?/\`.
fn sheet_name(wanted: &str) -> String {
    wanted
        .chars()
        .filter(|c| !"[]:*?/\\".contains(*c))
        .take(28)
        .collect()
}

/// A sheet's header row (bold, wrapped, frozen) and column widths.
fn write_header(
    sheet: &mut rust_xlsxwriter::Worksheet,
    columns: &[(&'static str, f64)],
) -> Result<(), ApiError> {
    let header = CellFormat::new().set_bold().set_text_wrap();
    for (c, (title, width)) in columns.iter().enumerate() {
        let c = c as u16;
        sheet
            .write_string_with_format(0, c, *title, &header)
            .map_err(xlsx_error)?;
        sheet.set_column_width(c, *width).map_err(xlsx_error)?;
    }
    sheet.set_freeze_panes(1, 0).map_err(xlsx_error)?;
    Ok(())
}

/// Rows written from row `first` on, typed.
fn write_rows(
    sheet: &mut rust_xlsxwriter::Worksheet,
    first: u32,
    rows: &[Vec<Cell>],
) -> Result<(), ApiError> {
    let day = CellFormat::new().set_num_format("yyyy-mm-dd");
    let time = CellFormat::new().set_num_format("yyyy-mm-dd hh:mm");
    // A string cell is never evaluated; the quote prefix keeps it text when someone edits it.
    let text = CellFormat::new().set_quote_prefix();
    for (r, row) in rows.iter().enumerate() {
        let r = first + r as u32;
        for (c, cell) in row.iter().enumerate() {
            let c = c as u16;
            match cell {
                Cell::Text(t) if formula_like(t) => {
                    sheet.write_string_with_format(r, c, t, &text).map(drop)
                }
                Cell::Text(t) => sheet.write_string(r, c, t).map(drop),
                Cell::Number(n) => sheet.write_number(r, c, *n).map(drop),
                Cell::Date(d) => sheet.write_datetime_with_format(r, c, d, &day).map(drop),
                Cell::Time(t) => sheet
                    .write_datetime_with_format(r, c, local(*t), &time)
                    .map(drop),
                Cell::Empty => Ok(()),
            }
            .map_err(xlsx_error)?;
        }
    }
    Ok(())
}

/// The table as CSV: UTF-8 with a byte order mark, dates as `2026-09-20`, times as
/// `2026-09-20 08:30` (Asia/Shanghai). A text a spreadsheet would take for a formula is
/// written with a leading `'`, so that Excel and WPS show it as text.
pub fn csv(table: &Table) -> Result<Vec<u8>, ApiError> {
    let mut out = csv_head(&table.columns)?;
    out.extend(csv_rows(&table.rows)?);
    Ok(out)
}

/// The byte order mark and the header line.
fn csv_head(columns: &[(&'static str, f64)]) -> Result<Vec<u8>, ApiError> {
    let mut out = b"\xEF\xBB\xBF".to_vec();
    let mut w = ::csv::Writer::from_writer(&mut out);
    w.write_record(columns.iter().map(|(t, _)| *t))
        .map_err(|e| ApiError::unavailable(format!("csv: {e}")))?;
    w.flush()
        .map_err(|e| ApiError::unavailable(format!("csv: {e}")))?;
    drop(w);
    Ok(out)
}

/// Rows as CSV lines.
fn csv_rows(rows: &[Vec<Cell>]) -> Result<Vec<u8>, ApiError> {
    let mut out = Vec::new();
    let mut w = ::csv::Writer::from_writer(&mut out);
    for row in rows {
        w.write_record(row.iter().map(|cell| match cell {
            Cell::Text(t) if formula_like(t) => format!("'{t}"),
            Cell::Text(t) => t.clone(),
            Cell::Number(n) => n.to_string(),
            Cell::Date(d) => d.format("%Y-%m-%d").to_string(),
            Cell::Time(t) => local(*t).format("%Y-%m-%d %H:%M").to_string(),
            Cell::Empty => String::new(),
        }))
        .map_err(|e| ApiError::unavailable(format!("csv: {e}")))?;
    }
    w.flush()
        .map_err(|e| ApiError::unavailable(format!("csv: {e}")))?;
    drop(w);
    Ok(out)
}

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// A download: the file in the format asked for, named `name` (Chinese allowed, RFC 6266).
pub fn download(name: &str, format: Format, table: Table) -> Result<Response, ApiError> {
    match format {
        Format::Xlsx => attachment(name, xlsx(std::slice::from_ref(&table))?, XLSX, "xlsx"),
        Format::Csv => attachment(name, csv(&table)?, "text/csv; charset=utf-8", "csv"),
    }
}

/// A download whose rows arrive a page at a time, in bounded memory: CSV is sent as the
/// pages arrive; a workbook is written row by row to temporary files (the writer's constant
/// memory mode), assembled in one and sent from it. A read failing in the middle of a CSV
/// ends the download early (the status was sent): the log says why.
pub async fn download_streamed(
    name: &str,
    format: Format,
    mut table: Streamed,
) -> Result<Response, ApiError> {
    use futures_util::StreamExt;
    match format {
        Format::Csv => {
            let head = csv_head(&table.columns)?;
            let rows = table.rows.map(|page| {
                page.map_err(|e| {
                    tracing::warn!(error = %e, "a download stopped: a page could not be read");
                    std::io::Error::other(e.to_string())
                })
                .and_then(|rows| {
                    csv_rows(&rows).map_err(|e| std::io::Error::other(format!("{e:?}")))
                })
            });
            let body = futures_util::stream::once(async move { Ok(head) })
                .chain(rows)
                .fuse();
            stream_attachment(
                name,
                axum::body::Body::from_stream(body),
                "text/csv; charset=utf-8",
                "csv",
            )
        }
        Format::Xlsx => {
            let mut book = Workbook::new();
            let sheet = book
                .add_worksheet_with_constant_memory()
                .map_err(xlsx_error)?;
            sheet
                .set_name(sheet_name(&table.sheet))
                .map_err(xlsx_error)?;
            write_header(sheet, &table.columns)?;
            let mut next_row = 1u32;
            while let Some(page) = table.rows.next().await {
                let rows = page?;
                write_rows(sheet, next_row, &rows)?;
                next_row += rows.len() as u32;
            }
            let file = tempfile::NamedTempFile::new()
                .map_err(|e| ApiError::unavailable(format!("xlsx: {e}")))?;
            book.save(file.path()).map_err(xlsx_error)?;
            // The open file outlives its name: removed now, read while the body is sent.
            let (file, path) = file.into_parts();
            drop(path);
            let reader = tokio::fs::File::from_std(file);
            let body = axum::body::Body::from_stream(tokio_util::io::ReaderStream::new(reader));
            stream_attachment(name, body, XLSX, "xlsx")
        }
    }
}

/// A workbook of several sheets, as a download.
pub fn download_book(name: &str, tables: &[Table]) -> Result<Response, ApiError> {
    attachment(name, xlsx(tables)?, XLSX, "xlsx")
}

fn attachment(
    name: &str,
    bytes: Vec<u8>,
    mime: &'static str,
    ext: &str,
) -> Result<Response, ApiError> {
    stream_attachment(name, axum::body::Body::from(bytes), mime, ext)
}

fn stream_attachment(
    name: &str,
    bytes: axum::body::Body,
    mime: &'static str,
    ext: &str,
) -> Result<Response, ApiError> {
    let file: String = form_urlencoded::byte_serialize(format!("{name}.{ext}").as_bytes())
        .collect::<String>()
        .replace('+', "%20");
    let disposition = format!("attachment; filename=\"export.{ext}\"; filename*=UTF-8''{file}");
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(mime)),
            (
                header::CONTENT_DISPOSITION,
                HeaderValue::from_str(&disposition)
                    .unwrap_or_else(|_| HeaderValue::from_static("attachment")),
            ),
        ],
        bytes,
    )
        .into_response())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests fail loudly
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn table() -> Table {
        Table {
            sheet: "报名人员".into(),
            columns: vec![
                ("姓名", 10.0),
                ("人数", 6.0),
                ("日期", 12.0),
                ("时间", 18.0),
            ],
            rows: vec![vec![
                "李四, \"老李\"".into(),
                3u32.into(),
                Cell::Date(NaiveDate::from_ymd_opt(2026, 9, 20).unwrap()),
                Cell::Time(
                    openday_rules::calendar::parse_instant("t", "2026-09-20T08:30:00+08:00")
                        .unwrap(),
                ),
            ]],
        }
    }

    #[test]
    fn csv_has_a_bom_quotes_what_needs_it_and_writes_local_times() {
        let bytes = csv(&table()).unwrap();
        assert!(bytes.starts_with(b"\xEF\xBB\xBF"));
        let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
        assert_eq!(
            text,
            "姓名,人数,日期,时间\n\"李四, \"\"老李\"\"\",3,2026-09-20,2026-09-20 08:30\n"
        );
    }

    /// Names and feedback are anybody's input: `=HYPERLINK(…)` or `@SUM(…)` must open as
    /// text, never as a formula.
    #[test]
    fn text_that_looks_like_a_formula_stays_text() {
        let table = Table {
            sheet: "报名".into(),
            columns: vec![("姓名", 10.0), ("意见", 20.0)],
            rows: vec![
                vec!["=HYPERLINK(\"http://x\",\"点我\")".into(), "+1+2".into()],
                vec!["@SUM(A1)".into(), "-3".into()],
                vec!["\t=1".into(), "张三".into()],
            ],
        };
        let text = String::from_utf8(csv(&table).unwrap()[3..].to_vec()).unwrap();
        assert_eq!(
            text,
            "姓名,意见\n\"'=HYPERLINK(\"\"http://x\"\",\"\"点我\"\")\",'+1+2\n'@SUM(A1),'-3\n'\t=1,张三\n"
        );
        let book = xlsx(&[table]).unwrap();
        let mut sheets: calamine::Xlsx<_> =
            calamine::open_workbook_from_rs(std::io::Cursor::new(book)).unwrap();
        use calamine::Reader;
        let formulas = sheets.worksheet_formula("报名").unwrap();
        assert!(formulas.used_cells().next().is_none(), "no formula");
        let values = sheets.worksheet_range("报名").unwrap();
        assert_eq!(
            values.get_value((1, 0)),
            Some(&calamine::Data::String(
                "=HYPERLINK(\"http://x\",\"点我\")".into()
            ))
        );
        assert_eq!(
            values.get_value((2, 1)),
            Some(&calamine::Data::String("-3".into()))
        );
        // The workbook marks them to stay text (Excel's quote prefix).
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(
            xlsx(&[Table {
                sheet: "s".into(),
                columns: vec![("a", 5.0)],
                rows: vec![vec!["=1".into()]],
            }])
            .unwrap(),
        ))
        .unwrap();
        let mut styles = String::new();
        std::io::Read::read_to_string(&mut zip.by_name("xl/styles.xml").unwrap(), &mut styles)
            .unwrap();
        assert!(styles.contains("quotePrefix=\"1\""), "{styles}");
    }

    #[test]
    fn a_format_other_than_xlsx_or_csv_is_refused() {
        let q = |f: &str| FormatQuery {
            format: Some(f.into()),
            year: None,
        };
        assert_eq!(q("csv").format().unwrap(), Format::Csv);
        assert!(q("").format().is_err(), "given, but empty");
        let none = FormatQuery {
            format: None,
            year: None,
        };
        assert_eq!(none.format().unwrap(), Format::Xlsx);
        assert!(q("pdf").format().is_err());
    }
}
