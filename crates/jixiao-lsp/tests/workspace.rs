//! Find references and rename across a workspace folder: files based on the document,
//! directly or through others, and their test files; the workspace kept fresh.

mod client;

use std::path::Path;

use client::*;
use lsp_types::Uri;
use serde_json::{json, Value};

const BASE: &str = r#"标题 "基础规则"
年度 2021
满分 20
输入 编制人数: 人 { 范围 >= 1 }
输入 实有人数: 人 { 别名 "在职人数"  范围 >= 0  缺失时 0 }
计算 控制率 = 实有人数 / 编制人数  显示 百分比 2
一级 投入 分值 20 {
  二级 预算配置 分值 20 {
    三级 财政供养人员控制率 分值 10 {
      公式 控制率
      评分 分档 {
        <= 100% 得 10
        > 100%  得 0
      }
    }
    三级 社会效益 分值 10 { 标准 "评审打分，0–10。"  评分 评审 }
  }
}
等级 { 优秀 >= 18  合格 [12, 18)  不合格 < 12 }
"#;

const CHILD: &str = r#"基于 "base.jx"
年度 2022
替换 三级 社会效益 分值 10 { 标准 "评审打分，0–10（2022 年修订）。"  评分 评审 }
"#;

const BASE_TEST: &str = r#"基于 "base.jx"

测试 "满编，评审 9 分" {
  设 编制人数 = 10
  设 实有人数 = 10
  设 评审.社会效益 = 9
  期望 社会效益 得分 = 9
  期望 总分 = 19
}
"#;

/// A workspace folder holding these files.
fn workspace(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        write(dir.path(), name, text);
    }
    dir
}

fn write(dir: &Path, name: &str, text: &str) {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn start(dir: Option<&Path>, watch: bool) -> Client {
    Client::start_with(json!({
        "processId": null,
        "rootUri": dir.map(|d| file_uri(d).as_str().to_owned()),
        "capabilities": {"workspace": {"didChangeWatchedFiles": {"dynamicRegistration": watch}}},
    }))
}

/// The file names and start positions of the references to the name at `needle`.
fn references(c: &mut Client, uri: &Uri, text: &str, needle: &str) -> Vec<(String, u32)> {
    let refs = c
        .at(
            "textDocument/references",
            uri,
            utf16_position(text, needle, 0),
            json!({ "context": { "includeDeclaration": true } }),
        )
        .unwrap();
    let mut found: Vec<(String, u32)> = refs
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let file = r["uri"].as_str().unwrap().rsplit('/').next().unwrap().to_owned();
            (file, range_of(&r["range"]).start.line)
        })
        .collect();
    found.sort();
    found
}

fn files_of(found: &[(String, u32)]) -> Vec<&str> {
    let mut files: Vec<&str> = found.iter().map(|(f, _)| f.as_str()).collect();
    files.dedup();
    files
}

/// What fails when the `测试` of these rule files in `dir` run (`jixiao test`'s code path).
fn test_failures(dir: &Path, names: &[&str]) -> Vec<String> {
    let mut failures = Vec::new();
    for name in names {
        let path = dir.join(name);
        let text = std::fs::read_to_string(&path).unwrap();
        let loader = |from: &str, base: &str| -> Result<(String, String), String> {
            let p = Path::new(from).parent().unwrap().join(base);
            let t = std::fs::read_to_string(&p).map_err(|e| e.to_string())?;
            Ok((p.display().to_string(), t))
        };
        let compiled = match jixiao::compile_with(&path.display().to_string(), &text, &loader) {
            Ok(c) => c,
            Err(e) => {
                failures.push(format!("{name}: {}", jixiao::diagnostics::render_plain(&e)));
                continue;
            }
        };
        let load = |rel: &str| loader(&path.display().to_string(), rel);
        let (results, _) = jixiao::testing::run(&compiled, &load);
        assert!(!results.is_empty() || !text.contains("测试"), "{name}");
        failures.extend(
            results
                .into_iter()
                .filter(|r| !r.passed)
                .map(|r| format!("{name}: {} {:?}", r.name, r.failures)),
        );
    }
    failures
}

fn tests_pass(dir: &Path, names: &[&str]) {
    let failures = test_failures(dir, names);
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn rename_at_a_replacement_renames_the_base_and_every_file_based_on_it() {
    let dir = workspace(&[("base.jx", BASE), ("child.jx", CHILD), ("base.test.jx", BASE_TEST)]);
    tests_pass(dir.path(), &["base.jx", "child.jx", "base.test.jx"]);
    let mut c = start(Some(dir.path()), false);
    let child = file_uri(&dir.path().join("child.jx"));
    assert!(c.open(&child, CHILD).is_empty());

    // The replacement names the base file's indicator: the same name in the whole family,
    // including the test file's `设 评审.社会效益` and `期望 社会效益 得分`.
    let found = references(&mut c, &child, CHILD, "社会效益");
    assert_eq!(
        found,
        [
            ("base.jx".to_owned(), 15),
            ("base.test.jx".to_owned(), 5),
            ("base.test.jx".to_owned(), 6),
            ("child.jx".to_owned(), 2)
        ]
    );
    let edit = c
        .at(
            "textDocument/rename",
            &child,
            utf16_position(CHILD, "社会效益", 0),
            json!({ "newName": "社会效益指标" }),
        )
        .unwrap();
    let changes = edit["changes"].as_object().unwrap();
    assert_eq!(changes.len(), 3, "{edit}");
    for (name, text) in [("base.jx", BASE), ("child.jx", CHILD), ("base.test.jx", BASE_TEST)] {
        let uri = file_uri(&dir.path().join(name));
        let renamed = apply(text, &edits(&changes[uri.as_str()]));
        assert_eq!(renamed, text.replace("社会效益", "社会效益指标"), "{name}");
        write(dir.path(), name, &renamed);
    }
    tests_pass(dir.path(), &["base.jx", "child.jx", "base.test.jx"]);
    c.shutdown();
}

#[test]
fn renames_that_are_refused() {
    let broken = "基于 \"base.jx\"\n测试 \"未写完\" {\n  设 实有人数 = \n}\n";
    let dir = workspace(&[("base.jx", BASE), ("child.jx", CHILD), ("base.test.jx", BASE_TEST)]);
    let mut c = start(Some(dir.path()), false);
    let base = file_uri(&dir.path().join("base.jx"));
    c.open(&base, BASE);
    let at = utf16_position(BASE, "实有人数", 0);
    let refused = |c: &mut Client, new: &str| {
        c.at("textDocument/rename", &base, at, json!({ "newName": new }))
            .unwrap_err()
    };
    assert_eq!(
        refused(&mut c, "在职人数"),
        "`在职人数` 已是 `base.jx` 中 `实有人数` 的别名，数据中的 `在职人数` 会对不上"
    );
    assert_eq!(
        refused(&mut c, "类别"),
        "`类别` 在清单汇总函数中指目标清单各项的字段，不能作名称"
    );
    assert_eq!(refused(&mut c, "总分"), "`总分` 是关键字，不能作名称");
    assert_eq!(
        refused(&mut c, "财政供养人员控制率"),
        "名称 `财政供养人员控制率` 已在 `base.jx` 第 9 行定义，重命名后会与它混淆"
    );
    // A test file being written, on disk: its uses cannot be found, so no rename.
    write(dir.path(), "child.test.jx", &broken.replace("base.jx", "child.jx"));
    c.notify(
        "textDocument/didSave",
        json!({ "textDocument": { "uri": base.as_str() } }),
    );
    assert_eq!(
        refused(&mut c, "在编人数"),
        "`child.test.jx` 基于定义 `实有人数` 的文件，但它有语法错误，找不到其中的 `实有人数`；请先改正它再重命名"
    );
    // So is any other name of the family: the broken file may use it too.
    let edit = c
        .at(
            "textDocument/rename",
            &base,
            utf16_position(BASE, "控制率", 0),
            json!({ "newName": "人员控制率" }),
        )
        .unwrap_err();
    assert!(edit.contains("child.test.jx"), "{edit}");
    c.shutdown();
}

#[test]
fn watched_files_and_open_documents_keep_the_workspace_fresh() {
    let dir = workspace(&[("base.jx", BASE)]);
    let mut c = start(Some(dir.path()), true);
    let base = file_uri(&dir.path().join("base.jx"));
    c.open(&base, BASE);
    let registration = &c.server_requests[0];
    assert_eq!(registration.method, "client/registerCapability");
    assert_eq!(
        registration.params["registrations"][0]["registerOptions"]["watchers"][0]["globPattern"],
        "**/*.jx"
    );
    assert_eq!(files_of(&references(&mut c, &base, BASE, "实有人数")), ["base.jx"]);
    let logs: Vec<Value> = c
        .take_notifications()
        .into_iter()
        .filter(|n| n.method == "window/logMessage")
        .map(|n| n.params)
        .collect();
    assert_eq!(logs.len(), 1, "{logs:?}");
    assert_eq!(
        logs[0]["message"],
        "工作区中有 1 个规则文件（.jx），其中 0 个基于其他文件"
    );

    // A test file created on disk, then deleted: reported by the editor's watcher.
    write(
        dir.path(),
        "tests/base.test.jx",
        &BASE_TEST.replace("base.jx", "../base.jx"),
    );
    let test_uri = file_uri(&dir.path().join("tests/base.test.jx"));
    let event = |kind: u32| json!({ "changes": [{ "uri": test_uri.as_str(), "type": kind }] });
    c.notify("workspace/didChangeWatchedFiles", event(1));
    assert_eq!(
        files_of(&references(&mut c, &base, BASE, "实有人数")),
        ["base.jx", "base.test.jx"]
    );
    std::fs::remove_file(dir.path().join("tests/base.test.jx")).unwrap();
    c.notify("workspace/didChangeWatchedFiles", event(3));
    assert_eq!(files_of(&references(&mut c, &base, BASE, "实有人数")), ["base.jx"]);

    // A file open in the editor counts with its unsaved text, saved or not.
    let next = file_uri(&dir.path().join("next.jx"));
    c.open(
        &next,
        CHILD
            .replace("替换 三级 社会效益", "替换 三级 财政供养人员控制率")
            .as_str(),
    );
    assert_eq!(
        files_of(&references(&mut c, &base, BASE, "财政供养人员控制率")),
        ["base.jx", "next.jx"]
    );
    c.change(&next, 2, "标题 \"不再基于它\"\n");
    assert_eq!(
        files_of(&references(&mut c, &base, BASE, "财政供养人员控制率")),
        ["base.jx"]
    );
    c.shutdown();
}

#[test]
fn without_a_watcher_a_save_walks_the_folders_again() {
    let dir = workspace(&[("base.jx", BASE)]);
    let mut c = start(Some(dir.path()), false);
    let base = file_uri(&dir.path().join("base.jx"));
    c.open(&base, BASE);
    assert!(c.server_requests.is_empty());
    assert_eq!(files_of(&references(&mut c, &base, BASE, "实有人数")), ["base.jx"]);
    write(dir.path(), "base.test.jx", BASE_TEST);
    c.notify(
        "textDocument/didSave",
        json!({ "textDocument": { "uri": base.as_str() } }),
    );
    assert_eq!(
        files_of(&references(&mut c, &base, BASE, "实有人数")),
        ["base.jx", "base.test.jx"]
    );
    c.shutdown();
}

#[test]
fn a_workspace_folder_added_later() {
    let dir = workspace(&[("base.jx", BASE), ("base.test.jx", BASE_TEST)]);
    let mut c = start(None, false);
    let base = file_uri(&dir.path().join("base.jx"));
    c.open(&base, BASE);
    assert_eq!(files_of(&references(&mut c, &base, BASE, "实有人数")), ["base.jx"]);
    let folder = json!([{ "uri": file_uri(dir.path()).as_str(), "name": "规则" }]);
    c.notify(
        "workspace/didChangeWorkspaceFolders",
        json!({ "event": { "added": folder, "removed": [] } }),
    );
    assert_eq!(
        files_of(&references(&mut c, &base, BASE, "实有人数")),
        ["base.jx", "base.test.jx"]
    );
    c.notify(
        "workspace/didChangeWorkspaceFolders",
        json!({ "event": { "added": [], "removed": folder } }),
    );
    assert_eq!(files_of(&references(&mut c, &base, BASE, "实有人数")), ["base.jx"]);
    c.shutdown();
}

#[test]
fn only_open_documents_based_on_a_changed_file_are_checked_again() {
    let other = BASE.replace("标题 \"基础规则\"", "标题 \"另一套\"");
    let dir = workspace(&[
        ("base.jx", BASE),
        ("child.jx", CHILD),
        ("other.jx", &other),
        ("other-2022.jx", &CHILD.replace("base.jx", "other.jx")),
    ]);
    let mut c = start(Some(dir.path()), true);
    let uri = |name: &str| file_uri(&dir.path().join(name));
    for name in ["base.jx", "child.jx", "other-2022.jx"] {
        let text = std::fs::read_to_string(dir.path().join(name)).unwrap();
        assert!(c.open(&uri(name), &text).is_empty(), "{name}");
    }
    // The base's full marks changed in the editor: next year's file no longer adds up.
    let changed = BASE.replace("满分 20", "满分 30");
    c.change(&uri("base.jx"), 2, &changed);
    let diags = c.diagnostics(&uri("child.jx"));
    assert!(
        diags.iter().any(|d| d["code"] == "jixiao::check::weights_sum"),
        "{diags:?}"
    );
    // The server answers in order: everything it published for the change came first.
    c.request(
        "textDocument/documentSymbol",
        json!({ "textDocument": { "uri": uri("base.jx").as_str() } }),
    )
    .unwrap();
    let published: Vec<String> = c
        .take_notifications()
        .into_iter()
        .filter(|n| n.method == "textDocument/publishDiagnostics")
        .map(|n| n.params["uri"].as_str().unwrap().to_owned())
        .collect();
    assert!(published.is_empty(), "{published:?}");
    c.shutdown();
}

#[test]
fn a_document_opened_by_a_roundabout_path_is_one_file() {
    let dir = workspace(&[("base.jx", BASE), ("base.test.jx", BASE_TEST)]);
    let mut c = start(Some(dir.path()), false);
    let test = file_uri(&dir.path().join("sub/../base.test.jx"));
    c.open(&test, BASE_TEST);
    let found = references(&mut c, &test, BASE_TEST, "实有人数");
    assert_eq!(
        found,
        [
            ("base.jx".to_owned(), 4),
            ("base.jx".to_owned(), 5),
            ("base.test.jx".to_owned(), 4)
        ]
    );
    c.shutdown();
}

#[test]
fn files_deleted_behind_the_servers_back_do_not_block_a_rename() {
    let dir = workspace(&[
        ("base.jx", BASE),
        ("tests/base.test.jx", &BASE_TEST.replace("base.jx", "../base.jx")),
    ]);
    let mut c = start(Some(dir.path()), true);
    let base = file_uri(&dir.path().join("base.jx"));
    c.open(&base, BASE);
    assert_eq!(
        files_of(&references(&mut c, &base, BASE, "实有人数")),
        ["base.jx", "base.test.jx"]
    );
    // The folder is deleted; an editor reports the folder, not the files in it (and
    // another may report nothing).
    std::fs::remove_dir_all(dir.path().join("tests")).unwrap();
    let edit = c
        .at(
            "textDocument/rename",
            &base,
            utf16_position(BASE, "实有人数", 0),
            json!({ "newName": "在编人数" }),
        )
        .unwrap();
    assert_eq!(edit["changes"].as_object().unwrap().len(), 1, "{edit}");
    let folder = file_uri(&dir.path().join("tests"));
    c.notify(
        "workspace/didChangeWatchedFiles",
        json!({ "changes": [{ "uri": folder.as_str(), "type": 3 }] }),
    );
    assert_eq!(files_of(&references(&mut c, &base, BASE, "实有人数")), ["base.jx"]);
    c.shutdown();
}

#[test]
fn renaming_an_input_that_test_data_spells_warns() {
    let unit = "\"单位名称\" = \"某单位\"\n\"编制人数\" = 10\n\"实有人数\" = 10\n[\"评审\"]\n\"社会效益\" = 9\n";
    let with_data = BASE_TEST.replace("  设 编制人数 = 10\n  设 实有人数 = 10\n", "  数据 \"unit.toml\"\n");
    let dir = workspace(&[("base.jx", BASE), ("base.test.jx", &with_data), ("unit.toml", unit)]);
    tests_pass(dir.path(), &["base.test.jx"]);
    let mut c = start(Some(dir.path()), false);
    let base = file_uri(&dir.path().join("base.jx"));
    c.open(&base, BASE);
    let base_for_rename = base.clone();
    let rename = |c: &mut Client, needle: &str, new: &str| -> (Value, Vec<String>) {
        c.take_notifications();
        let edit = c
            .at(
                "textDocument/rename",
                &base_for_rename,
                utf16_position(BASE, needle, 0),
                json!({ "newName": new }),
            )
            .unwrap();
        let shown = c
            .take_notifications()
            .into_iter()
            .filter(|n| n.method == "window/showMessage")
            .map(|n| n.params["message"].as_str().unwrap().to_owned())
            .collect();
        (edit, shown)
    };
    // Not an input: data files do not name it.
    assert!(rename(&mut c, "控制率", "人员控制率").1.is_empty());
    let (edit, shown) = rename(&mut c, "实有人数", "在编人数");
    assert_eq!(
        shown,
        ["输入 `实有人数` 改名为 `在编人数` 后，`base.test.jx` 中的测试用例读取的数据文件仍写着 `实有人数`：请给输入加上 `别名 \"实有人数\"`，或同时修改数据文件"]
    );
    // The warning is right: renamed, the case's data no longer fills the input (`缺失时 0`
    // makes 控制率 0%); with the old name as an alias it does again.
    let renamed = apply(BASE, &edits(&edit["changes"][base.as_str()]));
    assert_eq!(renamed, BASE.replace("实有人数", "在编人数"));
    write(
        dir.path(),
        "base.test.jx",
        &with_data.replace("  期望 社会效益", "  期望 控制率 = 100%\n  期望 社会效益"),
    );
    tests_pass(dir.path(), &["base.test.jx"]);
    write(dir.path(), "base.jx", &renamed);
    let failures = test_failures(dir.path(), &["base.test.jx"]);
    assert_eq!(failures.len(), 1, "{failures:?}");
    assert!(failures[0].contains("控制率"), "{failures:?}");
    write(
        dir.path(),
        "base.jx",
        &renamed.replace("别名 \"在职人数\"", "别名 \"在职人数\", \"实有人数\""),
    );
    tests_pass(dir.path(), &["base.test.jx"]);
    c.shutdown();
}
