//! 逐年对比 (`jixiao trend`, `/api/trend`): the same city's units in 2021 and 2022, each
//! year under its own rules and data.
//!
//! The 2021 results are `jixiao eval rules/yueyang-2021.jx examples/yueyang-2021/units.csv`;
//! the 2022 ones `jixiao eval rules/yueyang-2022.jx tests/fixtures/trend/units-2022.csv
//! --partial`, a copy of the 2021 data edited as a second year would be: the seed unit
//! unchanged (94.30 both years); 市档案馆 overstaffed with a lower 满意度 (97.00 优秀 →
//! 88.24 良好); 市园林绿化服务中心 better, and its name written with half-width brackets
//! `(虚构)` (84.85 良好 → 90.42 优秀); 市水利水电勘测设计院 in error (a broken target list);
//! 市机关事务服务中心 without 满意度 (不完整); 市文化馆 renamed 市文化艺术中心 (matched by
//! `tests/fixtures/trend/更名.csv`); 市农业技术推广站 gone; 市图书馆 new.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::charts::{parse, texts, tips};
use crate::jixiao;

const DATA_2022: &str = "tests/fixtures/trend/units-2022.csv";
const NAMES: &str = "tests/fixtures/trend/更名.csv";

/// The two years' saved results, as a clerk keeps them: `2021结果.json`, `2022结果.json`.
pub(crate) struct Saved {
    pub dir: tempfile::TempDir,
}

impl Saved {
    pub fn new() -> Saved {
        let dir = tempfile::tempdir().expect("temp dir");
        for (rules, data, file, partial) in [
            (
                "rules/yueyang-2021.jx",
                "examples/yueyang-2021/units.csv",
                "2021结果.json",
                false,
            ),
            ("rules/yueyang-2022.jx", DATA_2022, "2022结果.json", true),
        ] {
            let out = dir.path().join(file);
            let mut args = vec!["eval", rules, data, "-o", out.to_str().unwrap()];
            if partial {
                args.push("--partial");
            }
            let (code, _, err) = jixiao(&args);
            assert_eq!(code, 0, "{err}");
        }
        Saved { dir }
    }

    pub fn path(&self, year: u32) -> PathBuf {
        self.dir.path().join(format!("{year}结果.json"))
    }

    pub fn arg(&self, year: u32) -> String {
        self.path(year).to_str().unwrap().to_owned()
    }

    pub fn bytes(&self, year: u32) -> Vec<u8> {
        std::fs::read(self.path(year)).unwrap()
    }

    /// `jixiao trend` of both years (with `extra` arguments) written to `file` here.
    pub fn write(&self, file: &str, extra: &[&str]) -> PathBuf {
        let out = self.dir.path().join(file);
        let (a, b) = (self.arg(2021), self.arg(2022));
        let mut args = vec!["trend", &a, &b, "-o", out.to_str().unwrap()];
        args.extend_from_slice(extra);
        let (code, _, err) = jixiao(&args);
        assert_eq!(code, 0, "{err}");
        out
    }
}

fn json(args: &[&str]) -> Value {
    let (code, out, err) = jixiao(args);
    assert_eq!(code, 0, "{err}");
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"))
}

fn unit<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["units"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["unit"] == name)
        .unwrap_or_else(|| panic!("no unit {name}"))
}

fn names(report: &Value) -> Vec<&str> {
    report["units"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["unit"].as_str().unwrap())
        .collect()
}

#[test]
fn two_years_of_saved_results_side_by_side() {
    let saved = Saved::new();
    let (code, out, err) = jixiao(&["trend", &saved.arg(2021), &saved.arg(2022)]);
    assert_eq!(code, 0, "{err}");
    crate::in_snapshot_dir(|| insta::assert_snapshot!("trend_2021_2022", out));
    // A based rule set is named by its own file in the saved results.
    let v: Value = serde_json::from_slice(&saved.bytes(2022)).unwrap();
    assert_eq!(v["rules"]["file"], "yueyang-2022.jx");
    for line in [
        "逐年对比：岳阳市部门整体支出绩效评价指标体系（2021—2022 年度）",
        "9 个单位中 5 个在各年度都有结果",
        "只有 2021 年度有结果的单位（2 个）：市文化馆（虚构）、市农业技术推广站（虚构）",
        "只有 2022 年度有结果的单位（2 个）：市文化艺术中心（虚构）、市图书馆（虚构）",
        "可用单位更名对照表对应",
    ] {
        assert!(out.contains(line), "{line} missing:\n{out}");
    }
    let row = |name: &str| {
        out.lines()
            .find(|l| l.starts_with("│ ") && l.contains(name))
            .unwrap_or("")
            .to_owned()
    };
    let cells = |name: &str| -> Vec<String> {
        row(name)
            .split(['│', '┆'])
            .map(|c| c.trim().to_owned())
            .filter(|c| !c.is_empty())
            .collect()
    };
    assert_eq!(
        cells("市档案馆（虚构）")[..7],
        ["市档案馆（虚构）", "97.00", "优秀", "88.24", "良好", "-8.76", "降"]
    );
    assert_eq!(
        cells("市园林绿化服务中心(虚构)")[..7],
        [
            "市园林绿化服务中心(虚构)",
            "84.85",
            "良好",
            "90.42",
            "优秀",
            "+5.57",
            "升"
        ]
    );
}

#[test]
fn every_unit_of_either_year_is_listed_and_matched_by_name() {
    let saved = Saved::new();
    let r = json(&["trend", &saved.arg(2022), &saved.arg(2021), "--format", "json"]);
    assert_eq!(r["version"], 1);
    let years: Vec<u64> = r["years"]
        .as_array()
        .unwrap()
        .iter()
        .map(|y| y["year"].as_u64().unwrap())
        .collect();
    assert_eq!(years, [2021, 2022], "oldest first, whatever the order given");
    // The 2022 order, then the units only 2021 has: nine units from seven and seven.
    assert_eq!(
        names(&r),
        [
            "岳阳市城市管理综合执法支队",
            "市档案馆（虚构）",
            "市园林绿化服务中心(虚构)",
            "市水利水电勘测设计院（虚构）",
            "市机关事务服务中心（虚构）",
            "市文化艺术中心（虚构）",
            "市图书馆（虚构）",
            "市文化馆（虚构）",
            "市农业技术推广站（虚构）",
        ]
    );
    assert_eq!(r["matched"], 5);
    // Half-width brackets in 2022 are the same unit, said so.
    let garden = unit(&r, "市园林绿化服务中心(虚构)");
    assert_eq!(
        (garden["matched"].as_bool(), garden["renamed"].as_bool()),
        (Some(true), Some(true))
    );
    assert_eq!(garden["years"][0]["name"], "市园林绿化服务中心（虚构）");
    let library = unit(&r, "市图书馆（虚构）");
    assert_eq!(library["matched"], false);
    assert_eq!(library["years"][0]["status"], "无结果");
    assert_eq!(library["changes"][0]["reason"], "2021 年度无结果");
    for y in r["years"].as_array().unwrap() {
        assert_eq!(y["only_this_year"], 2);
    }
    assert_eq!(r["years"][1]["rules_file"], "yueyang-2022.jx");
    assert_eq!(r["years"][0]["source"], "2021结果.json");
}

#[test]
fn changes_and_medians_are_exact_and_rounded_only_when_written() {
    let saved = Saved::new();
    let r = json(&["trend", &saved.arg(2021), &saved.arg(2022), "--format", "json"]);
    // 9494/105 − 766189/9030 = 479/86 = 5.5697…: written +5.57.
    let garden = &unit(&r, "市园林绿化服务中心(虚构)")["changes"][0];
    assert_eq!(garden["delta"], "479/86");
    assert_eq!(garden["delta_display"], "+5.57");
    assert_eq!(
        (garden["grade_from"].as_str(), garden["grade_to"].as_str()),
        (Some("良好"), Some("优秀"))
    );
    assert_eq!(garden["grade_change"], "升");
    // 1853/21 − 97 = −184/21 = −8.7619…
    let archive = &unit(&r, "市档案馆（虚构）")["changes"][0];
    assert_eq!(
        (archive["delta"].as_str(), archive["delta_display"].as_str()),
        (Some("-184/21"), Some("-8.76"))
    );
    assert_eq!(archive["grade_change"], "降");
    let seed = &unit(&r, "岳阳市城市管理综合执法支队");
    assert_eq!(seed["years"][0]["total"], "4149/44");
    assert_eq!(
        (
            seed["changes"][0]["delta"].as_str(),
            seed["changes"][0]["grade_change"].as_str()
        ),
        (Some("0"), Some("不变"))
    );
    // The seed unit's 投入 rate: 607/44 ÷ 15 = 607/660 (91.97%) both years.
    let input = r["categories"]
        .as_array()
        .unwrap()
        .iter()
        .position(|c| c["name"] == "投入")
        .unwrap();
    assert_eq!(seed["years"][0]["rates"][input]["rate"], "607/660");
    assert_eq!(seed["years"][1]["rates"][input]["display"], "91.97%");
    // Medians over each year's evaluated units: 92 of seven; 94.30 of five.
    let (y21, y22) = (&r["years"][0], &r["years"][1]);
    assert_eq!(
        (
            y21["totals"]["median"].as_str(),
            y21["totals"]["median_display"].as_str()
        ),
        (Some("92"), Some("92.00"))
    );
    assert_eq!(y22["totals"]["median"], "4149/44");
    assert_eq!(y21["totals"]["min"], "938/15");
    // 2021: q1 between 84.85 (766189/9030) and 88, exactly halfway.
    assert_eq!(y21["totals"]["q1"], "1560829/18060");
    let grades: Vec<(String, u64)> = y22["grades"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| (g["name"].as_str().unwrap().to_owned(), g["count"].as_u64().unwrap()))
        .collect();
    assert_eq!(grades, [("优秀".to_owned(), 4), ("良好".to_owned(), 1)]);
    assert_eq!(
        (
            y22["evaluated"].as_u64(),
            y22["incomplete"].as_u64(),
            y22["errors"].as_u64()
        ),
        (Some(5), Some(1), Some(1))
    );
    assert_eq!(y22["grades_from_rules"], false);
    // The categories match by name, 分值 as each year's rules have them (过程 40 → 39).
    let process = r["categories"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "过程")
        .unwrap();
    assert_eq!(process["weights"], serde_json::json!(["40", "39"]));
    assert_eq!(process["comparable"], true);
}

#[test]
fn a_unit_in_error_or_with_an_incomplete_total_has_no_change_and_says_why() {
    let saved = Saved::new();
    let r = json(&["trend", &saved.arg(2021), &saved.arg(2022), "--format", "json"]);
    let water = unit(&r, "市水利水电勘测设计院（虚构）");
    assert_eq!(water["years"][0]["total_display"], "88.00");
    assert_eq!(water["years"][1]["status"], "错误");
    assert!(water["years"][1]["reason"].as_str().unwrap().contains("「绩效目标」列"));
    assert_eq!(water["changes"][0]["delta"], Value::Null);
    assert_eq!(water["changes"][0]["reason"], "2022 年度有错误");
    assert!(water["years"][1]["rates"]
        .as_array()
        .unwrap()
        .iter()
        .all(Value::is_null));
    let office = unit(&r, "市机关事务服务中心（虚构）");
    assert_eq!(office["years"][1]["status"], "不完整");
    assert_eq!(office["years"][1]["total"], Value::Null);
    assert_eq!(office["years"][1]["grade"], Value::Null);
    assert!(office["years"][1]["reason"]
        .as_str()
        .unwrap()
        .starts_with("不完整（已得 85.00 分"));
    assert_eq!(office["changes"][0]["reason"], "2022 年度总分不完整");
    assert_eq!(office["changes"][0]["grade_change"], Value::Null);
    // Both still have results in both years: matched, not dropped.
    assert_eq!(
        (water["matched"].as_bool(), office["matched"].as_bool()),
        (Some(true), Some(true))
    );
    // The 效果 subtotal is incomplete (满意度 unscored): no rate, said so; the rest have theirs.
    let effect = r["categories"]
        .as_array()
        .unwrap()
        .iter()
        .position(|c| c["name"] == "效果")
        .unwrap();
    assert_eq!(office["years"][1]["rates"][effect]["rate"], Value::Null);
    assert_eq!(office["years"][1]["rates"][effect]["display"], "无小计");
    assert_eq!(office["years"][1]["rates"][0]["display"], "86.67%");
}

#[test]
fn renamed_units_are_matched_through_the_name_table() {
    let saved = Saved::new();
    let r = json(&[
        "trend",
        &saved.arg(2021),
        &saved.arg(2022),
        "--names",
        NAMES,
        "--format",
        "json",
    ]);
    assert_eq!(r["names_file"], "更名.csv");
    assert_eq!(r["matched"], 6);
    let culture = unit(&r, "市文化艺术中心（虚构）");
    assert_eq!(
        (culture["matched"].as_bool(), culture["renamed"].as_bool()),
        (Some(true), Some(true))
    );
    assert_eq!(culture["years"][0]["name"], "市文化馆（虚构）");
    assert_eq!(culture["changes"][0]["delta_display"], "0.00");
    assert!(
        !names(&r).contains(&"市文化馆（虚构）"),
        "one row, under its latest name"
    );
    assert_eq!(r["warnings"], serde_json::json!([]));
    let (_, out, _) = jixiao(&["trend", &saved.arg(2021), &saved.arg(2022), "--names", NAMES]);
    assert!(
        out.contains("市文化艺术中心（虚构）（2021 年度名为「市文化馆（虚构）」）"),
        "{out}"
    );
    assert!(!out.contains("可用单位更名对照表对应"));
}

#[test]
fn a_name_table_is_checked_against_the_results() {
    let saved = Saved::new();
    let table = |text: &str| {
        let path = saved.dir.path().join("对照.csv");
        std::fs::write(&path, text).unwrap();
        path.to_str().unwrap().to_owned()
    };
    // A name no result has: a warning, the rest goes on.
    let path = table("2021,2022\n市文化馆（虚构）,市文化艺术中心（虚构）\n市博物馆,市博物院\n");
    let r = json(&[
        "trend",
        &saved.arg(2021),
        &saved.arg(2022),
        "--names",
        &path,
        "--format",
        "json",
    ]);
    let warnings: Vec<&str> = r["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w.as_str().unwrap())
        .collect();
    assert_eq!(
        warnings,
        [
            "单位更名对照表 对照.csv 第 3 行：2021 年度的结果中没有名为「市博物馆」的单位",
            "单位更名对照表 对照.csv 第 3 行：2022 年度的结果中没有名为「市博物院」的单位",
        ]
    );
    let (_, out, _) = jixiao(&["trend", &saved.arg(2021), &saved.arg(2022), "--names", &path]);
    assert!(out.contains("提示：单位更名对照表 对照.csv 第 3 行：2021 年度的结果中没有名为「市博物馆」的单位"));
    // A year no result has, and a table that is not one: errors, nothing written.
    for (text, message) in [
        (
            "2020,2021\n甲,乙\n",
            "单位更名对照表 对照.csv 有 2020 年度一列，但没有给出 2020 年度的结果",
        ),
        ("原名,新名\n甲,乙\n", "第 1 行第 1 列「原名」不是年度"),
    ] {
        let path = table(text);
        let (code, out, err) = jixiao(&["trend", &saved.arg(2021), &saved.arg(2022), "--names", &path]);
        assert_eq!(code, 1, "{text}");
        assert!(out.is_empty());
        assert!(err.contains(message), "{err}");
    }
}

/// The comparison without where each year's results came from (a file, or rules and data).
fn without_sources(mut r: Value) -> Value {
    for y in r["years"].as_array_mut().unwrap() {
        let y = y.as_object_mut().unwrap();
        y.remove("source");
        y.remove("grades");
        y.remove("grades_from_rules");
    }
    r
}

#[test]
fn rules_and_data_per_year_give_what_the_saved_results_give() {
    let saved = Saved::new();
    let from_files = json(&["trend", &saved.arg(2021), &saved.arg(2022), "--format", "json"]);
    let evaluated = json(&[
        "trend",
        "--eval",
        "rules/yueyang-2021.jx",
        "examples/yueyang-2021/units.csv",
        "--eval",
        "rules/yueyang-2022.jx",
        DATA_2022,
        "--partial",
        "--format",
        "json",
    ]);
    assert_eq!(without_sources(evaluated.clone()), without_sources(from_files.clone()));
    assert_eq!(evaluated["years"][1]["source"], "yueyang-2022.jx：units-2022.csv");
    // With the rule file, every grade is known in its order (差 too, no unit got it).
    let grades: Vec<&str> = evaluated["years"][0]["grades"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["name"].as_str().unwrap())
        .collect();
    assert_eq!(grades, ["优秀", "良好", "中", "差"]);
    assert_eq!(evaluated["years"][0]["grades_from_rules"], true);
    // A saved year and an evaluated one mix.
    let mixed = json(&[
        "trend",
        &saved.arg(2021),
        "--eval",
        "rules/yueyang-2022.jx",
        DATA_2022,
        "--partial",
        "--format",
        "json",
    ]);
    assert_eq!(without_sources(mixed), without_sources(from_files));
}

#[test]
fn what_cannot_be_compared_is_refused_in_chinese() {
    let saved = Saved::new();
    let refused = |args: &[&str], message: &str| {
        let mut all = vec!["trend"];
        all.extend_from_slice(args);
        let (code, out, err) = jixiao(&all);
        assert_eq!(code, 1, "{args:?}: {out}");
        assert!(err.contains(message), "{args:?}: {err}");
    };
    refused(&[&saved.arg(2021)], "逐年对比至少需要两个年度的结果，现在只有 1 个");
    refused(&[&saved.arg(2021), &saved.arg(2021)], "都是 2021 年度的结果");
    refused(
        &[&saved.arg(2021), "examples/yueyang-2021/chengguan-zhifa.toml"],
        "chengguan-zhifa.toml 不是 jixiao 的评价结果",
    );
    refused(
        &[&saved.arg(2021), "rules/yueyang-2022.jx"],
        "rules/yueyang-2022.jx 是规则文件：要按规则和数据现场评价一个年度，写 --eval rules/yueyang-2022.jx 数据文件…",
    );
    refused(
        &[&saved.arg(2021), "没有这个文件.json"],
        "无法读取文件 没有这个文件.json",
    );
    let truncated = saved.dir.path().join("截断.json");
    let bytes = saved.bytes(2022);
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).unwrap();
    refused(
        &[&saved.arg(2021), truncated.to_str().unwrap()],
        "内容提前结束（可能不完整）",
    );
    // Usage errors are clap's, in Chinese (exit 2).
    let (code, _, err) = jixiao(&["trend", &saved.arg(2021), "--eval", "rules/yueyang-2022.jx"]);
    assert_eq!(code, 2);
    assert!(err.contains("--eval"), "{err}");
}

#[test]
fn csv_and_workbook_outputs() {
    use calamine::{Data, Reader, Xlsx};
    let saved = Saved::new();
    let csv_path = saved.write("逐年.csv", &[]);
    let text = std::fs::read_to_string(&csv_path).unwrap();
    let text = text.strip_prefix('\u{feff}').expect("a BOM for Excel");
    let mut lines = text.lines();
    assert_eq!(
        lines.next().unwrap(),
        "单位名称,2021 总分,2021 等级,2022 总分,2022 等级,变化,等级变化,说明,投入 2021,投入 2022,过程 2021,过程 2022,产出 2021,产出 2022,效果 2021,效果 2022"
    );
    assert!(
        text.contains("市档案馆（虚构）,97.00,优秀,88.24,良好,-8.76,降,,100.00%,68.25%,"),
        "{text}"
    );
    let xlsx_path = saved.write("逐年.xlsx", &[]);
    let mut book: Xlsx<_> = calamine::open_workbook(&xlsx_path).unwrap();
    assert_eq!(book.sheet_names(), ["各单位", "各年度"]);
    let sheet = book.worksheet_range("各单位").unwrap();
    let row = sheet
        .rows()
        .find(|r| r[0] == Data::String("市园林绿化服务中心(虚构)".into()))
        .unwrap();
    // Figures are numbers, rounded as written.
    assert_eq!(row[1], Data::Float(84.85));
    assert_eq!(row[3], Data::Float(90.42));
    assert_eq!(row[5], Data::Float(5.57));
    // A change shows its sign, as the text does: the workbook has the signed format.
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&xlsx_path).unwrap()).unwrap();
    let mut styles = String::new();
    std::io::Read::read_to_string(&mut zip.by_name("xl/styles.xml").unwrap(), &mut styles).unwrap();
    assert!(styles.contains("formatCode=\"+0.00;-0.00;0.00\""), "{styles}");
    assert_eq!(row[8], Data::Float(0.5033));
    let years = book.worksheet_range("各年度").unwrap();
    assert_eq!(years.get((2, 8)), Some(&Data::Float(94.3)));
    // Into a pipe the workbook goes to standard output (a terminal would be refused).
    let (code, out, err) = jixiao(&["trend", &saved.arg(2021), &saved.arg(2022), "--format", "xlsx"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("PK"), "a zip archive: the workbook");
}

#[test]
fn the_printed_report() {
    let saved = Saved::new();
    let html = saved.write("逐年.html", &["--names", NAMES]);
    let text = crate::read(&html);
    for part in [
        "<h1>逐年对比（2021—2022 年度）</h1>",
        "@top-left { content: \"岳阳市部门整体支出绩效评价指标体系 逐年对比（2021—2022 年度）\"",
        "size: A4",
        "counter(pages)",
        "id=\"jx-trend-grades\"",
        "id=\"jx-trend-totals\"",
        "id=\"jx-trend-categories\"",
        "id=\"jx-trend-units\"",
        "<h2>各单位逐年总分和等级</h2>",
        "<h2>各单位一级指标得分率</h2>",
        "<td class=\"num\">+5.57</td>",
        "市文化艺术中心（虚构）（2021 年度名为「市文化馆（虚构）」）",
    ] {
        assert!(text.contains(part), "the report has {part}");
    }
    assert!(!text.contains("<script"));
    assert!(!text.contains(saved.dir.path().to_str().unwrap()), "no machine paths");
    let pdf = saved.dir.path().join("逐年.pdf");
    if let Some(bytes) = crate::print::print_to_pdf(&html, &pdf) {
        let pages = crate::print::pdf_pages(&pdf, &bytes);
        // The summary and charts, then the tables: three A4 pages for nine units.
        assert_eq!(pages, 3, "{pages} pages");
    }
}

/// The report of the saved results, built in this process (for the charts).
fn report(saved: &Saved, names: bool) -> jixiao_io::trend::TrendReport {
    let read = |year: u32| {
        let file = std::fs::File::open(saved.path(year)).unwrap();
        jixiao_io::trend::read::read_results(&format!("{year}结果.json"), file).unwrap()
    };
    let table = names.then(|| {
        let bytes = std::fs::read(crate::root().join(NAMES)).unwrap();
        jixiao_io::trend::NameTable::read("更名.csv", &bytes).unwrap()
    });
    jixiao_io::trend::compare(vec![read(2021), read(2022)], table.as_ref()).unwrap()
}

fn snapshot(name: &str, svg: &str) {
    crate::in_snapshot_dir(|| insta::assert_snapshot!(name, svg));
}

fn attr(e: &crate::charts::Element, name: &str) -> f64 {
    e.attrs[name].parse().unwrap()
}

/// Where a chart's score axis (ticks 60 to 100) puts a score.
fn score_axis(e: &[crate::charts::Element]) -> impl Fn(f64) -> f64 + '_ {
    let tick = |label: &str| attr(e.iter().find(|x| x.name == "text" && x.text == label).unwrap(), "x");
    let (sixty, hundred) = (tick("60"), tick("100"));
    move |v: f64| sixty + (hundred - sixty) * (v - 60.0) / 40.0
}

#[test]
fn the_citys_grades_year_by_year() {
    let saved = Saved::new();
    let c = jixiao_io::chart::trend::grades::chart(&report(&saved, true));
    let e = parse(&c.svg);
    snapshot("chart_trend_grades", &c.svg);
    // Each year's bar is split in proportion to its seven units: 4 + 2 + 1 in 2021;
    // 4 + 1 + 1 不完整 (hatched) + 1 错误 (cross-hatched) in 2022.
    let bars: Vec<&crate::charts::Element> = e
        .iter()
        .filter(|x| x.name == "rect" && x.attrs.contains_key("x"))
        .collect();
    let parts: Vec<(f64, &str)> = bars
        .iter()
        .filter(|b| attr(b, "height") == 22.0)
        .map(|b| (attr(b, "width"), b.attrs["fill"].as_str()))
        .collect();
    let unit = parts[2].0;
    let widths: Vec<f64> = parts.iter().map(|p| (p.0 / unit * 10.0).round() / 10.0).collect();
    assert_eq!(widths, [4.0, 2.0, 1.0, 4.0, 1.0, 1.0, 1.0]);
    assert_eq!(parts[5].1, "url(#jx-trend-grades-hatch)");
    assert_eq!(parts[6].1, "url(#jx-trend-grades-cross)");
    // A grade keeps its shade from year to year.
    assert_eq!(parts[0].1, parts[3].1);
    assert_eq!(parts[1].1, parts[4].1);
    let t = texts(&e);
    assert!(
        t.iter()
            .any(|l| l.starts_with("优秀 4（57.14%）；良好 1（14.29%）；不完整 1（14.29%）；错误 1（14.29%）")),
        "{t:?}"
    );
    assert!(tips(&e).contains(&"2022 年度 错误：1 个单位，占全部 7 个单位的 14.29%"));
}

#[test]
fn the_citys_totals_and_category_rates_year_by_year() {
    let saved = Saved::new();
    let r = report(&saved, true);
    let c = jixiao_io::chart::trend::totals::chart(&r);
    let e = parse(&c.svg);
    snapshot("chart_trend_totals", &c.svg);
    let t = texts(&e);
    assert!(t.contains(&"中位 92.00（62.53～97.00），7 个单位"), "{t:?}");
    assert!(t.contains(&"中位 94.30（88.24～96.00），5 个单位"), "{t:?}");
    // The medians stand where the axis puts 92 and 94.3, joined by a dashed line.
    let at = score_axis(&e);
    let dashed: Vec<&crate::charts::Element> = e.iter().filter(|x| x.attrs.contains_key("stroke-dasharray")).collect();
    assert_eq!(dashed.len(), 1);
    assert!((attr(dashed[0], "x1") - at(92.0)).abs() < 0.2);
    assert!((attr(dashed[0], "x2") - at(94.3)).abs() < 0.2);

    let c = jixiao_io::chart::trend::categories::chart(&r);
    let e = parse(&c.svg);
    snapshot("chart_trend_categories", &c.svg);
    let t = texts(&e);
    for row in ["投入", "过程", "产出", "效果"] {
        assert!(t.contains(&row), "{row} missing from {t:?}");
    }
    assert!(t.contains(&"100.00% → 100.00%"), "{t:?}");
    assert!(tips(&e)
        .iter()
        .any(|tip| tip.starts_with("投入：已评价单位得分率的中位数，2021 年度 ")));
}

#[test]
fn each_units_totals_year_by_year() {
    let saved = Saved::new();
    let charts = jixiao_io::chart::trend::units::charts(&report(&saved, true), None);
    assert_eq!(charts.len(), 1);
    let c = &charts[0];
    let e = parse(&c.svg);
    snapshot("chart_trend_units", &c.svg);
    let t = texts(&e);
    // Largest gain first; a grade change in bold, its bar hatched.
    let rows: Vec<&str> = t
        .iter()
        .copied()
        .filter(|x| x.contains('→') && !x.contains("年度"))
        .collect();
    assert_eq!(
        rows,
        [
            "84.85 → 90.42（+5.57） 良好→优秀",
            // No change: the higher total first.
            "96.00 → 96.00（0.00）",
            "94.30 → 94.30（0.00）",
            "97.00 → 88.24（-8.76） 优秀→良好",
            "— → 95.00",
            "92.00 → 不完整",
            "88.00 → 错误",
            "62.53 → —",
        ]
    );
    let hatched = e
        .iter()
        .filter(|x| x.name == "rect" && x.attrs.get("fill").map(String::as_str) == Some("url(#jx-trend-units-hatch)"))
        .count();
    assert_eq!(hatched, 2 + 1, "two changes of grade and the legend's swatch");
    // A unit's marks: a ring for 2021, a dot for 2022, where the axis puts its totals.
    let at = score_axis(&e);
    let circles: Vec<&crate::charts::Element> = e.iter().filter(|x| x.name == "circle").collect();
    // The legend's two, then 84.85 (ring) and 90.42 (dot) of the first row.
    assert_eq!(circles[2].attrs["fill"], "none");
    assert!((attr(circles[2], "cx") - at(84.85)).abs() < 0.2);
    assert_eq!(circles[3].attrs["fill"], "#1a1a1a");
    assert!((attr(circles[3], "cx") - at(90.42)).abs() < 0.2);
    assert!(tips(&e).contains(&"市园林绿化服务中心(虚构)：2021 年度 84.85 良好，2022 年度 90.42 优秀；变化 +5.57"));
}

/// Two 一级 categories renamed between years: `产出` in 2024, `效果` from 2025.
fn three_years() -> Vec<jixiao_io::trend::YearResults> {
    use jixiao_io::trend::evaluated::{scores_of, year_of};
    let base = crate::read(&crate::root().join("tests/charts/rules.jx"));
    let years = [
        (2024, base.clone()),
        (
            2025,
            base.replace("年度 2024", "年度 2025").replace("一级 产出", "一级 效果"),
        ),
        (
            2026,
            base.replace("年度 2024", "年度 2026").replace("一级 产出", "一级 效果"),
        ),
    ];
    years
        .iter()
        .map(|(year, text)| {
            let rules =
                jixiao::Rules::compile(&format!("{year}.jx"), text).unwrap_or_else(|e| panic!("{}", e.render()));
            let units = [("甲", ["18", "9", "36", "27"]), ("乙", ["10", "5", "30", "20"])]
                .iter()
                .enumerate()
                .map(|(i, (name, scores))| {
                    let mut b = rules.unit(*name);
                    for (indicator, s) in ["执行率", "结余", "完成率", "满意度"].iter().zip(scores) {
                        // 乙 does better each year: one more point on 完成率.
                        let extra = if *name == "乙" { *year as i64 - 2024 } else { 0 };
                        let s = s.parse::<i64>().unwrap() + if *indicator == "完成率" { extra } else { 0 };
                        b.review(indicator, rust_decimal::Decimal::from(s));
                    }
                    let ev = rules.evaluate(&b.build(), &jixiao::Options::default()).unwrap();
                    jixiao_io::trend::YearUnit {
                        number: i + 1,
                        source: format!("第 {} 行", i + 2),
                        name: name.to_string(),
                        outcome: Ok(scores_of(&ev)),
                    }
                })
                .collect();
            year_of(&rules.compiled().model, &format!("{year}.jx"), units)
        })
        .collect()
}

#[test]
fn categories_that_not_every_year_has_are_not_compared() {
    let r = jixiao_io::trend::compare(three_years(), None).unwrap();
    let cats: Vec<(&str, bool)> = r.categories.iter().map(|c| (c.name.as_str(), c.comparable)).collect();
    assert_eq!(cats, [("投入", true), ("效果", false), ("产出", false)]);
    let text = jixiao_io::trend::render::render_text(&r);
    assert!(
        text.contains(
            "不可比较的一级指标（不是每个年度的规则都有）：效果（只有 2025、2026 年度有）、产出（只有 2024 年度有）"
        ),
        "{text}"
    );
    let rates = jixiao_io::trend::render::rates_table(&r);
    assert_eq!(rates.headers, ["单位名称", "投入 2024", "投入 2025", "投入 2026"]);
    // Three years: a change for each pair, named by its years.
    let units = jixiao_io::trend::render::units_table(&r);
    assert!(
        units.headers.contains(&"变化（2025→2026）".to_owned()),
        "{:?}",
        units.headers
    );
    let yi = r.units.iter().find(|u| u.unit == "乙").unwrap();
    let deltas: Vec<Option<String>> = yi.changes.iter().map(|c| c.delta_display.clone()).collect();
    assert_eq!(deltas, [Some("+1.00".into()), Some("+1.00".into())]);
    let c = jixiao_io::chart::trend::categories::chart(&r);
    let t = texts(&parse(&c.svg)).join("");
    assert!(
        t.contains("不能比较的一级指标：效果（只有 2025、2026 年度有）、产出（只有 2024 年度有）"),
        "{t}"
    );
    assert!(t.contains("70.00% → 70.00% → 70.00%"), "{t}");
}

/// `/api/trend` against the command line.
#[cfg(feature = "serve")]
mod api {
    use super::*;
    use crate::serve::{config, start, Resp};

    /// A `multipart/form-data` request of text fields and files, each file in a field of
    /// its own name (`result`, `data1`, `names`).
    fn post(addr: std::net::SocketAddr, path: &str, fields: &[(&str, &str)], files: &[(&str, &str, &[u8])]) -> Resp {
        let boundary = "----jixiao-trend-boundary-4b1e";
        let mut body = Vec::new();
        for (k, v) in fields {
            body.extend_from_slice(
                format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n").as_bytes(),
            );
        }
        for (field, name, bytes) in files {
            body.extend_from_slice(
                format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes(),
            );
            body.extend_from_slice(bytes);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        let content_type = format!("multipart/form-data; boundary={boundary}");
        crate::serve::request(addr, "POST", path, &[("Content-Type", &content_type)], &body)
    }

    /// The rule files beside the data, as the server and the command line both name them.
    fn workdir() -> tempfile::TempDir {
        let dir = crate::serve::workdir();
        std::fs::copy(crate::root().join(DATA_2022), dir.path().join("units-2022.csv")).unwrap();
        std::fs::copy(crate::root().join(NAMES), dir.path().join("更名.csv")).unwrap();
        dir
    }

    fn cli_json(dir: &Path, args: &[&str]) -> Value {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_jixiao"))
            .args(args)
            .current_dir(dir)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice(&out.stdout).unwrap()
    }

    /// `jixiao trend` of the saved results without the name table: its units.
    fn expected_without_names(dir: &tempfile::TempDir) -> Value {
        cli_json(
            dir.path(),
            &["trend", "2021结果.json", "2022结果.json", "--format", "json"],
        )["units"]
            .clone()
    }

    #[test]
    fn the_api_answers_what_jixiao_trend_prints() {
        let saved = Saved::new();
        let dir = workdir();
        for year in [2021, 2022] {
            std::fs::copy(saved.path(year), dir.path().join(format!("{year}结果.json"))).unwrap();
        }
        let server = start(config(dir.path()));
        let (a, b) = (saved.bytes(2021), saved.bytes(2022));
        let names = std::fs::read(dir.path().join("更名.csv")).unwrap();
        let r = post(
            server.addr(),
            "/api/trend",
            &[],
            &[
                ("result", "2022结果.json", &b),
                ("result", "2021结果.json", &a),
                ("names", "更名.csv", &names),
            ],
        );
        assert_eq!(r.status, 200, "{}", r.text());
        let mut body = r.json();
        crate::contract::assert_valid(&crate::contract::trend_validator(), "/api/trend", &body);
        let charts = body.as_object_mut().unwrap().remove("charts").unwrap();
        let expected = cli_json(
            dir.path(),
            &[
                "trend",
                "2021结果.json",
                "2022结果.json",
                "--names",
                "更名.csv",
                "--format",
                "json",
            ],
        );
        assert_eq!(body, expected);
        let ids: Vec<&str> = charts
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_str().unwrap())
            .collect();
        assert_eq!(
            ids,
            [
                "jx-trend-grades",
                "jx-trend-totals",
                "jx-trend-categories",
                "jx-trend-units"
            ]
        );
        for c in charts.as_array().unwrap() {
            parse(c["svg"].as_str().unwrap());
        }

        // The workbench's own JSON answer (/api/evaluate) is a saved result too.
        let evaluated = crate::serve::post_form(
            server.addr(),
            "/api/evaluate",
            &[("rules", "yueyang-2021"), ("format", "json")],
            &[("units.csv", &std::fs::read(dir.path().join("units.csv")).unwrap())],
        );
        assert_eq!(evaluated.status, 200);
        let r = post(
            server.addr(),
            "/api/trend",
            &[],
            &[
                ("result", "评价结果.json", &evaluated.body),
                ("result", "2022结果.json", &b),
            ],
        );
        assert_eq!(r.status, 200, "{}", r.text());
        let body = r.json();
        assert_eq!(
            (body["matched"].as_u64(), body["years"][0]["rules_file"].as_str()),
            (Some(5), Some("yueyang-2021.jx"))
        );
        // The same, but for where the 2021 rows came from (the upload's name, not the path).
        let sources = |units: &Value| -> Vec<Value> {
            units
                .as_array()
                .unwrap()
                .iter()
                .map(|u| u["years"][0]["source"].clone())
                .collect()
        };
        let mut expected = expected_without_names(&dir);
        assert_eq!(sources(&expected)[0], "examples/yueyang-2021/units.csv 第 2 行");
        assert_eq!(sources(&body["units"])[0], "units.csv 第 2 行");
        let mut units = body["units"].clone();
        for list in [&mut units, &mut expected] {
            for u in list.as_array_mut().unwrap() {
                u["years"][0]["source"] = Value::Null;
            }
        }
        assert_eq!(units, expected);

        // Rule sets and data per year: the command line's --eval.
        let csv21 = std::fs::read(dir.path().join("units.csv")).unwrap();
        let csv22 = std::fs::read(dir.path().join("units-2022.csv")).unwrap();
        let r = post(
            server.addr(),
            "/api/trend",
            &[
                ("rules1", "yueyang-2021"),
                ("rules2", "yueyang-2022"),
                ("partial", "true"),
            ],
            &[("data1", "units.csv", &csv21), ("data2", "units-2022.csv", &csv22)],
        );
        assert_eq!(r.status, 200, "{}", r.text());
        let mut body = r.json();
        body.as_object_mut().unwrap().remove("charts");
        let expected = cli_json(
            dir.path(),
            &[
                "trend",
                "--eval",
                "yueyang-2021.jx",
                "units.csv",
                "--eval",
                "yueyang-2022.jx",
                "units-2022.csv",
                "--partial",
                "--format",
                "json",
            ],
        );
        assert_eq!(body, expected);

        // Downloads are the command line's files.
        for (format, args) in [("csv", "csv"), ("html", "html")] {
            let r = post(
                server.addr(),
                "/api/trend",
                &[("format", format)],
                &[("result", "2021结果.json", &a), ("result", "2022结果.json", &b)],
            );
            assert_eq!(r.status, 200, "{}", r.text());
            assert!(r.header("content-disposition").unwrap().contains(&format!(".{format}")));
            let out = std::process::Command::new(env!("CARGO_BIN_EXE_jixiao"))
                .args(["trend", "2021结果.json", "2022结果.json", "--format", args])
                .current_dir(dir.path())
                .env("SOURCE_DATE_EPOCH", "1733457600")
                .env("TZ", "Asia/Shanghai")
                .output()
                .unwrap();
            if format == "csv" {
                assert_eq!(
                    r.text().trim_start_matches('\u{feff}'),
                    String::from_utf8_lossy(&out.stdout)
                );
            } else {
                assert!(r.text().contains("id=\"jx-trend-units\""));
            }
        }
        let r = post(
            server.addr(),
            "/api/trend",
            &[("format", "xlsx")],
            &[("result", "2021结果.json", &a), ("result", "2022结果.json", &b)],
        );
        assert_eq!(r.status, 200);
        assert!(r.body.starts_with(b"PK"));
    }

    #[test]
    fn bad_trend_requests_get_clear_answers() {
        let saved = Saved::new();
        let dir = workdir();
        let server = start(config(dir.path()));
        let a = saved.bytes(2021);
        let csv = std::fs::read(dir.path().join("units.csv")).unwrap();
        let (a, csv): (&[u8], &[u8]) = (&a, &csv);
        for (fields, files, status, message) in [
            (vec![], vec![], 400, "没有上传"),
            (vec![], vec![("result", "2021结果.json", a)], 422, "至少需要两个年度"),
            (
                vec![],
                vec![("result", "2021结果.json", a), ("result", "单位.csv", csv)],
                422,
                "单位.csv 不是 jixiao 的评价结果",
            ),
            (
                vec![("rules1", "yueyang-2021")],
                vec![("result", "2021结果.json", a)],
                400,
                "rules1 的数据",
            ),
            (
                vec![("rules1", "没有这套规则")],
                vec![("data1", "units.csv", csv)],
                404,
                "没有这套规则",
            ),
            (vec![], vec![("data3", "units.csv", csv)], 400, "data3"),
            (
                vec![("format", "pdf")],
                vec![("result", "a.json", a)],
                400,
                "不支持的输出格式",
            ),
        ] {
            let r = post(server.addr(), "/api/trend", &fields, &files);
            assert_eq!(r.status, status, "{fields:?}: {}", r.text());
            assert!(r.error().contains(message), "{fields:?}: {}", r.error());
        }
        // The page is there, linked from every page.
        let page = crate::serve::get(server.addr(), "/trend");
        assert_eq!(page.status, 200);
        assert!(page.text().contains("<script src=\"/assets/trend.js\"></script>"));
        assert!(crate::serve::get(server.addr(), "/rules")
            .text()
            .contains("<a href=\"/trend\">逐年</a>"));
        assert_eq!(crate::serve::get(server.addr(), "/assets/trend.js").status, 200);
    }
}
