//! What the JavaScript functions do, on strings and serde values, so that it builds and is
//! tested on the host as well (`cargo test -p jixiao-wasm`); `lib.rs` only moves values
//! across the wasm-bindgen boundary.
//!
//! Everything goes out as JSON text that the JavaScript side parses with `JSON.parse`:
//! exact numbers stay the strings the JSON contract gives them (`"3696.83"`, `"167/44"`).

use std::collections::BTreeMap;

use jixiao::{DataFormat, DataProblem, DiagnosticRecord, Error, ErrorKind, Options, Rules, Unit};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The name a rule file gets in diagnostics and `provenance.rules_file` when none is given.
pub const DEFAULT_RULES_NAME: &str = "规则.jx";

/// The code of an error in the arguments themselves (not a rule file's or a unit's).
pub const INVALID_ARGUMENT: &str = "jixiao::wasm::invalid_argument";

/// The texts of the files a rule file is `基于`, by the name it gives them.
pub type Bases = BTreeMap<String, String>;

/// Compiles rule text; its `基于` files are looked up in `bases` by their path next to the
/// file that names them (`rules/` + `base.jx`, as `jixiao` reads them), then by the name
/// written. Either way the base is named by that path, as the CLI names it (in
/// `provenance.rules_file` and diagnostics).
pub fn compile(text: &str, name: &str, bases: &Bases) -> Result<Rules, Error> {
    Rules::compile_with_loader(name, text, |from, base| {
        let path = match from.rsplit_once('/') {
            Some((dir, _)) => format!("{dir}/{base}"),
            None => base.to_owned(),
        };
        if let Some(text) = bases.get(&path).or_else(|| bases.get(base)) {
            return Ok((path, text.clone()));
        }
        Err(format!(
            "没有提供这个文件：在第三个参数中给出它的文本，如 {{\"{base}\": 文本}}"
        ))
    })
}

/// `check()`: whether the rule file compiles, with every diagnostic (errors, or the
/// warnings of a file that compiles) as data and as the plain text `jixiao check` prints.
#[derive(Debug, Serialize)]
pub struct CheckReport {
    pub ok: bool,
    pub title: Option<String>,
    pub year: Option<u32>,
    pub diagnostics: Vec<DiagnosticRecord>,
    pub rendered: String,
}

pub fn check(text: &str, name: &str, bases: &Bases) -> CheckReport {
    match compile(text, name, bases) {
        Ok(rules) => CheckReport {
            ok: true,
            title: Some(rules.title().to_owned()),
            year: Some(rules.year()),
            diagnostics: rules.warnings(),
            rendered: rules.render_warnings().join("\n"),
        },
        Err(e) => CheckReport {
            ok: false,
            title: None,
            year: None,
            diagnostics: e.diagnostics(),
            rendered: e.render(),
        },
    }
}

/// An error as the JavaScript side sees it: the properties of the thrown `Error` (whose
/// `message` is the Chinese message), or the `error` of an `evaluateMany` entry.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ErrorInfo {
    /// Stable: `jixiao::syntax`, `jixiao::check::…`, `jixiao::data::…`, `jixiao::eval::…`,
    /// or [`INVALID_ARGUMENT`].
    pub code: String,
    /// `syntax`, `check`, `data`, `eval`, `io` or `argument`.
    pub kind: &'static str,
    pub message: String,
    /// The unit a data or evaluation error is about.
    pub unit: Option<String>,
    /// A rule file's diagnostics (syntax and check errors).
    pub diagnostics: Vec<DiagnosticRecord>,
    /// A unit's data problems, every one of them.
    pub problems: Vec<Problem>,
    /// The whole diagnostic as plain text, with the rule-file excerpt and caret.
    pub rendered: String,
}

/// One [`DataProblem`].
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Problem {
    /// `jixiao::data::out_of_range` …
    pub code: &'static str,
    /// The code's last part: `out_of_range` …
    pub kind: &'static str,
    pub field: String,
    pub value: Option<String>,
    pub message: String,
    /// Where in the data text, when known.
    pub location: Option<Place>,
    /// The input's declaration in the rule file, when it is declared there.
    pub declared_at: Option<Place>,
    /// For a rule file `基于` another: the base file `declared_at` is in (null for the
    /// rule file itself).
    pub declared_in: Option<String>,
}

#[derive(Debug, Clone, Copy, Serialize, PartialEq)]
pub struct Place {
    pub line: usize,
    pub column: usize,
}

impl Problem {
    fn of(p: &DataProblem) -> Problem {
        let code = p.kind.code();
        Problem {
            code,
            kind: code.rsplit("::").next().unwrap_or(code),
            field: p.field.clone(),
            value: p.value.clone(),
            message: p.message.clone(),
            location: p.location.map(|(line, column)| Place { line, column }),
            declared_at: p.declared_at.map(|(line, column)| Place { line, column }),
            declared_in: p.declared_in.clone(),
        }
    }
}

impl ErrorInfo {
    pub fn of(e: &Error) -> Box<ErrorInfo> {
        let kind = match e.kind() {
            ErrorKind::Io => "io",
            ErrorKind::Syntax => "syntax",
            ErrorKind::Check => "check",
            ErrorKind::Data(_) => "data",
            ErrorKind::Eval(_) => "eval",
            _ => "other",
        };
        let unit = match e {
            Error::Data(d) => Some(d.unit.clone()),
            _ => None,
        };
        Box::new(ErrorInfo {
            code: e.code().to_owned(),
            kind,
            message: e.to_string(),
            unit,
            diagnostics: e.diagnostics(),
            problems: e.problems().iter().map(Problem::of).collect(),
            rendered: e.render(),
        })
    }

    pub fn argument(message: impl Into<String>) -> Box<ErrorInfo> {
        let message = message.into();
        Box::new(ErrorInfo {
            code: INVALID_ARGUMENT.to_owned(),
            kind: "argument",
            rendered: message.clone(),
            message,
            unit: None,
            diagnostics: Vec::new(),
            problems: Vec::new(),
        })
    }
}

/// The options of `evaluate` and `evaluateMany`; unknown keys are refused (a misspelt
/// `explian` would otherwise be silently off).
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct EvalOptions {
    /// Every indicator's explanation (`--explain`).
    pub explain: bool,
    /// The 复核 of the unit's own figures (on unless `false`).
    pub audit: bool,
    /// Partial evaluation (`--partial`).
    pub partial: bool,
    /// The format of a unit given as text: `json` (the default) or `toml`.
    pub format: String,
    /// The data file's name, for `provenance.data_file` (default `程序传入的数据`).
    pub file: Option<String>,
}

impl Default for EvalOptions {
    fn default() -> Self {
        EvalOptions {
            explain: false,
            audit: true,
            partial: false,
            format: "json".into(),
            file: None,
        }
    }
}

impl EvalOptions {
    /// Options from their JSON text (`null` for the defaults).
    pub fn from_json(text: &str) -> Result<EvalOptions, Box<ErrorInfo>> {
        let options: Option<EvalOptions> = serde_json::from_str(text).map_err(|e| {
            ErrorInfo::argument(format!(
                "选项（options）有误：{e}；可用的选项是 explain、audit、partial、format、file"
            ))
        })?;
        let options = options.unwrap_or_default();
        options.data_format()?;
        Ok(options)
    }

    pub fn data_format(&self) -> Result<DataFormat, Box<ErrorInfo>> {
        match self.format.as_str() {
            "json" => Ok(DataFormat::Json),
            "toml" => Ok(DataFormat::Toml),
            other => Err(ErrorInfo::argument(format!(
                "选项 format 应为 \"json\" 或 \"toml\"，不是 \"{other}\""
            ))),
        }
    }

    fn options(&self) -> Options {
        Options::default()
            .explain(self.explain)
            .audit(self.audit)
            .partial(self.partial)
    }
}

/// Reads a unit from its text in `options.format`.
pub fn unit(rules: &Rules, text: &str, options: &EvalOptions) -> Result<Unit, Box<ErrorInfo>> {
    let unit = rules
        .unit_from_text(text, options.data_format()?)
        .map_err(|e| ErrorInfo::of(&e))?;
    Ok(match &options.file {
        Some(file) => unit.with_source(file.clone()),
        None => unit,
    })
}

/// `rules.evaluate()`: the evaluation as JSON text, exactly the contract of
/// `jixiao eval --format json` (`"version": 1`).
pub fn evaluate(rules: &Rules, text: &str, options: &EvalOptions) -> Result<String, Box<ErrorInfo>> {
    let unit = unit(rules, text, options)?;
    let evaluation = rules
        .evaluate(&unit, &options.options())
        .map_err(|e| ErrorInfo::of(&e))?;
    serde_json::to_string(&evaluation).map_err(|e| ErrorInfo::argument(e.to_string()))
}

/// One entry of `evaluateMany`.
#[derive(Debug, Serialize)]
pub struct ManyEntry {
    /// `正常`, `不完整` (an evaluation without a total) or `错误` (no evaluation), as
    /// `jixiao serve`'s `/api/evaluate` says it.
    pub status: &'static str,
    pub unit: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evaluation: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorInfo>,
}

/// `rules.evaluateMany()`: every unit in order; one unit's error is its own entry and never
/// stops the others. A unit the JavaScript side could not even turn into text comes here
/// as its error.
pub fn evaluate_many(rules: &Rules, texts: &[Result<String, Box<ErrorInfo>>], options: &EvalOptions) -> Vec<ManyEntry> {
    let failed = |unit: String, error: Box<ErrorInfo>| ManyEntry {
        status: jixiao::report::UNIT_ERROR,
        unit: error.unit.clone().unwrap_or(unit),
        evaluation: None,
        error: Some(*error),
    };
    texts
        .iter()
        .map(|text| {
            let text = match text {
                Ok(text) => text,
                Err(e) => return failed("（未读取）".into(), e.clone()),
            };
            let unit = match unit(rules, text, options) {
                Ok(unit) => unit,
                Err(e) => return failed("（未读取）".into(), e),
            };
            match rules.evaluate(&unit, &options.options()) {
                Ok(evaluation) => ManyEntry {
                    status: evaluation.status(),
                    unit: evaluation.unit.clone(),
                    evaluation: Some(serde_json::to_value(&evaluation).unwrap_or(Value::Null)),
                    error: None,
                },
                Err(e) => failed(unit.to_string(), ErrorInfo::of(&e)),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const RULES: &str = include_str!("../../../rules/yueyang-2021.jx");
    const UNIT: &str = include_str!("../../../examples/yueyang-2021/chengguan-zhifa.toml");

    fn toml() -> EvalOptions {
        EvalOptions {
            format: "toml".into(),
            ..EvalOptions::default()
        }
    }

    #[test]
    fn the_seed_unit_evaluates() {
        let rules = compile(RULES, "rules/yueyang-2021.jx", &Bases::new()).unwrap();
        let json: Value = serde_json::from_str(&evaluate(&rules, UNIT, &toml()).unwrap()).unwrap();
        assert_eq!(json["version"], 1);
        let rate = json["indicators"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["name"] == "财政供养人员控制率")
            .unwrap();
        assert_eq!(rate["display"], "79.31%");
        assert_eq!(json["provenance"]["data_file"], "程序传入的数据");
    }

    #[test]
    fn a_syntax_error_has_its_place() {
        let report = check("标题 \"x\"\n年度 二〇二一\n", "坏.jx", &Bases::new());
        assert!(!report.ok);
        assert_eq!(report.diagnostics[0].code, "jixiao::syntax");
        assert_eq!(report.diagnostics[0].line, 2);
        assert!(report.rendered.contains("坏.jx"), "{}", report.rendered);
    }

    #[test]
    fn options_are_checked() {
        assert_eq!(EvalOptions::from_json("null").unwrap(), EvalOptions::default());
        assert!(EvalOptions::from_json(r#"{"explain": true}"#).unwrap().explain);
        let e = EvalOptions::from_json(r#"{"explian": true}"#).unwrap_err();
        assert_eq!(e.code, INVALID_ARGUMENT);
        assert!(EvalOptions::from_json(r#"{"format": "yaml"}"#).is_err());
    }

    #[test]
    fn a_base_file_is_looked_up_next_to_the_file() {
        let edit = "基于 \"base.jx\"\n年度 2022\n";
        let bases = Bases::from([("rules/base.jx".to_owned(), RULES.to_owned())]);
        assert_eq!(compile(edit, "rules/2022.jx", &bases).unwrap().year(), 2022);
        let e = compile(edit, "rules/2022.jx", &Bases::new()).unwrap_err();
        assert!(e.render().contains("base.jx"), "{}", e.render());
    }
}
