//! The JSON API (`/api/…`), documented in `docs/api.md` and `docs/openapi.yaml`.
//!
//! `POST /api/evaluate` (and `/api/audit`) run [`jixiao_io::batch::run`] — the code path of
//! `jixiao eval` — so each element of `units` is exactly what `jixiao eval … --format
//! json` prints for that unit, and the `csv`/`xlsx`/`html`/`jsonl` formats are the
//! files `jixiao eval -o …` writes. `POST /api/diff` returns `jixiao diff --format json`.

use std::sync::Arc;

use axum::extract::{Query, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use super::rules::{Loaded, LookupError};
use super::upload::{self, UploadFile};
use super::{json_response, AppState, Problem, Segment, Shared};
use jixiao::model::{Model, Value};
use jixiao::numfmt::format_exact;
use jixiao::report::DiagnosticRecord;
use jixiao_io::batch::{self, OutputFormat};
use jixiao_io::diff::{self, UnitResult};

/// A rule set as listed.
#[derive(Debug, Serialize)]
pub struct RuleSummary {
    pub id: String,
    pub file: String,
    pub sha256: String,
    /// Whether it passed `jixiao check` (warnings allowed) and can evaluate.
    pub ok: bool,
    pub title: Option<String>,
    pub year: Option<u32>,
    pub issuer: Option<String>,
    /// Decimals scores are shown with (`得分精度`).
    pub score_precision: Option<u32>,
    pub errors: usize,
    pub warnings: usize,
    /// The files it is `基于`, if any.
    pub bases: Vec<String>,
}

impl RuleSummary {
    pub fn of(l: &Loaded) -> RuleSummary {
        let model = l.compiled.as_ref().map(|c| &c.model);
        RuleSummary {
            id: l.id.clone(),
            file: l.file.clone(),
            sha256: l.sha256.clone(),
            ok: model.is_some(),
            title: model.map(|m| m.title.clone()),
            year: model.map(|m| m.year),
            issuer: model.map(|m| m.issuer.clone()),
            score_precision: model.map(|m| m.score_precision),
            errors: l.errors(),
            warnings: l.warnings(),
            bases: l.bases.clone(),
        }
    }
}

/// One node of the indicator tree (pre-order).
#[derive(Debug, Serialize)]
pub struct NodeView {
    /// 1 (一级), 2 (二级) or 3 (三级).
    pub level: usize,
    pub name: String,
    /// The 一级 and 二级 names above it.
    pub path: Vec<String>,
    pub weight: String,
    pub leaf: bool,
    pub formula: Option<String>,
    /// `百分比 2` or `2`.
    pub display: Option<String>,
    /// 评分标准 as the bureau wrote it.
    pub standard: Option<String>,
    /// The `评分 …` clause as written in the rule file.
    pub criterion: Option<String>,
    pub line: usize,
}

#[derive(Debug, Serialize)]
pub struct InputView {
    pub name: String,
    /// `万元`, `人`, `百分比`, `是否`, `文本` …
    pub kind: String,
    pub section: Option<String>,
    pub aliases: Vec<String>,
    /// The value used when the data leaves it out (`缺失时`); `None`: required.
    pub default: Option<String>,
    pub required: bool,
    pub description: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct ListView {
    pub name: String,
    pub aliases: Vec<String>,
    pub categories: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct ComputedView {
    pub name: String,
    pub formula: String,
    pub description: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct GradeView {
    pub name: String,
    pub range: String,
}

#[derive(Debug, Serialize)]
pub struct CheckView {
    pub name: String,
    /// `勾稽` or `对照`.
    pub kind: String,
    pub severity: String,
    pub expression: String,
    pub tolerance: String,
    pub description: Option<String>,
}

/// A rule set in full: the 评分表 and everything a form for its data needs.
#[derive(Debug, Serialize)]
pub struct RuleDetail {
    #[serde(flatten)]
    pub summary: RuleSummary,
    pub full_marks: Option<String>,
    pub indicators: Vec<NodeView>,
    pub grades: Vec<GradeView>,
    pub checks: Vec<CheckView>,
    pub inputs: Vec<InputView>,
    pub lists: Vec<ListView>,
    pub computed: Vec<ComputedView>,
    /// As `jixiao check --format json` reports them.
    pub diagnostics: Vec<DiagnosticRecord>,
}

pub(super) fn squash(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The indicator tree of a model, in pre-order.
pub fn nodes(model: &Model) -> Vec<NodeView> {
    model
        .nodes
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let leaf = n.leaf.as_ref();
            NodeView {
                level: n.depth,
                name: n.name.clone(),
                path: model.node_path(i),
                weight: format_exact(n.weight.clone()),
                leaf: leaf.is_some(),
                formula: leaf.and_then(|l| l.formula_span).map(|s| squash(model.source.slice(s))),
                display: leaf.and_then(|l| l.display).map(|d| {
                    if d.percent {
                        format!("百分比 {}", d.decimals)
                    } else {
                        d.decimals.to_string()
                    }
                }),
                standard: leaf.and_then(|l| l.standard.clone()),
                criterion: leaf.map(|l| dedent(model.source.slice(l.criterion_span))),
                line: model.source.line_col(n.span.start).0,
            }
        })
        .collect()
}

/// A multi-line clause with its common indentation removed (first line as written).
pub(super) fn dedent(text: &str) -> String {
    let mut lines = text.lines();
    let first = lines.next().unwrap_or("").trim().to_owned();
    let rest: Vec<&str> = lines.collect();
    let indent = rest
        .iter()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start().len())
        .min()
        .unwrap_or(0);
    let mut out = first;
    for l in rest {
        out.push('\n');
        out.push_str(l.get(indent.min(l.len())..).unwrap_or(l.trim_start()).trim_end());
    }
    out
}

pub(super) fn check_expression(model: &Model, c: &jixiao::model::CheckDef) -> String {
    match (&c.sides, c.comparison) {
        (Some((l, r)), true) => {
            let mut text = format!(
                "{} 与 {}",
                squash(model.source.slice(l.span)),
                squash(model.source.slice(r.span))
            );
            if let Some(d) = &c.difference {
                text.push_str(&format!("（差额 {}）", squash(model.source.slice(d.span))));
            }
            text
        }
        _ => squash(model.source.slice(c.condition.span)),
    }
}

fn detail_of(l: &Loaded) -> RuleDetail {
    let summary = RuleSummary::of(l);
    let diagnostics = l.diagnostics.iter().map(|d| d.record.clone()).collect();
    let Some(model) = l.compiled.as_ref().map(|c| &c.model) else {
        return RuleDetail {
            summary,
            full_marks: None,
            indicators: Vec::new(),
            grades: Vec::new(),
            checks: Vec::new(),
            inputs: Vec::new(),
            lists: Vec::new(),
            computed: Vec::new(),
            diagnostics,
        };
    };
    RuleDetail {
        summary,
        full_marks: Some(format_exact(model.full_marks.clone())),
        indicators: nodes(model),
        grades: model
            .grades
            .bands
            .iter()
            .map(|(name, iv)| GradeView {
                name: name.clone(),
                range: squash(model.source.slice(iv.span)),
            })
            .collect(),
        checks: model
            .checks
            .iter()
            .map(|c| CheckView {
                name: c.name.clone(),
                kind: if c.comparison { "对照" } else { "勾稽" }.to_owned(),
                severity: c.severity.label().to_owned(),
                expression: check_expression(model, c),
                tolerance: format_exact(c.tolerance.clone()),
                description: c.description.clone(),
            })
            .collect(),
        inputs: model
            .inputs
            .iter()
            .map(|i| InputView {
                name: i.name.clone(),
                kind: i.kind.label().to_owned(),
                section: i.section.clone(),
                aliases: i.aliases.clone(),
                default: i.default.as_ref().map(Value::text),
                required: i.default.is_none(),
                description: i.description.clone(),
            })
            .collect(),
        lists: model
            .lists
            .iter()
            .map(|l| ListView {
                name: l.name.clone(),
                aliases: l.aliases.clone(),
                categories: l.categories.clone(),
            })
            .collect(),
        computed: model
            .computed
            .iter()
            .filter(|c| c.indicator.is_none())
            .map(|c| ComputedView {
                name: c.name.clone(),
                formula: squash(model.source.slice(c.expr.span)),
                description: c.description.clone(),
            })
            .collect(),
        diagnostics,
    }
}

pub(super) fn lookup_problem(e: LookupError) -> Problem {
    match e {
        LookupError::NotFound(m) => Problem::new(StatusCode::NOT_FOUND, m),
        LookupError::Unreadable(m) => Problem::new(StatusCode::UNPROCESSABLE_ENTITY, m),
    }
}

/// A listed rule set, loaded, or its id and why it could not be read.
pub(super) type Listed = Result<Arc<Loaded>, (String, String)>;

/// Every rule set of the directory, loaded (compiled or with its diagnostics).
pub(super) fn load_all(state: &AppState) -> Result<Vec<Listed>, Problem> {
    let listed = state
        .rules
        .list()
        .map_err(|m| Problem::new(StatusCode::INTERNAL_SERVER_ERROR, m))?;
    Ok(listed
        .into_iter()
        .map(|r| state.rules.load(&r.id).map_err(|e| (r.id.clone(), e.to_string())))
        .collect())
}

/// A rule set that can evaluate: 404 for an unknown id, 422 when it does not check.
pub(super) fn compiled(state: &AppState, id: &str) -> Result<Arc<Loaded>, Problem> {
    let loaded = state.rules.load(id).map_err(lookup_problem)?;
    if loaded.compiled.is_none() {
        let details = super::rules::rendered_errors(&loaded.diagnostics);
        return Err(Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!(
                "规则「{}」未通过检查（{} 个错误），不能用于评价：请先修改规则文件（详情见规则页面或 jixiao check）",
                loaded.id,
                loaded.errors()
            ),
        )
        .details(details));
    }
    Ok(loaded)
}

pub(super) fn json<T: Serialize>(value: &T) -> Response {
    match serde_json::to_string(value) {
        Ok(body) => json_response(StatusCode::OK, body),
        Err(e) => Problem::new(StatusCode::INTERNAL_SERVER_ERROR, format!("无法生成 JSON：{e}")).into_response(),
    }
}

pub(super) fn answer(result: Result<Response, Problem>) -> Response {
    result.unwrap_or_else(IntoResponse::into_response)
}

/// `GET /api/rules`.
pub async fn list(State(state): State<Shared>) -> Response {
    #[derive(Serialize)]
    struct Listing {
        rules: Vec<RuleSummary>,
        /// Files that could not be read at all: (id, reason).
        unreadable: Vec<Unreadable>,
    }
    #[derive(Serialize)]
    struct Unreadable {
        id: String,
        error: String,
    }
    answer(
        state
            .blocking(|st| {
                let mut listing = Listing {
                    rules: Vec::new(),
                    unreadable: Vec::new(),
                };
                for item in load_all(st)? {
                    match item {
                        Ok(l) => listing.rules.push(RuleSummary::of(&l)),
                        Err((id, error)) => listing.unreadable.push(Unreadable { id, error }),
                    }
                }
                Ok(json(&listing))
            })
            .await,
    )
}

/// `GET /api/rules/{id}`.
pub async fn detail(State(state): State<Shared>, Segment(id): Segment) -> Response {
    answer(
        state
            .blocking(move |st| {
                let loaded = st.rules.load(&id).map_err(lookup_problem)?;
                Ok(json(&detail_of(&loaded)))
            })
            .await,
    )
}

/// What `/api/evaluate` and `/api/audit` can answer with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum EvalFormat {
    /// The envelope: rules, summary, warnings and `units` (the CLI's JSON array).
    Json,
    Jsonl,
    Csv,
    Xlsx,
    Html,
}

impl EvalFormat {
    fn parse(s: Option<&str>) -> Result<EvalFormat, Problem> {
        Ok(match s.map(str::to_ascii_lowercase).as_deref() {
            None | Some("json") => EvalFormat::Json,
            Some("jsonl") | Some("ndjson") => EvalFormat::Jsonl,
            Some("csv") => EvalFormat::Csv,
            Some("xlsx") => EvalFormat::Xlsx,
            Some("html") => EvalFormat::Html,
            Some(other) => {
                return Err(Problem::bad_request(format!(
                    "不支持的输出格式「{}」：应为 json、jsonl、csv、xlsx 或 html",
                    super::rules::shorten(other)
                )))
            }
        })
    }

    fn output(self) -> OutputFormat {
        match self {
            EvalFormat::Json | EvalFormat::Jsonl => OutputFormat::Jsonl,
            EvalFormat::Csv => OutputFormat::Csv,
            EvalFormat::Xlsx => OutputFormat::Xlsx,
            EvalFormat::Html => OutputFormat::Html,
        }
    }

    fn file(self) -> (&'static str, &'static str) {
        match self {
            EvalFormat::Json => ("json", "application/json; charset=utf-8"),
            EvalFormat::Jsonl => ("jsonl", "application/x-ndjson; charset=utf-8"),
            EvalFormat::Csv => ("csv", "text/csv; charset=utf-8"),
            EvalFormat::Xlsx => (
                "xlsx",
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ),
            EvalFormat::Html => ("html", "text/html; charset=utf-8"),
        }
    }
}

/// The rule set a result was computed with.
#[derive(Debug, Serialize)]
pub(super) struct RulesRef {
    id: String,
    file: String,
    title: String,
    year: u32,
    issuer: String,
    sha256: String,
}

impl RulesRef {
    pub(super) fn of(l: &Loaded, model: &Model) -> RulesRef {
        RulesRef {
            id: l.id.clone(),
            file: l.file.clone(),
            title: model.title.clone(),
            year: model.year,
            issuer: model.issuer.clone(),
            sha256: model.sha256.clone(),
        }
    }
}

#[derive(Debug, Serialize)]
struct ErrorRow {
    source: String,
    unit: String,
    reason: String,
}

#[derive(Debug, Serialize)]
struct Summary {
    units: usize,
    /// Units with a final total and grade.
    evaluated: usize,
    /// Units evaluated without a total (some indicator has no score).
    incomplete: usize,
    errors: usize,
    blank_rows: usize,
    /// `7 个单位：7 个已评价，没有错误` (as `jixiao eval` prints it).
    text: String,
    /// The batch 复核 summary (`/api/audit` only).
    audit: Option<String>,
    /// The first rows in error.
    error_rows: Vec<ErrorRow>,
}

#[derive(Debug, Serialize)]
struct Envelope {
    rules: RulesRef,
    summary: Summary,
    warnings: Vec<String>,
    /// The city summary's charts as SVG (`jixiao_io::chart::summary`).
    charts: Vec<jixiao_io::chart::Chart>,
    /// `view=list`: the grade names, best first, as the rule file declares them (the
    /// page sorts 等级 by them).
    #[serde(skip_serializing_if = "Option::is_none")]
    grades: Option<Vec<String>>,
}

/// What a JSON answer holds of each unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum View {
    /// `units`: each unit's whole report, as `jixiao eval --format json`.
    Full,
    /// `rows`: one compact row per unit ([`super::list::Row`]), for the 评价 page.
    List,
}

impl View {
    fn parse(s: Option<&str>, format: EvalFormat) -> Result<View, Problem> {
        match (s.map(str::to_ascii_lowercase).as_deref(), format) {
            (None | Some("full"), _) => Ok(View::Full),
            (Some("list"), EvalFormat::Json) => Ok(View::List),
            (Some("list"), _) => Err(Problem::bad_request("view=list 只用于 JSON（format=json）")),
            (Some(other), _) => Err(Problem::bad_request(format!(
                "参数 view 的值「{}」无法识别：应为 full（每个单位的完整结果，默认）或 list（每个单位一行的列表）",
                super::rules::shorten(other)
            ))),
        }
    }
}

/// A finished answer, built on the blocking pool.
pub(super) struct Reply {
    pub body: Vec<u8>,
    pub content_type: &'static str,
    /// For downloads: the file name offered.
    pub download: Option<String>,
    pub headers: Vec<(&'static str, String)>,
}

impl Reply {
    pub(super) fn into_response(self) -> Response {
        let mut response = (StatusCode::OK, self.body).into_response();
        let h = response.headers_mut();
        h.insert(header::CONTENT_TYPE, HeaderValue::from_static(self.content_type));
        if let Some(name) = &self.download {
            if let Ok(v) = HeaderValue::from_str(&content_disposition(name)) {
                h.insert(header::CONTENT_DISPOSITION, v);
            }
        }
        for (k, v) in self.headers {
            if let Ok(v) = HeaderValue::from_str(&v) {
                h.insert(k, v);
            }
        }
        response
    }
}

/// `attachment; filename="…"; filename*=UTF-8''…` with an ASCII fallback.
fn content_disposition(name: &str) -> String {
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || ".-_".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!(
        "attachment; filename=\"{ascii}\"; filename*=UTF-8''{}",
        url_encode(name)
    )
}

/// Writes JSON Lines as the elements of an array: each line break becomes a comma.
struct Commas<'a>(&'a mut Vec<u8>);

impl std::io::Write for Commas<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.extend(buf.iter().map(|&b| if b == b'\n' { b',' } else { b }));
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// `POST /api/evaluate`.
pub async fn evaluate(State(state): State<Shared>, req: Request) -> Response {
    answer(run_evaluation(state, req, false).await)
}

/// `POST /api/audit`: the same, with the 复核 columns and summary.
pub async fn audit(State(state): State<Shared>, req: Request) -> Response {
    answer(run_evaluation(state, req, true).await)
}

async fn run_evaluation(state: Shared, req: Request, audit: bool) -> Result<Response, Problem> {
    let upload = upload::read(req, &state.config).await?;
    let id = upload
        .field("rules")
        .ok_or_else(|| {
            Problem::bad_request("请用 rules 参数指定规则编号（如 rules=yueyang-2021）；可用的编号见 /api/rules")
        })?
        .to_owned();
    let format = EvalFormat::parse(upload.field("format"))?;
    let flags = Flags {
        explain: upload.flag("explain")?,
        audit,
        partial: upload.flag("partial")?,
        view: View::parse(upload.field("view"), format)?,
    };
    let sheet = upload.field("sheet").map(str::to_owned);
    if upload.files.is_empty() {
        return Err(Problem::bad_request(
            "没有上传数据文件：请上传一个或多个 .toml、.json、.csv 或 .xlsx 文件",
        ));
    }
    let files = upload.files;
    let reply = state
        .blocking(move |st| evaluate_files(st, &id, &files, sheet.as_deref(), format, flags))
        .await?;
    Ok(reply.into_response())
}

/// What an evaluation request asks for besides the scores.
#[derive(Clone, Copy)]
struct Flags {
    explain: bool,
    audit: bool,
    /// `partial=true`: units missing some figures are evaluated as far as they allow.
    partial: bool,
    view: View,
}

fn evaluate_files(
    st: &AppState,
    id: &str,
    files: &[UploadFile],
    sheet: Option<&str>,
    format: EvalFormat,
    flags: Flags,
) -> Result<Reply, Problem> {
    let Flags {
        explain,
        audit,
        partial,
        view,
    } = flags;
    let loaded = compiled(st, id)?;
    let Some(compiled) = loaded.compiled.as_ref() else {
        return Err(Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "规则未通过检查"));
    };
    let model = &compiled.model;
    let (inputs, mut warnings) = upload::open_all(model, files, (sheet, partial), &st.config)?;
    let options = batch::Options {
        format: format.output(),
        explain,
        jobs: 1,
        progress: false,
        bom: format == EvalFormat::Csv,
        audit,
        partial,
        columns: None,
        fast_path: true,
        csv_raw: false,
        date: (format == EvalFormat::Html).then(crate::report_date),
    };
    // JSON: `units` is the JSON Lines output turned into an array as it is written (one
    // object per line, and JSON text never holds a raw line break), then the rest of the
    // envelope once the run's tally is known. Other formats: the file itself.
    let mut out = Vec::new();
    if format == EvalFormat::Json {
        // The contract's version first, so a reader can check it before anything else.
        let field = if view == View::List { "rows" } else { "units" };
        out.extend_from_slice(format!("{{\"version\":{},\"{field}\":", jixiao::JSON_VERSION).as_bytes());
    }
    let ran = if view == View::List {
        batch::run_with_writer(model, inputs, &options, super::list::ListWriter::default(), &mut out)
            .map(|(t, city)| (t, Some(city)))
    } else if format == EvalFormat::Json {
        out.push(b'[');
        batch::run_with_city(model, inputs, &options, &mut Commas(&mut out)).map(|(t, city)| (t, Some(city)))
    } else {
        batch::run(model, inputs, &options, &mut out).map(|t| (t, None))
    };
    // A city too large for one HTML document comes as a zip of the summary and one
    // report per unit, as `jixiao eval -o 评价报告.zip` writes it.
    let (ran, zipped) = match ran {
        Err(batch::BatchError::TooManyForOneReport { .. }) => {
            let (inputs, _) = upload::open_all(model, files, (sheet, partial), &st.config)?;
            let mut zip = batch::html::ZipFiles::new(Vec::new());
            let ran = batch::run_reports(model, inputs, &options, &mut zip).map(|t| (t, None));
            out = zip
                .finish()
                .map_err(|e| Problem::new(StatusCode::INTERNAL_SERVER_ERROR, format!("无法生成压缩文件：{e}")))?;
            (ran, true)
        }
        ran => (ran, false),
    };
    let (tally, city) =
        ran.map_err(|e| Problem::new(StatusCode::UNPROCESSABLE_ENTITY, format!("无法完成评价：{e}")))?;
    if tally.units == 0 {
        return Err(Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "上传的数据中没有任何单位（只有表头或空行）",
        ));
    }
    warnings.extend(tally.warnings.iter().cloned());
    let (ext, content_type) = if zipped {
        ("zip", "application/zip")
    } else {
        format.file()
    };
    let counts = vec![
        ("x-jixiao-units", tally.units.to_string()),
        ("x-jixiao-errors", tally.error_count.to_string()),
        ("x-jixiao-incomplete", tally.incomplete_count.to_string()),
    ];
    if format != EvalFormat::Json {
        let stem = if audit { "复核结果" } else { "评价结果" };
        return Ok(Reply {
            body: out,
            content_type,
            download: Some(format!("{stem}-{}.{ext}", loaded.id)),
            headers: counts,
        });
    }
    let envelope = Envelope {
        rules: RulesRef::of(&loaded, model),
        summary: Summary {
            units: tally.units,
            evaluated: tally.evaluated,
            incomplete: tally.incomplete_count,
            errors: tally.error_count,
            blank_rows: tally.blank_rows,
            text: tally.summary(),
            audit: audit.then(|| tally.audit_summary()),
            error_rows: tally
                .errors
                .iter()
                .map(|(origin, unit, reason)| ErrorRow {
                    source: origin.label(),
                    unit: unit.clone(),
                    reason: reason.clone(),
                })
                .collect(),
        },
        warnings,
        charts: city.as_ref().map(jixiao_io::chart::summary).unwrap_or_default(),
        grades: (view == View::List).then(|| model.grades.bands.iter().map(|(g, _)| g.clone()).collect()),
    };
    let rest = serde_json::to_string(&envelope)
        .map_err(|e| Problem::new(StatusCode::INTERNAL_SERVER_ERROR, format!("无法生成 JSON：{e}")))?;
    if view == View::Full {
        if out.last() == Some(&b',') {
            out.pop();
        }
        out.push(b']');
    }
    out.push(b',');
    out.extend_from_slice(rest.strip_prefix('{').unwrap_or(&rest).as_bytes());
    let body = out;
    Ok(Reply {
        body,
        content_type,
        download: None,
        headers: counts,
    })
}

/// `POST /api/diff`: `old`, `new` (rule ids) and optional data files.
pub async fn diff(State(state): State<Shared>, req: Request) -> Response {
    answer(run_diff(state, req).await)
}

async fn run_diff(state: Shared, req: Request) -> Result<Response, Problem> {
    let upload = upload::read(req, &state.config).await?;
    let old = upload
        .field("old")
        .ok_or_else(|| Problem::bad_request("请用 old 参数指定原规则的编号（如 old=yueyang-2021）"))?
        .to_owned();
    let new = upload
        .field("new")
        .ok_or_else(|| Problem::bad_request("请用 new 参数指定新规则的编号（如 new=yueyang-2022）"))?
        .to_owned();
    let format = match upload.field("format").map(str::to_ascii_lowercase).as_deref() {
        None | Some("json") => "json",
        Some("csv") => "csv",
        Some("xlsx") => "xlsx",
        Some(other) => {
            return Err(Problem::bad_request(format!(
                "不支持的输出格式「{}」：应为 json、csv 或 xlsx",
                super::rules::shorten(other)
            )))
        }
    };
    let sheet = upload.field("sheet").map(str::to_owned);
    let partial = upload.flag("partial")?;
    let files = upload.files;
    let reply = state
        .blocking(move |st| diff_files(st, (&old, &new), &files, sheet.as_deref(), format, partial))
        .await?;
    Ok(reply.into_response())
}

/// Every unit of the files evaluated under one rule set, numbered in file order.
pub(super) fn evaluate_all(
    config: &super::Config,
    model: &Model,
    files: &[UploadFile],
    sheet: Option<&str>,
    partial: bool,
) -> Result<Vec<UnitResult>, Problem> {
    let (inputs, _) = upload::open_all(model, files, (sheet, partial), config)?;
    let mut out = Vec::new();
    for mut opened in inputs {
        diff::evaluate_rows(model, &mut opened, partial, &mut out)
            .map_err(|e| Problem::new(StatusCode::UNPROCESSABLE_ENTITY, e.0))?;
    }
    Ok(out)
}

fn diff_files(
    st: &AppState,
    (old_id, new_id): (&str, &str),
    files: &[UploadFile],
    sheet: Option<&str>,
    format: &str,
    partial: bool,
) -> Result<Reply, Problem> {
    let old = compiled(st, old_id)?;
    let new = compiled(st, new_id)?;
    let (Some(old_c), Some(new_c)) = (old.compiled.as_ref(), new.compiled.as_ref()) else {
        return Err(Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "规则未通过检查"));
    };
    let before = evaluate_all(&st.config, &old_c.model, files, sheet, partial)?;
    let after = evaluate_all(&st.config, &new_c.model, files, sheet, partial)?;
    let pairs = diff::pair_units(before, after).map_err(|e| Problem::new(StatusCode::UNPROCESSABLE_ENTITY, e))?;
    let report = diff::report(&old_c.model, &new_c.model, pairs);
    let precision = new_c.model.score_precision;
    let failed = |e: String| Problem::new(StatusCode::UNPROCESSABLE_ENTITY, format!("无法生成对比结果：{e}"));
    let name = format!("规则对比-{}-{}", old.id, new.id);
    Ok(match format {
        "csv" => Reply {
            body: diff::render_csv(&report, precision).map_err(failed)?.into_bytes(),
            content_type: "text/csv; charset=utf-8",
            download: Some(format!("{name}.csv")),
            headers: Vec::new(),
        },
        "xlsx" => Reply {
            body: diff::render_xlsx(&report, precision).map_err(failed)?,
            content_type: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            download: Some(format!("{name}.xlsx")),
            headers: Vec::new(),
        },
        _ => Reply {
            body: serde_json::to_vec(&DiffAnswer {
                charts: if report.units.is_empty() {
                    Vec::new()
                } else {
                    vec![jixiao_io::chart::change::chart(&report, precision)]
                },
                report: &report,
            })
            .map_err(|e| failed(e.to_string()))?,
            content_type: "application/json; charset=utf-8",
            download: None,
            headers: Vec::new(),
        },
    })
}

/// `/api/diff`'s JSON: `jixiao diff --format json`, and the chart of each unit's change.
#[derive(Serialize)]
struct DiffAnswer<'a> {
    #[serde(flatten)]
    report: &'a diff::DiffReport,
    charts: Vec<jixiao_io::chart::Chart>,
}

#[derive(Debug, serde::Deserialize)]
pub struct TemplateQuery {
    format: Option<String>,
    rows: Option<String>,
}

/// `GET /api/rules/{id}/template`: the fill-in workbook (`jixiao template`), or with
/// `format=toml` the commented TOML skeleton for one unit.
pub async fn template(
    State(state): State<Shared>,
    Segment(id): Segment,
    query: Result<Query<TemplateQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let Ok(Query(q)) = query else {
        return Problem::bad_request("查询参数无法识别：format 和 rows 各写一次，如 ?format=xlsx&rows=40")
            .into_response();
    };
    let toml = match q.format.as_deref().map(str::to_ascii_lowercase).as_deref() {
        None | Some("xlsx") => false,
        Some("toml") => true,
        Some(other) => {
            return Problem::bad_request(format!(
                "不支持的模板格式「{}」：应为 xlsx 或 toml",
                super::rules::shorten(other)
            ))
            .into_response()
        }
    };
    let rows = match q.rows.as_deref().filter(|r| !r.is_empty()) {
        None => jixiao_io::template::DEFAULT_LIST_ROWS,
        Some(r) => match r.parse::<usize>() {
            Ok(n) if (1..=2000).contains(&n) => n,
            _ => {
                return Problem::bad_request(format!(
                    "目标清单预留行数「{}」应为 1 到 2000 之间的整数",
                    super::rules::shorten(r)
                ))
                .into_response()
            }
        },
    };
    answer(
        state
            .blocking(move |st| {
                let loaded = compiled(st, &id)?;
                let Some(c) = loaded.compiled.as_ref() else {
                    return Err(Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "规则未通过检查"));
                };
                let form = jixiao_io::template::describe(&c.model, jixiao_io::template::Options { list_rows: rows });
                let reply = if toml {
                    Reply {
                        body: jixiao_io::template::skeleton::write(&form).into_bytes(),
                        content_type: "application/toml; charset=utf-8",
                        download: Some(format!("填报模板-{}.toml", loaded.id)),
                        headers: Vec::new(),
                    }
                } else {
                    Reply {
                        body: jixiao_io::template::xlsx::write(&form).map_err(|m| {
                            Problem::new(StatusCode::INTERNAL_SERVER_ERROR, format!("无法生成填报模板：{m}"))
                        })?,
                        content_type: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        download: Some(format!("填报模板-{}.xlsx", loaded.id)),
                        headers: Vec::new(),
                    }
                };
                Ok(reply.into_response())
            })
            .await,
    )
}

/// Percent-encodes everything but unreserved ASCII (for URLs and header parameters).
pub fn url_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            let _ = std::fmt::Write::write_fmt(&mut out, format_args!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dedent_keeps_relative_indentation() {
        let text = "评分 分档 {\n        >= 90% 得 5\n          < 60% 得 0\n      }";
        assert_eq!(dedent(text), "评分 分档 {\n  >= 90% 得 5\n    < 60% 得 0\n}");
    }

    #[test]
    fn downloads_have_an_ascii_fallback_name() {
        let d = content_disposition("评价结果-yueyang-2021.csv");
        assert!(d.starts_with("attachment; filename=\"____-yueyang-2021.csv\""), "{d}");
        assert!(d.contains("filename*=UTF-8''%E8%AF%84"), "{d}");
    }
}
