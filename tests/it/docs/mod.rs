//! Documentation that is tested: every command and rule example in README.md and docs/*.md
//! runs in `cargo test`, so a change that makes a document wrong fails CI.
//!
//! The convention (also in ARCHITECTURE.md). Markers are HTML comments on their own line,
//! `<!-- 测试 … -->`, invisible on a rendered page, right above the block they are about
//! (words apart by spaces; `"…"` keeps spaces, `\"` is a quote in it).
//!
//! - ```` ```console ````: each `$ jixiao …` line (also `$ cargo run --release -- …` and
//!   `$ cp …`) runs in a fresh temporary directory holding copies of `rules/`, `examples/`
//!   and `tests/errors/`; what it prints — standard output and standard error together, as on
//!   a terminal — must be the lines under it, up to the next `$`. A line that is only `…`
//!   (or `…（说明）`) stands for any number of lines, `[..]` for any text within a line. The
//!   exit code must be 0, or what the line's comment says: `$ jixiao check x.jx  # 退出码 1`.
//! - ```` ```sh ````: each `jixiao …` line runs the same way and must exit 0; what it prints
//!   is not compared (these blocks show commands, not their output).
//! - ```` ```jx ````: a complete rule file (it starts with `标题` or `基于`) checks with no error
//!   and no warning (`<!-- 测试 警告 N -->` allows N), is laid out as `jixiao fmt` lays it
//!   out, and its `测试` cases pass; `<!-- 测试 基于 文件 -->` makes a block of `测试` cases
//!   complete with that base (in `rules/`). Anything else is a fragment: it must parse and be
//!   laid out as `jixiao fmt` would inside a minimal wrapper chosen by its first keyword.
//!   `<!-- 测试 摘自 路径 -->`: the block is an excerpt, its lines are in that file in order
//!   (`…` alone on a line marks lines left out; `摘自 路径 全文`: the whole file but for the
//!   comments at its top); a complete excerpt of a file outside tests/errors/ is also checked.
//! - docs/diagnostics.md: every quoted message (`> × …`, a code span starting with `× `,
//!   `⚠ `, `- 字段 `) is what jixiao prints for the example file named beside it
//!   (messages.rs).
//! - Setup before a block runs: `<!-- 测试 文件 名称 -->` on any block makes it the file
//!   `名称` for the blocks after it in the same document; `<!-- 测试 准备 交回 -->` makes a
//!   described folder (fixtures.rs); `<!-- 测试 复制 从 到 -->`; `<!-- 测试 改 文件 "原文" "新文" -->`
//!   edits the copy (the original text must occur exactly once).
//! - `<!-- 测试 接口 -->` on a shell block of `curl` commands (docs/api.md): they run against
//!   a `jixiao serve` started in the sandbox and must succeed (api.rs).
//! - `<!-- 测试 不运行 原因 -->` (commands) and `<!-- 测试 不检查 原因 -->` (rule text) skip a
//!   block; the reason is required and the number of such blocks is bounded below.
//! - docs/language.md's figures: `规则`, `数据`, `期望`, `错误` (figures.rs).

mod api;
mod commands;
mod figures;
mod fixtures;
mod markdown;
mod messages;
mod rules;
mod sandbox;

/// Every marker kind; any other is a typo.
const KINDS: [&str; 14] = [
    "规则",
    "数据",
    "期望",
    "错误",
    "文件",
    "准备",
    "复制",
    "改",
    "摘自",
    "基于",
    "警告",
    "不运行",
    "不检查",
    "接口",
];

/// Blocks whose commands are not run (a server that keeps running, measurements on generated
/// data, pipes and redirections, a placeholder for a large file) and rule text not checked,
/// together: few, each with a reason.
const MOST_SKIPPED: usize = 9;

fn report(what: &str, failures: &[String]) {
    assert!(
        failures.is_empty(),
        "{} {what}:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

#[test]
fn every_marker_is_known_and_above_a_block() {
    for doc in markdown::all() {
        let blocks = markdown::blocks(&doc);
        for (i, line) in doc.lines().iter().enumerate() {
            let Some(m) = markdown::marker(line, i + 1) else {
                continue;
            };
            assert!(
                KINDS.contains(&m.kind()),
                "{}: unknown marker `{}`",
                doc.at(i + 1),
                m.kind()
            );
            let standalone = matches!(m.kind(), "期望");
            assert!(
                standalone || blocks.iter().any(|b| b.markers.iter().any(|bm| bm.line == m.line)),
                "{}: the marker is not right above a code block",
                doc.at(i + 1)
            );
        }
    }
}

#[test]
fn documented_commands_print_what_the_documents_show() {
    let mut outcome = commands::Outcome::default();
    for doc in markdown::all() {
        commands::check(&doc, &markdown::blocks(&doc), &mut outcome);
    }
    report(
        "documented commands do not do what the documents say",
        &outcome.failures,
    );
    assert!(outcome.ran > 40, "only {} commands ran", outcome.ran);
    let mut rules = rules::Outcome::default();
    for doc in markdown::all() {
        rules::check(&doc, &markdown::blocks(&doc), &mut rules);
    }
    let skipped = [outcome.not_run, rules.unchecked].concat();
    assert!(
        skipped.len() <= MOST_SKIPPED,
        "{} blocks not run or not checked:\n{}",
        skipped.len(),
        skipped.join("\n")
    );
}

#[test]
fn documented_rule_text_checks() {
    let mut outcome = rules::Outcome::default();
    for doc in markdown::all() {
        rules::check(&doc, &markdown::blocks(&doc), &mut outcome);
    }
    report("documented rule examples are wrong", &outcome.failures);
    assert!(outcome.counts.iter().all(|&n| n > 0), "{:?}", outcome.counts);
}

#[test]
fn the_diagnostics_reference_quotes_what_jixiao_prints() {
    let doc = markdown::all()
        .into_iter()
        .find(|d| d.path == messages::DOC)
        .expect("docs/diagnostics.md");
    let mut outcome = messages::Outcome::default();
    messages::check(&doc, &mut outcome);
    report("quoted messages are not what jixiao prints", &outcome.failures);
    assert!(outcome.checked > 50, "only {} messages checked", outcome.checked);
}

#[test]
fn the_figures_of_the_language_reference_hold() {
    figures::the_marked_examples_of_the_language_reference_hold();
}
