//! The pages: 规则 (each rule set as the printed 评分表, with `jixiao check`'s
//! diagnostics), 评价 and 对比 (static pages whose scripts call the JSON API), the
//! login form, and the embedded assets. Chinese throughout.

use std::fmt::Write as _;

use axum::extract::{Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Form;
use serde::Deserialize;

use super::api::{self, check_expression, dedent, squash, url_encode};
use super::rules::Loaded;
use super::{AppState, Problem, Segment, Shared, SESSION_COOKIE};
use jixiao::model::Model;
use jixiao::numfmt::format_exact;
use jixiao_io::batch::html::escape;

const STYLE: &str = include_str!("assets/style.css");
const COMMON_JS: &str = include_str!("assets/common.js");
const EVALUATE_JS: &str = include_str!("assets/evaluate.js");
const UNITS_TABLE_JS: &str = include_str!("assets/units-table.js");
const UNIT_DETAIL_JS: &str = include_str!("assets/unit-detail.js");
const DIFF_JS: &str = include_str!("assets/diff.js");
const TREND_JS: &str = include_str!("assets/trend.js");
const EDITOR_JS: &str = include_str!("assets/editor.js");
const HIGHLIGHT_JS: &str = include_str!("assets/highlight.js");
const FAVICON: &str = include_str!("assets/favicon.svg");
const EVALUATE_HTML: &str = include_str!("assets/evaluate.html");
const DIFF_HTML: &str = include_str!("assets/diff.html");
const TREND_HTML: &str = include_str!("assets/trend.html");

/// Which navigation entry a page belongs to.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Nav {
    Rules,
    Evaluate,
    Diff,
    Trend,
    Template,
    None,
}

fn html_response(status: StatusCode, html: String) -> Response {
    let mut response = (status, html).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    response
}

/// The frame of every page: header with navigation, the content, the footer.
fn layout(signed_in: bool, title: &str, nav: Nav, body: &str, scripts: &[&str]) -> String {
    let mut h = String::with_capacity(body.len() + 2048);
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{} · jixiao 绩效评价工作台</title>\n<link rel=\"icon\" href=\"/assets/favicon.svg\" type=\"image/svg+xml\">\n<link rel=\"stylesheet\" href=\"/assets/style.css\">\n</head>\n<body>\n<header class=\"top\">\n<a class=\"brand\" href=\"/\">绩效 <small>jixiao 评价工作台</small></a>\n<nav>",
        escape(title)
    );
    for (target, label, item) in [
        ("/rules", "规则", Nav::Rules),
        ("/evaluate", "评价", Nav::Evaluate),
        ("/diff", "对比", Nav::Diff),
        ("/trend", "逐年", Nav::Trend),
        ("/template", "模板", Nav::Template),
    ] {
        let current = if item == nav { " aria-current=\"page\"" } else { "" };
        let _ = write!(h, "<a href=\"{target}\"{current}>{label}</a>");
    }
    h.push_str("</nav>");
    if signed_in {
        h.push_str(
            "<form class=\"logout\" method=\"post\" action=\"/logout\"><button type=\"submit\">退出</button></form>",
        );
    }
    h.push_str("</header>\n<main>\n");
    h.push_str(body);
    let _ = write!(
        h,
        "\n</main>\n<footer>jixiao {} · 在本机运行；上传的文件只在内存中处理，处理完即丢弃，不会保存。</footer>\n",
        env!("CARGO_PKG_VERSION")
    );
    for s in scripts {
        let _ = writeln!(h, "<script src=\"/assets/{s}\"></script>");
    }
    h.push_str("</body>\n</html>\n");
    h
}

fn page(state: &AppState, title: &str, nav: Nav, body: &str, scripts: &[&str]) -> Response {
    html_response(
        StatusCode::OK,
        layout(state.config.token.is_some(), title, nav, body, scripts),
    )
}

/// An error as a page (for browsers); the API answers JSON instead.
pub fn error_page(status: StatusCode, message: &str) -> Response {
    let body = format!(
        "<h1>{}</h1>\n<p class=\"problem\">{}</p>\n<p class=\"muted\">HTTP 状态码 {}</p>\n<p><a href=\"/rules\">返回规则列表</a></p>",
        status_title(status),
        escape(message),
        status.as_u16()
    );
    html_response(status, layout(false, "出错了", Nav::None, &body, &[]))
}

/// An error status in a clerk's words (the page's heading).
fn status_title(status: StatusCode) -> &'static str {
    match status {
        StatusCode::NOT_FOUND => "找不到这个页面",
        StatusCode::METHOD_NOT_ALLOWED => "不支持这种请求方法",
        StatusCode::UNAUTHORIZED => "需要登录",
        StatusCode::FORBIDDEN => "拒绝访问",
        StatusCode::REQUEST_TIMEOUT => "上传超时",
        StatusCode::PAYLOAD_TOO_LARGE => "上传的数据太大",
        StatusCode::TOO_MANY_REQUESTS => "请稍后再试",
        StatusCode::SERVICE_UNAVAILABLE => "处理超时",
        s if s.is_server_error() => "服务器出错了",
        _ => "请求有误",
    }
}

fn problem_page(p: Problem) -> Response {
    let mut body = format!("<h1>无法显示</h1>\n<p class=\"problem\">{}</p>\n", escape(&p.message));
    for d in &p.details {
        let _ = writeln!(body, "<pre class=\"diagnostic\">{}</pre>", escape(d));
    }
    body.push_str("<p><a href=\"/rules\">返回规则列表</a></p>");
    html_response(p.status, layout(false, "出错了", Nav::None, &body, &[]))
}

/// `/`: the rule sets are where everything starts.
pub async fn home() -> Response {
    (StatusCode::SEE_OTHER, [(header::LOCATION, "/rules")]).into_response()
}

/// `/rules`: every rule set of the directory with its check result.
pub async fn rules_index(State(state): State<Shared>) -> Response {
    let result = state
        .blocking(|st| {
            let all = api::load_all(st)?;
            let mut body = String::from(
                "<h1>规则</h1>\n<p class=\"lead\">规则目录中的每个规则文件（<code>.jx</code>）都是一年的评价指标体系。点开一套规则，可以按印发的评分表格式逐项核对：一级、二级、三级指标，分值，评分标准原文和计算公式；规则文件的问题也列在那里。</p>\n",
            );
            let _ = writeln!(
                body,
                "<p class=\"muted\">规则目录：<code>{}</code>（新增或修改文件后刷新本页即可）</p>",
                escape(&st.config.rules_dir.display().to_string())
            );
            if all.is_empty() {
                body.push_str("<p class=\"problem\">规则目录中没有 .jx 文件。启动时可用 --rules 指定规则目录。</p>");
            } else {
                body.push_str("<table class=\"list\" id=\"rule-list\">\n<thead><tr><th>编号</th><th>名称</th><th>年度</th><th>发布单位</th><th>检查结果</th><th>基于</th><th></th></tr></thead>\n<tbody>\n");
                for item in &all {
                    match item {
                        Ok(l) => rule_row(&mut body, l),
                        Err((id, e)) => {
                            let _ = writeln!(
                                body,
                                "<tr><td><code>{}</code></td><td colspan=\"6\" class=\"bad\">{}</td></tr>",
                                escape(id),
                                escape(e)
                            );
                        }
                    }
                }
                body.push_str("</tbody>\n</table>\n");
            }
            Ok(page(st, "规则", Nav::Rules, &body, &[]))
        })
        .await;
    result.unwrap_or_else(problem_page)
}

fn rule_row(h: &mut String, l: &Loaded) {
    let model = l.compiled.as_ref().map(|c| &c.model);
    let status = match (model.is_some(), l.warnings()) {
        (false, _) => format!("<span class=\"bad\">✗ {} 个错误</span>", l.errors()),
        (true, 0) => "<span class=\"ok\">✓ 通过</span>".to_owned(),
        (true, w) => format!("<span class=\"ok\">✓ 通过</span> <span class=\"warn\">{w} 个警告</span>"),
    };
    let id = url_encode(&l.id);
    let evaluate = if model.is_some() {
        format!(" · <a href=\"/evaluate?rules={id}\">评价</a>")
    } else {
        String::new()
    };
    let _ = writeln!(
        h,
        "<tr><td><a href=\"/rules/{id}\"><code>{}</code></a></td><td><a href=\"/rules/{id}\">{}</a></td><td>{}</td><td>{}</td><td>{status}</td><td>{}</td><td class=\"actions\"><a href=\"/rules/{id}\">评分表</a> · <a href=\"/rules/{id}/edit\">编辑</a>{evaluate}</td></tr>",
        escape(&l.id),
        escape(model.map_or("（未能读取）", |m| m.title.as_str())),
        model.map(|m| m.year.to_string()).unwrap_or_default(),
        escape(model.map_or("", |m| m.issuer.as_str())),
        escape(&l.bases.join("、")),
    );
}

/// `/rules/{id}`: the rule set as the printed 评分表.
pub async fn rule_page(State(state): State<Shared>, Segment(id): Segment) -> Response {
    let result = state
        .blocking(move |st| {
            let loaded = st.rules.load(&id).map_err(api::lookup_problem)?;
            let title = loaded
                .compiled
                .as_ref()
                .map_or_else(|| loaded.file.clone(), |c| c.model.title.clone());
            Ok(page(st, &title, Nav::Rules, &rule_body(&loaded), &[]))
        })
        .await;
    result.unwrap_or_else(problem_page)
}

fn rule_body(l: &Loaded) -> String {
    let mut h = String::new();
    let model = l.compiled.as_ref().map(|c| &c.model);
    match model {
        Some(m) => {
            let _ = write!(
                h,
                "<h1 class=\"sheet-title\">{}</h1>\n<p class=\"sub\">{} 年度 · {} · 满分 {} · 得分保留 {} 位小数</p>\n",
                escape(&m.title),
                m.year,
                escape(&m.issuer),
                format_exact(m.full_marks.clone()),
                m.score_precision
            );
        }
        None => {
            let _ = writeln!(h, "<h1>{}</h1>", escape(&l.file));
        }
    }
    let _ = writeln!(
        h,
        "<p class=\"muted\">规则文件 <code>{}</code>{} · SHA-256 <code>{}</code></p>",
        escape(&l.file),
        if l.bases.is_empty() {
            String::new()
        } else {
            format!("（基于 <code>{}</code>）", escape(&l.bases.join("、")))
        },
        escape(&l.sha256)
    );
    let id = url_encode(&l.id);
    h.push_str("<p class=\"actions\">");
    if model.is_some() {
        let _ = write!(
            h,
            "<a class=\"button\" href=\"/evaluate?rules={id}\">用这套规则评价单位数据</a> "
        );
    }
    let _ = writeln!(
        h,
        "<a class=\"button secondary\" id=\"edit-link\" href=\"/rules/{id}/edit\">规则编辑</a></p>"
    );
    diagnostics(&mut h, l);
    if let Some(m) = model {
        scoresheet(&mut h, m);
        grades_and_checks(&mut h, m);
        inputs(&mut h, m);
    }
    source(&mut h, l);
    h
}

fn diagnostics(h: &mut String, l: &Loaded) {
    if l.diagnostics.is_empty() {
        h.push_str("<p class=\"ok check-result\">✓ 规则文件检查通过，没有错误和警告。</p>\n");
        return;
    }
    let errors = l.errors();
    let warnings = l.warnings();
    let class = if errors > 0 { "bad" } else { "warn" };
    let summary = if errors > 0 {
        format!("✗ 规则文件未通过检查：{errors} 个错误，{warnings} 个警告。改正之前不能用于评价。")
    } else {
        format!("✓ 规则文件检查通过，有 {warnings} 个警告：")
    };
    let _ = writeln!(
        h,
        "<section class=\"diagnostics\" id=\"diagnostics\">\n<p class=\"{class} check-result\">{}</p>",
        escape(&summary)
    );
    for d in &l.diagnostics {
        let class = if d.is_error() { "error" } else { "warning" };
        let _ = writeln!(h, "<pre class=\"diagnostic {class}\">{}</pre>", escape(&d.rendered));
    }
    h.push_str("</section>\n");
}

/// The 评分表: one row per 三级 indicator, 一级/二级 cells spanning their rows.
fn scoresheet(h: &mut String, m: &Model) {
    let n = m.nodes.len();
    let mut leaves_under = vec![0usize; n];
    let mut first_leaf = vec![usize::MAX; n];
    for &leaf in &m.leaves {
        let mut cur = Some(leaf);
        while let Some(i) = cur {
            leaves_under[i] += 1;
            if first_leaf[i] == usize::MAX {
                first_leaf[i] = leaf;
            }
            cur = m.nodes[i].parent;
        }
    }
    h.push_str("<h2>评分表</h2>\n<table class=\"scoresheet\" id=\"scoresheet\">\n<thead><tr><th>一级指标</th><th>分值</th><th>二级指标</th><th>分值</th><th>三级指标</th><th>分值</th><th>评分标准</th><th>计算公式与评分方法</th></tr></thead>\n<tbody>\n");
    for &leaf in &m.leaves {
        let node = &m.nodes[leaf];
        let mut ancestors = Vec::new();
        let mut cur = node.parent;
        while let Some(i) = cur {
            ancestors.push(i);
            cur = m.nodes[i].parent;
        }
        ancestors.reverse();
        h.push_str("<tr>");
        for level in 1..=2 {
            match ancestors.iter().find(|&&a| m.nodes[a].depth == level) {
                Some(&a) if first_leaf[a] == leaf => {
                    let _ = write!(
                        h,
                        "<th class=\"l{level}\" rowspan=\"{r}\">{}</th><td class=\"num l{level}\" rowspan=\"{r}\">{}</td>",
                        escape(&m.nodes[a].name),
                        format_exact(m.nodes[a].weight.clone()),
                        r = leaves_under[a]
                    );
                }
                Some(_) => {}
                None => h.push_str("<td></td><td></td>"),
            }
        }
        let line = m.source.line_col(node.span.start).0;
        let _ = write!(
            h,
            "<td class=\"l3\"><a href=\"#L{line}\" title=\"规则文件第 {line} 行\">{}</a></td><td class=\"num\">{}</td>",
            escape(&node.name),
            format_exact(node.weight.clone())
        );
        let Some(l) = &node.leaf else {
            h.push_str("<td></td><td></td></tr>\n");
            continue;
        };
        let _ = write!(
            h,
            "<td class=\"standard\">{}</td><td class=\"method\">",
            l.standard.as_deref().map(escape).unwrap_or_default()
        );
        if let Some(span) = l.formula_span {
            let _ = write!(
                h,
                "<div><span class=\"tag\">公式</span> <code>{}</code></div>",
                escape(&squash(m.source.slice(span)))
            );
        }
        if let Some(d) = l.display {
            let shown = if d.percent {
                format!("百分比，{} 位小数", d.decimals)
            } else {
                format!("{} 位小数", d.decimals)
            };
            let _ = write!(h, "<div><span class=\"tag\">显示</span> {shown}</div>");
        }
        // How it is scored in words; the rule file's own text one click away.
        let words = jixiao_io::words::criterion(m, leaf).unwrap_or_default();
        let _ = writeln!(
            h,
            "<div class=\"words\"><span class=\"tag\">评分</span> {}</div><details class=\"criterion\"><summary>规则文件的写法</summary><pre class=\"criterion\">{}</pre></details></td></tr>",
            escape(&words),
            escape(&dedent(m.source.slice(l.criterion_span)))
        );
    }
    let _ = write!(
        h,
        "</tbody>\n<tfoot><tr><th colspan=\"5\">合计</th><td class=\"num\">{}</td><td colspan=\"2\"></td></tr></tfoot>\n</table>\n",
        format_exact(m.full_marks.clone())
    );
}

fn grades_and_checks(h: &mut String, m: &Model) {
    h.push_str("<h2>评价等次</h2>\n<table class=\"list narrow\" id=\"grades\"><thead><tr><th>等次</th><th>总分范围</th></tr></thead><tbody>\n");
    for (name, iv) in &m.grades.bands {
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td><code>{}</code></td></tr>",
            escape(name),
            escape(&squash(m.source.slice(iv.span)))
        );
    }
    h.push_str("</tbody></table>\n");
    if m.checks.is_empty() {
        return;
    }
    h.push_str("<h2>勾稽关系与对照</h2>\n<table class=\"list\" id=\"checks\"><thead><tr><th>名称</th><th>类型</th><th>级别</th><th>关系</th><th>容差</th><th>说明</th></tr></thead><tbody>\n");
    for c in &m.checks {
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td><code>{}</code></td><td class=\"num\">{}</td><td>{}</td></tr>",
            escape(&c.name),
            if c.comparison { "对照" } else { "勾稽" },
            escape(c.severity.label()),
            escape(&check_expression(m, c)),
            format_exact(c.tolerance.clone()),
            escape(c.description.as_deref().unwrap_or(""))
        );
    }
    h.push_str("</tbody></table>\n");
}

fn inputs(h: &mut String, m: &Model) {
    h.push_str("<h2>数据项</h2>\n<p class=\"muted\">单位填报的数据。CSV 和 Excel 的表头用名称或别名；“缺失时”为空的是必填项。</p>\n<table class=\"list\" id=\"inputs\"><thead><tr><th>栏目</th><th>名称</th><th>类型</th><th>别名</th><th>缺失时</th><th>说明</th></tr></thead><tbody>\n");
    for i in &m.inputs {
        let default = i
            .default
            .as_ref()
            .map(|v| match v {
                jixiao::model::Value::Num(n) => format_exact(n.clone()),
                jixiao::model::Value::Bool(b) => (if *b { "是" } else { "否" }).to_owned(),
                jixiao::model::Value::Text(t) if t.is_empty() => "（空）".to_owned(),
                jixiao::model::Value::Text(t) => t.to_string(),
                jixiao::model::Value::Undefined(_) => jixiao::model::UNDEFINED_TEXT.to_owned(),
            })
            .unwrap_or_else(|| "必填".to_owned());
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(i.section.as_deref().unwrap_or("")),
            escape(&i.name),
            escape(i.kind.label()),
            escape(&i.aliases.join("、")),
            escape(&default),
            escape(i.description.as_deref().unwrap_or(""))
        );
    }
    for l in &m.lists {
        let _ = writeln!(
            h,
            "<tr><td>目标清单</td><td>{}</td><td>清单</td><td>{}</td><td>必填</td><td>类别：{}</td></tr>",
            escape(&l.name),
            escape(&l.aliases.join("、")),
            escape(&l.categories.join("、"))
        );
    }
    h.push_str("</tbody></table>\n");
    let computed: Vec<_> = m.computed.iter().filter(|c| c.indicator.is_none()).collect();
    if !computed.is_empty() {
        h.push_str("<h2>计算值</h2>\n<table class=\"list\" id=\"computed\"><thead><tr><th>名称</th><th>公式</th><th>说明</th></tr></thead><tbody>\n");
        for c in computed {
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td><code>{}</code></td><td>{}</td></tr>",
                escape(&c.name),
                escape(&squash(m.source.slice(c.expr.span))),
                escape(c.description.as_deref().unwrap_or(""))
            );
        }
        h.push_str("</tbody></table>\n");
    }
}

/// The rule text with line numbers (anchors `#L12`). For a file `基于` another, the
/// merged text the 评分表 above was read from.
fn source(h: &mut String, l: &Loaded) {
    let (name, text) = match &l.compiled {
        Some(c) if !l.bases.is_empty() => (c.model.source.name.clone(), c.model.source.text.to_string()),
        _ => (l.file.clone(), l.text.clone()),
    };
    let lines = text.lines().count();
    let _ = write!(
        h,
        "<details class=\"source\" id=\"source\"><summary>规则文件原文：{}（{lines} 行）</summary>\n<pre class=\"source\">",
        escape(&name)
    );
    for (i, line) in text.lines().enumerate() {
        let n = i + 1;
        let _ = writeln!(
            h,
            "<span id=\"L{n}\" class=\"line\"><span class=\"ln\">{n:>4}</span> {}</span>",
            escape(line)
        );
    }
    h.push_str("</pre></details>\n");
}

/// `/rules/{id}/edit`: 规则编辑, the rule text in an editor whose script asks the
/// language service (`/api/rules/{id}/analyze`, `hover`, `complete`) and the preview
/// (`/api/rules/{id}/preview`) as the text changes, and saves through `…/save`.
pub async fn rule_edit_page(State(state): State<Shared>, Segment(id): Segment) -> Response {
    let result = state
        .blocking(move |st| {
            let loaded = st.rules.load(&id).map_err(api::lookup_problem)?;
            let examples = super::preview::examples(st, &loaded);
            let title = format!("规则编辑：{}", loaded.file);
            Ok(page(
                st,
                &title,
                Nav::Rules,
                &edit_body(st, &loaded, &examples),
                &["common.js", "highlight.js", "editor.js"],
            ))
        })
        .await;
    result.unwrap_or_else(problem_page)
}

/// The words the page's highlighter colours, from the lists the parser and the language
/// server use (JSON: keywords, functions, units).
fn highlight_words() -> String {
    use jixiao_lsp::features::{FUNCTIONS, KEYWORDS, OTHER_KINDS};
    let mut keywords: Vec<&str> = jixiao::syntax::KEYWORDS.iter().chain(KEYWORDS).copied().collect();
    keywords.sort_unstable();
    keywords.dedup();
    let functions: Vec<&str> = FUNCTIONS
        .iter()
        .flat_map(|(name, aliases, _)| std::iter::once(*name).chain(aliases.iter().copied()))
        .collect();
    let units: Vec<&str> = jixiao::model::KNOWN_QUANTITIES
        .iter()
        .chain(OTHER_KINDS)
        .copied()
        .collect();
    serde_json::json!({ "keywords": keywords, "functions": functions, "units": units }).to_string()
}

fn edit_body(st: &AppState, l: &Loaded, examples: &[super::preview::Example]) -> String {
    let mut h = String::with_capacity(l.text.len() * 2 + 4096);
    let id = url_encode(&l.id);
    let title = l.compiled.as_ref().map_or("", |c| c.model.title.as_str());
    let _ = writeln!(h, "<h1>规则编辑 <small class=\"muted\">{}</small></h1>", escape(title));
    let _ = writeln!(
        h,
        "<p class=\"muted\">规则文件 <code>{}</code>{} · <a href=\"/rules/{id}\">返回评分表</a></p>",
        escape(&l.file),
        if l.bases.is_empty() {
            String::new()
        } else {
            format!("（基于 <code>{}</code>）", escape(&l.bases.join("、")))
        },
    );
    let too_large = l.text.len() > super::edit::MAX_TEXT_BYTES;
    let refusal = if too_large {
        Some(format!(
            "这个文件太大（{}），编辑页最多处理 {}：请用文本编辑器修改",
            super::human_bytes(l.text.len() as u64),
            super::human_bytes(super::edit::MAX_TEXT_BYTES as u64)
        ))
    } else if !st.config.allow_edit {
        Some("启动服务时没有加 --allow-edit（保存还需要用 --token 设置访问令牌）".to_owned())
    } else {
        // The guard let this request in, and `--allow-edit` needs a token: it is signed in.
        None
    };
    match &refusal {
        Some(reason) => {
            let _ = writeln!(
                h,
                "<p class=\"notice\" id=\"edit-mode\"><strong>只读。</strong>可以在这里试改规则，看检查结果、悬停说明、补全和评分的变化，但不能保存：{}。</p>",
                escape(reason)
            );
        }
        None => h.push_str("<p class=\"notice saving\" id=\"edit-mode\"><strong>可以保存。</strong>没有错误时（警告不妨碍）才能保存；保存前会确认文件在你打开之后没有被别人改过，原来的版本备份在规则目录的 <code>.jixiao-backup</code> 中。</p>\n"),
    }
    let _ = writeln!(
        h,
        "<div class=\"editor\" id=\"editor\" data-rules=\"{}\" data-sha=\"{}\" data-can-save=\"{}\" data-save-reason=\"{}\" data-words=\"{}\">",
        escape(&l.id),
        escape(&l.sha256),
        refusal.is_none(),
        escape(&refusal.as_deref().map(|r| format!("不能保存：{r}")).unwrap_or_default()),
        escape(&highlight_words())
    );
    h.push_str("<div class=\"editor-gutter\" id=\"gutter\" aria-hidden=\"true\"></div>\n<div class=\"editor-code\">\n<pre class=\"editor-highlight\" id=\"highlight\" aria-hidden=\"true\"></pre>\n");
    // The line break after the tag is dropped by the HTML parser, so a text that
    // starts with an empty line keeps it.
    let _ = writeln!(
        h,
        "<textarea id=\"source\" spellcheck=\"false\" autocomplete=\"off\" autocapitalize=\"off\" wrap=\"off\" aria-label=\"规则文本\" aria-describedby=\"check-status\"{}>\n{}</textarea>",
        if too_large { " readonly" } else { "" },
        escape(if too_large { "" } else { &l.text })
    );
    h.push_str("</div>\n<ul class=\"completion\" id=\"completion\" role=\"listbox\" aria-label=\"补全\" hidden></ul>\n<div class=\"hover-box\" id=\"hover\" role=\"tooltip\" hidden></div>\n</div>\n");
    let _ = writeln!(
        h,
        "<div class=\"editor-bar\"><span id=\"check-status\" role=\"status\" aria-live=\"polite\">正在检查……</span><span class=\"muted\">Ctrl+空格 补全 · 鼠标停在名称上看说明</span><span id=\"save-status\" role=\"status\" aria-live=\"polite\"></span><button type=\"button\" id=\"save\" disabled title=\"{}\">保存</button></div>",
        escape(&refusal.as_deref().map_or_else(|| "没有改动".to_owned(), |r| format!("不能保存：{r}")))
    );
    h.push_str("<h2>问题</h2>\n<ul class=\"problems\" id=\"problems\"></ul>\n");
    h.push_str("<h2>预览：评分的变化</h2>\n<p class=\"muted\">每次修改后，用编辑后的规则和保存的版本分别给单位评分并对比（与“对比”页和 <code>jixiao diff</code> 相同）。选择的本机文件只在这一页中使用，不会保存到服务器。</p>\n<form class=\"card\" id=\"preview-form\">\n<label>单位数据 <select id=\"preview-source\">");
    for e in examples {
        let _ = write!(
            h,
            "<option value=\"{}\">示例：{}/{}</option>",
            escape(&e.name),
            escape(&e.folder),
            escape(&e.name)
        );
    }
    h.push_str("<option value=\"\">本机文件……</option></select></label>\n<label>本机文件 <input type=\"file\" id=\"preview-files\" multiple accept=\".toml,.json,.csv,.txt,.xlsx,.xlsm,.xlsb,.xls,.ods\"></label>\n<label class=\"check\"><input type=\"checkbox\" id=\"preview-partial\"> 部分评价：缺少数字的单位也比较能计算的指标</label>\n</form>\n");
    h.push_str("<p id=\"preview-status\" class=\"summary-line\" role=\"status\" aria-live=\"polite\"></p>\n<div class=\"side-by-side\" id=\"preview\">\n<div><h3>各单位：保存的版本 → 编辑后</h3>\n<table class=\"list\" id=\"preview-units\"><thead><tr><th>单位</th><th>保存的版本</th><th>编辑后</th><th>变化</th><th>等级</th></tr></thead><tbody></tbody></table></div>\n<div><h3>规则的变化</h3>\n<table class=\"list\" id=\"preview-changes\"><thead><tr><th>类别</th><th>对象</th><th>保存的版本</th><th>编辑后</th></tr></thead><tbody></tbody></table></div>\n</div>\n");
    h
}

/// `/evaluate`: the page; its script does the work through `/api/evaluate`.
pub async fn evaluate(State(state): State<Shared>) -> Response {
    page(
        &state,
        "评价",
        Nav::Evaluate,
        EVALUATE_HTML,
        &["common.js", "units-table.js", "unit-detail.js", "evaluate.js"],
    )
}

/// `/diff`: the page; its script calls `/api/diff`.
pub async fn diff(State(state): State<Shared>) -> Response {
    page(&state, "对比", Nav::Diff, DIFF_HTML, &["common.js", "diff.js"])
}

/// `/trend`: 逐年对比; its script calls `/api/trend`.
pub async fn trend(State(state): State<Shared>) -> Response {
    page(&state, "逐年对比", Nav::Trend, TREND_HTML, &["common.js", "trend.js"])
}

/// `/template`: the fill-in template of each rule set (`jixiao template`).
pub async fn templates(State(state): State<Shared>) -> Response {
    let result = state
        .blocking(|st| {
            let all = api::load_all(st)?;
            let mut body = String::from(
                "<h1>填报模板</h1>\n<p class=\"lead\">下载一套规则的 Excel 填报模板发给各单位：基础数据、绩效目标、自评和评审各一张表，每一项都注明单位、取值范围和是否必填，Excel 会检查填入的值。单位填好交回后，在“评价”页上传即可评价（可一次上传多个），也可以用命令行 <code>jixiao validate</code> 检查、<code>jixiao eval</code> 评价。也可以下载一个单位的 TOML 数据文件骨架。</p>\n",
            );
            body.push_str("<table class=\"list\" id=\"templates\">\n<thead><tr><th>规则</th><th>名称</th><th>年度</th><th>下载</th></tr></thead>\n<tbody>\n");
            for item in &all {
                let Ok(l) = item else { continue };
                let Some(c) = &l.compiled else {
                    let _ = writeln!(
                        body,
                        "<tr><td><code>{}</code></td><td colspan=\"3\" class=\"bad\">规则未通过检查，不能生成模板（<a href=\"/rules/{}\">查看问题</a>）</td></tr>",
                        escape(&l.id),
                        url_encode(&l.id)
                    );
                    continue;
                };
                let id = url_encode(&l.id);
                let _ = writeln!(
                    body,
                    "<tr><td><a href=\"/rules/{id}\"><code>{}</code></a></td><td>{}</td><td>{}</td><td class=\"actions\"><a class=\"button\" href=\"/api/rules/{id}/template?format=xlsx\" download>Excel 填报模板</a> <a href=\"/api/rules/{id}/template?format=toml\" download>TOML 骨架</a></td></tr>",
                    escape(&l.id),
                    escape(&c.model.title),
                    c.model.year
                );
            }
            body.push_str("</tbody>\n</table>\n");
            Ok(page(st, "模板", Nav::Template, &body, &[]))
        })
        .await;
    result.unwrap_or_else(problem_page)
}

/// `/assets/{name}`: the embedded stylesheet, scripts and icon.
pub async fn asset(Segment(name): Segment) -> Response {
    let (body, content_type) = match name.as_str() {
        "style.css" => (STYLE, "text/css; charset=utf-8"),
        "common.js" => (COMMON_JS, "text/javascript; charset=utf-8"),
        "evaluate.js" => (EVALUATE_JS, "text/javascript; charset=utf-8"),
        "units-table.js" => (UNITS_TABLE_JS, "text/javascript; charset=utf-8"),
        "unit-detail.js" => (UNIT_DETAIL_JS, "text/javascript; charset=utf-8"),
        "diff.js" => (DIFF_JS, "text/javascript; charset=utf-8"),
        "trend.js" => (TREND_JS, "text/javascript; charset=utf-8"),
        "editor.js" => (EDITOR_JS, "text/javascript; charset=utf-8"),
        "highlight.js" => (HIGHLIGHT_JS, "text/javascript; charset=utf-8"),
        "favicon.svg" => (FAVICON, "image/svg+xml"),
        _ => return (StatusCode::NOT_FOUND, axum::body::Body::empty()).into_response(),
    };
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        body,
    )
        .into_response()
}

pub async fn favicon() -> Response {
    (
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        FAVICON,
    )
        .into_response()
}

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

/// Only paths of this site (`/evaluate`), never another origin (`//evil`).
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n)
            if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') && !n.chars().any(char::is_control) =>
        {
            n.to_owned()
        }
        _ => "/".to_owned(),
    }
}

fn login_body(next: &str, failed: bool) -> String {
    let error = if failed {
        "<p class=\"problem\" id=\"login-error\">访问令牌不正确，请重新输入。</p>\n"
    } else {
        ""
    };
    format!(
        "<h1>登录</h1>\n<p class=\"lead\">这个工作台设置了访问令牌。请输入启动服务时设置的令牌（--token 或环境变量 JIXIAO_TOKEN）。</p>\n{error}<form class=\"card login\" method=\"post\" action=\"/login\">\n<input type=\"hidden\" name=\"next\" value=\"{}\">\n<label>访问令牌 <input type=\"password\" name=\"token\" autocomplete=\"current-password\" required autofocus></label>\n<button type=\"submit\">登录</button>\n</form>",
        escape(next)
    )
}

/// `GET /login`.
pub async fn login_form(State(state): State<Shared>, Query(q): Query<NextQuery>) -> Response {
    if state.config.token.is_none() {
        return home().await;
    }
    let next = safe_next(q.next.as_deref());
    html_response(
        StatusCode::OK,
        layout(false, "登录", Nav::None, &login_body(&next, false), &[]),
    )
}

#[derive(Deserialize)]
pub struct LoginForm {
    token: String,
    next: Option<String>,
}

/// `POST /login`: a right token sets the session cookie (HttpOnly, SameSite=Strict).
pub async fn login(
    State(state): State<Shared>,
    form: Result<Form<LoginForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    let (Some(token), Some(session)) = (&state.config.token, &state.session) else {
        return home().await;
    };
    let Ok(Form(form)) = form else {
        return html_response(
            StatusCode::BAD_REQUEST,
            layout(false, "登录", Nav::None, &login_body("/", true), &[]),
        );
    };
    let next = safe_next(form.next.as_deref());
    if let Some(wait) = state.locked_out() {
        return error_page(StatusCode::TOO_MANY_REQUESTS, &super::too_many_tries(wait));
    }
    if !super::same_secret(form.token.trim(), token) {
        state.failed_login();
        return html_response(
            StatusCode::UNAUTHORIZED,
            layout(false, "登录", Nav::None, &login_body(&next, true), &[]),
        );
    }
    let cookie = format!("{SESSION_COOKIE}={session}; Path=/; HttpOnly; SameSite=Strict");
    (
        StatusCode::SEE_OTHER,
        [(header::LOCATION, next), (header::SET_COOKIE, cookie)],
    )
        .into_response()
}

/// `POST /logout`: forgets the session cookie.
pub async fn logout() -> Response {
    let cookie = format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
    (
        StatusCode::SEE_OTHER,
        [(header::LOCATION, "/login".to_owned()), (header::SET_COOKIE, cookie)],
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_stays_on_this_site() {
        assert_eq!(safe_next(Some("/evaluate")), "/evaluate");
        assert_eq!(safe_next(Some("//evil.example")), "/");
        assert_eq!(safe_next(Some("https://evil.example")), "/");
        assert_eq!(safe_next(Some("/\\evil")), "/");
        assert_eq!(safe_next(None), "/");
    }

    #[test]
    fn url_encoding() {
        assert_eq!(url_encode("a b/评"), "a%20b%2F%E8%AF%84");
    }
}
