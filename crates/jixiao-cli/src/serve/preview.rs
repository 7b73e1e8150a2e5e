//! The 规则编辑 page's live preview: `POST /api/rules/{id}/preview` scores units under
//! the edited rule text and under the saved file, and compares the two with
//! `jixiao diff`'s own report (rule changes, each unit's score and grade change).
//!
//! The units are an example data file of the rule set (`--examples DIR`: the files in
//! `DIR/<id>/`, or in the folder of the rule set it is `基于`) or data files the page
//! sends with each request (kept in the browser, never stored by the server).

use std::path::{Path as FsPath, PathBuf};

use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Serialize;

use super::edit::bounded;
use super::rules::{self, Loaded};
use super::upload::{self, UploadFile};
use super::{api, AppState, Problem, Segment, Shared};
use jixiao_io::batch::input::InputFormat;
use jixiao_io::diff::{self, DiffReport};

/// The most units a preview scores (each change scores them twice).
pub const MAX_PREVIEW_UNITS: usize = 2_000;

/// The form field that carries the edited rule text (as a file part: it may be longer
/// than a plain field may be).
const TEXT_FIELD: &str = "text";

/// One example data file of a rule set.
#[derive(Debug, Clone)]
pub struct Example {
    /// The file name, which the page sends back to choose it.
    pub name: String,
    /// The folder it is in, relative to the examples directory (the rule id).
    pub folder: String,
    path: PathBuf,
}

/// The example data files for a rule set, CSV and workbooks (many units) before
/// single-unit files: `DIR/<id>/`, else the folder of the first file of its `基于` chain
/// that has one.
pub fn examples(st: &AppState, loaded: &Loaded) -> Vec<Example> {
    let Some(dir) = st.config.examples_dir.as_ref().and_then(|d| d.canonicalize().ok()) else {
        return Vec::new();
    };
    let stems = std::iter::once(loaded.id.clone()).chain(
        loaded
            .bases
            .iter()
            .filter_map(|b| FsPath::new(b).file_stem().map(|s| s.to_string_lossy().into_owned())),
    );
    for stem in stems.filter(|s| rules::valid_id(s)) {
        let Ok(entries) = std::fs::read_dir(dir.join(&stem)) else {
            continue;
        };
        let mut found: Vec<(u8, Example)> = entries
            .flatten()
            .filter_map(|entry| {
                let name = entry.file_name().to_str()?.to_owned();
                let rank = match InputFormat::from_path(&name)? {
                    InputFormat::Csv => 0,
                    InputFormat::Workbook => 1,
                    InputFormat::Toml | InputFormat::Json => 2,
                };
                // Only regular files inside the examples directory (no link out of it).
                let path = entry.path().canonicalize().ok()?;
                (path.starts_with(&dir) && path.is_file() && !name.starts_with('.')).then_some((
                    rank,
                    Example {
                        name,
                        folder: stem.clone(),
                        path,
                    },
                ))
            })
            .collect();
        if !found.is_empty() {
            found.sort_by(|a, b| (a.0, &a.1.name).cmp(&(b.0, &b.1.name)));
            return found.into_iter().map(|(_, e)| e).collect();
        }
    }
    Vec::new()
}

fn read_example(st: &AppState, loaded: &Loaded, name: &str) -> Result<UploadFile, Problem> {
    let all = examples(st, loaded);
    let example = all.iter().find(|e| e.name == name).ok_or_else(|| {
        Problem::bad_request(format!(
            "没有名为「{}」的示例数据文件{}",
            rules::shorten(name),
            if all.is_empty() {
                "：启动服务时没有用 --examples 指定示例单位目录，或其中没有这套规则的子目录".to_owned()
            } else {
                format!(
                    "：可用的有 {}",
                    all.iter().map(|e| e.name.as_str()).collect::<Vec<_>>().join("、")
                )
            }
        ))
    })?;
    let too_large = || {
        Problem::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "示例数据文件 {} 太大：最多 {}",
                example.name,
                super::human_bytes(st.config.max_upload_bytes as u64)
            ),
        )
    };
    let size = std::fs::metadata(&example.path)
        .map_err(|e| read_failed(example, &e))?
        .len();
    if size > st.config.max_upload_bytes as u64 {
        return Err(too_large());
    }
    let bytes = std::fs::read(&example.path).map_err(|e| read_failed(example, &e))?;
    Ok(UploadFile {
        field: "file".into(),
        name: example.name.clone(),
        bytes: Bytes::from(bytes),
    })
}

fn read_failed(example: &Example, e: &std::io::Error) -> Problem {
    Problem::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        format!("无法读取示例数据文件 {}/{}：{e}", example.folder, example.name),
    )
}

/// One unit scored under the edited rules only (when the saved file does not check).
#[derive(Debug, Serialize)]
struct EditedUnit {
    number: usize,
    unit: String,
    #[serde(with = "jixiao::number::serde_option")]
    total: Option<jixiao::number::Number>,
    grade: Option<String>,
    /// Why it has no total (an indicator without a score), or why it was not scored.
    note: Option<String>,
}

#[derive(Debug, Serialize)]
struct PreviewAnswer {
    /// Whether the edited text checks; when not, nothing was scored.
    ok: bool,
    /// Errors in the edited text.
    errors: usize,
    /// What happened, in words.
    message: String,
    /// The data files scored.
    data: Vec<String>,
    /// Decimals scores are shown with (the edited rules' `得分精度`).
    precision: u32,
    /// Whether the saved file checks (else there is nothing to compare with).
    saved_ok: bool,
    /// Saved → edited: rule changes and every unit's change (`jixiao diff`'s report).
    report: Option<DiffReport>,
    /// The units under the edited rules, when the saved file does not check.
    units: Option<Vec<EditedUnit>>,
}

/// `POST /api/rules/{id}/preview`: a form with the edited text (a file part named
/// `text`) and either `example=<file name>` or data files (`file`); `partial=true` as
/// for `/api/evaluate`.
pub async fn preview(State(state): State<Shared>, Segment(id): Segment, req: Request) -> Response {
    let result = async {
        let upload = upload::read(req, &state.config).await?;
        let example = upload.field("example").map(str::to_owned);
        let partial = upload.flag("partial")?;
        let (texts, files): (Vec<UploadFile>, Vec<UploadFile>) =
            upload.files.into_iter().partition(|f| f.field == TEXT_FIELD);
        let text = texts.into_iter().next().ok_or_else(|| {
            Problem::bad_request("请在表单的 text 部分给出编辑后的规则文本（作为文件上传，如 text=@规则.jx）")
        })?;
        let text = String::from_utf8(text.bytes.to_vec())
            .map_err(|_| Problem::bad_request("编辑后的规则文本不是 UTF-8 编码"))?;
        bounded(&text)?;
        state
            .blocking(move |st| score(st, &id, &text, (example.as_deref(), files), partial))
            .await
    };
    api::answer(result.await)
}

fn score(
    st: &AppState,
    id: &str,
    text: &str,
    (example, files): (Option<&str>, Vec<UploadFile>),
    partial: bool,
) -> Result<Response, Problem> {
    let rule = st.rules.find(id).map_err(api::lookup_problem)?;
    let saved = st.rules.load(id).map_err(api::lookup_problem)?;
    let files = match example {
        Some(name) => vec![read_example(st, &saved, name)?],
        None => files,
    };
    let data: Vec<String> = files.iter().map(|f| f.name.clone()).collect();
    let edited = rules::on_compile_stack(|| st.rules.compile_text(&rule, text))
        .ok_or_else(|| Problem::new(StatusCode::INTERNAL_SERVER_ERROR, "检查编辑后的规则时发生内部错误"))?;
    let edited = match edited {
        Ok(c) => c,
        Err(diagnostics) => {
            let errors = diagnostics.iter().filter(|d| d.is_error()).count();
            return Ok(api::json(&PreviewAnswer {
                ok: false,
                errors,
                message: format!("编辑后的规则有 {errors} 个错误，改正后才能预览评分"),
                data,
                precision: saved.compiled.as_ref().map_or(2, |c| c.model.score_precision),
                saved_ok: saved.compiled.is_some(),
                report: None,
                units: None,
            }));
        }
    };
    let mut config = st.config.clone();
    config.max_units = config.max_units.min(MAX_PREVIEW_UNITS);
    let side = |label: &'static str| {
        move |p: Problem| Problem {
            message: format!("{label}：{}", p.message),
            ..p
        }
    };
    let after = api::evaluate_all(&config, &edited.model, &files, None, partial).map_err(side("编辑后的规则"))?;
    let precision = edited.model.score_precision;
    let Some(old) = &saved.compiled else {
        let units = after
            .into_iter()
            .map(|(number, unit, result)| match result {
                Ok(ev) => EditedUnit {
                    number,
                    unit,
                    note: ev.scoring.as_ref().filter(|_| !ev.complete).map(|n| n.text.clone()),
                    total: ev.total,
                    grade: ev.grade,
                },
                Err(e) => EditedUnit {
                    number,
                    unit,
                    total: None,
                    grade: None,
                    note: Some(e),
                },
            })
            .collect::<Vec<_>>();
        return Ok(api::json(&PreviewAnswer {
            ok: true,
            errors: 0,
            message: format!(
                "保存的版本未通过检查，无法对比；下面是按编辑后的规则评价的 {} 个单位",
                units.len()
            ),
            data,
            precision,
            saved_ok: false,
            report: None,
            units: Some(units),
        }));
    };
    let before = api::evaluate_all(&config, &old.model, &files, None, partial).map_err(side("保存的版本"))?;
    let pairs = diff::pair_units(before, after).map_err(|e| Problem::new(StatusCode::UNPROCESSABLE_ENTITY, e))?;
    let report = diff::report(&old.model, &edited.model, pairs);
    let message = if files.is_empty() {
        format!(
            "规则有 {} 处变化；选择单位数据后可以看到评分的变化",
            report.rule_changes.len()
        )
    } else {
        format!(
            "规则有 {} 处变化；{} 个单位中 {} 个总分变化，{} 个等级变化",
            report.rule_changes.len(),
            report.units.len(),
            report.units_changed,
            report.grades_changed
        )
    };
    Ok(api::json(&PreviewAnswer {
        ok: true,
        errors: 0,
        message,
        data,
        precision,
        saved_ok: true,
        report: Some(report),
        units: None,
    }))
}
