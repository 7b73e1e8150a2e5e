//! The 规则编辑 page's language service: `POST /api/rules/{id}/analyze`, `…/hover` and
//! `…/complete` answer for a rule text being edited, as if it were the file `{id}`, with
//! the language server's own code (`jixiao_lsp::analysis` and `features`), so the page
//! shows what `jixiao check` and an editor show. `基于` bases are read from the rule
//! directory only.
//!
//! Positions cross the wire as UTF-16 offsets into the text (a browser string's
//! indexes) and as 1-based line and column (in characters, as `jixiao check` counts).

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::rules::{self, RuleFile};
use super::{api, human_bytes, AppState, Problem, Segment, Shared};
use jixiao::source::SourceFile;
use jixiao_lsp::analysis::{self, Analysis, Severity};
use jixiao_lsp::features::{self, CompletionKind};
use jixiao_lsp::text::Utf16Index;

/// The longest rule text the editor endpoints take (the largest real rule file is tens
/// of KiB).
pub const MAX_TEXT_BYTES: usize = 2 * 1024 * 1024;

/// The most completion items answered (they are filtered by what was typed).
const MAX_COMPLETIONS: usize = 200;

/// Reads a JSON request body of at most `limit` bytes, within the body timeout, with
/// Chinese messages for what is wrong with it.
pub async fn read_json<T: DeserializeOwned>(req: Request, state: &AppState, limit: usize) -> Result<T, Problem> {
    let limit = limit.min(state.config.max_upload_bytes);
    let body = req.into_body();
    let bytes = match tokio::time::timeout(state.config.body_timeout, axum::body::to_bytes(body, limit)).await {
        Err(_) => {
            return Err(Problem::new(
                StatusCode::REQUEST_TIMEOUT,
                format!(
                    "请求超时：{} 秒内没有收完请求的内容，已中止",
                    state.config.body_timeout.as_secs()
                ),
            ))
        }
        Ok(Err(_)) => {
            return Err(Problem::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("请求太大：最多 {}", human_bytes(limit as u64)),
            ))
        }
        Ok(Ok(bytes)) => bytes,
    };
    serde_json::from_slice(&bytes).map_err(|e| {
        use serde_json::error::Category;
        Problem::bad_request(match e.classify() {
            Category::Data => format!(
                "请求的内容缺少字段或字段的类型不对（第 {} 行第 {} 列）：应为 JSON 对象，如 {{\"text\": \"规则文本\"}}",
                e.line(),
                e.column()
            ),
            _ => format!("请求的内容不是有效的 JSON（第 {} 行第 {} 列）", e.line(), e.column()),
        })
    })
}

/// A rule text from a request, refused when it is too long.
pub fn bounded(text: &str) -> Result<(), Problem> {
    if text.len() > MAX_TEXT_BYTES {
        return Err(Problem::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "规则文本太长（{}）：编辑页最多处理 {}",
                human_bytes(text.len() as u64),
                human_bytes(MAX_TEXT_BYTES as u64)
            ),
        ));
    }
    Ok(())
}

/// The largest JSON body: a text, a second text (completion's fallback) and a little more.
const MAX_BODY_BYTES: usize = 2 * MAX_TEXT_BYTES + 64 * 1024;

/// A rule text analysed as the file `rule` by the language server's code, on the
/// compile stack. Blocking.
pub fn analyze(st: &AppState, rule: &RuleFile, text: &str) -> Result<Analysis, Problem> {
    let path = st.rules.dir().join(&rule.file);
    let name = path.display().to_string();
    let read = |p: &std::path::Path| st.rules.read_inside(p, (rule, text));
    rules::on_compile_stack(|| analysis::analyze(&name, Some(&path), text, &read)).ok_or_else(|| {
        Problem::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "分析规则文本时发生内部错误：请把规则文本报告给开发者",
        )
    })
}

/// A place in the analysed text.
#[derive(Debug, Serialize)]
struct Place {
    /// 1-based line.
    line: usize,
    /// 1-based column, in characters.
    column: usize,
    /// UTF-16 offsets of the start and end in the text.
    from: usize,
    to: usize,
}

/// Where offsets of one text are, in every unit the page needs.
struct Positions<'a> {
    source: SourceFile,
    text: &'a str,
    utf16: Utf16Index,
}

impl<'a> Positions<'a> {
    fn new(text: &'a str) -> Positions<'a> {
        Positions {
            source: SourceFile::new("", text),
            text,
            utf16: Utf16Index::new(text),
        }
    }

    fn place(&self, span: jixiao::source::Span) -> Place {
        let (line, column) = self.source.line_col(span.start);
        Place {
            line,
            column,
            from: self.utf16.to_utf16(self.text, span.start),
            to: self.utf16.to_utf16(self.text, span.end.max(span.start)),
        }
    }

    fn byte(&self, utf16: usize) -> usize {
        self.utf16.to_byte(self.text, utf16)
    }
}

#[derive(Debug, Serialize)]
struct RelatedView {
    message: String,
    /// The base file it is in (by name), `None` for the edited text.
    file: Option<String>,
    line: usize,
    column: usize,
    /// Offsets, for a place in the edited text only.
    #[serde(skip_serializing_if = "Option::is_none")]
    from: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    to: Option<usize>,
}

#[derive(Debug, Serialize)]
struct DiagnosticView {
    code: &'static str,
    /// `error` or `warning`.
    severity: &'static str,
    message: String,
    help: Option<String>,
    #[serde(flatten)]
    place: Place,
    related: Vec<RelatedView>,
}

#[derive(Debug, Serialize)]
struct AnalyzeAnswer {
    /// Whether the text parses (completion names come from the last text that did).
    parsed: bool,
    errors: usize,
    warnings: usize,
    diagnostics: Vec<DiagnosticView>,
}

fn diagnostics(a: &Analysis, positions: &Positions) -> Vec<DiagnosticView> {
    a.diagnostics
        .iter()
        .map(|d| DiagnosticView {
            code: d.code,
            severity: match d.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
            },
            message: d.message.clone(),
            help: d.help.clone(),
            place: positions.place(d.span),
            related: d
                .related
                .iter()
                .map(|r| {
                    if r.file == 0 {
                        let p = positions.place(r.span);
                        RelatedView {
                            message: r.message.clone(),
                            file: None,
                            line: p.line,
                            column: p.column,
                            from: Some(p.from),
                            to: Some(p.to),
                        }
                    } else {
                        let f = &a.files[r.file];
                        let (line, column) = SourceFile::new(&f.name, &f.text).line_col(r.span.start);
                        RelatedView {
                            message: r.message.clone(),
                            file: Some(jixiao::diagnostics::short_name(&f.name).to_owned()),
                            line,
                            column,
                            from: None,
                            to: None,
                        }
                    }
                })
                .collect(),
        })
        .collect()
}

/// A request of the language service: the text, and a second text it may carry.
trait Texts {
    fn text(&self) -> &str;
    fn other(&self) -> Option<&str> {
        None
    }
}

/// Reads a language-service request (bounded), and answers it on the blocking pool from
/// the analysis of its text as the file `id`.
async fn answer_with_analysis<B, F>(state: Shared, id: String, req: Request, answer: F) -> Response
where
    B: DeserializeOwned + Texts + Send + 'static,
    F: FnOnce(&AppState, &RuleFile, &Analysis, &Positions, B) -> Result<Response, Problem> + Send + 'static,
{
    let result = async {
        let body: B = read_json(req, &state, MAX_BODY_BYTES).await?;
        bounded(body.text())?;
        if let Some(other) = body.other() {
            bounded(other)?;
        }
        state
            .blocking(move |st| {
                let rule = st.rules.find(&id).map_err(api::lookup_problem)?;
                let a = analyze(st, &rule, body.text())?;
                let positions = Positions::new(&a.doc().text);
                answer(st, &rule, &a, &positions, body)
            })
            .await
    };
    api::answer(result.await)
}

#[derive(Debug, Deserialize)]
struct AnalyzeRequest {
    text: String,
}

impl Texts for AnalyzeRequest {
    fn text(&self) -> &str {
        &self.text
    }
}

/// `POST /api/rules/{id}/analyze` `{text}`: the text's diagnostics, as the language
/// server publishes them.
pub async fn analyze_text(State(state): State<Shared>, Segment(id): Segment, req: Request) -> Response {
    answer_with_analysis(state, id, req, |_, _, a, positions, _: AnalyzeRequest| {
        let diagnostics = diagnostics(a, positions);
        let errors = diagnostics.iter().filter(|d| d.severity == "error").count();
        Ok(api::json(&AnalyzeAnswer {
            parsed: a.doc().ast.is_some(),
            errors,
            warnings: diagnostics.len() - errors,
            diagnostics,
        }))
    })
    .await
}

#[derive(Debug, Deserialize)]
struct HoverRequest {
    text: String,
    /// UTF-16 offset in `text`.
    offset: usize,
}

#[derive(Debug, Serialize)]
struct HoverView {
    /// The language server's hover text (Markdown).
    markdown: String,
    #[serde(flatten)]
    place: Place,
}

#[derive(Debug, Serialize)]
struct HoverAnswer {
    hover: Option<HoverView>,
}

impl Texts for HoverRequest {
    fn text(&self) -> &str {
        &self.text
    }
}

/// `POST /api/rules/{id}/hover` `{text, offset}`: what the language server says about
/// the name at `offset` (`hover: null` where there is nothing to say).
pub async fn hover(State(state): State<Shared>, Segment(id): Segment, req: Request) -> Response {
    answer_with_analysis(state, id, req, |_, _, a, positions, body: HoverRequest| {
        let hover = features::hover(a, positions.byte(body.offset)).map(|(markdown, span)| HoverView {
            markdown,
            place: positions.place(span),
        });
        Ok(api::json(&HoverAnswer { hover }))
    })
    .await
}

#[derive(Debug, Deserialize)]
struct CompleteRequest {
    text: String,
    /// UTF-16 offset in `text`.
    offset: usize,
    /// The last text that parsed: names to offer while the current one does not.
    #[serde(default)]
    fallback: Option<String>,
}

#[derive(Debug, Serialize)]
struct CompletionView {
    label: String,
    /// `name`, `keyword`, `unit`, `category`, `function` or `field`.
    kind: &'static str,
    /// What it is, in words (`输入`, `函数 round(x, 位数)：…`).
    detail: String,
    /// The text put in place of what was typed.
    insert: String,
}

#[derive(Debug, Serialize)]
struct CompleteAnswer {
    /// What was typed, which an item replaces (UTF-16 offsets).
    from: usize,
    to: usize,
    items: Vec<CompletionView>,
}

impl Texts for CompleteRequest {
    fn text(&self) -> &str {
        &self.text
    }

    fn other(&self) -> Option<&str> {
        self.fallback.as_deref()
    }
}

/// `POST /api/rules/{id}/complete` `{text, offset, fallback?}`: the language server's
/// completions at `offset`.
pub async fn complete(State(state): State<Shared>, Segment(id): Segment, req: Request) -> Response {
    answer_with_analysis(state, id, req, |st, rule, a, positions, body: CompleteRequest| {
        let fallback = match &body.fallback {
            Some(f) if a.doc().ast.is_none() => Some(analyze(st, rule, f)?),
            _ => None,
        };
        let (items, span) = features::completion(a, fallback.as_ref(), positions.byte(body.offset));
        let place = positions.place(span);
        Ok(api::json(&CompleteAnswer {
            from: place.from,
            to: place.to,
            items: items
                .into_iter()
                .take(MAX_COMPLETIONS)
                .map(|c| CompletionView {
                    kind: match c.kind {
                        CompletionKind::Name(_) => "name",
                        CompletionKind::Keyword => "keyword",
                        CompletionKind::Unit => "unit",
                        CompletionKind::Category => "category",
                        CompletionKind::Function => "function",
                        CompletionKind::Field => "field",
                    },
                    label: c.label,
                    detail: c.detail,
                    insert: c.insert,
                })
                .collect(),
        }))
    })
    .await
}
