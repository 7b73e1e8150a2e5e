//! `jixiao serve`: the web workbench on this machine (see `jixiao_cli::serve`).

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Args;

use jixiao_cli::serve::{self, Config, TOKEN_ENV};

#[derive(Args)]
pub struct ServeArgs {
    /// 规则目录：其中的每个 .jx 文件是一套规则（编号为文件名，不含扩展名）
    #[arg(long, value_name = "目录", default_value = "rules")]
    pub rules: PathBuf,
    /// 监听地址；默认只在本机可访问。用其他地址（如 0.0.0.0:8080）时必须设置 --token
    #[arg(long, value_name = "IP:端口", default_value = "127.0.0.1:8080", value_parser = parse_addr)]
    pub addr: SocketAddr,
    /// 访问令牌（至少 16 个字符）：设置后每个请求都要带上它（请求头 Authorization: Bearer 令牌，或在登录页输入）。
    /// 也可以用环境变量 JIXIAO_TOKEN 设置（不会出现在进程列表中）
    #[arg(long, value_name = "令牌")]
    pub token: Option<String>,
    /// 每个请求最多上传多少 MiB（所有文件合计）
    #[arg(long, value_name = "MiB", default_value_t = 32, value_parser = clap::value_parser!(u32).range(1..=4096))]
    pub max_upload_mb: u32,
    /// 工作簿解压后最多多少 MiB（防止压缩炸弹）
    #[arg(long, value_name = "MiB", default_value_t = 256, value_parser = clap::value_parser!(u32).range(1..=16384))]
    pub max_unzipped_mb: u32,
    /// 每个请求最多多少个单位（行）
    #[arg(long, value_name = "N", default_value_t = 20_000, value_parser = clap::value_parser!(u32).range(1..))]
    pub max_units: u32,
    /// 每个请求最长处理多少秒（含上传）
    #[arg(long, value_name = "秒", default_value_t = 120, value_parser = clap::value_parser!(u32).range(1..=86_400))]
    pub timeout: u32,
    /// 每个请求的上传数据最多用多少秒收完（超时的连接被断开，不再占用排队名额）
    #[arg(long, value_name = "秒", default_value_t = 30, value_parser = clap::value_parser!(u32).range(1..=86_400))]
    pub upload_timeout: u32,
    /// 允许在“规则编辑”页保存规则文件（必须同时设置访问令牌；保存前检查无错误，原版本备份在规则目录的 .jixiao-backup 中）。
    /// 不加时编辑页只读
    #[arg(long)]
    pub allow_edit: bool,
    /// 示例单位目录：其中“规则编号/”子目录里的数据文件用作规则编辑页的评分预览（如 examples）
    #[arg(long, value_name = "目录")]
    pub examples: Option<PathBuf>,
    /// 同时进行的评价数（默认为 CPU 核数；其余请求排队）
    #[arg(short = 'j', long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub jobs: Option<u16>,
}

/// `--addr`: an IP address and a port; what is wrong with anything else, in Chinese.
fn parse_addr(text: &str) -> Result<SocketAddr, String> {
    text.trim().parse().map_err(|_| {
        let what = match text.trim().rsplit_once(':') {
            None => "缺少端口".to_owned(),
            Some((_, port)) if port.parse::<u16>().is_err() => "端口应为 0 到 65535 之间的整数".to_owned(),
            Some(_) => "IP 地址无法识别（要写 IP 地址，不能写主机名；IPv6 地址写在方括号中，如 [::1]:8080）".to_owned(),
        };
        format!(
            "{what}。应写成 IP 地址:端口，例如 127.0.0.1:8080（只在本机访问）或 0.0.0.0:8080（其他机器也能访问，须设置访问令牌）"
        )
    })
}

pub fn run(args: ServeArgs) -> miette::Result<ExitCode> {
    let token = args
        .token
        .or_else(|| std::env::var(TOKEN_ENV).ok())
        .filter(|t| !t.is_empty());
    let mut config = Config::new(&args.rules);
    config.token = token;
    config.max_upload_bytes = args.max_upload_mb as usize * 1024 * 1024;
    config.max_unzipped_bytes = u64::from(args.max_unzipped_mb) * 1024 * 1024;
    config.max_units = args.max_units as usize;
    config.timeout = Duration::from_secs(u64::from(args.timeout));
    config.body_timeout = Duration::from_secs(u64::from(args.upload_timeout));
    if let Some(jobs) = args.jobs {
        config.workers = usize::from(jobs);
    }
    config.allow_edit = args.allow_edit;
    config.examples_dir = args.examples;
    let editable = config.allow_edit;
    let rules = args.rules.display().to_string();
    let guarded = config.token.is_some();
    let result = serve::run(config, args.addr, |addr| {
        let host = if addr.ip().is_unspecified() {
            format!("127.0.0.1:{}", addr.port())
        } else {
            addr.to_string()
        };
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "jixiao 评价工作台已启动：http://{host}/");
        let _ = writeln!(
            out,
            "规则目录：{rules}；{}{}按 Ctrl+C 停止。",
            if guarded {
                "已设置访问令牌；"
            } else {
                "只接受本机访问；"
            },
            if editable {
                "规则编辑页可以保存；"
            } else {
                "规则编辑页只读；"
            }
        );
        let _ = out.flush();
    });
    match result {
        Ok(()) => Ok(ExitCode::SUCCESS),
        Err(message) => {
            eprintln!("错误：{message}");
            Ok(ExitCode::from(1))
        }
    }
}
