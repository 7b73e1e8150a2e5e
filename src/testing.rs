//! `测试` cases in rule files: given a unit's data (a file plus `设` changes), the
//! expected values, scores, total and grade. Also which criterion branches, bands and
//! grade bands the cases reach (`jixiao test --coverage`).

use rust_decimal::Decimal;

use crate::ast::{ExpectSubject, Literal, TestCase};
use crate::audit::compare_stated;
use crate::data::{self, Raw};
use crate::eval::{self, Branch, Outcome};
use crate::model::{CCriterion, Model, Value};
use crate::Compiled;

/// Reads a test's data file, relative to the rule file: (display name, text).
pub type DataLoader<'a> = dyn Fn(&str) -> Result<(String, String), String> + 'a;

#[derive(Debug, Clone, PartialEq)]
pub struct CaseResult {
    pub name: String,
    pub line: usize,
    pub passed: bool,
    /// One line per expectation that did not hold, with the explanation that applies.
    pub failures: Vec<String>,
    /// Every `期望` of the case in order, held or not (empty when the case could not run).
    pub expectations: Vec<Expectation>,
    /// Why the case could not run at all (its data file, a `设`, the evaluation).
    pub error: Option<String>,
}

/// One `期望` and what the case gave.
#[derive(Debug, Clone, PartialEq)]
pub struct Expectation {
    /// What is expected of: `等级`, `总分`, a value's name, `X 得分`.
    pub subject: String,
    /// As the case writes it (`94.3`, `104.01%`, `良好`, `不完整`).
    pub expected: String,
    /// What the unit gave, written like the expectation (`104.01%` for a percent).
    pub actual: String,
    /// The exact value behind `actual` (a decimal or a fraction), when it is a number.
    pub exact: Option<String>,
    pub passed: bool,
}

/// Whether each criterion branch, band and grade band was reached by some case.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Coverage {
    /// (indicator, branch, reached)
    pub branches: Vec<(String, String, bool)>,
    /// (grade, reached)
    pub grades: Vec<(String, bool)>,
}

impl Coverage {
    pub fn unreached(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .branches
            .iter()
            .filter(|(_, _, hit)| !hit)
            .map(|(i, b, _)| format!("{i}：{b}"))
            .collect();
        out.extend(
            self.grades
                .iter()
                .filter(|(_, hit)| !hit)
                .map(|(g, _)| format!("等级：{g}")),
        );
        out
    }

    pub fn reached(&self) -> usize {
        self.branches.iter().filter(|b| b.2).count() + self.grades.iter().filter(|g| g.1).count()
    }

    pub fn total(&self) -> usize {
        self.branches.len() + self.grades.len()
    }
}

/// Runs every case of a compiled rule file.
pub fn run(compiled: &Compiled, load: &DataLoader) -> (Vec<CaseResult>, Coverage) {
    let model = &compiled.model;
    let mut coverage = universe(model);
    let mut results = Vec::new();
    for case in &compiled.tests {
        // Cases are the file's own (a base's are not merged): its line, not the merged text's.
        let line = model.source.locate(case.span).line_col().0;
        let result = match run_case(model, case, load) {
            Ok((outcome, failures, expectations)) => {
                mark(model, &outcome, &mut coverage);
                CaseResult {
                    name: case.name.node.clone(),
                    line,
                    passed: failures.is_empty(),
                    failures,
                    expectations,
                    error: None,
                }
            }
            Err(message) => CaseResult {
                name: case.name.node.clone(),
                line,
                passed: false,
                failures: vec![message.clone()],
                expectations: Vec::new(),
                error: Some(message),
            },
        };
        results.push(result);
    }
    (results, coverage)
}

fn literal_raw(lit: &Literal) -> Raw {
    match lit {
        Literal::Number { value, percent: true } => {
            Raw::Text(format!("{}%", (*value * Decimal::ONE_HUNDRED).normalize()))
        }
        Literal::Number { value, .. } => Raw::Number(value.to_string()),
        Literal::Text(t) => Raw::Text(t.clone()),
        Literal::Bool(b) => Raw::Bool(*b),
    }
}

/// The case's data: its data file (or an empty unit named after the case) with the
/// case's `设` changes applied.
fn case_data(model: &Model, case: &TestCase, load: &DataLoader) -> Result<(String, Raw), String> {
    let (file, mut raw) = match &case.data {
        Some(path) => {
            let (name, text) = load(&path.node)?;
            let text = text.strip_prefix('\u{FEFF}').unwrap_or(&text).to_owned();
            let raw = if name.to_ascii_lowercase().ends_with(".json") {
                data::parse_json(&text)
            } else {
                data::parse_toml(&text)
            }
            .map_err(|p| format!("数据文件 {name}：{p}"))?;
            (name, raw)
        }
        None => ("（测试内的数据）".to_owned(), Raw::Table(Vec::new())),
    };
    if case.data.is_none() {
        data::set_path(&mut raw, &["单位名称".to_owned()], Raw::Text(case.name.node.clone()));
    }
    for set in &case.sets {
        let path = &set.path.node;
        match path.as_slice() {
            [key] if key == "单位名称" => {}
            [key] => match model.data_keys.get(key) {
                // The base data may spell the input by another of its names.
                Some(target) => {
                    for (other, t) in &model.data_keys {
                        if t == target {
                            data::remove_everywhere(&mut raw, other);
                        }
                    }
                }
                None => return Err(format!("`设 {key}`：`{key}` 不是规则文件声明的输入")),
            },
            [table, name] if table == "评审" => {
                if !model.review_leaves.iter().any(|&l| &model.nodes[l].name == name) {
                    return Err(format!("`设 评审.{name}`：`{name}` 不是评审打分的指标"));
                }
            }
            [table, ..] if table == "自评" => {}
            _ => return Err(format!("`设 {}`：无法识别的数据字段", path.join("."))),
        }
        data::set_path(&mut raw, path, literal_raw(&set.value.node));
    }
    Ok((file, raw))
}

/// A case's outcome, the failures' lines and every expectation.
type CaseRun = (Outcome, Vec<String>, Vec<Expectation>);

fn run_case(model: &Model, case: &TestCase, load: &DataLoader) -> Result<CaseRun, String> {
    let (file, raw) = case_data(model, case, load)?;
    let record = data::bind(model, &raw, &file).map_err(|e| format!("数据有误：{e}"))?;
    let outcome = eval::evaluate(model, &record).map_err(|e| format!("无法评价：{e}"))?;
    let ev = crate::report::build(model, &record, &outcome, true);
    let mut failures = Vec::new();
    let mut expectations = Vec::new();
    for expect in &case.expects {
        let want = expect.text.node.trim_matches(['“', '”']);
        let want = match want {
            "true" => "是",
            "false" => "否",
            w => w,
        };
        let (label, got, agrees, explain_of) = match &expect.subject.node {
            // `期望 等级 = 不完整`: no grade, because some indicator has no score.
            ExpectSubject::Grade => match &ev.grade {
                Some(g) => ("等级".to_owned(), g.clone(), g == want, None),
                None => ("等级".to_owned(), INCOMPLETE.to_owned(), want == INCOMPLETE, None),
            },
            ExpectSubject::Value(name) if name == "总分" => match &ev.total {
                Some(total) => {
                    let ok = compare_stated(want, total.clone(), None).is_some_and(|c| c.agrees);
                    (name.clone(), total.to_string(), ok, None)
                }
                None => (name.clone(), ev.total_display.clone(), want == INCOMPLETE, None),
            },
            ExpectSubject::Value(name) => match model.computed.iter().find(|c| &c.name == name) {
                Some(c) => {
                    let value = &outcome.slots[c.slot];
                    let (got, ok) = match value {
                        Value::Num(n) => (
                            n.to_string(),
                            compare_stated(want, n.clone(), None).is_some_and(|c| c.agrees),
                        ),
                        Value::Bool(b) => {
                            let text = if *b { "是" } else { "否" };
                            (text.to_owned(), text == want)
                        }
                        Value::Text(t) => (t.to_string(), t.as_ref() == want),
                        // `期望 三公经费变动率 = 无法计算`.
                        Value::Undefined(u) => (
                            format!("{}（{}）", crate::model::UNDEFINED_TEXT, u.reason),
                            want == crate::model::UNDEFINED_TEXT,
                        ),
                    };
                    (name.clone(), got, ok, c.indicator.map(|_| name.clone()))
                }
                None => {
                    let message = format!("期望中的 `{name}` 不是有公式的指标或计算值");
                    expectations.push(Expectation {
                        subject: name.clone(),
                        expected: want.to_owned(),
                        actual: message.clone(),
                        exact: None,
                        passed: false,
                    });
                    failures.push(message);
                    continue;
                }
            },
            ExpectSubject::Score(name) => match model.nodes.iter().position(|n| &n.name == name) {
                // `期望 X 得分 = 不适用` / `= 无法计算`.
                Some(i)
                    if matches!(
                        outcome.branches[i],
                        Branch::NotApplicable { .. } | Branch::Unscored { .. }
                    ) =>
                {
                    let shown = ev
                        .indicators
                        .iter()
                        .find(|ind| &ind.name == name)
                        .map(|ind| ind.score_display.clone())
                        .unwrap_or_default();
                    let ok = shown == want;
                    (format!("{name} 得分"), shown, ok, Some(name.clone()))
                }
                Some(i) if outcome.partial.as_ref().is_some_and(|p| p.incomplete[i]) => (
                    format!("{name} 得分"),
                    INCOMPLETE.to_owned(),
                    want == INCOMPLETE,
                    Some(name.clone()),
                ),
                Some(i) => {
                    let score = outcome.scores[i].clone();
                    let ok = compare_stated(want, score.clone(), None).is_some_and(|c| c.agrees);
                    (format!("{name} 得分"), score.to_string(), ok, Some(name.clone()))
                }
                None => {
                    let message = format!("期望中的 `{name}` 不是指标");
                    expectations.push(Expectation {
                        subject: format!("{name} 得分"),
                        expected: want.to_owned(),
                        actual: message.clone(),
                        exact: None,
                        passed: false,
                    });
                    failures.push(message);
                    continue;
                }
            },
        };
        // The actual value the way the expectation was written (`104.01%`, `94.30`: at
        // least two decimals). The failure's text gives a percent so, with its exact value,
        // and any other number exact, unrounded.
        let exact = crate::number::Number::parse_exact_text(&got);
        let percent = want.ends_with('%');
        let (shown, got) = match &exact {
            Some(n) if percent || !n.is_integer() => {
                let decimals = want
                    .trim_end_matches('%')
                    .split('.')
                    .nth(1)
                    .map_or(0, |f| f.len() as u32);
                let shown = crate::numfmt::format_decimal(n.clone(), percent, decimals.max(2));
                let got = if percent {
                    format!("{shown}（精确值 {}）", crate::numfmt::format_exact_approx(n.clone()))
                } else {
                    got
                };
                (shown, got)
            }
            _ => (got.clone(), got),
        };
        expectations.push(Expectation {
            subject: label.clone(),
            expected: want.to_owned(),
            actual: shown,
            exact: exact.map(|n| n.to_string()),
            passed: agrees,
        });
        if agrees {
            continue;
        }
        let mut message = format!("期望 {label} = {want}，实际为 {got}");
        if let Some(ind) = explain_of.and_then(|n| ev.indicators.iter().find(|i| i.name == n)) {
            if let Some(ex) = &ind.explanation {
                if let (Some(s), Some(r)) = (&ex.substituted, &ex.result) {
                    message.push_str(&format!("\n      代入：{s} = {r}"));
                }
                message.push_str(&format!("\n      规则：{}\n      适用：{}", ex.criterion, ex.branch));
            }
        }
        failures.push(message);
    }
    Ok((outcome, failures, expectations))
}

/// Every branch a test could reach, none reached yet.
fn universe(model: &Model) -> Coverage {
    let mut branches = Vec::new();
    for &leaf in &model.leaves {
        let node = &model.nodes[leaf];
        let Some(def) = &node.leaf else { continue };
        for label in branch_labels(model, def) {
            branches.push((node.name.clone(), label, false));
        }
    }
    Coverage {
        branches,
        grades: model.grades.bands.iter().map(|(g, _)| (g.clone(), false)).collect(),
    }
}

fn interval_text(model: &Model, span: crate::source::Span) -> String {
    model
        .source
        .slice(span)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// What `期望 等级 = …` / `期望 总分 = …` says of a unit without a total.
const INCOMPLETE: &str = "不完整";

/// A leaf's branches: its criterion's, then each outcome of its `无法计算时`.
fn branch_labels(model: &Model, leaf: &crate::model::Leaf) -> Vec<String> {
    let mut labels = criterion_labels(model, &leaf.criterion);
    match &leaf.undefined {
        Some(crate::model::UndefinedPolicy::Always(_)) => labels.push("无法计算（按“无法计算时”计分）".into()),
        Some(crate::model::UndefinedPolicy::Cases { arms, .. }) => {
            labels.extend(
                arms.iter()
                    .map(|(c, _)| format!("无法计算，当 {}", interval_text(model, c.span))),
            );
            labels.push("无法计算，其他".into());
        }
        None => {}
    }
    labels
}

fn criterion_labels(model: &Model, criterion: &CCriterion) -> Vec<String> {
    match criterion {
        CCriterion::Deduct { .. } => vec!["未超过基准（满分）".into(), "部分扣分".into(), "扣完（0 分）".into()],
        CCriterion::Ratio { .. } => vec!["达到目标（满分）".into(), "按比例计分".into()],
        CCriterion::Bands { bands, .. } => bands
            .iter()
            .map(|(i, _)| format!("分档 {}", interval_text(model, i.span)))
            .collect(),
        CCriterion::Pass { .. } => vec!["条件成立".into(), "条件不成立".into()],
        CCriterion::Cases { arms, .. } => {
            let mut v: Vec<String> = arms
                .iter()
                .map(|(c, _)| format!("当 {}", interval_text(model, c.span)))
                .collect();
            v.push("其他".into());
            v
        }
        CCriterion::Checklist { items } => {
            let mut v = vec!["各项均满足".to_owned()];
            v.extend(
                items
                    .iter()
                    .map(|(c, _)| format!("未满足 {}", interval_text(model, c.span))),
            );
            v
        }
        CCriterion::Review => vec!["评审打分".into()],
        CCriterion::Formula(_) => vec!["公式".into()],
        CCriterion::Invalid => Vec::new(),
    }
}

/// Marks the branches this outcome reached.
fn mark(model: &Model, outcome: &Outcome, coverage: &mut Coverage) {
    let mut offset = 0;
    for &leaf in &model.leaves {
        let node = &model.nodes[leaf];
        let Some(def) = &node.leaf else { continue };
        let count = branch_labels(model, def).len();
        let hit: Vec<usize> = match (&def.criterion, &outcome.branches[leaf]) {
            (_, Branch::DeductNone { .. }) => vec![0],
            (_, Branch::Deducted { .. }) if outcome.scores[leaf].is_zero() => vec![2],
            (_, Branch::Deducted { .. }) => vec![1],
            (_, Branch::Ratio { capped, .. }) => vec![if *capped { 0 } else { 1 }],
            (_, Branch::Band { band, .. }) => vec![*band],
            (_, Branch::Pass { held }) => vec![if *held { 0 } else { 1 }],
            (CCriterion::Cases { arms, .. }, Branch::Case { arm }) => vec![arm.unwrap_or(arms.len())],
            (_, Branch::Checklist { failed }) if failed.is_empty() => vec![0],
            (_, Branch::Checklist { failed }) => failed.iter().map(|f| f + 1).collect(),
            (_, Branch::Review | Branch::Formula) => vec![0],
            // After the criterion's labels: the policy's outcome (or case) that applied.
            (_, Branch::Undefined { arm, .. } | Branch::NotApplicable { arm, .. }) => {
                let criterion = criterion_labels(model, &def.criterion).len();
                let arms = match &def.undefined {
                    Some(crate::model::UndefinedPolicy::Cases { arms, .. }) => arms.len(),
                    _ => 0,
                };
                vec![criterion + arm.unwrap_or(arms)]
            }
            _ => Vec::new(),
        };
        for h in hit {
            if h < count {
                coverage.branches[offset + h].2 = true;
            }
        }
        offset += count;
    }
    if let Some(g) = outcome.grade.and_then(|g| coverage.grades.get_mut(g)) {
        g.1 = true;
    }
}
