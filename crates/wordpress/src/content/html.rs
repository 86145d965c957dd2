//! A forgiving HTML tokenizer, just enough to find tags and their attributes in post
//! content, which is hand-written, often invalid, HTML. It never fails: anything it does
//! not recognise is text, and text is passed through byte for byte.

use std::borrow::Cow;
use std::ops::Range;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Token<'a> {
    Text(&'a str),
    Tag(Tag<'a>),
    /// `<!-- … -->`, `<!…>` or `<?…>`, whole.
    Comment(&'a str),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Tag<'a> {
    /// The whole tag, from `<` to `>`.
    pub raw: &'a str,
    /// The element name as written (compare with `eq_ignore_ascii_case`).
    pub name: &'a str,
    pub closing: bool,
    pub self_closing: bool,
}

impl Tag<'_> {
    pub(crate) fn is(&self, name: &str) -> bool {
        self.name.eq_ignore_ascii_case(name)
    }
}

pub(crate) struct Lexer<'a> {
    src: &'a str,
    pos: usize,
}

impl<'a> Lexer<'a> {
    pub(crate) fn new(src: &'a str) -> Self {
        Lexer { src, pos: 0 }
    }

    /// Everything up to (not including) the closing tag of the raw-text element `name`
    /// (`script`, `pre`, …), or to the end; the closing tag is the next token.
    pub(crate) fn take_raw(&mut self, name: &str) -> &'a str {
        let rest = &self.src[self.pos..];
        let end = find_closing_tag(rest, name).unwrap_or(rest.len());
        self.pos += end;
        &rest[..end]
    }
}

impl<'a> Iterator for Lexer<'a> {
    type Item = Token<'a>;

    fn next(&mut self) -> Option<Token<'a>> {
        let rest = &self.src[self.pos..];
        if rest.is_empty() {
            return None;
        }
        if rest.starts_with('<')
            && let Some(token) = markup(rest)
        {
            self.pos += token_len(&token);
            return Some(token);
        }
        // Text runs to the next `<` that is not this one.
        let skip = usize::from(rest.starts_with('<'));
        let end = rest[skip..].find('<').map_or(rest.len(), |i| i + skip);
        self.pos += end;
        Some(Token::Text(&rest[..end]))
    }
}

fn token_len(token: &Token<'_>) -> usize {
    match token {
        Token::Text(text) | Token::Comment(text) => text.len(),
        Token::Tag(tag) => tag.raw.len(),
    }
}

/// The markup starting at `rest[0] == '<'`, or `None` if this `<` is just text.
fn markup(rest: &str) -> Option<Token<'_>> {
    let bytes = rest.as_bytes();
    if let Some(body) = rest.strip_prefix("<!--") {
        let end = "<!--".len() + body.find("-->")? + "-->".len();
        return Some(Token::Comment(&rest[..end]));
    }
    if matches!(bytes.get(1), Some(b'!' | b'?')) {
        let end = rest.find('>')? + 1;
        return Some(Token::Comment(&rest[..end]));
    }
    let closing = bytes.get(1) == Some(&b'/');
    let name_start = if closing { 2 } else { 1 };
    if !bytes.get(name_start)?.is_ascii_alphabetic() {
        return None;
    }
    let name_len = bytes[name_start..]
        .iter()
        .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b':' | b'_'))
        .count();
    let end = tag_end(rest, name_start + name_len)? + 1;
    let raw = &rest[..end];
    Some(Token::Tag(Tag {
        raw,
        name: &rest[name_start..name_start + name_len],
        closing,
        self_closing: raw[..raw.len() - 1].trim_end().ends_with('/'),
    }))
}

/// The index of the `>` ending a tag, skipping quoted attribute values.
fn tag_end(rest: &str, from: usize) -> Option<usize> {
    let bytes = rest.as_bytes();
    let mut quote = None;
    let mut i = from;
    while i < bytes.len() {
        let b = bytes[i];
        match quote {
            Some(q) if b == q => quote = None,
            Some(_) => {}
            None if b == b'>' => return Some(i),
            // A quote only opens a value right after `=` (possibly spaced), so that an
            // apostrophe in an unquoted value does not swallow the rest of the post.
            None if (b == b'"' || b == b'\'') && after_equals(bytes, i) => quote = Some(b),
            None if b == b'<' => return None,
            None => {}
        }
        i += 1;
    }
    None
}

fn after_equals(bytes: &[u8], quote_at: usize) -> bool {
    bytes[..quote_at]
        .iter()
        .rev()
        .find(|b| !b.is_ascii_whitespace())
        == Some(&b'=')
}

/// The offset of `</name` (any case) followed by a non-name character.
fn find_closing_tag(text: &str, name: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut from = 0;
    while let Some(offset) = text[from..].find("</") {
        let start = from + offset;
        let candidate = bytes.get(start + 2..start + 2 + name.len());
        let after = bytes.get(start + 2 + name.len());
        if candidate.is_some_and(|c| c.eq_ignore_ascii_case(name.as_bytes()))
            && !after.is_some_and(|b| b.is_ascii_alphanumeric())
        {
            return Some(start);
        }
        from = start + 2;
    }
    None
}

/// One attribute of a tag: its name and where its value sits in the tag's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Attr<'a> {
    pub name: &'a str,
    /// The value as written, without quotes, entities undecoded.
    pub raw_value: &'a str,
    /// Where `raw_value` is in the tag (empty at the name's end for a bare attribute).
    pub span: Range<usize>,
    /// Where the name starts in the tag.
    pub name_at: usize,
}

impl Attr<'_> {
    pub(crate) fn value(&self) -> Cow<'_, str> {
        decode_entities(self.raw_value)
    }
}

/// The attributes of a start tag, in order.
pub(crate) fn attributes<'a>(tag: &Tag<'a>) -> Vec<Attr<'a>> {
    let raw = tag.raw;
    let bytes = raw.as_bytes();
    let end = raw.len() - 1;
    let mut attrs = Vec::new();
    let mut i = 1 + tag.name.len();
    loop {
        while i < end && (bytes[i].is_ascii_whitespace() || bytes[i] == b'/') {
            i += 1;
        }
        if i >= end {
            break;
        }
        let name_start = i;
        while i < end && !bytes[i].is_ascii_whitespace() && !matches!(bytes[i], b'=' | b'/') {
            i += 1;
        }
        let name = &raw[name_start..i];
        let mut j = i;
        while j < end && bytes[j].is_ascii_whitespace() {
            j += 1;
        }
        if j < end && bytes[j] == b'=' {
            j += 1;
            while j < end && bytes[j].is_ascii_whitespace() {
                j += 1;
            }
            let (span, next) = value_span(bytes, j, end);
            attrs.push(Attr {
                name,
                raw_value: &raw[span.clone()],
                span,
                name_at: name_start,
            });
            i = next;
        } else {
            attrs.push(Attr {
                name,
                raw_value: "",
                span: i..i,
                name_at: name_start,
            });
        }
        if i == name_start {
            i += 1;
        }
    }
    attrs
}

/// The span of a value starting at `start` and the index after it.
fn value_span(bytes: &[u8], start: usize, end: usize) -> (Range<usize>, usize) {
    match bytes.get(start) {
        Some(&quote @ (b'"' | b'\'')) if start < end => {
            let close = bytes[start + 1..end]
                .iter()
                .position(|&b| b == quote)
                .map_or(end, |offset| start + 1 + offset);
            (start + 1..close, (close + 1).min(end))
        }
        _ => {
            let stop = bytes[start..end]
                .iter()
                .position(|b| b.is_ascii_whitespace())
                .map_or(end, |offset| start + offset);
            (start..stop, stop)
        }
    }
}

/// The value of the attribute `name` (any case), entities decoded.
pub(crate) fn attribute(tag: &Tag<'_>, name: &str) -> Option<String> {
    attributes(tag)
        .into_iter()
        .find(|attr| attr.name.eq_ignore_ascii_case(name))
        .map(|attr| attr.value().into_owned())
}

/// Decodes the character references that appear in URLs and attribute values; unknown
/// named entities stay as written (the importer's sanitiser knows them all).
pub(crate) fn decode_entities(text: &str) -> Cow<'_, str> {
    if !text.contains('&') {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        match entity(rest) {
            Some((c, len)) => {
                out.push(c);
                rest = &rest[len..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// The character and length of the reference at the start of `text` (`&amp;`, `&#038;`).
fn entity(text: &str) -> Option<(char, usize)> {
    let semicolon = text.get(..12).unwrap_or(text).find(';')?;
    let name = &text[1..semicolon];
    let c = if let Some(number) = name.strip_prefix('#') {
        let code = match number.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => number.parse().ok()?,
        };
        char::from_u32(code).filter(|&c| c != '\0')?
    } else {
        match name {
            "amp" => '&',
            "lt" => '<',
            "gt" => '>',
            "quot" => '"',
            "apos" => '\'',
            "nbsp" => '\u{a0}',
            _ => return None,
        }
    };
    Some((c, semicolon + 1))
}

/// Escapes text for a double-quoted attribute value or element content.
pub(crate) fn escape(text: &str) -> Cow<'_, str> {
    if !text.contains(['&', '<', '>', '"']) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            _ => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Elements whose content is not HTML at all (code, styles, form text).
pub(crate) fn is_unparsed(name: &str) -> bool {
    ["script", "style", "textarea"]
        .iter()
        .any(|unparsed| name.eq_ignore_ascii_case(unparsed))
}

/// Rewrites the `href` and `src` attributes of every tag: `rewrite(attribute, url)` gets
/// the attribute name (`href` or `src`, lower case) and the URL with its entities
/// decoded, and returns the new URL or `None` to keep the old one. Everything else in the
/// HTML is kept byte for byte.
///
/// The importer uses it to point images at Midad's media and links at Midad's articles.
pub fn rewrite_urls(html: &str, mut rewrite: impl FnMut(&str, &str) -> Option<String>) -> String {
    let mut out = String::with_capacity(html.len());
    let mut lexer = Lexer::new(html);
    while let Some(token) = lexer.next() {
        match token {
            Token::Text(text) | Token::Comment(text) => out.push_str(text),
            Token::Tag(tag) if tag.closing => out.push_str(tag.raw),
            Token::Tag(tag) => {
                out.push_str(&rewrite_tag(&tag, &mut rewrite));
                if is_unparsed(tag.name) && !tag.self_closing {
                    out.push_str(lexer.take_raw(tag.name));
                }
            }
        }
    }
    out
}

fn rewrite_tag(tag: &Tag<'_>, rewrite: &mut impl FnMut(&str, &str) -> Option<String>) -> String {
    let mut rewritten = String::with_capacity(tag.raw.len());
    let mut copied = 0;
    for attr in attributes(tag) {
        let name = if attr.name.eq_ignore_ascii_case("href") {
            "href"
        } else if attr.name.eq_ignore_ascii_case("src") {
            "src"
        } else {
            continue;
        };
        let Some(new) = rewrite(name, &attr.value()) else {
            continue;
        };
        // Replace from the attribute's name to the end of its value, quotes included.
        let start = attr.name_at;
        let quoted = tag.raw.as_bytes().get(attr.span.end) == Some(&b'"')
            || tag.raw.as_bytes().get(attr.span.end) == Some(&b'\'');
        let end = if quoted {
            attr.span.end + 1
        } else {
            attr.span.end
        };
        rewritten.push_str(&tag.raw[copied..start]);
        rewritten.push_str(&format!("{name}=\"{}\"", escape(&new)));
        copied = end;
    }
    rewritten.push_str(&tag.raw[copied..]);
    rewritten
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(html: &str) -> Vec<String> {
        Lexer::new(html)
            .filter_map(|token| match token {
                Token::Tag(tag) => Some(format!(
                    "{}{}",
                    if tag.closing { "/" } else { "" },
                    tag.name
                )),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn finds_tags_and_leaves_stray_angles_as_text() {
        assert_eq!(tags("a < b <p class='x'>c</p> 3<4"), vec!["p", "/p"]);
        assert_eq!(tags(r#"<img alt="a > b" src=x.jpg />"#), vec!["img"]);
        assert_eq!(tags("<!-- <p> -->"), Vec::<String>::new());
        let text: String = Lexer::new("x <p>y</p> < z")
            .map(|token| match token {
                Token::Text(t) | Token::Comment(t) => t.to_string(),
                Token::Tag(tag) => tag.raw.to_string(),
            })
            .collect();
        assert_eq!(text, "x <p>y</p> < z");
    }

    #[test]
    fn reads_attributes_in_every_quoting() {
        let html = r#"<img class="a b" src='x.jpg' width=300 hidden alt="Q&amp;A">"#;
        let Some(Token::Tag(tag)) = Lexer::new(html).next() else {
            panic!("no tag");
        };
        let attrs: Vec<(&str, String)> = attributes(&tag)
            .iter()
            .map(|a| (a.name, a.value().into_owned()))
            .collect();
        assert_eq!(
            attrs,
            vec![
                ("class", "a b".to_string()),
                ("src", "x.jpg".to_string()),
                ("width", "300".to_string()),
                ("hidden", String::new()),
                ("alt", "Q&A".to_string()),
            ]
        );
    }

    #[test]
    fn rewrites_only_urls() {
        let html = r#"<p><a href="/?p=5" title="t">x</a> <img src=a.jpg alt="a"></p>"#;
        let out = rewrite_urls(html, |attr, url| match (attr, url) {
            ("href", "/?p=5") => Some("/articles/5?a=1&b=2".into()),
            ("src", "a.jpg") => Some("/media/a.webp".into()),
            _ => None,
        });
        assert_eq!(
            out,
            r#"<p><a href="/articles/5?a=1&amp;b=2" title="t">x</a> <img src="/media/a.webp" alt="a"></p>"#
        );
    }

    #[test]
    fn decodes_entities_in_urls() {
        assert_eq!(
            decode_entities("a?x=1&#038;y=2&amp;z&copy;"),
            "a?x=1&y=2&z&copy;"
        );
    }
}
