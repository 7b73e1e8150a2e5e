//! Where each part of a merged rule text was written, so that a diagnostic about the
//! merged rules points to the file and line its author wrote (the file itself, or a file
//! of its `基于` chain) instead of a line of the merged text.
//!
//! Merging copies whole items and indicator headers from the two files and writes a
//! little text of its own (`栏目` wrappers, a header rewritten by `调整`, closing braces);
//! formatting the result then changes only whitespace. So places are counted in *solid*
//! characters (everything but whitespace and the BOM), which formatting keeps one for one
//! and in order: the merge records, for each run of solid characters it writes, the file
//! and solid character it copied them from, or the span it wrote them in place of.

use std::sync::{Arc, OnceLock};

use crate::source::{SourceFile, Span};

/// A character formatting keeps: the merged text and the authors' files agree on these.
fn solid(c: char) -> bool {
    !c.is_whitespace() && c != '\u{FEFF}'
}

fn solid_count(text: &str) -> usize {
    text.chars().filter(|c| solid(*c)).count()
}

/// The byte offsets of a text's solid characters, built on first use (only a diagnostic
/// needs them).
#[derive(Debug, Default)]
struct SolidIndex(OnceLock<Vec<usize>>);

impl SolidIndex {
    fn get(&self, text: &str) -> &[usize] {
        self.0
            .get_or_init(|| text.char_indices().filter(|(_, c)| solid(*c)).map(|(i, _)| i).collect())
    }
}

#[derive(Debug, Clone, Copy)]
enum Origin {
    /// The same solid characters as `files[file]`'s, from its `solid`-th on.
    Copy { file: usize, solid: usize },
    /// Text the merge wrote in place of `span` of `files[file]` (a `调整`ed header's
    /// level word, a closing `}`): any place in it is that span.
    Stand { file: usize, span: Span },
}

impl Origin {
    fn shifted(self, files: usize, solid: usize) -> Origin {
        match self {
            Origin::Copy { file, solid: s } => Origin::Copy {
                file: file + files,
                solid: s + solid,
            },
            Origin::Stand { file, span } => Origin::Stand {
                file: file + files,
                span,
            },
        }
    }
}

/// A run of the merged text's solid characters, from solid character `start` up to the
/// next piece's.
#[derive(Debug, Clone, Copy)]
struct Piece {
    start: usize,
    origin: Origin,
}

/// The map from a merged rule text back to the files its authors wrote
/// ([`SourceFile::locate`]).
#[derive(Debug)]
pub struct Origins {
    /// The file that is `基于` another (first), then the files of its chain, as read.
    files: Vec<SourceFile>,
    indexes: Vec<SolidIndex>,
    merged_index: SolidIndex,
    pieces: Vec<Piece>,
}

/// A place in one of the files a rule text was merged from.
#[derive(Debug, Clone)]
pub struct Located {
    /// The file as its author wrote it.
    pub source: SourceFile,
    /// The place in it.
    pub span: Span,
    /// Whether it is in a file the rule file is `基于` (not in the rule file itself).
    pub in_base: bool,
}

impl Located {
    /// 1-based line and column of the place's start.
    pub fn line_col(&self) -> (usize, usize) {
        self.source.line_col(self.span.start)
    }

    /// The base file's name when the place is in a file the rule file is `基于`.
    pub fn base_name(&self) -> Option<String> {
        self.in_base.then(|| self.source.name.clone())
    }
}

impl Origins {
    /// A plain file: every character is its own.
    fn identity(source: &SourceFile) -> Origins {
        Origins {
            files: vec![SourceFile::new(source.name.clone(), &source.text)],
            indexes: vec![SolidIndex::default()],
            merged_index: SolidIndex::default(),
            pieces: vec![Piece {
                start: 0,
                origin: Origin::Copy { file: 0, solid: 0 },
            }],
        }
    }

    /// Where `span` of the merged text `merged` was written.
    pub(crate) fn locate(&self, merged: &str, span: Span) -> Located {
        let (file, span) = self.place(merged, span);
        Located {
            source: self.files[file].clone(),
            span,
            in_base: file > 0,
        }
    }

    fn piece_at(&self, k: usize) -> usize {
        self.pieces.partition_point(|p| p.start <= k).saturating_sub(1)
    }

    /// The byte offset in its file of the merged text's solid character `k`, with the
    /// character's length, when it was copied (not written in place of something).
    fn copied(&self, k: usize) -> Option<(usize, usize, usize)> {
        let piece = self.pieces.get(self.piece_at(k))?;
        let Origin::Copy { file, solid } = piece.origin else {
            return None;
        };
        let text = &self.files[file].text;
        let at = *self.indexes[file].get(text).get(solid + (k - piece.start))?;
        let len = text[at..].chars().next().map_or(0, char::len_utf8);
        Some((file, at, len))
    }

    fn place(&self, merged: &str, span: Span) -> (usize, Span) {
        let index = self.merged_index.get(merged);
        if self.pieces.is_empty() || index.is_empty() {
            return (0, Span::default());
        }
        // The first solid character at or after the start; at the very end, the last one.
        let first = index.partition_point(|&o| o < span.start);
        let (first, past_end) = match first < index.len() {
            true => (first, false),
            false => (index.len() - 1, true),
        };
        let piece = &self.pieces[self.piece_at(first)];
        let (file, start, len) = match piece.origin {
            Origin::Stand { file, span } => return (file, span),
            Origin::Copy { file, .. } => match self.copied(first) {
                Some(found) => found,
                None => return (file, Span::default()),
            },
        };
        if past_end {
            return (file, Span::new(start + len, start + len));
        }
        // The last solid character before the end, if the span has any.
        let last = index.partition_point(|&o| o < span.end);
        if span.end <= span.start || last <= first {
            return (file, Span::new(start, start));
        }
        let end = match self.copied(last - 1) {
            Some((f, at, len)) if f == file && at >= start => at + len,
            // The span runs into text from elsewhere: keep the part in this file.
            _ => {
                let next = self
                    .pieces
                    .get(self.piece_at(first) + 1)
                    .map_or(index.len(), |p| p.start);
                self.copied(next.min(last) - 1)
                    .filter(|(f, at, _)| *f == file && *at >= start)
                    .map_or(start + len, |(_, at, len)| at + len)
            }
        };
        (file, Span::new(start, end))
    }
}

/// Which of the two files being merged a span is in.
#[derive(Debug, Clone, Copy)]
pub(super) enum Side {
    Child,
    Parent,
}

/// Writes a merged text and records where each part of it came from.
pub(super) struct Builder<'a> {
    out: String,
    solid: usize,
    pieces: Vec<Piece>,
    child: &'a SourceFile,
    child_index: SolidIndex,
    parent: &'a SourceFile,
    parent_origins: Arc<Origins>,
    /// Where text the merge makes up is said to be: the child's `基于 "…"`.
    made_at: Span,
}

impl<'a> Builder<'a> {
    pub(super) fn new(child: &'a SourceFile, parent: &'a SourceFile, made_at: Span) -> Builder<'a> {
        let parent_origins = parent
            .origins()
            .cloned()
            .unwrap_or_else(|| Arc::new(Origins::identity(parent)));
        Builder {
            out: String::new(),
            solid: 0,
            pieces: Vec::new(),
            child,
            child_index: SolidIndex::default(),
            parent,
            parent_origins,
            made_at,
        }
    }

    fn push(&mut self, text: &str, origin: Origin) {
        let n = solid_count(text);
        if n > 0 {
            self.pieces.push(Piece {
                start: self.solid,
                origin,
            });
            self.solid += n;
        }
        self.out.push_str(text);
    }

    /// Copies `span` of one file, without trailing whitespace.
    pub(super) fn copy(&mut self, side: Side, span: Span) {
        let source = match side {
            Side::Child => self.child,
            Side::Parent => self.parent,
        };
        let text = source.slice(span).trim_end();
        let solid_at = |index: &SolidIndex| index.get(&source.text).partition_point(|&o| o < span.start);
        match side {
            Side::Child => {
                let solid = solid_at(&self.child_index);
                self.push(text, Origin::Copy { file: 0, solid });
            }
            Side::Parent => {
                // The parent's text may itself be merged: split the copy where the
                // parent's own pieces begin, each keeping its origin.
                let parent = Arc::clone(&self.parent_origins);
                let from = solid_at(&parent.merged_index);
                let to = from + solid_count(text);
                let files = 1;
                let mut i = parent.piece_at(from);
                while let Some(piece) = parent.pieces.get(i).filter(|p| p.start < to) {
                    let start = piece.start.max(from);
                    self.pieces.push(Piece {
                        start: self.solid + (start - from),
                        origin: piece.origin.shifted(files, start - piece.start),
                    });
                    i += 1;
                }
                self.solid += to - from;
                self.out.push_str(text);
            }
        }
    }

    /// Writes `text` in place of `span` of one file.
    pub(super) fn stand_in(&mut self, text: &str, side: Side, span: Span) {
        let origin = match side {
            Side::Child => Origin::Stand { file: 0, span },
            Side::Parent => {
                let (file, span) = self.parent_origins.place(&self.parent.text, span);
                Origin::Stand { file: file + 1, span }
            }
        };
        self.push(text, origin);
    }

    /// Writes text of the merge's own (a `栏目` wrapper, a header comment, line breaks).
    pub(super) fn made(&mut self, text: &str) {
        let origin = Origin::Stand {
            file: 0,
            span: self.made_at,
        };
        self.push(text, origin);
    }

    /// The merged text and its origins (which stay right however the text is formatted).
    pub(super) fn finish(self) -> (String, Origins) {
        let mut files = vec![SourceFile::new(self.child.name.clone(), &self.child.text)];
        files.extend(self.parent_origins.files.iter().cloned());
        let indexes = files.iter().map(|_| SolidIndex::default()).collect();
        (
            self.out,
            Origins {
                files,
                indexes,
                merged_index: SolidIndex::default(),
                pieces: self.pieces,
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str, needle: &str) -> Span {
        let start = text.find(needle).unwrap();
        Span::new(start, start + needle.len())
    }

    #[test]
    fn copies_map_back_across_formatting_and_a_chain() {
        let grand = SourceFile::new("g.jx", "标题 \"g\"\n计算 甲 = 1 +   2\n");
        let parent = SourceFile::new("p.jx", "基于 \"g.jx\"\n计算 乙 = 甲\n");
        // p merged with g: g's 标题 and 甲, then p's 乙.
        let mut b = Builder::new(&parent, &grand, Span::new(0, 11));
        b.copy(Side::Parent, at(&grand.text, "标题 \"g\""));
        b.made("\n");
        b.copy(Side::Parent, at(&grand.text, "计算 甲 = 1 +   2"));
        b.made("\n");
        b.copy(Side::Child, at(&parent.text, "计算 乙 = 甲"));
        let (text, origins) = b.finish();
        let merged_parent = SourceFile::new("p.jx（合并）", &text.replace("+   2", "+ 2")).with_origins(origins);
        // c merged with that: a stand-in `}` for nothing in particular, then a copy.
        let child = SourceFile::new("c.jx", "基于 \"p.jx\"\n计算 丙 = 乙\n");
        let mut b = Builder::new(&child, &merged_parent, Span::new(0, 11));
        b.copy(Side::Parent, Span::new(0, merged_parent.text.len()));
        b.made("\n");
        b.copy(Side::Child, at(&child.text, "计算 丙 = 乙"));
        let (text, origins) = b.finish();
        let merged = SourceFile::new("c.jx（合并）", &text).with_origins(origins);

        let two = merged.locate(at(&merged.text, "2"));
        assert_eq!((two.source.name.as_str(), two.source.slice(two.span)), ("g.jx", "2"));
        assert!(two.in_base);
        let expr = merged.locate(at(&merged.text, "1 + 2"));
        assert_eq!(expr.source.slice(expr.span), "1 +   2");
        let yi = merged.locate(at(&merged.text, "计算 乙"));
        assert_eq!((yi.source.name.as_str(), yi.line_col()), ("p.jx", (2, 1)));
        let bing = merged.locate(at(&merged.text, "丙"));
        assert_eq!((bing.source.name.as_str(), bing.line_col()), ("c.jx", (2, 4)));
        assert!(!bing.in_base);
    }

    #[test]
    fn a_stand_in_maps_to_the_span_it_replaces() {
        let parent = SourceFile::new("p.jx", "三级 甲 分值 3 {\n}\n");
        let child = SourceFile::new("c.jx", "基于 \"p.jx\"\n调整 三级 甲 分值 5\n");
        let mut b = Builder::new(&child, &parent, Span::new(0, 11));
        b.stand_in("三级", Side::Parent, at(&parent.text, "三级"));
        b.made(" ");
        b.stand_in("甲", Side::Child, at(&child.text, "甲"));
        b.made(" ");
        b.stand_in("分值", Side::Child, at(&child.text, "甲 分值 5"));
        b.made(" ");
        b.copy(Side::Child, at(&child.text, "5"));
        let (text, origins) = b.finish();
        let merged = SourceFile::new("m", &text).with_origins(origins);
        assert_eq!(merged.text.as_ref(), "三级 甲 分值 5");
        let five = merged.locate(at(&merged.text, "5"));
        assert_eq!((five.source.name.as_str(), five.line_col()), ("c.jx", (2, 12)));
        let level = merged.locate(at(&merged.text, "三级"));
        assert_eq!(
            (level.source.name.as_str(), level.source.slice(level.span)),
            ("p.jx", "三级")
        );
        // A span over the whole header starts at the level word, in the parent.
        let whole = merged.locate(Span::new(0, merged.text.len()));
        assert_eq!(whole.source.name, "p.jx");
    }
}
