//! `jixiao test [PATHS] [--coverage]`: run the `测试` cases of rule files.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, ValueEnum};
use jixiao::testing::{CaseResult, Coverage};

#[derive(Args)]
pub struct TestArgs {
    /// 规则文件或目录（默认 rules/）
    #[arg(value_name = "路径")]
    pub paths: Vec<PathBuf>,
    /// 列出各评分分支、分档和等级是否有测试用例覆盖，并指出没有覆盖的
    #[arg(long)]
    pub coverage: bool,
    /// 输出格式：text（默认，逐个用例）或 json（每个用例的文件、行、每项期望的期望值和实际值；
    /// docs/schema/test.schema.json）
    #[arg(long, value_enum, value_name = "格式", default_value_t = TestFormat::Text)]
    pub format: TestFormat,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TestFormat {
    /// 文字：每个用例一行，未通过的写明期望和实际
    Text,
    /// JSON（docs/schema/test.schema.json）
    Json,
}

pub fn run(args: TestArgs) -> miette::Result<ExitCode> {
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from("rules")]
    } else {
        args.paths
    };
    let mut out = String::new();
    let mut ran: Vec<(String, Vec<CaseResult>, Coverage)> = Vec::new();
    let (mut passed, mut failed, mut files) = (0usize, 0usize, 0usize);
    for path in super::rule_files(&paths)? {
        let text = super::read_text(&path)?;
        if !text.contains("测试") && !text.contains("test") {
            continue;
        }
        let name = path.display().to_string();
        let compiled = jixiao::compile_with(&name, &text, &super::file_loader).map_err(|e| match e {
            jixiao::diagnostics::LoadError::Syntax(s) => miette::Report::new(*s),
            jixiao::diagnostics::LoadError::Check(c) => miette::Report::new(c),
        })?;
        if compiled.tests.is_empty() {
            continue;
        }
        files += 1;
        let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        let load = |rel: &str| -> Result<(String, String), String> {
            let p = dir.join(rel);
            let text = super::read_text(&p).map_err(|e| e.to_string())?;
            Ok((p.display().to_string(), text))
        };
        let (results, coverage) = jixiao::testing::run(&compiled, &load);
        out.push_str(&format!("{name}：{} 个测试\n", results.len()));
        for r in &results {
            if r.passed {
                passed += 1;
                out.push_str(&format!("  ✓ {}\n", r.name));
            } else {
                failed += 1;
                out.push_str(&format!("  ✗ {}（{name} 第 {} 行）\n", r.name, r.line));
                for f in &r.failures {
                    out.push_str(&format!("      {f}\n"));
                }
            }
        }
        if args.coverage {
            out.push_str(&format!(
                "  覆盖：{}/{} 个评分分支、分档和等级\n",
                coverage.reached(),
                coverage.total()
            ));
            for u in coverage.unreached() {
                out.push_str(&format!("    未覆盖 {u}\n"));
            }
        }
        ran.push((name, results, coverage));
    }
    out.push_str(&summary(files, passed, failed));
    if args.format == TestFormat::Json {
        out = json_report(&ran, args.coverage)?;
    }
    crate::write_stdout(&out)?;
    Ok(if failed > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// The closing lines: the count in Chinese, then cargo's own closing line, which CI systems
/// and editors already read (`test result: ok. 129 passed; 0 failed`).
fn summary(files: usize, passed: usize, failed: usize) -> String {
    let total = passed + failed;
    let (chinese, verdict) = if total == 0 {
        ("没有找到测试用例".to_owned(), "ok")
    } else if failed == 0 {
        (format!("{files} 个文件，{total} 个测试：全部通过"), "ok")
    } else {
        (
            format!("{files} 个文件，{total} 个测试：{passed} 个通过，{failed} 个失败"),
            "FAILED",
        )
    };
    format!("\n{chinese}\ntest result: {verdict}. {passed} passed; {failed} failed\n")
}

/// `jixiao test --format json` (docs/schema/test.schema.json).
#[derive(serde::Serialize)]
struct Report<'a> {
    version: u32,
    summary: Summary,
    cases: Vec<Case<'a>>,
    /// Per rule file, with `--coverage`; `null` without.
    coverage: Option<Vec<FileCoverage<'a>>>,
}

#[derive(serde::Serialize)]
struct Summary {
    files: usize,
    cases: usize,
    passed: usize,
    failed: usize,
}

#[derive(serde::Serialize)]
struct Case<'a> {
    file: &'a str,
    line: usize,
    name: &'a str,
    passed: bool,
    /// Why the case could not run at all; then `expectations` is empty.
    error: Option<&'a str>,
    expectations: Vec<Expectation<'a>>,
    /// The failures as the text output writes them (with the explanation that applies).
    failures: &'a [String],
}

#[derive(serde::Serialize)]
struct Expectation<'a> {
    subject: &'a str,
    expected: &'a str,
    actual: &'a str,
    exact: Option<&'a str>,
    passed: bool,
}

#[derive(serde::Serialize)]
struct FileCoverage<'a> {
    file: &'a str,
    reached: usize,
    total: usize,
    branches: Vec<Branch<'a>>,
    grades: Vec<Grade<'a>>,
}

#[derive(serde::Serialize)]
struct Branch<'a> {
    indicator: &'a str,
    branch: &'a str,
    reached: bool,
}

#[derive(serde::Serialize)]
struct Grade<'a> {
    grade: &'a str,
    reached: bool,
}

fn json_report(ran: &[(String, Vec<CaseResult>, Coverage)], coverage: bool) -> miette::Result<String> {
    let cases: Vec<Case> = ran
        .iter()
        .flat_map(|(file, results, _)| {
            results.iter().map(move |r| Case {
                file,
                line: r.line,
                name: &r.name,
                passed: r.passed,
                error: r.error.as_deref(),
                expectations: r
                    .expectations
                    .iter()
                    .map(|e| Expectation {
                        subject: &e.subject,
                        expected: &e.expected,
                        actual: &e.actual,
                        exact: e.exact.as_deref(),
                        passed: e.passed,
                    })
                    .collect(),
                failures: &r.failures,
            })
        })
        .collect();
    let passed = cases.iter().filter(|c| c.passed).count();
    let report = Report {
        version: jixiao::JSON_VERSION,
        summary: Summary {
            files: ran.len(),
            cases: cases.len(),
            passed,
            failed: cases.len() - passed,
        },
        cases,
        coverage: coverage.then(|| {
            ran.iter()
                .map(|(file, _, c)| FileCoverage {
                    file,
                    reached: c.reached(),
                    total: c.total(),
                    branches: c
                        .branches
                        .iter()
                        .map(|(indicator, branch, reached)| Branch {
                            indicator,
                            branch,
                            reached: *reached,
                        })
                        .collect(),
                    grades: c
                        .grades
                        .iter()
                        .map(|(grade, reached)| Grade {
                            grade,
                            reached: *reached,
                        })
                        .collect(),
                })
                .collect()
        }),
    };
    let mut text = serde_json::to_string_pretty(&report).map_err(|e| miette::miette!("无法生成 JSON：{e}"))?;
    text.push('\n');
    Ok(text)
}
