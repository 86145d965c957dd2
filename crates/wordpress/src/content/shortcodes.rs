//! Shortcodes: `[caption]`, `[embed]` and `[gallery]` become the HTML WordPress would
//! have shown; any other shortcode stays as written and is reported, since its output
//! came from a plugin Midad does not have.

use std::ops::Range;

use super::embed::embed_paragraph;
use super::html::{Lexer, Token, escape};
use super::images::mark_image;
use super::{AttachmentLookup, Report};

/// How far the closing `]` of an opening tag may be: attributes are short, and a lone
/// `[word` in a long post should not make every `[` scan to the end.
const MAX_TAG_LENGTH: usize = 4096;

/// One opening shortcode tag, `[name attributes]` or `[name attributes /]`.
struct Opening<'a> {
    name: &'a str,
    attributes: Vec<(String, String)>,
    /// From `[` to after `]`.
    span: Range<usize>,
}

impl Opening<'_> {
    fn attribute(&self, key: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(name, _)| name == key)
            .map(|(_, value)| value.as_str())
    }
}

/// Expands the shortcodes of `text`.
pub(crate) fn expand(text: &str, lookup: &dyn AttachmentLookup, report: &mut Report) -> String {
    if !text.contains('[') {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut pos = 0;
    while let Some(offset) = text[pos..].find('[') {
        let at = pos + offset;
        out.push_str(&text[pos..at]);
        // `[[name]]` is WordPress's way to write a shortcode as text.
        if text[at..].starts_with("[[")
            && let Some(opening) = opening(text, at + 1)
            && text[opening.span.end..].starts_with(']')
        {
            out.push_str(&text[opening.span.clone()]);
            pos = opening.span.end + 1;
            continue;
        }
        pos = match opening(text, at) {
            Some(opening) => replace(text, &opening, &mut out, lookup, report),
            None => {
                out.push('[');
                at + 1
            }
        };
    }
    out.push_str(&text[pos..]);
    out
}

/// Writes what the shortcode becomes and returns where reading continues.
fn replace(
    text: &str,
    opening: &Opening<'_>,
    out: &mut String,
    lookup: &dyn AttachmentLookup,
    report: &mut Report,
) -> usize {
    let after = opening.span.end;
    match opening.name {
        "caption" | "wp_caption" => match enclosed(text, opening) {
            Some((inner, end)) => place_block(out, &caption(opening, inner), text, end),
            None => keep(text, opening, out),
        },
        "embed" => match enclosed(text, opening) {
            Some((inner, end)) => place_block(out, &embed(inner), text, end),
            None => keep(text, opening, out),
        },
        "gallery" => place_block(out, &gallery(opening, lookup, report), text, after),
        name => {
            report.unknown_shortcode(name);
            keep(text, opening, out)
        }
    }
}

fn keep(text: &str, opening: &Opening<'_>, out: &mut String) -> usize {
    out.push_str(&text[opening.span.clone()]);
    opening.span.end
}

/// Writes block-level HTML; when the shortcode was alone in a paragraph
/// (`<p>[gallery]</p>`, as block-editor paragraphs hold them), the paragraph goes.
fn place_block(out: &mut String, html: &str, text: &str, after: usize) -> usize {
    let kept = out.trim_end().len();
    let rest = &text[after..];
    let rest_trimmed = rest.trim_start();
    if out[..kept].ends_with("<p>") && rest_trimmed.starts_with("</p>") {
        out.truncate(kept - "<p>".len());
        out.push_str(html);
        return after + (rest.len() - rest_trimmed.len()) + "</p>".len();
    }
    out.push_str(html);
    after
}

/// The content of an enclosing shortcode and the index after its `[/name]`.
fn enclosed<'a>(text: &'a str, opening: &Opening<'_>) -> Option<(&'a str, usize)> {
    let closing = format!("[/{}]", opening.name);
    let start = opening.span.end;
    let length = text[start..].find(&closing)?;
    Some((&text[start..start + length], start + length + closing.len()))
}

/// Parses the opening tag at `text[at] == '['`. A name is ASCII letters, digits, `_` and
/// `-`, starting with a letter, followed by a space, `]` or `/`; so `[1]`, `[ملاحظة]` and
/// `[/caption]` are text.
fn opening(text: &str, at: usize) -> Option<Opening<'_>> {
    let bytes = text.as_bytes();
    let name_start = at + 1;
    if !bytes.get(name_start)?.is_ascii_alphabetic() {
        return None;
    }
    let name_length = bytes[name_start..]
        .iter()
        .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-'))
        .count();
    let name_end = name_start + name_length;
    let next = *bytes.get(name_end)?;
    if !(next.is_ascii_whitespace() || next == b']' || next == b'/') {
        return None;
    }
    // Searched in bytes: a window cut at a fixed length may end inside a letter.
    let limit = text.len().min(name_end + MAX_TAG_LENGTH);
    let close = name_end + bytes[name_end..limit].iter().position(|b| *b == b']')?;
    let inside = text[name_end..close].trim_end();
    let inside = inside.strip_suffix('/').unwrap_or(inside);
    Some(Opening {
        name: &text[name_start..name_end],
        attributes: parse_attributes(inside),
        span: at..close + 1,
    })
}

/// `key="value"`, `key='value'`, `key=value` and positional values, as WordPress reads
/// them; keys in lower case, positional values under the key "".
fn parse_attributes(text: &str) -> Vec<(String, String)> {
    let mut attributes = Vec::new();
    let mut rest = text.trim_start();
    while !rest.is_empty() {
        let key_length = rest
            .find(|c: char| c.is_whitespace() || c == '=')
            .unwrap_or(rest.len());
        let after_key = rest[key_length..].trim_start();
        let (key, value, remaining) = if let Some(value_part) = after_key.strip_prefix('=') {
            let (value, remaining) = take_value(value_part.trim_start());
            (rest[..key_length].to_ascii_lowercase(), value, remaining)
        } else {
            let (value, remaining) = take_value(rest);
            (String::new(), value, remaining)
        };
        attributes.push((key, value.to_string()));
        if remaining.len() == rest.len() {
            break;
        }
        rest = remaining.trim_start();
    }
    attributes
}

fn take_value(text: &str) -> (&str, &str) {
    for quote in ['"', '\''] {
        if let Some(quoted) = text.strip_prefix(quote) {
            return match quoted.find(quote) {
                Some(end) => (&quoted[..end], &quoted[end + 1..]),
                None => (quoted, ""),
            };
        }
    }
    let end = text.find(char::is_whitespace).unwrap_or(text.len());
    (&text[..end], &text[end..])
}

/// `[caption id="attachment_12" …]<img …> Caption text[/caption]` becomes
/// `<figure><img …><figcaption>Caption text</figcaption></figure>`. The image may be
/// wrapped in a link, and the caption may also be in a `caption="…"` attribute (older
/// WordPress).
fn caption(opening: &Opening<'_>, inner: &str) -> String {
    let inner = inner.trim();
    let Some((media, rest)) = split_media(inner) else {
        return inner.to_string();
    };
    let id = opening
        .attribute("id")
        .and_then(|id| id.strip_prefix("attachment_")?.parse::<i64>().ok());
    let media = match id {
        Some(id) => mark_image(media, id),
        None => media.to_string(),
    };
    let text = opening
        .attribute("caption")
        .filter(|caption| !caption.trim().is_empty())
        .unwrap_or(rest)
        .trim();
    figure(&media, text)
}

fn figure(media: &str, caption: &str) -> String {
    if caption.is_empty() {
        format!("<figure>{media}</figure>")
    } else {
        format!("<figure>{media}<figcaption>{caption}</figcaption></figure>")
    }
}

/// Splits a caption's content into its leading image (with the link around it, if any)
/// and the text after it.
fn split_media(inner: &str) -> Option<(&str, &str)> {
    let mut offset = 0;
    let mut in_link = false;
    let mut seen_image = false;
    for token in Lexer::new(inner) {
        let length = match token {
            Token::Text(text) | Token::Comment(text) => text.len(),
            Token::Tag(tag) => tag.raw.len(),
        };
        match token {
            Token::Text(text) if text.trim().is_empty() => {}
            Token::Tag(tag) if tag.is("a") && !tag.closing && !in_link && !seen_image => {
                in_link = true;
            }
            Token::Tag(tag) if tag.is("img") && !seen_image => {
                seen_image = true;
                if !in_link {
                    offset += length;
                    break;
                }
            }
            Token::Tag(tag) if tag.is("a") && tag.closing && in_link && seen_image => {
                offset += length;
                break;
            }
            _ => return None,
        }
        offset += length;
    }
    seen_image.then(|| (inner[..offset].trim(), &inner[offset..]))
}

/// `[embed]URL[/embed]` becomes a paragraph holding only the URL.
fn embed(inner: &str) -> String {
    let url = inner.trim();
    let is_url = (url.starts_with("http://") || url.starts_with("https://"))
        && !url.contains(char::is_whitespace);
    if is_url {
        embed_paragraph(url)
    } else {
        inner.to_string()
    }
}

/// `[gallery ids="1,2,3"]` (or `include=`) becomes one figure per attachment, in the
/// order named. Without either, the attachments of the post, as WordPress shows them.
fn gallery(opening: &Opening<'_>, lookup: &dyn AttachmentLookup, report: &mut Report) -> String {
    let ids: Vec<i64> = match opening
        .attribute("ids")
        .or_else(|| opening.attribute("include"))
    {
        Some(list) => list
            .split(',')
            .filter_map(|id| id.trim().parse().ok())
            .collect(),
        None => lookup.gallery_default(),
    };
    let mut figures = Vec::with_capacity(ids.len());
    for id in ids {
        let Some(attachment) = lookup.attachment(id) else {
            report.missing_attachment(id);
            continue;
        };
        let image = format!(
            "<img src=\"{}\" alt=\"{}\" class=\"wp-image-{id}\">",
            escape(&attachment.url),
            escape(&attachment.alt)
        );
        figures.push(figure(&image, attachment.caption.trim()));
    }
    figures.join("\n")
}

#[cfg(test)]
mod tests {
    use super::super::{AttachmentInfo, NoAttachments};
    use super::*;

    /// A long Arabic text after a shortcode: the search for its `]` must not cut a letter
    /// in two, wherever the window ends.
    #[test]
    fn long_arabic_text_after_a_shortcode() {
        for pad in ["", "x", "xx", "xxx"] {
            let text = format!(
                "[embed]https://www.youtube.com/watch?v=abcdefghijk[/embed]\n\n{pad}{}",
                "ب".repeat(2100)
            );
            let out = expand(&text, &NoAttachments, &mut Report::default());
            assert!(
                out.contains("https://www.youtube.com/watch?v=abcdefghijk"),
                "{pad}"
            );
            let unclosed = format!("[caption id=\"x\"{pad}{}", "ب".repeat(2100));
            let _ = expand(&unclosed, &NoAttachments, &mut Report::default());
        }
    }

    struct Three;

    impl AttachmentLookup for Three {
        fn attachment(&self, id: i64) -> Option<AttachmentInfo> {
            (1..=3).contains(&id).then(|| AttachmentInfo {
                url: format!("http://site/wp-content/uploads/{id}.jpg"),
                alt: format!("alt \"{id}\""),
                caption: if id == 2 {
                    String::new()
                } else {
                    format!("caption {id}")
                },
            })
        }

        fn gallery_default(&self) -> Vec<i64> {
            vec![3, 1]
        }
    }

    fn run(text: &str) -> (String, Report) {
        let mut report = Report::default();
        let out = expand(text, &Three, &mut report);
        (out, report)
    }

    #[test]
    fn captions_become_figures() {
        let (out, _) = run(
            r#"[caption id="attachment_33" align="aligncenter" width="640"]<img class="size-full" src="a.jpg" alt="x" /> The caption[/caption]"#,
        );
        assert_eq!(
            out,
            r#"<figure><img class="size-full wp-image-33" src="a.jpg" alt="x" /><figcaption>The caption</figcaption></figure>"#
        );
    }

    #[test]
    fn linked_images_and_old_caption_attributes() {
        let (out, _) = run(
            r#"[caption id="" caption="Old style"]<a href="big.jpg"><img src="a.jpg"></a>[/caption]"#,
        );
        assert_eq!(
            out,
            r#"<figure><a href="big.jpg"><img src="a.jpg"></a><figcaption>Old style</figcaption></figure>"#
        );
    }

    #[test]
    fn embeds_become_url_paragraphs() {
        let (out, _) =
            run("before\n\n[embed]https://www.youtube.com/watch?v=Q7Ho3wHrO-P[/embed]\n\nafter");
        assert_eq!(
            out,
            "before\n\n<p>https://www.youtube.com/watch?v=Q7Ho3wHrO-P</p>\n\nafter"
        );
        let (out, _) = run("<p>[embed]https://youtu.be/x[/embed]</p>");
        assert_eq!(out, "<p>https://youtu.be/x</p>");
    }

    #[test]
    fn galleries_list_their_images() {
        let (out, report) = run(r#"[gallery columns="2" ids="2,9, 1"]"#);
        assert_eq!(
            out,
            "<figure><img src=\"http://site/wp-content/uploads/2.jpg\" alt=\"alt &quot;2&quot;\" class=\"wp-image-2\"></figure>\n\
             <figure><img src=\"http://site/wp-content/uploads/1.jpg\" alt=\"alt &quot;1&quot;\" class=\"wp-image-1\"><figcaption>caption 1</figcaption></figure>"
        );
        assert_eq!(report.missing_attachments, vec![9]);
        let (out, _) = run("[gallery]");
        assert!(out.find("3.jpg") < out.find("1.jpg"), "{out}");
        let (out, _) = run("[gallery include='1']");
        assert!(out.contains("1.jpg"), "{out}");
    }

    #[test]
    fn unknown_shortcodes_stay_and_are_reported_once() {
        let (out, report) = run(
            r#"[contact-form-7 id="1" title="نموذج"] and [contact-form-7 id="2"] [foo/] [bar]x[/bar]"#,
        );
        assert_eq!(
            out,
            r#"[contact-form-7 id="1" title="نموذج"] and [contact-form-7 id="2"] [foo/] [bar]x[/bar]"#
        );
        assert_eq!(
            report.unknown_shortcodes,
            vec!["contact-form-7", "foo", "bar"]
        );
    }

    #[test]
    fn brackets_that_are_not_shortcodes() {
        for text in [
            "[1]",
            "[ملاحظة]",
            "see [2, 3]",
            "[a+b]",
            "[",
            "a]",
            "[[caption]]",
        ] {
            let mut report = Report::default();
            let out = expand(text, &NoAttachments, &mut report);
            let expected = if text == "[[caption]]" {
                "[caption]"
            } else {
                text
            };
            assert_eq!(out, expected);
            assert!(report.unknown_shortcodes.is_empty(), "{text}");
        }
    }

    #[test]
    fn attributes() {
        assert_eq!(
            parse_attributes(r#"id="1" Title='a b' width=300 "positional" flag"#),
            vec![
                ("id".into(), "1".into()),
                ("title".into(), "a b".into()),
                ("width".into(), "300".into()),
                (String::new(), "positional".into()),
                (String::new(), "flag".into()),
            ]
        );
    }
}
