//! Paragraphs for classic posts, as WordPress's `wpautop` makes them at display time: the
//! classic editor stores paragraphs as text separated by blank lines, without `<p>`.
//!
//! This is not a port of `wpautop`'s regular expressions: it walks the tokens, keeps a
//! stack of open block elements, and decides for each run of text what its container
//! wants — paragraphs (the top level, `<blockquote>`, `<div>`), line breaks (inside `<p>`,
//! `<li>`, headings, cells, captions) or nothing (lists, tables, `<pre>`, scripts).

use super::html::{Lexer, Token};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Text-level: stays inside the paragraph around it.
    Inline,
    /// Holds paragraphs.
    Container,
    /// Holds one run of text: newlines become `<br>`.
    TextBlock,
    /// Holds other blocks; its own whitespace is left alone.
    Structural,
    /// Its content is copied untouched (preformatted text, code, media).
    Verbatim,
}

fn kind(name: &str) -> Kind {
    const CONTAINERS: &[&str] = &[
        "blockquote",
        "div",
        "section",
        "article",
        "aside",
        "header",
        "footer",
        "main",
        "nav",
        "details",
        "center",
    ];
    const TEXT_BLOCKS: &[&str] = &[
        "p",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "li",
        "dt",
        "dd",
        "td",
        "th",
        "figcaption",
        "caption",
        "address",
        "summary",
        "legend",
    ];
    const STRUCTURAL: &[&str] = &[
        "ul", "ol", "dl", "table", "thead", "tbody", "tfoot", "tr", "colgroup", "col", "figure",
        "hr", "form", "fieldset", "map", "area", "menu", "hgroup", "embed",
    ];
    const VERBATIM: &[&str] = &[
        "pre", "script", "style", "textarea", "svg", "math", "iframe", "object", "video", "audio",
        "noscript", "canvas", "select",
    ];
    let is = |list: &[&str]| list.iter().any(|known| name.eq_ignore_ascii_case(known));
    if is(CONTAINERS) {
        Kind::Container
    } else if is(TEXT_BLOCKS) {
        Kind::TextBlock
    } else if is(STRUCTURAL) {
        Kind::Structural
    } else if is(VERBATIM) {
        Kind::Verbatim
    } else {
        Kind::Inline
    }
}

fn is_void(name: &str) -> bool {
    [
        "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr", "param",
    ]
    .iter()
    .any(|void| name.eq_ignore_ascii_case(void))
}

/// What a run of text between two block tags becomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Context {
    Paragraphs,
    /// Inside an explicit `<p>`: a blank line still starts a new paragraph.
    InsideParagraph,
    LineBreaks,
    AsIs,
}

fn context(open: &[&str]) -> Context {
    let Some(name) = open.last() else {
        return Context::Paragraphs;
    };
    match kind(name) {
        Kind::Container => Context::Paragraphs,
        Kind::TextBlock if name.eq_ignore_ascii_case("p") => Context::InsideParagraph,
        Kind::TextBlock => Context::LineBreaks,
        _ => Context::AsIs,
    }
}

/// Wraps the paragraphs of classic content in `<p>` and turns single newlines inside them
/// into `<br>`. Block elements are never wrapped, so mixed content (some paragraphs already
/// in `<p>`, some bare) comes out with every paragraph wrapped once.
pub(crate) fn autop(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    let mut open: Vec<&str> = Vec::new();
    let mut inline = String::new();
    let mut lexer = Lexer::new(text);
    while let Some(token) = lexer.next() {
        let tag = match token {
            Token::Text(text) | Token::Comment(text) => {
                inline.push_str(text);
                continue;
            }
            Token::Tag(tag) => tag,
        };
        let kind = kind(tag.name);
        if kind == Kind::Inline {
            inline.push_str(tag.raw);
            continue;
        }
        flush(&mut out, &mut inline, context(&open));
        if tag.closing {
            out.push_str(tag.raw);
            close(&mut open, tag.name);
            continue;
        }
        close_implied(&mut open, tag.name);
        out.push_str(tag.raw);
        if tag.self_closing || is_void(tag.name) {
            continue;
        }
        if kind == Kind::Verbatim {
            out.push_str(lexer.take_raw(tag.name));
        } else {
            open.push(tag.name);
        }
    }
    flush(&mut out, &mut inline, context(&open));
    out
}

fn close(open: &mut Vec<&str>, name: &str) {
    if let Some(index) = open.iter().rposition(|o| o.eq_ignore_ascii_case(name)) {
        open.truncate(index);
    }
}

/// HTML closes some elements without a closing tag: a `<p>` when a block starts, a
/// `<li>` when the next one starts, a cell when the next cell or row starts.
fn close_implied(open: &mut Vec<&str>, name: &str) {
    let top_is = |open: &[&str], names: &[&str]| {
        open.last()
            .is_some_and(|top| names.iter().any(|n| top.eq_ignore_ascii_case(n)))
    };
    if top_is(open, &["p"]) {
        open.pop();
    }
    let siblings: &[&str] = match name.to_ascii_lowercase().as_str() {
        "li" => &["li"],
        "dt" | "dd" => &["dt", "dd"],
        "td" | "th" => &["td", "th"],
        "tr" => &["td", "th", "tr"],
        _ => &[],
    };
    while top_is(open, siblings) {
        open.pop();
    }
}

fn flush(out: &mut String, inline: &mut String, context: Context) {
    if inline.is_empty() {
        return;
    }
    match context {
        Context::AsIs => out.push_str(inline),
        Context::Paragraphs => paragraphs(out, inline),
        Context::LineBreaks => {
            let (lead, middle, trail) = split_blank_ends(inline);
            out.push_str(lead);
            out.push_str(&line_breaks(middle));
            out.push_str(trail);
        }
        Context::InsideParagraph => {
            let (lead, middle, trail) = split_blank_ends(inline);
            out.push_str(lead);
            let pieces: Vec<String> = blank_line_pieces(middle)
                .into_iter()
                .map(|piece| line_breaks(trim_blank(piece)))
                .collect();
            out.push_str(&pieces.join("</p>\n<p>"));
            out.push_str(trail);
        }
    }
    inline.clear();
}

/// Each blank-line-separated piece in `<p>`, except pieces that are only comments.
fn paragraphs(out: &mut String, text: &str) {
    let pieces = blank_line_pieces(text);
    if pieces.is_empty() {
        if text.contains('\n') {
            newline(out);
        }
        return;
    }
    for piece in pieces {
        let piece = trim_blank(piece);
        newline(out);
        if only_comments(piece) {
            out.push_str(piece);
        } else {
            out.push_str("<p>");
            out.push_str(&line_breaks(piece));
            out.push_str("</p>");
        }
        out.push('\n');
    }
}

fn newline(out: &mut String) {
    if !out.is_empty() && !out.ends_with('\n') {
        out.push('\n');
    }
}

fn is_blank(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n')
}

fn trim_blank(text: &str) -> &str {
    text.trim_matches(is_blank)
}

fn split_blank_ends(text: &str) -> (&str, &str, &str) {
    let start = text.len() - text.trim_start_matches(is_blank).len();
    let end = text.trim_end_matches(is_blank).len().max(start);
    (&text[..start], &text[start..end], &text[end..])
}

/// The non-blank pieces of `text` between blank lines.
fn blank_line_pieces(text: &str) -> Vec<&str> {
    let mut pieces = Vec::new();
    let mut start = 0;
    let mut pos = 0;
    for line in text.split_inclusive('\n') {
        if line.trim_matches(is_blank).is_empty() {
            if pos > start {
                pieces.push(&text[start..pos]);
            }
            start = pos + line.len();
        }
        pos += line.len();
    }
    if start < text.len() {
        pieces.push(&text[start..]);
    }
    pieces
        .into_iter()
        .filter(|piece| !trim_blank(piece).is_empty())
        .collect()
}

fn only_comments(text: &str) -> bool {
    Lexer::new(text).all(|token| match token {
        Token::Comment(_) => true,
        Token::Text(text) => text.trim().is_empty(),
        Token::Tag(_) => false,
    })
}

/// Single newlines become `<br>` unless a `<br>` is already there.
fn line_breaks(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    let mut previous: Option<&str> = None;
    for line in text.split('\n') {
        if let Some(previous) = previous {
            let has_break = ends_with_break(previous.trim_end())
                || line
                    .trim_start()
                    .get(..3)
                    .is_some_and(|s| s.eq_ignore_ascii_case("<br"));
            out.push_str(if has_break { "\n" } else { "<br>\n" });
        }
        out.push_str(line);
        previous = Some(line);
    }
    out
}

fn ends_with_break(text: &str) -> bool {
    let lower = text
        .get(text.len().saturating_sub(6)..)
        .unwrap_or(text)
        .to_ascii_lowercase();
    lower.ends_with("<br>") || lower.ends_with("<br/>") || lower.ends_with("<br />")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_plain_paragraphs() {
        assert_eq!(autop("one\n\ntwo"), "<p>one</p>\n<p>two</p>\n");
        assert_eq!(
            autop("\n\n  one  \n\n\n\ntwo\n"),
            "<p>one</p>\n<p>two</p>\n"
        );
    }

    #[test]
    fn single_newlines_become_breaks() {
        assert_eq!(autop("a\nb\n\nc"), "<p>a<br>\nb</p>\n<p>c</p>\n");
        assert_eq!(autop("a<br />\nb"), "<p>a<br />\nb</p>\n");
    }

    #[test]
    fn blocks_are_not_wrapped() {
        assert_eq!(
            autop("intro:\n\n<h3>Title</h3>\ntext after\n\n<h3>Next</h3>\nmore"),
            "<p>intro:</p>\n<h3>Title</h3>\n<p>text after</p>\n<h3>Next</h3>\n<p>more</p>\n"
        );
        let list = "<ul>\n<li>a</li>\n<li>b</li>\n</ul>";
        assert_eq!(autop(list), list);
        let figure = "<figure><img src=\"a.jpg\"><figcaption>c</figcaption></figure>";
        assert_eq!(autop(figure), figure);
    }

    #[test]
    fn mixed_posts_wrap_only_the_bare_paragraphs() {
        assert_eq!(
            autop("<p>already</p>\n\nbare one\n\n<p>again</p>\nbare two"),
            "<p>already</p>\n<p>bare one</p>\n<p>again</p>\n<p>bare two</p>\n"
        );
    }

    #[test]
    fn inline_markup_stays_in_its_paragraph() {
        assert_eq!(
            autop("<img src=\"a.jpg\">text <strong>bold</strong>\nline"),
            "<p><img src=\"a.jpg\">text <strong>bold</strong><br>\nline</p>\n"
        );
        assert_eq!(
            autop("see <a href=\"x\">this</a>.\n\nnext"),
            "<p>see <a href=\"x\">this</a>.</p>\n<p>next</p>\n"
        );
    }

    #[test]
    fn containers_hold_paragraphs() {
        assert_eq!(
            autop("<blockquote>q1\n\nq2</blockquote>"),
            "<blockquote>\n<p>q1</p>\n<p>q2</p>\n</blockquote>"
        );
    }

    #[test]
    fn explicit_paragraphs_split_on_blank_lines() {
        assert_eq!(autop("<p>a\nb\n\nc</p>"), "<p>a<br>\nb</p>\n<p>c</p>");
    }

    #[test]
    fn preformatted_text_is_untouched() {
        let pre = "<pre>a\n\nb\nc</pre>";
        assert_eq!(autop(pre), pre);
        let script = "<script>if (a < b) {\n\n}</script>";
        assert_eq!(autop(script), script);
    }

    #[test]
    fn comments_alone_are_not_paragraphs() {
        assert_eq!(
            autop("a\n\n<!-- note -->\n\nb"),
            "<p>a</p>\n<!-- note -->\n<p>b</p>\n"
        );
    }

    #[test]
    fn list_items_get_breaks_and_implied_closes() {
        assert_eq!(
            autop("<ul><li>a\nb<li>c</ul>"),
            "<ul><li>a<br>\nb<li>c</ul>"
        );
    }

    #[test]
    fn empty_and_blank_input() {
        assert_eq!(autop(""), "");
        assert_eq!(autop("\n\n"), "");
    }
}
