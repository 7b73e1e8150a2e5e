//! The comparison as terminal text, CSV and a workbook.

use jixiao::number::Number;
use jixiao::numfmt::format_decimal;

use super::*;

/// The diff as the bureau reads it.
pub fn render_text(d: &DiffReport, precision: u32) -> String {
    let mut out = format!(
        "规则变化：{}（{} 年度）→ {}（{} 年度）\n",
        d.old.file, d.old.year, d.new.file, d.new.year
    );
    if d.rule_changes.is_empty() {
        out.push_str("  （规则没有变化）\n");
    }
    for c in &d.rule_changes {
        let text = match (&c.old, &c.new) {
            (Some(a), Some(b)) => format!("{a} → {b}"),
            (None, Some(b)) => b.clone(),
            (Some(a), None) => a.clone(),
            (None, None) => String::new(),
        };
        out.push_str(&format!("  [{}] {}：{text}\n", c.kind, c.subject));
    }
    if d.units.is_empty() {
        return out;
    }
    out.push_str(&format!(
        "\n对单位的影响：{} 个单位中 {} 个总分变化，{} 个等级变化（按变化大小排序）\n",
        d.units.len(),
        d.units_changed,
        d.grades_changed
    ));
    let score = |x: Option<Number>| x.map_or("—".to_owned(), |v| format_decimal(v, false, precision));
    for u in &d.units {
        if let Some(e) = &u.error {
            out.push_str(&format!("  第 {} 个 {}：无法比较（{e}）\n", u.number, u.unit));
            continue;
        }
        if let Some(note) = &u.incomplete {
            out.push_str(&format!("  第 {} 个 {}：总分无法比较（{note}）\n", u.number, u.unit));
            continue;
        }
        let grade = if u.grade_changed {
            format!(
                "，等级 {} → {}",
                u.old_grade.as_deref().unwrap_or("—"),
                u.new_grade.as_deref().unwrap_or("—")
            )
        } else {
            format!("，等级 {}", u.new_grade.as_deref().unwrap_or("—"))
        };
        out.push_str(&format!(
            "  {}：总分 {} → {}（{}{}）{grade}\n",
            u.unit,
            score(u.old_total.clone()),
            score(u.new_total.clone()),
            if u.delta.as_ref().is_some_and(|d| *d > Number::ZERO) {
                "+"
            } else {
                ""
            },
            // Incomplete and erroneous units were written above; both totals are final here.
            format_decimal(u.delta.clone().unwrap_or_default(), false, precision)
        ));
        for c in &u.changes {
            out.push_str(&format!(
                "      {}：{} → {}（{}{}）\n",
                c.name,
                score(c.old.clone()),
                score(c.new.clone()),
                if c.delta > Number::ZERO { "+" } else { "" },
                format_decimal(c.delta.clone(), false, precision)
            ));
        }
    }
    out
}

/// One row per unit: number, unit, old/new total, delta, old/new grade, changed scores.
pub fn render_csv(d: &DiffReport, precision: u32) -> Result<String, String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let score = |x: Option<Number>| x.map_or(String::new(), |v| format_decimal(v, false, precision));
    let io = |e: csv::Error| e.to_string();
    w.write_record([
        "序号",
        "单位名称",
        "旧总分",
        "新总分",
        "变化",
        "旧等级",
        "新等级",
        "等级变化",
        "变化的得分",
        "错误",
    ])
    .map_err(io)?;
    for u in &d.units {
        let changes = u
            .changes
            .iter()
            .map(|c| format!("{} {}", c.name, format_decimal(c.delta.clone(), false, precision)))
            .collect::<Vec<_>>()
            .join("；");
        // Unit names and errors come from data files: no cell may run as a formula.
        let text = |t: &str| {
            if crate::batch::output::formula_like(t) {
                format!("'{t}")
            } else {
                t.to_owned()
            }
        };
        w.write_record([
            u.number.to_string(),
            text(&u.unit),
            score(u.old_total.clone()),
            score(u.new_total.clone()),
            u.delta
                .clone()
                .map(|d| format_decimal(d, false, precision))
                .unwrap_or_default(),
            u.old_grade.clone().unwrap_or_default(),
            u.new_grade.clone().unwrap_or_default(),
            match (&u.delta, u.grade_changed) {
                (None, _) => String::new(),
                (Some(_), true) => "是".to_owned(),
                (Some(_), false) => "否".to_owned(),
            },
            text(&changes),
            text(u.error.as_deref().or(u.incomplete.as_deref()).unwrap_or_default()),
        ])
        .map_err(io)?;
    }
    let bytes = w.into_inner().map_err(|e| e.to_string())?;
    String::from_utf8(bytes).map_err(|e| e.to_string())
}

/// The diff as a workbook: 规则变化 and 单位影响 sheets, scores as numbers.
pub fn render_xlsx(d: &DiffReport, precision: u32) -> Result<Vec<u8>, String> {
    use rust_xlsxwriter::{Format, Workbook};
    let err = |e: rust_xlsxwriter::XlsxError| format!("无法生成 XLSX 工作簿：{e}");
    let mut wb = Workbook::new();
    let header = Format::new().set_bold();
    let score_format = Format::new().set_num_format(if precision == 0 {
        "0".to_owned()
    } else {
        format!("0.{}", "0".repeat(precision as usize))
    });
    let number =
        |x: Number| -> Option<f64> { crate::batch::xlsx::to_f64(jixiao::numfmt::round_half_away(x, precision).ok()?) };
    let rules = wb.add_worksheet();
    rules.set_name("规则变化").map_err(err)?;
    for (c, h) in ["变化", "对象", "原规则", "新规则"].iter().enumerate() {
        rules.write_string_with_format(0, c as u16, *h, &header).map_err(err)?;
    }
    for (c, w) in [10.0, 40.0, 60.0, 60.0].iter().enumerate() {
        rules.set_column_width(c as u16, *w).map_err(err)?;
    }
    for (r, c) in d.rule_changes.iter().enumerate() {
        let row = r as u32 + 1;
        rules.write_string(row, 0, &c.kind).map_err(err)?;
        rules.write_string(row, 1, &c.subject).map_err(err)?;
        rules
            .write_string(row, 2, c.old.as_deref().unwrap_or(""))
            .map_err(err)?;
        rules
            .write_string(row, 3, c.new.as_deref().unwrap_or(""))
            .map_err(err)?;
    }
    let units = wb.add_worksheet();
    units.set_name("单位影响").map_err(err)?;
    let headers = [
        "序号",
        "单位名称",
        "旧总分",
        "新总分",
        "变化",
        "旧等级",
        "新等级",
        "等级变化",
        "变化的得分",
        "错误",
    ];
    for (c, h) in headers.iter().enumerate() {
        units.write_string_with_format(0, c as u16, *h, &header).map_err(err)?;
    }
    for (c, w) in [6.0, 30.0, 10.0, 10.0, 10.0, 8.0, 8.0, 8.0, 60.0, 40.0]
        .iter()
        .enumerate()
    {
        units.set_column_width(c as u16, *w).map_err(err)?;
    }
    for (r, u) in d.units.iter().enumerate() {
        let row = r as u32 + 1;
        units.write_number(row, 0, u.number as f64).map_err(err)?;
        units.write_string(row, 1, &u.unit).map_err(err)?;
        for (c, x) in [(2, u.old_total.clone()), (3, u.new_total.clone()), (4, u.delta.clone())] {
            if let Some(f) = x.and_then(number) {
                units.write_number_with_format(row, c, f, &score_format).map_err(err)?;
            }
        }
        units
            .write_string(row, 5, u.old_grade.as_deref().unwrap_or(""))
            .map_err(err)?;
        units
            .write_string(row, 6, u.new_grade.as_deref().unwrap_or(""))
            .map_err(err)?;
        units
            .write_string(row, 7, if u.grade_changed { "是" } else { "否" })
            .map_err(err)?;
        let changes = u
            .changes
            .iter()
            .map(|c| format!("{} {}", c.name, format_decimal(c.delta.clone(), false, precision)))
            .collect::<Vec<_>>()
            .join("；");
        units.write_string(row, 8, &changes).map_err(err)?;
        units
            .write_string(row, 9, u.error.as_deref().or(u.incomplete.as_deref()).unwrap_or(""))
            .map_err(err)?;
    }
    wb.save_to_buffer().map_err(err)
}
