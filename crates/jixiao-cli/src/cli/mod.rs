//! Subcommands of the `jixiao` binary that have grown beyond a few lines.

pub mod check;
pub mod data;
pub mod diff;
pub mod eval;
pub mod fmt;
pub mod lsp;
#[cfg(feature = "serve")]
pub mod serve;
pub mod show;
pub mod template;
pub mod test;
pub mod trend;
pub mod usage;
pub mod validate;

use std::path::{Path, PathBuf};

use jixiao::diagnostics::io_message;

/// Exit codes, the same for every command and any mix of inputs (docs/clerk-guide.md):
/// 0 done; 1 a rule file that does not check, an input that cannot be read, or the one
/// unit given that cannot be evaluated; 2 a usage error (the command line itself);
/// [`EXIT_STRICT`] when `--strict` finds units in error or incomplete (their rows are still
/// written), so a script can tell "the run failed" from "the run found bad units".
pub const EXIT_STRICT: u8 = 3;

/// Expands directories into the `.jx` files below them (sorted), keeps files as given.
pub fn rule_files(paths: &[PathBuf]) -> miette::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for path in paths {
        if path.is_dir() {
            collect(path, &mut out)?;
        } else {
            out.push(path.clone());
        }
    }
    Ok(out)
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) -> miette::Result<()> {
    let entries =
        std::fs::read_dir(dir).map_err(|e| miette::miette!("无法读取目录 {}：{}", dir.display(), io_message(&e)))?;
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for p in paths {
        if p.is_dir() {
            collect(&p, out)?;
        } else if p.extension().is_some_and(|e| e == "jx") {
            out.push(p);
        }
    }
    Ok(())
}

/// Reads the file a rule file is `基于`, relative to that rule file's directory; a failure is
/// said as why (the diagnostic names the file).
pub fn file_loader(from: &str, base: &str) -> Result<(String, String), String> {
    let dir = Path::new(from).parent().unwrap_or(Path::new("."));
    let path = dir.join(base);
    let bytes = std::fs::read(&path).map_err(|e| io_message(&e))?;
    let text = String::from_utf8(bytes).map_err(|_| "不是 UTF-8 编码的文本".to_owned())?;
    note_input(&path);
    Ok((path.display().to_string(), text))
}

/// Every file this run reads (rule files, their `基于` bases, data files): `-o` may
/// overwrite none of them.
static INPUTS: std::sync::Mutex<Vec<std::path::PathBuf>> = std::sync::Mutex::new(Vec::new());

/// Records a file the run reads, so that no output replaces it.
pub fn note_input(path: &Path) {
    INPUTS
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push(path.to_path_buf());
}

/// The files noted so far ([`note_input`]).
pub fn inputs() -> Vec<std::path::PathBuf> {
    INPUTS.lock().unwrap_or_else(|e| e.into_inner()).clone()
}

/// Writes a whole output file the safe way: a temporary file renamed into place, never
/// over an input of this run, never over anything but a regular file.
pub fn write_output(path: &Path, bytes: &[u8]) -> miette::Result<()> {
    let mut destination = jixiao_io::batch::Destination::file(path, &inputs()).map_err(|m| miette::miette!("{m}"))?;
    destination
        .writer()
        .write_all(bytes)
        .map_err(|e| miette::miette!("写出 {} 失败：{}", path.display(), io_message(&e)))?;
    destination.commit().map_err(|m| miette::miette!("{m}"))
}

/// The extension of `-o`'s file, in lower case: what a command infers its format from.
pub fn output_extension(output: Option<&Path>) -> Option<String> {
    Some(output?.extension()?.to_str()?.to_ascii_lowercase())
}

/// Writes a command's result to `-o`'s file (and says so), or to the terminal, where a
/// workbook (`binary`) may not go.
pub fn deliver(output: Option<&Path>, bytes: &[u8], example: &str, binary: bool) -> miette::Result<()> {
    match output.filter(|p| !data::is_dash(p)) {
        Some(path) => {
            write_output(path, bytes)?;
            eprintln!("结果已写入 {}", path.display());
            Ok(())
        }
        None => {
            if binary {
                data::refuse_binary_on_terminal(example)?;
            }
            crate::write_stdout_bytes(bytes)
        }
    }
}

/// Reads a UTF-8 text file, with a message naming the file on failure.
pub fn read_text(path: &Path) -> miette::Result<String> {
    let bytes =
        std::fs::read(path).map_err(|e| miette::miette!("无法读取文件 {}：{}", path.display(), io_message(&e)))?;
    String::from_utf8(bytes).map_err(|e| {
        miette::miette!(
            "文件 {} 不是 UTF-8 编码（第 {} 个字节处无效）",
            path.display(),
            e.utf8_error().valid_up_to() + 1
        )
    })
}
