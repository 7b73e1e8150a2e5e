//! 逐年对比: the same units' results in two or more years, each year evaluated under its
//! own rules and its own data (unlike [`crate::diff`], which scores one year's data under
//! two rule sets).
//!
//! ```text
//! saved JSON results ──read::read_results──┐
//!                                          ├──▶ YearResults per year ──compare::compare──▶ TrendReport
//! rules + data ──evaluated::evaluate_year──┘        (+ names::NameTable)        │
//!                                      render (text, CSV, XLSX), html, chart::trend ◀┘
//! ```
//!
//! Units are matched across years by name, compared after [`names::normalise`] (spaces
//! and full-width/half-width forms do not count); a [`names::NameTable`] names the units
//! that were renamed. A unit found in only some years, or whose name is not unique in a
//! year, is kept and said so, never dropped. Every figure is exact ([`Number`]) and
//! rounded 四舍五入 only where it is written, at the year's score precision.

pub mod compare;
pub mod evaluated;
pub mod html;
pub mod names;
pub mod read;
pub mod render;

use jixiao::number::Number;
use serde::Serialize;

pub use compare::compare;
pub use names::NameTable;

/// One year's results, whatever they were read from.
#[derive(Debug, Clone, PartialEq)]
pub struct YearResults {
    pub year: u32,
    pub title: String,
    pub issuer: String,
    /// The rule file's name (never a path).
    pub rules_file: String,
    pub rules_sha256: String,
    /// Where the results came from: a result file's name, or the rule file and data files.
    pub source: String,
    /// Decimals scores are written with (`得分精度`; inferred from the written totals for
    /// saved results, which do not carry it).
    pub score_precision: u32,
    /// The grades, best first.
    pub grades: Vec<String>,
    /// Whether `grades` came from the rule file; else from the units' grades and totals
    /// (saved results name no grade bands), holding only grades some unit got.
    pub grades_from_rules: bool,
    /// The 一级 categories and their 分值; `None` when no unit's result shows them (every
    /// unit in error).
    pub categories: Option<Vec<(String, Number)>>,
    pub units: Vec<YearUnit>,
}

/// One unit in one year.
#[derive(Debug, Clone, PartialEq)]
pub struct YearUnit {
    /// Position in that year's input, 1-based.
    pub number: usize,
    /// Where its data came from (`units.csv 第 2 行`).
    pub source: String,
    pub name: String,
    /// Its scores, or why it could not be evaluated.
    pub outcome: Result<Scores, String>,
}

/// What a unit's evaluation says that a trend compares.
#[derive(Debug, Clone, PartialEq)]
pub struct Scores {
    /// `None` when the total is incomplete (不完整).
    pub total: Option<Number>,
    /// `94.30`, or `不完整（已得 …）`.
    pub total_display: String,
    pub grade: Option<String>,
    /// What the grade bands compared (the total, or the rate × 满分 under 按得分率定级).
    pub graded: Option<Number>,
    /// Each 一级 category: name and score rate (subtotal ÷ applicable 分值; `None`
    /// without a subtotal).
    pub rates: Vec<(String, Option<Number>)>,
}

/// `正常`: a total and a grade.
pub const STATUS_OK: &str = "正常";
/// `不完整`: evaluated, but without a total.
pub const STATUS_INCOMPLETE: &str = "不完整";
/// `错误`: could not be evaluated.
pub const STATUS_ERROR: &str = "错误";
/// `无结果`: the unit is not in that year's results.
pub const STATUS_ABSENT: &str = "无结果";

/// The comparison; its JSON form is what `jixiao trend --format json` prints
/// (docs/schema/trend.schema.json).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TrendReport {
    /// The JSON contract's version (`jixiao::JSON_VERSION`), first.
    pub version: u32,
    /// The years, oldest first.
    pub years: Vec<YearSummary>,
    /// The 一级 categories of any year; `rates` of every unit-year are in this order.
    pub categories: Vec<TrendCategory>,
    /// Every unit of every year, none left out: the latest year's order, then units
    /// found only in earlier years.
    pub units: Vec<TrendUnit>,
    /// Units with a result in every year.
    pub matched: usize,
    /// Units matched through the name table, or whose name is written differently.
    pub renamed: usize,
    /// The name table used, if any (its file name).
    pub names_file: Option<String>,
    /// What the reader should know: names the table gives that no result has, titles
    /// that differ between years, names that are not unique in a year.
    pub warnings: Vec<String>,
}

/// One year of the city.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct YearSummary {
    pub year: u32,
    pub title: String,
    pub issuer: String,
    pub rules_file: String,
    pub rules_sha256: String,
    pub source: String,
    pub score_precision: u32,
    pub units: usize,
    /// Units with a total and a grade.
    pub evaluated: usize,
    pub incomplete: usize,
    pub errors: usize,
    /// Units with a result only in this year.
    pub only_this_year: usize,
    /// The grades best first, each with its count among the evaluated units.
    pub grades: Vec<GradeCount>,
    /// Whether the grades' order came from the rule file (else from the units' totals).
    pub grades_from_rules: bool,
    /// The evaluated units' totals: lowest, quartiles, median, highest (exact); `None`
    /// without an evaluated unit.
    pub totals: Option<Spread>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct GradeCount {
    pub name: String,
    pub count: usize,
}

/// Lowest, lower quartile, median, upper quartile and highest of a set of figures
/// (linear interpolation between order statistics, as the summary charts use), exact,
/// with the median as written.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Spread {
    pub min: Number,
    pub q1: Number,
    pub median: Number,
    pub q3: Number,
    pub max: Number,
    /// The median 四舍五入 at the year's score precision (a percent for rates).
    pub median_display: String,
}

/// A 一级 category across the years.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TrendCategory {
    pub name: String,
    /// Its 分值 in each year (oldest first); `None` where that year's rules have no 一级
    /// category of this name.
    #[serde(serialize_with = "numbers")]
    pub weights: Vec<Option<Number>>,
    /// Whether every year has it: only then are its rates compared.
    pub comparable: bool,
    /// The evaluated units' score rates in each year; `None` where none has one.
    pub medians: Vec<Option<Spread>>,
}

/// A unit across the years.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TrendUnit {
    /// Its name in the latest year it has a result.
    pub unit: String,
    /// One entry per year, oldest first (`无结果` where it has none).
    pub years: Vec<UnitYear>,
    /// From each year to the next.
    pub changes: Vec<Change>,
    /// Whether it has a result in every year.
    pub matched: bool,
    /// Whether its name is written differently in some year (or the name table matched it).
    pub renamed: bool,
    /// Why it could not be matched, when that is the case (`2022 年度有 2 个同名单位`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A unit in one year.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct UnitYear {
    pub year: u32,
    /// `正常`, `不完整`, `错误` or `无结果`.
    pub status: &'static str,
    /// Its name as that year's results write it.
    pub name: Option<String>,
    pub number: Option<usize>,
    pub source: Option<String>,
    #[serde(with = "jixiao::number::serde_option")]
    pub total: Option<Number>,
    pub total_display: Option<String>,
    pub grade: Option<String>,
    /// Why it has no total: the error, or the incomplete total as written.
    pub reason: Option<String>,
    /// Its score rate in each of the report's categories (`TrendReport::categories`);
    /// `null` where that year's rules lack the category or the unit has no result.
    pub rates: Vec<Option<Rate>>,
}

/// A category's score rate for one unit in one year.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Rate {
    /// Subtotal ÷ 分值 (exact); `None` without a subtotal.
    #[serde(with = "jixiao::number::serde_option")]
    pub rate: Option<Number>,
    /// `91.97%` at the year's score precision, or `无小计`.
    pub display: String,
}

/// A unit's change from one year to the next.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Change {
    pub from: u32,
    pub to: u32,
    /// `to`'s total − `from`'s total (exact); `None` unless both are final.
    #[serde(with = "jixiao::number::serde_option")]
    pub delta: Option<Number>,
    /// `+1.00` at the later year's score precision.
    pub delta_display: Option<String>,
    pub grade_from: Option<String>,
    pub grade_to: Option<String>,
    /// `升`, `降`, `不变`, or `变化` (the grades are not in one known order); `None`
    /// unless both years have a grade.
    pub grade_change: Option<&'static str>,
    /// Why there is no change: the years without a total.
    pub reason: Option<String>,
}

impl TrendReport {
    /// The years' numbers, oldest first.
    pub fn year_numbers(&self) -> Vec<u32> {
        self.years.iter().map(|y| y.year).collect()
    }

    /// `2021—2022` (or `2021—2023` for more years).
    pub fn span(&self) -> String {
        match (self.years.first(), self.years.last()) {
            (Some(a), Some(b)) => format!("{}—{}", a.year, b.year),
            _ => String::new(),
        }
    }

    /// The latest year's title (the rule sets' names may change between years).
    pub fn title(&self) -> &str {
        self.years.last().map_or("", |y| y.title.as_str())
    }
}

impl TrendUnit {
    /// The last change (between the two latest years), which tables sort by.
    pub fn last_change(&self) -> Option<&Change> {
        self.changes.last()
    }
}

/// `Vec<Option<Number>>` as exact texts and nulls.
fn numbers<S: serde::Serializer>(v: &[Option<Number>], s: S) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeSeq;
    let mut seq = s.serialize_seq(Some(v.len()))?;
    for x in v {
        seq.serialize_element(&x.as_ref().map(ToString::to_string))?;
    }
    seq.end()
}
