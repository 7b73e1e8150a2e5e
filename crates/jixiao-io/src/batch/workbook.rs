//! Workbooks read in bounded memory, whatever the file claims.
//!
//! calamine allocates from what a file declares: a sheet becomes a dense grid spanning
//! its cells' extents (one cell at `XFD1048576` asks for 512 GiB), and the shared-string
//! table reserves the count its header names. So before calamine opens a file, the
//! archive is checked ([`check_archive`]): entry count, declared and real unzipped size
//! (inflated into a counter, nothing kept) and the shared strings (count and bytes).
//! Sheets are then read as a stream of cells (calamine's cell readers) on a thread of
//! their own, row by row through a bounded channel ([`stream`]), each cell's reference
//! checked against Excel's grid and each row's size against the grid's width; nothing
//! is sized from the file's `<dimension>`. A sheet that must be indexed by position (the
//! returned template's forms) is built as a grid only when its extent is small
//! ([`bounded_range`]).
//!
//! `.xls` (BIFF) and `.ods` have no cell reader in calamine and are read whole. For
//! `.xls`, whose reader reserves what a sheet's Dimensions record declares, the compound
//! file's Workbook stream is walked first ([`check_xls`]): declared dimensions and the
//! cells' extent within [`MAX_XLS_CELLS`]. Left open: `.ods`, which calamine caps at 100
//! million cells a sheet (fuzz/README.md).

use std::io::{self, Cursor, Read, Seek};
use std::sync::mpsc;
use std::sync::Arc;

use calamine::{Data, Range, Reader, Sheets};

use super::cells::{column_letters, data_cell, Cell};

/// Excel's grid: 1,048,576 rows × 16,384 columns.
pub const MAX_ROWS: u32 = 1_048_576;
pub const MAX_COLUMNS: u32 = 16_384;
/// The most entries a workbook archive may have.
pub const MAX_ZIP_ENTRIES: usize = 10_000;
/// The most shared strings (each costs a `String` before any sheet is read).
pub const MAX_SHARED_STRINGS: u64 = 1_000_000;
/// The most bytes the shared-string part may unzip to.
pub const MAX_SHARED_STRING_BYTES: u64 = 64 * 1024 * 1024;
/// The most cells a sheet read as a grid may span (32 bytes each: 32 MiB).
pub const MAX_GRID_CELLS: u64 = 1 << 20;
/// Rows read ahead of the evaluation (per open workbook; the workbench opens every
/// uploaded file before evaluating any).
const ROWS_AHEAD: usize = 64;

/// What a reader accepts.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// The most bytes a workbook archive may unzip to.
    pub max_unzipped_bytes: u64,
    /// The most rows below the header (the workbench's unit limit; the grid for the CLI).
    pub max_rows: usize,
}

impl Default for Limits {
    /// The command line's: 1 GiB unzipped, any row of the grid.
    fn default() -> Limits {
        Limits {
            max_unzipped_bytes: 1024 * 1024 * 1024,
            max_rows: MAX_ROWS as usize,
        }
    }
}

/// Why a workbook is not read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refused {
    /// Past a size limit (the workbench answers 413).
    TooLarge(String),
    /// Damaged, or not what its extension says.
    Unreadable(String),
}

impl Refused {
    pub fn message(&self) -> &str {
        match self {
            Refused::TooLarge(m) | Refused::Unreadable(m) => m,
        }
    }
}

/// A workbook's bytes shared with the thread that reads its sheet.
#[derive(Clone)]
pub struct SharedBytes(pub Arc<dyn AsRef<[u8]> + Send + Sync>);

impl AsRef<[u8]> for SharedBytes {
    fn as_ref(&self) -> &[u8] {
        (*self.0).as_ref()
    }
}

/// An opened workbook over shared bytes.
pub type Workbook = Sheets<Cursor<SharedBytes>>;

/// Counts what passes through (the real unzipped size, whatever the archive declares).
struct Counted<R> {
    inner: R,
    count: u64,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count += n as u64;
        Ok(n)
    }
}

/// `256 MiB`.
fn mib(n: u64) -> String {
    format!("{} MiB", n / (1024 * 1024))
}

/// Checks a workbook before calamine opens it. A zip (XLSX, XLSB, ODS): entries,
/// declared and real unzipped size (inflated into a counter), the shared strings' count
/// and size. An `.xls` (a compound file): each sheet's declared dimensions and the
/// extent of its cells ([`check_xls`]).
pub fn check_archive(name: &str, bytes: &[u8], max_unzipped: u64) -> Result<(), Refused> {
    if bytes.starts_with(&CFB_SIGNATURE) {
        return check_xls(name, bytes);
    }
    if !bytes.starts_with(b"PK\x03\x04") {
        return Ok(());
    }
    let damaged = |e: &dyn std::fmt::Display| {
        Refused::Unreadable(format!(
            "无法读取工作簿 {name}：{e}（文件可能已损坏，或扩展名与实际格式不符）"
        ))
    };
    let bomb = || {
        Refused::TooLarge(format!(
            "工作簿 {name} 解压后超过 {}，疑似压缩炸弹，已拒绝 / the workbook unzips to more than {}",
            mib(max_unzipped),
            mib(max_unzipped)
        ))
    };
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| damaged(&e))?;
    if archive.len() > MAX_ZIP_ENTRIES {
        return Err(Refused::TooLarge(format!(
            "工作簿 {name} 的压缩包有 {} 个条目，超过 {MAX_ZIP_ENTRIES} 个的上限，已拒绝",
            archive.len()
        )));
    }
    let mut declared: u64 = 0;
    for i in 0..archive.len() {
        let entry = archive.by_index_raw(i).map_err(|e| damaged(&e))?;
        declared = declared.saturating_add(entry.size());
    }
    if declared > max_unzipped {
        return Err(bomb());
    }
    let mut total: u64 = 0;
    for i in 0..archive.len() {
        let entry = archive.by_index(i).map_err(|e| damaged(&e))?;
        let part = entry.name().replace('\\', "/").to_ascii_lowercase();
        let room = max_unzipped - total;
        let mut counted = Counted {
            inner: entry.take(room.saturating_add(1)),
            count: 0,
        };
        if part == "xl/sharedstrings.xml" {
            shared_strings(name, &mut counted)?;
        }
        io::copy(&mut counted, &mut io::sink()).map_err(|e| damaged(&e))?;
        total += counted.count;
        if total > max_unzipped {
            return Err(bomb());
        }
        // XLSB's strings: a record each, pushed one by one; bounded by the part's size.
        if part == "xl/sharedstrings.bin" && counted.count > MAX_SHARED_STRING_BYTES / 4 {
            return Err(Refused::TooLarge(format!(
                "工作簿 {name} 的共享字符串表解压后超过 {}，已拒绝",
                mib(MAX_SHARED_STRING_BYTES / 4)
            )));
        }
    }
    Ok(())
}

/// The shared-string part: its declared count (calamine reserves it), its real count and
/// its size within bounds.
fn shared_strings(name: &str, part: &mut impl Read) -> Result<(), Refused> {
    use quick_xml::events::Event;
    let too_many = |n: u64| {
        Refused::TooLarge(format!(
            "工作簿 {name} 的共享字符串表有 {n} 个字符串，超过 {MAX_SHARED_STRINGS} 个的上限，已拒绝（文件可能已损坏或被篡改） / too many shared strings"
        ))
    };
    let mut bounded = Counted {
        inner: part.take(MAX_SHARED_STRING_BYTES + 1),
        count: 0,
    };
    let mut xml = quick_xml::Reader::from_reader(io::BufReader::new(&mut bounded));
    let mut buf = Vec::new();
    let mut count: u64 = 0;
    loop {
        buf.clear();
        match xml.read_event_into(&mut buf) {
            Ok(Event::Start(e) | Event::Empty(e)) => match e.local_name().as_ref() {
                b"sst" => {
                    for a in e.attributes().flatten() {
                        if matches!(a.key.local_name().as_ref(), b"count" | b"uniqueCount") {
                            let n = std::str::from_utf8(&a.value)
                                .ok()
                                .and_then(|v| v.trim().parse::<u64>().ok())
                                .unwrap_or(0);
                            if n > MAX_SHARED_STRINGS && a.key.local_name().as_ref() == b"uniqueCount" {
                                return Err(too_many(n));
                            }
                        }
                    }
                }
                b"si" => {
                    count += 1;
                    if count > MAX_SHARED_STRINGS {
                        return Err(too_many(count));
                    }
                }
                _ => {}
            },
            Ok(Event::Eof) => break,
            // calamine reports a damaged part itself.
            Err(_) => break,
            Ok(_) => {}
        }
    }
    drop(xml);
    if bounded.count > MAX_SHARED_STRING_BYTES {
        return Err(Refused::TooLarge(format!(
            "工作簿 {name} 的共享字符串表解压后超过 {}，已拒绝",
            mib(MAX_SHARED_STRING_BYTES)
        )));
    }
    Ok(())
}

/// Opens a workbook (format told by `name`'s extension) after [`check_archive`].
pub fn open(name: &str, bytes: SharedBytes, max_unzipped: u64) -> Result<Workbook, Refused> {
    check_archive(name, bytes.as_ref(), max_unzipped)?;
    open_checked(name, Cursor::new(bytes))
}

/// Opens a workbook that passed [`check_archive`]: the format by `name`'s extension, or,
/// for a name without a workbook's extension (standard input, `--data-format xlsx`), by
/// its content.
pub fn open_checked<RS: Read + Seek>(name: &str, mut reader: RS) -> Result<Sheets<RS>, Refused> {
    use calamine::{Ods, Xls, Xlsb, Xlsx};
    let lower = name.to_lowercase();
    let ext = match lower.rsplit_once('.').map_or("", |(_, e)| e) {
        ext @ ("xls" | "xlsx" | "xlsm" | "xlsb" | "ods") => ext,
        _ => format_by_content(&mut reader),
    };
    let opened = catch(|| match ext {
        "xls" => Xls::new(reader).map(Sheets::Xls).map_err(|e| e.to_string()),
        "xlsb" => Xlsb::new(reader).map(Sheets::Xlsb).map_err(|e| e.to_string()),
        "ods" => Ods::new(reader).map(Sheets::Ods).map_err(|e| e.to_string()),
        _ => Xlsx::new(reader).map(Sheets::Xlsx).map_err(|e| e.to_string()),
    });
    opened.map_err(|e| {
        Refused::Unreadable(format!(
            "无法读取工作簿 {name}：{e}（文件可能已损坏，或扩展名与实际格式不符）"
        ))
    })
}

/// A workbook's format by its bytes: a compound file is `.xls`; a zip is `.ods` by its
/// `mimetype` entry, `.xlsb` by its binary workbook part, else `.xlsx`.
fn format_by_content<RS: Read + Seek>(reader: &mut RS) -> &'static str {
    let mut magic = [0u8; 8];
    let read = reader.read_exact(&mut magic).is_ok();
    let format = if read && magic == CFB_SIGNATURE {
        "xls"
    } else if read && magic.starts_with(b"PK\x03\x04") {
        let _ = reader.seek(io::SeekFrom::Start(0));
        match zip::ZipArchive::new(&mut *reader) {
            Ok(mut archive) => {
                let mut mimetype = String::new();
                let ods = archive.by_name("mimetype").is_ok_and(|entry| {
                    entry.take(256).read_to_string(&mut mimetype).is_ok()
                        && mimetype.contains("opendocument.spreadsheet")
                });
                if ods {
                    "ods"
                } else if archive.index_for_name("xl/workbook.bin").is_some() {
                    "xlsb"
                } else {
                    "xlsx"
                }
            }
            Err(_) => "xlsx",
        }
    } else {
        "xlsx"
    };
    let _ = reader.seek(io::SeekFrom::Start(0));
    format
}

/// Runs calamine on a hostile file: a panic in it is a message, not the end of the run.
fn catch<T>(f: impl FnOnce() -> Result<T, String>) -> Result<T, String> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f))
        .unwrap_or_else(|_| Err("文件内容异常，读取器无法解析".to_owned()))
}

/// `A1` for 0-based coordinates.
pub fn a1(row: u32, col: u32) -> String {
    format!("{}{}", column_letters(col as usize), u64::from(row) + 1)
}

/// Whether a sheet is hidden (or very hidden) in the workbook.
pub fn hidden<RS: Read + Seek>(wb: &Sheets<RS>, sheet: &str) -> bool {
    wb.sheets_metadata()
        .iter()
        .any(|s| s.name == sheet && s.visible != calamine::SheetVisible::Visible)
}

/// One row of a sheet: its non-blank cells by column, in column order.
#[derive(Debug, Clone)]
pub struct SheetRow {
    /// 0-based.
    pub row: u32,
    pub cells: Vec<(u32, Cell)>,
}

enum Msg {
    Row(SheetRow),
    Failed(String),
}

/// The rows of one sheet, read on a thread of their own; memory stays at a few hundred
/// rows whatever the sheet's size. Dropping it stops the reader.
pub struct SheetStream {
    rx: mpsc::Receiver<Msg>,
    /// The used range's first and last column as the sheet declares them (not trusted
    /// for sizes).
    pub declared_cols: Option<(u32, u32)>,
    /// Rows as the sheet declares them (an estimate for progress bars).
    pub declared_rows: usize,
    done: bool,
}

impl SheetStream {
    /// The next row with a non-blank cell, or the reason reading stopped.
    pub fn next_row(&mut self) -> Option<Result<SheetRow, String>> {
        if self.done {
            return None;
        }
        match self.rx.recv() {
            Ok(Msg::Row(row)) => Some(Ok(row)),
            Ok(Msg::Failed(message)) => {
                self.done = true;
                Some(Err(message))
            }
            Err(_) => {
                self.done = true;
                None
            }
        }
    }
}

/// A cell of a cell reader: position and value.
type RawCell = ((u32, u32), Data);

/// Streams the rows of `sheet`. `first_row_limit`: rows below the first non-blank row
/// beyond `limits.max_rows` stop the stream with a message.
pub fn stream(mut wb: Workbook, file: &str, sheet: &str, limits: Limits) -> SheetStream {
    let (tx, rx) = mpsc::sync_channel(ROWS_AHEAD);
    let (dims_tx, dims_rx) = mpsc::sync_channel(1);
    let (file, sheet) = (file.to_owned(), sheet.to_owned());
    let spawned = std::thread::Builder::new().name("jixiao-sheet".into()).spawn(move || {
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            read_rows(&mut wb, &file, &sheet, limits, &tx, &dims_tx)
        }));
        let failed = match result {
            Ok(Ok(())) => return,
            Ok(Err(message)) => message,
            Err(_) => format!("无法读取工作簿 {file} 的工作表「{sheet}」：文件内容异常，读取器无法解析"),
        };
        let _ = dims_tx.try_send((None, 0));
        let _ = tx.send(Msg::Failed(failed));
    });
    let (declared_cols, declared_rows) = match spawned {
        Ok(_) => dims_rx.recv().unwrap_or((None, 0)),
        Err(e) => {
            // No thread: the stream is one message.
            let (tx2, rx2) = mpsc::sync_channel(1);
            let _ = tx2.send(Msg::Failed(format!("无法启动读取线程：{e}")));
            return SheetStream {
                rx: rx2,
                declared_cols: None,
                declared_rows: 0,
                done: false,
            };
        }
    };
    SheetStream {
        rx,
        declared_cols,
        declared_rows,
        done: false,
    }
}

type DimsSender = mpsc::SyncSender<(Option<(u32, u32)>, usize)>;

/// The reading thread: cells in, rows out.
fn read_rows(
    wb: &mut Workbook,
    file: &str,
    sheet: &str,
    limits: Limits,
    tx: &mpsc::SyncSender<Msg>,
    dims: &DimsSender,
) -> Result<(), String> {
    let cant = |e: &dyn std::fmt::Display| format!("无法读取工作簿 {file} 的工作表「{sheet}」：{e}");
    let mut rows = RowBuilder::new(file, sheet, limits, tx);
    match wb {
        Sheets::Xlsx(x) => {
            let mut cells = x.worksheet_cells_reader(sheet).map_err(|e| cant(&e))?;
            let d = cells.dimensions();
            let _ = dims.send(declared(d.start, d.end));
            while let Some(cell) = cells.next_cell().map_err(|e| cant(&e))? {
                let pos = cell.get_position();
                if !rows.push((pos, cell.get_value().clone().into()))? {
                    return Ok(());
                }
            }
        }
        Sheets::Xlsb(x) => {
            let mut cells = x.worksheet_cells_reader(sheet).map_err(|e| cant(&e))?;
            let d = cells.dimensions();
            let _ = dims.send(declared(d.start, d.end));
            while let Some(cell) = cells.next_cell().map_err(|e| cant(&e))? {
                let pos = cell.get_position();
                if !rows.push((pos, cell.get_value().clone().into()))? {
                    return Ok(());
                }
            }
        }
        // No cell reader in calamine: read whole (see the module documentation).
        other => {
            let range = other.worksheet_range(sheet).map_err(|e| cant(&e))?;
            let _ = dims.send(match (range.start(), range.end()) {
                (Some(s), Some(e)) => declared(s, e),
                _ => (None, 0),
            });
            for (r, c, v) in range.used_cells() {
                let (r, c) = match (range.start(), u32::try_from(r), u32::try_from(c)) {
                    (Some(s), Ok(r), Ok(c)) => (s.0.saturating_add(r), s.1.saturating_add(c)),
                    _ => continue,
                };
                if !rows.push(((r, c), v.clone()))? {
                    return Ok(());
                }
            }
        }
    }
    rows.finish();
    Ok(())
}

fn declared(start: (u32, u32), end: (u32, u32)) -> (Option<(u32, u32)>, usize) {
    let rows = end.0.saturating_sub(start.0) as usize;
    (Some((start.1, end.1)), rows.min(MAX_ROWS as usize))
}

/// Groups a sheet's cells into rows, checking each against the grid and the limits.
struct RowBuilder<'a> {
    file: &'a str,
    sheet: &'a str,
    limits: Limits,
    tx: &'a mpsc::SyncSender<Msg>,
    current: Option<SheetRow>,
    first_row: Option<u32>,
}

impl<'a> RowBuilder<'a> {
    fn new(file: &'a str, sheet: &'a str, limits: Limits, tx: &'a mpsc::SyncSender<Msg>) -> Self {
        RowBuilder {
            file,
            sheet,
            limits,
            tx,
            current: None,
            first_row: None,
        }
    }

    /// Takes a cell; `Ok(false)` when the receiver is gone (stop reading).
    fn push(&mut self, ((row, col), value): RawCell) -> Result<bool, String> {
        let (file, sheet) = (self.file, self.sheet);
        if row >= MAX_ROWS || col >= MAX_COLUMNS {
            return Err(format!(
                "工作簿 {file} 的工作表「{sheet}」中的单元格 {} 超出了 Excel 工作表的范围（最多 {MAX_ROWS} 行、{MAX_COLUMNS} 列，即 A1:XFD1048576）：文件可能已损坏或被篡改，已拒绝 / cell beyond Excel's grid",
                a1(row, col)
            ));
        }
        let cell = data_cell(&value);
        if cell == Cell::Blank {
            return Ok(true);
        }
        let first = *self.first_row.get_or_insert(row);
        if (row.saturating_sub(first) as usize) > self.limits.max_rows {
            return Err(format!(
                "工作簿 {file} 的工作表「{sheet}」在第 {} 行还有内容，表头下超过 {} 行，超过了每次最多 {} 个单位的限制：请分批上传，或用命令行 jixiao eval 评价",
                u64::from(row) + 1,
                self.limits.max_rows,
                self.limits.max_rows
            ));
        }
        match &mut self.current {
            Some(current) if current.row == row => {
                if current.cells.len() >= MAX_COLUMNS as usize {
                    return Err(format!(
                        "工作簿 {file} 的工作表「{sheet}」第 {} 行的单元格超过 {MAX_COLUMNS} 个：文件可能已损坏或被篡改，已拒绝",
                        u64::from(row) + 1
                    ));
                }
                current.cells.push((col, cell));
            }
            Some(current) if row < current.row => {
                return Err(format!(
                    "工作簿 {file} 的工作表「{sheet}」中的行顺序异常（单元格 {} 出现在第 {} 行之后），无法逐行读取：请在 Excel 中打开并另存后再试",
                    a1(row, col),
                    u64::from(current.row) + 1
                ));
            }
            _ => {
                let next = SheetRow {
                    row,
                    cells: vec![(col, cell)],
                };
                if let Some(done) = self.current.replace(next) {
                    return Ok(self.send(done));
                }
            }
        }
        Ok(true)
    }

    fn send(&self, mut row: SheetRow) -> bool {
        // Cells in column order; a cell written twice keeps its last value.
        row.cells.sort_by_key(|(c, _)| *c);
        row.cells.dedup_by(|later, earlier| {
            if later.0 == earlier.0 {
                std::mem::swap(later, earlier);
                true
            } else {
                false
            }
        });
        self.tx.send(Msg::Row(row)).is_ok()
    }

    fn finish(&mut self) {
        if let Some(last) = self.current.take() {
            self.send(last);
        }
    }
}

/// The rows with content below the first one, counted up to `most + 1`: a reading pass
/// that keeps nothing, so that a workbench request past its unit limit is refused before
/// any unit is evaluated, whatever the sheet declares.
pub fn count_rows(wb: Workbook, file: &str, sheet: &str, most: usize) -> Result<usize, String> {
    let mut rows = stream(wb, file, sheet, Limits::default());
    let mut count = 0;
    let mut header = true;
    while let Some(row) = rows.next_row() {
        row?;
        if std::mem::take(&mut header) {
            continue;
        }
        count += 1;
        if count > most {
            break;
        }
    }
    Ok(count)
}

/// The sheet's first non-blank row (the header) without reading the rest.
pub fn first_row(wb: Workbook, file: &str, sheet: &str) -> Result<Option<SheetRow>, String> {
    let mut rows = stream(wb, file, sheet, Limits::default());
    rows.next_row().transpose()
}

/// A sheet as a grid (for forms read by position), refused when its cells span more
/// than [`MAX_GRID_CELLS`]: the message names the farthest cell.
pub fn bounded_range<RS: Read + Seek>(wb: &mut Sheets<RS>, file: &str, sheet: &str) -> Result<Range<Data>, String> {
    let cant = |e: &dyn std::fmt::Display| format!("无法读取工作簿 {file} 的工作表「{sheet}」：{e}");
    let mut cells: Vec<calamine::Cell<Data>> = Vec::new();
    let mut take = |pos: (u32, u32), value: Data| -> Result<(), String> {
        if value == Data::Empty {
            return Ok(());
        }
        if pos.0 >= MAX_ROWS || pos.1 >= MAX_COLUMNS {
            return Err(format!(
                "工作表「{sheet}」中的单元格 {} 超出了 Excel 工作表的范围（A1:XFD1048576）：文件可能已损坏或被篡改",
                a1(pos.0, pos.1)
            ));
        }
        if cells.len() as u64 >= MAX_GRID_CELLS {
            return Err(format!(
                "工作表「{sheet}」的单元格超过 {MAX_GRID_CELLS} 个，不是填报模板的表"
            ));
        }
        cells.push(calamine::Cell::new(pos, value));
        Ok(())
    };
    match wb {
        Sheets::Xlsx(x) => {
            let mut reader = x.worksheet_cells_reader(sheet).map_err(|e| cant(&e))?;
            while let Some(c) = catch(|| reader.next_cell().map_err(|e| cant(&e)))? {
                take(c.get_position(), c.get_value().clone().into())?;
            }
        }
        Sheets::Xlsb(x) => {
            let mut reader = x.worksheet_cells_reader(sheet).map_err(|e| cant(&e))?;
            while let Some(c) = catch(|| reader.next_cell().map_err(|e| cant(&e)))? {
                take(c.get_position(), c.get_value().clone().into())?;
            }
        }
        other => return catch(|| other.worksheet_range(sheet).map_err(|e| cant(&e))),
    }
    let (mut top, mut left, mut bottom, mut right) = (u32::MAX, u32::MAX, 0, 0);
    for c in &cells {
        let (r, col) = c.get_position();
        top = top.min(r);
        left = left.min(col);
        bottom = bottom.max(r);
        right = right.max(col);
    }
    if !cells.is_empty() {
        let span = u64::from(bottom - top + 1) * u64::from(right - left + 1);
        if span > MAX_GRID_CELLS {
            return Err(format!(
                "工作表「{sheet}」的内容从 {} 一直到 {}，范围过大（超过 {MAX_GRID_CELLS} 个单元格）：请删去表格之外的单元格（如 {}）后再上传",
                a1(top, left),
                a1(bottom, right),
                a1(bottom, right)
            ));
        }
    }
    Ok(Range::from_sparse(cells))
}

// ── .xls: the compound file's Workbook stream, walked record by record ─────────

const CFB_SIGNATURE: [u8; 8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

/// The most cells an `.xls` sheet may declare or span: calamine reserves the declared
/// dimensions (40 bytes a cell) and builds a grid over the cells' extent (32 bytes).
pub const MAX_XLS_CELLS: u64 = 2_000_000;

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

/// The `Workbook` (or BIFF5 `Book`) stream of a compound file, walked the way calamine
/// walks it but checked at each step: `Ok(None)` for a file calamine refuses by itself
/// (it then says why); `Err` for a structure calamine would trust to its cost — a FAT or
/// DIFAT length past the file (it reserves them), a chain that loops (it follows chains
/// without noticing), a sector cut short by the end of the file (it asserts).
fn workbook_stream(bytes: &[u8]) -> Result<Option<Vec<u8>>, String> {
    const END: u32 = 0xFFFF_FFFE;
    const RESERVED: u32 = 0xFFFF_FFFA;
    const DIFSECT: u32 = 0xFFFF_FFFC;
    let size: usize = match u16_at(bytes, 0x1E) {
        Some(9) => 512,
        Some(12) => 4096,
        _ => return Ok(None),
    };
    if u16_at(bytes, 0x20) != Some(6) || bytes.len() < size {
        return Ok(None);
    }
    let field = |at: usize| u32_at(bytes, at).ok_or_else(|| "文件头不完整".to_owned());
    // Whole sectors after the header: calamine reads any other id short.
    let sectors = bytes.len() / size - 1;
    let sector = |id: u32| -> Result<&[u8], String> {
        let at = (id as usize + 1) * size;
        match bytes.get(at..at + size) {
            Some(s) if (id as usize) < sectors => Ok(s),
            _ => Err(format!("扇区 {id} 超出了文件")),
        }
    };
    let words = |s: &[u8]| -> Vec<u32> {
        s.chunks_exact(4)
            .map(|w| u32::from_le_bytes([w[0], w[1], w[2], w[3]]))
            .collect()
    };
    if field(0x2C)? as usize > sectors {
        return Err(format!(
            "声明了 {} 个 FAT 扇区，文件只有 {sectors} 个扇区",
            field(0x2C)?
        ));
    }
    // calamine reserves a DIFAT of the length it reads at offset 62.
    if field(0x3E)? > 1 << 24 {
        return Err("DIFAT 长度异常".into());
    }
    let mut difat: Vec<u32> = words(&bytes[0x4C..512]);
    let mut next = field(0x44)?;
    let mut seen = vec![false; sectors];
    while next < RESERVED {
        if seen.get(next as usize).copied().unwrap_or(true) {
            return Err("DIFAT 扇区链有循环或超出了文件".into());
        }
        seen[next as usize] = true;
        difat.extend(words(sector(next)?));
        next = difat.pop().unwrap_or(END);
    }
    let mut fat: Vec<u32> = Vec::new();
    for id in difat.into_iter().filter(|&id| id < DIFSECT) {
        fat.extend(words(sector(id)?));
    }
    // A chain as calamine's `get_chain` follows it, each sector visited once.
    let chain = |start: u32, table: &[u32], read: &dyn Fn(u32) -> Result<Vec<u8>, String>, len: usize| {
        let mut out = Vec::new();
        let mut visited = vec![false; table.len()];
        let mut id = start;
        while id != END {
            out.extend(read(id)?);
            if out.len() >= len {
                out.truncate(len);
                break;
            }
            match visited.get_mut(id as usize) {
                Some(v) if !*v => *v = true,
                _ => return Err(format!("扇区链有循环或超出了分配表（扇区 {id}）")),
            }
            id = table[id as usize];
        }
        Ok::<Vec<u8>, String>(out)
    };
    let read_sector = |id: u32| sector(id).map(<[u8]>::to_vec);
    let directory = chain(field(0x30)?, &fat, &read_sector, usize::MAX)?;
    let entries: Vec<&[u8]> = directory.chunks_exact(128).collect();
    let Some(root) = entries.first() else {
        return Ok(None);
    };
    let name_of = |e: &[u8]| -> String {
        let units: Vec<u16> = (0..32).filter_map(|i| u16_at(e, 2 * i)).collect();
        let name = String::from_utf16_lossy(&units);
        name.split('\0').next().unwrap_or("").to_owned()
    };
    let length_of = |e: &[u8]| -> usize {
        if size == 512 {
            u32_at(e, 0x78).unwrap_or(0) as usize
        } else {
            u32_at(e, 0x78).map_or(0, |lo| lo as usize | (u32_at(e, 0x7C).unwrap_or(0) as usize) << 32)
        }
    };
    let (mini, minifat) = if field(0x40)? > 0 {
        let mini = chain(u32_at(root, 0x74).unwrap_or(END), &fat, &read_sector, length_of(root))?;
        let minifat_len = (field(0x40)? as usize).saturating_mul(size);
        let minifat = chain(field(0x3C)?, &fat, &read_sector, minifat_len)?;
        (mini, words(&minifat))
    } else {
        (Vec::new(), Vec::new())
    };
    let Some(entry) = ["Workbook", "Book"]
        .iter()
        .find_map(|want| entries.iter().find(|e| name_of(e) == *want))
    else {
        return Ok(None);
    };
    let (start, length) = (u32_at(entry, 0x74).unwrap_or(END), length_of(entry));
    if length < 4096 {
        let read_mini = |id: u32| {
            let at = (id as usize).saturating_mul(64);
            mini.get(at..at + 64)
                .map(<[u8]>::to_vec)
                .ok_or_else(|| format!("小扇区 {id} 超出了小流"))
        };
        chain(start, &minifat, &read_mini, length).map(Some)
    } else {
        chain(start, &fat, &read_sector, length).map(Some)
    }
}

/// Each sheet of an `.xls`: its declared dimensions and the extent of its cells within
/// [`MAX_XLS_CELLS`]. A file that is not a readable compound file passes (calamine
/// reports it).
pub fn check_xls(name: &str, bytes: &[u8]) -> Result<(), Refused> {
    let stream = match workbook_stream(bytes) {
        Ok(Some(stream)) => stream,
        Ok(None) => return Ok(()),
        Err(why) => {
            return Err(Refused::Unreadable(format!(
                "无法读取工作簿 {name}：复合文件结构已损坏（{why}），文件可能已损坏或被篡改"
            )))
        }
    };
    // Sheet names by the stream offset of their BOF (BoundSheet8).
    let mut names: Vec<(u32, String)> = Vec::new();
    let mut records = Vec::new();
    let mut at = 0;
    while let (Some(typ), Some(len)) = (u16_at(&stream, at), u16_at(&stream, at + 2)) {
        let data = stream.get(at + 4..at + 4 + len as usize).unwrap_or(&[]);
        if typ == 0x0085 && data.len() >= 8 {
            let cch = data[6] as usize;
            let text = &data[8.min(data.len())..];
            let sheet = if data[7] & 1 == 1 {
                let units: Vec<u16> = (0..cch).filter_map(|i| u16_at(text, 2 * i)).collect();
                String::from_utf16_lossy(&units)
            } else {
                text.iter().take(cch).map(|&b| char::from(b)).collect()
            };
            names.push((u32_at(data, 0).unwrap_or(0), sheet));
        }
        records.push((at, typ, data));
        at += 4 + len as usize;
    }
    let sheet_at = |bof: usize| {
        names
            .iter()
            .find(|(pos, _)| *pos as usize == bof)
            .map_or_else(|| format!("第 {} 个", bof), |(_, n)| n.clone())
    };
    let mut bof = 0;
    let mut declared: Option<(u64, u64)> = None;
    let mut extent: Option<(u32, u32, u32, u32)> = None;
    for (at, typ, data) in records {
        match typ {
            0x0809 => {
                bof = at;
                declared = None;
                extent = None;
            }
            0x0200 => {
                let (rf, rl, cf, cl) = match data.len() {
                    10 => (
                        u32::from(u16_at(data, 0).unwrap_or(0)),
                        u32::from(u16_at(data, 2).unwrap_or(0)),
                        u32::from(u16_at(data, 4).unwrap_or(0)),
                        u32::from(u16_at(data, 6).unwrap_or(0)),
                    ),
                    14 => (
                        u32_at(data, 0).unwrap_or(0),
                        u32_at(data, 4).unwrap_or(0),
                        u32::from(u16_at(data, 8).unwrap_or(0)),
                        u32::from(u16_at(data, 10).unwrap_or(0)),
                    ),
                    _ => continue,
                };
                // As calamine reads it (`parse_dimensions`), a row count below zero
                // included (it would wrap).
                let cf = if cf > 0xFF || cl < cf { 0 } else { cf };
                if rl >= 1 && cl >= 1 {
                    let rows = if rl < rf { u64::MAX } else { u64::from(rl - rf) };
                    declared = Some((rows, u64::from(cl - cf)));
                }
            }
            // Cells calamine keeps: Number, Label, LabelSst, RK, BoolErr, Formula, RString.
            0x0203 | 0x0204 | 0x00FD | 0x027E | 0x0205 | 0x0006 | 0x00D6 | 0x00BD => {
                let (Some(row), Some(first)) = (u16_at(data, 0), u16_at(data, 2)) else {
                    continue;
                };
                let last = if typ == 0x00BD {
                    u16_at(data, data.len().saturating_sub(2)).unwrap_or(first)
                } else {
                    first
                };
                let (row, first, last) = (u32::from(row), u32::from(first), u32::from(last.max(first)));
                extent = Some(match extent {
                    None => (row, first, row, last),
                    Some((t, l, b, r)) => (t.min(row), l.min(first), b.max(row), r.max(last)),
                });
            }
            0x000A if bof > 0 => {
                let sheet = sheet_at(bof);
                if let Some((t, l, b, r)) = extent {
                    let span = u64::from(b - t + 1) * u64::from(r - l + 1);
                    if span > MAX_XLS_CELLS {
                        return Err(Refused::TooLarge(format!(
                            "工作簿 {name} 的工作表「{sheet}」的内容从 {} 一直到 {}，范围过大（超过 {MAX_XLS_CELLS} 个单元格）：请删去表格之外的单元格（如 {}）后再试，或另存为 .xlsx",
                            a1(t, l),
                            a1(b, r),
                            a1(b, r)
                        )));
                    }
                }
                if let Some((rows, cols)) = declared {
                    if rows.saturating_mul(cols) > MAX_XLS_CELLS {
                        let rows = if rows == u64::MAX {
                            "负数".to_owned()
                        } else {
                            rows.to_string()
                        };
                        return Err(Refused::TooLarge(format!(
                            "工作簿 {name} 的工作表「{sheet}」声明了 {rows} 行 × {cols} 列，超过 .xls 工作表 {MAX_XLS_CELLS} 个单元格的上限：文件可能已损坏或被篡改；数据较多时请另存为 .xlsx 或 CSV",
                        )));
                    }
                }
            }
            _ => {}
        }
    }
    Ok(())
}
