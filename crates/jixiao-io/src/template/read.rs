//! Reading a returned template back: the workbook's cells → a [`data::Raw`] tree →
//! [`data::bind`], with every problem located at its sheet and cell.
//!
//! Cells are found by the hidden key in column A of their row and the header of their
//! column, never by position: a unit may insert rows (they have no key and are not read),
//! rename sheets (sheets are recognised by the marker in their cell A1) or insert columns.
//! The template's identity (title, year, fingerprint) is checked first; a workbook made
//! for another rule file or year is rejected as a whole, saying which it was made for.
//!
//! Numbers come back from calamine as `f64` and become decimals exactly as in
//! [`crate::batch::input`] (shortest round-trip text: exact for anything typed with at
//! most 15 significant digits). Percent cells hold fractions (`95%` is stored as 0.95),
//! which is how data files write rates too.
//!
//! Every problem of a workbook is collected, never only the first: blank required cells,
//! values of the wrong kind or out of range (from [`data::bind`]), rows or sheets that are
//! missing, targets without a name. Nothing here panics on a malformed workbook.

use std::collections::HashMap;
use std::fmt;
use std::io::Cursor;

use calamine::{Data, Range, Reader};

use super::*;
use super::{META_FINGERPRINT, META_SHA, META_TITLE, META_VERSION, META_YEAR};
use crate::batch::cells::{column_letters, data_cell, Cell};
use crate::batch::workbook;
use jixiao::data::{Entry, Raw};
use jixiao::diagnostics::{DataProblem, ProblemKind};

/// How serious a problem is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    /// The unit cannot be evaluated until it is fixed.
    Error,
    /// Worth a look; the unit is still evaluated.
    Warning,
}

impl Severity {
    pub fn label(self) -> &'static str {
        match self {
            Severity::Error => "错误",
            Severity::Warning => "提示",
        }
    }
}

/// One problem in a returned workbook, at its cell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub severity: Severity,
    pub file: String,
    /// The unit's name as filled in (empty when it is not).
    pub unit: String,
    /// The sheet as it is named in the returned workbook (empty: the whole workbook).
    pub sheet: String,
    /// `E9`, `C12:G12` for a whole target, or empty; for a CSV or TOML file the place in
    /// words (`第 3 行「编制人数」列`).
    pub cell: String,
    /// The row as a spreadsheet numbers it (a TOML/JSON file: the line), when known.
    pub row: Option<usize>,
    /// The column: its letters as a spreadsheet shows them (`E`, `C:G` for a whole target;
    /// a TOML/JSON file: the character column as a number), when known.
    pub column: Option<String>,
    /// What the cell is for (`编制人数`, `绩效目标[3]（培训人数）`).
    pub label: String,
    /// What was filled in, as text.
    pub value: Option<String>,
    /// What is wrong, and what is expected instead.
    pub expected: String,
    /// Who has to fix it.
    pub filler: Filler,
}

impl Problem {
    /// The columns of a problem list (`jixiao validate` as CSV and as a workbook).
    pub const COLUMNS: [&'static str; 9] = [
        "级别",
        "文件",
        "单位",
        "工作表",
        "单元格",
        "项目",
        "填写的值",
        "问题（应填写）",
        "由谁修改",
    ];

    /// This problem under [`Problem::COLUMNS`].
    pub fn columns(&self) -> [String; 9] {
        [
            self.severity.label().to_owned(),
            self.file.clone(),
            self.unit.clone(),
            self.sheet.clone(),
            self.cell.clone(),
            self.label.clone(),
            self.value.clone().unwrap_or_default(),
            self.expected.clone(),
            self.filler.label().to_owned(),
        ]
    }

    /// `基础数据!E9`, `'绩效 目标'!C5:G5`, `工作表「自评」`, the cell alone (a CSV or TOML
    /// file's `第 3 行第 10 列`), or empty.
    pub fn place(&self) -> String {
        match (self.sheet.is_empty(), self.cell.is_empty()) {
            (true, _) => self.cell.clone(),
            (false, true) => format!("工作表「{}」", self.sheet),
            (false, false) => format!("{}!{}", sheet_ref(&self.sheet), self.cell),
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        let place = self.place();
        if !place.is_empty() {
            write!(f, " {place}")?;
        }
        if !self.label.is_empty() {
            write!(f, "「{}」", self.label)?;
        }
        if let Some(v) = &self.value {
            write!(f, "（值 {}）", short(v))?;
        }
        write!(f, "：{}", self.expected)
    }
}

/// A sheet name as Excel writes it in a reference.
fn sheet_ref(name: &str) -> String {
    if name.chars().all(|c| c.is_alphanumeric() || c == '_') {
        name.to_owned()
    } else {
        format!("'{}'", name.replace('\'', "''"))
    }
}

fn short(value: &str) -> String {
    const MAX: usize = 40;
    let one_line = value.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() > MAX {
        format!("{}…", one_line.chars().take(MAX).collect::<String>())
    } else {
        one_line
    }
}

/// What reading a returned template gives.
#[derive(Debug, Clone)]
pub struct Returned {
    /// The unit's name, when filled in.
    pub unit: Option<String>,
    /// The unit's data, ready for [`data::bind`]; `None` when the workbook has errors.
    pub raw: Option<Raw>,
    /// The data as read when every error concerns one figure's value (blank, not accepted):
    /// what `--partial` evaluates, leaving those figures 无法计算.
    pub partial_raw: Option<Raw>,
    /// Errors and warnings, in the order of the form.
    pub problems: Vec<Problem>,
}

impl Returned {
    pub fn errors(&self) -> usize {
        self.problems.iter().filter(|p| p.severity == Severity::Error).count()
    }
}

/// A returned template as the batch reader takes it (see [`Returned::into_batch`]).
#[derive(Debug, Clone)]
pub struct BatchParts {
    pub raw: Raw,
    pub problems: Vec<DataProblem>,
    /// Fields whose absence is explained by `problems` (binding's own "missing" reports
    /// for them are dropped).
    pub reported: Vec<String>,
    pub warnings: Vec<String>,
}

impl Returned {
    /// For [`crate::batch`]: a workbook without errors is its data; one with errors is
    /// only its unit's name, with every error at its cell. Binding that stub reports
    /// every field as missing; those reports are covered by the errors (`reported`).
    pub fn into_batch(self, model: &Model, partial: bool) -> BatchParts {
        let mut warnings: Vec<String> = self
            .problems
            .iter()
            .filter(|p| p.severity == Severity::Warning)
            .map(|p| p.to_string())
            .collect();
        // `--partial`: errors of single figures are said as warnings; binding leaves those
        // figures 无法计算 (a blank one is not reported, a wrong one is set aside).
        if let (true, Some(raw)) = (partial, &self.partial_raw) {
            warnings.extend(
                self.problems
                    .iter()
                    .filter(|p| p.severity == Severity::Error)
                    .map(|p| format!("{p}（--partial：这一项按无法计算处理）")),
            );
            return BatchParts {
                raw: raw.clone(),
                problems: Vec::new(),
                reported: Vec::new(),
                warnings,
            };
        }
        if let (Some(raw), 0) = (&self.raw, self.errors()) {
            return BatchParts {
                raw: raw.clone(),
                problems: Vec::new(),
                reported: Vec::new(),
                warnings,
            };
        }
        let mut stub = Vec::new();
        if let Some(unit) = &self.unit {
            stub.push((data::UNIT_NAME_KEYS[0].to_owned(), Raw::Text(unit.clone()), None));
        }
        let mut reported = vec![data::UNIT_NAME_KEYS[0].to_owned()];
        reported.extend(model.inputs.iter().map(|i| i.name.clone()));
        reported.extend(model.lists.iter().map(|l| l.name.clone()));
        reported.extend(
            model
                .review_leaves
                .iter()
                .map(|&l| format!("{}.{}", data::REVIEW_KEYS[0], model.nodes[l].name)),
        );
        let problems = self
            .problems
            .iter()
            .filter(|p| p.severity == Severity::Error)
            .map(|p| {
                // The field is the cell as the batch reports name it (`基础数据!E8「编制人数」`).
                let place = p.place();
                let label = if p.label.is_empty() {
                    String::new()
                } else {
                    format!("「{}」", p.label)
                };
                DataProblem {
                    kind: ProblemKind::InvalidValue,
                    field: match (place.is_empty(), label.is_empty()) {
                        (true, true) => "（工作簿）".into(),
                        _ => format!("{place}{label}"),
                    },
                    value: p.value.clone(),
                    message: p.expected.clone(),
                    location: None,
                    declared_at: None,
                    declared_in: None,
                }
            })
            .collect();
        BatchParts {
            raw: Raw::Table(stub),
            problems,
            reported,
            warnings,
        }
    }
}

/// Opens a workbook that passed [`workbook::check_archive`]; `name`'s extension tells
/// the format.
fn open<'b>(name: &str, bytes: &'b [u8]) -> Option<calamine::Sheets<Cursor<&'b [u8]>>> {
    workbook::open_checked(name, Cursor::new(bytes)).ok()
}

/// Whether the archive passes the bounds of [`workbook::check_archive`] (a workbook
/// that does not is refused by the ordinary reader, with the reason).
fn bounded(name: &str, bytes: &[u8]) -> bool {
    workbook::check_archive(name, bytes, workbook::Limits::default().max_unzipped_bytes).is_ok()
}

/// Whether a workbook is a jixiao template (it has the meta sheet).
pub fn is_template(name: &str, bytes: &[u8]) -> bool {
    bounded(name, bytes) && open(name, bytes).is_some_and(|wb| wb.sheet_names().iter().any(|n| n == META_SHEET))
}

/// A cell's text, trimmed (numbers as their shortest text).
fn text_of(d: Option<&Data>) -> String {
    match d.map(data_cell) {
        Some(Cell::Text(s) | Cell::Number(s) | Cell::Other(s)) => s,
        Some(Cell::Bool(b)) => (if b { "是" } else { "否" }).into(),
        Some(Cell::Blank) | None => String::new(),
    }
}

/// Where a value was read from.
#[derive(Debug, Clone)]
struct CellRef {
    sheet: String,
    cell: String,
    label: String,
    filler: Filler,
    /// A number in a percent cell: the sheet shows it ×100 with `%` (0.95 as 95%), and so
    /// do the problems about it.
    percent: bool,
}

/// The data key of a form field as a path of nested tables.
fn key_path(key: &str) -> Vec<String> {
    for prefix in ["自评.得分.", "自评.指标值."] {
        if let Some(rest) = key.strip_prefix(prefix) {
            let mut path: Vec<String> = prefix.trim_end_matches('.').split('.').map(str::to_owned).collect();
            path.push(rest.to_owned());
            return path;
        }
    }
    for prefix in ["评审.", "自评."] {
        if let Some(rest) = key.strip_prefix(prefix) {
            return vec![prefix.trim_end_matches('.').to_owned(), rest.to_owned()];
        }
    }
    vec![key.to_owned()]
}

/// Removes the locations (they index this reader's cell table, not lines of a file).
fn strip(raw: Raw) -> Raw {
    match raw {
        Raw::Table(entries) => Raw::Table(entries.into_iter().map(|(k, v, _)| (k, strip(v), None)).collect()),
        Raw::Array(items) => Raw::Array(items.into_iter().map(|(v, _)| (strip(v), None)).collect()),
        other => other,
    }
}

/// `727.8` → `727.80`: an amount as its cell shows it. Money cells are formatted and
/// validated to two decimals, so the form shows `727.80` where the unit typed `727.80`, but
/// an `f64` keeps no trailing zeros; the decimals are put back so that reports print the
/// amount as the form does (`727.80`, as a data file would write it). More decimals are kept.
fn two_places(number: &str) -> String {
    match data::parse_decimal(number) {
        Some(mut d) if d.scale() < 2 => {
            d.rescale(2);
            d.to_string()
        }
        _ => number.to_owned(),
    }
}

/// `0.7931` → `79.31%` (a stated rate typed as a number in a percent cell).
fn percent_text(number: &str) -> String {
    match data::parse_decimal(number).and_then(|d| d.checked_mul(Decimal::ONE_HUNDRED)) {
        Some(p) => format!("{}%", format_stated(p)),
        None => number.to_owned(),
    }
}

struct Reading<'m> {
    model: &'m Model,
    file: String,
    unit: Option<String>,
    problems: Vec<Problem>,
    /// Cells read into the tree; a value's location is `Some((index, 0))`.
    cells: Vec<CellRef>,
    /// Each form field's cell, by key (also for cells left blank).
    by_key: HashMap<String, usize>,
    /// Where each list was read from (sheet name).
    list_sheets: HashMap<String, String>,
    /// Fields whose absence is already reported.
    reported: Vec<String>,
    /// The workbook's sheets in order (problems are listed in this order).
    sheet_order: Vec<String>,
    /// Errors that concern one figure's value (left blank, not accepted, not bound): the
    /// only errors `--partial` may evaluate past.
    figure_errors: usize,
}

impl Reading<'_> {
    #[allow(clippy::too_many_arguments)]
    fn problem(
        &mut self,
        severity: Severity,
        sheet: &str,
        cell: &str,
        label: &str,
        value: Option<String>,
        expected: String,
        filler: Filler,
    ) {
        let (row, column) = coordinates(cell);
        self.problems.push(Problem {
            severity,
            file: self.file.clone(),
            unit: String::new(),
            sheet: sheet.to_owned(),
            cell: cell.to_owned(),
            row,
            column,
            label: label.to_owned(),
            value,
            expected,
            filler,
        });
    }

    /// An error of one figure's value (see [`Reading::figure_errors`]).
    #[allow(clippy::too_many_arguments)]
    fn figure_error(
        &mut self,
        sheet: &str,
        cell: &str,
        label: &str,
        value: Option<String>,
        expected: String,
        filler: Filler,
    ) {
        self.figure_errors += 1;
        self.problem(Severity::Error, sheet, cell, label, value, expected, filler);
    }

    fn workbook_error(&mut self, expected: String) {
        self.problem(Severity::Error, "", "", "", None, expected, Filler::Unit);
    }

    fn add_cell(&mut self, sheet: &str, row: u32, col: u32, label: &str, filler: Filler) -> usize {
        self.cells.push(CellRef {
            sheet: sheet.to_owned(),
            cell: format!("{}{}", column_letters(col as usize), row + 1),
            label: label.to_owned(),
            filler,
            percent: false,
        });
        self.cells.len() - 1
    }
}

/// The sheets the reader found, by what they hold.
struct Found {
    forms: HashMap<&'static str, (String, Range<Data>)>,
    lists: HashMap<String, (String, Range<Data>)>,
}

/// Reads a returned template. `None` when the workbook is not a jixiao template (no meta
/// sheet) or cannot be opened at all: the ordinary workbook reader then takes it (and
/// says why a workbook past the bounds of [`workbook::check_archive`] is refused).
pub fn read(model: &Model, file: &str, bytes: &[u8]) -> Option<Returned> {
    if !bounded(file, bytes) {
        return None;
    }
    read_checked(model, file, bytes)
}

/// [`read`] for a workbook that passed [`workbook::check_archive`]. Sheets are read as
/// grids only within [`workbook::MAX_GRID_CELLS`].
pub(crate) fn read_checked(model: &Model, file: &str, bytes: &[u8]) -> Option<Returned> {
    let mut wb = open(file, bytes)?;
    let names = wb.sheet_names();
    if !names.iter().any(|n| n == META_SHEET) {
        return None;
    }
    let template = describe(model, Options::default());
    let mut r = Reading {
        model,
        file: file.to_owned(),
        unit: None,
        problems: Vec::new(),
        cells: Vec::new(),
        by_key: HashMap::new(),
        list_sheets: HashMap::new(),
        reported: Vec::new(),
        sheet_order: names.clone(),
        figure_errors: 0,
    };

    let meta: HashMap<String, String> = match workbook::bounded_range(&mut wb, file, META_SHEET) {
        Ok(range) => range
            .rows()
            .map(|row| (text_of(row.first()), text_of(row.get(1))))
            .filter(|(k, _)| !k.is_empty())
            .collect(),
        Err(message) => {
            r.workbook_error(format!("无法读取模板的标识表：{message}"));
            return Some(finish(r, None));
        }
    };
    let found = Found::scan(&mut r, &mut wb, &names);
    // The unit's name first: messages about a wrong template still name the unit.
    found.read_unit_name(&mut r);
    if !identity_ok(&mut r, &meta, &template) {
        return Some(finish(r, None));
    }

    let mut entries: Vec<Entry> = Vec::new();
    found.read_forms(&mut r, &template, &mut entries);
    found.read_lists(&mut r, &template, &mut entries);
    // Canonical order of the tree: the unit, the inputs, the lists, 评审, 自评.
    entries.sort_by_key(|(k, _, _)| match k.as_str() {
        k if data::UNIT_NAME_KEYS.contains(&k) => 0,
        k if data::REVIEW_KEYS.contains(&k) => 3,
        k if data::STATED_KEYS.contains(&k) => 4,
        k if model.lists.iter().any(|l| l.name == k) => 2,
        _ => 1,
    });
    let raw = Raw::Table(entries);
    bind_check(&mut r, &raw);
    Some(finish(r, Some(raw)))
}

impl Found {
    /// Finds the sheets by their marker in A1; a sheet that cannot be read, or a second
    /// sheet with the same marker, is a problem.
    fn scan<RS: std::io::Read + std::io::Seek>(
        r: &mut Reading,
        wb: &mut calamine::Sheets<RS>,
        names: &[String],
    ) -> Found {
        let mut found = Found {
            forms: HashMap::new(),
            lists: HashMap::new(),
        };
        for name in names.iter().filter(|n| *n != META_SHEET) {
            let range = match workbook::bounded_range(wb, &r.file, name) {
                Ok(range) => range,
                Err(message) => {
                    r.problem(
                        Severity::Error,
                        name,
                        "",
                        "",
                        None,
                        format!("无法读取这个工作表：{message}"),
                        Filler::Unit,
                    );
                    continue;
                }
            };
            let marker = text_of(range.get_value((0, 0)));
            let Some(what) = marker.strip_prefix(MARKER_PREFIX) else {
                continue;
            };
            let previous = if let Some(list) = what.strip_prefix("清单:") {
                found.lists.insert(list.to_owned(), (name.clone(), range)).map(|p| p.0)
            } else if let Some(role) = FormRole::ALL.iter().find(|r| r.default_name() == what) {
                found
                    .forms
                    .insert(role.default_name(), (name.clone(), range))
                    .map(|p| p.0)
            } else {
                None
            };
            if let Some(first) = previous {
                r.workbook_error(format!(
                    "工作表「{first}」和「{name}」是同一张表（可能复制了工作表）：请删去多余的一张，只保留填好的那张"
                ));
            }
        }
        found
    }

    /// Reads the unit's name from the basic form, if it is filled in.
    fn read_unit_name(&self, r: &mut Reading) {
        if let Some((_, range)) = self.forms.get(FormRole::Basic.default_name()) {
            if let Some((keys, col)) = scan_keys(range, FormRole::Basic) {
                if let Some(&row) = keys.get(data::UNIT_NAME_KEYS[0]).and_then(|rows| rows.first()) {
                    let name = text_of(range.get_value((row, col)));
                    if !name.is_empty() {
                        r.unit = Some(name);
                    }
                }
            }
        }
    }

    /// Reads every form sheet into `entries`; a missing sheet is an error when it has a
    /// required field, else a warning.
    fn read_forms(&self, r: &mut Reading, template: &Template, entries: &mut Vec<Entry>) {
        for role in FormRole::ALL {
            let fields: Vec<&Field> = template
                .fields()
                .filter(|(fr, _)| *fr == role)
                .map(|(_, f)| f)
                .collect();
            if fields.is_empty() {
                continue;
            }
            match self.forms.get(role.default_name()) {
                Some((sheet, range)) => read_form(r, sheet, range, role, &fields, entries),
                None => {
                    let required = fields.iter().any(|f| f.required);
                    let (severity, why) = if required {
                        (Severity::Error, "，无法读取其中的数据")
                    } else {
                        (Severity::Warning, "；这张表是选填的，已按未填写处理")
                    };
                    let filler = fields[0].filler;
                    r.problem(
                        severity,
                        "",
                        "",
                        role.default_name(),
                        None,
                        format!(
                            "工作簿中找不到「{}」工作表（隐藏的 A1 单元格标记为 `{}` 的工作表）{why}",
                            role.default_name(),
                            role.marker()
                        ),
                        filler,
                    );
                    r.reported.extend(fields.iter().map(|f| f.key.clone()));
                }
            }
        }
    }

    /// Reads every target list's sheet into `entries`; a missing sheet is an error.
    fn read_lists(&self, r: &mut Reading, template: &Template, entries: &mut Vec<Entry>) {
        for list in template.lists() {
            match self.lists.get(&list.name) {
                Some((sheet, range)) => {
                    let items = read_list(r, sheet, range, list);
                    r.list_sheets.insert(list.name.clone(), sheet.clone());
                    entries.push((list.name.clone(), items, None));
                }
                None => {
                    r.problem(
                        Severity::Error,
                        "",
                        "",
                        &list.name,
                        None,
                        format!(
                            "工作簿中找不到「{}」工作表（隐藏的 A1 单元格标记为 `{}` 的工作表），无法读取目标",
                            list.name,
                            list_marker(&list.name)
                        ),
                        Filler::Unit,
                    );
                    r.reported.push(list.name.clone());
                }
            }
        }
    }
}

/// Compares the template's identity with the rule file's. `false`: rejected.
fn identity_ok(r: &mut Reading, meta: &HashMap<String, String>, template: &Template) -> bool {
    let model = r.model;
    let get = |k: &str| meta.get(k).map(String::as_str).unwrap_or("");
    let version = get(META_VERSION);
    if version != FORMAT_VERSION {
        r.workbook_error(format!(
            "这个工作簿的模板格式（版本 `{version}`）不是本程序能读取的（版本 {FORMAT_VERSION}）：请用 `jixiao template` 重新生成模板"
        ));
        return false;
    }
    let (title, year) = (get(META_TITLE), get(META_YEAR));
    if title != model.title || year != model.year.to_string() {
        r.workbook_error(format!(
            "这是按「{title}」{year} 年度规则文件生成的填报模板，不能按「{}」{} 年度的规则评价：请让单位改用 {} 年度的模板重新填报（jixiao template 生成）",
            model.title, model.year, model.year
        ));
        return false;
    }
    let fingerprint = get(META_FINGERPRINT);
    if fingerprint != template.fingerprint {
        r.workbook_error(format!(
            "这个模板是按另一版本的「{title}」{year} 年度规则文件生成的（规则文件 SHA-256 {}…），其后规则文件的填报项有改动（填报项指纹 {}… ≠ {}…）：请用新生成的模板重新填报",
            get(META_SHA).chars().take(12).collect::<String>(),
            fingerprint.chars().take(12).collect::<String>(),
            template.fingerprint.chars().take(12).collect::<String>()
        ));
        return false;
    }
    let sha = get(META_SHA);
    if sha != model.sha256 {
        r.problem(
            Severity::Warning,
            "",
            "",
            "",
            None,
            format!(
                "模板是按另一版本的规则文件生成的（SHA-256 {}…，现为 {}…），但填报项完全相同，已照常读取",
                sha.chars().take(12).collect::<String>(),
                model.sha256.chars().take(12).collect::<String>()
            ),
            Filler::Unit,
        );
    }
    true
}

/// A form sheet's keys (key → absolute rows) and the absolute column of its values.
fn scan_keys(range: &Range<Data>, role: FormRole) -> Option<(HashMap<String, Vec<u32>>, u32)> {
    let (top, left) = range.start()?;
    let (bottom, right) = range.end()?;
    if left > 0 {
        return None;
    }
    let mut col = None;
    let mut keys: HashMap<String, Vec<u32>> = HashMap::new();
    for row in top..=bottom {
        let key = text_of(range.get_value((row, 0)));
        if key == HEADER_KEY && col.is_none() {
            col = (0..=right).find(|&c| text_of(range.get_value((row, c))) == role.value_header());
        } else if !key.is_empty() && !key.starts_with('#') && !key.starts_with(MARKER_PREFIX) {
            keys.entry(key).or_default().push(row);
        }
    }
    col.map(|c| (keys, c))
}

/// Reads a form sheet's fields into `entries`, each from the row with its key.
fn read_form(
    r: &mut Reading,
    sheet: &str,
    range: &Range<Data>,
    role: FormRole,
    fields: &[&Field],
    entries: &mut Vec<Entry>,
) {
    let Some((keys, col)) = scan_keys(range, role) else {
        r.problem(
            Severity::Error,
            sheet,
            "",
            role.value_header(),
            None,
            format!(
                "找不到表头行或其中的「{}」列（隐藏的 A 列中标记为 `{HEADER_KEY}` 的行）：表头可能被删除或改动了",
                role.value_header()
            ),
            fields[0].filler,
        );
        r.reported.extend(fields.iter().map(|f| f.key.clone()));
        return;
    };
    let form = FormSheet {
        sheet,
        range,
        keys,
        col,
    };
    form.warn_inserted_rows(r);
    form.warn_unknown_keys(r, fields);
    for field in fields {
        let Some((index, row)) = form.field_cell(r, field) else {
            continue;
        };
        let Some(raw) = form.field_value(r, field, index, row) else {
            continue;
        };
        if field.key == data::UNIT_NAME_KEYS[0] {
            if let Raw::Text(s) = &raw {
                r.unit = Some(s.clone());
            }
        }
        data::insert_nested(entries, &key_path(&field.key), raw, Some((index, 0)), None);
    }
}

/// A form sheet whose header was found: its keys (key → absolute rows) and value column.
struct FormSheet<'a> {
    sheet: &'a str,
    range: &'a Range<Data>,
    keys: HashMap<String, Vec<u32>>,
    col: u32,
}

impl FormSheet<'_> {
    /// Rows a unit inserted: not read, but a value typed there is pointed out.
    fn warn_inserted_rows(&self, r: &mut Reading) {
        let (sheet, range, col) = (self.sheet, self.range, self.col);
        if let (Some((top, _)), Some((bottom, _))) = (range.start(), range.end()) {
            let header_row = (top..=bottom).find(|&row| text_of(range.get_value((row, 0))) == HEADER_KEY);
            for row in header_row.map_or(bottom + 1, |h| h + 1)..=bottom {
                let key = text_of(range.get_value((row, 0)));
                let value = text_of(range.get_value((row, col)));
                if key.is_empty() && !value.is_empty() {
                    let cell = format!("{}{}", column_letters(col as usize), row + 1);
                    r.problem(
                        Severity::Warning,
                        sheet,
                        &cell,
                        "（插入的行）",
                        Some(value),
                        "这一行不是模板中的行（隐藏的 A 列没有键），其中的内容没有读取；如果是要填报的数，请填到模板原有的行中".into(),
                        Filler::Unit,
                    );
                }
            }
        }
    }

    /// Keys on the sheet that the rule file does not have: ignored, with a warning.
    fn warn_unknown_keys(&self, r: &mut Reading, fields: &[&Field]) {
        let keys = &self.keys;
        for key in keys.keys() {
            if !fields.iter().any(|f| f.key == *key) {
                let row = keys[key][0];
                r.problem(
                    Severity::Warning,
                    self.sheet,
                    &format!("A{}", row + 1),
                    key,
                    None,
                    "规则文件中没有这一项，已忽略".into(),
                    Filler::Unit,
                );
            }
        }
    }

    /// The field's cell (its index in [`Reading::cells`]) and row; `None`, with a problem,
    /// when its row is missing or repeated.
    fn field_cell(&self, r: &mut Reading, field: &Field) -> Option<(usize, u32)> {
        let (sheet, col) = (self.sheet, self.col);
        let rows = self.keys.get(&field.key).map(Vec::as_slice).unwrap_or(&[]);
        let Some(&row) = rows.first() else {
            let (severity, what) = if field.required {
                (Severity::Error, "这一项必填")
            } else {
                (Severity::Warning, "这一项选填，已按未填写处理")
            };
            r.problem(
                severity,
                sheet,
                "",
                &field.label,
                None,
                format!(
                    "找不到这一项的行（隐藏的 A 列中没有键 `{}`，这一行可能被删除或剪切了）；{what}",
                    field.key
                ),
                field.filler,
            );
            r.reported.push(field.key.clone());
            return None;
        };
        let index = r.add_cell(sheet, row, col, &field.label, field.filler);
        r.by_key.insert(field.key.clone(), index);
        if rows.len() > 1 {
            let others: Vec<String> = rows[1..]
                .iter()
                .map(|x| format!("{}{}", column_letters(col as usize), x + 1))
                .collect();
            let cell = r.cells[index].cell.clone();
            r.problem(
                Severity::Error,
                sheet,
                &cell,
                &field.label,
                None,
                format!(
                    "这一项出现了 {} 次（另见 {}；可能复制了整行）：请删去多余的行，只保留一行",
                    rows.len(),
                    others.join("、")
                ),
                field.filler,
            );
            r.reported.push(field.key.clone());
            return None;
        }
        Some((index, row))
    }

    /// The field's value as the rule reads it; `None` when blank (an error if required)
    /// or not one of a drop-down's choices.
    fn field_value(&self, r: &mut Reading, field: &Field, index: usize, row: u32) -> Option<Raw> {
        let sheet = self.sheet;
        let cell = self.range.get_value((row, self.col)).map_or(Cell::Blank, data_cell);
        let raw = match (cell, &field.rule) {
            (Cell::Blank, _) => {
                if field.required {
                    let expected = match field.filler {
                        Filler::Unit => format!("必填，未填写（{}）", field.rule.describe()),
                        Filler::Bureau => format!("评审人员尚未打分（{}）", field.rule.describe()),
                    };
                    let cell = r.cells[index].cell.clone();
                    r.figure_error(sheet, &cell, &field.label, None, expected, field.filler);
                    r.reported.push(field.key.clone());
                }
                return None;
            }
            (Cell::Number(s), Rule::Money { .. }) => Raw::Number(two_places(&s)),
            (Cell::Number(s), Rule::Percent { .. }) => {
                r.cells[index].percent = true;
                // `95` where `95%` was meant: the percent cell shows 9500%. Said here, in the
                // cell's terms, rather than by `data::bind`, which sees a bare number.
                if data::parse_decimal(&s).is_some_and(|d| d.abs() > Decimal::TEN) {
                    let shown = percent_text(&s);
                    let meant = format!("{s}%");
                    let cell = r.cells[index].cell.clone();
                    r.figure_error(
                        sheet,
                        &cell,
                        &field.label,
                        Some(shown.clone()),
                        format!(
                            "单元格中是 {shown}，不合常理（百分比格式的单元格中填入了数 {s}）：若是 {meant}，请在单元格中填写 {meant}"
                        ),
                        field.filler,
                    );
                    r.reported.push(field.key.clone());
                    return None;
                }
                Raw::Number(s)
            }
            (Cell::Number(s), Rule::AsWritten { percent: true }) => Raw::Text(percent_text(&s)),
            (Cell::Number(s), Rule::AsWritten { .. } | Rule::Text { .. } | Rule::Choice(_)) => Raw::Text(s),
            (Cell::Number(s), _) => Raw::Number(s),
            (Cell::Text(s), _) => Raw::Text(s),
            (Cell::Bool(b), Rule::YesNo) => Raw::Bool(b),
            (Cell::Bool(b), _) => Raw::Text((if b { "是" } else { "否" }).into()),
            (Cell::Other(s), _) => Raw::Other(s),
        };
        if let (Rule::Choice(items), Raw::Text(s)) = (&field.rule, &raw) {
            if !items.contains(s) {
                let cell = r.cells[index].cell.clone();
                r.figure_error(
                    sheet,
                    &cell,
                    &field.label,
                    Some(s.clone()),
                    format!("应为 {} 之一（从下拉列表选择）", items.join("、")),
                    field.filler,
                );
                return None;
            }
        }
        Some(raw)
    }
}

/// Reads a target list's sheet: one item per row with anything filled in.
fn read_list(r: &mut Reading, sheet: &str, range: &Range<Data>, list: &ListSheet) -> Raw {
    let Some(bottom) = range.end().map(|(bottom, _)| bottom) else {
        return Raw::Array(Vec::new());
    };
    let Some(columns) = ListColumns::find(r, sheet, range, list) else {
        return Raw::Array(Vec::new());
    };
    let mut items = Vec::new();
    for row in columns.header_row + 1..=bottom {
        if let Some(item) = columns.item(r, row, items.len() + 1) {
            items.push(item);
        }
    }
    if items.is_empty() {
        r.problem(
            Severity::Warning,
            sheet,
            "",
            &list.name,
            None,
            "没有填写任何目标：按规则文件，没有目标的类别按满分计；如果单位确有目标，请补填".into(),
            Filler::Unit,
        );
    }
    Raw::Array(items)
}

/// A header's name without its note: `达成（定性目标填写）` → `达成`.
fn stem(h: &str) -> String {
    h.split('（').next().unwrap_or(h).trim().to_owned()
}

/// A target list's sheet whose header was found: where each column of [`LIST_COLUMNS`] is.
struct ListColumns<'a> {
    sheet: &'a str,
    range: &'a Range<Data>,
    list: &'a ListSheet,
    /// The header row (absolute).
    header_row: u32,
    /// (absolute column, field, header) of each column after 序号.
    cols: Vec<(u32, &'static str, &'static str)>,
}

impl<'a> ListColumns<'a> {
    /// Finds the header row and its columns; `None`, with a problem, when the header or
    /// one of its columns is missing (or, without a problem, when the sheet is empty).
    fn find(r: &mut Reading, sheet: &'a str, range: &'a Range<Data>, list: &'a ListSheet) -> Option<Self> {
        let (Some((top, left)), Some((bottom, right))) = (range.start(), range.end()) else {
            return None;
        };
        let header_row = if left == 0 {
            (top..=bottom).find(|&row| text_of(range.get_value((row, 0))) == HEADER_KEY)
        } else {
            None
        };
        let mut cols: Vec<(u32, &'static str, &'static str)> = Vec::new();
        let mut missing = Vec::new();
        if let Some(h) = header_row {
            for (header, field) in LIST_COLUMNS.iter().skip(1) {
                match (0..=right).find(|&c| stem(&text_of(range.get_value((h, c)))) == stem(header)) {
                    Some(c) => cols.push((c, field, header)),
                    None => missing.push(stem(header)),
                }
            }
        }
        let Some(header_row) = header_row.filter(|_| missing.is_empty()) else {
            r.problem(
                Severity::Error,
                sheet,
                "",
                &list.name,
                None,
                format!(
                    "找不到表头行{}（隐藏的 A 列中标记为 `{HEADER_KEY}` 的行）：表头可能被删除或改动了",
                    if missing.is_empty() {
                        String::new()
                    } else {
                        format!("中的「{}」列", missing.join("」「"))
                    }
                ),
                Filler::Unit,
            );
            r.reported.push(list.name.clone());
            return None;
        };
        Some(ListColumns {
            sheet,
            range,
            list,
            header_row,
            cols,
        })
    }

    /// The `n`th target, from `row`: a table of its filled-in cells, located at the whole
    /// row; `None` for a blank row. A target without a name is an error.
    fn item(&self, r: &mut Reading, row: u32, n: usize) -> Option<(Raw, jixiao::data::Loc)> {
        let (sheet, list) = (self.sheet, self.list);
        let cells: Vec<(u32, &str, &str, Cell)> = self
            .cols
            .iter()
            .map(|&(c, field, header)| {
                (
                    c,
                    field,
                    header,
                    self.range.get_value((row, c)).map_or(Cell::Blank, data_cell),
                )
            })
            .collect();
        if cells.iter().all(|c| c.3 == Cell::Blank) {
            return None;
        }
        let name = cells
            .iter()
            .find(|c| c.1 == "名称")
            .map(|c| text_of_cell(&c.3))
            .unwrap_or_default();
        let label = if name.is_empty() {
            format!("{}[{n}]", list.name)
        } else {
            format!("{}[{n}]（{name}）", list.name)
        };
        let first_col = self.cols.iter().map(|c| c.0).min().unwrap_or(0);
        let last_col = self.cols.iter().map(|c| c.0).max().unwrap_or(0);
        let range_ref = format!(
            "{}{}:{}{}",
            column_letters(first_col as usize),
            row + 1,
            column_letters(last_col as usize),
            row + 1
        );
        r.cells.push(CellRef {
            sheet: sheet.to_owned(),
            cell: range_ref,
            label: label.clone(),
            filler: Filler::Unit,
            percent: false,
        });
        let item_index = r.cells.len() - 1;
        let mut fields: Vec<Entry> = Vec::new();
        for (c, field, header, cell) in cells {
            if cell == Cell::Blank {
                if field == "名称" {
                    let cell = format!("{}{}", column_letters(c as usize), row + 1);
                    r.problem(
                        Severity::Error,
                        sheet,
                        &cell,
                        &label,
                        None,
                        "这一行填了目标，但没有填指标名称".into(),
                        Filler::Unit,
                    );
                }
                continue;
            }
            let raw = match (field, cell) {
                ("达成", Cell::Bool(b)) => Raw::Bool(b),
                (_, Cell::Other(s)) => Raw::Other(s),
                (_, other) => Raw::Text(text_of_cell(&other)),
            };
            let index = r.add_cell(sheet, row, c, &format!("{label}{}", stem(header)), Filler::Unit);
            fields.push((field.to_owned(), raw, Some((index, 0))));
        }
        Some((Raw::Table(fields), Some((item_index, 0))))
    }
}

fn text_of_cell(cell: &Cell) -> String {
    match cell {
        Cell::Text(s) | Cell::Number(s) | Cell::Other(s) => s.clone(),
        Cell::Bool(b) => (if *b { "是" } else { "否" }).into(),
        Cell::Blank => String::new(),
    }
}

/// Binds the tree and turns binding's problems into problems at cells.
fn bind_check(r: &mut Reading, raw: &Raw) {
    let Err(e) = data::bind_cells(r.model, raw, &r.file, data::BindOptions::default()) else {
        return;
    };
    for p in e.problems {
        if p.location.is_none() && r.reported.contains(&p.field) {
            continue;
        }
        let at = match p.location {
            Some((i, _)) => r.cells.get(i).cloned(),
            None => r.by_key.get(&p.field).and_then(|&i| r.cells.get(i)).cloned(),
        };
        let is_list_item = r
            .model
            .lists
            .iter()
            .any(|l| p.field.starts_with(&format!("{}[", l.name)));
        match at {
            Some(c) => {
                let label = if is_list_item { p.field.clone() } else { c.label.clone() };
                let value = match p.value {
                    Some(v) if c.percent => Some(percent_text(&v)),
                    v => v,
                };
                r.figure_error(&c.sheet, &c.cell, &label, value, p.message, c.filler);
            }
            None => {
                let sheet = r.list_sheets.get(&p.field).cloned().unwrap_or_default();
                let filler = if p.field.starts_with(data::REVIEW_KEYS[0]) {
                    Filler::Bureau
                } else {
                    Filler::Unit
                };
                r.figure_error(&sheet, "", &p.field, p.value, p.message, filler);
            }
        }
    }
}

/// `E8` → (8, `E`); `C6:G6` → (6, `C:G`); `A1:B2` → (None, None); anything else neither.
fn coordinates(cell: &str) -> (Option<usize>, Option<String>) {
    let split = |a1: &str| {
        let letters: String = a1.chars().take_while(|c| c.is_ascii_uppercase()).collect();
        let row = a1[letters.len()..].parse::<usize>().ok();
        (!letters.is_empty()).then_some(()).and(row.map(|r| (r, letters)))
    };
    match cell.split_once(':') {
        None => split(cell).map_or((None, None), |(r, c)| (Some(r), Some(c))),
        Some((from, to)) => match (split(from), split(to)) {
            (Some((r1, c1)), Some((r2, c2))) if r1 == r2 => (Some(r1), Some(format!("{c1}:{c2}"))),
            _ => (None, None),
        },
    }
}

/// `E8` → (8, 5); `C6:G6` → (6, 3); anything else sorts first.
fn cell_order(cell: &str) -> (u32, u32) {
    let first = cell.split(':').next().unwrap_or("");
    let letters: String = first.chars().take_while(|c| c.is_ascii_uppercase()).collect();
    let col = letters.bytes().fold(0u32, |acc, b| {
        acc.saturating_mul(26).saturating_add(u32::from(b - b'A') + 1)
    });
    let row = first[letters.len()..].parse().unwrap_or(0);
    (row, col)
}

fn finish(r: Reading, raw: Option<Raw>) -> Returned {
    let unit = r.unit.clone().unwrap_or_default();
    let mut problems = r.problems;
    for p in &mut problems {
        p.unit = unit.clone();
    }
    // In the order of the workbook: whole-workbook problems, then sheet by sheet, row by row.
    let sheet_index = |name: &str| {
        if name.is_empty() {
            0
        } else {
            r.sheet_order
                .iter()
                .position(|s| s == name)
                .map_or(usize::MAX, |i| i + 1)
        }
    };
    problems.sort_by_key(|p| (sheet_index(&p.sheet), cell_order(&p.cell)));
    let errors = problems.iter().filter(|p| p.severity == Severity::Error).count();
    let raw = raw.map(strip);
    Returned {
        unit: r.unit,
        partial_raw: (errors == r.figure_errors).then(|| raw.clone()).flatten(),
        raw: if errors > 0 { None } else { raw },
        problems,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_become_nested_paths() {
        assert_eq!(key_path("编制人数"), ["编制人数"]);
        assert_eq!(key_path("评审.经济效益"), ["评审", "经济效益"]);
        assert_eq!(key_path("自评.总分"), ["自评", "总分"]);
        assert_eq!(key_path("自评.得分.预算配置"), ["自评", "得分", "预算配置"]);
        assert_eq!(
            key_path("自评.指标值.财政供养人员控制率"),
            ["自评", "指标值", "财政供养人员控制率"]
        );
    }

    #[test]
    fn amounts_read_as_the_form_shows_them() {
        assert_eq!(two_places("727.8"), "727.80");
        assert_eq!(two_places("0"), "0.00");
        assert_eq!(two_places("3696.83"), "3696.83");
        assert_eq!(two_places("1.005"), "1.005");
        assert_eq!(two_places("abc"), "abc");
        assert_eq!(percent_text("0.7931"), "79.31%");
        assert_eq!(percent_text("1"), "100%");
    }

    #[test]
    fn cells_sort_by_row_then_column() {
        assert_eq!(cell_order("E8"), (8, 5));
        assert_eq!(cell_order("C6:G6"), (6, 3));
        assert_eq!(cell_order("AA10"), (10, 27));
        assert_eq!(cell_order(""), (0, 0));
        assert_eq!(cell_order("第 3 行"), (0, 0));
    }

    #[test]
    fn cells_give_their_row_and_column() {
        assert_eq!(coordinates("E8"), (Some(8), Some("E".into())));
        assert_eq!(coordinates("AA10"), (Some(10), Some("AA".into())));
        assert_eq!(coordinates("C6:G6"), (Some(6), Some("C:G".into())));
        assert_eq!(coordinates("A1:B2"), (None, None));
        assert_eq!(coordinates(""), (None, None));
        assert_eq!(coordinates("第 3 行"), (None, None));
    }
}
