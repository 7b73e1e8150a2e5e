//! The rule sets under `--rules`: listed from the directory, looked up by id (the file
//! stem, checked against the listing, so no request names a path), compiled once and
//! kept until one of the files it was built from changes.
//!
//! This and the upload handling are the only places of the server that touch files.

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use jixiao::diagnostics::{io_message, render_plain, LoadError};
use jixiao::report::DiagnosticRecord;

/// Rule-file nesting is bounded by the parser, but checking a deep file still recurses:
/// compile on a thread with the same generous stack as the command line.
const COMPILE_STACK_BYTES: usize = 256 * 1024 * 1024;

/// The longest rule id accepted (a file stem).
const MAX_ID_CHARS: usize = 200;

/// One rule file of the directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleFile {
    /// The file stem: `yueyang-2021`.
    pub id: String,
    /// The file name: `yueyang-2021.jx` (as reports name it).
    pub file: String,
}

/// One diagnostic of a rule file: as data (the `jixiao check --format json` record)
/// and rendered with its source excerpt (as `jixiao check` prints it).
#[derive(Debug, Clone)]
pub struct Diagnostic {
    pub record: DiagnosticRecord,
    pub rendered: String,
}

impl Diagnostic {
    pub fn is_error(&self) -> bool {
        self.record.severity == "error"
    }
}

/// The errors among diagnostics, each as `jixiao check` prints it (an answer's `details`).
pub fn rendered_errors(diagnostics: &[Diagnostic]) -> Vec<String> {
    diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| d.rendered.clone())
        .collect()
}

/// A rule file as read and, when it checks, compiled.
#[derive(Debug)]
pub struct Loaded {
    pub id: String,
    pub file: String,
    /// The file's own text (before any `基于` is merged).
    pub text: String,
    pub sha256: String,
    /// `None` when the file has errors (then `diagnostics` has at least one error).
    pub compiled: Option<jixiao::Compiled>,
    /// Errors and warnings, in the order `jixiao check` reports them.
    pub diagnostics: Vec<Diagnostic>,
    /// Base files it was built from (`基于`), by name.
    pub bases: Vec<String>,
}

impl Loaded {
    pub fn errors(&self) -> usize {
        self.diagnostics.iter().filter(|d| d.is_error()).count()
    }

    pub fn warnings(&self) -> usize {
        self.diagnostics.len() - self.errors()
    }
}

/// Why a rule set could not be had.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LookupError {
    /// The id is not one of the directory's rule files (or is not an id at all).
    NotFound(String),
    /// The file is listed but could not be read.
    Unreadable(String),
}

impl std::fmt::Display for LookupError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LookupError::NotFound(m) | LookupError::Unreadable(m) => f.write_str(m),
        }
    }
}

struct CacheEntry {
    /// Every file read to build it, with the SHA-256 of what was read.
    files: Vec<(PathBuf, String)>,
    loaded: Arc<Loaded>,
}

/// The rule directory and the compiled rule sets.
pub struct RuleStore {
    dir: PathBuf,
    cache: Mutex<HashMap<String, CacheEntry>>,
}

impl RuleStore {
    /// The directory must exist; it is read again on every listing (files may be added
    /// or edited while the server runs).
    pub fn new(dir: &Path) -> Result<RuleStore, String> {
        let canonical = dir.canonicalize().map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => format!(
                "规则目录 {} 不存在：请用 --rules 指定存放 .jx 规则文件的目录",
                dir.display()
            ),
            _ => format!("无法打开规则目录 {}：{}", dir.display(), io_message(&e)),
        })?;
        if !canonical.is_dir() {
            return Err(format!("规则目录 {} 不是目录", dir.display()));
        }
        Ok(RuleStore {
            dir: canonical,
            cache: Mutex::new(HashMap::new()),
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The rule sets: the `.jx` files directly in the directory, sorted by id, without
    /// the test companions (`X.test.jx`, run by `jixiao test`), which are never offered
    /// as rule sets.
    pub fn list(&self) -> Result<Vec<RuleFile>, String> {
        let mut files = self.files()?;
        files.retain(|r| !is_test_file(&r.file));
        Ok(files)
    }

    /// Every `.jx` file directly in the directory, test companions included.
    fn files(&self) -> Result<Vec<RuleFile>, String> {
        let entries = std::fs::read_dir(&self.dir)
            .map_err(|e| format!("无法读取规则目录 {}：{}", self.dir.display(), io_message(&e)))?;
        let mut out = Vec::new();
        for entry in entries.flatten() {
            let path = entry.path();
            if !path.is_file() {
                continue;
            }
            let Some(file) = path.file_name().and_then(|n| n.to_str()) else {
                continue;
            };
            let Some(id) = file.strip_suffix(".jx") else {
                continue;
            };
            if valid_id(id) {
                out.push(RuleFile {
                    id: id.to_owned(),
                    file: file.to_owned(),
                });
            }
        }
        out.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(out)
    }

    /// The rule file with this id, if the directory lists it.
    pub fn find(&self, id: &str) -> Result<RuleFile, LookupError> {
        let not_found = || {
            LookupError::NotFound(format!(
                "没有编号为「{}」的规则：编号是规则目录中 .jx 文件的文件名（不含扩展名），见 /api/rules",
                shorten(id)
            ))
        };
        if !valid_id(id) {
            return Err(not_found());
        }
        let files = self.files().map_err(LookupError::Unreadable)?;
        match files.into_iter().find(|r| r.id == id) {
            Some(r) if is_test_file(&r.file) => Err(LookupError::NotFound(format!(
                "「{}」是测试文件，不是一套规则：测试文件（文件名以 .test.jx 结尾）用命令行 jixiao test 运行，评价请选它所基于的规则",
                r.file
            ))),
            Some(r) => Ok(r),
            None => Err(not_found()),
        }
    }

    /// Reads, checks and compiles a rule set (or returns the one compiled before, if
    /// none of its files changed). Blocking: call from a blocking thread.
    pub fn load(&self, id: &str) -> Result<Arc<Loaded>, LookupError> {
        let rule = self.find(id)?;
        if let Some(hit) = self.cached(id) {
            return Ok(hit);
        }
        let dir = self.dir.clone();
        let built = on_compile_stack(|| build(&dir, &rule))
            .ok_or_else(|| LookupError::Unreadable(format!("编译规则文件 {} 时发生内部错误", rule.file)))??;
        let (loaded, files) = built;
        let loaded = Arc::new(loaded);
        if let Ok(mut cache) = self.cache.lock() {
            cache.insert(
                id.to_owned(),
                CacheEntry {
                    files,
                    loaded: Arc::clone(&loaded),
                },
            );
        }
        Ok(loaded)
    }

    /// Where a listed rule file is: inside the directory (a link that leads out of it
    /// is refused, so nothing outside the directory is ever written).
    pub fn path_of(&self, rule: &RuleFile) -> Result<PathBuf, String> {
        inside(&self.dir, Path::new(&rule.file))
    }

    /// Reads a file a rule text names with `基于`, by its full path, only if it lies
    /// inside the directory (the language service's reader).
    /// `edited` is the text of the file being edited, read in its place (so a chain that
    /// comes back to it sees the edit, and a cycle is found).
    pub fn read_inside(&self, path: &Path, edited: (&RuleFile, &str)) -> Result<String, String> {
        let failed = |e: std::io::Error| format!("{}：{}", shown(path), io_message(&e));
        let full = path.canonicalize().map_err(failed)?;
        if !full.starts_with(&self.dir) {
            return Err(format!("只能基于规则目录中的文件，`{}` 不在其中", shown(path)));
        }
        if self.path_of(edited.0).is_ok_and(|own| own == full) {
            return Ok(edited.1.to_owned());
        }
        let bytes = std::fs::read(&full).map_err(failed)?;
        String::from_utf8(bytes).map_err(|_| format!("{} 不是 UTF-8 编码", shown(path)))
    }

    /// Checks and compiles a rule text as if it were the file `rule` (its `基于` read from
    /// the directory, as [`RuleStore::load`] reads them, the text itself in the place of
    /// `rule`): the compiled rules, or every diagnostic when it has errors. Blocking.
    pub fn compile_text(&self, rule: &RuleFile, text: &str) -> Result<jixiao::Compiled, Vec<Diagnostic>> {
        let (read, bases) = (RefCell::new(Vec::new()), RefCell::new(Vec::new()));
        let own = self.path_of(rule).ok().map(|p| (p, text));
        let loader = base_loader(&self.dir, &read, &bases, own);
        let (compiled, diagnostics) = compile(&rule.file, text, &loader);
        compiled.ok_or(diagnostics)
    }

    /// The cached rule set, if every file it was built from still has the same content.
    fn cached(&self, id: &str) -> Option<Arc<Loaded>> {
        let (files, loaded) = {
            let cache = self.cache.lock().ok()?;
            let entry = cache.get(id)?;
            (entry.files.clone(), Arc::clone(&entry.loaded))
        };
        let unchanged = files.iter().all(|(path, sha)| {
            std::fs::read(path)
                .map(|bytes| jixiao::sha256_hex(&bytes) == *sha)
                .unwrap_or(false)
        });
        unchanged.then_some(loaded)
    }
}

type Built = (Loaded, Vec<(PathBuf, String)>);

/// Reads and compiles one rule file; `基于` bases are read from the same directory.
fn build(dir: &Path, rule: &RuleFile) -> Result<Built, LookupError> {
    let path = dir.join(&rule.file);
    let bytes = std::fs::read(&path)
        .map_err(|e| LookupError::Unreadable(format!("无法读取规则文件 {}：{}", rule.file, io_message(&e))))?;
    let sha256 = jixiao::sha256_hex(&bytes);
    let text = String::from_utf8(bytes).map_err(|e| {
        LookupError::Unreadable(format!(
            "规则文件 {} 不是 UTF-8 编码（第 {} 个字节处无效）",
            rule.file,
            e.utf8_error().valid_up_to() + 1
        ))
    })?;
    let read: RefCell<Vec<(PathBuf, String)>> = RefCell::new(vec![(path, sha256.clone())]);
    let bases: RefCell<Vec<String>> = RefCell::new(Vec::new());
    let (compiled, diagnostics) = compile(&rule.file, &text, &base_loader(dir, &read, &bases, None));
    let loaded = Loaded {
        id: rule.id.clone(),
        file: rule.file.clone(),
        text,
        sha256,
        compiled,
        diagnostics,
        bases: bases.into_inner(),
    };
    Ok((loaded, read.into_inner()))
}

/// Reads `基于` bases from the directory, noting each file read (with its SHA-256) and
/// each base's name; `own` is a file being edited and its text, read in its place.
fn base_loader<'a>(
    dir: &'a Path,
    read: &'a RefCell<Vec<(PathBuf, String)>>,
    bases: &'a RefCell<Vec<String>>,
    own: Option<(PathBuf, &'a str)>,
) -> impl Fn(&str, &str) -> Result<(String, String), String> + 'a {
    move |from: &str, base: &str| {
        // Named as the command line names it when run in the rule directory.
        let name = Path::new(from).parent().unwrap_or(Path::new("")).join(base);
        let full = inside(dir, &name)?;
        let bytes = match &own {
            Some((path, text)) if *path == full => text.as_bytes().to_vec(),
            _ => std::fs::read(&full).map_err(|e| io_message(&e))?,
        };
        read.borrow_mut().push((full, jixiao::sha256_hex(&bytes)));
        let text = String::from_utf8(bytes).map_err(|_| "文件不是 UTF-8 编码".to_owned())?;
        let shown = name.display().to_string();
        bases.borrow_mut().push(shown.clone());
        Ok((shown, text))
    }
}

/// Compiles a rule text: the rules when it checks, and its diagnostics (warnings, or
/// the errors) as `jixiao check` reports them.
fn compile(file: &str, text: &str, loader: &jixiao::inherit::Loader) -> (Option<jixiao::Compiled>, Vec<Diagnostic>) {
    match jixiao::compile_with(file, text, loader) {
        Ok(compiled) => {
            let diagnostics = compiled
                .warnings
                .iter()
                .map(|w| Diagnostic {
                    record: DiagnosticRecord::from_check(w),
                    rendered: render_plain(w),
                })
                .collect();
            (Some(compiled), diagnostics)
        }
        Err(LoadError::Syntax(e)) => (
            None,
            vec![Diagnostic {
                record: DiagnosticRecord::from_syntax(file, &e),
                rendered: render_plain(&*e),
            }],
        ),
        Err(LoadError::Check(errors)) => (
            None,
            errors
                .errors
                .iter()
                .map(|e| Diagnostic {
                    record: DiagnosticRecord::from_check(e),
                    rendered: render_plain(e),
                })
                .collect(),
        ),
    }
}

/// Runs `work` on a thread with the compile stack (checking recurses as deep as the
/// parser allows); `None` if the thread could not start or the work panicked.
pub fn on_compile_stack<T: Send>(work: impl FnOnce() -> T + Send) -> Option<T> {
    std::thread::scope(|scope| {
        std::thread::Builder::new()
            .stack_size(COMPILE_STACK_BYTES)
            .spawn_scoped(scope, work)
            .ok()?
            .join()
            .ok()
    })
}

/// A path as messages show it: its file name.
fn shown(path: &Path) -> String {
    path.file_name()
        .map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned())
}

/// A base file named by a rule file, only if it lies inside the rule directory.
fn inside(dir: &Path, name: &Path) -> Result<PathBuf, String> {
    let outside = || format!("只能基于规则目录中的文件，`{}` 不在其中", name.display());
    if name.is_absolute() {
        return Err(outside());
    }
    let full = dir
        .join(name)
        .canonicalize()
        .map_err(|e| format!("{}：{}", name.display(), io_message(&e)))?;
    if !full.starts_with(dir) {
        return Err(outside());
    }
    Ok(full)
}

/// A test companion of a rule file (`X.test.jx`: `基于 "X.jx"` and its `测试` cases).
pub fn is_test_file(file: &str) -> bool {
    file.ends_with(".test.jx")
}

/// An id is a plain file stem: no path separators, no leading dot, no control characters.
pub fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.chars().count() <= MAX_ID_CHARS
        && !id.starts_with('.')
        && !id.contains(['/', '\\', ':', '\0'])
        && !id.chars().any(char::is_control)
}

/// An untrusted string cut short for messages.
pub fn shorten(s: &str) -> String {
    const MAX: usize = 60;
    let clean: String = s.chars().filter(|c| !c.is_control()).collect();
    if clean.chars().count() > MAX {
        format!("{}…", clean.chars().take(MAX).collect::<String>())
    } else {
        clean
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_plain_stems() {
        assert!(valid_id("yueyang-2021"));
        assert!(valid_id("岳阳 2021"));
        assert!(valid_id("yueyang-2021.test"));
        assert!(is_test_file("yueyang-2021.test.jx"));
        assert!(!is_test_file("yueyang-2021.jx"));
        for bad in ["", "..", "../x", "a/b", "a\\b", ".hidden", "c:x", "a\0b", "a\nb"] {
            assert!(!valid_id(bad), "{bad:?}");
        }
    }
}
