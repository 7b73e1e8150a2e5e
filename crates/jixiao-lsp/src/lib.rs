//! `jixiao lsp`: a language server for jixiao rule files (`.jx`), over stdio, built on
//! the same parser, checker and formatter as the command line. See docs/editor.md.
//!
//! - [`analysis`]: one document's parse, `基于` chain, merged rules and diagnostics;
//! - [`index`]: every name in a file, declared or used;
//! - [`family`]: the files a name is shared by (find references, rename);
//! - [`features`]: hover, completion, outline;
//! - [`workspace`]: the workspace's `.jx` files and which file each is `基于`;
//! - [`server`]: the LSP message loop (lsp-server + lsp-types, synchronous);
//! - [`text`]: byte offsets ↔ LSP positions (UTF-8 or UTF-16).

pub mod analysis;
pub mod family;
pub mod features;
pub mod index;
pub mod server;
pub mod text;
pub mod uri;
pub mod workspace;

pub use lsp_server::Connection;

/// Serves one client on standard input and output until it shuts the server down.
pub fn run_stdio() -> server::Result<()> {
    let (connection, io_threads) = Connection::stdio();
    server::run(&connection)?;
    drop(connection);
    io_threads
        .join()
        .map_err(|e| format!("与编辑器通信失败：{}", jixiao::diagnostics::io_message(&e)))?;
    Ok(())
}
