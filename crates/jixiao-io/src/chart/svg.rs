//! The SVG every chart is written with: escaping, coordinates, the shared look (fonts,
//! greys, hatching) and estimated text widths for layout.
//!
//! Presentation attributes only, never a `style` attribute or element: the workbench's
//! Content-Security-Policy forbids inline styles. Meaning is never carried by colour
//! alone: bars of a different kind are hatched, and every bar has its figure written
//! beside it, so a black-and-white printout reads the same.

use std::fmt::Write as _;

use unicode_width::UnicodeWidthChar;

use crate::batch::html::escape;

/// Text, axes and outlines.
pub const INK: &str = "#1a1a1a";
/// Notes and axis labels.
pub const MUTED: &str = "#4d4d4d";
/// Grid lines.
pub const GRID: &str = "#d0d0d0";
/// The main data: a dark blue that prints as a mid-dark grey.
pub const BAR: &str = "#4a6d8c";
/// Secondary data (a box, a second series): prints as a light grey.
pub const BAR_LIGHT: &str = "#c3d1de";

/// Sans-serif CJK faces the reader's system has; none is embedded.
const FONT: &str =
    "'Noto Sans CJK SC', 'Source Han Sans SC', 'Microsoft YaHei', 'PingFang SC', 'WenQuanYi Micro Hei', sans-serif";
/// The body text size, in px of the drawing.
pub const SIZE: f64 = 12.0;
/// The width every chart is drawn at (a little under A4's text width at 96 dpi).
pub const WIDTH: f64 = 680.0;

/// How a shape is filled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fill {
    Solid(&'static str),
    /// Diagonal hatching (e.g. 不完整, a changed grade).
    Hatch,
    /// Cross-hatching (e.g. 错误).
    Cross,
}

/// How a text is set.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    pub anchor: Anchor,
    pub size: f64,
    pub bold: bool,
    pub colour: &'static str,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Anchor {
    Start,
    Middle,
    End,
}

impl Style {
    pub const fn new(anchor: Anchor) -> Style {
        Style {
            anchor,
            size: SIZE,
            bold: false,
            colour: INK,
        }
    }

    pub const fn bold(self) -> Style {
        Style { bold: true, ..self }
    }

    pub const fn size(self, size: f64) -> Style {
        Style { size, ..self }
    }

    pub const fn colour(self, colour: &'static str) -> Style {
        Style { colour, ..self }
    }
}

pub const LEFT: Style = Style::new(Anchor::Start);
pub const CENTRE: Style = Style::new(Anchor::Middle);
pub const RIGHT: Style = Style::new(Anchor::End);

/// A coordinate: one decimal at most, so output is short and the same on every machine.
pub fn num(x: f64) -> Num {
    Num(x)
}

/// A coordinate as written ([`num`]): formatted from whole tenths, never through the
/// float formatter (the slow part of drawing a chart per unit).
#[derive(Debug, Clone, Copy)]
pub struct Num(f64);

impl std::fmt::Display for Num {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let tenths = (self.0 * 10.0).round();
        // Beyond any drawing (and NaN): 0.
        let tenths = if tenths.abs() < 1e15 { tenths as i64 } else { 0 };
        if tenths < 0 {
            f.write_str("-")?;
        }
        let a = tenths.unsigned_abs();
        match a % 10 {
            0 => write!(f, "{}", a / 10),
            d => write!(f, "{}.{d}", a / 10),
        }
    }
}

/// The estimated width of `text` at `size` px: a full-width (CJK) character is one em,
/// anything else about 0.6 em (digits and Latin letters of the CJK fonts above).
pub fn text_width(text: &str, size: f64) -> f64 {
    text.chars()
        .map(|c| match c.width() {
            Some(2) => 1.0,
            Some(0) | None => 0.0,
            _ => 0.6,
        })
        .sum::<f64>()
        * size
}

/// `text` cut to fit `width` px at `size`, ending in `…` when cut.
pub fn fit(text: &str, width: f64, size: f64) -> String {
    if text_width(text, size) <= width {
        return text.to_owned();
    }
    let mut out = String::new();
    for c in text.chars() {
        let mut next = out.clone();
        next.push(c);
        next.push('…');
        if text_width(&next, size) > width {
            break;
        }
        out.push(c);
    }
    out.push('…');
    out
}

/// An SVG document being written: its body first, the opening tag (which needs the
/// height the chart turned out to take) in [`Svg::finish`].
pub struct Svg {
    body: String,
    /// Prefix of every id in the document (several charts share one HTML page).
    id: String,
    title: String,
    /// Whether a hatching pattern is used (defined only then: one unit's profile in a
    /// report of 20,000 units is that much shorter).
    patterns: bool,
}

impl Svg {
    pub fn new(id: &str, title: &str) -> Svg {
        Svg {
            body: String::with_capacity(4096),
            id: escape(id),
            title: title.to_owned(),
            patterns: false,
        }
    }

    fn paint(&mut self, fill: Fill) -> String {
        self.patterns |= !matches!(fill, Fill::Solid(_));
        match fill {
            Fill::Solid(colour) => colour.to_owned(),
            Fill::Hatch => format!("url(#{}-hatch)", self.id),
            Fill::Cross => format!("url(#{}-cross)", self.id),
        }
    }

    /// Opens a group whose tooltip (`<title>`) is `tip`: hovering any of its shapes shows it.
    pub fn group(&mut self, tip: &str) {
        let _ = writeln!(self.body, "<g><title>{}</title>", escape(tip));
    }

    pub fn end_group(&mut self) {
        self.body.push_str("</g>\n");
    }

    /// A rectangle with a thin dark outline (so a light fill still shows on paper).
    pub fn rect(&mut self, x: f64, y: f64, w: f64, h: f64, fill: Fill) {
        let paint = self.paint(fill);
        let _ = writeln!(
            self.body,
            "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{paint}\" stroke=\"{INK}\" stroke-width=\"0.8\"/>",
            num(x),
            num(y),
            num(w.max(0.0)),
            num(h.max(0.0)),
        );
    }

    /// A line; `dash` for a reference line (a threshold, a median).
    pub fn line(&mut self, (x1, y1): (f64, f64), (x2, y2): (f64, f64), colour: &str, width: f64, dash: bool) {
        let _ = writeln!(
            self.body,
            "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"{colour}\" stroke-width=\"{}\"{}/>",
            num(x1),
            num(y1),
            num(x2),
            num(y2),
            num(width),
            if dash { " stroke-dasharray=\"4 3\"" } else { "" }
        );
    }

    /// A closed outline through `points` (a marker).
    pub fn polygon(&mut self, points: &[(f64, f64)], fill: &str) {
        let points: Vec<String> = points.iter().map(|(x, y)| format!("{},{}", num(*x), num(*y))).collect();
        let _ = writeln!(
            self.body,
            "<polygon points=\"{}\" fill=\"{fill}\" stroke=\"{INK}\" stroke-width=\"0.8\"/>",
            points.join(" ")
        );
    }

    /// A text whose baseline starts, centres or ends at (x, y).
    pub fn text(&mut self, x: f64, y: f64, text: &str, style: Style) {
        let anchor = match style.anchor {
            Anchor::Start => "",
            Anchor::Middle => " text-anchor=\"middle\"",
            Anchor::End => " text-anchor=\"end\"",
        };
        let size = if style.size == SIZE {
            String::new()
        } else {
            format!(" font-size=\"{}\"", num(style.size))
        };
        let _ = writeln!(
            self.body,
            "<text x=\"{}\" y=\"{}\"{anchor}{size}{}{}>{}</text>",
            num(x),
            num(y),
            if style.bold { " font-weight=\"bold\"" } else { "" },
            if style.colour == INK {
                String::new()
            } else {
                format!(" fill=\"{}\"", style.colour)
            },
            escape(text)
        );
    }

    /// The chart's heading and the note under it (what was counted, what was left out),
    /// wrapped to the width; returns the baseline of the note's last line.
    pub fn heading(&mut self, title: &str, note: &str) -> f64 {
        self.text(0.0, 18.0, title, LEFT.bold().size(15.0));
        let mut y = 38.0;
        for (i, line) in wrap(note, WIDTH, 11.0).iter().enumerate() {
            y = 38.0 + 16.0 * i as f64;
            self.text(0.0, y, line, LEFT.colour(MUTED).size(11.0));
        }
        y
    }

    /// The sample swatch and words of a legend entry; returns the x after it.
    pub fn legend(&mut self, x: f64, y: f64, fill: Fill, words: &str) -> f64 {
        self.rect(x, y - 10.0, 16.0, 11.0, fill);
        self.text(x + 21.0, y, words, LEFT.size(11.0));
        x + 21.0 + text_width(words, 11.0) + 16.0
    }

    /// The whole document, `height` tall: its size, accessible title, hatching patterns,
    /// white background, then the body.
    pub fn finish(self, height: f64) -> String {
        let (id, w, h) = (&self.id, num(WIDTH), num(height));
        let mut out = String::with_capacity(self.body.len() + 1536);
        let _ = write!(
            out,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" id=\"{id}\" viewBox=\"0 0 {w} {h}\" width=\"{w}\" height=\"{h}\" role=\"img\" aria-labelledby=\"{id}-title\" font-family=\"{FONT}\" font-size=\"{s}\">\n<title id=\"{id}-title\">{t}</title>\n",
            s = num(SIZE),
            t = escape(&self.title),
        );
        if self.patterns {
            let _ = write!(
                out,
                "<defs>\n<pattern id=\"{id}-hatch\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\"><rect width=\"6\" height=\"6\" fill=\"#ffffff\"/><line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"{INK}\" stroke-width=\"1.6\"/></pattern>\n<pattern id=\"{id}-cross\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\"><rect width=\"6\" height=\"6\" fill=\"#ffffff\"/><line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"{INK}\" stroke-width=\"1.2\"/><line x1=\"0\" y1=\"0\" x2=\"6\" y2=\"0\" stroke=\"{INK}\" stroke-width=\"1.2\"/></pattern>\n</defs>\n",
            );
        }
        let _ = writeln!(out, "<rect width=\"{w}\" height=\"{h}\" fill=\"#ffffff\"/>");
        out.push_str(&self.body);
        out.push_str("</svg>\n");
        out
    }
}

/// `text` in lines of at most `width` px at `size`, broken after a `；` where it can be
/// and anywhere when a clause alone is too long.
pub fn wrap(text: &str, width: f64, size: f64) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for clause in text.split_inclusive('；') {
        let joined = format!("{line}{clause}");
        if text_width(&joined, size) <= width {
            line = joined;
            continue;
        }
        if !line.is_empty() {
            lines.push(std::mem::take(&mut line));
        }
        for c in clause.chars() {
            line.push(c);
            if text_width(&line, size) > width {
                line.pop();
                lines.push(std::mem::take(&mut line));
                line.push(c);
            }
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coordinates_are_short_and_stable() {
        let n = |x: f64| num(x).to_string();
        assert_eq!(n(0.0), "0");
        assert_eq!(n(-0.04), "0");
        assert_eq!(n(12.0), "12");
        assert_eq!(n(12.345), "12.3");
        assert_eq!(n(0.05), "0.1");
        assert_eq!(n(-0.25), "-0.3");
        assert_eq!(n(-3.96), "-4");
        assert_eq!(n(680.0), "680");
        assert_eq!(n(f64::NAN), "0");
        assert_eq!(n(f64::INFINITY), "0");
    }

    #[test]
    fn text_is_escaped_for_content_and_attributes() {
        assert_eq!(escape("a<b & \"c\" 'd'>"), "a&lt;b &amp; &quot;c&quot; &#39;d&#39;&gt;");
        assert_eq!(escape("x\u{1}y"), "xy");
    }

    #[test]
    fn widths_count_chinese_as_one_em() {
        assert_eq!(text_width("预算执行", 10.0), 40.0);
        assert_eq!(text_width("95%", 10.0), 18.0);
        assert_eq!(fit("岳阳市城市管理综合执法支队", 60.0, 10.0), "岳阳市城市…");
        assert_eq!(fit("预算", 60.0, 10.0), "预算");
    }

    #[test]
    fn notes_wrap_after_a_clause() {
        assert_eq!(wrap("一二三；四五六；七八", 70.0, 10.0), ["一二三；", "四五六；七八"]);
        assert_eq!(wrap("一二三；四五六；七八", 80.0, 10.0), ["一二三；四五六；", "七八"]);
        assert_eq!(
            wrap("一二三；四五六七八九十", 50.0, 10.0),
            ["一二三；", "四五六七八", "九十"]
        );
        assert_eq!(wrap("", 50.0, 10.0), Vec::<String>::new());
    }
}
