//! # jixiao（绩效）
//!
//! A rule language and engine for 部门整体支出绩效评价 (departmental overall
//! expenditure performance evaluation). A finance bureau writes its yearly indicator
//! system as a rule file; jixiao checks it, compiles it once, and evaluates units'
//! data against it with exact rational arithmetic ([`number::Number`]).
//!
//! Pipeline: text → [`syntax::parse`] → [`ast`] → [`check`] → [`model::Model`] →
//! [`eval::evaluate`] (+ [`data::Record`]) → [`report::Evaluation`].
//!
//! ```
//! let rules = r#"
//!     标题 "示例指标体系"
//!     年度 2021
//!     满分 10
//!     计步 连续
//!     输入 编制人数: 人
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
//! "#;
//! let compiled = jixiao::compile("示例.jx", rules).expect("rules check");
//! let record = jixiao::load_data(&compiled.model, "unit.toml", r#"
//!     "单位名称" = "某单位"
//!     "编制人数" = 100
//!     "实有人数" = 104
//! "#, jixiao::DataFormat::Toml).expect("data binds");
//! let evaluation = jixiao::evaluate(&compiled.model, &record, false).expect("evaluates");
//! assert_eq!(evaluation.indicators[0].display.as_deref(), Some("104.00%"));
//! assert_eq!(evaluation.total.unwrap().to_string(), "8"); // 10 − 4 points × 0.5, exact
//! assert_eq!(evaluation.grade.as_deref(), Some("合格"));
//! ```

mod api;

pub use api::{Error, ErrorKind, InputInfo, InputType, InputValue, Options, Rules, Target, Unit, UnitBuilder};
pub use diagnostics::{DataProblem, DiagnosticRecord, EvalErrorKind, ProblemKind};
pub use number::Number;
pub use report::{Evaluation, JSON_VERSION};

pub mod ast;
pub mod audit;
pub mod check;
pub mod data;
pub mod diagnostics;
pub mod eval;
pub mod format;
pub mod inherit;
pub mod model;
pub mod number;
pub mod numfmt;
pub mod numtext;
pub mod report;
pub mod source;
pub mod syntax;
pub mod testing;

use diagnostics::{CheckError, DataError, EvalError, LoadError};
use model::Model;
use source::SourceFile;

/// A rule file checked and compiled once, ready to evaluate many records.
#[derive(Debug)]
pub struct Compiled {
    pub model: Model,
    /// Warnings the checker found (errors prevent compilation).
    pub warnings: Vec<CheckError>,
    /// The file's `测试` cases (not those of the file it is based on).
    pub tests: Vec<ast::TestCase>,
}

/// Parses, checks and compiles a rule file that has no `基于`.
pub fn compile(name: &str, text: &str) -> Result<Compiled, LoadError> {
    compile_with(name, text, &|_, base| {
        Err(format!("无法读取 `{base}`：这里不能读取其他文件"))
    })
}

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

/// Lower-case hex SHA-256, as printed on reports to tie them to their inputs.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// The formats a single unit's data file may have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataFormat {
    Toml,
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

/// Parses one unit's data file and binds it to the model's inputs.
pub fn load_data(model: &Model, file: &str, text: &str, format: DataFormat) -> Result<data::Record, DataError> {
    load_data_with(model, file, text, format, data::BindOptions::default())
}

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
