//! Just enough Markdown for the documentation tests: fenced code blocks, the `<!-- 测试 … -->`
//! markers right above them, and code spans.

use std::path::Path;

/// One documentation file.
pub struct Doc {
    /// Relative to the repository root, as failures name it.
    pub path: String,
    pub text: String,
}

impl Doc {
    pub fn lines(&self) -> Vec<&str> {
        self.text.lines().collect()
    }

    /// `path:line` for messages.
    pub fn at(&self, line: usize) -> String {
        format!("{}:{line}", self.path)
    }
}

/// README.md and docs/*.md.
pub fn all() -> Vec<Doc> {
    let root = crate::root();
    let mut paths = vec!["README.md".to_owned()];
    let mut docs: Vec<String> = std::fs::read_dir(root.join("docs"))
        .expect("docs/")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".md"))
        .map(|n| format!("docs/{n}"))
        .collect();
    docs.sort();
    paths.extend(docs);
    paths
        .into_iter()
        .map(|path| Doc {
            text: crate::read(&root.join(&path)),
            path,
        })
        .collect()
}

/// A fenced code block.
pub struct Block {
    /// 1-based line of the opening fence.
    pub line: usize,
    pub lang: String,
    /// The lines between the fences, without the fence's indentation.
    pub body: Vec<String>,
    /// The markers on the lines right above the fence (blank lines may separate them).
    pub markers: Vec<Marker>,
}

impl Block {
    pub fn text(&self) -> String {
        self.body.iter().map(|l| format!("{l}\n")).collect()
    }

    /// The markers whose first word is `kind`.
    pub fn marked<'a>(&'a self, kind: &'a str) -> impl Iterator<Item = &'a Marker> + 'a {
        self.markers.iter().filter(move |m| m.kind() == kind)
    }
}

/// `<!-- 测试 word word … -->`: words split at spaces, `"…"` keeps spaces (and may be empty),
/// `\"` is a quote and `\n` a line break inside one.
#[derive(Clone, Debug)]
pub struct Marker {
    pub line: usize,
    pub words: Vec<String>,
}

impl Marker {
    pub fn kind(&self) -> &str {
        self.words.first().map_or("", String::as_str)
    }
}

/// The marker on a line, if it is one.
pub fn marker(line: &str, number: usize) -> Option<Marker> {
    let body = line.trim().strip_prefix("<!-- 测试 ")?.strip_suffix("-->")?;
    Some(Marker {
        line: number,
        words: split_words(body),
    })
}

pub fn split_words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let (mut quoted, mut started) = (false, false);
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' if quoted => match chars.next() {
                Some('n') => word.push('\n'),
                other => word.extend(other),
            },
            '"' => {
                quoted = !quoted;
                started = true;
            }
            c if c.is_whitespace() && !quoted => {
                if started || !word.is_empty() {
                    out.push(std::mem::take(&mut word));
                }
                started = false;
            }
            c => word.push(c),
        }
    }
    if started || !word.is_empty() {
        out.push(word);
    }
    out
}

/// Every fenced block of a document, with its markers.
pub fn blocks(doc: &Doc) -> Vec<Block> {
    let lines = doc.lines();
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let Some((indent, ticks, lang)) = fence(lines[i]) else {
            i += 1;
            continue;
        };
        let start = i;
        let end = (i + 1..lines.len())
            .find(|&j| fence(lines[j]).is_some_and(|(_, t, l)| t >= ticks && l.is_empty()))
            .unwrap_or_else(|| panic!("{}: unclosed code block", doc.at(start + 1)));
        let body = lines[start + 1..end]
            .iter()
            .map(|l| {
                l.get(indent..)
                    .filter(|_| l.starts_with(&" ".repeat(indent)))
                    .unwrap_or(l.trim_start())
            })
            .map(str::to_owned)
            .collect();
        let mut markers = Vec::new();
        let mut j = start;
        while j > 0 {
            let above = lines[j - 1];
            if let Some(m) = marker(above, j) {
                markers.push(m);
            } else if !above.trim().is_empty() {
                break;
            }
            j -= 1;
        }
        markers.reverse();
        out.push(Block {
            line: start + 1,
            lang: lang.to_owned(),
            body,
            markers,
        });
        i = end + 1;
    }
    out
}

/// A fence line: (indentation, number of backticks, language).
fn fence(line: &str) -> Option<(usize, usize, &str)> {
    let trimmed = line.trim_start();
    let indent = line.len() - trimmed.len();
    let ticks = trimmed.chars().take_while(|&c| c == '`').count();
    (ticks >= 3).then(|| (indent, ticks, trimmed[ticks..].trim()))
}

/// The code spans of a line of Markdown (`` `a` ``, ``` `` a `b` `` ```), in order.
pub fn code_spans(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let bytes = line.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'`' {
            i += 1;
            continue;
        }
        let n = bytes[i..].iter().take_while(|&&b| b == b'`').count();
        let open = i + n;
        let close = (open..bytes.len()).find(|&j| {
            bytes[j] == b'`'
                && bytes[j..].iter().take_while(|&&b| b == b'`').count() == n
                && (j == 0 || bytes[j - 1] != b'`')
        });
        let Some(close) = close else {
            i = open;
            continue;
        };
        let inner = &line[open..close];
        let inner = match inner.strip_prefix(' ').and_then(|s| s.strip_suffix(' ')) {
            Some(s) if !s.trim().is_empty() => s,
            _ => inner,
        };
        out.push(inner.trim_end().to_owned());
        i = close + n;
    }
    out
}

/// Whether `path` exists relative to the repository root.
pub fn exists(path: &str) -> bool {
    Path::new(&crate::root()).join(path).exists()
}
