//! # jixiao-io
//!
//! The file side of [jixiao](../jixiao/index.html): everything that reads or writes
//! spreadsheets and reports, kept out of the embeddable core.
//!
//! - [`batch`]: a city's units from CSV or Excel, evaluated row by row (in parallel, in
//!   input order, with the direct evaluator where it applies), written as CSV, JSONL,
//!   XLSX or a printable HTML report;
//! - [`template`]: the fill-in workbook a unit returns, and its read-back;
//! - [`diff`]: two rule sets compared — the rule changes and their effect on each unit;
//! - [`trend`]: 逐年对比 — the same units' results over several years, each year under its
//!   own rules and data;
//! - [`text`]: the Chinese terminal report of one evaluation;
//! - [`words`]: how an indicator is scored, in words (the workbench's pages).

pub mod batch;
pub mod chart;
pub mod diff;
pub mod sheet_print;
pub mod template;
pub mod text;
pub mod trend;
pub mod words;
