//! Data collection: the fill-in workbook (填报模板) a unit returns, generated from the
//! rule file, and reading it back.
//!
//! ```text
//! Model ──describe──▶ Template ──xlsx::write──▶ 填报模板.xlsx ──(unit fills)──▶ read::read ──▶ data::Raw ──data::bind──▶ Record
//!                        └──skeleton::write──▶ 填报模板.toml
//! ```
//!
//! [`Template`] is a description of the form, independent of any file format: which
//! sheets, which rows, which key each input row carries, which Excel validation each input
//! cell gets. The writer renders it; the reader regenerates it from the model to know what
//! to look for, then finds every cell by the **hidden key** the writer put in column A of
//! its row (the data key: `编制人数`, `评审.经济效益`, `自评.得分.预算配置`), never by its
//! position. A very hidden sheet ([`META_SHEET`]) records the rule file's title, year,
//! SHA-256 and the form's [fingerprint](Template::fingerprint), so a workbook made for
//! another rule file is recognised and rejected with a message saying which.
//!
//! This module does no file I/O: the writer returns bytes, the reader takes bytes.

pub mod read;
pub mod skeleton;
pub mod xlsx;

use rust_decimal::Decimal;

/// Keys of the meta sheet's rows (column A; the value is in column B): written by `xlsx`,
/// read back by `read`.
pub const META_VERSION: &str = "格式版本";
pub const META_TITLE: &str = "标题";
pub const META_YEAR: &str = "年度";
pub const META_ISSUER: &str = "发布单位";
pub const META_SHA: &str = "规则文件SHA256";
pub const META_FINGERPRINT: &str = "填报项指纹";

use jixiao::ast::Bound;
use jixiao::data::{self, Record};
use jixiao::model::{Kind, Model, Value};
use jixiao::number::Number;
use jixiao::numfmt::{format_exact, format_stated};

/// Version of the workbook layout (keys, markers, meta sheet); stored in the meta sheet.
pub const FORMAT_VERSION: &str = "1";
/// The very hidden sheet holding the template's identity.
pub const META_SHEET: &str = "_jixiao";
/// First cell of the meta sheet.
pub const META_MARKER: &str = "jixiao 填报模板";
/// Hidden key of a form sheet's header row.
pub const HEADER_KEY: &str = "#列";
/// Hidden key of a section heading row.
pub const SECTION_KEY: &str = "#栏目";
/// Prefix of the marker in cell A1 of every sheet the reader reads.
pub const MARKER_PREFIX: &str = "jixiao:";
/// Rows left for targets beyond those filled in, by default.
pub const DEFAULT_LIST_ROWS: usize = 40;

/// Who fills a cell in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Filler {
    /// The budget unit.
    Unit,
    /// The finance bureau's reviewers (评审打分).
    Bureau,
}

impl Filler {
    pub fn label(self) -> &'static str {
        match self {
            Filler::Unit => "单位",
            Filler::Bureau => "财政局评审人员",
        }
    }
}

/// The vertical forms of the workbook.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormRole {
    /// 基础数据: the rule file's inputs.
    Basic,
    /// 自评: the unit's own scores and stated values (for the 复核 audit).
    Stated,
    /// 评审: reviewer-scored indicators, filled by the bureau.
    Review,
}

impl FormRole {
    pub const ALL: [FormRole; 3] = [FormRole::Basic, FormRole::Stated, FormRole::Review];

    /// The marker written in the sheet's hidden cell A1.
    pub fn marker(self) -> String {
        format!("{MARKER_PREFIX}{}", self.default_name())
    }

    /// The sheet's name as generated (a unit may rename it).
    pub fn default_name(self) -> &'static str {
        match self {
            FormRole::Basic => "基础数据",
            FormRole::Stated => "自评",
            FormRole::Review => "评审",
        }
    }

    /// Header of the column the values go in.
    pub fn value_header(self) -> &'static str {
        match self {
            FormRole::Basic => "填报值",
            FormRole::Stated => "自评填报",
            FormRole::Review => "评审得分",
        }
    }
}

/// The marker of a target list's sheet.
pub fn list_marker(name: &str) -> String {
    format!("{MARKER_PREFIX}清单:{name}")
}

/// Column headers of a target list's sheet, in order: (header, what it holds).
pub const LIST_COLUMNS: [(&str, &str); 6] = [
    ("序号", ""),
    ("类别", "类别"),
    ("指标名称", "名称"),
    ("目标值", "目标"),
    ("实际值", "实际"),
    ("达成（定性目标填写）", "达成"),
];

/// The whole fill-in form for one rule file.
#[derive(Debug, Clone)]
pub struct Template {
    pub title: String,
    pub year: u32,
    pub issuer: String,
    /// SHA-256 of the rule file the template was generated from.
    pub rules_sha256: String,
    /// SHA-256 of the form's fields (keys and kinds) and lists (names and categories):
    /// rule files with the same fingerprint collect the same data in the same units.
    pub fingerprint: String,
    pub sheets: Vec<Sheet>,
}

/// One worksheet.
#[derive(Debug, Clone)]
pub struct Sheet {
    /// The name as generated (units may rename sheets; the reader does not rely on it).
    pub name: String,
    pub title: String,
    /// A line under the title: who fills this sheet and how.
    pub note: String,
    pub body: Body,
}

#[derive(Debug, Clone)]
pub enum Body {
    /// 填报说明: text only.
    Guide(Vec<GuideRow>),
    /// A vertical form: one row per field, grouped by section.
    Form { role: FormRole, rows: Vec<FormRow> },
    /// A target list: one row per target.
    List(ListSheet),
}

/// A row of the 填报说明 sheet.
#[derive(Debug, Clone)]
pub enum GuideRow {
    Heading(String),
    Text(String),
    /// A small table: header and rows.
    Table(Vec<String>, Vec<Vec<String>>),
    Blank,
}

/// A row of a vertical form.
#[derive(Debug, Clone)]
pub enum FormRow {
    /// A section heading (`一、基本概况`).
    Section(String),
    Field(Field),
    /// A row without a key (not read back).
    Note(String),
}

/// One value to fill in.
#[derive(Debug, Clone)]
pub struct Field {
    /// The data key (hidden in column A): `编制人数`, `评审.经济效益`, `自评.得分.预算配置`.
    pub key: String,
    /// 序号 on the form.
    pub number: usize,
    /// 项目 as shown.
    pub label: String,
    /// Indentation of the label (levels of the indicator tree).
    pub indent: u8,
    /// 计量单位 as shown.
    pub unit: String,
    pub rule: Rule,
    /// Whether a blank cell is an error (no `缺失时` value).
    pub required: bool,
    /// 说明: the rule file's description, the range, what a blank means.
    pub note: String,
    pub filler: Filler,
    /// A value already filled in (see [`Template::fill`]).
    pub value: Option<FillValue>,
}

/// What a cell accepts; drives both Excel's data validation and the number format.
#[derive(Debug, Clone, PartialEq)]
pub enum Rule {
    /// An amount of money (万元, 元): at most two decimals.
    Money { lower: Option<Bound>, upper: Option<Bound> },
    /// Any number (分, 天, 平方米 …).
    Decimal { lower: Option<Bound>, upper: Option<Bound> },
    /// A whole number (人, 个, 件 …).
    Whole { lower: Option<Bound>, upper: Option<Bound> },
    /// A rate, shown and typed as a percent, stored as a fraction.
    Percent { lower: Option<Bound>, upper: Option<Bound> },
    /// 是/否 from a drop-down.
    YesNo,
    /// One of a list, from a drop-down.
    Choice(Vec<String>),
    /// Free text (`long`: a paragraph).
    Text { long: bool },
    /// A score from 0 to `max`.
    Score { max: Number },
    /// A figure as the unit's report wrote it (`79.31%`), kept as text.
    AsWritten { percent: bool },
}

impl Rule {
    /// What the cell accepts, in words (the form's input message and the outline).
    pub fn describe(&self) -> String {
        match self {
            Rule::Money { lower, upper } => format!("金额{}，最多两位小数", range_words(*lower, *upper, false)),
            Rule::Decimal { lower, upper } => format!("数{}", range_words(*lower, *upper, false)),
            Rule::Whole { lower, upper } => format!("整数{}", range_words(*lower, *upper, false)),
            Rule::Percent { lower, upper } => format!("百分数{}，例如 95%", range_words(*lower, *upper, true)),
            Rule::YesNo => "从下拉列表选择“是”或“否”".into(),
            Rule::Choice(items) => format!("从下拉列表选择：{}", items.join("、")),
            Rule::Text { long: true } => "文字（可以多行）".into(),
            Rule::Text { long: false } => "文字".into(),
            Rule::Score { max } => format!("得分，0 到 {}", format_exact(max.clone())),
            Rule::AsWritten { percent: true } => "照自评报告原文填写，例如 79.31%".into(),
            Rule::AsWritten { percent: false } => "照自评报告原文填写".into(),
        }
    }
}

/// `，≥ 0`, `，0% 到 100%`, or nothing.
pub(crate) fn range_words(lower: Option<Bound>, upper: Option<Bound>, percent: bool) -> String {
    let show = |b: Bound| {
        if percent {
            format!("{}%", format_stated(b.value * Decimal::ONE_HUNDRED))
        } else {
            format_stated(b.value)
        }
    };
    match (lower, upper) {
        (None, None) => String::new(),
        (Some(l), None) => format!("，{} {}", if l.inclusive { "≥" } else { ">" }, show(l)),
        (None, Some(u)) => format!("，{} {}", if u.inclusive { "≤" } else { "<" }, show(u)),
        (Some(l), Some(u)) if l.inclusive && u.inclusive => format!("，{} 到 {}", show(l), show(u)),
        (Some(l), Some(u)) => format!(
            "，{} {} 且 {} {}",
            if l.inclusive { "≥" } else { ">" },
            show(l),
            if u.inclusive { "≤" } else { "<" },
            show(u)
        ),
    }
}

/// A value placed in an input cell: a number (percents as fractions) or text.
#[derive(Debug, Clone, PartialEq)]
pub enum FillValue {
    Number(Number),
    Text(String),
}

/// A target list's sheet.
#[derive(Debug, Clone)]
pub struct ListSheet {
    /// Index into [`Model::lists`].
    pub list: usize,
    /// The list's name (its data key).
    pub name: String,
    pub categories: Vec<String>,
    /// Rows prepared for targets (at least as many as `items`).
    pub rows: usize,
    /// Targets already filled in.
    pub items: Vec<ListItem>,
}

/// One target as typed on the sheet.
#[derive(Debug, Clone, PartialEq)]
pub struct ListItem {
    pub category: String,
    pub name: String,
    pub target: String,
    pub actual: String,
    pub met: Option<bool>,
}

/// `1` → `一`, `12` → `十二`, `20` → `二十` (section numbers).
pub fn chinese_number(n: usize) -> String {
    const DIGITS: [&str; 10] = ["〇", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
    match n {
        0..=9 => DIGITS[n].to_owned(),
        10..=19 => format!("十{}", if n == 10 { "" } else { DIGITS[n - 10] }),
        20..=99 => format!("{}十{}", DIGITS[n / 10], if n % 10 == 0 { "" } else { DIGITS[n % 10] }),
        _ => n.to_string(),
    }
}

/// The tightest bounds of a set of ranges (all must hold).
fn bounds(ranges: &[jixiao::ast::Interval]) -> (Option<Bound>, Option<Bound>) {
    let mut lower: Option<Bound> = None;
    let mut upper: Option<Bound> = None;
    for r in ranges {
        if let Some(l) = r.lower {
            lower = Some(match lower {
                Some(cur) if cur.value > l.value || (cur.value == l.value && !cur.inclusive) => cur,
                _ => l,
            });
        }
        if let Some(u) = r.upper {
            upper = Some(match upper {
                Some(cur) if cur.value < u.value || (cur.value == u.value && !cur.inclusive) => cur,
                _ => u,
            });
        }
    }
    (lower, upper)
}

/// Sheet names: at most 31 characters, none of `[]:*?/\`, not blank.
pub fn sheet_name(name: &str, taken: &[String]) -> String {
    let mut base: String = name
        .chars()
        .map(|c| if "[]:*?/\\".contains(c) { '_' } else { c })
        .collect();
    base = base.trim_matches('\'').trim().to_owned();
    if base.is_empty() {
        base = "清单".into();
    }
    let cut = |s: &str, n: usize| s.chars().take(n).collect::<String>();
    let mut candidate = cut(&base, 31);
    let mut k = 2;
    while taken.iter().any(|t| t.to_lowercase() == candidate.to_lowercase()) || candidate == META_SHEET {
        let suffix = format!("（{k}）");
        candidate = format!("{}{suffix}", cut(&base, 31 - suffix.chars().count()));
        k += 1;
    }
    candidate
}

fn is_long_text(name: &str) -> bool {
    !(name.contains("联系") || name.contains("电话") || name.ends_with('人') || name.ends_with("名称"))
}

/// The form's field for one input.
fn input_field(model: &Model, index: usize, number: usize) -> Field {
    let def = &model.inputs[index];
    let (lower, upper) = bounds(&def.ranges);
    let (unit, rule) = match def.kind {
        Kind::Quantity(u) if def.kind.is_count() => (u.to_owned(), Rule::Whole { lower, upper }),
        Kind::Quantity(u @ ("万元" | "元")) => (u.to_owned(), Rule::Money { lower, upper }),
        Kind::Quantity(u) => (u.to_owned(), Rule::Decimal { lower, upper }),
        Kind::Percent => ("%".to_owned(), Rule::Percent { lower, upper }),
        Kind::Bool => ("是/否".to_owned(), Rule::YesNo),
        Kind::Text => (
            "文字".to_owned(),
            Rule::Text {
                long: is_long_text(&def.name),
            },
        ),
    };
    let mut note = Vec::new();
    if let Some(d) = &def.description {
        note.push(d.trim().trim_end_matches('。').to_owned());
    }
    match &def.default {
        None => note.push("必填".to_owned()),
        Some(Value::Text(t)) if t.is_empty() => note.push("选填".to_owned()),
        Some(Value::Num(n)) => note.push(format!("选填，不填视为 {}", format_exact(n.clone()))),
        Some(Value::Bool(b)) => note.push(format!("选填，不填视为“{}”", if *b { "是" } else { "否" })),
        Some(Value::Text(t)) => note.push(format!("选填，不填视为“{t}”")),
        Some(Value::Undefined(_)) => note.push("选填".to_owned()),
    }
    if !def.aliases.is_empty() {
        note.push(format!(
            "又称{}",
            def.aliases.iter().map(|a| format!("“{a}”")).collect::<String>()
        ));
    }
    Field {
        key: def.name.clone(),
        number,
        label: def.name.clone(),
        indent: 0,
        unit,
        rule,
        required: def.default.is_none(),
        note: note.join("；"),
        filler: Filler::Unit,
        value: None,
    }
}

/// How the form is generated.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Rows prepared for targets on each list sheet.
    pub list_rows: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            list_rows: DEFAULT_LIST_ROWS,
        }
    }
}

/// The section heading of inputs declared outside any `栏目`.
const NO_SECTION: &str = "其他";

/// Generates the form for a rule file.
pub fn describe(model: &Model, options: Options) -> Template {
    let mut taken: Vec<String> = FormRole::ALL.iter().map(|r| r.default_name().to_owned()).collect();
    taken.push("填报说明".into());

    let sections = input_sections(model);
    let (basic, input_count) = basic_rows(model, &sections);
    let stated = stated_rows(model);
    let review = review_rows(model);
    let lists = list_sheets(model, options, &mut taken);

    let mut template = Template {
        title: model.title.clone(),
        year: model.year,
        issuer: model.issuer.clone(),
        rules_sha256: model.sha256.clone(),
        fingerprint: String::new(),
        sheets: Vec::new(),
    };
    let guide = guide_rows(model, input_count, &sections, &lists, review.len());
    let mut sheets = Vec::new();
    sheets.push(Sheet {
        name: "填报说明".into(),
        title: format!("{}（{} 年度）单位填报表", model.title, model.year),
        note: format!("{}制发", model.issuer),
        body: Body::Guide(guide),
    });
    sheets.push(Sheet {
        name: FormRole::Basic.default_name().into(),
        title: "基础数据（单位填写）".into(),
        note:
            "只填黄色单元格。金额单位为万元，保留两位小数；人数、个数填整数；百分数直接填“95%”；是否项从下拉列表选择。"
                .into(),
        body: Body::Form {
            role: FormRole::Basic,
            rows: basic,
        },
    });
    sheets.extend(lists);
    sheets.push(Sheet {
        name: FormRole::Stated.default_name().into(),
        title: "单位自评（单位填写，选填）".into(),
        note: "照单位自评报告填写自评得分和报告中的指标值，供财政局复核对照；没有的项目留空。".into(),
        body: Body::Form {
            role: FormRole::Stated,
            rows: stated,
        },
    });
    if !review.is_empty() {
        sheets.push(Sheet {
            name: FormRole::Review.default_name().into(),
            title: "评审打分（由财政局评审人员填写，单位不填）".into(),
            note: "以下指标由财政局组织评审打分，单位不必填写。".into(),
            body: Body::Form {
                role: FormRole::Review,
                rows: review,
            },
        });
    }
    template.sheets = sheets;
    template.fingerprint = template.compute_fingerprint();
    template
}

/// The inputs grouped by `栏目`, in declaration order, with [`NO_SECTION`] last.
fn input_sections(model: &Model) -> Vec<(String, Vec<usize>)> {
    let mut sections: Vec<(String, Vec<usize>)> = Vec::new();
    for (i, input) in model.inputs.iter().enumerate() {
        let name = input.section.clone().unwrap_or_else(|| NO_SECTION.to_owned());
        match sections.iter_mut().find(|(s, _)| *s == name) {
            Some((_, members)) => members.push(i),
            None => sections.push((name, vec![i])),
        }
    }
    if let Some(pos) = sections.iter().position(|(s, _)| s == NO_SECTION) {
        let other = sections.remove(pos);
        sections.push(other);
    }
    sections
}

/// 基础数据: the unit's name, then the inputs by section; also returns how many inputs.
fn basic_rows(model: &Model, sections: &[(String, Vec<usize>)]) -> (Vec<FormRow>, usize) {
    let mut basic = vec![FormRow::Field(Field {
        key: data::UNIT_NAME_KEYS[0].to_owned(),
        number: 0,
        label: "填报单位（全称）".into(),
        indent: 0,
        unit: "文字".into(),
        rule: Rule::Text { long: false },
        required: true,
        note: "必填；与单位公章一致的全称".into(),
        filler: Filler::Unit,
        value: None,
    })];
    let mut number = 0;
    for (s, (section, members)) in sections.iter().enumerate() {
        basic.push(FormRow::Section(format!("{}、{section}", chinese_number(s + 1))));
        for &i in members {
            number += 1;
            basic.push(FormRow::Field(input_field(model, i, number)));
        }
    }
    (basic, number)
}

/// 自评: total and grade, self-scores by indicator, stated values.
fn stated_rows(model: &Model) -> Vec<FormRow> {
    let mut stated = vec![FormRow::Section("一、自评总分和等级".into())];
    stated.push(FormRow::Field(Field {
        key: "自评.总分".into(),
        number: 1,
        label: "自评总分".into(),
        indent: 0,
        unit: "分".into(),
        rule: Rule::Score {
            max: model.full_marks.clone(),
        },
        required: false,
        note: format!("满分 {}", format_exact(model.full_marks.clone())),
        filler: Filler::Unit,
        value: None,
    }));
    let grades: Vec<String> = model.grades.bands.iter().map(|(g, _)| g.clone()).collect();
    stated.push(FormRow::Field(Field {
        key: "自评.等级".into(),
        number: 2,
        label: "自评等级".into(),
        indent: 0,
        unit: String::new(),
        rule: Rule::Choice(grades.clone()),
        required: false,
        note: format!("评价等次：{}", grades.join("、")),
        filler: Filler::Unit,
        value: None,
    }));
    let mut numbering = Numbering {
        seen_keys: Vec::new(),
        number: 2,
    };
    stated.push(FormRow::Section("二、各级指标自评得分".into()));
    stated_score_rows(model, &mut numbering, &mut stated);
    stated.push(FormRow::Section("三、自评报告中的指标值".into()));
    stated_value_rows(model, &mut numbering, &mut stated);
    stated
}

/// The 自评 sheet's keys so far and its last 序号: a key already on the form is not repeated.
struct Numbering {
    seen_keys: Vec<String>,
    number: usize,
}

impl Numbering {
    /// The next 序号 for `key`, or `None` when the key is already on the form.
    fn claim(&mut self, key: &str) -> Option<usize> {
        if self.seen_keys.iter().any(|k| k == key) {
            return None;
        }
        self.seen_keys.push(key.to_owned());
        self.number += 1;
        Some(self.number)
    }
}

/// 自评 section 二: one self-score per indicator (first of each name), numbered on.
fn stated_score_rows(model: &Model, numbering: &mut Numbering, stated: &mut Vec<FormRow>) {
    for node in &model.nodes {
        let key = format!("自评.得分.{}", node.name);
        let Some(number) = numbering.claim(&key) else {
            continue;
        };
        let level = ["一级", "二级", "三级"]
            .get(node.depth.saturating_sub(1))
            .copied()
            .unwrap_or("");
        stated.push(FormRow::Field(Field {
            key,
            number,
            label: node.name.clone(),
            indent: node.depth.saturating_sub(1).min(255) as u8,
            unit: "分".into(),
            rule: Rule::Score {
                max: node.weight.clone(),
            },
            required: false,
            note: format!("{level}指标，分值 {}", format_exact(node.weight.clone())),
            filler: Filler::Unit,
            value: None,
        }));
    }
}

/// 自评 section 三: the stated value of each computed indicator (by leaf), then of the
/// other computed values (by position in the file), numbered on.
fn stated_value_rows(model: &Model, numbering: &mut Numbering, stated: &mut Vec<FormRow>) {
    let mut valued: Vec<&jixiao::model::ComputedDef> = Vec::new();
    for &leaf in &model.leaves {
        if let Some(def) = model.computed.iter().find(|c| c.indicator == Some(leaf)) {
            valued.push(def);
        }
    }
    let mut plain: Vec<&jixiao::model::ComputedDef> = model.computed.iter().filter(|c| c.indicator.is_none()).collect();
    plain.sort_by_key(|c| c.span.start);
    valued.extend(plain);
    for def in valued {
        let key = format!("自评.指标值.{}", def.name);
        let Some(number) = numbering.claim(&key) else {
            continue;
        };
        let percent = def.display.is_some_and(|d| d.percent);
        let formula = model
            .source
            .slice(def.expr.span)
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        let kind = if def.indicator.is_some() { "指标" } else { "计算值" };
        stated.push(FormRow::Field(Field {
            key,
            number,
            label: def.name.clone(),
            indent: 0,
            unit: if percent { "%".into() } else { String::new() },
            rule: Rule::AsWritten { percent },
            required: false,
            note: format!("{kind}，公式：{formula}"),
            filler: Filler::Unit,
            value: None,
        }));
    }
}

/// 评审: one row per reviewer-scored indicator.
fn review_rows(model: &Model) -> Vec<FormRow> {
    let mut review = Vec::new();
    for (r, &leaf) in model.review_leaves.iter().enumerate() {
        let node = &model.nodes[leaf];
        let path = model.node_path(leaf).join(" / ");
        let standard = node
            .leaf
            .as_ref()
            .and_then(|l| l.standard.as_deref())
            .map(|s| format!("；评分标准：{s}"))
            .unwrap_or_default();
        review.push(FormRow::Field(Field {
            key: format!("{}.{}", data::REVIEW_KEYS[0], node.name),
            number: r + 1,
            label: node.name.clone(),
            indent: 0,
            unit: "分".into(),
            rule: Rule::Score {
                max: node.weight.clone(),
            },
            required: true,
            note: format!("{path}，分值 {}{standard}", format_exact(node.weight.clone())),
            filler: Filler::Bureau,
            value: None,
        }));
    }
    review
}

/// One sheet per target list, named uniquely against `taken` (which it extends).
fn list_sheets(model: &Model, options: Options, taken: &mut Vec<String>) -> Vec<Sheet> {
    let mut lists = Vec::new();
    for (l, def) in model.lists.iter().enumerate() {
        let name = sheet_name(&def.name, taken);
        taken.push(name.clone());
        lists.push(Sheet {
            name,
            title: format!("{}（单位填写）", def.name),
            note: format!(
                "每行填一个目标，行数不够可以插入行。类别从下拉列表选择{}；目标值、实际值照原文填写，数值目标写成“≥95%”“≥100 人”“≤3.75 万元/人·年”；目标或实际不是数值（定性目标）时，在“达成”列选择是或否。",
                if def.categories.is_empty() {
                    String::new()
                } else {
                    format!("（{}）", def.categories.join("、"))
                }
            ),
            body: Body::List(ListSheet {
                list: l,
                name: def.name.clone(),
                categories: def.categories.clone(),
                rows: options.list_rows.max(1),
                items: Vec::new(),
            }),
        });
    }
    lists
}

fn guide_rows(
    model: &Model,
    inputs: usize,
    sections: &[(String, Vec<usize>)],
    lists: &[Sheet],
    reviews: usize,
) -> Vec<GuideRow> {
    let mut g = Vec::new();
    g.push(GuideRow::Heading("一、这份表是什么".into()));
    g.push(GuideRow::Text(format!(
        "本工作簿由{}根据《{}》（{} 年度）生成，用于收集各预算单位开展部门整体支出绩效评价所需的数据。请按本说明填写后，以原文件格式（.xlsx）交回。",
        model.issuer, model.title, model.year
    )));
    g.push(GuideRow::Blank);
    g.push(GuideRow::Heading("二、各工作表由谁填写".into()));
    let mut rows = vec![vec![
        FormRole::Basic.default_name().to_owned(),
        format!("单位基本概况、收支、资产、预算执行与管理等 {inputs} 项数据"),
        "单位".to_owned(),
    ]];
    for sheet in lists {
        rows.push(vec![
            sheet.name.clone(),
            "单位申报的绩效目标及完成情况，每行一个目标".into(),
            "单位".into(),
        ]);
    }
    rows.push(vec![
        FormRole::Stated.default_name().to_owned(),
        "单位自评报告中的得分、等级和指标值，供财政局复核对照".into(),
        "单位（选填）".into(),
    ]);
    if reviews > 0 {
        rows.push(vec![
            FormRole::Review.default_name().to_owned(),
            format!("{reviews} 个由评审打分的指标"),
            "财政局评审人员（单位不填）".into(),
        ]);
    }
    g.push(GuideRow::Table(
        vec!["工作表".into(), "内容".into(), "由谁填写".into()],
        rows,
    ));
    g.push(GuideRow::Blank);
    g.push(GuideRow::Heading("三、基础数据的各栏".into()));
    let section_rows = sections
        .iter()
        .enumerate()
        .map(|(i, (name, members))| {
            let required = members.iter().filter(|&&m| model.inputs[m].default.is_none()).count();
            let names: Vec<&str> = members.iter().map(|&m| model.inputs[m].name.as_str()).collect();
            vec![
                format!("{}、{name}", chinese_number(i + 1)),
                format!("{} 项（必填 {required} 项）：{}", members.len(), names.join("、")),
            ]
        })
        .collect();
    g.push(GuideRow::Table(vec!["栏目".into(), "内容".into()], section_rows));
    g.push(GuideRow::Blank);
    g.push(GuideRow::Heading("四、计量单位和填写方式".into()));
    let mut units: Vec<(String, String)> = Vec::new();
    for input in &model.inputs {
        let (unit, how) = match input.kind {
            Kind::Quantity(u @ ("万元" | "元")) => (
                u.to_owned(),
                format!("填数字，单位为{u}，最多两位小数，例如 3696.83；不要写单位，也不要写成“约”“以上”"),
            ),
            Kind::Quantity(u) if input.kind.is_count() => (u.to_owned(), format!("填整数，单位为{u}，例如 174")),
            Kind::Quantity(u) => (u.to_owned(), format!("填数字，单位为{u}")),
            Kind::Percent => (
                "百分比".to_owned(),
                "直接填百分数，例如 95%（单元格已设为百分比格式）".to_owned(),
            ),
            Kind::Bool => ("是/否".to_owned(), "从下拉列表选择“是”或“否”".to_owned()),
            Kind::Text => (
                "文字".to_owned(),
                "填文字；较长的内容可以在单元格内换行（Alt+Enter）".to_owned(),
            ),
        };
        if !units.iter().any(|(u, _)| *u == unit) {
            units.push((unit, how));
        }
    }
    g.push(GuideRow::Table(
        vec!["计量单位".into(), "怎样填写".into()],
        units.into_iter().map(|(u, h)| vec![u, h]).collect(),
    ));
    g.push(GuideRow::Blank);
    g.push(GuideRow::Heading("五、注意事项".into()));
    for line in [
        "1. 只在黄色单元格中填写；其他单元格受保护，不能修改。选中单元格时会提示该填什么，填错时 Excel 会拒绝。",
        "2. 没有的数填 0，不要留空；只有说明中写明“选填”的项目可以留空。",
        "3. 不要删除行、不要复制整行，也不要删除工作表；可以改工作表的名称，可以插入行写备注（插入的行不会被读取）。",
        "4. 请勿复制粘贴整张表，也不要另存为 .xls、.csv 或 PDF 后交回。",
        "5. 财政局收到后用程序逐项检查，有问题会一次列出全部问题（工作表、单元格、应填什么），请按清单一次改完。",
    ] {
        g.push(GuideRow::Text(line.into()));
    }
    g
}

impl Template {
    /// Every field of every form sheet, in order.
    pub fn fields(&self) -> impl Iterator<Item = (FormRole, &Field)> {
        self.sheets.iter().flat_map(|s| {
            let (role, rows): (Option<FormRole>, &[FormRow]) = match &s.body {
                Body::Form { role, rows } => (Some(*role), rows),
                _ => (None, &[]),
            };
            rows.iter().filter_map(move |r| match (role, r) {
                (Some(role), FormRow::Field(f)) => Some((role, f)),
                _ => None,
            })
        })
    }

    fn fields_mut(&mut self) -> impl Iterator<Item = &mut Field> {
        self.sheets.iter_mut().flat_map(|s| {
            let rows: &mut [FormRow] = match &mut s.body {
                Body::Form { rows, .. } => rows,
                _ => &mut [],
            };
            rows.iter_mut().filter_map(|r| match r {
                FormRow::Field(f) => Some(f),
                _ => None,
            })
        })
    }

    /// The list sheets, in order.
    pub fn lists(&self) -> impl Iterator<Item = &ListSheet> {
        self.sheets.iter().filter_map(|s| match &s.body {
            Body::List(l) => Some(l),
            _ => None,
        })
    }

    fn compute_fingerprint(&self) -> String {
        let mut text = String::new();
        for (role, f) in self.fields() {
            let kind = match &f.rule {
                Rule::Money { .. } | Rule::Decimal { .. } | Rule::Whole { .. } => f.unit.as_str(),
                Rule::Percent { .. } => "百分比",
                Rule::YesNo => "是否",
                Rule::Choice(_) | Rule::Text { .. } => "文字",
                Rule::Score { .. } => "分",
                Rule::AsWritten { .. } => "原文",
            };
            text.push_str(&format!("{}\t{}\t{kind}\n", role.default_name(), f.key));
        }
        for l in self.lists() {
            text.push_str(&format!("清单\t{}\t{}\n", l.name, l.categories.join("、")));
        }
        jixiao::sha256_hex(text.as_bytes())
    }

    /// Puts a unit's bound data into the form (a pre-filled template; the round-trip
    /// tests). Returns the stated keys the form has no row for.
    pub fn fill(&mut self, model: &Model, record: &Record) -> Vec<String> {
        let mut values: Vec<(String, FillValue)> =
            vec![(data::UNIT_NAME_KEYS[0].to_owned(), FillValue::Text(record.unit.clone()))];
        for (def, value) in model.inputs.iter().zip(&record.values) {
            let v = match value {
                Value::Num(n) => FillValue::Number(n.clone()),
                Value::Bool(b) => FillValue::Text((if *b { "是" } else { "否" }).into()),
                Value::Text(t) => FillValue::Text(t.to_string()),
                Value::Undefined(_) => FillValue::Text(String::new()),
            };
            values.push((def.name.clone(), v));
        }
        for (&leaf, score) in model.review_leaves.iter().zip(&record.reviews) {
            values.push((
                format!("{}.{}", data::REVIEW_KEYS[0], model.nodes[leaf].name),
                score.clone().map_or(FillValue::Text(String::new()), FillValue::Number),
            ));
        }
        if let Some(t) = record.stated.total {
            values.push(("自评.总分".into(), FillValue::Number(t.into())));
        }
        if let Some(g) = &record.stated.grade {
            values.push(("自评.等级".into(), FillValue::Text(g.clone())));
        }
        for (name, s) in &record.stated.scores {
            values.push((format!("自评.得分.{name}"), FillValue::Number((*s).into())));
        }
        for (name, v) in &record.stated.values {
            values.push((format!("自评.指标值.{name}"), FillValue::Text(v.clone())));
        }
        let mut unplaced = Vec::new();
        for (key, value) in values {
            match self.fields_mut().find(|f| f.key == key) {
                Some(f) => f.value = Some(value),
                None => unplaced.push(key),
            }
        }
        for sheet in &mut self.sheets {
            if let Body::List(l) = &mut sheet.body {
                let Some(items) = record.lists.get(l.list) else {
                    continue;
                };
                l.items = items
                    .iter()
                    .map(|t| ListItem {
                        category: t.category.clone(),
                        name: t.name.clone(),
                        target: t.target_text.clone(),
                        actual: t.actual_text.clone(),
                        met: t.met_stated,
                    })
                    .collect();
                l.rows = l.rows.max(l.items.len() + 10);
            }
        }
        unplaced
    }

    /// A plain-text outline of the workbook: sheets, rows with their hidden keys, labels,
    /// units and validations (what a rule change changes on the form).
    pub fn outline(&self) -> String {
        let mut out = format!(
            "{}（{} 年度，{}）\n填报项指纹 {}\n",
            self.title, self.year, self.issuer, self.fingerprint
        );
        for sheet in &self.sheets {
            out.push_str(&format!("\n工作表「{}」：{}\n", sheet.name, sheet.title));
            match &sheet.body {
                Body::Guide(rows) => {
                    for row in rows {
                        match row {
                            GuideRow::Heading(h) => out.push_str(&format!("  {h}\n")),
                            GuideRow::Table(header, rows) => {
                                out.push_str(&format!("    [{}]\n", header.join(" | ")));
                                for r in rows {
                                    out.push_str(&format!("    {}\n", r.join(" | ")));
                                }
                            }
                            GuideRow::Text(_) | GuideRow::Blank => {}
                        }
                    }
                }
                Body::Form { role, rows } => {
                    out.push_str(&format!(
                        "  标记 {}；值在「{}」列\n",
                        role.marker(),
                        role.value_header()
                    ));
                    for row in rows {
                        match row {
                            FormRow::Section(s) => out.push_str(&format!("  {s}\n")),
                            FormRow::Note(n) => out.push_str(&format!("    （说明行）{n}\n")),
                            FormRow::Field(f) => out.push_str(&format!(
                                "    {}{} [{}] {} | {}{} | 格式 {}；校验 {}\n",
                                "  ".repeat(f.indent as usize),
                                f.label,
                                f.key,
                                if f.unit.is_empty() { "—" } else { &f.unit },
                                if f.required { "必填" } else { "选填" },
                                if f.filler == Filler::Bureau {
                                    "（财政局填写）"
                                } else {
                                    ""
                                },
                                xlsx::number_format(&f.rule),
                                xlsx::check(&f.rule).describe()
                            )),
                        }
                    }
                }
                Body::List(l) => {
                    out.push_str(&format!("  标记 {}；{} 行\n", list_marker(&l.name), l.rows));
                    let headers: Vec<&str> = LIST_COLUMNS.iter().map(|(h, _)| *h).collect();
                    out.push_str(&format!("    列：{}\n", headers.join(" | ")));
                    let category = Rule::Choice(l.categories.clone());
                    out.push_str(&format!(
                        "    类别：格式 @；校验 {}\n",
                        if l.categories.is_empty() {
                            "无".to_owned()
                        } else {
                            xlsx::check(&category).describe()
                        }
                    ));
                    out.push_str("    指标名称、目标值、实际值：格式 @；校验 无\n");
                    out.push_str(&format!(
                        "    达成：格式 @；校验 {}\n",
                        xlsx::check(&Rule::YesNo).describe()
                    ));
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn section_numbers_are_chinese() {
        assert_eq!(chinese_number(1), "一");
        assert_eq!(chinese_number(10), "十");
        assert_eq!(chinese_number(12), "十二");
        assert_eq!(chinese_number(20), "二十");
        assert_eq!(chinese_number(35), "三十五");
        assert_eq!(chinese_number(100), "100");
    }

    #[test]
    fn sheet_names_are_valid_and_unique() {
        let taken = vec!["绩效目标".to_owned()];
        assert_eq!(sheet_name("绩效目标", &taken), "绩效目标（2）");
        assert_eq!(sheet_name("a/b:c", &[]), "a_b_c");
        assert_eq!(sheet_name("", &[]), "清单");
        assert_eq!(sheet_name(META_SHEET, &[]), format!("{META_SHEET}（2）"));
        let long = "很".repeat(40);
        assert_eq!(sheet_name(&long, &[]).chars().count(), 31);
        assert_eq!(sheet_name(&long, &[sheet_name(&long, &[])]).chars().count(), 31);
    }
}
