//! The pest parser generated from `grammar/jixiao.pest`. Private to `syntax`.

#[derive(pest_derive::Parser)]
#[grammar = "../grammar/jixiao.pest"]
pub(crate) struct RulesParser;
