//! 复核: the seed unit's real inconsistencies are found, and nothing else.

fn seed_audit() -> jixiao::report::Evaluation {
    let root = crate::root();
    let compiled = crate::compile(
        "rules/yueyang-2021.jx",
        &crate::read(&root.join("rules/yueyang-2021.jx")),
    );
    let data = crate::read(&root.join("examples/yueyang-2021/chengguan-zhifa.toml"));
    let record = jixiao::load_data(&compiled.model, "chengguan-zhifa.toml", &data, jixiao::DataFormat::Toml).unwrap();
    jixiao::evaluate(&compiled.model, &record, false).unwrap()
}

#[test]
fn seed_audit_finds_the_reports_inconsistencies_and_nothing_spurious() {
    let ev = seed_audit();
    let found: Vec<(String, String, String)> = ev
        .audit
        .findings
        .iter()
        .map(|f| (f.severity.clone(), f.category.clone(), f.subject.clone()))
        .collect();
    let expected = [
        ("警告", "指标值", "财政供养人员控制率"), // report: 80%; 138/174 = 79.31%
        ("警告", "指标值", "预算完成率"),         // report: 100%; 3641.42/3029.36 = 120.20%
        ("警告", "同一数字", "固定资产口径"),     // table 727.80 vs text 747.40
        ("警告", "得分", "预算配置"),             // self 15, recomputed 13.80
        ("警告", "得分", "预算执行"),             // self 14, recomputed 12.50
        ("警告", "得分", "总分"),                 // self 97, recomputed 94.30
        ("提示", "同一数字", "公用经费口径"),     // table 556.92 vs text 489.43 = + 资本性支出 67.49
    ];
    let expected: Vec<(String, String, String)> = expected
        .iter()
        .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
        .collect();
    assert_eq!(found, expected);
    assert_eq!(ev.audit.summary, "自评 97 分 优秀 → 复核 94.30 分 优秀");
    assert!(!ev.audit.grade_changed);
}

#[test]
fn seed_audit_figures() {
    let ev = seed_audit();
    let find = |subject: &str| ev.audit.findings.iter().find(|f| f.subject == subject).unwrap();
    let control = find("财政供养人员控制率");
    assert_eq!(control.stated.as_deref(), Some("80%"));
    assert_eq!(control.computed.as_deref(), Some("79.31%"));
    assert_eq!(control.difference.as_deref(), Some("0.69%"));
    assert_eq!(
        control.explanation.as_deref(),
        Some("财政供养人员控制率 = 138 / 174 = 79.31%")
    );
    assert_eq!(find("预算完成率").computed.as_deref(), Some("120.20%"));
    let public = find("公用经费口径");
    assert_eq!(public.difference.as_deref(), Some("67.49"));
    assert!(public.message.contains("资本性支出 67.49"), "{}", public.message);
    assert_eq!(find("固定资产口径").difference.as_deref(), Some("-19.60"));
    // Stated "2.4%" is 2.41% at the precision the unit wrote: no finding.
    assert!(ev.audit.findings.iter().all(|f| f.subject != "三公经费变动率"));
}

#[test]
fn provenance_names_and_hashes_both_inputs() {
    let ev = seed_audit();
    let root = crate::root();
    assert_eq!(
        ev.provenance.rules_sha256,
        jixiao::sha256_hex(crate::read(&root.join("rules/yueyang-2021.jx")).as_bytes())
    );
    assert_eq!(
        ev.provenance.data_sha256,
        jixiao::sha256_hex(crate::read(&root.join("examples/yueyang-2021/chengguan-zhifa.toml")).as_bytes())
    );
    assert_eq!(ev.provenance.rules_sha256.len(), 64);
}

#[test]
fn a_target_claimed_met_but_missed_is_flagged() {
    let root = crate::root();
    let compiled = crate::compile(
        "rules/yueyang-2021.jx",
        &crate::read(&root.join("rules/yueyang-2021.jx")),
    );
    let data = crate::read(&root.join("examples/yueyang-2021/chengguan-zhifa.toml")).replacen(
        "\"实际\" = \"148 人\"",
        "\"实际\" = \"90 人\"\n\"达成\" = true",
        1,
    );
    let record = jixiao::load_data(&compiled.model, "d.toml", &data, jixiao::DataFormat::Toml).unwrap();
    let ev = jixiao::evaluate(&compiled.model, &record, false).unwrap();
    let f = ev
        .audit
        .findings
        .iter()
        .find(|f| f.category == "绩效目标")
        .expect("target finding");
    assert_eq!(f.stated.as_deref(), Some("已达成"));
    assert_eq!(f.computed.as_deref(), Some("未达成"));
    // The recomputation, not the claim, scores the indicator.
    let rate = ev.indicators.iter().find(|i| i.name == "实际完成率").unwrap();
    assert_eq!(rate.display.as_deref(), Some("80.00%"));
}

use crate::jixiao as run;

#[test]
fn audit_command_lists_the_seeds_findings_with_provenance() {
    let (code, out, err) = run(&[
        "audit",
        "rules/yueyang-2021.jx",
        "examples/yueyang-2021/chengguan-zhifa.toml",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("复核意见\n  自评 97 分 优秀 → 复核 94.30 分 优秀"),
        "{out}"
    );
    assert!(
        out.contains("报告所写 `财政供养人员控制率` 80% 与复核计算不符"),
        "{out}"
    );
    assert!(out.contains("报告所写 `预算完成率` 100% 与复核计算不符"), "{out}");
    assert!(
        out.contains("固定资产合计 727.80 与 固定资产期末 747.40 相差 -19.60"),
        "{out}"
    );
    assert!(out.contains("差额等于 资本性支出 67.49"), "{out}");
    assert!(out.contains("SHA-256"), "{out}");
}

#[test]
fn batch_audit_summarises_across_units() {
    let (code, out, err) = run(&[
        "audit",
        "rules/yueyang-2021.jx",
        "examples/yueyang-2021/units.csv",
        "--format",
        "csv",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("复核：7 个已评价单位中"), "{err}");
    assert!(err.contains("个评价等次改变"), "{err}");
    assert!(err.contains("最常见的复核意见"), "{err}");
    let header = out.lines().next().unwrap_or("");
    assert!(header.contains("复核结论") && header.contains("复核意见"), "{header}");
    assert!(header.ends_with("规则文件SHA256,数据文件SHA256"), "{header}");
    let seed = out.lines().find(|l| l.contains("岳阳市城市管理综合执法支队")).unwrap();
    assert!(seed.contains("自评 97 分 优秀 → 复核 94.30 分 优秀"), "{seed}");
}

/// The 复核 lists what it confirmed too (issue 16, item 7), at the precision the unit wrote:
/// "2.4%" for 2.409…% is right; "80%" for 79.31% is not, and is a finding instead.
#[test]
fn seed_audit_lists_the_confirmed_figures() {
    let ev = seed_audit();
    let confirmed: Vec<(&str, &str, &str)> = ev
        .audit
        .confirmed
        .iter()
        .map(|c| (c.subject.as_str(), c.stated.as_str(), c.computed.as_str()))
        .collect();
    assert!(
        confirmed.contains(&("三公经费变动率", "2.4%", "2.41%")),
        "{confirmed:?}"
    );
    assert!(confirmed.contains(&("预算管理", "15", "15.00")), "{confirmed:?}");
    assert!(confirmed.contains(&("评价等次", "优秀", "优秀")), "{confirmed:?}");
    assert!(!confirmed
        .iter()
        .any(|c| c.0 == "财政供养人员控制率" || c.0 == "预算配置" || c.0 == "总分"));
    assert_eq!(confirmed.len(), 13);
    let text = jixiao_io::text::render_audit(&ev);
    assert!(text.contains("核对无误（13 项，按报告所写的精度）"), "{text}");
}
