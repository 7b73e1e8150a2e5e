//! The 评价 page at city scale. A city's full answer is every unit's whole report (for
//! 19,000 units, 90 MB of JSON, 180 MB with explanations): more than a page should parse
//! to draw a list. So the page asks for the list (`/api/evaluate` with `view=list`: one
//! compact row per unit, ranked, with the rule file's grade order) and, when a clerk opens
//! a unit, for that unit alone (`/api/evaluate/unit`: the unit numbered N, read from the
//! same files and evaluated on its own — element N of the full answer).

use std::io::Write;

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Serialize;

use super::api::{answer, compiled, json, RulesRef};
use super::upload;
use super::{Problem, Shared};
use jixiao::number::Number;
use jixiao_io::batch::output::{rank_by, rank_key, ranks, Layout, UnitResult, Writer};
use jixiao_io::batch::{self, BatchError, Item, Processed};

/// One unit of the list: what the page's table shows and sorts by.
#[derive(Debug, Serialize)]
pub struct Row {
    pub number: usize,
    pub unit: String,
    pub source: String,
    /// 正常, 不完整 or 错误.
    pub status: &'static str,
    pub error: Option<String>,
    #[serde(with = "jixiao::number::serde_option")]
    pub total: Option<Number>,
    pub total_display: Option<String>,
    pub grade: Option<String>,
    /// 名次 in the 总分排名 (the HTML report's): highest total first, equal shown totals
    /// sharing a rank; `None` without a total.
    pub rank: Option<usize>,
    pub self_total: Option<String>,
    pub self_grade: Option<String>,
    /// Cross-checks not passed.
    pub checks_failed: usize,
    /// 复核意见: errors, warnings, notes.
    pub audit: [usize; 3],
}

impl Row {
    fn of(p: &Processed) -> Row {
        let result = UnitResult::of(p);
        let ev = result.evaluation;
        Row {
            number: p.number,
            unit: p.unit.clone(),
            source: result.source,
            status: result.status,
            error: result.error.map(str::to_owned),
            total: ev.and_then(|e| e.total.clone()),
            total_display: ev.map(|e| e.total_display.clone()),
            grade: ev.and_then(|e| e.grade.clone()),
            rank: None,
            self_total: ev.and_then(|e| e.self_evaluation.total.map(|t| t.to_string())),
            self_grade: ev.and_then(|e| e.self_evaluation.grade.clone()),
            checks_failed: ev.map_or(0, |e| e.checks.iter().filter(|c| !c.ok).count()),
            audit: ev.map_or([0; 3], |e| [e.audit.errors, e.audit.warnings, e.audit.notes]),
        }
    }
}

/// Keeps each unit's row and rank key; writes the rows, ranked, as a JSON array at the end.
#[derive(Default)]
pub struct ListWriter {
    rows: Vec<Row>,
    keys: Vec<Option<Number>>,
}

impl Writer for ListWriter {
    type Item = (Row, Option<Number>);

    fn begin(&mut self, _: &Layout, _: &mut dyn Write) -> Result<(), BatchError> {
        Ok(())
    }

    fn prepare(layout: &Layout, p: &Processed) -> Self::Item {
        let key = p
            .result
            .as_ref()
            .ok()
            .and_then(|d| rank_key(rank_by(&d.evaluation), layout.model.score_precision));
        (Row::of(p), key)
    }

    fn write(&mut self, _: &Layout, (row, key): Self::Item, _: &mut dyn Write) -> Result<(), BatchError> {
        self.rows.push(row);
        self.keys.push(key);
        Ok(())
    }

    fn finish(mut self, _: &Layout, out: &mut dyn Write) -> Result<(), BatchError> {
        for (row, rank) in self.rows.iter_mut().zip(ranks(&self.keys)) {
            row.rank = rank;
        }
        serde_json::to_writer(out, &self.rows).map_err(|e| BatchError::Format(format!("无法生成 JSON：{e}")))
    }
}

/// `POST /api/evaluate/unit`: the parameters and files of `/api/evaluate`, and `number`
/// (a unit's `number` in the list); answers `{"version", "rules", "unit"}` with `unit` as
/// the full answer's element for that unit.
pub async fn unit(State(state): State<Shared>, req: Request) -> Response {
    answer(one_unit(state, req).await)
}

async fn one_unit(state: Shared, req: Request) -> Result<Response, Problem> {
    let upload = upload::read(req, &state.config).await?;
    let id = upload
        .field("rules")
        .ok_or_else(|| {
            Problem::bad_request("请用 rules 参数指定规则编号（如 rules=yueyang-2021）；可用的编号见 /api/rules")
        })?
        .to_owned();
    let number = match upload.field("number").map(|n| n.parse::<usize>()) {
        Some(Ok(n)) if n >= 1 => n,
        Some(_) => {
            return Err(Problem::bad_request(
                "参数 number 应为单位的序号（从 1 起的整数，即评价结果中的 number）",
            ))
        }
        None => {
            return Err(Problem::bad_request(
                "请用 number 参数指定单位的序号（评价结果中的 number，从 1 起）",
            ))
        }
    };
    let explain = upload.flag("explain")?;
    let partial = upload.flag("partial")?;
    let sheet = upload.field("sheet").map(str::to_owned);
    if upload.files.is_empty() {
        return Err(Problem::bad_request(
            "没有上传数据文件：请上传评价时的同一组文件（.toml、.json、.csv 或 .xlsx）",
        ));
    }
    let files = upload.files;
    state
        .blocking(move |st| {
            let loaded = compiled(st, &id)?;
            let Some(c) = loaded.compiled.as_ref() else {
                return Err(Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "规则未通过检查"));
            };
            let model = &c.model;
            let (inputs, _) = upload::open_all(model, &files, (sheet.as_deref(), partial), &st.config)?;
            // Numbered as the batch numbers them: every row of every file, in order.
            let mut seen = 0;
            for mut opened in inputs {
                while let Some(item) = opened.next_item() {
                    let item = item.map_err(|e| {
                        Problem::new(StatusCode::UNPROCESSABLE_ENTITY, format!("无法读取上传的文件：{e}"))
                    })?;
                    let Item::Row(row) = item else { continue };
                    seen += 1;
                    if seen == number {
                        let p = batch::process(model, row, number, explain, partial);
                        return Ok(json(&OneUnit {
                            version: jixiao::JSON_VERSION,
                            rules: RulesRef::of(&loaded, model),
                            unit: UnitResult::of(&p),
                        }));
                    }
                }
            }
            Err(Problem::new(
                StatusCode::NOT_FOUND,
                format!("没有序号为 {number} 的单位：上传的数据共 {seen} 个单位"),
            ))
        })
        .await
}

#[derive(Serialize)]
struct OneUnit<'a> {
    version: u32,
    rules: RulesRef,
    unit: UnitResult<'a>,
}
