//! Block-editor (Gutenberg) content: HTML framed by comments such as
//! `<!-- wp:image {"id":27} -->` … `<!-- /wp:image -->`. The comments go, the HTML stays,
//! except where the HTML alone would lose something: an embed block keeps its URL only in
//! a wrapper `<div>`, so it becomes a paragraph holding the URL; an image block's
//! attachment id is written onto its `<img>`.

use super::embed::embed_paragraph;
use super::html::decode_entities;
use super::images::mark_image;
use super::shortcodes::expand;
use super::{AttachmentLookup, Report, classic};

/// Whether `content` was written in the block editor.
pub(crate) fn has_blocks(content: &str) -> bool {
    content.contains("<!-- wp:")
}

/// One block delimiter comment.
struct Delimiter<'a> {
    /// `paragraph`, `image`, `core-embed/youtube`, `jetpack/slideshow`, …
    name: &'a str,
    /// The JSON object of attributes, as written (empty when there is none).
    attributes: &'a str,
    kind: DelimiterKind,
    /// Where the comment starts and ends in the content.
    start: usize,
    end: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DelimiterKind {
    Open,
    Close,
    /// `<!-- wp:latest-posts /-->`: a block WordPress renders from the database at display
    /// time; nothing of it is in the content.
    SelfClosing,
}

struct OpenBlock<'a> {
    name: &'a str,
    attributes: &'a str,
    /// Where the block's output starts in the converted HTML.
    output_start: usize,
}

/// Converts block content. Text outside any block ("freeform", what the classic editor
/// wrote before the post was opened in the block editor) is converted as classic content.
pub(crate) fn render(content: &str, lookup: &dyn AttachmentLookup, report: &mut Report) -> String {
    let mut out = String::with_capacity(content.len());
    let mut open: Vec<OpenBlock<'_>> = Vec::new();
    let mut pos = 0;
    while let Some(delimiter) = next_delimiter(content, pos) {
        let mut segment = &content[pos..delimiter.start];
        // The editor writes a newline inside each delimiter pair
        // (`<!-- wp:x -->\n<p>…</p>\n<!-- /wp:x -->`); it goes with the delimiters.
        if delimiter.kind == DelimiterKind::Close {
            segment = segment.strip_suffix('\n').unwrap_or(segment);
        }
        out.push_str(&render_segment(segment, open.is_empty(), lookup, report));
        match delimiter.kind {
            DelimiterKind::Open => open.push(OpenBlock {
                name: delimiter.name,
                attributes: delimiter.attributes,
                output_start: out.len(),
            }),
            DelimiterKind::SelfClosing => report.dropped_block(delimiter.name),
            DelimiterKind::Close => {
                if let Some(index) = open.iter().rposition(|block| block.name == delimiter.name) {
                    let block = &open[index];
                    finish_block(&mut out, block);
                    open.truncate(index);
                }
            }
        }
        pos = delimiter.end;
        if delimiter.kind == DelimiterKind::Open && content[pos..].starts_with('\n') {
            pos += 1;
        }
    }
    out.push_str(&render_segment(
        &content[pos..],
        open.is_empty(),
        lookup,
        report,
    ));
    out
}

fn render_segment(
    segment: &str,
    top_level: bool,
    lookup: &dyn AttachmentLookup,
    report: &mut Report,
) -> String {
    if top_level && !segment.trim().is_empty() {
        classic(segment, lookup, report)
    } else {
        expand(segment, lookup, report)
    }
}

/// Rewrites a block's output once it is complete.
fn finish_block(out: &mut String, block: &OpenBlock<'_>) {
    let inner = &out[block.output_start..];
    if is_embed(block.name) {
        let url = json_field(block.attributes, "url")
            .and_then(json_string)
            .or_else(|| first_url(inner));
        if let Some(url) = url {
            let paragraph = embed_paragraph(&url);
            out.truncate(block.output_start);
            out.push_str(&paragraph);
        }
    } else if block.name == "image"
        && let Some(id) = json_field(block.attributes, "id").and_then(|raw| raw.parse().ok())
    {
        let marked = mark_image(inner, id);
        out.truncate(block.output_start);
        out.push_str(&marked);
    }
}

/// `embed` since WordPress 5.6; `core-embed/youtube` and its siblings before.
fn is_embed(name: &str) -> bool {
    name == "embed" || name.starts_with("core-embed/")
}

/// The first http(s) URL in an embed block's HTML (`<div class="wp-block-embed__wrapper">
/// URL </div>`), for blocks whose attributes lack one.
fn first_url(html: &str) -> Option<String> {
    let start = html.find("http")?;
    let url: String = html[start..]
        .chars()
        .take_while(|c| !c.is_whitespace() && !matches!(c, '<' | '"' | '\''))
        .collect();
    (url.starts_with("http://") || url.starts_with("https://"))
        .then(|| decode_entities(&url).into_owned())
}

/// The next block delimiter at or after `from`. Other comments are skipped whole, so a
/// commented-out `<!-- wp:` inside one is not taken for a block.
fn next_delimiter(content: &str, from: usize) -> Option<Delimiter<'_>> {
    let mut search = from;
    loop {
        let start = search + content[search..].find("<!--")?;
        if let Some(delimiter) = parse_delimiter(content, start) {
            return Some(delimiter);
        }
        search = match content[start + 4..].find("-->") {
            Some(end) => start + 4 + end + 3,
            None => return None,
        };
    }
}

/// Parses `<!-- wp:name {json} -->`, `<!-- /wp:name -->` or `<!-- wp:name {json} /-->`
/// at `start`.
fn parse_delimiter(content: &str, start: usize) -> Option<Delimiter<'_>> {
    let after_open = start + "<!--".len();
    let body = &content[after_open..];
    let trimmed = body.trim_start();
    let mut pos = after_open + (body.len() - trimmed.len());
    let closing = trimmed.starts_with("/wp:");
    if !closing && !trimmed.starts_with("wp:") {
        return None;
    }
    pos += if closing { 4 } else { 3 };
    let name_length = content[pos..]
        .bytes()
        .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'/'))
        .count();
    if name_length == 0 {
        return None;
    }
    let name = &content[pos..pos + name_length];
    pos += name_length;
    pos = skip_whitespace(content, pos);
    let mut attributes = "";
    if content[pos..].starts_with('{') {
        let end = json_value_end(content, pos)?;
        attributes = &content[pos..end];
        pos = skip_whitespace(content, end);
    }
    let self_closing = content[pos..].starts_with('/');
    if self_closing {
        pos += 1;
    }
    pos = skip_whitespace(content, pos);
    if !content[pos..].starts_with("-->") {
        return None;
    }
    let kind = match (closing, self_closing) {
        (true, _) => DelimiterKind::Close,
        (false, true) => DelimiterKind::SelfClosing,
        (false, false) => DelimiterKind::Open,
    };
    Some(Delimiter {
        name,
        attributes,
        kind,
        start,
        end: pos + "-->".len(),
    })
}

fn skip_whitespace(text: &str, from: usize) -> usize {
    from + text[from..].len() - text[from..].trim_start().len()
}

/// The index after the JSON value starting at `from` (a string, object, array or bare
/// word), or `None` if it does not end.
fn json_value_end(text: &str, from: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    match bytes.get(from)? {
        b'"' => {
            let mut i = from + 1;
            while i < bytes.len() {
                match bytes[i] {
                    b'\\' => i += 2,
                    b'"' => return Some(i + 1),
                    _ => i += 1,
                }
            }
            None
        }
        b'{' | b'[' => {
            let mut depth = 0usize;
            let mut i = from;
            while i < bytes.len() {
                match bytes[i] {
                    b'"' => {
                        i = json_value_end(text, i)?;
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return Some(i + 1);
                        }
                    }
                    _ => {}
                }
                i += 1;
            }
            None
        }
        _ => {
            let length = text[from..]
                .find(|c: char| c == ',' || c == '}' || c == ']' || c.is_whitespace())
                .unwrap_or(text.len() - from);
            Some(from + length)
        }
    }
}

/// The raw value of a top-level field of a JSON object (`"…"` with its quotes, a
/// number, a nested object as text).
fn json_field<'a>(object: &'a str, key: &str) -> Option<&'a str> {
    let mut pos = skip_whitespace(object, 0);
    if !object[pos..].starts_with('{') {
        return None;
    }
    pos += 1;
    loop {
        pos = skip_whitespace(object, pos);
        if !object[pos..].starts_with('"') {
            return None;
        }
        let key_end = json_value_end(object, pos)?;
        let name = json_string(&object[pos..key_end])?;
        pos = skip_whitespace(object, key_end);
        pos = skip_whitespace(object, pos + object[pos..].strip_prefix(':').map(|_| 1)?);
        let value_end = json_value_end(object, pos)?;
        if name == key {
            return Some(&object[pos..value_end]);
        }
        pos = skip_whitespace(object, value_end);
        pos += object[pos..].strip_prefix(',').map(|_| 1)?;
    }
}

/// Decodes a JSON string literal, quotes included. The block editor escapes `&`, `<`,
/// `>`, quotes and `--` as `\u0026` and the like.
fn json_string(literal: &str) -> Option<String> {
    let inner = literal.strip_prefix('"')?.strip_suffix('"')?;
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next()? {
            'n' => out.push('\n'),
            't' => out.push('\t'),
            'r' => out.push('\r'),
            'b' => out.push('\u{8}'),
            'f' => out.push('\u{c}'),
            'u' => out.push(unicode_escape(&mut chars)?),
            other => out.push(other),
        }
    }
    Some(out)
}

/// The character of a `\uXXXX` escape (the `\u` already read), joining surrogate pairs.
fn unicode_escape(chars: &mut std::str::Chars<'_>) -> Option<char> {
    fn hex4(chars: &mut std::str::Chars<'_>) -> Option<u32> {
        let digits: String = chars.by_ref().take(4).collect();
        u32::from_str_radix(&digits, 16).ok()
    }
    let first = hex4(chars)?;
    if (0xD800..0xDC00).contains(&first) {
        let rest = chars.as_str();
        let low_digits = rest.strip_prefix("\\u")?;
        let mut low_chars = low_digits.chars();
        let low = hex4(&mut low_chars)?;
        *chars = low_chars;
        let code = 0x10000 + ((first - 0xD800) << 10) + (low.checked_sub(0xDC00)?);
        return char::from_u32(code);
    }
    char::from_u32(first)
}

#[cfg(test)]
mod tests {
    use super::super::NoAttachments;
    use super::*;

    fn render_plain(content: &str) -> (String, Report) {
        let mut report = Report::default();
        let out = render(content, &NoAttachments, &mut report);
        (out, report)
    }

    #[test]
    fn delimiters_go_and_html_stays() {
        let (out, _) = render_plain(
            "<!-- wp:paragraph -->\n<p>a</p>\n<!-- /wp:paragraph -->\n\n<!-- wp:heading {\"level\":3} -->\n<h3>b</h3>\n<!-- /wp:heading -->",
        );
        assert_eq!(out, "<p>a</p>\n\n<h3>b</h3>");
    }

    #[test]
    fn embed_blocks_become_url_paragraphs() {
        let (out, _) = render_plain(concat!(
            "<!-- wp:embed {\"url\":\"https://www.youtube.com/watch?v=CHLAAx0DgMT\\u0026t=5\",\"type\":\"video\",\"providerNameSlug\":\"youtube\"} -->\n",
            "<figure class=\"wp-block-embed\"><div class=\"wp-block-embed__wrapper\">\n",
            "https://www.youtube.com/watch?v=CHLAAx0DgMT&amp;t=5\n</div></figure>\n",
            "<!-- /wp:embed -->"
        ));
        assert_eq!(
            out,
            "<p>https://www.youtube.com/watch?v=CHLAAx0DgMT&amp;t=5</p>"
        );
        let (out, _) = render_plain(
            "<!-- wp:core-embed/youtube -->\n<figure><div>\nhttps://youtu.be/x\n</div></figure>\n<!-- /wp:core-embed/youtube -->",
        );
        assert_eq!(out, "<p>https://youtu.be/x</p>");
    }

    #[test]
    fn image_blocks_name_their_attachment() {
        let (out, _) = render_plain(
            "<!-- wp:image {\"id\":27,\"sizeSlug\":\"full\"} -->\n<figure class=\"wp-block-image\"><img src=\"a.jpg\" alt=\"\"/></figure>\n<!-- /wp:image -->",
        );
        assert_eq!(
            out,
            "<figure class=\"wp-block-image\"><img class=\"wp-image-27\" src=\"a.jpg\" alt=\"\"/></figure>"
        );
    }

    #[test]
    fn nested_blocks_and_dynamic_blocks() {
        let (out, report) = render_plain(
            "<!-- wp:quote -->\n<blockquote class=\"wp-block-quote\"><!-- wp:paragraph -->\n<p>q</p>\n<!-- /wp:paragraph --><cite>c</cite></blockquote>\n<!-- /wp:quote -->\n<!-- wp:latest-posts {\"postsToShow\":3} /-->",
        );
        assert_eq!(
            out,
            "<blockquote class=\"wp-block-quote\"><p>q</p><cite>c</cite></blockquote>\n"
        );
        assert_eq!(report.dropped_blocks, vec!["latest-posts"]);
    }

    #[test]
    fn freeform_text_between_blocks_gets_paragraphs() {
        let (out, _) = render_plain(
            "old text\n\nmore\n<!-- wp:paragraph -->\n<p>new</p>\n<!-- /wp:paragraph -->",
        );
        assert_eq!(out, "<p>old text</p>\n<p>more</p>\n<p>new</p>");
    }

    #[test]
    fn ordinary_comments_are_not_blocks() {
        assert!(parse_delimiter("<!-- note -->", 0).is_none());
        assert!(parse_delimiter("<!-- wp:paragraph {\"a\": -->", 0).is_none());
        let delimiter =
            parse_delimiter("<!-- wp:jetpack/slideshow {\"ids\":[1,2]} /-->", 0).unwrap();
        assert_eq!(delimiter.name, "jetpack/slideshow");
        assert_eq!(delimiter.attributes, "{\"ids\":[1,2]}");
        assert_eq!(delimiter.kind, DelimiterKind::SelfClosing);
    }

    #[test]
    fn json_fields() {
        let object = r#"{"url":"https:\/\/x.com\/a?b=1\u0026c=\"2\"","nested":{"id":1},"id":27,"e":"\ud83d\udd34"}"#;
        assert_eq!(json_field(object, "id"), Some("27"));
        assert_eq!(
            json_field(object, "url").and_then(json_string).as_deref(),
            Some("https://x.com/a?b=1&c=\"2\"")
        );
        assert_eq!(
            json_field(object, "e").and_then(json_string).as_deref(),
            Some("🔴")
        );
        assert_eq!(json_field(object, "missing"), None);
        assert_eq!(json_field("not json", "id"), None);
    }
}
