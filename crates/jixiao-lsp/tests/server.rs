//! The language server driven by a scripted client over in-memory channels.

mod client;

use std::path::PathBuf;

use client::*;
use lsp_types::{Position, TextEdit};
use serde_json::{json, Value};

/// A small rule file with Chinese names everywhere, and no warnings.
const RULES: &str = r#"标题 "测试规则"
年度 2021
满分 10
输入 编制人数: 人 { 范围 >= 1 说明 "核定编制人数" }
输入 实有人数: 人 { 范围 >= 0 缺失时 0 }
计算 控制率 = 实有人数 / 编制人数 显示 百分比 2
一级 投入 分值 10 {
  二级 预算配置 分值 10 {
    三级 财政供养人员控制率 分值 10 {
      公式 控制率
      标准 "≤100%，计10分；超过不得分。"
      评分 分档 {
        <= 100% 得 10
        > 100%  得 0
      }
    }
  }
}
等级 { 优秀 >= 9  良好 [8, 9)  中 [6, 8)  差 < 6 }
"#;

const UNTITLED: &str = "a.jx";

fn repo_file(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(rel)
        .canonicalize()
        .expect("repository file")
}

/// The position just after the first `prefix`.
fn after(text: &str, prefix: &str) -> Position {
    let end = text.find(prefix).expect("prefix in text") + prefix.len();
    let line_start = text[..end].rfind('\n').map_or(0, |i| i + 1);
    Position::new(
        text[..end].matches('\n').count() as u32,
        text[line_start..end].encode_utf16().count() as u32,
    )
}

fn code(d: &Value) -> &str {
    d["code"].as_str().unwrap_or("")
}

#[test]
fn diagnostics_as_you_type_utf16() {
    let mut c = Client::start(None);
    assert_eq!(c.initialize_result["capabilities"]["positionEncoding"], "utf-16");
    let uri = untitled(UNTITLED);
    assert!(c.open(&uri, RULES).is_empty(), "the fixture has no diagnostics");

    // A misspelt name after Chinese text on its line.
    let broken = RULES.replace("计算 控制率 = 实有人数 / 编制人数", "计算 控制率 = 实有人数 / 编制人");
    let diags = c.change(&uri, 2, &broken);
    assert_eq!(diags.len(), 1, "{diags:?}");
    let d = &diags[0];
    assert_eq!(code(d), "jixiao::check::unknown_name");
    assert_eq!(d["severity"], 1);
    assert!(d["message"].as_str().unwrap().contains("是否指 `编制人数`"), "{d}");
    let range = range_of(&d["range"]);
    let start = utf16_position(&broken, "编制人 显示", 0);
    assert_eq!(range.start, start);
    assert_eq!(range.end, Position::new(start.line, start.character + 3));
    // UTF-16 columns are characters here: 16 of them before the name (34 bytes).
    assert_eq!(start.character, 16);

    // Fixed again: the diagnostics are cleared.
    assert!(c.change(&uri, 3, RULES).is_empty());

    // A syntax error.
    let diags = c.change(&uri, 4, &RULES.replace("分值 10 {\n      公式", "分值 {\n      公式"));
    assert_eq!(diags.len(), 1);
    assert_eq!(code(&diags[0]), "jixiao::syntax");
    assert_eq!(range_of(&diags[0]["range"]).start.line, 8);
    c.shutdown();
}

#[test]
fn utf8_positions_when_offered() {
    let mut c = Client::start(Some(&["utf-8", "utf-16"]));
    assert_eq!(c.initialize_result["capabilities"]["positionEncoding"], "utf-8");
    let uri = untitled(UNTITLED);
    let broken = RULES.replace("计算 控制率 = 实有人数 / 编制人数", "计算 控制率 = 实有人数 / 编制人");
    let diags = c.open(&uri, &broken);
    assert_eq!(diags.len(), 1, "{diags:?}");
    let range = range_of(&diags[0]["range"]);
    let line = broken.lines().nth(range.start.line as usize).unwrap();
    assert_eq!(range.start.character as usize, line.find("编制人").unwrap());
    assert_eq!(
        range.end.character as usize,
        line.find("编制人").unwrap() + "编制人".len()
    );
    c.shutdown();
}

#[test]
fn related_places_and_warnings() {
    let mut c = Client::start(None);
    let uri = untitled(UNTITLED);
    // The same name twice: an error pointing at both.
    let text = RULES.replace("输入 实有人数: 人", "输入 编制人数: 人");
    let diags = c.open(&uri, &text);
    let dup = diags
        .iter()
        .find(|d| code(d) == "jixiao::check::duplicate_name")
        .expect("duplicate name");
    assert_eq!(range_of(&dup["range"]).start, utf16_position(&text, "编制人数: 人", 1));
    let related = &dup["relatedInformation"][0];
    assert_eq!(related["location"]["uri"], uri.as_str());
    assert_eq!(
        range_of(&related["location"]["range"]).start,
        utf16_position(&text, "编制人数: 人", 0)
    );
    assert_eq!(related["message"], "第一次定义在这里");
    c.shutdown();
}

#[test]
fn hover_on_an_indicator_and_an_input() {
    let mut c = Client::start(None);
    let uri = untitled(UNTITLED);
    c.open(&uri, RULES);
    let h = c
        .at(
            "textDocument/hover",
            &uri,
            utf16_position(RULES, "供养人员", 0),
            json!({}),
        )
        .unwrap();
    let md = h["contents"]["value"].as_str().unwrap();
    assert!(md.contains("三级指标"), "{md}");
    assert!(md.contains("分值：10"), "{md}");
    assert!(md.contains("≤100%，计10分"), "{md}");
    assert!(md.contains("公式：`控制率`"), "{md}");
    assert!(md.contains("`<= 100%` 得 10"), "{md}");
    assert!(md.contains("上级：投入 → 预算配置"), "{md}");
    assert_eq!(
        range_of(&h["range"]).start,
        utf16_position(RULES, "财政供养人员控制率", 0)
    );

    // An input, hovered where it is used.
    let h = c.at("textDocument/hover", &uri, after(RULES, "/ "), json!({})).unwrap();
    let md = h["contents"]["value"].as_str().unwrap();
    assert!(md.contains("**输入** `编制人数`"), "{md}");
    assert!(md.contains("类型：人"), "{md}");
    assert!(md.contains("范围：`>= 1`"), "{md}");
    assert!(md.contains("缺失时：必须填报"), "{md}");
    assert!(md.contains("说明：核定编制人数"), "{md}");
    let h = c
        .at(
            "textDocument/hover",
            &uri,
            utf16_position(RULES, "实有人数", 1),
            json!({}),
        )
        .unwrap();
    assert!(h["contents"]["value"].as_str().unwrap().contains("缺失时：`0`"));

    // Nothing to say about a keyword.
    let h = c
        .at("textDocument/hover", &uri, utf16_position(RULES, "满分", 0), json!({}))
        .unwrap();
    assert!(h.is_null());
    c.shutdown();
}

fn labels(result: &Value) -> Vec<String> {
    result["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["label"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn completion_of_names_keywords_and_functions() {
    let mut c = Client::start(None);
    let uri = untitled(UNTITLED);
    c.open(&uri, RULES);
    // Typing `编制` at the end of a formula (the text no longer checks, but parses).
    let typed = RULES.replace("公式 控制率\n", "公式 控制率 + 编制\n");
    c.change(&uri, 2, &typed);
    let pos = utf16_position(&typed, "编制\n", 0);
    let pos = Position::new(pos.line, pos.character + 2);
    let result = c.at("textDocument/completion", &uri, pos, json!({})).unwrap();
    let items = labels(&result);
    assert_eq!(items.first().map(String::as_str), Some("编制人数"), "{items:?}");
    assert!(
        !items.contains(&"实有人数".to_owned()),
        "filtered by what was typed: {items:?}"
    );
    let edit = &result["items"][0]["textEdit"];
    assert_eq!(range_of(&edit["range"]).start, utf16_position(&typed, "编制\n", 0));
    assert_eq!(edit["newText"], "编制人数");

    // Part of a Chinese name from its middle, a function's Chinese alias, a keyword.
    let typed = RULES.replace("公式 控制率\n", "公式 人数\n");
    c.change(&uri, 3, &typed);
    let pos = utf16_position(&typed, "人数\n", 0);
    let items = labels(
        &c.at(
            "textDocument/completion",
            &uri,
            Position::new(pos.line, pos.character + 2),
            json!({}),
        )
        .unwrap(),
    );
    assert!(
        items.contains(&"编制人数".to_owned()) && items.contains(&"实有人数".to_owned()),
        "{items:?}"
    );

    // A text that does not parse: the names come from the last one that did.
    let typed = RULES.replace("公式 控制率\n", "公式 四舍\n评分");
    c.change(&uri, 4, &typed);
    let pos = utf16_position(&typed, "四舍\n", 0);
    let result = c
        .at(
            "textDocument/completion",
            &uri,
            Position::new(pos.line, pos.character + 2),
            json!({}),
        )
        .unwrap();
    let items = labels(&result);
    assert!(items.contains(&"四舍五入".to_owned()), "{items:?}");
    let round = result["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["label"] == "四舍五入")
        .unwrap();
    assert_eq!(round["kind"], 3, "a function");
    assert_eq!(round["textEdit"]["newText"], "四舍五入(");

    let typed = RULES.replace("公式 控制率\n", "公式 控制率\n      评\n");
    c.change(&uri, 5, &typed);
    let pos = utf16_position(&typed, "评\n", 0);
    let result = c
        .at(
            "textDocument/completion",
            &uri,
            Position::new(pos.line, pos.character + 1),
            json!({}),
        )
        .unwrap();
    let items = labels(&result);
    assert!(
        items.contains(&"评分".to_owned()) && items.contains(&"评审".to_owned()),
        "{items:?}"
    );
    assert!(items.contains(&"控制率".to_owned()) || !items.iter().any(|i| i == "控制率"));

    // After `输入 名称:` the input types.
    let typed = RULES.replace("输入 实有人数: 人 {", "输入 实有人数: 万 {");
    c.change(&uri, 6, &typed);
    let pos = utf16_position(&typed, "万 {", 0);
    let items = labels(
        &c.at(
            "textDocument/completion",
            &uri,
            Position::new(pos.line, pos.character + 1),
            json!({}),
        )
        .unwrap(),
    );
    assert_eq!(items, vec!["万元"]);
    c.shutdown();
}

#[test]
fn definition_references_and_rename_of_an_input() {
    let mut c = Client::start(None);
    let uri = untitled(UNTITLED);
    c.open(&uri, RULES);
    let use_site = utf16_position(RULES, "实有人数", 1);
    let def = c.at("textDocument/definition", &uri, use_site, json!({})).unwrap();
    assert_eq!(def[0]["uri"], uri.as_str());
    assert_eq!(range_of(&def[0]["range"]).start, utf16_position(RULES, "实有人数", 0));

    let refs = c
        .at(
            "textDocument/references",
            &uri,
            use_site,
            json!({ "context": { "includeDeclaration": true } }),
        )
        .unwrap();
    let starts: Vec<Position> = refs
        .as_array()
        .unwrap()
        .iter()
        .map(|r| range_of(&r["range"]).start)
        .collect();
    assert_eq!(starts, vec![utf16_position(RULES, "实有人数", 0), use_site]);
    let refs = c
        .at(
            "textDocument/references",
            &uri,
            use_site,
            json!({ "context": { "includeDeclaration": false } }),
        )
        .unwrap();
    assert_eq!(refs.as_array().unwrap().len(), 1);

    let prepare = c.at("textDocument/prepareRename", &uri, use_site, json!({})).unwrap();
    assert_eq!(prepare["placeholder"], "实有人数");

    let edit = c
        .at("textDocument/rename", &uri, use_site, json!({ "newName": "在编人数" }))
        .unwrap();
    let edits = edits(&edit["changes"][uri.as_str()]);
    assert_eq!(edits.len(), 2);
    let renamed = apply(RULES, &edits);
    assert_eq!(renamed, RULES.replace("实有人数", "在编人数"));
    assert!(c.change(&uri, 2, &renamed).is_empty(), "the renamed file still checks");

    // Refused: a keyword, a name in use, not a name.
    let pos = utf16_position(&renamed, "在编人数", 0);
    for bad in ["输入", "编制人数", "1人"] {
        let r = c.at("textDocument/rename", &uri, pos, json!({ "newName": bad }));
        assert!(r.is_err(), "{bad} should be refused");
    }
    c.shutdown();
}

#[test]
fn rename_reaches_test_cases() {
    let text = format!("{RULES}测试 \"恰好满编\" {{\n  设 实有人数 = 10\n  期望 财政供养人员控制率 得分 = 10\n  期望 控制率 = 100%\n}}\n");
    let mut c = Client::start(None);
    let uri = untitled(UNTITLED);
    assert!(c.open(&uri, &text).is_empty());
    let cases = [
        ("财政供养人员控制率", "人员控制率指标", after(&text, "期望 ")),
        ("实有人数", "在编人数", after(&text, "设 ")),
        ("控制率", "编制控制率", after(&text, "期望 控制")),
    ];
    for (old, new, pos) in cases {
        let edit = c
            .at("textDocument/rename", &uri, pos, json!({ "newName": new }))
            .unwrap();
        let renamed = apply(&text, &edits(&edit["changes"][uri.as_str()]));
        // Every whole-word use, and nothing else (`控制率` inside the indicator's name stays).
        let expected = match old {
            "控制率" => text
                .replace("计算 控制率", "计算 编制控制率")
                .replace("公式 控制率", "公式 编制控制率")
                .replace("期望 控制率", "期望 编制控制率"),
            _ => text.replace(old, new),
        };
        assert_eq!(renamed, expected, "renaming {old}");
    }
    c.shutdown();
}

#[test]
fn outline_of_the_yueyang_rules() {
    let path = repo_file("rules/yueyang-2021.jx");
    let text = std::fs::read_to_string(&path).unwrap();
    let mut c = Client::start(None);
    let uri = file_uri(&path);
    let diags = c.open(&uri, &text);
    assert!(diags.iter().all(|d| d["severity"] != 1), "{diags:?}");
    let symbols = c
        .request(
            "textDocument/documentSymbol",
            json!({ "textDocument": { "uri": uri.as_str() } }),
        )
        .unwrap();
    let symbols = symbols.as_array().unwrap();
    let names_of = |level: &str| -> Vec<String> {
        text.lines()
            .filter_map(|l| l.trim_start().strip_prefix(level))
            .map(|rest| rest.split_whitespace().next().unwrap().to_owned())
            .collect()
    };
    let top: Vec<&str> = symbols
        .iter()
        .filter(|s| s["kind"] == 2)
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(top, names_of("一级 "));
    let second: Vec<String> = symbols
        .iter()
        .filter(|s| s["kind"] == 2)
        .flat_map(|s| {
            s["children"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["name"].as_str().unwrap().to_owned())
        })
        .collect();
    assert_eq!(second, names_of("二级 "));
    let third: usize = symbols
        .iter()
        .filter(|s| s["kind"] == 2)
        .flat_map(|s| s["children"].as_array().unwrap())
        .map(|s| s["children"].as_array().unwrap().len())
        .sum();
    assert_eq!(third, names_of("三级 ").len());
    // Inputs are grouped; each child's range lies inside its parent's.
    let inputs = symbols.iter().find(|s| s["name"] == "输入").unwrap();
    assert_eq!(
        inputs["children"].as_array().unwrap().len(),
        text.lines().filter(|l| l.trim_start().starts_with("输入 ")).count()
    );
    c.shutdown();
}

#[test]
fn formatting_is_jixiao_fmt() {
    let mut c = Client::start(None);
    let uri = untitled(UNTITLED);
    let messy = RULES
        .replace("  二级 预算配置", "二级   预算配置")
        .replace("      公式 控制率", "公式   控制率");
    c.open(&uri, &messy);
    let result = c
        .request(
            "textDocument/formatting",
            json!({ "textDocument": { "uri": uri.as_str() }, "options": { "tabSize": 2, "insertSpaces": true } }),
        )
        .unwrap();
    let formatted = apply(&messy, &edits(&result));
    assert_eq!(formatted, jixiao::format::format_source(&messy).unwrap());
    assert!(formatted.contains("\n  二级 预算配置 分值 10 {\n"), "{formatted}");
    assert!(formatted.contains("\n      公式 控制率\n"), "{formatted}");
    // Already formatted: nothing to change.
    c.change(&uri, 2, &formatted);
    let result = c
        .request(
            "textDocument/formatting",
            json!({ "textDocument": { "uri": uri.as_str() }, "options": { "tabSize": 2, "insertSpaces": true } }),
        )
        .unwrap();
    assert_eq!(result, json!([]));
    c.shutdown();
}

/// The quick fixes offered on the diagnostic at `needle`, applied one by one.
fn fixes(c: &mut Client, uri: &lsp_types::Uri, text: &str, needle: &str) -> Vec<(String, String)> {
    fixes_at(c, uri, text, utf16_position(text, needle, 0))
}

fn fixes_at(c: &mut Client, uri: &lsp_types::Uri, text: &str, pos: Position) -> Vec<(String, String)> {
    let actions = c
        .request(
            "textDocument/codeAction",
            json!({
                "textDocument": { "uri": uri.as_str() },
                "range": { "start": pos, "end": pos },
                "context": { "diagnostics": [] }
            }),
        )
        .unwrap();
    actions
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            let edits: Vec<TextEdit> = edits(&a["edit"]["changes"][uri.as_str()]);
            (a["title"].as_str().unwrap().to_owned(), apply(text, &edits))
        })
        .collect()
}

#[test]
fn quick_fixes() {
    let mut c = Client::start(None);
    let uri = untitled(UNTITLED);

    // Did you mean …?
    let text = RULES.replace("实有人数 / 编制人数", "实有人数 / 编制人");
    c.open(&uri, &text);
    let fixes1 = fixes(&mut c, &uri, &text, "编制人 ");
    assert_eq!(fixes1.len(), 1, "{fixes1:?}");
    assert_eq!(fixes1[0].1, RULES);
    assert!(c.change(&uri, 2, &fixes1[0].1).is_empty());

    // A rate compared with 100: add `%`.
    let text = RULES
        .replace("<= 100% 得 10", "<= 100 得 10")
        .replace("> 100%  得 0", "> 100  得 0");
    let diags = c.change(&uri, 3, &text);
    assert!(
        diags.iter().any(|d| code(d) == "jixiao::check::missing_percent"),
        "{diags:?}"
    );
    let f = fixes(&mut c, &uri, &text, "<= 100 ");
    assert_eq!(f.len(), 1, "{f:?}");
    assert!(f[0].1.contains("<= 100% 得 10"), "{}", f[0].1);

    // A score formula that may leave 0..分值: clamp it.
    let text = RULES.replace(
        "评分 分档 {\n        <= 100% 得 10\n        > 100%  得 0\n      }",
        "评分 公式 10 - 实有人数",
    );
    let diags = c.change(&uri, 4, &text);
    assert!(
        diags.iter().any(|d| code(d) == "jixiao::check::score_bounds"),
        "{diags:?}"
    );
    let f = fixes(&mut c, &uri, &text, "10 - 实有人数");
    assert_eq!(f.len(), 1, "{f:?}");
    assert!(f[0].1.contains("评分 公式 clamp(10 - 实有人数, 0, 10)"), "{}", f[0].1);
    let clamped = c.change(&uri, 5, &f[0].1);
    assert!(
        !clamped.iter().any(|d| code(d) == "jixiao::check::score_bounds"),
        "{clamped:?}"
    );

    // `分情况` without `其他`.
    let text = RULES.replace(
        "评分 分档 {\n        <= 100% 得 10\n        > 100%  得 0\n      }",
        "评分 分情况 {\n        当 控制率 <= 100% 得 10\n      }",
    );
    let diags = c.change(&uri, 6, &text);
    assert_eq!(code(&diags[0]), "jixiao::syntax");
    let pos = range_of(&diags[0]["range"]).start;
    assert_eq!(pos, after(&text, "当 控制率 <= 100% 得 10\n      "));
    let f = fixes_at(&mut c, &uri, &text, pos);
    let f: Vec<_> = f.into_iter().filter(|(t, _)| t.contains("其他")).collect();
    assert_eq!(f.len(), 1);
    assert!(
        f[0].1.contains("当 控制率 <= 100% 得 10\n        其他 得 0\n      }"),
        "{}",
        f[0].1
    );
    assert!(c.change(&uri, 7, &f[0].1).is_empty());
    c.shutdown();
}

#[test]
fn based_on_files() {
    let dir = std::env::temp_dir().join(format!("jixiao-lsp-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let base = dir.join("基础.jx");
    std::fs::write(&base, RULES).unwrap();
    let child_path = dir.join("次年.jx");
    let child = r#"基于 "基础.jx"
年度 2022
替换 三级 财政供养人员控制率 分值 10 {
  公式 控制率
  评分 分档 {
    <= 100% 得 10
    > 100%  得 0
  }
}
"#;
    let mut c = Client::start(None);
    let uri = file_uri(&child_path);
    assert!(c.open(&uri, child).is_empty());

    // Hover on an inherited input names the base file; on the replaced indicator, the merge.
    let pos = utf16_position(child, "控制率", 1);
    let md = c.at("textDocument/hover", &uri, pos, json!({})).unwrap()["contents"]["value"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(md.contains("**计算** `控制率`"), "{md}");
    assert!(md.contains("来自基础规则文件 `基础.jx` 第 6 行"), "{md}");
    let md = c
        .at(
            "textDocument/hover",
            &uri,
            utf16_position(child, "财政供养", 0),
            json!({}),
        )
        .unwrap()["contents"]["value"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(md.contains("替换了 `基础.jx` 中的定义"), "{md}");

    // Definition in the base file; references in both.
    let def = c.at("textDocument/definition", &uri, pos, json!({})).unwrap();
    assert_eq!(def[0]["uri"], file_uri(&base).as_str());
    assert_eq!(range_of(&def[0]["range"]).start, utf16_position(RULES, "控制率", 0));
    let refs = c
        .at(
            "textDocument/references",
            &uri,
            pos,
            json!({ "context": { "includeDeclaration": true } }),
        )
        .unwrap();
    let uris: Vec<&str> = refs
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["uri"].as_str().unwrap())
        .collect();
    assert_eq!(uris.iter().filter(|u| **u == uri.as_str()).count(), 1);
    assert_eq!(uris.iter().filter(|u| **u == file_uri(&base).as_str()).count(), 2);

    // An error in the document's own indicator is placed in it.
    let broken = child.replace("  公式 控制率", "  公式 控制");
    let diags = c.change(&uri, 2, &broken);
    assert_eq!(diags.len(), 1, "{diags:?}");
    assert_eq!(code(&diags[0]), "jixiao::check::unknown_name");
    assert_eq!(range_of(&diags[0]["range"]).start, utf16_position(&broken, "控制\n", 0));

    // Deleting a value the document uses: the error is placed at the use, in the document.
    let broken = child.replace("年度 2022\n", "年度 2022\n删除 计算 控制率\n");
    let diags = c.change(&uri, 3, &broken);
    assert_eq!(diags.len(), 1, "{diags:?}");
    assert_eq!(range_of(&diags[0]["range"]).start, after(&broken, "  公式 "));

    // Deleting an input the base file uses: the error is in the base file's part, so it
    // is reported on the `基于` line, naming the base file's line, with the exact place.
    let broken = child.replace("年度 2022\n", "年度 2022\n删除 输入 编制人数\n");
    let diags = c.change(&uri, 4, &broken);
    assert_eq!(diags.len(), 1, "{diags:?}");
    let d = &diags[0];
    assert_eq!(code(d), "jixiao::check::unknown_name");
    assert_eq!(
        range_of(&d["range"]),
        range_of(&json!({"start": {"line": 0, "character": 3}, "end": {"line": 0, "character": 10}}))
    );
    let msg = d["message"].as_str().unwrap();
    assert!(
        msg.contains("未定义的名称 `编制人数`（基础规则文件 `基础.jx` 第 6 行）"),
        "{msg}"
    );
    let related = &d["relatedInformation"][0]["location"];
    assert_eq!(related["uri"], file_uri(&base).as_str());
    assert_eq!(
        range_of(&related["range"]).start,
        after(RULES, "计算 控制率 = 实有人数 / ")
    );

    // The base opened and changed in the editor: the document is checked against it.
    let base_uri = file_uri(&base);
    let renamed_base = RULES.replace("年度 2021", "年度 2021\n").replace("满分 10", "满分 20");
    c.notify(
        "textDocument/didOpen",
        json!({ "textDocument": { "uri": base_uri.as_str(), "languageId": "jixiao", "version": 1, "text": renamed_base } }),
    );
    let _ = c.diagnostics(&base_uri);
    let diags = c.diagnostics(&uri);
    assert!(
        diags.iter().any(|d| code(d) == "jixiao::check::weights_sum"),
        "{diags:?}"
    );
    c.shutdown();
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn the_yueyang_2022_rules() {
    let path = repo_file("rules/yueyang-2022.jx");
    let text = std::fs::read_to_string(&path).unwrap();
    let mut c = Client::start(None);
    let uri = file_uri(&path);
    let diags = c.open(&uri, &text);
    assert!(diags.iter().all(|d| d["severity"] != 1), "{diags:?}");
    // The adjusted 二级 indicator: its merged weight, from the base file.
    let md = c
        .at("textDocument/hover", &uri, after(&text, "调整 二级 "), json!({}))
        .unwrap()["contents"]["value"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(md.contains("**二级指标** `预算执行`"), "{md}");
    assert!(md.contains("分值：14"), "{md}");
    assert!(md.contains("来自基础规则文件 `yueyang-2021.jx`"), "{md}");
    // An input of the base file used in this one: defined there.
    let def = c
        .at(
            "textDocument/definition",
            &uri,
            after(&text, "公式 (实际收入 - "),
            json!({}),
        )
        .unwrap();
    assert_eq!(def[0]["uri"], file_uri(&repo_file("rules/yueyang-2021.jx")).as_str());
    c.shutdown();
}
