//! Uploaded data: read from a `multipart/form-data` form (one or more files plus text
//! fields) or from a raw request body (one file), kept in memory only and dropped with
//! the request; then opened with the batch readers exactly as `jixiao eval` opens files.

use std::io::Cursor;

use axum::body::Bytes;
use axum::extract::{FromRequest, Multipart, Request};
use axum::http::{header, StatusCode};

use super::{Config, Problem};
use jixiao::model::Model;
use jixiao_io::batch::input::{self, InputFormat, Opened};
use jixiao_io::batch::workbook::{self, Limits, Refused};

/// The one way axum's `Multipart` extractor refuses a request: its `Content-Type` names
/// no boundary between the parts.
const NO_BOUNDARY: &str = "无法读取上传的表单：请求头 Content-Type 没有写明表单各部分之间的分隔符。请用浏览器或 HTTP 库的“上传文件”功能提交（如 curl -F file=@units.csv），不要自己设置 Content-Type";

/// The longest text field accepted in a form (rule ids, sheet names, flags).
const MAX_FIELD_BYTES: usize = 4096;

/// One uploaded file.
#[derive(Debug, Clone)]
pub struct UploadFile {
    /// The form field it came in (`file`; a raw body is `file` too).
    pub field: String,
    /// The file name as the browser sent it, without any directory part.
    pub name: String,
    pub bytes: Bytes,
}

/// What a request carried: form fields (and query parameters) and files.
#[derive(Debug, Default)]
pub struct Upload {
    pub fields: Vec<(String, String)>,
    pub files: Vec<UploadFile>,
}

impl Upload {
    /// The first value of a field.
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    }

    /// Every non-empty value of a field, in order.
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.fields
            .iter()
            .filter(|(k, v)| k == name && !v.is_empty())
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// A yes/no option: absent is no; `true`/`1`/`on`/`yes`/`是` is yes.
    pub fn flag(&self, name: &str) -> Result<bool, Problem> {
        match self.field(name) {
            None => Ok(false),
            Some(v) => match v.to_ascii_lowercase().as_str() {
                "true" | "1" | "on" | "yes" | "是" => Ok(true),
                "false" | "0" | "off" | "no" | "否" => Ok(false),
                _ => Err(Problem::bad_request(format!(
                    "参数 {name} 的值「{}」无法识别：应为 true 或 false",
                    super::rules::shorten(v)
                ))),
            },
        }
    }
}

/// Reads the query string and the body (a form or one raw file) of a request, within
/// [`Config::body_timeout`].
pub async fn read(req: Request, config: &Config) -> Result<Upload, Problem> {
    match tokio::time::timeout(config.body_timeout, read_body(req, config)).await {
        Ok(read) => read,
        Err(_) => Err(Problem::new(
            StatusCode::REQUEST_TIMEOUT,
            format!(
                "上传超时：{} 秒内没有收完上传的数据，已中止；请检查网络后重新上传（启动服务时可用 --upload-timeout 调整）",
                config.body_timeout.as_secs()
            ),
        )),
    }
}

async fn read_body(req: Request, config: &Config) -> Result<Upload, Problem> {
    let mut upload = Upload {
        fields: query_fields(req.uri().query())?,
        files: Vec::new(),
    };
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    if content_type.starts_with("multipart/form-data") {
        let mut form = Multipart::from_request(req, &())
            .await
            .map_err(|_| Problem::bad_request(NO_BOUNDARY))?;
        loop {
            let field = match form.next_field().await {
                Ok(Some(field)) => field,
                Ok(None) => break,
                Err(e) => return Err(multipart_problem(e.status(), config)),
            };
            let field_name = field.name().unwrap_or("").to_owned();
            match field.file_name().map(clean_name) {
                Some(file_name) => {
                    let bytes = field.bytes().await.map_err(|e| multipart_problem(e.status(), config))?;
                    // A file input left empty still sends an empty, unnamed part.
                    if file_name.is_empty() && bytes.is_empty() {
                        continue;
                    }
                    if upload.files.len() >= config.max_files {
                        return Err(Problem::new(
                            StatusCode::PAYLOAD_TOO_LARGE,
                            format!("一次最多上传 {} 个文件", config.max_files),
                        ));
                    }
                    let name = if file_name.is_empty() {
                        "上传文件".to_owned()
                    } else {
                        file_name
                    };
                    upload.files.push(UploadFile {
                        field: field_name,
                        name,
                        bytes,
                    });
                }
                None => {
                    let bytes = field.bytes().await.map_err(|e| multipart_problem(e.status(), config))?;
                    if bytes.len() > MAX_FIELD_BYTES {
                        return Err(Problem::bad_request(format!(
                            "表单字段 {} 太长（超过 {MAX_FIELD_BYTES} 字节）",
                            super::rules::shorten(&field_name)
                        )));
                    }
                    let text = String::from_utf8(bytes.to_vec()).map_err(|_| {
                        Problem::bad_request(format!(
                            "表单字段 {} 不是 UTF-8 文本",
                            super::rules::shorten(&field_name)
                        ))
                    })?;
                    upload.fields.insert(0, (field_name, text.trim().to_owned()));
                }
            }
        }
    } else {
        let bytes = axum::body::to_bytes(req.into_body(), config.max_upload_bytes)
            .await
            .map_err(|_| too_large(config))?;
        if !bytes.is_empty() {
            let name = match upload.field("filename") {
                Some(n) => clean_name(n),
                None => name_for_type(&content_type).ok_or_else(|| {
                    Problem::new(
                        StatusCode::UNSUPPORTED_MEDIA_TYPE,
                        "无法判断上传数据的格式：请用 multipart/form-data 表单上传文件，或用 filename 参数给出文件名（如 filename=units.csv），或把 Content-Type 设为 text/csv、application/json、application/toml 或 Excel 的类型",
                    )
                })?,
            };
            upload.files.push(UploadFile {
                field: "file".into(),
                name: if name.is_empty() { "上传文件".into() } else { name },
                bytes,
            });
        }
    }
    Ok(upload)
}

fn query_fields(query: Option<&str>) -> Result<Vec<(String, String)>, Problem> {
    match query {
        None | Some("") => Ok(Vec::new()),
        Some(q) => serde_urlencoded_pairs(q).map_err(|_| Problem::bad_request("查询参数无法解析")),
    }
}

/// `a=1&b=%E4%B8%80` → pairs (the same decoding as HTML forms).
fn serde_urlencoded_pairs(q: &str) -> Result<Vec<(String, String)>, ()> {
    axum::extract::Query::<Vec<(String, String)>>::try_from_uri(&format!("/?{q}").parse().map_err(|_| ())?)
        .map(|axum::extract::Query(pairs)| pairs)
        .map_err(|_| ())
}

fn too_large(config: &Config) -> Problem {
    Problem::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        format!(
            "上传的数据太大：每次请求最多 {}（启动服务时可用 --max-upload-mb 调整）",
            super::human_bytes(config.max_upload_bytes as u64)
        ),
    )
}

fn multipart_problem(status: StatusCode, config: &Config) -> Problem {
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        too_large(config)
    } else {
        Problem::bad_request("上传的表单不完整或格式有误，请重新上传")
    }
}

/// A file name without directories or control characters, at most 200 characters.
pub fn clean_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("");
    base.chars()
        .filter(|c| !c.is_control())
        .take(200)
        .collect::<String>()
        .trim()
        .to_owned()
}

/// A file name for a raw body, from its `Content-Type`.
fn name_for_type(content_type: &str) -> Option<String> {
    let essence = content_type.split(';').next().unwrap_or("").trim();
    let ext = match essence {
        "text/csv" => "csv",
        "application/json" => "json",
        "application/toml" | "text/toml" | "text/x-toml" => "toml",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" => "xlsx",
        "application/vnd.ms-excel" => "xls",
        "application/vnd.oasis.opendocument.spreadsheet" => "ods",
        _ => return None,
    };
    Some(format!("上传数据.{ext}"))
}

/// Opens every uploaded file with the batch readers (header checked before any unit is
/// evaluated), in upload order. Blocking.
pub fn open_all(
    model: &Model,
    files: &[UploadFile],
    (sheet, partial): (Option<&str>, bool),
    config: &Config,
) -> Result<(Vec<Opened>, Vec<String>), Problem> {
    let mut opened = Vec::with_capacity(files.len());
    let mut warnings = duplicates(files);
    let mut failures = Vec::new();
    for file in files {
        match open_one(model, file, (sheet, partial), config)? {
            Ok(o) => {
                warnings.extend(o.warnings.iter().cloned());
                opened.push(o);
            }
            Err(message) => failures.push(message),
        }
    }
    if !failures.is_empty() {
        return Err(
            Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "上传的文件无法评价，没有评价任何单位").details(failures),
        );
    }
    let rows: usize = opened.iter().map(|o| o.estimated_rows).sum();
    if rows > config.max_units {
        return Err(Problem::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "上传的数据约有 {rows} 行，超过每次最多 {} 个单位的限制：请分批上传，或用命令行 jixiao eval 评价",
                config.max_units
            ),
        ));
    }
    Ok((opened, warnings))
}

/// A warning for each file whose content is that of an earlier one (the same SHA-256):
/// its units would be counted twice, which a clerk who picked a file twice should hear.
fn duplicates(files: &[UploadFile]) -> Vec<String> {
    if files.len() < 2 {
        return Vec::new();
    }
    let mut seen: Vec<(String, &str)> = Vec::with_capacity(files.len());
    let mut out = Vec::new();
    for file in files {
        let sha = jixiao::sha256_hex(&file.bytes);
        match seen.iter().find(|(s, _)| *s == sha) {
            Some((_, first)) => out.push(format!(
                "文件「{}」与「{first}」内容相同（SHA-256 相同）：其中的单位计算了两次；如果是重复上传，请去掉其中一个后重新评价",
                file.name
            )),
            None => seen.push((sha, &file.name)),
        }
    }
    out
}

/// One file: `Err(Problem)` stops the request (a zip bomb, an unknown format);
/// `Ok(Err(message))` is a file that cannot be evaluated (reported with the others).
fn open_one(
    model: &Model,
    file: &UploadFile,
    (sheet, partial): (Option<&str>, bool),
    config: &Config,
) -> Result<Result<Opened, String>, Problem> {
    let name = &file.name;
    let format = InputFormat::from_path(name).ok_or_else(|| {
        Problem::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            format!(
                "无法识别文件「{}」的格式：应为 .toml、.json、.csv、.xlsx、.xls 或 .ods",
                super::rules::shorten(name)
            ),
        )
    })?;
    let bytes = file.bytes.clone();
    Ok(match format {
        InputFormat::Csv => input::open_csv_with(model, name, Cursor::new(bytes), partial).map_err(|e| e.0),
        InputFormat::Workbook => {
            let limits = Limits {
                max_unzipped_bytes: config.max_unzipped_bytes,
                max_rows: config.max_units,
            };
            match workbook::check_archive(name, &bytes, limits.max_unzipped_bytes) {
                Ok(()) => {}
                Err(Refused::TooLarge(message)) => {
                    let hint = if message.contains("压缩炸弹") {
                        "（启动服务时可用 --max-unzipped-mb 调整解压上限）"
                    } else {
                        ""
                    };
                    return Err(Problem::new(StatusCode::PAYLOAD_TOO_LARGE, format!("{message}{hint}")));
                }
                Err(Refused::Unreadable(message)) => return Ok(Err(message)),
            }
            input::open_workbook_bytes_with(model, name, bytes, sheet, limits, partial).map_err(|e| e.0)
        }
        InputFormat::Toml | InputFormat::Json => Ok(input::open_document(name, &bytes, format)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_lose_their_directories() {
        assert_eq!(clean_name("C:\\Users\\a\\units.csv"), "units.csv");
        assert_eq!(clean_name("../../etc/passwd"), "passwd");
        assert_eq!(clean_name("a\u{0}b.csv"), "ab.csv");
        assert_eq!(clean_name(""), "");
    }

    #[test]
    fn raw_bodies_are_named_by_type() {
        assert_eq!(
            name_for_type("text/csv; charset=utf-8").as_deref(),
            Some("上传数据.csv")
        );
        assert_eq!(name_for_type("application/octet-stream"), None);
    }
}
