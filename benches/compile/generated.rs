//! The generated rule file of the compile benchmark (also written out by
//! `cargo run --release --example generated_rules -- 10 > generated.jx`, for profiling).

/// A rule file with `100 × tens` 三级 indicators (1,000 for `tens` = 10).
pub fn generated(tens: usize) -> String {
    let mut out = String::new();
    let full = tens * 100;
    out.push_str(&format!(
        "标题 \"生成的 {full} 个指标\"\n年度 2024\n满分 {full}\n计步 连续\n得分精度 2\n\n"
    ));
    for i in 0..100 {
        out.push_str(&format!("输入 数{i}: 万元 {{ 范围 >= 0 }}\n"));
    }
    let mut k = 0;
    for a in 0..tens {
        out.push_str(&format!("一级 类{a} 分值 100 {{\n"));
        for b in 0..10 {
            out.push_str(&format!("  二级 项{a}_{b} 分值 10 {{\n"));
            for _ in 0..10 {
                let (x, y) = ((k * 7) % 100, (k * 13 + 1) % 100);
                let body = match k % 5 {
                    0 => format!("公式 数{x} / (数{y} + 1)  显示 百分比 2  评分 比例 {{ 目标 95% }}"),
                    1 => format!(
                        "公式 数{x} / (数{y} + 1)  显示 百分比 2  评分 扣分 {{ 基准 100%  每超过 1 百分点 扣 0.1 }}"
                    ),
                    2 => format!(
                        "公式 数{x} / (数{y} + 1)  显示 百分比 2  评分 分档 {{ >= 90% 得 1  [60%, 90%) 得 0.5  < 60% 得 0 }}"
                    ),
                    3 => format!("评分 达标 {{ 条件 数{x} <= 数{y} + 10  否则 得 0 }}"),
                    _ => format!("公式 数{x} - 数{y}  显示 2  评分 公式 clamp(round(值 / 100, 2), 0, 1)"),
                };
                out.push_str(&format!("    三级 指标{k} 分值 1 {{ {body} }}\n"));
                k += 1;
            }
            out.push_str("  }\n");
        }
        out.push_str("}\n");
    }
    let (a, b, c) = (full * 9 / 10, full * 8 / 10, full * 6 / 10);
    out.push_str(&format!(
        "等级 {{ 优秀 >= {a}  良好 [{b}, {a})  中 [{c}, {b})  差 < {c} }}\n"
    ));
    out
}
