//! Saving from the 规则编辑 page: `POST /api/rules/{id}/save` `{text, sha256}`.
//!
//! Only when the server runs with `--allow-edit` (which needs a token) and the request
//! carries the token or the session cookie. The text must check without errors
//! (warnings allowed), and the file must still be the version the page loaded
//! (`sha256`), so that a change made meanwhile (in another editor, another tab) is never
//! overwritten. The previous version is kept in `.jixiao-backup/` inside the rule
//! directory; the new one is written to a temporary file beside the rule file and renamed
//! over it, so the file is always whole.

use std::io::Write as _;
use std::path::{Path as FsPath, PathBuf};

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};

use super::edit::{bounded, read_json, MAX_TEXT_BYTES};
use super::rules::{self, RuleFile};
use super::{api, AppState, Problem, Segment, Shared};

/// The folder, inside the rule directory, that keeps the versions replaced by saving.
pub const BACKUP_DIR: &str = ".jixiao-backup";

#[derive(Debug, Deserialize)]
struct SaveRequest {
    text: String,
    /// The SHA-256 of the file as the page loaded it.
    sha256: String,
}

#[derive(Debug, Serialize)]
struct Saved {
    /// The SHA-256 of the file as now saved.
    sha256: String,
    /// Where the previous version was kept, relative to the rule directory.
    backup: String,
    warnings: usize,
    message: String,
}

/// Why this request may not save, if it may not.
fn refusal(st: &AppState, headers: &axum::http::HeaderMap) -> Option<Problem> {
    if !st.config.allow_edit {
        return Some(Problem::new(
            StatusCode::FORBIDDEN,
            "工作台以只读方式运行，不能保存：启动服务时加 --allow-edit（并用 --token 设置访问令牌）才能在这里保存规则文件",
        ));
    }
    // The guard has let the request in; saving asks for the token itself as well, so that
    // no other way in (a server without a token) can ever write a file.
    if !super::authenticated(st, headers) {
        return Some(Problem::new(
            StatusCode::UNAUTHORIZED,
            "保存规则文件需要访问令牌：请先登录（或在请求头中加 Authorization: Bearer 令牌）",
        ));
    }
    None
}

/// `POST /api/rules/{id}/save`.
pub async fn save(State(state): State<Shared>, Segment(id): Segment, req: Request) -> Response {
    let result = async {
        if let Some(problem) = refusal(&state, req.headers()) {
            return Err(problem);
        }
        let body: SaveRequest = read_json(req, &state, MAX_TEXT_BYTES + 64 * 1024).await?;
        bounded(&body.text)?;
        state.blocking(move |st| write(st, &id, &body)).await
    };
    api::answer(result.await)
}

fn write(st: &AppState, id: &str, body: &SaveRequest) -> Result<Response, Problem> {
    let rule = st.rules.find(id).map_err(api::lookup_problem)?;
    let path = st
        .rules
        .path_of(&rule)
        .map_err(|m| Problem::new(StatusCode::FORBIDDEN, format!("不能保存 {}：{m}", rule.file)))?;
    let compiled = rules::on_compile_stack(|| st.rules.compile_text(&rule, &body.text)).ok_or_else(|| {
        Problem::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "检查规则文本时发生内部错误，没有保存",
        )
    })?;
    let warnings = match compiled {
        Ok(c) => c.warnings.len(),
        Err(diagnostics) => {
            let errors = rules::rendered_errors(&diagnostics);
            return Err(Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                format!(
                    "规则文本有 {} 个错误，没有保存：改正后再保存（警告不妨碍保存）",
                    errors.len()
                ),
            )
            .details(errors));
        }
    };
    let _one_at_a_time = st.saving.lock().unwrap_or_else(|e| e.into_inner());
    let current = std::fs::read(&path).map_err(|e| {
        Problem::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("无法读取 {}：{e}", rule.file),
        )
    })?;
    let current_sha = jixiao::sha256_hex(&current);
    if !current_sha.eq_ignore_ascii_case(body.sha256.trim()) {
        return Err(Problem::new(
            StatusCode::CONFLICT,
            format!(
                "{} 在你打开编辑页之后已被修改（可能是在别处保存的），没有保存，以免覆盖别人的修改：请先复制你的修改，重新打开编辑页，再把修改合并进去",
                rule.file
            ),
        ));
    }
    let text = with_line_ends_of(&current, &body.text);
    if text.as_bytes() == current.as_slice() {
        return Ok(api::json(&Saved {
            sha256: current_sha,
            backup: String::new(),
            warnings,
            message: format!("{} 没有改动，无需保存", rule.file),
        }));
    }
    let backup = keep_backup(st.rules.dir(), &rule, &current, &current_sha)?;
    replace(&path, text.as_bytes()).map_err(|m| {
        Problem::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("无法保存 {}：{m}", rule.file),
        )
    })?;
    Ok(api::json(&Saved {
        sha256: jixiao::sha256_hex(text.as_bytes()),
        message: format!("已保存 {}；原来的版本备份为 {backup}", rule.file),
        backup,
        warnings,
    }))
}

/// The text with the file's line ends: a file written with CR LF keeps them (a
/// browser's text area has LF only).
fn with_line_ends_of(current: &[u8], text: &str) -> String {
    let crlf = current.windows(2).any(|w| w == b"\r\n");
    if crlf && !text.contains('\r') {
        text.replace('\n', "\r\n")
    } else {
        text.to_owned()
    }
}

/// Copies the version about to be replaced into the backup folder, named by its id and
/// the start of its SHA-256 (`yueyang-2021-1a2b3c4d5e6f.jx`): saving the same version
/// twice keeps one copy.
fn keep_backup(dir: &FsPath, rule: &RuleFile, bytes: &[u8], sha: &str) -> Result<String, Problem> {
    let failed = |why: String| {
        Problem::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("无法在规则目录中备份原来的版本（{BACKUP_DIR}），没有保存：{why}"),
        )
    };
    let folder = dir.join(BACKUP_DIR);
    std::fs::create_dir_all(&folder).map_err(|e| failed(jixiao::diagnostics::io_message(&e)))?;
    let name = format!("{}-{}.jx", rule.id, &sha[..12.min(sha.len())]);
    let target = folder.join(&name);
    if !target.exists() {
        replace(&target, bytes).map_err(failed)?;
    }
    Ok(format!("{BACKUP_DIR}/{name}"))
}

/// Writes a temporary file beside `path`, flushes it to disk and renames it over `path`:
/// readers see the old file or the new one, never half of one. The file keeps its
/// permissions.
fn replace(path: &FsPath, bytes: &[u8]) -> Result<(), String> {
    let dir: PathBuf = path.parent().map_or_else(|| PathBuf::from("."), FsPath::to_path_buf);
    let mut builder = tempfile::Builder::new();
    builder.prefix(".jixiao-").suffix(".tmp");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path).map_or(0o644, |m| m.permissions().mode() & 0o7777);
        builder.permissions(std::fs::Permissions::from_mode(mode));
    }
    let why = |e: &std::io::Error| jixiao::diagnostics::io_message(e);
    let mut temp = builder.tempfile_in(&dir).map_err(|e| why(&e))?;
    temp.write_all(bytes).map_err(|e| why(&e))?;
    temp.as_file().sync_all().map_err(|e| why(&e))?;
    temp.persist(path).map_err(|e| why(&e.error))?;
    Ok(())
}
