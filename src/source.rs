//! Source text and byte spans: every diagnostic points into a [`SourceFile`].

use std::sync::{Arc, OnceLock};

use crate::inherit::origins::{Located, Origins};

/// One rule file (or data file) as read: its display name and its whole text.
#[derive(Debug, Clone)]
pub struct SourceFile {
    pub name: String,
    pub text: Arc<str>,
    /// Byte offsets where lines start, built on first use: [`SourceFile::line_col`] is a
    /// binary search, so a file with 100,000 diagnostics is not quadratic.
    line_starts: Arc<OnceLock<Vec<usize>>>,
    /// For a text merged from a `基于` chain: where each part of it was written.
    origins: Option<Arc<Origins>>,
}

impl SourceFile {
    /// Normalises `\r\n` to `\n` so spans and snapshots do not depend on the platform.
    pub fn new(name: impl Into<String>, text: &str) -> Self {
        let text = if text.contains('\r') {
            text.replace("\r\n", "\n")
        } else {
            text.to_owned()
        };
        SourceFile {
            name: name.into(),
            text: Arc::from(text),
            line_starts: Arc::default(),
            origins: None,
        }
    }

    /// This text with the map back to the files it was merged from.
    pub(crate) fn with_origins(mut self, origins: Origins) -> Self {
        self.origins = Some(Arc::new(origins));
        self
    }

    pub(crate) fn origins(&self) -> Option<&Arc<Origins>> {
        self.origins.as_ref()
    }

    /// Where `span` was written: in this file, or, for a text merged from a `基于` chain,
    /// in the file (and at the place) its author wrote it. Diagnostics and every line a
    /// user is told go through this; `jixiao show` prints the merged text itself.
    pub fn locate(&self, span: Span) -> Located {
        match &self.origins {
            Some(origins) => origins.locate(&self.text, span),
            None => Located {
                source: self.clone(),
                span,
                in_base: false,
            },
        }
    }

    pub fn slice(&self, span: Span) -> &str {
        self.text.get(span.start..span.end).unwrap_or("")
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let starts = self.line_starts.get_or_init(|| {
            std::iter::once(0)
                .chain(self.text.match_indices('\n').map(|(i, _)| i + 1))
                .collect()
        });
        // The last line start at or before `offset`.
        let line = starts.partition_point(|&s| s <= offset).max(1);
        let start = starts[line - 1];
        let col = self.text.get(start..offset).map_or(0, |l| l.chars().count()) + 1;
        (line, col)
    }

    pub fn named_source(&self) -> miette::NamedSource<Arc<str>> {
        miette::NamedSource::new(self.name.clone(), self.text.clone())
    }
}

/// Byte offsets `[start, end)` into a [`SourceFile`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Self {
        Span { start, end }
    }

    pub fn to(self, other: Span) -> Span {
        Span::new(self.start.min(other.start), self.end.max(other.end))
    }
}

impl From<Span> for miette::SourceSpan {
    fn from(span: Span) -> Self {
        (span.start, span.end.saturating_sub(span.start)).into()
    }
}

/// A leaf value with the place it was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spanned<T> {
    pub node: T,
    pub span: Span,
}

impl<T> Spanned<T> {
    pub fn new(node: T, span: Span) -> Self {
        Spanned { node, span }
    }
}
