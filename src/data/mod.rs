//! A unit's data (TOML or JSON) → a [`Record`] bound to a [`Model`](crate::model::Model)'s slots.
//!
//! Numbers never pass through binary floating point: TOML numbers are read from
//! their source text, JSON numbers through serde_json's `arbitrary_precision`.
//! Every problem of a unit is collected and reported together.
//!
//! `read` parses TOML and JSON into a [`Raw`] tree; `bind` binds a tree to a model's
//! inputs; `values` reads one value (numbers, percents, 未填报); `targets` reads and judges
//! performance targets; `tree` edits [`Raw`] trees (the batch readers' dotted headers).

mod bind;
mod read;
mod targets;
mod tree;
mod values;

pub use bind::{bind, bind_cells, bind_with, check_value};
pub(crate) use read::json_value;
pub use read::{parse_json, parse_toml};
pub use targets::parse_quantity;
pub use tree::{dedup_keys, insert_nested, remove_everywhere, set_path};
pub use values::{convert_plain_number, convert_text, parse_decimal, parse_percent_text};

use rust_decimal::Decimal;

use crate::model::Value;
use crate::number::Number;

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
    /// One score per reviewer-scored indicator ([`Model::review_leaves`](crate::model::Model::review_leaves)); `None` only
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

/// Keys that give the unit's name (also accepted as spreadsheet column headers).
pub const UNIT_NAME_KEYS: &[&str] = &["单位名称", "单位", "unit"];
/// The table of reviewer scores (`评审.经济效益` as a column header).
pub const REVIEW_KEYS: &[&str] = &["评审", "review"];
/// The table of the unit's own evaluation (`自评.总分` as a column header).
pub const STATED_KEYS: &[&str] = &["自评", "self_evaluation"];

/// How [`bind_with`] treats what is missing or wrong.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BindOptions {
    /// `--partial`: a missing or unreadable input (or review score) does not stop the
    /// unit; it is 无法计算 (cause [`crate::model::UndefinedCause::Missing`]), so are the values and
    /// scores that need it, and the problem is set aside as a 警告. Still errors: no unit
    /// name, a file that is not a table, a malformed target list.
    pub partial: bool,
}
