//! Binding a [`Raw`] tree to a model's inputs, lists, review scores and stated figures:
//! every problem of the unit collected, or under `partial` set aside.

use std::sync::Arc;

use rust_decimal::Decimal;

use super::targets::{is_met, same_unit};
use super::values::*;
use super::*;
use crate::diagnostics::{DataError, DataProblem, ProblemKind};
use crate::model::{DataKey, Kind, Model, Value};
use crate::number::Number;

pub(crate) struct Binder<'m> {
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
    /// How messages say what to write: TOML/JSON syntax, or what to type in a cell.
    wording: Wording,
}

/// Where the values being bound were written, so that a message says what to write there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Wording {
    /// A TOML or JSON file: `"95%"`, `true`, `达成 = true`.
    Document,
    /// Spreadsheet cells (CSV rows, workbooks, returned templates): type 95%, 是 or 否.
    Cells,
}

/// Binds a parsed data file to the model's inputs. `file` names it in messages.
pub fn bind(model: &Model, raw: &Raw, file: &str) -> Result<Record, DataError> {
    bind_with(model, raw, file, BindOptions::default())
}

/// `bind` with options (`--partial`).
pub fn bind_with(model: &Model, raw: &Raw, file: &str, options: BindOptions) -> Result<Record, DataError> {
    bind_worded(model, raw, file, options, Wording::Document)
}

/// [`bind_with`] for values read from spreadsheet cells (a CSV row, a worksheet row, a
/// returned template): the problems say what to type in the cell (`95%`, `是`), not how a
/// TOML file writes it (`"95%"`, `true`).
pub fn bind_cells(model: &Model, raw: &Raw, file: &str, options: BindOptions) -> Result<Record, DataError> {
    bind_worded(model, raw, file, options, Wording::Cells)
}

fn bind_worded(
    model: &Model,
    raw: &Raw,
    file: &str,
    options: BindOptions,
    wording: Wording,
) -> Result<Record, DataError> {
    let mut b = Binder::new(model, options, wording);
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
    let mut b = Binder::new(model, BindOptions::default(), Wording::Document);
    // A value not converted has left its problem (and a converted one none).
    b.convert(input, key, raw, None);
    b.problems.pop().map_or(Ok(()), Err)
}

impl<'m> Binder<'m> {
    fn new(model: &'m Model, options: BindOptions, wording: Wording) -> Self {
        Binder {
            wording,
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
        // Where the author declared it (a `基于` file's input may be in its base).
        let declared = match self.model.data_keys.get(field) {
            Some(DataKey::Input(i)) => Some(self.model.source.locate(self.model.inputs[*i].span)),
            _ => None,
        };
        let declared_at = declared.as_ref().map(|place| place.line_col());
        let declared_in = declared.and_then(|place| place.base_name());
        self.problems.push(DataProblem {
            kind,
            field: field.to_owned(),
            value,
            message,
            location,
            declared_at,
            declared_in,
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
            let cells = self.wording == Wording::Cells;
            let expected = match kind {
                Kind::Quantity(u) if kind.is_count() && cells => format!("一个整数（单位：{u}），例如 174"),
                Kind::Quantity(u) if kind.is_count() => format!("一个整数（单位：{u}），例如 `174`"),
                Kind::Quantity(u) if cells => format!("一个数（单位：{u}），例如 3696.83"),
                Kind::Quantity(u) => format!("一个数（单位：{u}），例如 `3696.83`"),
                Kind::Percent if cells => "一个百分数，例如 95%（或小数 0.95）".into(),
                Kind::Percent => "一个百分数，例如 `\"95%\"`（或小数 0.95）".into(),
                Kind::Bool if cells => " 是 或 否".into(),
                Kind::Bool => " `true`/`false` 或 `\"是\"`/`\"否\"`".into(),
                Kind::Text => "文字".into(),
            };
            let message = number_hint(raw, matches!(kind, Kind::Percent)).unwrap_or_else(|| format!("应为{expected}"));
            self.problem(ProblemKind::InvalidValue, key, Some(raw.describe()), message, loc);
            return None;
        };
        if let (Kind::Percent, Raw::Text(s) | Raw::Number(s)) = (kind, raw) {
            if let Some(shown) = implausible_bare_percent(s) {
                let s = s.trim();
                let message = match self.wording {
                    Wording::Document => format!(
                        "百分数没有写 %：`{s}` 按小数读是 {shown}，不合常理。若是 {s}%，请写成 `{s}%`（或小数）；若确实是 {shown}，请写成 `{shown}`"
                    ),
                    Wording::Cells => format!(
                        "百分数没有写 %：{s} 按小数读是 {shown}，不合常理。若是 {s}%，请填写 {s}%；若确实是 {shown}，请填写 {shown}"
                    ),
                };
                self.problem(ProblemKind::InvalidValue, key, Some(raw.describe()), message, loc);
                return None;
            }
        }
        if let Value::Num(n) = &value {
            if kind.is_count() && !n.is_integer() {
                let message = match self.wording {
                    Wording::Document => format!("应为整数（单位：{}），例如 `174`", kind.label()),
                    Wording::Cells => format!("应为整数（单位：{}），例如 174", kind.label()),
                };
                self.problem(ProblemKind::NotInteger, key, Some(raw.describe()), message, loc);
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
                let message = match self.wording {
                    Wording::Document => "缺少 `类别`",
                    Wording::Cells => "缺少类别",
                };
                self.problem(ProblemKind::InvalidTarget, &label, None, message.into(), *item_loc);
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
                    let message = match self.wording {
                        Wording::Document => "`达成` 应为 true/false 或 是/否",
                        Wording::Cells => "「达成」应为 是 或 否",
                    };
                    self.problem(
                        ProblemKind::InvalidTarget,
                        &label,
                        Some(other.describe()),
                        message.into(),
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
                    let fill = match self.wording {
                        Wording::Document => "请填写 `达成 = true` 或 `false`",
                        Wording::Cells => "请在「达成」中填写 是 或 否",
                    };
                    self.problem(
                        ProblemKind::InvalidTarget,
                        &label,
                        Some(format!("目标 {target_text}；实际 {actual_text}")),
                        format!("无法由目标和实际值判断是否达成（不是同一单位的数值）；{fill}"),
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
                _ => {
                    let message = match self.wording {
                        Wording::Document => "自评只能包含 `总分`、`等级`、`得分` 表和 `指标值` 表",
                        Wording::Cells => "自评只能包含 总分、等级、得分 和 指标值",
                    };
                    self.problem(
                        ProblemKind::InvalidStated,
                        &format!("自评.{key}"),
                        Some(value.describe()),
                        message.into(),
                        *vloc,
                    )
                }
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

    /// Every input, list and review score present, defaulted, set aside (partial) or a
    /// problem; the record, or all of the unit's problems.
    fn finish(mut self, file: &str) -> Result<Record, DataError> {
        if self.partial {
            self.set_aside_problems();
        }
        let values = self.finish_inputs();
        let (lists, lists_missing) = self.finish_lists();
        let reviews = self.finish_reviews();
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

    /// `--partial`: problems of inputs and review scores are set aside as warnings; the
    /// inputs become 无法计算.
    fn set_aside_problems(&mut self) {
        let model = self.model;
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

    /// The inputs' values: as given, the `缺失时` default (noted when written as 未填报),
    /// 无法计算 under `partial`, or a problem.
    fn finish_inputs(&mut self) -> Vec<Value> {
        let model = self.model;
        let mut values = Vec::with_capacity(model.inputs.len());
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
                    let (value, message) = match self.wording {
                        Wording::Document => (
                            format!("\"{text}\""),
                            "未填报；这一项必填（规则文件没有为它写 `缺失时`），请填写数字",
                        ),
                        Wording::Cells => (text, "未填报；这一项必填（规则文件没有为它写“缺失时”），请填写数字"),
                    };
                    self.problem(ProblemKind::MissingInput, &def.name, Some(value), message.into(), loc);
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
        values
    }

    /// The target lists (a missing one empty and noted under `partial`).
    fn finish_lists(&mut self) -> (Vec<Vec<TargetItem>>, Vec<bool>) {
        let model = self.model;
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
        (lists, lists_missing)
    }

    /// The reviewers' scores (a missing one `None` and noted under `partial`).
    fn finish_reviews(&mut self) -> Vec<Option<Number>> {
        let model = self.model;
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
        reviews
    }
}
