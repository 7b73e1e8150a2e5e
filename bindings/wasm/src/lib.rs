//! jixiao（绩效）for WebAssembly: check, compile and evaluate rule files in the browser or
//! Node, returning the JSON of `jixiao eval --format json`. See `README.md` here.
//!
//! JavaScript API (wasm-bindgen):
//!
//! - `check(ruleText, name?, bases?)` → `{ok, title, year, diagnostics, rendered}`;
//! - `new Rules(ruleText, name?, bases?)`, throwing an `Error` with `code`, `kind`,
//!   `diagnostics`, `rendered`; `rules.title`, `rules.year`, `rules.warnings()`,
//!   `rules.inputs()`;
//! - `rules.evaluate(unit, options?)` → the evaluation (`"version": 1`), throwing an `Error`
//!   with `code`, `kind`, `unit`, `problems` for bad data;
//! - `rules.evaluateMany(units, options?)` → `[{status, unit, evaluation | error}]`.
//!
//! `unit` is an object shaped like a `.json` data file (turned into text by
//! `JSON.stringify`) or the text of one (`options.format: "toml"` for TOML text).

mod bridge;

pub use bridge::{Bases, CheckReport, ErrorInfo, EvalOptions, ManyEntry, DEFAULT_RULES_NAME, INVALID_ARGUMENT};

use serde::Serialize;
use wasm_bindgen::prelude::*;

/// A value as JavaScript data, through JSON text (exact numbers stay strings).
fn to_js<T: Serialize>(value: &T) -> Result<JsValue, JsValue> {
    let text = serde_json::to_string(value).map_err(|e| js_error(&ErrorInfo::argument(e.to_string())))?;
    js_sys::JSON::parse(&text)
}

/// A JavaScript `Error` whose `message` is the Chinese message, with the other fields of
/// [`ErrorInfo`] as properties.
fn js_error(info: &ErrorInfo) -> JsValue {
    let error = js_sys::Error::new(&info.message);
    error.set_name("JixiaoError");
    if let Ok(serde_json::Value::Object(fields)) = serde_json::to_value(info) {
        for (key, value) in fields {
            if key == "message" {
                continue;
            }
            if let Ok(value) = js_sys::JSON::parse(&value.to_string()) {
                let _ = js_sys::Reflect::set(&error, &JsValue::from_str(&key), &value);
            }
        }
    }
    error.into()
}

/// JavaScript data as JSON text: a string as it is, anything else through `JSON.stringify`.
fn json_text(value: &JsValue, what: &str) -> Result<String, Box<ErrorInfo>> {
    if let Some(text) = value.as_string() {
        return Ok(text);
    }
    if value.is_undefined() || value.is_function() || value.is_symbol() {
        return Err(ErrorInfo::argument(format!("{what}应为对象或 JSON 文本")));
    }
    js_sys::JSON::stringify(value)
        .ok()
        .and_then(|s| s.as_string())
        .ok_or_else(|| ErrorInfo::argument(format!("{what}无法转换为 JSON（是否有循环引用或 BigInt？）")))
}

fn read_bases(value: Option<JsValue>) -> Result<Bases, JsValue> {
    let Some(value) = value.filter(|v| !v.is_null()) else {
        return Ok(Bases::new());
    };
    let text = json_text(&value, "bases（基于的规则文件）").map_err(|e| js_error(&e))?;
    serde_json::from_str(&text).map_err(|_| {
        js_error(&ErrorInfo::argument(
            "bases 应为 {文件名: 规则文本} 形式的对象，值都是字符串",
        ))
    })
}

fn read_options(value: Option<JsValue>) -> Result<EvalOptions, JsValue> {
    let Some(value) = value.filter(|v| !v.is_null()) else {
        return Ok(EvalOptions::default());
    };
    let text = json_text(&value, "选项（options）").map_err(|e| js_error(&e))?;
    EvalOptions::from_json(&text).map_err(|e| js_error(&e))
}

fn unit_text(value: &JsValue, options: &EvalOptions) -> Result<String, Box<ErrorInfo>> {
    if options.format != "json" && value.as_string().is_none() {
        return Err(ErrorInfo::argument(format!(
            "format 为 \"{}\" 时，单位数据应为文本",
            options.format
        )));
    }
    json_text(value, "单位数据")
}

#[wasm_bindgen(typescript_custom_section)]
const TYPES: &str = r#"
/** One diagnostic of a rule file, as `jixiao check --format json` gives it. */
export interface Diagnostic {
  code: string; severity: "error" | "warning"; message: string; file: string;
  /** 1-based, in characters. */
  line: number; column: number;
  /** Byte offsets in the rule text. */
  start: number; end: number;
  help: string | null;
  labels: { file: string; line: number; column: number; start: number; end: number; text: string }[];
}
export interface CheckReport {
  ok: boolean; title: string | null; year: number | null;
  diagnostics: Diagnostic[];
  /** The diagnostics as plain text with the rule-file excerpt and caret. */
  rendered: string;
}
export interface EvalOptions {
  explain?: boolean; audit?: boolean; partial?: boolean;
  /** The format of a unit given as text (default "json"). */
  format?: "json" | "toml";
  /** The data file's name, for provenance.data_file. */
  file?: string;
}
/** One unit's evaluation: the JSON contract (docs/schema/evaluation.schema.json); exact numbers are strings. */
export interface Evaluation { version: 1; unit: string; complete: boolean; total: string | null; total_display: string; grade: string | null; [key: string]: unknown }
export interface InputInfo { name: string; aliases: string[]; type: { kind: string; unit?: string; categories?: string[] }; ranges: string[]; default: string | null; required: boolean; section: string | null; description: string | null }
export interface DataProblem {
  code: string; kind: string; field: string; value: string | null; message: string;
  location: { line: number; column: number } | null;
  declared_at: { line: number; column: number } | null;
  /** For a rule file `基于` another: the base file declared_at is in (null for the rule file itself). */
  declared_in: string | null;
}
/** The properties of a thrown JixiaoError, and an evaluateMany entry's error. */
export interface ErrorInfo {
  code: string; kind: "syntax" | "check" | "data" | "eval" | "io" | "argument" | "other";
  message: string; unit: string | null; diagnostics: Diagnostic[]; problems: DataProblem[]; rendered: string;
}
export interface ManyEntry { status: "正常" | "不完整" | "错误"; unit: string; evaluation?: Evaluation; error?: ErrorInfo }
"#;

/// Checks a rule file: `{ok, title, year, diagnostics, rendered}`; never throws for a
/// rule file's errors (they are the `diagnostics`).
#[wasm_bindgen(unchecked_return_type = "CheckReport")]
pub fn check(
    #[wasm_bindgen(js_name = ruleText)] rule_text: &str,
    #[wasm_bindgen(unchecked_optional_param_type = "string | null")] name: Option<String>,
    #[wasm_bindgen(unchecked_optional_param_type = "Record<string, string> | null")] bases: Option<JsValue>,
) -> Result<JsValue, JsValue> {
    let bases = read_bases(bases)?;
    let name = name.as_deref().unwrap_or(DEFAULT_RULES_NAME);
    to_js(&bridge::check(rule_text, name, &bases))
}

/// The package's version (the workspace's).
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_owned()
}

/// The version of the evaluation JSON contract (`"version"` in every evaluation).
#[wasm_bindgen(js_name = jsonVersion)]
pub fn json_version() -> u32 {
    jixiao::JSON_VERSION
}

/// A rule file, compiled once.
#[wasm_bindgen(js_name = Rules)]
pub struct JsRules {
    inner: jixiao::Rules,
}

#[wasm_bindgen(js_class = Rules)]
impl JsRules {
    /// Compiles a rule file; throws its first error with all its diagnostics.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(js_name = ruleText)] rule_text: &str,
        #[wasm_bindgen(unchecked_optional_param_type = "string | null")] name: Option<String>,
        #[wasm_bindgen(unchecked_optional_param_type = "Record<string, string> | null")] bases: Option<JsValue>,
    ) -> Result<JsRules, JsValue> {
        let bases = read_bases(bases)?;
        let name = name.as_deref().unwrap_or(DEFAULT_RULES_NAME);
        bridge::compile(rule_text, name, &bases)
            .map(|inner| JsRules { inner })
            .map_err(|e| js_error(&ErrorInfo::of(&e)))
    }

    /// `标题`.
    #[wasm_bindgen(getter)]
    pub fn title(&self) -> String {
        self.inner.title().to_owned()
    }

    /// `年度`.
    #[wasm_bindgen(getter)]
    pub fn year(&self) -> u32 {
        self.inner.year()
    }

    /// `满分`, exact, as text.
    #[wasm_bindgen(getter, js_name = fullMarks)]
    pub fn full_marks(&self) -> String {
        self.inner.full_marks().to_string()
    }

    /// The checker's warnings, as `check()` gives them.
    #[wasm_bindgen(unchecked_return_type = "Diagnostic[]")]
    pub fn warnings(&self) -> Result<JsValue, JsValue> {
        to_js(&self.inner.warnings())
    }

    /// The figures a unit reports: name, aliases, type, ranges, default, required, section,
    /// description.
    #[wasm_bindgen(unchecked_return_type = "InputInfo[]")]
    pub fn inputs(&self) -> Result<JsValue, JsValue> {
        to_js(&self.inner.inputs())
    }

    /// Evaluates one unit; throws for bad data (`code` `jixiao::data::…`, `problems`).
    #[wasm_bindgen(unchecked_return_type = "Evaluation")]
    pub fn evaluate(
        &self,
        #[wasm_bindgen(unchecked_param_type = "object | string")] unit: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "EvalOptions | null")] options: Option<JsValue>,
    ) -> Result<JsValue, JsValue> {
        let options = read_options(options)?;
        let text = unit_text(&unit, &options).map_err(|e| js_error(&e))?;
        let json = bridge::evaluate(&self.inner, &text, &options).map_err(|e| js_error(&e))?;
        js_sys::JSON::parse(&json)
    }

    /// Evaluates every unit of an array, in order: `[{status, unit, evaluation | error}]`.
    /// Throws only when `units` is not an array or the options are wrong.
    #[wasm_bindgen(js_name = evaluateMany, unchecked_return_type = "ManyEntry[]")]
    pub fn evaluate_many(
        &self,
        #[wasm_bindgen(unchecked_param_type = "(object | string)[]")] units: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "EvalOptions | null")] options: Option<JsValue>,
    ) -> Result<JsValue, JsValue> {
        let options = read_options(options)?;
        if !js_sys::Array::is_array(&units) {
            return Err(js_error(&ErrorInfo::argument("units 应为数组")));
        }
        let texts: Vec<Result<String, Box<ErrorInfo>>> = js_sys::Array::from(&units)
            .iter()
            .map(|unit| unit_text(&unit, &options))
            .collect();
        to_js(&bridge::evaluate_many(&self.inner, &texts, &options))
    }
}
