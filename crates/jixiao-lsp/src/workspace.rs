//! The workspace: the `.jx` files under the client's workspace folders and the file each
//! is `基于`, so that find-references and rename reach the files based on a document —
//! next year's rules and the `X.test.jx` files (`jixiao test` pairs a test file with its
//! rule file by the test file's `基于` line, so they are found the same way).
//!
//! The folders are walked once, when a request first needs the map (not at start-up), and
//! the walk is bounded ([`Limits`]): hidden directories, `target/` and `node_modules/` are
//! skipped and the numbers of entries, files and bytes are capped. Of each file only the
//! path of its base is kept; texts are read again when a request needs them, an open
//! document's text before the disk's.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Component, Path, PathBuf};

use crate::analysis::Reader;

/// How much of a workspace is looked at.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Directory entries walked (files of any kind and directories).
    pub entries: usize,
    /// `.jx` files recorded.
    pub files: usize,
    /// Bytes of `.jx` files read.
    pub bytes: u64,
}

pub const LIMITS: Limits = Limits {
    entries: 200_000,
    files: 2000,
    bytes: 20 * 1024 * 1024,
};

/// Directories never walked (besides hidden ones): build output and npm packages.
const SKIPPED_DIRS: &[&str] = &["target", "node_modules"];

#[derive(Debug, Default)]
pub struct Workspace {
    roots: Vec<PathBuf>,
    /// Every file found or opened → the file its `基于` line names (normalised).
    bases: BTreeMap<PathBuf, Option<PathBuf>>,
}

/// What a walk found, for the server's log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScanReport {
    pub files: usize,
    pub based: usize,
    /// Why the walk stopped early, in the user's words.
    pub capped: Option<String>,
}

impl ScanReport {
    pub fn summary(&self) -> String {
        format!(
            "工作区中有 {} 个规则文件（.jx），其中 {} 个基于其他文件",
            self.files, self.based
        )
    }
}

impl Workspace {
    pub fn new(roots: Vec<PathBuf>) -> Workspace {
        let mut roots: Vec<PathBuf> = roots.iter().map(|r| normalize(r)).collect();
        roots.sort();
        // A folder inside another is walked with it.
        let mut kept: Vec<PathBuf> = Vec::new();
        for r in roots {
            if !kept.iter().any(|k| r.starts_with(k)) {
                kept.push(r);
            }
        }
        Workspace {
            roots: kept,
            bases: BTreeMap::new(),
        }
    }

    pub fn roots(&self) -> &[PathBuf] {
        &self.roots
    }

    /// Walks the roots again, forgetting what was known; `read` gives a file's text (an
    /// open document's before the disk's).
    pub fn scan(&mut self, limits: Limits, read: &Reader) -> ScanReport {
        self.bases.clear();
        let (mut entries, mut bytes) = (0usize, 0u64);
        let mut capped = None;
        'roots: for root in &self.roots {
            let walk = walkdir::WalkDir::new(root)
                .follow_links(false)
                .sort_by_file_name()
                .into_iter()
                .filter_entry(|e| e.depth() == 0 || !e.file_type().is_dir() || !skipped_dir(e.file_name()));
            for entry in walk {
                entries += 1;
                if entries > limits.entries {
                    capped = Some(format!(
                        "工作区的目录中超过 {} 个文件和目录，只查看了前 {} 个",
                        limits.entries, limits.entries
                    ));
                    break 'roots;
                }
                let Ok(entry) = entry else { continue };
                if !entry.file_type().is_file() || entry.path().extension().is_none_or(|e| e != "jx") {
                    continue;
                }
                if self.bases.len() >= limits.files {
                    capped = Some(format!(
                        "工作区中的规则文件（.jx）超过 {} 个，只记录了前 {} 个",
                        limits.files, limits.files
                    ));
                    break 'roots;
                }
                let size = entry.metadata().map_or(0, |m| m.len());
                if bytes + size > limits.bytes {
                    capped = Some(format!(
                        "工作区中的规则文件合计超过 {} MB，只读取了前 {} 个文件",
                        limits.bytes / (1024 * 1024),
                        self.bases.len()
                    ));
                    break 'roots;
                }
                bytes += size;
                let path = normalize(entry.path());
                let base = read(&path).ok().and_then(|text| base_of(&path, &text));
                self.bases.insert(path, base);
            }
        }
        ScanReport {
            files: self.bases.len(),
            based: self.bases.values().filter(|b| b.is_some()).count(),
            capped: capped.map(|c| format!("{c}；查找引用和重命名可能漏掉其余文件")),
        }
    }

    /// Records a file's current text (an open document's, or the disk's after a change).
    pub fn set(&mut self, path: &Path, text: &str) {
        let path = normalize(path);
        let base = base_of(&path, text);
        self.bases.insert(path, base);
    }

    /// Forgets a file, or every file under a directory.
    pub fn remove(&mut self, path: &Path) {
        let path = normalize(path);
        self.bases.retain(|file, _| !file.starts_with(&path));
    }

    /// Is the file under one of the workspace folders?
    pub fn contains(&self, path: &Path) -> bool {
        let path = normalize(path);
        self.roots.iter().any(|r| path.starts_with(r))
    }

    /// The files based on `path`, directly or through others, by path.
    pub fn dependents(&self, path: &Path) -> Vec<PathBuf> {
        let path = normalize(path);
        let mut found: BTreeSet<PathBuf> = BTreeSet::new();
        let mut frontier = vec![path.clone()];
        while let Some(base) = frontier.pop() {
            for (file, b) in &self.bases {
                if b.as_ref() == Some(&base) && *file != path && found.insert(file.clone()) {
                    frontier.push(file.clone());
                }
            }
        }
        found.into_iter().collect()
    }
}

fn skipped_dir(name: &std::ffi::OsStr) -> bool {
    let name = name.to_string_lossy();
    name.starts_with('.') || SKIPPED_DIRS.contains(&name.as_ref())
}

/// The file a rule file's text is `基于`, as a path.
fn base_of(file: &Path, text: &str) -> Option<PathBuf> {
    jixiao::syntax::parse_base(text).map(|b| base_path(file, &b.node))
}

/// The path of the file named in `基于 "…"`, relative to the directory of `file`.
pub fn base_path(file: &Path, base: &str) -> PathBuf {
    let dir = file.parent().unwrap_or(Path::new(""));
    normalize(&dir.join(base))
}

/// `a/./b/../c` → `a/c`, without asking the file system (the files may not exist).
pub fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if matches!(out.components().next_back(), Some(Component::Normal(_))) {
                    out.pop();
                } else if !matches!(
                    out.components().next_back(),
                    Some(Component::RootDir | Component::Prefix(_))
                ) {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn disk(p: &Path) -> Result<String, String> {
        fs::read_to_string(p).map_err(|e| e.to_string())
    }

    fn tree() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for (rel, text) in [
            ("2021/规则.jx", "标题 \"x\"\n"),
            ("2021/规则.test.jx", "// 测试\n基于 \"规则.jx\"\n测试 \"甲\" {\n"),
            ("2022/规则.jx", "基于 \"../2021/规则.jx\"\n"),
            ("2022/规则.test.jx", "基于 \"规则.jx\"\n"),
            ("2022/其他.jx", "标题 \"y\"\n"),
            (".git/x.jx", "基于 \"../2021/规则.jx\"\n"),
            ("target/debug/x.jx", "基于 \"../../2021/规则.jx\"\n"),
            ("editors/node_modules/x.jx", "基于 \"../../2021/规则.jx\"\n"),
            ("notes.txt", "基于 \"2021/规则.jx\"\n"),
        ] {
            let p = root.join(rel);
            fs::create_dir_all(p.parent().unwrap()).unwrap();
            fs::write(p, text).unwrap();
        }
        dir
    }

    #[test]
    fn files_based_on_a_file_directly_and_through_others() {
        let dir = tree();
        let root = dir.path();
        let mut ws = Workspace::new(vec![root.to_path_buf()]);
        let report = ws.scan(LIMITS, &disk);
        assert_eq!(
            report,
            ScanReport {
                files: 5,
                based: 3,
                capped: None
            }
        );
        assert_eq!(
            ws.dependents(&root.join("2021/规则.jx")),
            vec![
                root.join("2021/规则.test.jx"),
                root.join("2022/规则.jx"),
                root.join("2022/规则.test.jx")
            ]
        );
        assert_eq!(
            ws.dependents(&root.join("2022/./规则.jx")),
            vec![root.join("2022/规则.test.jx")]
        );
        assert!(ws.dependents(&root.join("2022/其他.jx")).is_empty());

        // An edit in the editor moves a file to another base; a deleted file is forgotten.
        ws.set(&root.join("2022/规则.jx"), "基于 \"其他.jx\"\n");
        assert_eq!(
            ws.dependents(&root.join("2022/其他.jx")),
            vec![root.join("2022/规则.jx"), root.join("2022/规则.test.jx")]
        );
        assert_eq!(
            ws.dependents(&root.join("2021/规则.jx")),
            vec![root.join("2021/规则.test.jx")]
        );
        ws.remove(&root.join("2021/规则.test.jx"));
        assert!(ws.dependents(&root.join("2021/规则.jx")).is_empty());
        ws.remove(&root.join("2022"));
        assert!(ws.dependents(&root.join("2022/其他.jx")).is_empty());
        assert_eq!(ws.scan(LIMITS, &disk).files, 5);
        assert!(ws.contains(&root.join("2022/新.jx")));
        assert!(!ws.contains(Path::new("/elsewhere/新.jx")));
    }

    #[test]
    fn open_documents_text_wins_and_files_that_base_on_each_other_end() {
        let dir = tree();
        let root = dir.path();
        let a = root.join("2021/规则.jx");
        let open = |p: &Path| -> Result<String, String> {
            if p == a {
                Ok("基于 \"../2022/规则.jx\"\n".into())
            } else {
                disk(p)
            }
        };
        let mut ws = Workspace::new(vec![root.join("2021"), root.to_path_buf(), root.join("2022")]);
        assert_eq!(ws.roots(), [root.to_path_buf()]);
        ws.scan(LIMITS, &open);
        let all = ws.dependents(&a);
        assert_eq!(all.len(), 3, "{all:?}");
        assert!(!all.contains(&a));
    }

    #[test]
    fn the_walk_is_capped() {
        let dir = tree();
        let root = dir.path();
        let mut ws = Workspace::new(vec![root.to_path_buf()]);
        let files = ws.scan(Limits { files: 2, ..LIMITS }, &disk);
        assert_eq!(files.files, 2);
        assert_eq!(
            files.capped.as_deref(),
            Some("工作区中的规则文件（.jx）超过 2 个，只记录了前 2 个；查找引用和重命名可能漏掉其余文件")
        );
        let bytes = ws.scan(Limits { bytes: 40, ..LIMITS }, &disk);
        assert_eq!(bytes.files, 1, "{bytes:?}");
        assert!(bytes
            .capped
            .unwrap()
            .starts_with("工作区中的规则文件合计超过 0 MB，只读取了前 1 个文件"));
        let entries = ws.scan(Limits { entries: 3, ..LIMITS }, &disk);
        assert!(entries.capped.unwrap().starts_with("工作区的目录中超过 3 个文件和目录"));
    }

    #[test]
    fn paths_are_normalised_without_the_file_system() {
        assert_eq!(
            base_path(Path::new("/ws/2022/a.jx"), "../2021/./b.jx"),
            PathBuf::from("/ws/2021/b.jx")
        );
        assert_eq!(normalize(Path::new("/../a")), PathBuf::from("/a"));
        assert_eq!(normalize(Path::new("../a/../../b")), PathBuf::from("../../b"));
    }
}
