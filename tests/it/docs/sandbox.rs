//! Where documented commands run: a fresh temporary directory holding copies of the files
//! the documents name (`rules/`, `examples/`, `tests/errors/`), so that a command writing
//! `-o 评价结果.xlsx`, or a documented edit to a rule file, never touches the repository.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::markdown::Marker;

/// The directories copied into every sandbox.
const COPIED: [&str; 4] = ["rules", "examples", "tests/errors", "tests/fixtures"];

pub struct Sandbox {
    dir: tempfile::TempDir,
}

/// What a command printed (standard output and standard error in the order written, as a
/// terminal shows them) and its exit code.
pub struct Ran {
    pub code: i32,
    pub output: String,
}

impl Sandbox {
    pub fn new() -> Sandbox {
        let dir = tempfile::tempdir().expect("temp dir");
        for d in COPIED {
            copy_dir(&crate::root().join(d), &dir.path().join(d));
        }
        Sandbox { dir }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Applies the setup markers above a block: `准备 名称` (a fixture from
    /// [`super::fixtures`]), `复制 从 到`, `改 文件 "原文" "新文"` (the original text must
    /// occur exactly once).
    pub fn prepare(&self, markers: &[Marker], at: &str) {
        for m in markers {
            let w = &m.words;
            match m.kind() {
                "准备" => super::fixtures::make(&w[1], self.path()),
                "复制" => {
                    // `复制 从 目录/文件` makes the folder first (a returned-forms folder).
                    if let Some(parent) = self.path().join(&w[2]).parent() {
                        std::fs::create_dir_all(parent).unwrap();
                    }
                    std::fs::copy(self.path().join(&w[1]), self.path().join(&w[2]))
                        .unwrap_or_else(|e| panic!("{at}: 复制 {} {}: {e}", w[1], w[2]));
                }
                "改" => {
                    let [_, file, old, new] = &w[..] else {
                        panic!("{at}: `改` takes a file, the text and its replacement: {w:?}");
                    };
                    let path = self.path().join(file);
                    let text = crate::read(&path);
                    assert_eq!(
                        text.matches(old.as_str()).count(),
                        1,
                        "{at}: `{old}` must occur exactly once in {file}"
                    );
                    std::fs::write(&path, text.replacen(old.as_str(), new, 1)).unwrap();
                }
                _ => {}
            }
        }
    }

    /// Runs one documented command line (already split into words) here.
    pub fn run(&self, words: &[String]) -> Ran {
        let (program, args) = program(words);
        let mut out = tempfile::tempfile().expect("temp file");
        let child = Command::new(&program)
            .args(args)
            .current_dir(self.path())
            .env("NO_COLOR", "1")
            .env_remove("JIXIAO_TOKEN")
            .stdin(Stdio::null())
            .stdout(out.try_clone().unwrap())
            .stderr(out.try_clone().unwrap())
            .status()
            .unwrap_or_else(|e| panic!("run {program:?}: {e}"));
        use std::io::{Read, Seek};
        out.rewind().unwrap();
        let mut bytes = Vec::new();
        out.read_to_end(&mut bytes).unwrap();
        Ran {
            code: child.code().unwrap_or(-1),
            output: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }
}

/// The program a documented command runs: `jixiao …` and `cargo run --release -- …` are
/// the binary under test; `cp` is the system's.
fn program(words: &[String]) -> (PathBuf, &[String]) {
    let binary = PathBuf::from(env!("CARGO_BIN_EXE_jixiao"));
    let text: Vec<&str> = words.iter().map(String::as_str).collect();
    match text[..] {
        ["jixiao", ..] => (binary, &words[1..]),
        ["cargo", "run", "--release", "--", ..] => (binary, &words[4..]),
        ["cp", ..] => (PathBuf::from("cp"), &words[1..]),
        _ => panic!("not a command the documentation tests run: {words:?}"),
    }
}

/// Whether a documented command line is one the tests run (see [`program`]).
pub fn runs(words: &[String]) -> bool {
    let text: Vec<&str> = words.iter().map(String::as_str).collect();
    matches!(
        text[..],
        ["jixiao", ..] | ["cp", ..] | ["cargo", "run", "--release", "--", ..]
    )
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap_or_else(|e| panic!("{}: {e}", from.display())) {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}
