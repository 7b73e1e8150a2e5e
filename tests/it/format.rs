//! `jixiao fmt`: idempotent, keeps comments, and never changes what a file means.

#[test]
fn bundled_rule_files_are_formatted() {
    for entry in std::fs::read_dir(crate::root().join("rules")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "jx") {
            let text = crate::read(&path);
            assert_eq!(
                jixiao::format::format_source(&text).unwrap(),
                text,
                "{} is not formatted",
                path.display()
            );
        }
    }
}

#[test]
fn formatting_preserves_meaning_and_comments() {
    let root = crate::root();
    let original = crate::read(&root.join("rules/yueyang-2021.jx"));
    // Mangle the layout: no indentation, extra spaces, CRLF, runs of blank lines.
    let mangled: String = original
        .lines()
        .map(|l| {
            let l = l.trim();
            // Widen the first gap of code lines; comments must come through untouched.
            let l = if l.starts_with("//") {
                l.to_owned()
            } else {
                l.replacen(' ', "   ", 1)
            };
            format!("{l}\r\n\r\n")
        })
        .collect();
    let formatted = jixiao::format::format_source(&mangled).unwrap();
    assert_eq!(
        jixiao::format::format_source(&formatted).unwrap(),
        formatted,
        "idempotent"
    );
    for line in original.lines().filter(|l| l.trim_start().starts_with("//")) {
        assert!(formatted.contains(line.trim()), "comment lost: {line}");
    }
    let data = crate::read(&root.join("examples/yueyang-2021/chengguan-zhifa.toml"));
    let eval = |rules: &str| {
        let compiled = crate::compile("r.jx", rules);
        let record = jixiao::load_data(&compiled.model, "d.toml", &data, jixiao::DataFormat::Toml).unwrap();
        let mut ev = jixiao::evaluate(&compiled.model, &record, true).unwrap();
        // Line numbers and the file's hash differ by construction; everything else must not.
        ev.provenance.rules_sha256.clear();
        for f in &mut ev.audit.findings {
            f.rule_line = None;
        }
        serde_json::to_string(&ev).unwrap()
    };
    let (a, b, c) = (eval(&original), eval(&formatted), eval(&mangled));
    assert!(a == b, "formatting changed the evaluation");
    assert!(a == c, "layout changed the evaluation");
}

#[test]
fn an_unterminated_string_is_left_alone() {
    let broken = "标题 \"a\n  b   c\"\n";
    // Whatever it does, formatting must never change a string's contents.
    if let Ok(out) = jixiao::format::format_source(broken) {
        assert!(out.contains("b   c"), "{out}");
    }
}
