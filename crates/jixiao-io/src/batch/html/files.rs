//! A report set: the city summary (`汇总.html`) and one HTML file per unit
//! (`0001-单位名称.html`), written into a folder or a zip archive as the units are
//! evaluated, so a city of any size never becomes one giant page in memory or on disk.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use zip::write::{SimpleFileOptions, StreamWriter};
use zip::{CompressionMethod, ZipWriter};

use crate::batch::input::io_message;
use crate::batch::output::{track_unfinished, untrack_unfinished};

/// The summary's file name in a report set.
pub const SUMMARY_FILE: &str = "汇总.html";

/// Where a report set's files go.
pub trait ReportFiles {
    /// Adds one file (a name without folders).
    fn add(&mut self, name: &str, bytes: &[u8]) -> io::Result<()>;
}

/// A unit's file name: its number and its name, without characters a file system (or
/// Windows) refuses, e.g. `0007-市农业技术推广站.html`.
pub fn unit_file_name(number: usize, unit: &str) -> String {
    const MAX_CHARS: usize = 60;
    let mut name: String = unit
        .chars()
        .map(|c| match c {
            '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|' => '_',
            c if c.is_control() => '_',
            c => c,
        })
        .take(MAX_CHARS)
        .collect();
    // Windows drops trailing dots and spaces; a name of only those would vanish.
    while name.ends_with(['.', ' ']) {
        name.pop();
    }
    let name = name.trim_start_matches('.');
    if name.is_empty() {
        format!("{number:04}.html")
    } else {
        format!("{number:04}-{name}.html")
    }
}

/// A zip archive streamed to any writer (a file, a pipe, an HTTP body).
pub struct ZipFiles<W: Write> {
    zip: ZipWriter<StreamWriter<W>>,
}

impl<W: Write> ZipFiles<W> {
    pub fn new(out: W) -> ZipFiles<W> {
        ZipFiles {
            zip: ZipWriter::new_stream(out),
        }
    }

    /// Writes the archive's directory; the archive is complete only after this.
    pub fn finish(self) -> io::Result<W> {
        let inner = self.zip.finish().map_err(io::Error::other)?;
        Ok(inner.into_inner())
    }
}

impl<W: Write> ReportFiles for ZipFiles<W> {
    fn add(&mut self, name: &str, bytes: &[u8]) -> io::Result<()> {
        let options = SimpleFileOptions::default()
            .compression_method(CompressionMethod::Deflated)
            .large_file(false);
        self.zip.start_file(name, options).map_err(io::Error::other)?;
        self.zip.write_all(bytes)
    }
}

/// A folder of report files. The folder must be new or empty; until [`commit`] the files
/// are unfinished: a failed or interrupted run removes them (and the folder, if the run
/// created it), so it never leaves half a report set.
///
/// [`commit`]: FolderFiles::commit
pub struct FolderFiles {
    path: PathBuf,
    created: bool,
    written: Vec<PathBuf>,
    committed: bool,
}

impl FolderFiles {
    pub fn create(path: &Path) -> Result<FolderFiles, String> {
        let created = match fs::read_dir(path) {
            Ok(mut entries) => {
                if entries.next().is_some() {
                    return Err(format!(
                        "输出目录 {} 已有文件：为免覆盖，请指定一个新的或空的目录（例如 {}）",
                        path.display(),
                        sibling(path, "-新").display()
                    ));
                }
                false
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                fs::create_dir_all(path)
                    .map_err(|e| format!("无法创建输出目录 {}：{}", path.display(), io_message(&e)))?;
                true
            }
            Err(_) if path.is_file() => {
                return Err(format!(
                    "{} 是一个文件，不是目录：要为每个单位写一个报告，请指定一个目录（以 / 结尾）",
                    path.display()
                ));
            }
            Err(e) => {
                return Err(format!("无法打开输出目录 {}：{}", path.display(), io_message(&e)));
            }
        };
        if created {
            track_unfinished(path.to_path_buf());
        }
        Ok(FolderFiles {
            path: path.to_path_buf(),
            created,
            written: Vec::new(),
            committed: false,
        })
    }

    /// The run succeeded: the files stay.
    pub fn commit(mut self) {
        self.committed = true;
        self.forget();
    }

    fn forget(&self) {
        if self.created {
            untrack_unfinished(&self.path);
        }
        for file in &self.written {
            untrack_unfinished(file);
        }
    }
}

impl ReportFiles for FolderFiles {
    fn add(&mut self, name: &str, bytes: &[u8]) -> io::Result<()> {
        let path = self.path.join(name);
        if !self.created {
            track_unfinished(path.clone());
        }
        self.written.push(path.clone());
        fs::write(&path, bytes)
    }
}

impl Drop for FolderFiles {
    fn drop(&mut self) {
        if self.committed {
            return;
        }
        self.forget();
        if self.created {
            let _ = fs::remove_dir_all(&self.path);
        } else {
            for file in &self.written {
                let _ = fs::remove_file(file);
            }
        }
    }
}

/// `报告` → `报告-新`, beside it.
fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!("{name}{suffix}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unit_file_names_are_safe_on_every_file_system() {
        assert_eq!(unit_file_name(7, "市农业技术推广站"), "0007-市农业技术推广站.html");
        assert_eq!(
            unit_file_name(12, "a/b\\c:d*e?f\"g<h>i|j"),
            "0012-a_b_c_d_e_f_g_h_i_j.html"
        );
        assert_eq!(unit_file_name(3, "../.."), "0003-_.html");
        assert_eq!(unit_file_name(4, "..."), "0004.html");
        assert_eq!(unit_file_name(5, "单位 ."), "0005-单位.html");
        assert_eq!(unit_file_name(6, ""), "0006.html");
        assert!(unit_file_name(8, &"很长".repeat(100)).chars().count() < 80);
    }

    #[test]
    fn a_zip_holds_every_file_added() {
        let mut files = ZipFiles::new(Vec::new());
        files.add("汇总.html", b"<p>s</p>").unwrap();
        files.add("0001-甲.html", b"<p>1</p>").unwrap();
        let bytes = files.finish().unwrap();
        let mut archive = zip::ZipArchive::new(io::Cursor::new(bytes)).unwrap();
        let names: Vec<String> = archive.file_names().map(str::to_owned).collect();
        assert_eq!(names.len(), 2);
        assert!(names.contains(&"汇总.html".to_owned()));
        let mut text = String::new();
        io::Read::read_to_string(&mut archive.by_name("0001-甲.html").unwrap(), &mut text).unwrap();
        assert_eq!(text, "<p>1</p>");
    }

    #[test]
    fn a_folder_that_is_not_committed_is_removed() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("报告");
        let mut files = FolderFiles::create(&target).unwrap();
        files.add("汇总.html", b"x").unwrap();
        assert!(target.join("汇总.html").exists());
        drop(files);
        assert!(!target.exists(), "a failed run leaves no folder");
        let mut files = FolderFiles::create(&target).unwrap();
        files.add("汇总.html", b"x").unwrap();
        files.commit();
        assert!(target.join("汇总.html").exists());
        let again = FolderFiles::create(&target).err().unwrap();
        assert!(again.contains("已有文件"), "{again}");
    }
}
