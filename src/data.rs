//! A unit's data (TOML or JSON) → a [`Record`] bound to a [`Model`]'s slots.
//!
//! Numbers never pass through binary floating point: TOML numbers are read from
//! their source text, JSON numbers through serde_json's `arbitrary_precision`.
//! Every problem of a unit is collected and reported together.

use std::collections::HashMap;
use std::sync::Arc;

use rust_decimal::Decimal;

use crate::number::Number;

use crate::diagnostics::{DataError, DataProblem, ProblemKind};
use crate::model::{DataKey, Kind, Model, Value};

/// (line, column) in a data file, when the format tells.
pub type Loc = Option<(usize, usize)>;

/// A key, its value and where the value was written.
pub type Entry = (String, Raw, Loc);

/// A value as a data file wrote it, before binding.
#[derive(Debug, Clone)]
pub enum Raw {
    Table(Vec<Entry>),
    Array(Vec<(Raw, Loc)>),
    Text(String),
    /// A number's exact source text.
    Number(String),
    Bool(bool),
    /// Something jixiao has no use for (a date, null …), as text for messages.
    Other(String),
}

impl Raw {
    fn describe(&self) -> String {
        match self {
            Raw::Table(_) => "（表）".into(),
            Raw::Array(_) => "（数组）".into(),
            Raw::Text(s) => s.clone(),
            Raw::Number(s) => s.clone(),
            Raw::Bool(b) => b.to_string(),
            Raw::Other(s) => s.clone(),
        }
    }
}

/// A comparison in a performance target (`≥95%`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comparator {
    Ge,
    Gt,
    Le,
    Lt,
    Eq,
}

/// A number with its unit as a target or actual was written (`148 人`, `95%`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quantity {
    pub comparator: Option<Comparator>,
    pub value: Decimal,
    /// `%` for percents (value is then a fraction), else the unit text, possibly empty.
    pub unit: String,
}

/// One of the unit's own performance targets (form section 7).
#[derive(Debug, Clone, PartialEq)]
pub struct TargetItem {
    pub name: String,
    pub category: String,
    pub target_text: String,
    pub actual_text: String,
    pub target: Option<Quantity>,
    pub actual: Option<Quantity>,
    /// Whether the target is met: computed when both sides are numbers in the same
    /// unit, otherwise as stated by the unit or the reviewer (`达成`).
    pub met: bool,
    pub met_stated: Option<bool>,
    /// What the numbers say, when both sides are numbers in the same unit.
    pub met_computed: Option<bool>,
}

/// What the unit said about itself (for the 复核 audit).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Stated {
    pub total: Option<Decimal>,
    pub grade: Option<String>,
    /// Self-scores by indicator or category name.
    pub scores: Vec<(String, Decimal)>,
    /// Stated values by name, as written (`"80%"`).
    pub values: Vec<(String, String)>,
}

/// One unit's data, bound to a model's input slots.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    pub unit: String,
    /// One value per model input, in declaration order.
    pub values: Vec<Value>,
    /// One item list per declared target list.
    pub lists: Vec<Vec<TargetItem>>,
    /// `--partial`: which target lists the unit did not give (their counts and sums are
    /// 无法计算); empty when every list was given.
    pub lists_missing: Vec<bool>,
    /// One score per reviewer-scored indicator ([`Model::review_leaves`]); `None` only
    /// under `--partial`, when the score is missing.
    pub reviews: Vec<Option<Number>>,
    pub stated: Stated,
    /// Keys the rule file does not know (reported as warnings, not errors).
    pub unknown_keys: Vec<String>,
    /// Notes on how the data was read (a figure written "—" taken as not reported), shown
    /// as 提示 in the 复核意见: (field, message).
    pub notes: Vec<(String, String)>,
    /// `--partial`: what was missing or could not be read and was left out (the values
    /// that depend on it are 无法计算), shown as 警告 in the 复核意见: (field, message).
    pub set_aside: Vec<(String, String)>,
    /// The data file this unit came from, and the SHA-256 of its bytes (provenance).
    pub source_file: String,
    pub source_sha256: String,
}

fn loc_of(source: &str, offset: usize) -> (usize, usize) {
    let before = source.get(..offset).unwrap_or("");
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

/// Parses TOML into a [`Raw`] tree.
// A problem is the rare path and is reported whole; boxing it gains nothing.
#[allow(clippy::result_large_err)]
pub fn parse_toml(text: &str) -> Result<Raw, DataProblem> {
    let doc = toml_edit::Document::parse(text).map_err(|e| DataProblem {
        kind: ProblemKind::Unreadable,
        field: "（文件）".into(),
        value: None,
        message: if e.message().contains("unquoted key") {
            format!(
                "不是有效的 TOML：{}（TOML 中的中文键名要加引号，例如 `\"编制人数\" = 174`）",
                e.message()
            )
        } else {
            format!("不是有效的 TOML：{}", e.message())
        },
        location: e.span().map(|s| loc_of(text, s.start)),
        declared_at: None,
    })?;
    Ok(toml_item(text, doc.as_item()))
}

fn toml_item(text: &str, item: &toml_edit::Item) -> Raw {
    match item {
        toml_edit::Item::None => Raw::Other(String::new()),
        toml_edit::Item::Value(v) => toml_value(text, v),
        toml_edit::Item::Table(t) => Raw::Table(
            t.iter()
                .map(|(k, v)| {
                    (
                        k.to_owned(),
                        toml_item(text, v),
                        v.span().map(|s| loc_of(text, s.start)),
                    )
                })
                .collect(),
        ),
        toml_edit::Item::ArrayOfTables(a) => Raw::Array(
            a.iter()
                .map(|t| {
                    let loc = t.span().map(|s| loc_of(text, s.start));
                    (
                        Raw::Table(
                            t.iter()
                                .map(|(k, v)| {
                                    (
                                        k.to_owned(),
                                        toml_item(text, v),
                                        v.span().map(|s| loc_of(text, s.start)),
                                    )
                                })
                                .collect(),
                        ),
                        loc,
                    )
                })
                .collect(),
        ),
    }
}

fn toml_value(text: &str, v: &toml_edit::Value) -> Raw {
    use toml_edit::Value as V;
    let raw_text =
        |span: Option<std::ops::Range<usize>>| span.and_then(|s| text.get(s)).unwrap_or("").trim().to_owned();
    match v {
        V::String(s) => Raw::Text(s.value().clone()),
        // The source text as written: TOML allows `1_000` and `1e3`, jixiao's number
        // grammar does not (binding rejects them with a hint, `crate::numtext`).
        V::Integer(i) => Raw::Number(raw_text(i.span())),
        V::Float(f) => Raw::Number(raw_text(f.span())),
        V::Boolean(b) => Raw::Bool(*b.value()),
        V::Datetime(d) => Raw::Other(d.value().to_string()),
        V::Array(a) => Raw::Array(
            a.iter()
                .map(|x| (toml_value(text, x), x.span().map(|s| loc_of(text, s.start))))
                .collect(),
        ),
        V::InlineTable(t) => Raw::Table(
            t.iter()
                .map(|(k, x)| {
                    (
                        k.to_owned(),
                        toml_value(text, x),
                        x.span().map(|s| loc_of(text, s.start)),
                    )
                })
                .collect(),
        ),
    }
}

/// Parses JSON into a [`Raw`] tree (numbers keep their exact text).
// A problem is the rare path and is reported whole; boxing it gains nothing.
#[allow(clippy::result_large_err)]
pub fn parse_json(text: &str) -> Result<Raw, DataProblem> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| DataProblem {
        kind: ProblemKind::Unreadable,
        field: "（文件）".into(),
        value: None,
        message: format!("不是有效的 JSON：{e}"),
        location: Some((e.line(), e.column())),
        declared_at: None,
    })?;
    // serde_json keeps the last of two equal keys without a word; TOML refuses them, and
    // so does jixiao for JSON.
    if let Ok(FirstDuplicate(Some(key))) = serde_json::from_str::<FirstDuplicate>(text) {
        return Err(DataProblem {
            kind: ProblemKind::Duplicate,
            field: key,
            value: None,
            message: "同一个对象中写了两次（JSON 的键不能重复）".into(),
            location: None,
            declared_at: None,
        });
    }
    Ok(json_value(&value))
}

/// The first key written twice in one JSON object, anywhere in a document.
struct FirstDuplicate(Option<String>);

impl<'de> serde::Deserialize<'de> for FirstDuplicate {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(FirstDuplicateVisitor)
    }
}

struct FirstDuplicateVisitor;

impl<'de> serde::de::Visitor<'de> for FirstDuplicateVisitor {
    type Value = FirstDuplicate;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<FirstDuplicate, A::Error> {
        let mut seen = std::collections::HashSet::new();
        let mut found = None;
        while let Some(key) = map.next_key::<String>()? {
            let inner: FirstDuplicate = map.next_value()?;
            if found.is_none() {
                found = if seen.insert(key.clone()) { inner.0 } else { Some(key) };
            }
        }
        Ok(FirstDuplicate(found))
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<FirstDuplicate, A::Error> {
        let mut found = None;
        while let Some(inner) = seq.next_element::<FirstDuplicate>()? {
            found = found.or(inner.0);
        }
        Ok(FirstDuplicate(found))
    }

    fn visit_bool<E>(self, _: bool) -> Result<FirstDuplicate, E> {
        Ok(FirstDuplicate(None))
    }

    fn visit_i64<E>(self, _: i64) -> Result<FirstDuplicate, E> {
        Ok(FirstDuplicate(None))
    }

    fn visit_u64<E>(self, _: u64) -> Result<FirstDuplicate, E> {
        Ok(FirstDuplicate(None))
    }

    fn visit_f64<E>(self, _: f64) -> Result<FirstDuplicate, E> {
        Ok(FirstDuplicate(None))
    }

    fn visit_str<E>(self, _: &str) -> Result<FirstDuplicate, E> {
        Ok(FirstDuplicate(None))
    }

    fn visit_unit<E>(self) -> Result<FirstDuplicate, E> {
        Ok(FirstDuplicate(None))
    }
}

pub(crate) fn json_value(v: &serde_json::Value) -> Raw {
    use serde_json::Value as V;
    match v {
        V::Null => Raw::Other("null".into()),
        V::Bool(b) => Raw::Bool(*b),
        V::Number(n) => Raw::Number(n.to_string()),
        V::String(s) => Raw::Text(s.clone()),
        V::Array(a) => Raw::Array(a.iter().map(|x| (json_value(x), None)).collect()),
        V::Object(o) => Raw::Table(o.iter().map(|(k, x)| (k.clone(), json_value(x), None)).collect()),
    }
}

/// Keys that give the unit's name (also accepted as spreadsheet column headers).
pub const UNIT_NAME_KEYS: &[&str] = &["单位名称", "单位", "unit"];
/// The table of reviewer scores (`评审.经济效益` as a column header).
pub const REVIEW_KEYS: &[&str] = &["评审", "review"];
/// The table of the unit's own evaluation (`自评.总分` as a column header).
pub const STATED_KEYS: &[&str] = &["自评", "self_evaluation"];

struct Binder<'m> {
    model: &'m Model,
    problems: Vec<DataProblem>,
    values: Vec<Option<(Value, Loc)>>,
    /// Inputs given with a bad value (already reported; not "missing" as well).
    invalid: Vec<bool>,
    lists: Vec<Option<Vec<TargetItem>>>,
    reviews: Vec<Option<Number>>,
    reviews_seen: Vec<bool>,
    stated: Stated,
    unit: Option<String>,
    unknown: Vec<String>,
    /// Inputs written as not reported (`—`, `/`, `无`, ""): what was written, and where.
    not_reported: Vec<Option<(String, Loc)>>,
    notes: Vec<(String, String)>,
    partial: bool,
    set_aside: Vec<(String, String)>,
    /// Fields written twice: an error even under `partial` (which value is right is the
    /// unit's to say).
    duplicated: Vec<String>,
}

/// How [`bind_with`] treats what is missing or wrong.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BindOptions {
    /// `--partial`: a missing or unreadable input (or review score) does not stop the
    /// unit; it is 无法计算 (cause [`crate::model::UndefinedCause::Missing`]), so are the values and
    /// scores that need it, and the problem is set aside as a 警告. Still errors: no unit
    /// name, a file that is not a table, a malformed target list.
    pub partial: bool,
}

/// Binds a parsed data file to the model's inputs. `file` names it in messages.
pub fn bind(model: &Model, raw: &Raw, file: &str) -> Result<Record, DataError> {
    bind_with(model, raw, file, BindOptions::default())
}

/// [`bind`] with options (`--partial`).
pub fn bind_with(model: &Model, raw: &Raw, file: &str, options: BindOptions) -> Result<Record, DataError> {
    let mut b = Binder::new(model, options);
    match raw {
        Raw::Table(entries) => b.bind_table(entries, true),
        other => b.problem(
            ProblemKind::Unreadable,
            "（文件）",
            Some(other.describe()),
            "数据文件的顶层应为表（键 = 值）".into(),
            None,
        ),
    }
    b.finish(file)
}

/// Checks one value for one input as binding would (type, whole number, `范围`), so a
/// host building a unit value by value hears of a bad value where it sets it.
// A problem is the rare path and is reported whole; boxing it gains nothing.
#[allow(clippy::result_large_err)]
pub fn check_value(model: &Model, input: usize, key: &str, raw: &Raw) -> Result<(), DataProblem> {
    let mut b = Binder::new(model, BindOptions::default());
    match b.convert(input, key, raw, None) {
        Some(_) => Ok(()),
        None => Err(b.problems.pop().expect("a value not converted has its problem")),
    }
}

impl<'m> Binder<'m> {
    fn new(model: &'m Model, options: BindOptions) -> Self {
        Binder {
            partial: options.partial,
            set_aside: Vec::new(),
            duplicated: Vec::new(),
            model,
            problems: Vec::new(),
            values: vec![None; model.inputs.len()],
            invalid: vec![false; model.inputs.len()],
            lists: vec![None; model.lists.len()],
            reviews: vec![None; model.review_leaves.len()],
            reviews_seen: vec![false; model.review_leaves.len()],
            stated: Stated::default(),
            unit: None,
            unknown: Vec::new(),
            not_reported: vec![None; model.inputs.len()],
            notes: Vec::new(),
        }
    }
}

impl Binder<'_> {
    fn problem(
        &mut self,
        kind: ProblemKind,
        field: &str,
        value: Option<String>,
        message: String,
        location: Option<(usize, usize)>,
    ) {
        let declared_at = match self.model.data_keys.get(field) {
            Some(DataKey::Input(i)) => Some(self.model.source.line_col(self.model.inputs[*i].span.start)),
            _ => None,
        };
        self.problems.push(DataProblem {
            kind,
            field: field.to_owned(),
            value,
            message,
            location,
            declared_at,
        });
    }

    fn bind_table(&mut self, entries: &[Entry], top: bool) {
        for (key, value, loc) in entries {
            let key = key.trim();
            if top && UNIT_NAME_KEYS.contains(&key) {
                match value {
                    Raw::Text(s) if !s.trim().is_empty() => self.unit = Some(s.trim().to_owned()),
                    _ => self.problem(
                        ProblemKind::InvalidValue,
                        key,
                        Some(value.describe()),
                        "单位名称应为非空文字".into(),
                        *loc,
                    ),
                }
                continue;
            }
            if top && REVIEW_KEYS.contains(&key) {
                self.bind_reviews(value, *loc);
                continue;
            }
            if top && STATED_KEYS.contains(&key) {
                self.bind_stated(value, *loc);
                continue;
            }
            match self.model.data_keys.get(key).copied() {
                Some(DataKey::Input(i)) => {
                    if let Some((_, first)) = &self.values[i] {
                        let first = first.map(|(l, _)| format!("（第 {l} 行已填写）")).unwrap_or_default();
                        self.duplicated.push(key.to_owned());
                        self.problem(
                            ProblemKind::Duplicate,
                            key,
                            Some(value.describe()),
                            format!("重复填写{first}"),
                            *loc,
                        );
                        continue;
                    }
                    if let Some(text) = not_reported(self.model.inputs[i].kind, value) {
                        // Taken as absent: `缺失时` applies (with a note), else it is missing.
                        self.not_reported[i] = Some((text, *loc));
                        continue;
                    }
                    match self.convert(i, key, value, *loc) {
                        Some(v) => self.values[i] = Some((v, *loc)),
                        None => self.invalid[i] = true,
                    }
                }
                Some(DataKey::List(l)) => self.bind_list(l, key, value, *loc),
                None => match value {
                    // A table whose name is not an input groups inputs (`[年度收入]`).
                    Raw::Table(inner) => self.bind_table(inner, false),
                    _ => self.unknown.push(key.to_owned()),
                },
            }
        }
    }

    fn convert(&mut self, input: usize, key: &str, raw: &Raw, loc: Option<(usize, usize)>) -> Option<Value> {
        let def = &self.model.inputs[input];
        let kind = def.kind;
        let value = match (kind, raw) {
            (_, Raw::Text(s)) => text_value(kind, s),
            (Kind::Text, Raw::Number(s)) => Some(Value::Text(Arc::from(s.as_str()))),
            (Kind::Bool, Raw::Bool(b)) => Some(Value::Bool(*b)),
            (Kind::Percent | Kind::Quantity(_), Raw::Number(s)) => parse_decimal(s).map(num),
            _ => None,
        };
        let Some(value) = value else {
            let expected = match kind {
                Kind::Quantity(u) if kind.is_count() => format!("一个整数（单位：{u}），例如 `174`"),
                Kind::Quantity(u) => format!("一个数（单位：{u}），例如 `3696.83`"),
                Kind::Percent => "一个百分数，例如 `\"95%\"`（或小数 0.95）".into(),
                Kind::Bool => " `true`/`false` 或 `\"是\"`/`\"否\"`".into(),
                Kind::Text => "文字".into(),
            };
            let message = number_hint(raw, matches!(kind, Kind::Percent)).unwrap_or_else(|| format!("应为{expected}"));
            self.problem(ProblemKind::InvalidValue, key, Some(raw.describe()), message, loc);
            return None;
        };
        if let (Kind::Percent, Raw::Text(s) | Raw::Number(s)) = (kind, raw) {
            if let Some(shown) = implausible_bare_percent(s) {
                let message = format!(
                    "百分数没有写 %：`{}` 按小数读是 {shown}，不合常理。若是 {}%，请写成 `{}%`（或小数）；若确实是 {shown}，请写成 `{shown}`",
                    s.trim(),
                    s.trim(),
                    s.trim()
                );
                self.problem(ProblemKind::InvalidValue, key, Some(raw.describe()), message, loc);
                return None;
            }
        }
        if let Value::Num(n) = &value {
            if kind.is_count() && !n.is_integer() {
                self.problem(
                    ProblemKind::NotInteger,
                    key,
                    Some(raw.describe()),
                    format!("`{}` 应为整数", kind.label()),
                    loc,
                );
                return None;
            }
            if let Some(bad) = def.ranges.iter().find(|r| !r.contains(n)) {
                let range = self.model.source.slice(bad.span).to_owned();
                self.problem(
                    ProblemKind::OutOfRange,
                    key,
                    Some(raw.describe()),
                    format!("超出规定的范围 {range}"),
                    loc,
                );
                return None;
            }
        }
        Some(value)
    }

    fn bind_list(&mut self, list: usize, key: &str, raw: &Raw, loc: Option<(usize, usize)>) {
        if self.lists[list].is_some() {
            self.duplicated.push(key.to_owned());
            self.problem(ProblemKind::Duplicate, key, None, "重复填写".into(), loc);
            return;
        }
        let Raw::Array(items) = raw else {
            self.problem(
                ProblemKind::InvalidTarget,
                key,
                Some(raw.describe()),
                "应为目标的数组（`[[绩效目标]]`）".into(),
                loc,
            );
            return;
        };
        let categories = self.model.lists[list].categories.clone();
        let mut out = Vec::with_capacity(items.len());
        for (n, (item, item_loc)) in items.iter().enumerate() {
            let field = format!("{key}[{}]", n + 1);
            let Raw::Table(fields) = item else {
                self.problem(
                    ProblemKind::InvalidTarget,
                    &field,
                    Some(item.describe()),
                    "每个目标应为一个表".into(),
                    *item_loc,
                );
                continue;
            };
            let get = |names: &[&str]| fields.iter().find(|(k, _, _)| names.contains(&k.as_str()));
            let text = |names: &[&str]| match get(names) {
                Some((_, Raw::Text(s) | Raw::Number(s), _)) => Some(s.trim().to_owned()),
                _ => None,
            };
            let name = text(&["名称", "name"]).unwrap_or_default();
            let label = if name.is_empty() {
                field.clone()
            } else {
                format!("{field}（{name}）")
            };
            let Some(category) = text(&["类别", "category"]) else {
                self.problem(
                    ProblemKind::InvalidTarget,
                    &label,
                    None,
                    "缺少 `类别`".into(),
                    *item_loc,
                );
                continue;
            };
            if !categories.is_empty() && !categories.contains(&category) {
                self.problem(
                    ProblemKind::InvalidTarget,
                    &label,
                    Some(category.clone()),
                    format!("类别应为 {} 之一", categories.join("、")),
                    *item_loc,
                );
                continue;
            }
            let target_text = text(&["目标", "target"]).unwrap_or_default();
            let actual_text = text(&["实际", "actual"]).unwrap_or_default();
            let met_stated = match get(&["达成", "met"]) {
                None => None,
                Some((_, Raw::Bool(b), _)) => Some(*b),
                Some((_, Raw::Text(s), _)) if matches!(s.trim(), "是" | "否") => Some(s.trim() == "是"),
                Some((_, other, l)) => {
                    self.problem(
                        ProblemKind::InvalidTarget,
                        &label,
                        Some(other.describe()),
                        "`达成` 应为 true/false 或 是/否".into(),
                        *l,
                    );
                    continue;
                }
            };
            let target = parse_quantity(&target_text);
            let actual = parse_quantity(&actual_text).filter(|q| q.comparator.is_none());
            let computed = match (&target, &actual) {
                (Some(t), Some(a)) if same_unit(&t.unit, &a.unit) => Some(is_met(t, a)),
                _ => None,
            };
            let met = match (computed, met_stated) {
                (Some(m), _) => m,
                (None, Some(s)) => s,
                (None, None) => {
                    self.problem(
                        ProblemKind::InvalidTarget,
                        &label,
                        Some(format!("目标 {target_text}；实际 {actual_text}")),
                        "无法由目标和实际值判断是否达成（不是同一单位的数值）；请填写 `达成 = true` 或 `false`".into(),
                        *item_loc,
                    );
                    continue;
                }
            };
            out.push(TargetItem {
                name,
                category,
                target_text,
                actual_text,
                target,
                actual,
                met,
                met_stated,
                met_computed: computed,
            });
        }
        self.lists[list] = Some(out);
    }

    fn bind_reviews(&mut self, raw: &Raw, loc: Option<(usize, usize)>) {
        let Raw::Table(entries) = raw else {
            self.problem(
                ProblemKind::InvalidStated,
                "评审",
                Some(raw.describe()),
                "应为表：指标名称 = 评审得分".into(),
                loc,
            );
            return;
        };
        for (key, value, vloc) in entries {
            let found = self
                .model
                .review_leaves
                .iter()
                .position(|&leaf| self.model.nodes[leaf].name == *key);
            let Some(index) = found else {
                let names: Vec<&str> = self
                    .model
                    .review_leaves
                    .iter()
                    .map(|&l| self.model.nodes[l].name.as_str())
                    .collect();
                self.problem(
                    ProblemKind::InvalidStated,
                    &format!("评审.{key}"),
                    Some(value.describe()),
                    format!("不是评审打分的指标；评审打分的指标有：{}", names.join("、")),
                    *vloc,
                );
                continue;
            };
            let weight = self.model.nodes[self.model.review_leaves[index]].weight.clone();
            let score = match value {
                Raw::Number(s) | Raw::Text(s) => parse_decimal(s),
                _ => None,
            };
            // A rejected score is reported once, not again as missing.
            self.reviews_seen[index] = true;
            match score {
                Some(s) if s >= Decimal::ZERO && Number::from(s) <= weight => self.reviews[index] = Some(s.into()),
                Some(_) => self.problem(
                    ProblemKind::OutOfRange,
                    &format!("评审.{key}"),
                    Some(value.describe()),
                    format!("评审得分应在 0 到分值 {weight} 之间"),
                    *vloc,
                ),
                None => self.problem(
                    ProblemKind::InvalidValue,
                    &format!("评审.{key}"),
                    Some(value.describe()),
                    number_hint(value, false).unwrap_or_else(|| "评审得分应为数字".into()),
                    *vloc,
                ),
            }
        }
    }

    fn bind_stated(&mut self, raw: &Raw, loc: Option<(usize, usize)>) {
        let Raw::Table(entries) = raw else {
            self.problem(
                ProblemKind::InvalidStated,
                "自评",
                Some(raw.describe()),
                "应为表".into(),
                loc,
            );
            return;
        };
        for (key, value, vloc) in entries {
            match (key.as_str(), value) {
                ("总分", Raw::Number(s) | Raw::Text(s)) => match parse_decimal(s) {
                    Some(d) => self.stated.total = Some(d),
                    None => self.problem(
                        ProblemKind::InvalidValue,
                        "自评.总分",
                        Some(s.clone()),
                        number_hint(value, false).unwrap_or_else(|| "应为数字".into()),
                        *vloc,
                    ),
                },
                ("等级", Raw::Text(s)) => self.stated.grade = Some(s.trim().to_owned()),
                ("得分", Raw::Table(scores)) => {
                    for (name, v, l) in scores {
                        match v {
                            Raw::Number(s) | Raw::Text(s) => match parse_decimal(s) {
                                Some(d) => self.stated.scores.push((name.clone(), d)),
                                None => self.problem(
                                    ProblemKind::InvalidValue,
                                    &format!("自评.得分.{name}"),
                                    Some(s.clone()),
                                    number_hint(v, false).unwrap_or_else(|| "应为数字".into()),
                                    *l,
                                ),
                            },
                            other => self.problem(
                                ProblemKind::InvalidValue,
                                &format!("自评.得分.{name}"),
                                Some(other.describe()),
                                "应为数字".into(),
                                *l,
                            ),
                        }
                    }
                }
                ("指标值", Raw::Table(values)) => {
                    for (name, v, _) in values {
                        self.stated.values.push((name.clone(), v.describe()));
                    }
                }
                _ => self.problem(
                    ProblemKind::InvalidStated,
                    &format!("自评.{key}"),
                    Some(value.describe()),
                    "自评只能包含 `总分`、`等级`、`得分` 表和 `指标值` 表".into(),
                    *vloc,
                ),
            }
        }
    }

    /// `--partial`: an input the unit lacks is 无法计算, with why (a 提示: the indicators
    /// that need it say so themselves).
    fn missing(&mut self, def: &crate::model::InputDef, reason: String, message: String) -> Value {
        self.notes.push((def.name.clone(), message));
        Value::Undefined(std::sync::Arc::new(crate::model::Undefined {
            reason,
            span: def.span,
            cause: crate::model::UndefinedCause::Missing,
        }))
    }

    fn finish(mut self, file: &str) -> Result<Record, DataError> {
        let model = self.model;
        let mut values = Vec::with_capacity(model.inputs.len());
        if self.partial {
            // Problems of inputs and review scores are set aside; the inputs become 无法计算.
            let (kept, set_aside): (Vec<DataProblem>, Vec<DataProblem>) =
                std::mem::take(&mut self.problems).into_iter().partition(|p| {
                    // Two values for one figure stay an error: which one is right is the
                    // unit's to say, not a figure to leave out.
                    self.duplicated.contains(&p.field)
                        || !(matches!(model.data_keys.get(&p.field), Some(DataKey::Input(_)))
                            || p.field.starts_with("评审.")
                            || p.field.starts_with("自评."))
                });
            self.problems = kept;
            for p in set_aside {
                let value = p.value.as_deref().map(|v| format!("（{v}）")).unwrap_or_default();
                self.set_aside.push((
                    p.field.clone(),
                    format!("`{}`{value}{}：未使用（--partial）", p.field, p.message),
                ));
            }
        }
        for (i, def) in model.inputs.iter().enumerate() {
            match (self.values[i].take(), &def.default) {
                (Some((v, _)), _) => values.push(v),
                (None, _) if self.invalid[i] && self.partial => {
                    values.push(Value::Undefined(std::sync::Arc::new(crate::model::Undefined {
                        reason: format!("`{}` 的数据有误", def.name),
                        span: def.span,
                        cause: crate::model::UndefinedCause::Missing,
                    })))
                }
                (None, _) if self.invalid[i] => values.push(Value::Num(Number::ZERO)),
                (None, Some(d)) => {
                    if let Some((text, _)) = &self.not_reported[i] {
                        self.notes.push((
                            def.name.clone(),
                            if text.is_empty() {
                                format!(
                                    "`{}` 没有填写，视为未填报，按规则文件的 `缺失时` 取 {}",
                                    def.name,
                                    crate::model::Value::text(d)
                                )
                            } else {
                                format!(
                                    "`{}` 填的是“{text}”，视为未填报，按规则文件的 `缺失时` 取 {}",
                                    def.name,
                                    crate::model::Value::text(d)
                                )
                            },
                        ));
                    }
                    values.push(d.clone());
                }
                (None, None) if self.partial => {
                    let written = match &self.not_reported[i] {
                        Some((text, _)) if !text.is_empty() => format!("填的是“{text}”，视为未填报"),
                        Some(_) => "没有填写".to_owned(),
                        None => "缺少这个字段".to_owned(),
                    };
                    let message = format!("`{}` {written}：依赖它的指标无法计算（--partial）", def.name);
                    let value = self.missing(def, format!("缺少 {}", def.name), message);
                    values.push(value);
                }
                (None, None) if self.not_reported[i].is_some() => {
                    let (text, loc) = self.not_reported[i].clone().unwrap_or_default();
                    self.problem(
                        ProblemKind::MissingInput,
                        &def.name,
                        Some(format!("\"{text}\"")),
                        "未填报；这一项必填（规则文件没有为它写 `缺失时`），请填写数字".into(),
                        loc,
                    );
                    values.push(Value::Num(Number::ZERO));
                }
                (None, None) => {
                    let aliases = if def.aliases.is_empty() {
                        String::new()
                    } else {
                        format!("（或别名 {}）", def.aliases.join("、"))
                    };
                    self.problem(
                        ProblemKind::MissingInput,
                        &def.name,
                        None,
                        format!("缺少必填字段{aliases}"),
                        None,
                    );
                    values.push(Value::Num(Number::ZERO));
                }
            }
        }
        let mut lists = Vec::with_capacity(model.lists.len());
        let mut lists_missing = Vec::new();
        for (l, def) in model.lists.iter().enumerate() {
            match self.lists[l].take() {
                Some(items) => lists.push(items),
                None if self.partial => {
                    lists_missing.resize(model.lists.len(), false);
                    lists_missing[l] = true;
                    self.notes.push((
                        def.name.clone(),
                        format!("缺少目标清单 `{}`：依赖它的数值无法计算（--partial）", def.name),
                    ));
                    lists.push(Vec::new());
                }
                None => {
                    self.problem(
                        ProblemKind::MissingInput,
                        &def.name,
                        None,
                        "缺少目标清单（没有目标时写空数组 `绩效目标 = []`）".into(),
                        None,
                    );
                    lists.push(Vec::new());
                }
            }
        }
        let mut reviews = Vec::with_capacity(model.review_leaves.len());
        for (r, &leaf) in model.review_leaves.iter().enumerate() {
            match self.reviews[r].clone() {
                Some(s) => reviews.push(Some(s)),
                None if self.partial => {
                    let name = &model.nodes[leaf].name;
                    if !self.reviews_seen[r] {
                        self.notes.push((
                            format!("评审.{name}"),
                            format!("缺少 `{name}` 的评审得分：这个指标无法评分（--partial）"),
                        ));
                    }
                    reviews.push(None);
                }
                None if self.reviews_seen[r] => reviews.push(Some(Number::ZERO)),
                None => {
                    self.problem(
                        ProblemKind::MissingInput,
                        &format!("评审.{}", model.nodes[leaf].name),
                        None,
                        "缺少评审得分".into(),
                        None,
                    );
                    reviews.push(Some(Number::ZERO));
                }
            }
        }
        let unit = self.unit.clone().unwrap_or_else(|| "（未命名单位）".to_owned());
        if self.unit.is_none() {
            self.problem(ProblemKind::MissingInput, "单位名称", None, "缺少单位名称".into(), None);
        }
        if !self.problems.is_empty() {
            return Err(DataError {
                file: file.to_owned(),
                unit,
                problems: self.problems,
            });
        }
        Ok(Record {
            unit,
            values,
            lists,
            lists_missing,
            reviews,
            stated: self.stated,
            unknown_keys: self.unknown,
            notes: self.notes,
            set_aside: self.set_aside,
            source_file: file.to_owned(),
            source_sha256: String::new(),
        })
    }
}

/// A value of `kind` written as text (a data file's string, a spreadsheet cell).
fn text_value(kind: Kind, s: &str) -> Option<Value> {
    match kind {
        Kind::Text => Some(Value::Text(Arc::from(s))),
        Kind::Bool => match s.trim() {
            // `TRUE`/`FALSE`: how Excel writes booleans into a CSV export.
            "是" | "true" | "TRUE" | "True" | "对" | "有" | "Y" | "y" => Some(Value::Bool(true)),
            "否" | "false" | "FALSE" | "False" | "无" | "N" | "n" => Some(Value::Bool(false)),
            _ => None,
        },
        Kind::Percent => parse_percent_text(s).map(num),
        Kind::Quantity(_) => parse_decimal(s).map(num),
    }
}

/// An input's value from a cell's text exactly as [`bind`] reads it from a `Raw::Text`,
/// or `None` where binding would report a problem (not a value of the input's kind, not
/// an integer for a count, outside a `范围`). For the direct CSV path.
pub fn convert_text(def: &crate::model::InputDef, text: &str) -> Option<Value> {
    if def.kind == Kind::Percent && implausible_bare_percent(text).is_some() {
        return None;
    }
    let value = text_value(def.kind, text)?;
    match &value {
        Value::Num(n) if !admissible(def, n) => None,
        _ => Some(value),
    }
}

/// [`convert_text`] for a cell already trimmed and made of ASCII digits, `-` and `.`
/// (`3029.36`): the same value without going through `str`; `None` when the general
/// conversion must decide.
pub fn convert_plain_number(def: &crate::model::InputDef, cell: &[u8]) -> Option<Option<Value>> {
    if !matches!(def.kind, Kind::Quantity(_)) {
        return None;
    }
    let n = plain_decimal(cell)?;
    let n = Number::from_decimal(n);
    Some(admissible(def, &n).then_some(Value::Num(n)))
}

/// Whether binding accepts a number for an input: an integer for a count, inside every `范围`.
/// What a clerk writes for a figure not reported: the dashes, slashes and words of real
/// reports, and an empty string.
const NOT_REPORTED: &[&str] = &["", "—", "——", "－", "-", "/", "／", "无"];

/// The text of a numeric input written as not reported, if it is one.
fn not_reported(kind: Kind, raw: &Raw) -> Option<String> {
    match (kind, raw) {
        (Kind::Quantity(_) | Kind::Percent, Raw::Text(s)) if NOT_REPORTED.contains(&s.trim()) => {
            Some(s.trim().to_owned())
        }
        _ => None,
    }
}

fn admissible(def: &crate::model::InputDef, n: &Number) -> bool {
    (!def.kind.is_count() || n.is_integer()) && def.ranges.iter().all(|r| r.contains(n))
}

/// A decimal read from data, as the exact number it is.
fn num(x: Decimal) -> Value {
    Value::Num(Number::from_decimal(x))
}

/// A number by the number grammar (`crate::numtext`, docs/language.md §13.1):
/// `3,696.83` → 3696.83, `３６９６．８３` → 3696.83; `1e3`, `1_000`, `1,74` are `None`.
pub fn parse_decimal(text: &str) -> Option<Decimal> {
    let t = text.trim();
    plain_decimal(t.as_bytes()).or_else(|| crate::numtext::parse_number(t).ok())
}

/// The number grammar's hint for a value that is not a number (`1e3`: 不支持科学计数法：
/// 请写成 1000), when it has one; `percent` allows a `%`.
fn number_hint(raw: &Raw, percent: bool) -> Option<String> {
    let (Raw::Text(s) | Raw::Number(s)) = raw else {
        return None;
    };
    let error = if percent {
        crate::numtext::parse_fraction(s).err()?
    } else {
        crate::numtext::parse_number(s).err()?
    };
    error.hint()
}

/// `3029.36`, `-55.41`, `174`: at most 18 digits, an optional `-` and an optional
/// fraction, read straight from the bytes into the same mantissa and scale that
/// `Decimal::from_str` gives. Anything else (and `-0`) is left to the general parser.
fn plain_decimal(t: &[u8]) -> Option<Decimal> {
    let (negative, digits) = match t.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, t),
    };
    if digits.is_empty() || digits.len() > 19 {
        return None;
    }
    let mut mantissa: i64 = 0;
    let mut count = 0;
    let mut scale = None;
    for (i, &b) in digits.iter().enumerate() {
        match b {
            b'0'..=b'9' if count < 18 => {
                mantissa = mantissa * 10 + i64::from(b - b'0');
                count += 1;
            }
            b'.' if scale.is_none() && i > 0 && i + 1 < digits.len() => scale = Some(digits.len() - i - 1),
            _ => return None,
        }
    }
    if negative && mantissa == 0 {
        return None;
    }
    let scale = scale.unwrap_or(0) as u32;
    Some(Decimal::new(if negative { -mantissa } else { mantissa }, scale))
}

/// A percent written without `%` (`100`, text or number alike) whose value as a fraction
/// is beyond ±1000%: almost surely `100%` with the sign left out, so an error rather than
/// 10000%. Gives the value as a percent (`10000%`) for the message.
fn implausible_bare_percent(text: &str) -> Option<String> {
    let t = text.trim();
    if t.contains(['%', '％']) {
        return None;
    }
    let value = parse_percent_text(t)?;
    if value.abs() <= Decimal::TEN {
        return None;
    }
    let percent = value.checked_mul(Decimal::ONE_HUNDRED)?.normalize();
    Some(format!("{percent}%"))
}

/// `95%` → 0.95; a bare number is taken as a fraction (`0.95`).
pub fn parse_percent_text(text: &str) -> Option<Decimal> {
    crate::numtext::parse_fraction(text).ok()
}

/// Parses a target or actual such as `≥95%`, `≥100 人`, `≤3.75 万元/人·年`,
/// `95%以上`, `24 小时内`. Anything else (prose) is `None`.
pub fn parse_quantity(text: &str) -> Option<Quantity> {
    // `≥９５％`, `１００ 人`: full-width forms are the same characters.
    let halfwidth: String = text.chars().map(crate::numtext::to_halfwidth).collect();
    let mut s = halfwidth.trim();
    let mut comparator = None;
    for (prefix, cmp) in [
        (">=", Comparator::Ge),
        ("≥", Comparator::Ge),
        ("≧", Comparator::Ge),
        ("<=", Comparator::Le),
        ("≤", Comparator::Le),
        ("≦", Comparator::Le),
        (">", Comparator::Gt),
        ("＞", Comparator::Gt),
        ("<", Comparator::Lt),
        ("＜", Comparator::Lt),
        ("=", Comparator::Eq),
    ] {
        if let Some(rest) = s.strip_prefix(prefix) {
            comparator = Some(cmp);
            s = rest.trim_start();
            break;
        }
    }
    let number_end = s
        .char_indices()
        .find(|(_, c)| !(c.is_ascii_digit() || *c == '.' || *c == ','))
        .map_or(s.len(), |(i, _)| i);
    if number_end == 0 {
        return None;
    }
    let mut value = parse_decimal(&s[..number_end])?;
    let mut rest = s[number_end..].trim();
    for (suffix, cmp) in [
        ("以上", Comparator::Ge),
        ("以下", Comparator::Le),
        ("以内", Comparator::Le),
        ("内", Comparator::Le),
    ] {
        if let Some(r) = rest.strip_suffix(suffix) {
            if comparator.is_some() {
                return None;
            }
            comparator = Some(cmp);
            rest = r.trim();
            break;
        }
    }
    let unit = if let Some(r) = rest.strip_prefix(['%', '％']) {
        if !r.trim().is_empty() {
            return None;
        }
        value = crate::numtext::percent_of(value)?;
        "%".to_owned()
    } else {
        rest.to_owned()
    };
    if unit
        .chars()
        .any(|c| c.is_ascii_digit() || c.is_whitespace() || "，。；、,;".contains(c))
        || unit.chars().count() > 12
    {
        return None;
    }
    Some(Quantity {
        comparator,
        value,
        unit,
    })
}

fn normalize_unit(u: &str) -> String {
    u.chars()
        .map(|c| if c == '.' || c == '•' || c == '・' { '·' } else { c })
        .filter(|c| !c.is_whitespace())
        .collect()
}

fn same_unit(a: &str, b: &str) -> bool {
    normalize_unit(a) == normalize_unit(b)
}

/// A target with no comparator means "reach at least" (达到).
fn is_met(target: &Quantity, actual: &Quantity) -> bool {
    let (a, t) = (actual.value, target.value);
    match target.comparator.unwrap_or(Comparator::Ge) {
        Comparator::Ge => a >= t,
        Comparator::Gt => a > t,
        Comparator::Le => a <= t,
        Comparator::Lt => a < t,
        Comparator::Eq => a == t,
    }
}

/// Names of keys, for "unknown key" warnings, deduplicated in order.
pub fn dedup_keys(keys: &[String]) -> Vec<String> {
    let mut seen = HashMap::new();
    keys.iter()
        .filter(|k| seen.insert(k.as_str(), ()).is_none())
        .cloned()
        .collect()
}

/// Adds `raw` at `path` (`["评审", "经济效益"]`) among `entries`, creating the tables on the
/// way (each located at `table_loc`); an existing value that is not a table on the way
/// stops it (binding then reports the clash).
pub fn insert_nested(entries: &mut Vec<Entry>, path: &[String], raw: Raw, loc: Loc, table_loc: Loc) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    let mut level = entries;
    for key in parents {
        let index = table_index(level, key, table_loc);
        match &mut level[index].1 {
            Raw::Table(inner) => level = inner,
            _ => return,
        }
    }
    level.push((last.clone(), raw, loc));
}

/// The index of the table named `key` among `entries`, added (empty, at `loc`) if there is
/// none; a value of that name that is not a table is left alone.
fn table_index(entries: &mut Vec<Entry>, key: &str, loc: Loc) -> usize {
    match entries
        .iter()
        .position(|(k, v, _)| k == key && matches!(v, Raw::Table(_)))
    {
        Some(i) => i,
        None => {
            entries.push((key.to_owned(), Raw::Table(Vec::new()), loc));
            entries.len() - 1
        }
    }
}

/// Sets `path` (`实有人数`, `评审.经济效益`) in a parsed data file, replacing the value
/// wherever the file put it (grouping tables included). Used by rule-file tests.
pub fn set_path(raw: &mut Raw, path: &[String], value: Raw) {
    let Raw::Table(entries) = raw else { return };
    match path {
        [] => {}
        [key] => {
            remove_key(entries, key);
            entries.push((key.clone(), value, None));
        }
        [first, rest @ ..] => {
            let index = table_index(entries, first, None);
            set_path(&mut entries[index].1, rest, value);
        }
    }
}

/// Removes a key wherever a data file may have put it (see [`set_path`]).
pub fn remove_everywhere(raw: &mut Raw, key: &str) {
    if let Raw::Table(entries) = raw {
        remove_key(entries, key);
    }
}

/// Removes a key from a table and from the grouping tables inside it (not from the
/// reserved 评审/自评 tables, whose keys are indicator names).
fn remove_key(entries: &mut Vec<Entry>, key: &str) {
    entries.retain(|(k, _, _)| k != key);
    for (k, v, _) in entries.iter_mut() {
        if REVIEW_KEYS.contains(&k.as_str()) || STATED_KEYS.contains(&k.as_str()) {
            continue;
        }
        if let Raw::Table(inner) = v {
            remove_key(inner, key);
        }
    }
}
