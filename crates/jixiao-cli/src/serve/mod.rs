//! `jixiao serve`: a local web workbench for clerks and rule editors. Pages (规则, 评价,
//! 对比, 逐年, 模板) and a JSON API (`/api/…`) over the same library calls as the command line, so
//! the results are the CLI's own: `/api/evaluate` returns, unit by unit, exactly what
//! `jixiao eval … --format json` prints.
//!
//! ```text
//! request ──decorate (security headers, Chinese error bodies)──▶ timeout ──▶ guard (Host
//!         check or token, Content-Length limit) ──▶ handler ──▶ blocking pool (a permit
//!         per evaluation: rules::RuleStore::load, upload::open_all, batch::run)
//! ```
//!
//! Pages and assets are compiled into the binary (`include_str!` of `assets/`): plain
//! HTML, CSS and JavaScript written by hand, no build step. Uploads are read into memory,
//! evaluated and dropped with the request; nothing is written to disk but, with
//! `--allow-edit`, a rule file saved from the 规则编辑 page ([`save`]). This module is the
//! only part of the library besides [`jixiao_io::batch`] that does I/O: it reads the rule
//! directory and listens on a socket.
//!
//! Binding anywhere but loopback needs a token; with a token every request must carry
//! it (`Authorization: Bearer …`, or the cookie the login form sets). Without a token
//! only loopback `Host` names are served, so that a web page elsewhere cannot reach the
//! server through DNS rebinding.

mod api;
mod edit;
mod list;
mod pages;
mod preview;
pub mod rules;
mod save;
mod trend;
pub mod upload;

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use jixiao::diagnostics::io_message;

use axum::body::Body;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Serialize;
use tokio::sync::Semaphore;

pub use rules::{Loaded, RuleStore};

/// The cookie the login form sets.
pub const SESSION_COOKIE: &str = "jixiao_session";

/// The environment variable read for the token when `--token` is not given.
pub const TOKEN_ENV: &str = "JIXIAO_TOKEN";

/// How the server runs.
#[derive(Debug, Clone)]
pub struct Config {
    /// Where the rule files (`*.jx`) are.
    pub rules_dir: PathBuf,
    /// When set, every request must carry it.
    pub token: Option<String>,
    /// The largest request body (all uploaded files of one request together).
    pub max_upload_bytes: usize,
    /// The most files in one request.
    pub max_files: usize,
    /// The most units (rows) in one request.
    pub max_units: usize,
    /// The most bytes a workbook may inflate to (zip bombs).
    pub max_unzipped_bytes: u64,
    /// How long one request may take, upload included.
    pub timeout: Duration,
    /// How long receiving one request's body may take (a client that stops sending
    /// is cut off, its place in the upload queue given back).
    pub body_timeout: Duration,
    /// Evaluations running at once; further requests wait their turn.
    pub workers: usize,
    /// Whether the 规则编辑 page may save rule files (`--allow-edit`; needs a token).
    pub allow_edit: bool,
    /// Where example units are (`--examples`): `DIR/<rule id>/` holds data files the
    /// 规则编辑 page scores as its preview.
    pub examples_dir: Option<PathBuf>,
}

impl Config {
    /// The defaults: 32 MiB per request, 100 files, 20,000 units, 256 MiB unzipped,
    /// 120 s per request and 30 s for its upload, one evaluation per core.
    pub fn new(rules_dir: impl Into<PathBuf>) -> Config {
        Config {
            rules_dir: rules_dir.into(),
            token: None,
            max_upload_bytes: 32 * 1024 * 1024,
            max_files: 100,
            max_units: 20_000,
            max_unzipped_bytes: 256 * 1024 * 1024,
            timeout: Duration::from_secs(120),
            body_timeout: Duration::from_secs(30),
            workers: std::thread::available_parallelism().map_or(2, |n| n.get()),
            allow_edit: false,
            examples_dir: None,
        }
    }
}

/// An error answer: a status and a Chinese message (JSON for the API).
#[derive(Debug, Clone, Serialize)]
pub struct Problem {
    #[serde(skip)]
    pub status: StatusCode,
    #[serde(rename = "error")]
    pub message: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub details: Vec<String>,
}

impl Problem {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Problem {
        Problem {
            status,
            message: message.into(),
            details: Vec::new(),
        }
    }

    pub fn bad_request(message: impl Into<String>) -> Problem {
        Problem::new(StatusCode::BAD_REQUEST, message)
    }

    pub fn details(mut self, details: Vec<String>) -> Problem {
        self.details = details;
        self
    }

    fn internal() -> Problem {
        Problem::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "服务器内部错误：这个请求没有完成，服务仍在运行。请把上传的文件和操作步骤报告给开发者",
        )
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let body = serde_json::to_string(&self).unwrap_or_else(|_| "{\"error\":\"错误\"}".into());
        json_response(self.status, body)
    }
}

fn json_response(status: StatusCode, body: String) -> Response {
    let mut response = (status, body).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    response
}

/// `32 MiB`, `512 KiB`.
pub fn human_bytes(n: u64) -> String {
    if n >= 1024 * 1024 && n % (1024 * 1024) == 0 {
        format!("{} MiB", n / (1024 * 1024))
    } else if n >= 1024 * 1024 {
        format!("{:.1} MiB", n as f64 / (1024.0 * 1024.0))
    } else if n >= 1024 {
        format!("{} KiB", n / 1024)
    } else {
        format!("{n} 字节")
    }
}

/// What the handlers share.
pub(crate) struct AppState {
    pub config: Config,
    pub rules: RuleStore,
    /// One permit per evaluation running on the blocking pool.
    pub slots: Arc<Semaphore>,
    /// One permit per KiB of upload being received or waiting for a slot (as declared
    /// by `Content-Length`; a body of unknown length takes the most a request may send):
    /// bounds the memory held by requests queued behind the evaluations, without letting
    /// a few slow small uploads take every place in the queue.
    pub uploads: Arc<Semaphore>,
    /// The permits of `uploads` in all.
    pub upload_budget: usize,
    /// Recent wrong tokens, for the rate limit (at most [`MAX_FAILED_LOGINS`]).
    pub failures: std::sync::Mutex<std::collections::VecDeque<std::time::Instant>>,
    /// The session cookie's value when a token is set (derived from the token).
    pub session: Option<String>,
    /// Whether uploads were handled since memory was last given back.
    pub busy: std::sync::atomic::AtomicBool,
    /// Held while a rule file is saved: one save at a time, so that comparing the file
    /// with the version the editor loaded and replacing it are one step for this server.
    pub saving: std::sync::Mutex<()>,
}

pub(crate) type Shared = Arc<AppState>;

impl AppState {
    /// Runs blocking work (reading rules, evaluating) on the blocking pool once a slot
    /// is free. A panic becomes a 500 answer; the server goes on.
    pub async fn blocking<T: Send + 'static>(
        self: &Arc<Self>,
        work: impl FnOnce(&AppState) -> Result<T, Problem> + Send + 'static,
    ) -> Result<T, Problem> {
        let permit = Arc::clone(&self.slots)
            .acquire_owned()
            .await
            .map_err(|_| Problem::internal())?;
        let state = Arc::clone(self);
        let joined = tokio::task::spawn_blocking(move || {
            let _permit = permit;
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| work(&state)))
        })
        .await;
        match joined {
            Ok(Ok(result)) => result,
            _ => Err(Problem::internal()),
        }
    }
}

/// The session cookie's value for a token (the token itself never goes into a cookie).
fn session_value(token: &str) -> String {
    jixiao::sha256_hex(format!("jixiao-session\n{token}").as_bytes())
}

/// Compares two secrets in time independent of where they differ.
fn same_secret(a: &str, b: &str) -> bool {
    let (x, y) = (jixiao::sha256_hex(a.as_bytes()), jixiao::sha256_hex(b.as_bytes()));
    x.bytes().zip(y.bytes()).fold(0u8, |acc, (p, q)| acc | (p ^ q)) == 0
}

/// Whether a request carries the session cookie.
fn has_session(headers: &HeaderMap, session: &str) -> bool {
    cookie(headers, SESSION_COOKIE).iter().any(|c| same_secret(c, session))
}

/// Whether a request carries the token in its `Authorization` header.
fn has_token(headers: &HeaderMap, token: &str) -> bool {
    headers
        .get_all(header::AUTHORIZATION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
        .any(|t| same_secret(t.trim(), token))
}

/// Whether a request carries this server's token or session cookie (always false when
/// the server has no token).
pub(crate) fn authenticated(state: &AppState, headers: &HeaderMap) -> bool {
    match (&state.config.token, &state.session) {
        (Some(token), Some(session)) => has_session(headers, session) || has_token(headers, token),
        _ => false,
    }
}

/// Whether a request tries a credential at all (a header, or a cookie of ours).
fn tries_credentials(headers: &HeaderMap) -> bool {
    headers.contains_key(header::AUTHORIZATION) || !cookie(headers, SESSION_COOKIE).is_empty()
}

/// Wrong tokens allowed within [`FAILURE_WINDOW`]; then every try of a token (the
/// right one too) is refused until the oldest failure leaves the window. An open
/// session (its cookie) goes on working.
pub const MAX_FAILED_LOGINS: usize = 10;
const FAILURE_WINDOW: Duration = Duration::from_secs(60);

impl AppState {
    /// `Some(seconds to wait)` while wrong tokens are being refused.
    pub(crate) fn locked_out(&self) -> Option<u64> {
        let now = std::time::Instant::now();
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        while failures
            .front()
            .is_some_and(|t| now.duration_since(*t) >= FAILURE_WINDOW)
        {
            failures.pop_front();
        }
        (failures.len() >= MAX_FAILED_LOGINS).then(|| {
            let oldest = failures.front().copied().unwrap_or(now);
            FAILURE_WINDOW
                .saturating_sub(now.duration_since(oldest))
                .as_secs()
                .max(1)
        })
    }

    /// Counts a wrong token.
    pub(crate) fn failed_login(&self) {
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        if failures.len() < MAX_FAILED_LOGINS {
            failures.push_back(std::time::Instant::now());
        }
    }
}

/// The answer while wrong tokens are being refused.
pub(crate) fn too_many_tries(wait: u64) -> String {
    format!("访问令牌错误的次数过多，请 {wait} 秒后再试")
}

/// Whether a state-changing request comes from a page of another site: a browser
/// says so in `Sec-Fetch-Site`, or (one that does not send it) names the page's origin
/// in `Origin`, which must then be this server as the request's `Host` names it. Clients that send neither
/// (curl, scripts) are not browsers acting for another page.
fn cross_site(headers: &HeaderMap) -> Option<String> {
    // A browser that sends Sec-Fetch-Site is believed (a page cannot set it); under our
    // `Referrer-Policy: no-referrer` Chromium sends `Origin: null` with its own forms.
    if let Some(site) = headers.get("sec-fetch-site") {
        let site = site.to_str().unwrap_or("");
        return (!matches!(site, "same-origin" | "none")).then(|| format!("Sec-Fetch-Site: {}", rules::shorten(site)));
    }
    let origin = headers.get(header::ORIGIN)?;
    let origin = origin.to_str().unwrap_or("");
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("");
    let own = origin
        .strip_prefix("http://")
        .or_else(|| origin.strip_prefix("https://"))
        .is_some_and(|o| !host.is_empty() && o.eq_ignore_ascii_case(host));
    (!own).then(|| format!("Origin: {}", rules::shorten(origin)))
}

/// Every value of a cookie.
fn cookie(headers: &HeaderMap, name: &str) -> Vec<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .filter(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
        .collect()
}

/// Whether a `Host` header names this machine (`localhost`, `127.0.0.1`, `[::1]`, with
/// or without a port).
fn loopback_host(host: &str) -> bool {
    let name = if let Some(rest) = host.strip_prefix('[') {
        rest.split(']').next().unwrap_or("")
    } else {
        match host.rsplit_once(':') {
            Some((name, port)) if port.chars().all(|c| c.is_ascii_digit()) => name,
            _ => host,
        }
    };
    let name = name.to_ascii_lowercase();
    name == "localhost" || name.ends_with(".localhost") || name.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// Whether an address is this machine only.
pub fn is_loopback(addr: &SocketAddr) -> bool {
    addr.ip().is_loopback()
}

/// The shortest token accepted: guessing one is hopeless even without the rate limit.
pub const MIN_TOKEN_CHARS: usize = 16;

/// Binding elsewhere than loopback needs a token.
pub fn check_binding(addr: &SocketAddr, token: Option<&str>) -> Result<(), String> {
    match token {
        Some(t) if t.trim().is_empty() => Err("访问令牌不能为空".into()),
        Some(t) if t.chars().any(|c| c.is_control() || c == ';' || c == ' ') => {
            Err("访问令牌不能包含空格、分号或控制字符".into())
        }
        Some(t) if t.chars().count() < MIN_TOKEN_CHARS => Err(format!(
            "访问令牌太短：至少要 {MIN_TOKEN_CHARS} 个字符（现在是 {} 个）；可以用 openssl rand -hex 16 生成一个",
            t.chars().count()
        )),
        None if !is_loopback(addr) => Err(format!(
            "要在非本机地址 {addr} 上提供服务，必须设置访问令牌：--token 令牌，或环境变量 {TOKEN_ENV}；只在本机使用时请用 127.0.0.1"
        )),
        _ => Ok(()),
    }
}

/// Same-origin check for state-changing requests, host check or token check (with
/// the rate limit on wrong tokens), then the declared body size.
async fn guard(State(state): State<Shared>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_owned();
    let api = path.starts_with("/api/");
    let changes_state = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if changes_state {
        if let Some(from) = cross_site(req.headers()) {
            return Problem::new(
                StatusCode::FORBIDDEN,
                format!("拒绝跨站请求：这个请求来自另一个网站的页面（{from}），工作台只接受它自己页面上的操作"),
            )
            .into_response();
        }
    }
    match (&state.config.token, &state.session) {
        (Some(token), Some(session)) => {
            let public = path == "/login" || path.starts_with("/assets/") || path == "/favicon.ico";
            let headers = req.headers();
            let allowed = public
                || has_session(headers, session)
                || match state.locked_out() {
                    Some(wait) if headers.contains_key(header::AUTHORIZATION) => {
                        return Problem::new(StatusCode::TOO_MANY_REQUESTS, too_many_tries(wait)).into_response();
                    }
                    _ => has_token(headers, token),
                };
            if !allowed && tries_credentials(headers) {
                state.failed_login();
            }
            if !allowed {
                if !api && req.method() == Method::GET {
                    let next_path = api::url_encode(&path);
                    return (
                        StatusCode::SEE_OTHER,
                        [(header::LOCATION, format!("/login?next={next_path}"))],
                    )
                        .into_response();
                }
                let mut response = Problem::new(
                    StatusCode::UNAUTHORIZED,
                    "需要访问令牌：请在请求头中加 Authorization: Bearer 令牌，或先在 /login 登录",
                )
                .into_response();
                response.headers_mut().insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Bearer realm=\"jixiao\""),
                );
                return response;
            }
        }
        _ => {
            let host = req
                .headers()
                .get(header::HOST)
                .and_then(|h| h.to_str().ok())
                .or_else(|| req.uri().authority().map(|a| a.as_str()))
                .unwrap_or("");
            if !loopback_host(host) {
                return Problem::new(
                    StatusCode::FORBIDDEN,
                    "这个服务只接受本机地址（127.0.0.1 或 localhost）的访问；要从其他机器访问，请用 --addr 和 --token 启动",
                )
                .into_response();
            }
        }
    }
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > state.config.max_upload_bytes as u64) {
        let mut response = Problem::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "上传的数据太大：每次请求最多 {}（启动服务时可用 --max-upload-mb 调整）",
                human_bytes(state.config.max_upload_bytes as u64)
            ),
        )
        .into_response();
        response
            .headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
        return response;
    }
    if req.method() == Method::POST && api {
        // Queued uploads wait here, before their bodies are read, taking their size.
        let most = state.config.max_upload_bytes.div_ceil(1024).max(1);
        let kib = declared.map_or(most, |n| usize::try_from(n.div_ceil(1024)).unwrap_or(most));
        let kib = u32::try_from(kib.clamp(1, most.min(state.upload_budget))).unwrap_or(u32::MAX);
        let Ok(_permit) = Arc::clone(&state.uploads).acquire_many_owned(kib).await else {
            return Problem::internal().into_response();
        };
        state.busy.store(true, std::sync::atomic::Ordering::Relaxed);
        return next.run(req).await;
    }
    next.run(req).await
}

/// Security headers on every answer; error answers without a body (a timeout, a
/// method not allowed, a caught panic) get a Chinese one.
async fn decorate(req: Request, next: Next) -> Response {
    let api = req.uri().path().starts_with("/api/");
    let mut response = next.run(req).await;
    let status = response.status();
    let typed = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("application/json") || t.starts_with("text/html"));
    if (status.is_client_error() || status.is_server_error()) && !typed {
        let message = match status {
            StatusCode::NOT_FOUND if api => NO_SUCH_API.to_owned(),
            StatusCode::NOT_FOUND => NO_SUCH_PAGE.to_owned(),
            StatusCode::METHOD_NOT_ALLOWED => "这个地址不支持该请求方法".to_owned(),
            StatusCode::PAYLOAD_TOO_LARGE => "上传的数据太大".to_owned(),
            StatusCode::SERVICE_UNAVAILABLE | StatusCode::REQUEST_TIMEOUT => {
                "请求处理超时，已中止：数据较多时请分批上传，或用命令行 jixiao eval 评价".to_owned()
            }
            StatusCode::INTERNAL_SERVER_ERROR => Problem::internal().message,
            s if s.is_client_error() => "请求有误，无法处理".to_owned(),
            _ => "服务器暂时无法处理这个请求".to_owned(),
        };
        let headers = std::mem::take(response.headers_mut());
        response = if api {
            Problem::new(status, message).into_response()
        } else {
            pages::error_page(status, &message)
        };
        for name in [header::CONNECTION, header::ALLOW, header::WWW_AUTHENTICATE] {
            if let Some(v) = headers.get(&name) {
                response.headers_mut().insert(name, v.clone());
            }
        }
    }
    if status == StatusCode::REQUEST_TIMEOUT {
        // The rest of the body may still be on its way: the connection cannot be reused.
        response
            .headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    let h = response.headers_mut();
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// The whole application: pages, assets, API, limits and access control.
pub fn router(config: Config) -> Result<Router, String> {
    app(config).map(|(router, _)| router)
}

fn app(config: Config) -> Result<(Router, Shared), String> {
    tune_allocator();
    if let Some(t) = &config.token {
        check_binding(&SocketAddr::from(([127, 0, 0, 1], 0)), Some(t))?;
    }
    if config.allow_edit && config.token.is_none() {
        return Err(format!(
            "--allow-edit 需要访问令牌：保存规则文件只接受带令牌（或已登录）的请求。请同时用 --token 或环境变量 {TOKEN_ENV} 设置令牌"
        ));
    }
    if let Some(dir) = &config.examples_dir {
        if !dir.is_dir() {
            return Err(format!("示例单位目录 {} 不存在或不是目录", dir.display()));
        }
    }
    let rules = RuleStore::new(&config.rules_dir)?;
    let upload_budget = (config.workers.max(1) * UPLOADS_PER_WORKER)
        .saturating_mul(config.max_upload_bytes.div_ceil(1024).max(1))
        .min(u32::MAX as usize)
        .min(Semaphore::MAX_PERMITS);
    let state: Shared = Arc::new(AppState {
        slots: Arc::new(Semaphore::new(config.workers.max(1))),
        uploads: Arc::new(Semaphore::new(upload_budget)),
        upload_budget,
        failures: std::sync::Mutex::new(std::collections::VecDeque::new()),
        busy: std::sync::atomic::AtomicBool::new(false),
        session: config.token.as_deref().map(session_value),
        saving: std::sync::Mutex::new(()),
        rules,
        config,
    });
    let limit = state.config.max_upload_bytes;
    let timeout = state.config.timeout;
    let app = Router::new()
        .route("/", get(pages::home))
        .route("/rules", get(pages::rules_index))
        .route("/rules/{id}", get(pages::rule_page))
        .route("/rules/{id}/edit", get(pages::rule_edit_page))
        .route("/evaluate", get(pages::evaluate))
        .route("/diff", get(pages::diff))
        .route("/trend", get(pages::trend))
        .route("/template", get(pages::templates))
        .route("/login", get(pages::login_form).post(pages::login))
        .route("/logout", post(pages::logout))
        .route("/assets/{name}", get(pages::asset))
        .route("/favicon.ico", get(pages::favicon))
        .route("/api/rules", get(api::list))
        .route("/api/rules/{id}", get(api::detail))
        .route("/api/rules/{id}/template", get(api::template))
        .route("/api/rules/{id}/analyze", post(edit::analyze_text))
        .route("/api/rules/{id}/hover", post(edit::hover))
        .route("/api/rules/{id}/complete", post(edit::complete))
        .route("/api/rules/{id}/preview", post(preview::preview))
        .route("/api/rules/{id}/save", post(save::save))
        .route("/api/evaluate", post(api::evaluate))
        .route("/api/evaluate/unit", post(list::unit))
        .route("/api/audit", post(api::audit))
        .route("/api/diff", post(api::diff))
        .route("/api/trend", post(trend::trend))
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(limit))
        .layer(tower_http::timeout::RequestBodyTimeoutLayer::new(timeout))
        .layer(middleware::from_fn_with_state(Arc::clone(&state), guard))
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            timeout,
        ))
        .layer(tower_http::catch_panic::CatchPanicLayer::new())
        .layer(middleware::from_fn(decorate))
        .with_state(Arc::clone(&state));
    Ok((app, state))
}

/// Largest uploads receiving or waiting for an evaluation slot, per slot (the upload
/// queue's memory: this many times the largest request per slot).
const UPLOADS_PER_WORKER: usize = 4;

/// Gives memory freed by finished evaluations back to the system once the server is
/// idle. glibc keeps freed memory in per-thread arenas; without this the resident size
/// stays at its peak after a burst of large uploads.
async fn release_memory_when_idle(state: Shared) {
    use std::sync::atomic::Ordering;
    let all = state.upload_budget;
    // Trimmed on two idle ticks after activity: the last answers may still be on their
    // way out at the first.
    let mut pending = 0;
    loop {
        tokio::time::sleep(Duration::from_secs(2)).await;
        if state.busy.swap(false, Ordering::Relaxed) {
            pending = 2;
        }
        if pending > 0 && state.uploads.available_permits() == all {
            pending -= 1;
            let _ = tokio::task::spawn_blocking(trim_heap).await;
        }
    }
}

/// Allocations of at least this size get pages of their own, returned to the system
/// as soon as they are freed (uploads, answers of many units).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const MMAP_THRESHOLD: std::ffi::c_int = 1024 * 1024;

/// glibc raises its mmap threshold each time a large block is freed, after which
/// uploads and answers of many megabytes are carved out of the per-thread arenas and
/// stay resident after the burst. A fixed threshold keeps them out of the arenas.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn tune_allocator() {
    const M_MMAP_THRESHOLD: std::ffi::c_int = -3;
    extern "C" {
        fn mallopt(param: std::ffi::c_int, value: std::ffi::c_int) -> std::ffi::c_int;
    }
    static ONCE: std::sync::Once = std::sync::Once::new();
    // SAFETY: mallopt only changes the allocator's tuning; it takes no pointers.
    ONCE.call_once(|| unsafe {
        mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD);
    });
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn tune_allocator() {}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn trim_heap() {
    extern "C" {
        fn malloc_trim(pad: usize) -> std::ffi::c_int;
    }
    // SAFETY: malloc_trim only returns unused heap pages to the system; it takes no
    // pointers and is safe to call from any thread at any time.
    unsafe {
        malloc_trim(0);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn trim_heap() {}

async fn not_found() -> Response {
    (StatusCode::NOT_FOUND, Body::empty()).into_response()
}

const NO_SUCH_API: &str = "没有这个接口：接口的地址和参数见 docs/api.md（如 /api/rules、/api/evaluate）";
const NO_SUCH_PAGE: &str = "没有这个页面：请从页面上方的导航进入（规则、评价、对比、模板）";

/// One segment of a route's path (`{id}`, `{name}`), percent-decoded. A segment that
/// does not decode to text names nothing this server has: 404 in Chinese (JSON for the
/// API, a page otherwise) instead of axum's English rejection.
pub(crate) struct Segment(pub String);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for Segment {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, state: &S) -> Result<Self, Response> {
        match axum::extract::Path::<String>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(segment)) => Ok(Segment(segment)),
            Err(_) if parts.uri.path().starts_with("/api/") => Err(Problem::new(
                StatusCode::NOT_FOUND,
                format!("地址无法识别（含有不是文字的编码）。{NO_SUCH_API}"),
            )
            .into_response()),
            Err(_) => Err(pages::error_page(
                StatusCode::NOT_FOUND,
                &format!("地址无法识别（含有不是文字的编码）。{NO_SUCH_PAGE}"),
            )),
        }
    }
}

/// Stack of the runtime's threads: deep enough for evaluating any rule file the parser
/// accepts (compiling runs on its own larger stack, see [`rules`]).
const THREAD_STACK_BYTES: usize = 16 * 1024 * 1024;

fn runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_stack_size(THREAD_STACK_BYTES)
        .max_blocking_threads(64)
        .thread_name("jixiao-serve")
        .build()
        .map_err(|e| format!("无法启动服务线程：{}", io_message(&e)))
}

async fn bind(addr: SocketAddr) -> Result<tokio::net::TcpListener, String> {
    tokio::net::TcpListener::bind(addr).await.map_err(|e| {
        if e.kind() == std::io::ErrorKind::AddrInUse {
            format!("地址 {addr} 已被占用：请换一个端口，例如 --addr 127.0.0.1:8081")
        } else {
            format!("无法在 {addr} 上监听：{}", io_message(&e))
        }
    })
}

/// Serves in the foreground until Ctrl-C; `ready` is told the bound address (the port
/// is chosen by the system for port 0).
pub fn run(config: Config, addr: SocketAddr, ready: impl FnOnce(SocketAddr)) -> Result<(), String> {
    check_binding(&addr, config.token.as_deref())?;
    let (app, state) = app(config)?;
    runtime()?.block_on(async move {
        tokio::spawn(release_memory_when_idle(state));
        let listener = bind(addr).await?;
        let local = listener.local_addr().map_err(|e| io_message(&e))?;
        ready(local);
        axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await
            .map_err(|e| format!("服务出错：{}", io_message(&e)))
    })
}

/// A server running on a background thread (for tests and embedding); stopped when
/// dropped.
pub struct Server {
    addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Server {
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops accepting, lets running requests finish, and waits for the thread.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// Starts a server on `addr` (port 0: any free port) on a background thread.
pub fn start(config: Config, addr: SocketAddr) -> Result<Server, String> {
    check_binding(&addr, config.token.as_deref())?;
    let (app, state) = app(config)?;
    let rt = runtime()?;
    let listener = rt.block_on(bind(addr))?;
    let local = listener.local_addr().map_err(|e| io_message(&e))?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let thread = std::thread::Builder::new()
        .name("jixiao-serve".into())
        .spawn(move || {
            rt.block_on(async move {
                let trimmer = tokio::spawn(release_memory_when_idle(state));
                let _ = axum::serve(listener, app)
                    .with_graceful_shutdown(async {
                        let _ = stopped.await;
                    })
                    .await;
                trimmer.abort();
            });
        })
        .map_err(|e| format!("无法启动服务线程：{}", io_message(&e)))?;
    Ok(Server {
        addr: local,
        stop: Some(stop),
        thread: Some(thread),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_hosts() {
        for ok in [
            "127.0.0.1:8080",
            "localhost",
            "LOCALHOST:1",
            "[::1]:8080",
            "127.1.2.3",
            "a.localhost:9",
        ] {
            assert!(loopback_host(ok), "{ok}");
        }
        for bad in [
            "",
            "example.com",
            "10.0.0.1:8080",
            "127.0.0.1.evil.com",
            "[::2]:80",
            "localhost.evil",
        ] {
            assert!(!loopback_host(bad), "{bad}");
        }
    }

    #[test]
    fn binding_elsewhere_needs_a_token() {
        let public: SocketAddr = "0.0.0.0:8080".parse().unwrap();
        let local: SocketAddr = "127.0.0.1:8080".parse().unwrap();
        assert!(check_binding(&public, None).is_err());
        assert!(check_binding(&public, Some("  ")).is_err());
        assert!(check_binding(&public, Some("s3cret-token")).is_err());
        assert!(check_binding(&public, Some("s3cret-token-0123")).is_ok());
        assert!(check_binding(&local, None).is_ok());
    }

    #[test]
    fn cookies_and_secrets() {
        let mut h = HeaderMap::new();
        h.insert(header::COOKIE, HeaderValue::from_static("a=1; jixiao_session=xyz; b=2"));
        assert_eq!(cookie(&h, SESSION_COOKIE), vec!["xyz".to_owned()]);
        assert!(same_secret("abc", "abc"));
        assert!(!same_secret("abc", "abd"));
        assert!(!same_secret("abc", "abcd"));
    }
}
