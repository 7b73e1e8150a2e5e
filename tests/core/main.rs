//! The embedding API (`jixiao::Rules` and friends), tested as a host uses it: only the
//! items documented at the crate root, no command line.

use std::path::PathBuf;

use jixiao::{DataFormat, ErrorKind, EvalErrorKind, InputType, Options, ProblemKind, Rules, Target, Unit};
use rust_decimal::Decimal;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn rules_2021() -> Rules {
    Rules::load(root().join("rules/yueyang-2021.jx")).expect("the bundled rule file loads")
}

fn seed(rules: &Rules) -> Unit {
    let text = std::fs::read_to_string(root().join("examples/yueyang-2021/chengguan-zhifa.toml")).unwrap();
    rules
        .unit_from_text(&text, DataFormat::Toml)
        .expect("the seed's TOML reads")
}

#[test]
fn the_seed_unit_evaluates_to_its_figures() {
    let rules = rules_2021();
    let ev = rules.evaluate(&seed(&rules), &Options::default()).unwrap();
    assert_eq!(ev.unit, "岳阳市城市管理综合执法支队");
    let control = ev.indicators.iter().find(|i| i.name == "财政供养人员控制率").unwrap();
    assert_eq!(control.display.as_deref(), Some("79.31%")); // 138 / 174, not the report's 80%
    assert_eq!(control.value.as_ref().unwrap().to_string(), "23/29");
    assert_eq!(ev.total_display, "94.30");
    assert_eq!(ev.total.as_ref().unwrap().to_string(), "4149/44");
    assert_eq!(ev.grade.as_deref(), Some("优秀"));
    assert!(ev.complete);
    assert_eq!(ev.audit.summary, "自评 97 分 优秀 → 复核 94.30 分 优秀");
    assert_eq!(ev.version, jixiao::JSON_VERSION);
}

#[test]
fn the_api_gives_what_the_library_pipeline_gives() {
    // The API is a front on the same pipeline: the JSON is the same, field for field.
    let rules = rules_2021();
    let text = std::fs::read_to_string(root().join("examples/yueyang-2021/chengguan-zhifa.toml")).unwrap();
    let compiled = rules.compiled();
    let record = jixiao::load_data(&compiled.model, "（程序传入的数据）", &text, DataFormat::Toml).unwrap();
    let direct = jixiao::evaluate(&compiled.model, &record, true).unwrap();
    let via_api = rules
        .evaluate(
            &rules.unit_from_text(&text, DataFormat::Toml).unwrap(),
            &Options::default().explain(true),
        )
        .unwrap();
    let mut a = serde_json::to_value(&direct).unwrap();
    let mut b = serde_json::to_value(&via_api).unwrap();
    // Only the data's name differs (a host passes no file).
    a["provenance"]["data_file"] = serde_json::Value::Null;
    b["provenance"]["data_file"] = serde_json::Value::Null;
    assert_eq!(a, b);
}

#[test]
fn inputs_describe_the_form() {
    let rules = rules_2021();
    let inputs = rules.inputs();
    let headcount = inputs.iter().find(|i| i.name == "编制人数").unwrap();
    assert_eq!(headcount.input_type, InputType::Count { unit: "人" });
    assert_eq!(headcount.aliases, ["人员编制"]);
    assert_eq!(headcount.ranges, [">= 0"]);
    assert!(headcount.required);
    assert!(headcount.description.as_deref().unwrap().contains("编制"));
    let budget = inputs.iter().find(|i| i.name == "年初预算").unwrap();
    assert_eq!(budget.input_type, InputType::Amount { unit: "万元" });
    let optional = inputs.iter().filter(|i| !i.required).count();
    assert!(optional > 0, "some inputs have 缺失时");
    assert!(inputs
        .iter()
        .any(|i| matches!(&i.input_type, InputType::Targets { categories } if !categories.is_empty())));
    // As JSON, for a host's form builder.
    let json = serde_json::to_value(headcount).unwrap();
    assert_eq!(json["type"]["kind"], "count");
    assert_eq!(json["type"]["unit"], "人");
}

#[test]
fn the_builder_checks_each_value_where_it_is_set() {
    let rules = rules_2021();
    let mut unit = rules.unit("某单位");
    // By alias; a second set replaces the first.
    unit.set("人员编制", 100).unwrap().set("人员编制", 174).unwrap();
    let err = unit.set("实有人数", Decimal::new(1385, 1)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Data(ProblemKind::NotInteger));
    let err = unit.set("实有人数", -1).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Data(ProblemKind::OutOfRange));
    assert_eq!(err.code(), "jixiao::data::out_of_range");
    assert!(err.to_string().contains("超出规定的范围"), "{err}");
    let err = unit.set("实有人", 138).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Data(ProblemKind::UnknownInput));
    assert!(err.to_string().contains("是否指 `实有人数`"), "{err}");
    let err = unit.set("绩效目标", 3).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Data(ProblemKind::InvalidTarget));
    let err = unit.set("开展绩效监控", "也许").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Data(ProblemKind::InvalidValue));
    unit.set("实有人数", 138).unwrap();
    unit.set(
        "绩效目标",
        vec![Target::new("数量指标", "培训人数", "≥100 人", "148 人")],
    )
    .unwrap();
    // Missing figures are found when evaluating (all at once), or are 无法计算 under partial.
    let err = rules.evaluate(&unit.build(), &Options::default()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Data(ProblemKind::MissingInput));
    assert!(err.problems().len() > 10);
    assert!(err.problems().iter().all(|p| p.kind == ProblemKind::MissingInput));
    let ev = rules
        .evaluate(&unit.build(), &Options::default().partial(true))
        .unwrap();
    assert!(!ev.complete);
    assert_eq!(ev.total, None);
    assert_eq!(ev.grade, None);
    let control = ev.indicators.iter().find(|i| i.name == "财政供养人员控制率").unwrap();
    assert_eq!(control.display.as_deref(), Some("79.31%"));
}

#[test]
fn a_built_unit_evaluates_like_its_data_file() {
    // The seed rebuilt through the builder from its own JSON-shaped data, stated figures too.
    let rules = rules_2021();
    let from_file = rules.evaluate(&seed(&rules), &Options::default()).unwrap();
    let mut unit = rules.unit("岳阳市城市管理综合执法支队");
    let text = std::fs::read_to_string(root().join("examples/yueyang-2021/chengguan-zhifa.toml")).unwrap();
    let doc: toml_edit::DocumentMut = text.parse().unwrap();
    fn walk(unit: &mut jixiao::UnitBuilder, table: &toml_edit::Table) {
        for (key, item) in table.iter() {
            match item {
                toml_edit::Item::Table(t) if key == "评审" => {
                    for (k, v) in t.iter() {
                        let score: Decimal = v.as_value().unwrap().to_string().trim().parse().unwrap();
                        unit.review(k, score);
                    }
                }
                toml_edit::Item::Table(t) if key == "自评" => {
                    for (k, v) in t.iter() {
                        match (k, v) {
                            ("总分", v) => {
                                unit.stated_total(v.as_value().unwrap().to_string().trim().parse().unwrap());
                            }
                            ("等级", v) => {
                                unit.stated_grade(v.as_str().unwrap());
                            }
                            ("得分", toml_edit::Item::Table(scores)) => {
                                for (name, s) in scores.iter() {
                                    let s = s.as_value().unwrap().to_string();
                                    unit.stated_score(name, s.trim().parse().unwrap());
                                }
                            }
                            ("指标值", toml_edit::Item::Table(values)) => {
                                for (name, s) in values.iter() {
                                    unit.stated_value(name, s.as_str().unwrap());
                                }
                            }
                            other => panic!("unexpected 自评 entry {other:?}"),
                        }
                    }
                }
                toml_edit::Item::Table(t) => walk(unit, t),
                toml_edit::Item::ArrayOfTables(items) => {
                    let targets = items
                        .iter()
                        .map(|t| {
                            let s = |k: &str| t.get(k).and_then(|v| v.as_str()).unwrap_or_default();
                            let target = Target::new(s("类别"), s("名称"), s("目标"), s("实际"));
                            match t.get("达成").and_then(|v| v.as_bool()) {
                                Some(a) => target.achieved(a),
                                None => target,
                            }
                        })
                        .collect::<Vec<_>>();
                    unit.set(key, targets).unwrap();
                }
                toml_edit::Item::Value(v) if key == "单位名称" => assert!(v.is_str()),
                toml_edit::Item::Value(toml_edit::Value::Integer(n)) => {
                    unit.set(key, *n.value()).unwrap();
                }
                toml_edit::Item::Value(toml_edit::Value::Boolean(b)) => {
                    unit.set(key, *b.value()).unwrap();
                }
                toml_edit::Item::Value(toml_edit::Value::String(s)) => {
                    unit.set(key, s.value().as_str()).unwrap();
                }
                other => panic!("unexpected {key}: {other:?}"),
            }
        }
    }
    walk(&mut unit, doc.as_table());
    let built = rules.evaluate(&unit.build(), &Options::default()).unwrap();
    assert_eq!(built.total, from_file.total);
    assert_eq!(built.indicators, from_file.indicators);
    assert_eq!(built.audit.findings, from_file.audit.findings);
    assert_eq!(built.audit.summary, from_file.audit.summary);
}

#[test]
fn evaluate_many_keeps_order_and_isolates_errors() {
    let rules = rules_2021();
    let good = seed(&rules);
    let mut bad = rules.unit("缺数单位");
    bad.set("编制人数", 10).unwrap();
    let bad = bad.build();
    // Enough units for the parallel path; a bad one every 37th.
    let units: Vec<&Unit> = (0..300).map(|i| if i % 37 == 5 { &bad } else { &good }).collect();
    let options = Options::default().audit(false);
    let many = rules.evaluate_many(units.iter().copied(), &options);
    assert_eq!(many.len(), 300);
    for (i, (unit, result)) in units.iter().zip(&many).enumerate() {
        let one = rules.evaluate(unit, &options);
        match (result, one) {
            (Ok(a), Ok(b)) => assert_eq!(a, &b, "unit {i}"),
            (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string(), "unit {i}"),
            _ => panic!("unit {i}: evaluate_many and evaluate disagree"),
        }
        assert_eq!(result.is_err(), i % 37 == 5, "unit {i}");
    }
    assert_eq!(many[0].as_ref().unwrap().audit.summary, "未复核");
}

#[test]
fn rule_file_errors_have_kinds_codes_and_places() {
    let err = Rules::compile("坏.jx", "标题 \"x\"\n年度 2021\n满分 10\n一级 投入 分值 10 {\n").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Syntax);
    assert_eq!(err.code(), "jixiao::syntax");
    let d = &err.diagnostics()[0];
    assert_eq!(d.file, "坏.jx");
    assert!(d.line >= 4, "{d:?}");
    assert!(err.render().contains("坏.jx"), "{}", err.render());

    let text = std::fs::read_to_string(root().join("rules/yueyang-2021.jx")).unwrap();
    let broken = text.replacen("三级 财政供养人员控制率 分值 5", "三级 财政供养人员控制率 分值 6", 1);
    assert_ne!(broken, text);
    let err = Rules::compile("yueyang.jx", &broken).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Check);
    assert_eq!(err.code(), "jixiao::check::weights_sum");
    assert!(err
        .diagnostics()
        .iter()
        .any(|d| d.code == "jixiao::check::weights_sum" && d.severity == "error"));

    let err = Rules::load(root().join("rules/没有这个文件.jx")).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Io);
    assert!(err.to_string().contains("文件不存在"), "{err}");
    assert!(!err.to_string().contains("os error"), "{err}");
}

#[test]
fn a_based_file_loads_relative_to_itself() {
    // rules/yueyang-2022.jx is `基于 "yueyang-2021.jx"`: found beside it, from any directory.
    let rules = Rules::load(root().join("rules/yueyang-2022.jx")).unwrap();
    assert_eq!(rules.year(), 2022);
    let err = Rules::compile(
        "2022.jx",
        &std::fs::read_to_string(root().join("rules/yueyang-2022.jx")).unwrap(),
    )
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Check, "no loader: the base cannot be read");
    assert_eq!(err.code(), "jixiao::check::inheritance");
}

#[test]
fn a_grade_no_total_can_reach_is_refused_before_any_unit() {
    // Grade bands that leave totals uncovered are a check error, so a unit's evaluation
    // never meets a total in no band (EvalErrorKind::Ungradable stays a safeguard).
    let err = Rules::compile(
        "g.jx",
        "标题 \"g\"\n年度 2021\n满分 10\n输入 x: 分 { 范围 [0, 10] }\n\
         一级 甲 分值 10 {\n  二级 乙 分值 10 {\n    三级 丙 分值 10 {\n      评分 公式 x\n    }\n  }\n}\n\
         等级 { 好 >= 5 }\n",
    )
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Check);
    assert_eq!(err.code(), "jixiao::check::band_gap");
    assert!(err.to_string().contains("规则文件检查未通过"), "{err}");
    assert!(err.render().contains("[0, 5)"), "{}", err.render());
}

#[test]
fn every_code_is_distinct_and_namespaced() {
    let mut codes: Vec<&str> = jixiao::ProblemKind::ALL.iter().map(|k| k.code()).collect();
    codes.extend(
        [
            EvalErrorKind::DivisionByZero,
            EvalErrorKind::Overflow,
            EvalErrorKind::Ungradable,
            EvalErrorKind::Other,
        ]
        .map(EvalErrorKind::code),
    );
    let n = codes.len();
    codes.sort_unstable();
    codes.dedup();
    assert_eq!(codes.len(), n, "codes repeat");
    assert!(codes
        .iter()
        .all(|c| c.starts_with("jixiao::data::") || c.starts_with("jixiao::eval::")));
}

#[test]
fn evaluate_iter_streams_the_same_results_in_order() {
    // More units than one chunk on any machine, so chunk boundaries are crossed.
    let rules = rules_2021();
    let good = seed(&rules);
    let mut bad = rules.unit("缺数单位");
    bad.set("编制人数", 10).unwrap();
    let bad = bad.build();
    let n = 4 * 256 * std::thread::available_parallelism().map_or(1, |c| c.get()) + 7;
    let units: Vec<Unit> = (0..n)
        .map(|i| if i % 101 == 3 { bad.clone() } else { good.clone() })
        .collect();
    let options = Options::default().audit(false);
    let streamed: Vec<_> = rules.evaluate_iter(units.clone(), options).collect();
    let many = rules.evaluate_many(&units, &options);
    assert_eq!(streamed.len(), n);
    for (i, (a, b)) in streamed.iter().zip(&many).enumerate() {
        match (a, b) {
            (Ok(a), Ok(b)) => assert_eq!(a, b, "unit {i}"),
            (Err(a), Err(b)) => assert_eq!(a.code(), b.code(), "unit {i}"),
            _ => panic!("unit {i}: evaluate_iter and evaluate_many disagree"),
        }
        assert_eq!(a.is_err(), i % 101 == 3, "unit {i}");
    }
}

#[test]
fn a_based_files_diagnostics_name_the_file_and_line_the_author_wrote() {
    let dir = root().join("tests/fixtures/inherit");
    let base = dir.join("base.jx").display().to_string();
    let child = dir.join("child_weights.jx").display().to_string();
    let err = Rules::load(&child).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Check);
    let records = err.diagnostics();
    // The inherited band `<= 100 得 4` (base.jx line 20) is above the adjusted 分值 3.
    let band = records.iter().find(|r| r.code == "jixiao::check::bad_weight").unwrap();
    assert_eq!((band.file.as_str(), band.line), (base.as_str(), 20));
    let base_text = std::fs::read_to_string(&base).unwrap();
    assert_eq!(&base_text[band.start..band.end], "4");
    // The weights of 预算配置 (base.jx line 11) no longer add up: the new weight is in the
    // child's `调整` (line 4), a label in the other file.
    let sum = records.iter().find(|r| r.code == "jixiao::check::weights_sum").unwrap();
    assert_eq!((sum.file.as_str(), sum.line), (base.as_str(), 11));
    let in_child: Vec<_> = sum.labels.iter().filter(|l| l.file == child).collect();
    assert_eq!(in_child.len(), 1, "{:#?}", sum.labels);
    assert_eq!(in_child[0].line, 4);
    let rendered = err.render();
    assert!(rendered.contains(&format!("[{base}:20:")), "{rendered}");
    assert!(rendered.contains(&format!("[{child}:4:")), "{rendered}");
    assert!(!rendered.contains("合并"), "{rendered}");

    // A data problem names the base file that declares the field.
    let rules = Rules::load(dir.join("child.jx")).unwrap();
    let err = rules
        .unit_from_text("\"单位名称\" = \"某单位\"\n\"编制人数\" = -1\n", DataFormat::Toml)
        .and_then(|unit| rules.evaluate(&unit, &Options::default()))
        .unwrap_err();
    let problem = err.problems().iter().find(|p| p.field == "编制人数").unwrap();
    assert_eq!(problem.declared_at, Some((7, 4)));
    assert_eq!(problem.declared_in.as_deref(), Some(base.as_str()));
}
