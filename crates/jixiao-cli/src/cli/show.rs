//! `jixiao show RULES`: the rule set after every `基于` change is applied.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

#[derive(Args)]
pub struct ShowArgs {
    /// 规则文件 (.jx)
    #[arg(value_name = "规则文件")]
    pub rules: PathBuf,
}

pub fn run(args: ShowArgs) -> miette::Result<ExitCode> {
    let text = super::read_text(&args.rules)?;
    let name = args.rules.display().to_string();
    let source = jixiao::source::SourceFile::new(&name, &text);
    let merged = jixiao::inherit::resolve(&source, &super::file_loader).map_err(|e| match e {
        jixiao::diagnostics::LoadError::Syntax(s) => miette::Report::new(*s),
        jixiao::diagnostics::LoadError::Check(c) => miette::Report::new(c),
    })?;
    crate::write_stdout(&merged.text)?;
    Ok(ExitCode::SUCCESS)
}
