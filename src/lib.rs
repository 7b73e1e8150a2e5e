//! # jixiao（绩效）
//!
//! A rule language and engine for 部门整体支出绩效评价 (departmental overall
//! expenditure performance evaluation). A finance bureau writes its yearly indicator
//! system as a rule file; jixiao checks it, compiles it once, and evaluates units'
//! data against it with exact rational arithmetic ([`Number`]: no floating point, no
//! 28-digit cut; rounding is 四舍五入 on the exact value, only where the rule file says).
//!
//! ## Embedding
//!
//! [`Rules`] is a compiled rule file; [`Rules::unit`] builds a unit value by value (each
//! checked as it is set) and [`Rules::evaluate`] returns an [`Evaluation`]: every
//! indicator's value and score, the subtotals, total, grade, cross-checks and, as
//! [`Options`] ask, explanations and the 复核 of the unit's own figures. Errors are
//! [`Error`]s with a matchable [`ErrorKind`] and a stable code.
//!
//! ```
//! use jixiao::{Options, Rules};
//!
//! let rules = Rules::compile("示例.jx", r#"
//!     标题 "示例指标体系"
//!     年度 2021
//!     满分 10
//!     计步 连续
//!     输入 编制人数: 人 { 范围 > 0 }
//!     输入 实有人数: 人
//!     一级 投入 分值 10 {
//!       二级 预算配置 分值 10 {
//!         三级 财政供养人员控制率 分值 10 {
//!           公式 实有人数 / 编制人数
//!           显示 百分比 2
//!           评分 扣分 { 基准 100%  每超过 1 百分点 扣 0.5 }
//!         }
//!       }
//!     }
//!     等级 { 优秀 >= 9  合格 [6, 9)  不合格 < 6 }
//! "#)?;
//! let mut unit = rules.unit("某单位");
//! unit.set("编制人数", 100)?.set("实有人数", 104)?;
//! let evaluation = rules.evaluate(&unit.build(), &Options::default())?;
//! assert_eq!(evaluation.indicators[0].display.as_deref(), Some("104.00%"));
//! assert_eq!(evaluation.total.as_ref().unwrap().to_string(), "8"); // 10 − 4 points × 0.5, exact
//! assert_eq!(evaluation.grade.as_deref(), Some("合格"));
//! // The JSON contract (docs/api.md, docs/schema/evaluation.schema.json):
//! let json = serde_json::to_value(&evaluation).unwrap();
//! assert_eq!(json["version"], jixiao::JSON_VERSION);
//! assert_eq!(json["total_display"], "8.00");
//! # Ok::<(), jixiao::Error>(())
//! ```
//!
//! `examples/embed.rs` is a whole host program. Bindings: `bindings/python` (PyO3),
//! `bindings/wasm` (wasm-bindgen).
//!
//! ## The rest of the crate
//!
//! The pipeline's stages (text → `syntax` → `ast` → `check` → `model` → `eval` →
//! [`report`]) are public only for this workspace's own crates (`jixiao-io`,
//! `jixiao-cli`) and hidden from these docs: they may change in any release. Build on
//! the items documented here.

#![warn(missing_docs)]

mod api;

pub use api::{
    Error, ErrorKind, EvaluateIter, InputInfo, InputType, InputValue, Options, Rules, Target, Unit, UnitBuilder,
};
pub use diagnostics::{DataProblem, DiagnosticRecord, EvalErrorKind, ProblemKind};
pub use number::Number;
pub use report::{Evaluation, JSON_VERSION};

#[doc(hidden)]
pub mod ast;
mod audit;
#[doc(hidden)]
pub mod check;
#[doc(hidden)]
pub mod data;
pub mod diagnostics;
#[doc(hidden)]
pub mod eval;
#[doc(hidden)]
pub mod format;
#[doc(hidden)]
pub mod inherit;
#[doc(hidden)]
pub mod model;
pub mod number;
#[doc(hidden)]
pub mod numfmt;
mod numtext;
pub mod report;
#[doc(hidden)]
pub mod source;
#[doc(hidden)]
pub mod syntax;
#[doc(hidden)]
pub mod testing;

use diagnostics::{CheckError, DataError, EvalError, LoadError};
use model::Model;
use source::SourceFile;

#[doc(hidden)]
/// A rule file checked and compiled once, ready to evaluate many records.
#[derive(Debug)]
pub struct Compiled {
    pub model: Model,
    /// Warnings the checker found (errors prevent compilation).
    pub warnings: Vec<CheckError>,
    /// The file's `测试` cases (not those of the file it is based on).
    pub tests: Vec<ast::TestCase>,
}

#[doc(hidden)]
/// Parses, checks and compiles a rule file that has no `基于`.
pub fn compile(name: &str, text: &str) -> Result<Compiled, LoadError> {
    compile_with(name, text, &|_, base| {
        Err(format!("无法读取 `{base}`：这里不能读取其他文件"))
    })
}

#[doc(hidden)]
/// Parses, checks and compiles a rule file, reading the files it is `基于` through `load`.
pub fn compile_with(name: &str, text: &str, load: &inherit::Loader) -> Result<Compiled, LoadError> {
    let source = SourceFile::new(name, text);
    let ast = syntax::parse(&source).map_err(LoadError::Syntax)?;
    // Only a file that is `基于` another needs merging (and parsing again); parsing is most
    // of compiling, so a plain file is parsed once.
    let (source, ast) = if ast.base.is_some() {
        let merged = inherit::resolve(&source, load)?;
        let ast = syntax::parse(&merged).map_err(LoadError::Syntax)?;
        (merged, ast)
    } else {
        (source, ast)
    };
    let tests = ast
        .items
        .iter()
        .filter_map(|i| match i {
            ast::Item::Test(t) => Some(t.clone()),
            _ => None,
        })
        .collect();
    let (mut model, warnings) = check::check_all(&source, &ast).map_err(LoadError::Check)?;
    model.sha256 = sha256_hex(text.as_bytes());
    Ok(Compiled { model, warnings, tests })
}

#[doc(hidden)]
/// Lower-case hex SHA-256, as printed on reports to tie them to their inputs.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// The formats a single unit's data file may have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataFormat {
    /// A TOML data file (`.toml`): `"单位名称" = "…"`, one key per input, `[[绩效目标]]`
    /// tables for a target list, `[评审]` and `[自评]` sections.
    Toml,
    /// A JSON data file (`.json`): one object with the same keys as the TOML form.
    Json,
}

impl DataFormat {
    /// Guesses from a file name's extension.
    pub fn from_path(path: &str) -> Option<DataFormat> {
        let lower = path.to_ascii_lowercase();
        if lower.ends_with(".toml") {
            Some(DataFormat::Toml)
        } else if lower.ends_with(".json") {
            Some(DataFormat::Json)
        } else {
            None
        }
    }
}

#[doc(hidden)]
/// Parses one unit's data file and binds it to the model's inputs.
pub fn load_data(model: &Model, file: &str, text: &str, format: DataFormat) -> Result<data::Record, DataError> {
    load_data_with(model, file, text, format, data::BindOptions::default())
}

#[doc(hidden)]
/// [`load_data`] with binding options (`--partial`).
pub fn load_data_with(
    model: &Model,
    file: &str,
    text: &str,
    format: DataFormat,
    options: data::BindOptions,
) -> Result<data::Record, DataError> {
    let sha = sha256_hex(text.as_bytes());
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
    let raw = match format {
        DataFormat::Toml => data::parse_toml(text),
        DataFormat::Json => data::parse_json(text),
    };
    let raw = raw.map_err(|problem: DataProblem| DataError {
        file: file.to_owned(),
        unit: "（未读取）".into(),
        problems: vec![problem],
    })?;
    let mut record = data::bind_with(model, &raw, file, options)?;
    record.source_sha256 = sha;
    Ok(record)
}

#[doc(hidden)]
/// Evaluates one record and builds its report (with explanations if asked).
pub fn evaluate(model: &Model, record: &data::Record, explain: bool) -> Result<report::Evaluation, Box<EvalError>> {
    let outcome = eval::evaluate(model, record)?;
    Ok(report::build(model, record, &outcome, explain))
}

/// The small rule file the API's examples use.
#[doc(hidden)]
pub mod doc_example {
    pub const RULES: &str = r#"
标题 "示例指标体系"
年度 2021
满分 10
计步 连续
输入 编制人数: 人 { 别名 "人员编制"  范围 > 0  说明 "核定编制人数" }
输入 实有人数: 人
一级 投入 分值 10 {
  二级 预算配置 分值 10 {
    三级 财政供养人员控制率 分值 10 {
      公式 实有人数 / 编制人数
      显示 百分比 2
      评分 扣分 { 基准 100%  每超过 1 百分点 扣 0.5 }
    }
  }
}
等级 { 优秀 >= 9  合格 [6, 9)  不合格 < 6 }
"#;
}
