//! The single integration-test binary: one module per pipeline stage.

mod audit;
mod based_files;
mod batch;
mod charts;
mod check;
mod cli;
mod contract;
mod docs;
mod eval;
mod exact;
mod explain;
mod format;
mod forms;
mod fuzz_regressions;
mod hostile_csv;
mod limits;
mod lsp;
mod not_applicable;
mod output_safety;
mod pipes;
mod print;
mod props;
mod seed;
#[cfg(feature = "serve")]
mod serve;
#[cfg(feature = "serve")]
mod serve_city;
#[cfg(feature = "serve")]
mod serve_edit;
mod syntax;
mod template;
mod trend;
mod undefined;
mod validate;
mod workbooks;
mod workload;
mod yearly;

use std::path::{Path, PathBuf};

/// The repository root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("crates/jixiao-cli is two levels down")
        .to_path_buf()
}

pub fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

/// Reads a `基于` base file relative to the file that names it (as the CLI does).
pub fn loader(from: &str, base: &str) -> Result<(String, String), String> {
    let dir = Path::new(from).parent().unwrap_or(Path::new("."));
    let path = dir.join(base);
    // Names stay relative to the repository root, as the tests write them; the tests run
    // in crates/jixiao-cli.
    std::fs::read_to_string(root().join(&path))
        .map(|t| (path.display().to_string(), t))
        .map_err(|e| jixiao::diagnostics::io_message(&e))
}

/// Compiles rule text or panics with the rendered diagnostic.
pub fn compile(name: &str, text: &str) -> jixiao::Compiled {
    match jixiao::compile_with(name, text, &loader) {
        Ok(c) => c,
        Err(e) => panic!("{}", jixiao::diagnostics::render_plain(&e)),
    }
}

/// Renders the diagnostic for rule text that must fail to load.
pub fn load_error(name: &str, text: &str) -> String {
    match jixiao::compile_with(name, text, &loader) {
        Ok(_) => panic!("{name}: expected an error, but the rule file loaded"),
        Err(e) => jixiao::diagnostics::render_plain(&e),
    }
}

/// Runs the `jixiao` binary in the repository root: (exit code, stdout, stderr).
pub fn jixiao(args: &[&str]) -> (i32, String, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_jixiao"))
        .args(args)
        .current_dir(root())
        .env("NO_COLOR", "1")
        .output()
        .expect("run jixiao");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Runs `f` with snapshots stored in `tests/snapshots/`.
pub fn in_snapshot_dir(f: impl FnOnce()) {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(root().join("tests/snapshots"));
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(f);
}
