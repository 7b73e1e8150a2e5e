//! The message loop: documents, requests, notifications.

// `WorkspaceEdit::changes` is keyed by `lsp_types::Uri`, whose parsed form caches data in
// a `Cell`; its hash and equality are on the text, so the lint does not apply.
#![allow(clippy::mutable_key_type)]

use std::collections::HashMap;
use std::error::Error;
use std::path::{Path, PathBuf};

use lsp_server::{Connection, ErrorCode, Message, Notification, Request, RequestId, Response};
use lsp_types::notification::{
    DidChangeTextDocument, DidChangeWatchedFiles, DidChangeWorkspaceFolders, DidCloseTextDocument, DidOpenTextDocument,
    DidSaveTextDocument, LogMessage, Notification as _, PublishDiagnostics, ShowMessage,
};
use lsp_types::request::{
    CodeActionRequest, Completion, DocumentSymbolRequest, Formatting, GotoDefinition, HoverRequest,
    PrepareRenameRequest, References, RegisterCapability, Rename, Request as _,
};
use lsp_types::*;

use crate::analysis::{self, Analysis, FileInfo, Severity};
use crate::family::Family;
use crate::features::{self, CompletionKind, SymbolKind as Kind};
use crate::text::{self, Encoding, LineIndex};
use crate::uri;
use crate::workspace::{self, Limits, Workspace};

struct Document {
    text: String,
    version: i32,
    analysis: Analysis,
    /// The last analysis in which the text parsed: names to complete while typing.
    last_parsed: Option<Analysis>,
}

pub struct Server<'c> {
    connection: &'c Connection,
    encoding: Encoding,
    docs: HashMap<String, (Uri, Document)>,
    /// The workspace folders' `.jx` files, walked when a request first needs them.
    workspace: Workspace,
    limits: Limits,
    scanned: bool,
    /// Whether the client reports changes to `.jx` files (`workspace/didChangeWatchedFiles`);
    /// without it the workspace is walked again after a save.
    watching: bool,
}

/// The id of the server's request that registers the file watcher.
const WATCH_REQUEST: &str = "jixiao/watch-jx";

pub type Result<T> = std::result::Result<T, Box<dyn Error + Send + Sync>>;

pub fn capabilities(encoding: Encoding) -> ServerCapabilities {
    ServerCapabilities {
        position_encoding: Some(encoding.lsp_kind()),
        text_document_sync: Some(TextDocumentSyncCapability::Options(TextDocumentSyncOptions {
            open_close: Some(true),
            change: Some(TextDocumentSyncKind::INCREMENTAL),
            save: Some(TextDocumentSyncSaveOptions::Supported(true)),
            ..Default::default()
        })),
        hover_provider: Some(HoverProviderCapability::Simple(true)),
        completion_provider: Some(CompletionOptions {
            trigger_characters: Some(vec!["\"".into(), ":".into(), "：".into(), "(".into()]),
            ..Default::default()
        }),
        definition_provider: Some(OneOf::Left(true)),
        references_provider: Some(OneOf::Left(true)),
        rename_provider: Some(OneOf::Right(RenameOptions {
            prepare_provider: Some(true),
            work_done_progress_options: Default::default(),
        })),
        document_symbol_provider: Some(OneOf::Left(true)),
        document_formatting_provider: Some(OneOf::Left(true)),
        code_action_provider: Some(CodeActionProviderCapability::Options(CodeActionOptions {
            code_action_kinds: Some(vec![CodeActionKind::QUICKFIX]),
            ..Default::default()
        })),
        workspace: Some(WorkspaceServerCapabilities {
            workspace_folders: Some(WorkspaceFoldersServerCapabilities {
                supported: Some(true),
                change_notifications: Some(OneOf::Left(true)),
            }),
            file_operations: None,
        }),
        ..Default::default()
    }
}

/// The workspace folders the client names: its `workspaceFolders`, else the older
/// `rootUri` or `rootPath`.
fn workspace_roots(params: &InitializeParams) -> Vec<PathBuf> {
    if let Some(folders) = &params.workspace_folders {
        return folders.iter().filter_map(|f| uri::to_path(&f.uri)).collect();
    }
    #[allow(deprecated)]
    let root = params
        .root_uri
        .as_ref()
        .and_then(uri::to_path)
        .or_else(|| params.root_path.as_ref().map(PathBuf::from));
    root.into_iter().collect()
}

/// Runs the server on a connection until `shutdown` and `exit`.
pub fn run(connection: &Connection) -> Result<()> {
    let (id, params) = connection.initialize_start().map_err(|e| {
        if e.channel_is_disconnected() {
            "编辑器没有发来初始化请求就断开了连接：`jixiao lsp` 由编辑器启动，经标准输入输出与编辑器通信（见 docs/editor.md）"
                .to_owned()
        } else {
            "编辑器发来的第一条消息不是 LSP 的初始化请求（initialize）：`jixiao lsp` 由编辑器启动（见 docs/editor.md）"
                .to_owned()
        }
    })?;
    let params: InitializeParams =
        serde_json::from_value(params).map_err(|e| format!("初始化请求（initialize）的参数无法读取：{e}"))?;
    let offered = params
        .capabilities
        .general
        .as_ref()
        .and_then(|g| g.position_encodings.as_deref());
    let encoding = Encoding::negotiate(offered);
    let result = InitializeResult {
        capabilities: capabilities(encoding),
        server_info: Some(ServerInfo {
            name: "jixiao".into(),
            version: Some(env!("CARGO_PKG_VERSION").into()),
        }),
    };
    connection.initialize_finish(id, serde_json::to_value(result)?)?;
    let can_watch = params
        .capabilities
        .workspace
        .as_ref()
        .and_then(|w| w.did_change_watched_files.as_ref())
        .and_then(|d| d.dynamic_registration)
        .unwrap_or(false);
    let mut server = Server {
        connection,
        encoding,
        docs: HashMap::new(),
        workspace: Workspace::new(workspace_roots(&params)),
        limits: workspace::LIMITS,
        scanned: false,
        watching: false,
    };
    if can_watch {
        server.register_watcher()?;
    }
    for message in &connection.receiver {
        match message {
            Message::Request(request) => {
                if connection.handle_shutdown(&request)? {
                    return Ok(());
                }
                let id = request.id.clone();
                let response = match server.request(request) {
                    Ok(value) => Response::new_ok(id, value),
                    Err(e) => Response::new_err(id, ErrorCode::RequestFailed as i32, e.to_string()),
                };
                connection.sender.send(response.into())?;
            }
            Message::Notification(n) => server.notification(n)?,
            Message::Response(r) => server.response(r)?,
        }
    }
    Ok(())
}

fn params<P: serde::de::DeserializeOwned>(value: serde_json::Value) -> Result<P> {
    Ok(serde_json::from_value(value)?)
}

impl Server<'_> {
    fn notification(&mut self, n: Notification) -> Result<()> {
        match n.method.as_str() {
            DidOpenTextDocument::METHOD => {
                let p: DidOpenTextDocumentParams = params(n.params)?;
                let doc = p.text_document;
                self.set_text(doc.uri, text::normalize(&doc.text), doc.version)?;
            }
            DidChangeTextDocument::METHOD => {
                let p: DidChangeTextDocumentParams = params(n.params)?;
                let key = p.text_document.uri.as_str().to_owned();
                let Some((_, doc)) = self.docs.get(&key) else {
                    return Ok(());
                };
                let mut text = doc.text.clone();
                for change in &p.content_changes {
                    text::apply_change(&mut text, change, self.encoding);
                }
                self.set_text(p.text_document.uri, text, p.text_document.version)?;
            }
            // Without reports of changed files, a save is when other files may have
            // changed too (a new test file, a checkout): look again.
            DidSaveTextDocument::METHOD if !self.watching => {
                self.scanned = false;
                self.reanalyze(|a| !a.base_paths().is_empty(), None)?;
            }
            DidCloseTextDocument::METHOD => {
                let p: DidCloseTextDocumentParams = params(n.params)?;
                self.docs.remove(p.text_document.uri.as_str());
                self.publish(&p.text_document.uri, Vec::new(), None)?;
                if let Some(path) = uri::to_path(&p.text_document.uri) {
                    // Its unsaved text is gone: the disk's is what the workspace has, and
                    // what files `基于` it now read.
                    self.file_changed_on_disk(&path);
                    self.reanalyze_dependents(&[path], None)?;
                }
            }
            DidChangeWatchedFiles::METHOD => {
                let p: DidChangeWatchedFilesParams = params(n.params)?;
                let mut changed = Vec::new();
                for event in p.changes {
                    let Some(path) = uri::to_path(&event.uri) else { continue };
                    if path.is_dir() {
                        // A folder moved in: its files are not reported one by one.
                        self.scanned = false;
                        continue;
                    }
                    if self.open_uri(&path).is_some() {
                        // The editor's text is the one that counts while it is open.
                        continue;
                    }
                    self.file_changed_on_disk(&path);
                    changed.push(path);
                }
                self.reanalyze_dependents(&changed, None)?;
            }
            DidChangeWorkspaceFolders::METHOD => {
                let p: DidChangeWorkspaceFoldersParams = params(n.params)?;
                let removed: Vec<PathBuf> = p.event.removed.iter().filter_map(|f| uri::to_path(&f.uri)).collect();
                let mut roots: Vec<PathBuf> = self
                    .workspace
                    .roots()
                    .iter()
                    .filter(|r| !removed.iter().any(|x| workspace::normalize(x) == **r))
                    .cloned()
                    .collect();
                roots.extend(p.event.added.iter().filter_map(|f| uri::to_path(&f.uri)));
                self.workspace = Workspace::new(roots);
                self.scanned = false;
            }
            _ => {}
        }
        Ok(())
    }

    fn response(&mut self, r: Response) -> Result<()> {
        if r.id == RequestId::from(WATCH_REQUEST.to_owned()) {
            if let Err(e) = r.response_result {
                self.watching = false;
                self.log(
                    MessageType::WARNING,
                    format!(
                        "编辑器未接受 .jx 文件的变动通知（{}）；保存文件时重新查找工作区",
                        e.message
                    ),
                )?;
            }
        }
        Ok(())
    }

    /// Asks the client to report created, changed and deleted `.jx` files.
    fn register_watcher(&mut self) -> Result<()> {
        let options = DidChangeWatchedFilesRegistrationOptions {
            watchers: vec![FileSystemWatcher {
                glob_pattern: GlobPattern::String("**/*.jx".into()),
                kind: None,
            }],
        };
        let params = RegistrationParams {
            registrations: vec![Registration {
                id: "jixiao-jx-files".into(),
                method: DidChangeWatchedFiles::METHOD.into(),
                register_options: Some(serde_json::to_value(options)?),
            }],
        };
        let request = Request::new(
            WATCH_REQUEST.to_owned().into(),
            RegisterCapability::METHOD.into(),
            params,
        );
        self.connection.sender.send(request.into())?;
        self.watching = true;
        Ok(())
    }

    fn log(&self, typ: MessageType, message: String) -> Result<()> {
        let params = LogMessageParams { typ, message };
        self.connection
            .sender
            .send(Notification::new(LogMessage::METHOD.into(), params).into())?;
        Ok(())
    }

    /// A file not open in the editor was created, changed or deleted (or closed); a
    /// deleted folder forgets its files.
    fn file_changed_on_disk(&mut self, path: &Path) {
        match std::fs::read_to_string(path) {
            Ok(text) if self.workspace.contains(path) => self.workspace.set(path, &text),
            _ => self.workspace.remove(path),
        }
    }

    /// Walks the workspace folders if that has not been done since they changed.
    fn ensure_scanned(&mut self) -> Result<()> {
        if self.scanned {
            return Ok(());
        }
        let read = open_reader(&self.docs);
        let report = self.workspace.scan(self.limits, &read);
        for (u, d) in self.docs.values() {
            if let Some(p) = uri::to_path(u) {
                self.workspace.set(&p, &d.text);
            }
        }
        self.scanned = true;
        if !self.workspace.roots().is_empty() {
            self.log(MessageType::INFO, report.summary())?;
        }
        if let Some(capped) = report.capped {
            self.log(MessageType::WARNING, capped)?;
        }
        Ok(())
    }

    /// The client's URI of the open document at `path`, if one is open there.
    fn open_uri(&self, path: &Path) -> Option<&Uri> {
        let path = workspace::normalize(path);
        self.docs
            .values()
            .map(|(u, _)| u)
            .find(|u| uri::to_path(u).is_some_and(|p| workspace::normalize(&p) == path))
    }

    /// The URI for a file: the open document's, if it is open, so that edits go to it.
    fn uri_of(&self, path: &Path) -> Uri {
        self.open_uri(path).cloned().unwrap_or_else(|| uri::from_path(path))
    }

    fn set_text(&mut self, uri: Uri, text: String, version: i32) -> Result<()> {
        let analysis = self.analyze(&uri, &text);
        let path = uri::to_path(&uri);
        if let Some(p) = &path {
            self.workspace.set(p, &text);
        }
        let key = uri.as_str().to_owned();
        let last_parsed = match self.docs.remove(&key) {
            Some((_, old)) if old.analysis.doc().ast.is_some() => Some(old.analysis),
            Some((_, old)) => old.last_parsed,
            None => None,
        };
        self.docs.insert(
            key.clone(),
            (
                uri.clone(),
                Document {
                    text,
                    version,
                    analysis,
                    last_parsed,
                },
            ),
        );
        self.publish_doc(&key)?;
        match path {
            Some(p) => self.reanalyze_dependents(&[p], Some(&key)),
            None => Ok(()),
        }
    }

    /// Analyses again the open documents `基于` any of `changed` (directly or through
    /// others), other than `except`. Files that are not open get no diagnostics.
    fn reanalyze_dependents(&mut self, changed: &[PathBuf], except: Option<&str>) -> Result<()> {
        if changed.is_empty() {
            return Ok(());
        }
        let changed: Vec<PathBuf> = changed.iter().map(|p| workspace::normalize(p)).collect();
        self.reanalyze(|a| a.base_paths().iter().any(|b| changed.contains(b)), except)
    }

    /// Analyses again the open documents (other than `except`) that `which` picks.
    fn reanalyze(&mut self, which: impl Fn(&Analysis) -> bool, except: Option<&str>) -> Result<()> {
        let keys: Vec<String> = self
            .docs
            .iter()
            .filter(|(k, (_, d))| Some(k.as_str()) != except && which(&d.analysis))
            .map(|(k, _)| k.clone())
            .collect();
        for key in keys {
            let (uri, text) = {
                let (uri, d) = &self.docs[&key];
                (uri.clone(), d.text.clone())
            };
            let analysis = self.analyze(&uri, &text);
            if let Some((_, d)) = self.docs.get_mut(&key) {
                d.analysis = analysis;
            }
            self.publish_doc(&key)?;
        }
        Ok(())
    }

    fn analyze(&self, uri: &Uri, text: &str) -> Analysis {
        // Normalised as the workspace's paths are, so that a file is one file.
        let path = uri::to_path(uri).map(|p| workspace::normalize(&p));
        let name = path
            .as_ref()
            .map_or_else(|| uri.as_str().to_owned(), |p| p.display().to_string());
        analysis::analyze(&name, path.as_deref(), text, &open_reader(&self.docs))
    }

    fn publish_doc(&self, key: &str) -> Result<()> {
        let (uri, doc) = &self.docs[key];
        let a = &doc.analysis;
        let index = LineIndex::new(&a.doc().text, self.encoding);
        let diagnostics = a
            .diagnostics
            .iter()
            .map(|d| Diagnostic {
                range: index.range(&a.doc().text, d.span),
                severity: Some(match d.severity {
                    Severity::Error => DiagnosticSeverity::ERROR,
                    Severity::Warning => DiagnosticSeverity::WARNING,
                }),
                code: Some(NumberOrString::String(d.code.to_owned())),
                source: Some("jixiao".into()),
                message: d.full_message(),
                related_information: (!d.related.is_empty()).then(|| {
                    d.related
                        .iter()
                        .map(|r| DiagnosticRelatedInformation {
                            location: self.location(uri, &a.files, r.file, r.span),
                            message: r.message.clone(),
                        })
                        .collect()
                }),
                ..Default::default()
            })
            .collect();
        self.publish(uri, diagnostics, Some(doc.version))
    }

    fn publish(&self, uri: &Uri, diagnostics: Vec<Diagnostic>, version: Option<i32>) -> Result<()> {
        let params = PublishDiagnosticsParams {
            uri: uri.clone(),
            diagnostics,
            version,
        };
        self.connection
            .sender
            .send(Notification::new(PublishDiagnostics::METHOD.into(), params).into())?;
        Ok(())
    }

    /// A span in one of a list of files whose first is the document (an analysis' chain,
    /// a family) as an LSP location.
    fn location(&self, doc_uri: &Uri, files: &[FileInfo], file: usize, span: jixiao::source::Span) -> Location {
        let f = &files[file];
        let uri = match (file, &f.path) {
            (0, _) | (_, None) => doc_uri.clone(),
            (_, Some(p)) => self.uri_of(p),
        };
        let index = LineIndex::new(&f.text, self.encoding);
        Location::new(uri, index.range(&f.text, span))
    }

    fn doc(&self, uri: &Uri) -> Result<&Document> {
        self.docs
            .get(uri.as_str())
            .map(|(_, d)| d)
            .ok_or_else(|| format!("文档未打开：{}", uri.as_str()).into())
    }

    fn offset(&self, doc: &Document, position: Position) -> usize {
        let text = &doc.analysis.doc().text;
        LineIndex::new(text, self.encoding).offset(text, position)
    }

    fn request(&mut self, request: Request) -> Result<serde_json::Value> {
        let Request { method, params: p, .. } = request;
        let value = match method.as_str() {
            HoverRequest::METHOD => serde_json::to_value(self.hover(params(p)?)?)?,
            Completion::METHOD => serde_json::to_value(self.completion(params(p)?)?)?,
            GotoDefinition::METHOD => serde_json::to_value(self.definition(params(p)?)?)?,
            References::METHOD => serde_json::to_value(self.references(params(p)?)?)?,
            PrepareRenameRequest::METHOD => serde_json::to_value(self.prepare_rename(params(p)?)?)?,
            Rename::METHOD => serde_json::to_value(self.rename(params(p)?)?)?,
            DocumentSymbolRequest::METHOD => serde_json::to_value(self.symbols(params(p)?)?)?,
            Formatting::METHOD => serde_json::to_value(self.format(params(p)?)?)?,
            CodeActionRequest::METHOD => serde_json::to_value(self.code_actions(params(p)?)?)?,
            _ => return Err(format!("不支持的请求：{method}").into()),
        };
        Ok(value)
    }

    fn hover(&self, p: HoverParams) -> Result<Option<Hover>> {
        let tdp = p.text_document_position_params;
        let doc = self.doc(&tdp.text_document.uri)?;
        let a = &doc.analysis;
        let Some((markdown, span)) = features::hover(a, self.offset(doc, tdp.position)) else {
            return Ok(None);
        };
        let index = LineIndex::new(&a.doc().text, self.encoding);
        Ok(Some(Hover {
            contents: HoverContents::Markup(MarkupContent {
                kind: MarkupKind::Markdown,
                value: markdown,
            }),
            range: Some(index.range(&a.doc().text, span)),
        }))
    }

    fn completion(&self, p: CompletionParams) -> Result<Option<CompletionResponse>> {
        let tdp = p.text_document_position;
        let doc = self.doc(&tdp.text_document.uri)?;
        let a = &doc.analysis;
        let (items, span) = features::completion(a, doc.last_parsed.as_ref(), self.offset(doc, tdp.position));
        let index = LineIndex::new(&a.doc().text, self.encoding);
        let range = index.range(&a.doc().text, span);
        let items = items
            .into_iter()
            .map(|c| CompletionItem {
                label: c.label.clone(),
                kind: Some(match c.kind {
                    CompletionKind::Name(k) => match k {
                        crate::index::DeclKind::Input => CompletionItemKind::VARIABLE,
                        crate::index::DeclKind::List => CompletionItemKind::STRUCT,
                        crate::index::DeclKind::Let => CompletionItemKind::VALUE,
                        crate::index::DeclKind::Indicator(_) => CompletionItemKind::FIELD,
                        _ => CompletionItemKind::CONSTANT,
                    },
                    CompletionKind::Keyword => CompletionItemKind::KEYWORD,
                    CompletionKind::Unit => CompletionItemKind::UNIT,
                    CompletionKind::Category => CompletionItemKind::ENUM_MEMBER,
                    CompletionKind::Function => CompletionItemKind::FUNCTION,
                    CompletionKind::Field => CompletionItemKind::PROPERTY,
                }),
                detail: Some(c.detail),
                sort_text: Some(c.sort),
                filter_text: Some(c.label),
                text_edit: Some(CompletionTextEdit::Edit(TextEdit::new(range, c.insert))),
                ..Default::default()
            })
            .collect();
        Ok(Some(CompletionResponse::List(CompletionList {
            is_incomplete: true,
            items,
        })))
    }

    fn definition(&self, p: GotoDefinitionParams) -> Result<Option<GotoDefinitionResponse>> {
        let tdp = p.text_document_position_params;
        let doc = self.doc(&tdp.text_document.uri)?;
        let a = &doc.analysis;
        let Some(occ) = crate::index::at(&a.doc().occurrences, self.offset(doc, tdp.position)) else {
            return Ok(None);
        };
        let locations: Vec<Location> = a
            .declarations(&occ.name)
            .into_iter()
            .map(|(f, o)| self.location(&tdp.text_document.uri, &a.files, f, o.span))
            .collect();
        Ok((!locations.is_empty()).then_some(GotoDefinitionResponse::Array(locations)))
    }

    /// The name at a position of an open document.
    fn name_at(&self, tdp: &TextDocumentPositionParams) -> Result<Option<String>> {
        let doc = self.doc(&tdp.text_document.uri)?;
        let occurrences = &doc.analysis.doc().occurrences;
        Ok(crate::index::at(occurrences, self.offset(doc, tdp.position)).map(|o| o.name.clone()))
    }

    /// The files sharing `name` with the document (see [`Family`]).
    fn family(&mut self, doc_uri: &Uri, name: &str) -> Result<Family> {
        self.ensure_scanned()?;
        let a = &self.doc(doc_uri)?.analysis;
        let workspace = &self.workspace;
        let dependents = |p: &Path| workspace.dependents(p);
        Ok(Family::of(a, name, &dependents, &open_reader(&self.docs)))
    }

    fn references(&mut self, p: ReferenceParams) -> Result<Option<Vec<Location>>> {
        let tdp = p.text_document_position;
        let Some(name) = self.name_at(&tdp)? else {
            return Ok(None);
        };
        let family = self.family(&tdp.text_document.uri, &name)?;
        let locations = family
            .references(&name)
            .filter(|(_, o)| p.context.include_declaration || o.decl.is_none())
            .map(|(f, o)| self.location(&tdp.text_document.uri, &family.members, f, o.span))
            .collect();
        Ok(Some(locations))
    }

    fn prepare_rename(&self, p: TextDocumentPositionParams) -> Result<Option<PrepareRenameResponse>> {
        let doc = self.doc(&p.text_document.uri)?;
        let a = &doc.analysis;
        let Some(occ) = crate::index::at(&a.doc().occurrences, self.offset(doc, p.position)) else {
            return Ok(None);
        };
        if a.declarations(&occ.name).is_empty() {
            return Ok(None);
        }
        let index = LineIndex::new(&a.doc().text, self.encoding);
        Ok(Some(PrepareRenameResponse::RangeWithPlaceholder {
            range: index.range(&a.doc().text, occ.span),
            placeholder: occ.name.clone(),
        }))
    }

    /// Renames a name declared in the document's chain in every file of its family
    /// (see [`Family`]), or refuses.
    fn rename(&mut self, p: RenameParams) -> Result<Option<WorkspaceEdit>> {
        let tdp = p.text_document_position;
        let declared = |name: &String| {
            !self.docs[tdp.text_document.uri.as_str()]
                .1
                .analysis
                .declarations(name)
                .is_empty()
        };
        let Some(old) = self.name_at(&tdp)?.filter(declared) else {
            return Err("这里没有可以重命名的名称".into());
        };
        let family = self.family(&tdp.text_document.uri, &old)?;
        family.check_rename(&old, &p.new_name)?;
        let mut changes: HashMap<Uri, Vec<TextEdit>> = HashMap::new();
        for (member, o) in family.references(&old) {
            let loc = self.location(&tdp.text_document.uri, &family.members, member, o.span);
            changes
                .entry(loc.uri)
                .or_default()
                .push(TextEdit::new(loc.range, p.new_name.clone()));
        }
        let readers = family.tests_reading_data(&old);
        if !readers.is_empty() && old != p.new_name {
            let files = readers.iter().map(|f| format!("`{f}`")).collect::<Vec<_>>().join("、");
            let message = format!(
                "输入 `{old}` 改名为 `{}` 后，{files} 中的测试用例读取的数据文件仍写着 `{old}`：请给输入加上 `别名 \"{old}\"`，或同时修改数据文件",
                p.new_name
            );
            let params = ShowMessageParams {
                typ: MessageType::WARNING,
                message,
            };
            self.connection
                .sender
                .send(Notification::new(ShowMessage::METHOD.into(), params).into())?;
        }
        Ok(Some(WorkspaceEdit::new(changes)))
    }

    fn symbols(&self, p: DocumentSymbolParams) -> Result<Option<DocumentSymbolResponse>> {
        let doc = self.doc(&p.text_document.uri)?;
        let a = &doc.analysis;
        let index = LineIndex::new(&a.doc().text, self.encoding);
        fn convert(s: features::Symbol, index: &LineIndex, text: &str) -> DocumentSymbol {
            #[allow(deprecated)]
            DocumentSymbol {
                name: s.name,
                detail: (!s.detail.is_empty()).then_some(s.detail),
                kind: match s.kind {
                    Kind::Indicator(1) => SymbolKind::MODULE,
                    Kind::Indicator(2) => SymbolKind::NAMESPACE,
                    Kind::Indicator(_) => SymbolKind::FIELD,
                    Kind::Input => SymbolKind::VARIABLE,
                    Kind::List => SymbolKind::ARRAY,
                    Kind::Let => SymbolKind::FUNCTION,
                    Kind::Check => SymbolKind::EVENT,
                    Kind::Grades => SymbolKind::ENUM,
                    Kind::Test => SymbolKind::METHOD,
                    Kind::Edit => SymbolKind::OPERATOR,
                },
                tags: None,
                deprecated: None,
                range: index.range(text, s.span),
                selection_range: index.range(text, s.selection),
                children: Some(s.children.into_iter().map(|c| convert(c, index, text)).collect()),
            }
        }
        let symbols = features::outline(a)
            .into_iter()
            .map(|s| convert(s, &index, &a.doc().text))
            .collect();
        Ok(Some(DocumentSymbolResponse::Nested(symbols)))
    }

    fn format(&self, p: DocumentFormattingParams) -> Result<Option<Vec<TextEdit>>> {
        let doc = self.doc(&p.text_document.uri)?;
        let text = &doc.text;
        let formatted = jixiao::format::format_source(text).map_err(|e| format!("无法排版：{}", e.0))?;
        if &formatted == text {
            return Ok(Some(Vec::new()));
        }
        let index = LineIndex::new(text, self.encoding);
        let whole = index.range(text, jixiao::source::Span::new(0, text.len()));
        Ok(Some(vec![TextEdit::new(whole, formatted)]))
    }

    fn code_actions(&self, p: CodeActionParams) -> Result<Option<CodeActionResponse>> {
        let uri = &p.text_document.uri;
        let doc = self.doc(uri)?;
        let a = &doc.analysis;
        let text = &a.doc().text;
        let index = LineIndex::new(text, self.encoding);
        let wanted = index.span(text, p.range);
        let mut out = Vec::new();
        for d in &a.diagnostics {
            if d.span.start > wanted.end || d.span.end < wanted.start {
                continue;
            }
            for fix in &d.fixes {
                let edits = fix
                    .edits
                    .iter()
                    .map(|(span, new)| TextEdit::new(index.range(text, *span), new.clone()))
                    .collect();
                out.push(CodeActionOrCommand::CodeAction(CodeAction {
                    title: fix.title.clone(),
                    kind: Some(CodeActionKind::QUICKFIX),
                    diagnostics: Some(vec![Diagnostic {
                        range: index.range(text, d.span),
                        code: Some(NumberOrString::String(d.code.to_owned())),
                        message: d.full_message(),
                        ..Default::default()
                    }]),
                    edit: Some(WorkspaceEdit::new(HashMap::from([(uri.clone(), edits)]))),
                    is_preferred: Some(fix.preferred),
                    ..Default::default()
                }));
            }
        }
        Ok(Some(out))
    }
}

/// Reads a file for an analysis or the workspace: an open document's text, else the disk's.
fn open_reader(docs: &HashMap<String, (Uri, Document)>) -> impl Fn(&Path) -> std::result::Result<String, String> + '_ {
    let open: HashMap<PathBuf, &str> = docs
        .values()
        .filter_map(|(u, d)| uri::to_path(u).map(|p| (workspace::normalize(&p), d.text.as_str())))
        .collect();
    move |p: &Path| match open.get(&workspace::normalize(p)) {
        Some(t) => Ok((*t).to_owned()),
        None => std::fs::read_to_string(p).map_err(|e| jixiao::diagnostics::io_message(&e)),
    }
}

/// For tests and embedders: the id a response answers.
pub fn response_id(m: &Message) -> Option<&RequestId> {
    match m {
        Message::Response(r) => Some(&r.id),
        _ => None,
    }
}
