//! A scripted LSP client: the server runs on a thread, connected by in-memory channels.

#![allow(dead_code)]

use std::collections::VecDeque;
use std::path::Path;
use std::str::FromStr;
use std::thread::JoinHandle;
use std::time::Duration;

use lsp_server::{Connection, Message, Notification, Request, RequestId, Response};
use lsp_types::{Position, Range, TextEdit, Uri};
use serde_json::{json, Value};

pub struct Client {
    conn: Connection,
    server: Option<JoinHandle<Result<(), String>>>,
    next_id: i32,
    /// Notifications received while waiting for a response.
    pending: VecDeque<Notification>,
    /// Requests the server sent (each answered with `null`).
    pub server_requests: Vec<Request>,
    pub initialize_result: Value,
}

const TIMEOUT: Duration = Duration::from_secs(30);

impl Client {
    /// Starts a server and initializes it; `encodings` is what the client offers as
    /// `general.positionEncodings` (`None`: the field is left out, as older clients do).
    pub fn start(encodings: Option<&[&str]>) -> Client {
        let mut capabilities = json!({});
        if let Some(e) = encodings {
            capabilities = json!({ "general": { "positionEncodings": e } });
        }
        Client::start_with(json!({ "processId": null, "rootUri": null, "capabilities": capabilities }))
    }

    /// Starts a server and initializes it with these `initialize` parameters.
    pub fn start_with(initialize: Value) -> Client {
        let (server_conn, conn) = Connection::memory();
        let server = std::thread::spawn(move || jixiao_lsp::server::run(&server_conn).map_err(|e| e.to_string()));
        let mut client = Client {
            conn,
            server: Some(server),
            next_id: 0,
            pending: VecDeque::new(),
            server_requests: Vec::new(),
            initialize_result: Value::Null,
        };
        let result = client.request("initialize", initialize);
        client.initialize_result = result.expect("initialize succeeds");
        client.notify("initialized", json!({}));
        client
    }

    /// The next message from the server that is not a request to the client: those are
    /// answered with `null` and kept.
    fn receive(&mut self, what: &str) -> Message {
        loop {
            match self.conn.receiver.recv_timeout(TIMEOUT).expect(what) {
                Message::Request(r) => {
                    let response = Response::new_ok(r.id.clone(), Value::Null);
                    self.conn.sender.send(response.into()).expect("server is running");
                    self.server_requests.push(r);
                }
                m => return m,
            }
        }
    }

    /// The notifications received so far (the server answers in order, so after a
    /// request they include everything it sent before answering), and forgets them.
    pub fn take_notifications(&mut self) -> Vec<Notification> {
        self.pending.drain(..).collect()
    }

    pub fn notify(&self, method: &str, params: Value) {
        self.conn
            .sender
            .send(Message::Notification(Notification::new(method.into(), params)))
            .expect("server is running");
    }

    /// Sends a request and waits for its response: `Ok(result)` or `Err(message)`.
    pub fn request(&mut self, method: &str, params: Value) -> Result<Value, String> {
        self.next_id += 1;
        let id = RequestId::from(self.next_id);
        self.conn
            .sender
            .send(Message::Request(Request::new(id.clone(), method.into(), params)))
            .expect("server is running");
        loop {
            match self.receive("a message from the server") {
                Message::Response(Response {
                    id: rid,
                    response_result,
                }) if rid == id => {
                    return response_result.map_err(|e| e.message);
                }
                Message::Notification(n) => self.pending.push_back(n),
                other => panic!("unexpected message: {other:?}"),
            }
        }
    }

    /// The next `textDocument/publishDiagnostics` for `uri`.
    pub fn diagnostics(&mut self, uri: &Uri) -> Vec<Value> {
        loop {
            let n = match self.pending.pop_front() {
                Some(n) => n,
                None => match self.receive("diagnostics") {
                    Message::Notification(n) => n,
                    other => panic!("unexpected message: {other:?}"),
                },
            };
            if n.method == "textDocument/publishDiagnostics" && n.params["uri"] == uri.as_str() {
                return n.params["diagnostics"].as_array().cloned().unwrap_or_default();
            }
        }
    }

    pub fn open(&mut self, uri: &Uri, text: &str) -> Vec<Value> {
        self.notify(
            "textDocument/didOpen",
            json!({ "textDocument": { "uri": uri.as_str(), "languageId": "jixiao", "version": 1, "text": text } }),
        );
        self.diagnostics(uri)
    }

    pub fn change(&mut self, uri: &Uri, version: i32, text: &str) -> Vec<Value> {
        self.notify(
            "textDocument/didChange",
            json!({ "textDocument": { "uri": uri.as_str(), "version": version }, "contentChanges": [{ "text": text }] }),
        );
        self.diagnostics(uri)
    }

    pub fn at(&mut self, method: &str, uri: &Uri, position: Position, extra: Value) -> Result<Value, String> {
        let mut params = json!({ "textDocument": { "uri": uri.as_str() }, "position": position });
        if let (Some(p), Some(e)) = (params.as_object_mut(), extra.as_object()) {
            p.extend(e.clone());
        }
        self.request(method, params)
    }

    /// `shutdown`, `exit`, and the server's thread finishing without error.
    pub fn shutdown(mut self) {
        let result = self.request("shutdown", Value::Null).expect("shutdown succeeds");
        assert_eq!(result, Value::Null);
        self.notify("exit", Value::Null);
        let server = self.server.take().expect("server thread");
        server
            .join()
            .expect("server thread did not panic")
            .expect("server ends cleanly");
    }
}

pub fn file_uri(path: &Path) -> Uri {
    jixiao_lsp::uri::from_path(path)
}

pub fn untitled(name: &str) -> Uri {
    Uri::from_str(&format!("untitled:{name}")).unwrap()
}

/// Where `needle` (its `nth` occurrence) is, counting characters as UTF-16 units.
pub fn utf16_position(text: &str, needle: &str, nth: usize) -> Position {
    let offset = text.match_indices(needle).nth(nth).expect("needle in text").0;
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let line = text[..offset].matches('\n').count();
    Position::new(line as u32, text[line_start..offset].encode_utf16().count() as u32)
}

pub fn range_of(v: &Value) -> Range {
    serde_json::from_value(v.clone()).expect("a range")
}

/// Applies LSP text edits (UTF-16 positions) to a text.
pub fn apply(text: &str, edits: &[TextEdit]) -> String {
    let offset = |p: Position| {
        let mut line_start = 0;
        for _ in 0..p.line {
            line_start += text[line_start..].find('\n').expect("line") + 1;
        }
        let mut units = 0;
        for (i, c) in text[line_start..].char_indices() {
            if units >= p.character as usize || c == '\n' {
                return line_start + i;
            }
            units += c.len_utf16();
        }
        text.len()
    };
    let mut spans: Vec<(usize, usize, &str)> = edits
        .iter()
        .map(|e| (offset(e.range.start), offset(e.range.end), e.new_text.as_str()))
        .collect();
    spans.sort_by_key(|s| std::cmp::Reverse(s.0));
    let mut out = text.to_owned();
    for (s, e, t) in spans {
        out.replace_range(s..e, t);
    }
    out
}

pub fn edits(v: &Value) -> Vec<TextEdit> {
    serde_json::from_value(v.clone()).expect("text edits")
}
