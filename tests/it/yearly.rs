//! Yearly rule changes: a file written as changes on last year's (`基于`), what changed
//! (`jixiao diff`), and the bureau's own test cases (`jixiao test`).

use crate::jixiao;

#[test]
fn the_2022_rules_are_the_2021_rules_with_three_changes() {
    let root = crate::root();
    let path = root.join("rules/yueyang-2022.jx");
    let compiled = crate::compile(&path.display().to_string(), &crate::read(&path));
    let m = &compiled.model;
    assert_eq!(m.year, 2022);
    assert_eq!(m.leaves.len(), 23);
    let weight = |name: &str| m.nodes.iter().find(|n| n.name == name).unwrap().weight.to_string();
    assert_eq!(weight("支付进度"), "2");
    assert_eq!(weight("预算执行"), "14");
    assert_eq!(weight("过程"), "39");
    assert_eq!(weight("社会公众或服务对象满意度"), "7");
    assert_eq!(weight("效果"), "23");
    // Everything else comes from 2021 unchanged.
    assert_eq!(weight("三公经费控制率"), "6");
    assert_eq!(m.checks.len(), 14);
}

#[test]
fn show_prints_the_merged_rules_and_they_check() {
    let (code, out, err) = jixiao(&["show", "rules/yueyang-2022.jx"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("年度 2022"));
    assert!(out.contains("(0, 5%]    得 2"), "{out}");
    assert!(
        !out.lines().any(|l| l.starts_with("基于")),
        "the merged rules stand alone"
    );
    let merged = crate::compile("merged.jx", &out);
    assert_eq!(merged.model.year, 2022);
}

#[test]
fn diff_lists_rule_changes_and_units_whose_total_or_grade_changes() {
    let (code, out, err) = jixiao(&[
        "diff",
        "rules/yueyang-2021.jx",
        "rules/yueyang-2022.jx",
        "examples/yueyang-2021/units.csv",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("[分值] 过程 / 预算执行 / 支付进度：3 → 2"), "{out}");
    crate::in_snapshot_dir(|| insta::assert_snapshot!("diff_2021_2022_units", out));
    let (code, json, _) = jixiao(&[
        "diff",
        "rules/yueyang-2021.jx",
        "rules/yueyang-2022.jx",
        "examples/yueyang-2021/units.csv",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let units = v["units"].as_array().unwrap();
    // Ranked by the size of the change: the first unit changes most.
    let deltas: Vec<f64> = units
        .iter()
        .map(|u| u["delta"].as_str().unwrap().parse::<f64>().unwrap().abs())
        .collect();
    assert!(deltas.windows(2).all(|w| w[0] >= w[1]), "{deltas:?}");
}

#[test]
fn bundled_rule_tests_pass() {
    let (code, out, err) = jixiao(&["test", "rules/"]);
    assert_eq!(code, 0, "{out}{err}");
    // The summary in Chinese, then cargo's closing line for tools that read one.
    let tail: Vec<&str> = out.lines().rev().take(2).collect();
    let count = out.lines().filter(|l| l.starts_with("  ✓ ")).count();
    assert_eq!(tail[1], format!("2 个文件，{count} 个测试：全部通过"), "{out}");
    assert_eq!(tail[0], format!("test result: ok. {count} passed; 0 failed"), "{out}");
}

#[test]
fn a_changed_criterion_fails_the_bundled_tests_loudly() {
    let root = crate::root();
    let dir = std::env::temp_dir().join(format!("jixiao-yearly-{}", std::process::id()));
    let rules = dir.join("rules");
    let examples = dir.join("examples/yueyang-2021");
    std::fs::create_dir_all(&rules).unwrap();
    std::fs::create_dir_all(&examples).unwrap();
    // The bureau "accidentally" loosens a threshold in a copy of the file.
    let original = crate::read(&root.join("rules/yueyang-2021.jx"));
    let edited =
        original
            .replacen(">= 90%     得 5", ">= 85%     得 5", 1)
            .replacen("[80%, 90%) 得 4", "[80%, 85%) 得 4", 1);
    assert_ne!(original, edited);
    std::fs::write(rules.join("yueyang-2021.jx"), edited).unwrap();
    std::fs::copy(
        root.join("rules/yueyang-2021.test.jx"),
        rules.join("yueyang-2021.test.jx"),
    )
    .unwrap();
    std::fs::copy(
        root.join("examples/yueyang-2021/chengguan-zhifa.toml"),
        examples.join("chengguan-zhifa.toml"),
    )
    .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_jixiao"))
        .args(["test", rules.to_str().unwrap()])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("✗"), "{stdout}");
    assert!(stdout.contains("重点支出安排率"), "{stdout}");
}

#[test]
fn a_test_that_sets_an_unknown_field_fails_instead_of_testing_nothing() {
    let root = crate::root();
    let dir = std::env::temp_dir().join(format!("jixiao-set-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let base = root.join("rules/yueyang-2021.jx");
    let data = root.join("examples/yueyang-2021/chengguan-zhifa.toml");
    let text = format!(
        "基于 \"{}\"\n测试 \"拼错的字段\" {{\n  数据 \"{}\"\n  设 实有人 = 200\n  期望 等级 = 优秀\n}}\n\
         测试 \"用输入的正式名称设别名填写的值\" {{\n  数据 \"{}\"\n  设 政府采购执行率填报值 = 95%\n  期望 政府采购执行率 得分 = 2.5\n}}\n",
        base.display(),
        data.display(),
        data.display()
    );
    let file = dir.join("set.test.jx");
    std::fs::write(&file, text).unwrap();
    let (code, out, _) = jixiao(&["test", file.to_str().unwrap()]);
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.ends_with("1 个文件，2 个测试：1 个通过，1 个失败\ntest result: FAILED. 1 passed; 1 failed\n"),
        "{out}"
    );
    assert!(out.contains("✗ 拼错的字段"), "{out}");
    assert!(out.contains("`实有人` 不是规则文件声明的输入"), "{out}");
    assert!(out.contains("✓ 用输入的正式名称设别名填写的值"), "{out}");
}

#[test]
fn diff_writes_csv_and_xlsx() {
    use calamine::Reader;
    let dir = std::env::temp_dir().join(format!("jixiao-diff-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let xlsx = dir.join("变化.xlsx");
    let args = [
        "diff",
        "rules/yueyang-2021.jx",
        "rules/yueyang-2022.jx",
        "examples/yueyang-2021/units.csv",
    ];
    let (code, _, err) = jixiao(&[&args[..], &["-o", xlsx.to_str().unwrap()]].concat());
    assert_eq!(code, 0, "{err}");
    let mut wb = calamine::open_workbook_auto(&xlsx).unwrap();
    assert_eq!(wb.sheet_names(), ["规则变化", "单位影响"]);
    let units = wb.worksheet_range("单位影响").unwrap();
    assert_eq!(units.height(), 1 + 7, "a header and one row per unit");
    let (code, csv, _) = jixiao(&[&args[..], &["--format", "csv"]].concat());
    assert_eq!(code, 0);
    assert_eq!(csv.lines().count(), 1 + 7);
    assert!(
        csv.lines()
            .nth(1)
            .unwrap()
            .contains("市园林绿化服务中心（虚构）,84.85,83.85,-1.00"),
        "{csv}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Replaces `from` (which must occur exactly once) in rule text.
fn edit(text: &str, from: &str, to: &str) -> String {
    assert_eq!(text.matches(from).count(), 1, "`{from}` must occur exactly once");
    text.replacen(from, to, 1)
}

fn rule_change(kind: &str, subject: &str, old: &str, new: &str) -> jixiao_io::diff::RuleChange {
    let text = |s: &str| (!s.is_empty()).then(|| s.to_owned());
    jixiao_io::diff::RuleChange {
        kind: kind.into(),
        subject: subject.into(),
        old: text(old),
        new: text(new),
        old_words: None,
        new_words: None,
    }
}

#[test]
fn diff_lists_tolerances_severities_aliases_ranges_defaults_formats_stepping_precision_and_lists() {
    let original = crate::read(&crate::root().join("rules/yueyang-2021.jx"));
    let mut t = original.clone();
    for (from, to) in [
        ("\n得分精度 2\n", "\n得分精度 1\n"),
        // The file-wide default: shows on every per-step deduction that does not set its own.
        ("\n计步 连续\n", "\n计步 整步\n"),
        ("别名 \"人员编制\"", "别名 \"人员编制\", \"编制数\""),
        (
            "输入 实有人数: 人 { 范围 >= 0",
            "输入 实有人数: 人 { 范围 >= 1",
        ),
        (
            "输入 其他交通费用: 万元 { 范围 >= 0 缺失时 0 ",
            "输入 其他交通费用: 万元 { 范围 >= 0 ",
        ),
        (
            "别名 \"政府采购执行率\" 范围 >= 0 }",
            "别名 \"政府采购执行率\" 范围 >= 0 缺失时 100% }",
        ),
        (
            "别名 \"定量目标\"\n  类别 \"数量指标\", \"质量指标\", \"时效指标\", \"成本指标\", \"社会效益\", \"经济效益\", \"环境效益\", \"满意度\"\n}\n",
            "别名 \"定量目标\", \"绩效目标表\"\n  类别 \"数量指标\", \"质量指标\", \"时效指标\", \"成本指标\", \"社会效益\", \"经济效益\", \"环境效益\"\n}\n目标清单 重点工作 { 类别 \"重点\" }\n",
        ),
        (
            "基本支出占比 = 基本支出 / 支出合计 显示 百分比 2",
            "基本支出占比 = 基本支出 / 支出合计 显示 百分比 1",
        ),
        (
            "显示 百分比 2 说明 \"实际收入 ÷ 年初预算\"",
            "显示 百分比 2 复核容差 0.5% 说明 \"实际收入 ÷ 年初预算\"",
        ),
        (
            "公式 实有人数 / 编制人数\n      显示 百分比 2\n",
            "公式 实有人数 / 编制人数\n      显示 百分比 2\n      复核容差 1%\n",
        ),
        ("公式 累计结余\n      显示 2\n", "公式 累计结余\n      显示 0\n"),
        (
            "评分 扣分 { 基准 100% 每超过 1 百分点 扣 1 }",
            "评分 扣分 { 基准 100% 每超过 1 百分点 扣 1 计步 进位 }",
        ),
        (
            "上年结转 + 公共财政拨款 + 政府基金拨款 + 专户非税收入拨款 + 其他收入\n  容差 0.005",
            "上年结转 + 公共财政拨款 + 政府基金拨款 + 专户非税收入拨款 + 其他收入\n  容差 0.01",
        ),
        (
            "支出合计 = 基本支出 + 项目支出\n  容差 0.005 级别 错误",
            "支出合计 = 基本支出 + 项目支出\n  容差 0.005 级别 警告",
        ),
        ("差额 资本性支出", "差额 资本性支出 + 对个人和家庭补助支出"),
        ("等级 依据 round(总分, 2) {", "等级 依据 round(总分, 1) {"),
        (
            "固定资产合计 与 固定资产期末\n",
            "固定资产合计 与 固定资产期末\n  级别 错误\n",
        ),
    ] {
        t = edit(&t, from, to);
    }
    let old = crate::compile("yueyang-2021.jx", &original);
    let new = crate::compile("edited.jx", &t);
    let changes = jixiao_io::diff::rule_changes(&old.model, &new.model);
    let stepping = |path: &str| rule_change("计步", path, "连续", "整步");
    let expected = vec![
        rule_change("文件头", "得分精度", "2", "1"),
        stepping("投入 / 预算配置 / 财政供养人员控制率"),
        rule_change("复核容差", "投入 / 预算配置 / 财政供养人员控制率", "（无）", "1%"),
        stepping("投入 / 预算配置 / 三公经费变动率"),
        stepping("过程 / 预算执行 / 支付进度"),
        rule_change("显示", "过程 / 预算执行 / 资金结余", "2", "0"),
        rule_change(
            "评分",
            "过程 / 预算执行 / 三公经费控制率",
            "评分 扣分 { 基准 100% 每超过 1 百分点 扣 1 }",
            "评分 扣分 { 基准 100% 每超过 1 百分点 扣 1 计步 进位 }",
        ),
        rule_change("计步", "过程 / 预算执行 / 三公经费控制率", "连续", "进位"),
        stepping("过程 / 预算管理 / 资金使用合规性"),
        stepping("过程 / 预算管理 / 政府采购执行率"),
        rule_change(
            "等级",
            "评价等次",
            "依据 round(总分, 2)：优秀 >= 90；良好 [80, 90)；中 [60, 80)；差 < 60",
            "依据 round(总分, 1)：优秀 >= 90；良好 [80, 90)；中 [60, 80)；差 < 60",
        ),
        rule_change("别名", "编制人数", "\"人员编制\"", "\"人员编制\"、\"编制数\""),
        rule_change("范围", "实有人数", ">= 0", ">= 1"),
        rule_change("缺失时", "其他交通费用", "0", "（无）"),
        rule_change("缺失时", "政府采购执行率填报值", "（无）", "100%"),
        rule_change(
            "修改目标清单",
            "绩效目标",
            "类别 \"数量指标\"、\"质量指标\"、\"时效指标\"、\"成本指标\"、\"社会效益\"、\"经济效益\"、\"环境效益\"、\"满意度\"；别名 \"定量目标\"",
            "类别 \"数量指标\"、\"质量指标\"、\"时效指标\"、\"成本指标\"、\"社会效益\"、\"经济效益\"、\"环境效益\"；别名 \"定量目标\"、\"绩效目标表\"",
        ),
        rule_change("新增目标清单", "重点工作", "", "类别 \"重点\""),
        rule_change("显示", "基本支出占比", "百分比 2", "百分比 1"),
        rule_change("复核容差", "预算完成率", "（无）", "0.5%"),
        rule_change("容差", "收入合计平衡", "0.005", "0.01"),
        rule_change("级别", "支出合计平衡", "错误", "警告"),
        rule_change("差额", "公用经费口径", "资本性支出", "资本性支出 + 对个人和家庭补助支出"),
        rule_change("级别", "固定资产口径", "警告", "错误"),
    ];
    // The words of 评分 changes are checked below; here what the rule files write.
    let as_written = |c: &jixiao_io::diff::RuleChange| jixiao_io::diff::RuleChange {
        old_words: None,
        new_words: None,
        ..c.clone()
    };
    for (i, (got, want)) in changes.iter().zip(&expected).enumerate() {
        assert_eq!(&as_written(got), want, "change {i}");
    }
    assert_eq!(changes.len(), expected.len(), "{changes:#?}");
    let scoring = changes.iter().find(|c| c.kind == "评分").expect("a 评分 change");
    assert_eq!(
        scoring.new_words.as_deref(),
        Some("扣分：以 100% 为基准，每超过 1 个百分点扣 1 分，扣完为止（不足一步的按一步扣）")
    );
    assert!(changes.iter().all(|c| (c.kind == "评分") == c.old_words.is_some()));

    // The other way round, the list added is one removed.
    let back = jixiao_io::diff::rule_changes(&new.model, &old.model);
    assert!(
        back.contains(&rule_change("删除目标清单", "重点工作", "类别 \"重点\"", "")),
        "{back:#?}"
    );
    assert!(back.contains(&rule_change("计步", "过程 / 预算执行 / 三公经费控制率", "进位", "连续")));

    // As the bureau reads it.
    let report = jixiao_io::diff::report(&old.model, &new.model, Vec::new());
    let text = jixiao_io::diff::render_text(&report, 2);
    for line in [
        "  [文件头] 得分精度：2 → 1\n",
        "  [计步] 投入 / 预算配置 / 财政供养人员控制率：连续 → 整步\n",
        "  [容差] 收入合计平衡：0.005 → 0.01\n",
        "  [级别] 支出合计平衡：错误 → 警告\n",
        "  [范围] 实有人数：>= 0 → >= 1\n",
        "  [缺失时] 其他交通费用：0 → （无）\n",
        "  [显示] 基本支出占比：百分比 2 → 百分比 1\n",
        "  [新增目标清单] 重点工作：类别 \"重点\"\n",
    ] {
        assert!(text.contains(line), "{line}\n{text}");
    }
}

#[test]
fn diff_lists_nothing_for_whitespace_comments_and_the_same_values_written_differently() {
    let original = crate::read(&crate::root().join("rules/yueyang-2021.jx"));
    let mut t = original.clone();
    for (from, to) in [
        // Spaces inside intervals and a comment inside a band table.
        (
            "        >= 90%     得 5\n        [80%, 90%) 得 4\n",
            "        >=90% 得 5 // 第一档\n        [ 80% ,90% )得 4\n",
        ),
        ("[0, 100%]", "[0,1]"),
        ("容差 0.005 级别 错误\n  说明", "容差 0.0050 级别 错误\n  说明"),
        (
            "别名 \"一般商品和服务支出\", \"公用经费\"",
            "别名 \"公用经费\", \"一般商品和服务支出\"",
        ),
        ("等级 依据 round(总分, 2) {", "等级 依据 round( 总分,2 ) {"),
        ("显示 百分比 2 说明", "显示 百分比 2\n  // 预算完成率\n  说明"),
    ] {
        t = edit(&t, from, to);
    }
    let t = t
        .replace("\n  ", "\n\t  ")
        .replace(" = ", "  =  ")
        .replace("// [V]", "/* 已核对 */ // [V] 原文")
        .replace("\n}\n", "\n\n}   # 结束\n");
    assert_ne!(original, t);
    let old = crate::compile("yueyang-2021.jx", &original);
    let new = crate::compile("reformatted.jx", &t);
    let changes = jixiao_io::diff::rule_changes(&old.model, &new.model);
    assert!(changes.is_empty(), "{changes:#?}");
    let report = jixiao_io::diff::report(&old.model, &new.model, Vec::new());
    assert!(jixiao_io::diff::render_text(&report, 2).contains("（规则没有变化）"));
}
