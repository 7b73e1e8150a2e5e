//! `jixiao lsp`: the language server for editors, on standard input and output
//! (crates/jixiao-lsp; docs/editor.md).

use std::process::ExitCode;

use clap::Args;

#[derive(Args)]
pub struct LspArgs {
    /// 经标准输入输出通信（默认，也是唯一的方式；为兼容编辑器插件传入的参数）
    #[arg(long)]
    pub stdio: bool,
}

pub fn run(_args: LspArgs) -> miette::Result<ExitCode> {
    jixiao_lsp::run_stdio().map_err(|e| miette::miette!("语言服务器出错：{e}"))?;
    Ok(ExitCode::SUCCESS)
}
