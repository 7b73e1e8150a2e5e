//! Writes a [`Template`] as a commented TOML skeleton for one unit
//! (`jixiao template RULES --format toml`).
//!
//! Every key is quoted (`"编制人数" = ""`: TOML's bare keys are ASCII only). Required
//! values are written as `""`, so the unfilled skeleton is valid TOML and evaluating it
//! lists every value still to fill in at once; optional values (the unit's self-evaluation,
//! inputs with a `缺失时` value) are commented out. Inputs are grouped in tables named after
//! the rule file's sections (`["基本概况"]`), which binding reads through.

use super::*;

/// A TOML basic string.
fn quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A comment on one line.
fn comment(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn how(f: &Field) -> String {
    let hint = match &f.rule {
        Rule::Money { lower, upper } => format!(
            "{}{}，最多两位小数，例如 \"3696.83\"",
            f.unit,
            range_words(*lower, *upper, false)
        ),
        Rule::Decimal { lower, upper } => format!("数（{}）{}", f.unit, range_words(*lower, *upper, false)),
        Rule::Whole { lower, upper } => format!("整数（{}）{}", f.unit, range_words(*lower, *upper, false)),
        Rule::Percent { lower, upper } => format!("百分数{}，例如 \"95%\"", range_words(*lower, *upper, true)),
        Rule::YesNo => "true 或 false".into(),
        Rule::Choice(items) => format!("{} 之一", items.join("、")),
        Rule::Text { .. } => "文字".into(),
        Rule::Score { max } => format!("得分，0 到 {}", format_exact(max.clone())),
        Rule::AsWritten { percent: true } => "照自评报告原文，例如 \"79.31%\"".into(),
        Rule::AsWritten { percent: false } => "照自评报告原文".into(),
    };
    comment(&format!("{hint}；{}", f.note))
}

fn value_line(out: &mut String, f: &Field, key: &str) {
    let value = match &f.value {
        Some(FillValue::Number(n)) => n.to_string(),
        Some(FillValue::Text(t)) => match f.rule {
            Rule::YesNo if t == "是" => "true".into(),
            Rule::YesNo if t == "否" => "false".into(),
            _ => quoted(t),
        },
        None => "\"\"".into(),
    };
    let commented = f.value.is_none() && !f.required && !matches!(f.rule, Rule::Text { .. });
    out.push_str(&format!(
        "{}{} = {value}   # {}\n",
        if commented { "# " } else { "" },
        quoted(key),
        how(f)
    ));
}

/// Writes the skeleton.
pub fn write(t: &Template) -> String {
    let mut out = String::new();
    write_preamble(&mut out, t);
    write_basic(&mut out, t);
    for list in t.lists() {
        write_list(&mut out, list);
    }
    write_review(&mut out, t);
    write_stated(&mut out, t);
    out
}

/// The comment at the top: what the file is, where it came from, how to fill it in.
fn write_preamble(out: &mut String, t: &Template) {
    out.push_str(&format!("# {}（{} 年度）单位填报数据\n", t.title, t.year));
    out.push_str(&format!(
        "# 由 jixiao template 根据{}的规则文件生成（规则文件 SHA-256 {}）。\n",
        t.issuer, t.rules_sha256
    ));
    out.push_str(
        "#\n# 填写方法：在每个 = 后填写；键名保持原样（带引号）。金额单位见各行注释，数字可以加引号\n\
         # 保留原样的小数位（例如 \"1517.00\"）；百分数写成 \"95%\"；是否项写 true 或 false。\n\
         # 行首有 # 的是选填项：要填时去掉行首的 #。留着 \"\" 的必填项，评价时会逐项列出。\n\
         # 检查：jixiao validate 规则文件.jx 本文件.toml；评价：jixiao eval 规则文件.jx 本文件.toml\n\n",
    );
}

/// The fields of the form sheets of one role, grouped under their section headings
/// (`None`: fields before the first heading).
fn fields_by_role(t: &Template, role: FormRole) -> Vec<(Option<String>, Vec<Field>)> {
    let mut groups: Vec<(Option<String>, Vec<Field>)> = Vec::new();
    for sheet in &t.sheets {
        if let Body::Form { role: r, rows } = &sheet.body {
            if *r != role {
                continue;
            }
            for row in rows {
                match row {
                    FormRow::Section(s) => groups.push((Some(s.clone()), Vec::new())),
                    FormRow::Field(f) => match groups.last_mut() {
                        Some((_, g)) => g.push(f.clone()),
                        None => groups.push((None, vec![f.clone()])),
                    },
                    FormRow::Note(_) => {}
                }
            }
        }
    }
    groups
}

/// The basic form's inputs: top-level keys first, then one table per section.
fn write_basic(out: &mut String, t: &Template) {
    // Sections of the basic form become tables (unless a name would clash with a key).
    let basic = fields_by_role(t, FormRole::Basic);
    let keys: Vec<String> = t.fields().map(|(_, f)| f.key.clone()).collect();
    let list_names: Vec<&str> = t.lists().map(|l| l.name.as_str()).collect();
    let mut top_level: Vec<Field> = Vec::new();
    let mut tables: Vec<(String, String, Vec<Field>)> = Vec::new();
    for (heading, fields) in basic {
        let Some(heading) = heading else {
            top_level.extend(fields);
            continue;
        };
        // `一、基本概况` → `基本概况`.
        let name = heading.split_once('、').map_or(heading.as_str(), |(_, n)| n).to_owned();
        let clashes = keys.contains(&name)
            || list_names.contains(&name.as_str())
            || data::REVIEW_KEYS.contains(&name.as_str())
            || data::STATED_KEYS.contains(&name.as_str())
            || data::UNIT_NAME_KEYS.contains(&name.as_str())
            || tables.iter().any(|(n, _, _)| *n == name);
        if clashes {
            top_level.extend(fields);
        } else {
            tables.push((name, heading, fields));
        }
    }
    for f in &top_level {
        value_line(out, f, &f.key);
    }
    for (name, heading, fields) in &tables {
        out.push_str(&format!("\n# ══ {heading} ══\n[{}]\n", quoted(name)));
        for f in fields {
            value_line(out, f, &f.key);
        }
    }
}

/// One target list: a `[[清单]]` block per target filled in, or one empty block.
fn write_list(out: &mut String, list: &ListSheet) {
    out.push_str(&format!(
        "\n# ══ {} ══ 每个目标写一段 [[{}]]，按需要复制；没有目标时删去这些段落，\n# 并在文件开头（第一个 [表] 之前）写 {} = []。\n",
        list.name,
        quoted(&list.name),
        quoted(&list.name)
    ));
    let items: Vec<ListItem> = if list.items.is_empty() {
        vec![ListItem {
            category: String::new(),
            name: String::new(),
            target: String::new(),
            actual: String::new(),
            met: None,
        }]
    } else {
        list.items.clone()
    };
    for item in &items {
        out.push_str(&format!("[[{}]]\n", quoted(&list.name)));
        let categories = if list.categories.is_empty() {
            String::new()
        } else {
            format!("   # {}", list.categories.join("、"))
        };
        out.push_str(&format!("\"类别\" = {}{categories}\n", quoted(&item.category)));
        out.push_str(&format!("\"名称\" = {}\n", quoted(&item.name)));
        out.push_str(&format!(
            "\"目标\" = {}   # 照原文，例如 \"≥95%\"、\"≥100 人\"\n",
            quoted(&item.target)
        ));
        out.push_str(&format!(
            "\"实际\" = {}   # 例如 \"100%\"、\"148 人\"\n",
            quoted(&item.actual)
        ));
        match item.met {
            Some(m) => out.push_str(&format!("\"达成\" = {m}\n")),
            None => out.push_str("# \"达成\" = true   # 目标或实际不是数值（定性目标）时填写 true 或 false\n"),
        }
    }
}

/// The reviewers' table, when any indicator is scored by review.
fn write_review(out: &mut String, t: &Template) {
    let review = fields_by_role(t, FormRole::Review);
    if review.iter().any(|(_, g)| !g.is_empty()) {
        out.push_str(&format!(
            "\n# ══ 评审打分：由财政局评审人员填写，单位不填 ══\n[{}]\n",
            quoted(data::REVIEW_KEYS[0])
        ));
        for f in review.iter().flat_map(|(_, g)| g) {
            let name = f.key.split_once('.').map_or(f.key.as_str(), |(_, n)| n);
            value_line(out, f, name);
        }
    }
}

/// The unit's self-evaluation table, with a subtable per kind of stated value.
fn write_stated(out: &mut String, t: &Template) {
    let stated = fields_by_role(t, FormRole::Stated);
    out.push_str(&format!(
        "\n# ══ 单位自评（选填）：照自评报告填写，供财政局复核对照 ══\n[{}]\n",
        quoted(data::STATED_KEYS[0])
    ));
    let mut current_table = String::new();
    for f in stated.iter().flat_map(|(_, g)| g) {
        let path: Vec<&str> = f.key.splitn(3, '.').collect();
        let (table, name) = match path.as_slice() {
            [_, sub, name] => (format!("[{}.{}]", quoted(data::STATED_KEYS[0]), quoted(sub)), *name),
            [_, name] => (String::new(), *name),
            _ => continue,
        };
        if table != current_table {
            out.push_str(&format!("\n{table}\n"));
            current_table = table;
        }
        value_line(out, f, name);
    }
}
