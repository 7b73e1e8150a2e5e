//! The checker: every rule-author mistake in `tests/cases/check/err/` is reported,
//! and the bundled rule files check clean.

#[test]
fn check_error_diagnostics() {
    crate::in_snapshot_dir(|| {
        insta::glob!("../cases", "check/err/*.jx", |path| {
            let text = crate::read(path);
            let name = format!("check/err/{}", path.file_name().unwrap().to_string_lossy());
            insta::assert_snapshot!(crate::load_error(&name, &text));
        });
    });
}

#[test]
fn bundled_rule_files_check_clean() {
    let dir = crate::root().join("rules");
    let mut count = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "jx") {
            let compiled = crate::compile(&path.display().to_string(), &crate::read(&path));
            assert!(compiled.warnings.is_empty(), "{}: warnings", path.display());
            count += 1;
        }
    }
    assert!(count >= 1);
}

#[test]
fn unknown_name_suggests_the_nearest_defined_name() {
    let text = crate::read(&crate::root().join("tests/cases/check/err/unknown_name.jx"));
    let rendered = crate::load_error("unknown_name.jx", &text);
    assert!(rendered.contains("未定义的名称 `编制人员`"), "{rendered}");
    assert!(rendered.contains("是否指 `编制人数`"), "{rendered}");
}
