//! `POST /api/trend`: 逐年对比, as `jixiao trend` does it. Each year is a saved result
//! (file field `result`), or a rule set and its data (`rulesN` = a rule id, files in
//! `dataN`, N = 1, 2, …); `names` is the 单位更名对照表. The answer is `jixiao trend
//! --format json` plus the charts, or with `format` its CSV, XLSX or HTML file.

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Serialize;

use super::api::{answer, compiled, Reply};
use super::upload::{self, UploadFile};
use super::{AppState, Problem, Shared};
use jixiao_io::trend::{self, NameTable, TrendReport, YearResults};

/// What a year is made of in the request.
enum Year {
    Saved(UploadFile),
    /// A rule id and its data files.
    Evaluated(String, Vec<UploadFile>),
}

/// `/api/trend`'s JSON: the comparison and its charts.
#[derive(Serialize)]
struct TrendAnswer<'a> {
    #[serde(flatten)]
    report: &'a TrendReport,
    charts: Vec<jixiao_io::chart::Chart>,
}

pub async fn trend(State(state): State<Shared>, req: Request) -> Response {
    answer(run(state, req).await)
}

async fn run(state: Shared, req: Request) -> Result<Response, Problem> {
    let upload = upload::read(req, &state.config).await?;
    let format = match upload.field("format").map(str::to_ascii_lowercase).as_deref() {
        None | Some("json") => "json",
        Some("csv") => "csv",
        Some("xlsx") => "xlsx",
        Some("html") => "html",
        Some(other) => {
            return Err(Problem::bad_request(format!(
                "不支持的输出格式「{}」：应为 json、csv、xlsx 或 html",
                super::rules::shorten(other)
            )))
        }
    };
    let partial = upload.flag("partial")?;
    let sheet = upload.field("sheet").map(str::to_owned);
    let mut names = None;
    let mut years = Vec::new();
    let mut data: Vec<(u32, Vec<UploadFile>)> = Vec::new();
    for file in upload.files.iter().cloned() {
        match file.field.as_str() {
            "result" | "file" => years.push(Year::Saved(file)),
            "names" if names.is_none() => names = Some(file),
            "names" => return Err(Problem::bad_request("只能上传一个单位更名对照表（names）")),
            field => {
                let n = numbered(field, "data").ok_or_else(|| {
                    Problem::bad_request(format!(
                        "不认识的上传字段「{}」：结果文件用 result，第 N 个年度的数据用 dataN（与 rulesN 的规则编号对应），单位更名对照表用 names",
                        super::rules::shorten(field)
                    ))
                })?;
                match data.iter_mut().find(|(m, _)| *m == n) {
                    Some((_, files)) => files.push(file),
                    None => data.push((n, vec![file])),
                }
            }
        }
    }
    let mut rules: Vec<(u32, String)> = Vec::new();
    for (key, value) in &upload.fields {
        if let Some(n) = numbered(key, "rules").filter(|_| !value.is_empty()) {
            rules.push((n, value.clone()));
        }
    }
    for (n, _) in &data {
        if !rules.iter().any(|(m, _)| m == n) {
            return Err(Problem::bad_request(format!(
                "data{n} 的数据没有对应的规则：请用 rules{n} 指定这一年度的规则编号（如 rules{n}=yueyang-2022）"
            )));
        }
    }
    for (n, id) in rules {
        let files = data
            .iter()
            .find(|(m, _)| *m == n)
            .map(|(_, files)| files.clone())
            .ok_or_else(|| {
                Problem::bad_request(format!(
                    "rules{n} 的数据：没有上传 data{n}（按规则「{}」评价的单位数据）",
                    super::rules::shorten(&id)
                ))
            })?;
        years.push(Year::Evaluated(id, files));
    }
    if years.is_empty() {
        return Err(Problem::bad_request(
            "没有上传任何年度的结果：每个年度上传一个保存的评价结果（result），或指定规则（rulesN）并上传这一年度的数据（dataN）",
        ));
    }
    let reply = state
        .blocking(move |st| compare(st, years, names, (sheet.as_deref(), partial), format))
        .await?;
    Ok(reply.into_response())
}

/// `data3` → 3 for the prefix `data`.
fn numbered(field: &str, prefix: &str) -> Option<u32> {
    field.strip_prefix(prefix)?.parse().ok().filter(|n| *n > 0)
}

fn unprocessable(message: String) -> Problem {
    Problem::new(StatusCode::UNPROCESSABLE_ENTITY, message)
}

fn compare(
    st: &AppState,
    years: Vec<Year>,
    names: Option<UploadFile>,
    (sheet, partial): (Option<&str>, bool),
    format: &str,
) -> Result<Reply, Problem> {
    let mut results: Vec<YearResults> = Vec::with_capacity(years.len());
    for year in years {
        results.push(match year {
            Year::Saved(file) => trend::read::read_results(&file.name, &file.bytes[..]).map_err(unprocessable)?,
            Year::Evaluated(id, files) => {
                let loaded = compiled(st, &id)?;
                let Some(c) = loaded.compiled.as_ref() else {
                    return Err(unprocessable("规则未通过检查".into()));
                };
                let (inputs, _) = upload::open_all(&c.model, &files, (sheet, partial), &st.config)?;
                let data: Vec<&str> = files.iter().map(|f| f.name.as_str()).collect();
                let source = format!("{}：{}", loaded.file, data.join("、"));
                trend::evaluated::evaluate_year(&c.model, inputs, &source, partial).map_err(|e| unprocessable(e.0))?
            }
        });
    }
    let table = match names {
        Some(file) => Some(NameTable::read(&file.name, &file.bytes).map_err(unprocessable)?),
        None => None,
    };
    let report = trend::compare(results, table.as_ref()).map_err(unprocessable)?;
    let failed = |e: String| Problem::new(StatusCode::INTERNAL_SERVER_ERROR, format!("无法生成逐年对比：{e}"));
    let name = format!("逐年对比-{}", report.span());
    let download = |body: Vec<u8>, content_type, ext: &str| Reply {
        body,
        content_type,
        download: Some(format!("{name}.{ext}")),
        headers: Vec::new(),
    };
    Ok(match format {
        "csv" => {
            let text = trend::render::render_csv(&report).map_err(failed)?;
            download(format!("\u{feff}{text}").into_bytes(), "text/csv; charset=utf-8", "csv")
        }
        "xlsx" => download(
            trend::render::render_xlsx(&report).map_err(failed)?,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "xlsx",
        ),
        "html" => download(
            trend::html::report(&report, &crate::report_date()).into_bytes(),
            "text/html; charset=utf-8",
            "html",
        ),
        _ => Reply {
            body: serde_json::to_vec(&TrendAnswer {
                charts: jixiao_io::chart::trend::charts(&report),
                report: &report,
            })
            .map_err(|e| failed(e.to_string()))?,
            content_type: "application/json; charset=utf-8",
            download: None,
            headers: Vec::new(),
        },
    })
}
