//! `file://` URIs ↔ paths (percent-encoded UTF-8: Chinese file names are common).

use std::path::{Path, PathBuf};
use std::str::FromStr;

use lsp_types::Uri;

/// The path of a `file:` URI; `None` for other schemes (an unsaved buffer).
pub fn to_path(uri: &Uri) -> Option<PathBuf> {
    let rest = uri.as_str().strip_prefix("file://")?;
    // `file:///path` or `file://localhost/path`.
    let path = &rest[rest.find('/')?..];
    let bytes = path.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Some(b) = path.get(i + 1..i + 3).and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    let decoded = String::from_utf8(out).ok()?;
    // `file:///C:/x` on Windows.
    let decoded = match decoded.as_bytes() {
        [b'/', drive, b':', ..] if drive.is_ascii_alphabetic() && cfg!(windows) => decoded[1..].to_owned(),
        _ => decoded,
    };
    Some(PathBuf::from(decoded))
}

/// A `file:` URI for an absolute path.
pub fn from_path(path: &Path) -> Uri {
    let text = path.to_string_lossy().replace('\\', "/");
    let mut out = String::from("file://");
    if !text.starts_with('/') {
        out.push('/');
    }
    for b in text.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' | b':' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    Uri::from_str(&out).expect("a percent-encoded file URI parses")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_paths_round_trip() {
        let path = Path::new("/规则/岳阳 2021.jx");
        let uri = from_path(path);
        assert_eq!(uri.as_str(), "file:///%E8%A7%84%E5%88%99/%E5%B2%B3%E9%98%B3%202021.jx");
        assert_eq!(to_path(&uri).unwrap(), path);
        assert!(to_path(&Uri::from_str("untitled:Untitled-1").unwrap()).is_none());
    }
}
