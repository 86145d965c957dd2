//! The allow lists: ammonia removes whatever is not allowed, then a tidy pass puts the inline
//! HTML that remains into one canonical form.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use ammonia::url::ParseError;
use ammonia::{Builder, Url, UrlRelative};
use scraper::{ElementRef, Html, Node};

use super::dom::{Edge, HIDDEN_TAGS, NodeRef, escape, push_escaped, traverse};

/// Inline formatting that paragraphs, headings, quotes and list items keep.
const INLINE_TAGS: &[&str] = &[
    "a", "b", "strong", "i", "em", "br", "sup", "sub", "mark", "code", "s", "u",
];

/// Block elements met inside inline content (paragraphs inside a quote, lists inside a list
/// item). They pass ammonia only so that the tidy pass can turn each into a line break
/// instead of running the text on either side together.
#[rustfmt::skip]
const LINE_TAGS: &[&str] = &[
    "p", "div", "li", "ul", "ol", "dl", "dt", "dd", "h1", "h2", "h3", "h4", "h5", "h6",
    "blockquote", "pre", "table", "caption", "tr", "td", "th", "figure", "figcaption", "hr",
    "section", "article", "header", "footer", "aside", "address",
];

/// What an HTML block may hold besides inline formatting.
#[rustfmt::skip]
const BLOCK_TAGS: &[&str] = &[
    "table", "thead", "tbody", "tfoot", "tr", "th", "td", "caption", "colgroup", "col", "pre",
    "figure", "figcaption", "p", "ul", "ol", "li", "dl", "dt", "dd", "blockquote", "img",
];

static INLINE: LazyLock<Builder<'static>> = LazyLock::new(|| {
    let mut builder = Builder::empty();
    builder
        .tags(INLINE_TAGS.iter().chain(LINE_TAGS).copied().collect())
        .tag_attributes(HashMap::from([("a", HashSet::from(["href"]))]))
        .link_rel(None);
    restrict(&mut builder);
    builder
});

static BLOCK: LazyLock<Builder<'static>> = LazyLock::new(|| {
    let mut builder = Builder::empty();
    builder
        .tags(INLINE_TAGS.iter().chain(BLOCK_TAGS).copied().collect())
        .tag_attributes(HashMap::from([
            ("a", HashSet::from(["href"])),
            ("img", HashSet::from(["src", "alt"])),
            ("td", HashSet::from(["colspan", "rowspan"])),
            ("th", HashSet::from(["colspan", "rowspan"])),
        ]))
        // No rel: ammonia would add it to every <a>, even one whose unsafe href it has just
        // removed, and with `target` never allowed there is no opener to protect.
        .link_rel(None);
    restrict(&mut builder);
    builder
});

/// The settings both allow lists share, so that they cannot drift apart.
fn restrict(builder: &mut Builder<'static>) {
    builder
        .clean_content_tags(HIDDEN_TAGS.iter().copied().collect())
        .generic_attributes(HashSet::new())
        .url_schemes(HashSet::from(["http", "https", "mailto"]))
        .url_relative(UrlRelative::PassThrough)
        .attribute_filter(allow_url)
        .strip_comments(true);
}

/// Ammonia has one rule for every relative URL; links and images need different ones.
fn allow_url<'v>(element: &str, attribute: &str, value: &'v str) -> Option<Cow<'v, str>> {
    let allowed = match (element, attribute) {
        ("a", "href") => is_safe_link(value),
        ("img", "src") => is_safe_image(value),
        _ => true,
    };
    allowed.then_some(Cow::Borrowed(value))
}

/// Links may lead to http(s) and mailto addresses, or to a path on this site.
pub(super) fn is_safe_link(url: &str) -> bool {
    match Url::parse(url) {
        Ok(url) => matches!(url.scheme(), "http" | "https" | "mailto"),
        Err(ParseError::RelativeUrlWithoutBase) => {
            let path = as_browser_reads(url);
            path.starts_with('/') && !is_protocol_relative(&path)
        }
        Err(_) => false,
    }
}

/// Images may load from http(s) addresses or from a relative path on this site; `data:`
/// images and every other scheme are refused.
pub(super) fn is_safe_image(url: &str) -> bool {
    match Url::parse(url) {
        Ok(url) => matches!(url.scheme(), "http" | "https"),
        Err(ParseError::RelativeUrlWithoutBase) => {
            let path = as_browser_reads(url);
            !path.is_empty() && !is_protocol_relative(&path)
        }
        Err(_) => false,
    }
}

/// `//host/path` (browsers read `\` as `/` here) leaves the site while looking relative.
fn is_protocol_relative(path: &str) -> bool {
    path.chars()
        .take(2)
        .filter(|c| matches!(c, '/' | '\\'))
        .count()
        == 2
}

pub(super) fn is_web_url(url: &str) -> bool {
    Url::parse(url).is_ok_and(|url| matches!(url.scheme(), "http" | "https"))
}

/// A URL as a browser resolves it: without the tabs and newlines it ignores and the
/// surrounding spaces and control characters it trims. `/\t/evil.example` is a link to
/// another site.
fn as_browser_reads(url: &str) -> String {
    url.chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .collect::<String>()
        .trim_matches(|c: char| c <= ' ')
        .to_owned()
}

/// Sanitises inline HTML for a paragraph, heading, quote or list item.
///
/// Keeps `b strong i em a br sup sub mark code s u`; other elements are unwrapped (their text
/// stays), and script-like elements are removed with their content. Links keep only an
/// http(s), mailto or site-relative `href`, and external links get `rel="noopener"`. Block
/// elements inside become line breaks, whitespace is collapsed, and empty elements and
/// leading or trailing breaks are dropped. The result is a fixed point: sanitising it again
/// changes nothing.
pub fn sanitize_inline(html: &str) -> String {
    clean_inline(html).html
}

/// Inline HTML in canonical form, with the text a reader sees in it.
#[cfg_attr(test, derive(Debug, PartialEq))]
pub(super) struct Inline {
    pub html: String,
    /// Entities decoded, whitespace collapsed, a newline for each line break.
    pub text: String,
    /// The `href` of every link kept, in order.
    pub links: Vec<String>,
}

pub(super) fn clean_inline(html: &str) -> Inline {
    // Stored blocks are already in canonical form (and every render and word count reads
    // them again): recognising that form costs a scan, cleaning it costs two parses.
    canonical_inline(html).unwrap_or_else(|| clean_inline_parsed(html))
}

/// What `clean_inline` gives for HTML that is already in the form it writes: read as it is,
/// without ammonia or the HTML parser. `None` for anything else, cleaned the long way.
///
/// Only a narrow grammar is read here (the inline tags, each closed in order; links with a
/// safe `href`, outside other links; text with the five references the tidy pass writes, no
/// control characters), which HTML parses into the very elements and text it spells. The
/// tidy pass then writes those again: HTML in canonical form comes out unchanged, and only
/// then is it taken.
fn canonical_inline(html: &str) -> Option<Inline> {
    let mut tidy = Tidy::default();
    let mut open: Vec<&str> = Vec::new();
    let mut rest = html;
    while !rest.is_empty() {
        let Some(tag_start) = rest.strip_prefix('<') else {
            // A text node: everything up to the next tag.
            let end = rest.find('<').unwrap_or(rest.len());
            tidy.text(&decode_references(&rest[..end])?);
            rest = &rest[end..];
            continue;
        };
        let end = tag_start.find('>')?;
        let tag = &tag_start[..end];
        rest = &tag_start[end + 1..];
        if let Some(name) = tag.strip_prefix('/') {
            if open.pop()? != name {
                return None;
            }
            tidy.close();
        } else if tag == "br" {
            tidy.open("br", None);
            tidy.close();
        } else if let Some(attributes) = tag.strip_prefix("a href=\"") {
            let (written, after) = attributes.split_once('"')?;
            if !matches!(after, "" | " rel=\"noopener\"") || open.contains(&"a") {
                return None;
            }
            let url = decode_references(written)?;
            if !is_safe_link(&url) {
                return None;
            }
            tidy.open("a", Some(&url));
            open.push("a");
        } else if tag != "a" && INLINE_TAGS.contains(&tag) {
            tidy.open(tag, None);
            open.push(tag);
        } else {
            return None;
        }
    }
    // Quotes or `>` written bare, spaces the tidy pass would not write: not the same HTML.
    (open.is_empty() && tidy.html == html).then_some(Inline {
        html: tidy.html,
        text: tidy.text,
        links: tidy.links,
    })
}

/// The character of one of the references the tidy pass writes.
fn reference(written: &str) -> Option<char> {
    Some(match written {
        "&amp;" => '&',
        "&lt;" => '<',
        "&gt;" => '>',
        "&quot;" => '"',
        "&nbsp;" => '\u{a0}',
        _ => return None,
    })
}

/// A text node's or an attribute's written value with the tidy pass's references decoded;
/// `None` when it holds anything else a parser would read differently (another reference,
/// a bare `<`, a control character, which the parser may drop or change).
fn decode_references(written: &str) -> Option<String> {
    let mut out = String::with_capacity(written.len());
    let mut rest = written;
    while let Some(at) = rest.find(|c: char| matches!(c, '&' | '<') || c.is_control()) {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let end = rest.find(';').filter(|_| rest.starts_with('&'))?;
        out.push(reference(&rest[..=end])?);
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    Some(out)
}

/// `clean_inline` the long way: ammonia's allow list, then the tidy pass over the parsed
/// result.
fn clean_inline_parsed(html: &str) -> Inline {
    let allowed = INLINE.clean(html).to_string();
    let fragment = Html::parse_fragment(&allowed);
    let mut tidy = Tidy::default();
    if let Some(container) = fragment.tree.root().first_child() {
        tidy.walk(container);
    }
    Inline {
        html: tidy.html,
        text: tidy.text,
        links: tidy.links,
    }
}

/// Sanitises the HTML of a block that maps to no other kind: tables, code listings and the
/// like keep their structure; scripts, styles, frames, event handlers and `javascript:` URLs
/// do not survive.
pub(super) fn sanitize_block(html: &str) -> String {
    // Unwrapping an element can leave markup that parses differently the next time
    // (`<li><h2><li>` becomes nested items), so clean until the output stands still, or
    // stored blocks would keep changing each time they are rendered and read back.
    let mut html = clean_block_once(html);
    for _ in 0..3 {
        let again = clean_block_once(&html);
        if again == html {
            break;
        }
        html = again;
    }
    html
}

fn clean_block_once(html: &str) -> String {
    // The parser drops a newline straight after <pre>, and html5ever's serialiser does not
    // write the extra one HTML's serialisation rules call for, so each round trip would eat
    // one more. Blank lines atop a listing show nothing; dropping them all makes the form
    // stable. Ammonia writes <pre> without attributes.
    let html = BLOCK.clean(html).to_string();
    let mut out = String::with_capacity(html.len());
    let mut rest = html.as_str();
    while let Some(at) = rest.find("<pre>") {
        let (before, after) = rest.split_at(at + "<pre>".len());
        out.push_str(before);
        rest = after.trim_start_matches('\n');
    }
    out.push_str(rest);
    out
}

/// Rewrites sanitised inline HTML in one canonical form.
///
/// Spaces, line breaks and start tags are held back until the next visible text, which is
/// what drops leading and trailing whitespace, empty elements and dangling breaks, and what
/// makes the output come out unchanged when fed back in.
#[derive(Default)]
struct Tidy {
    html: String,
    text: String,
    links: Vec<String>,
    /// The elements enclosing the current position.
    open: Vec<OpenElement>,
    started: bool,
    space: bool,
    breaks: usize,
    line_end: bool,
}

struct OpenElement {
    /// `None` for elements that are unwrapped: their content stays, the tags do not.
    start_tag: Option<String>,
    name: String,
    href: Option<String>,
    written: bool,
}

impl Tidy {
    fn walk(&mut self, container: NodeRef<'_>) {
        for edge in traverse(container) {
            match edge {
                Edge::Open(node) if node == container => {}
                Edge::Close(node) if node == container => {}
                Edge::Open(node) => match node.value() {
                    Node::Text(text) => self.text(text),
                    Node::Element(_) => {
                        if let Some(element) = ElementRef::wrap(node) {
                            self.open(element.value().name(), element.attr("href"));
                        }
                    }
                    _ => {}
                },
                Edge::Close(node) => {
                    if node.value().is_element() {
                        self.close();
                    }
                }
            }
        }
    }

    /// An element starts: its name, and its `href` for a link.
    fn open(&mut self, name: &str, link: Option<&str>) {
        let mut href = None;
        let start_tag = match name {
            "br" => {
                self.breaks += 1;
                None
            }
            // A link inside a link would be split apart when the output is parsed again (it
            // can happen here because table elements were flattened away): keep the outer one.
            "a" if self.inside_link() => None,
            "a" => link.map(|url| {
                href = Some(url.to_owned());
                let rel = if is_web_url(url) {
                    " rel=\"noopener\""
                } else {
                    ""
                };
                format!("<a href=\"{}\"{rel}>", escape(url))
            }),
            _ if INLINE_TAGS.contains(&name) => Some(format!("<{name}>")),
            _ => {
                self.line_end |= LINE_TAGS.contains(&name);
                None
            }
        };
        self.open.push(OpenElement {
            start_tag,
            name: name.to_owned(),
            href,
            written: false,
        });
    }

    fn inside_link(&self) -> bool {
        self.open
            .iter()
            .any(|e| e.name == "a" && e.start_tag.is_some())
    }

    fn close(&mut self) {
        let Some(element) = self.open.pop() else {
            return;
        };
        match element.start_tag {
            Some(_) if element.written => {
                self.html.push_str("</");
                self.html.push_str(&element.name);
                self.html.push('>');
            }
            Some(_) => {}
            None => self.line_end |= LINE_TAGS.contains(&element.name.as_str()),
        }
    }

    fn text(&mut self, text: &str) {
        for (i, word) in text.split(|c: char| c.is_ascii_whitespace()).enumerate() {
            if i > 0 {
                self.space = true;
            }
            if !word.is_empty() {
                self.word(word);
            }
        }
    }

    fn word(&mut self, word: &str) {
        if self.started {
            let breaks = self.breaks.max(usize::from(self.line_end));
            if breaks > 0 {
                self.html.push_str(&"<br>".repeat(breaks));
                self.text.push_str(&"\n".repeat(breaks));
            } else if self.space {
                self.html.push(' ');
                self.text.push(' ');
            }
        }
        self.started = true;
        self.space = false;
        self.breaks = 0;
        self.line_end = false;
        for element in self.open.iter_mut().filter(|e| !e.written) {
            if let Some(start_tag) = &element.start_tag {
                self.html.push_str(start_tag);
            }
            self.links.extend(element.href.clone());
            element.written = true;
        }
        push_escaped(&mut self.html, word);
        self.text.push_str(word);
    }
}

#[cfg(test)]
mod tests {
    use super::{Inline, canonical_inline, clean_inline_parsed};
    use proptest::prelude::*;

    /// Pieces of inline HTML, canonical and not, that the fast path must tell apart.
    const PIECES: &[&str] = &[
        "خبر",
        "عاجل",
        "news",
        "ق\u{a0}ك",
        "'",
        " ",
        "  ",
        "\n",
        "\t",
        "<br>",
        "<br/>",
        "<b>",
        "</b>",
        "<strong>",
        "</strong>",
        "<i>",
        "</i>",
        "<em>",
        "</em>",
        "<code>",
        "</code>",
        "<sup>",
        "</sup>",
        "<u>",
        "</u>",
        "<a href=\"/article/1/خبر\">",
        "<a href=\"https://news.example/?a=1&amp;b=2\" rel=\"noopener\">",
        "<a href=\"https://news.example/\">",
        "<a href=\"javascript:alert(1)\">",
        "<a href=\"mailto:desk@news.example\">",
        "<a href=\"x&lt;y\">",
        "</a>",
        "&amp;",
        "&lt;",
        "&gt;",
        "&quot;",
        "&nbsp;",
        "&copy;",
        "&",
        "<",
        ">",
        "\"",
        "<p>",
        "</p>",
        "<script>",
        "</script>",
        "<span>",
        "</span>",
        "<!-- c -->",
        "\u{0}",
        "\r",
        "<B>",
        "<a>",
        "<br >",
        "<b class=\"x\">",
    ];

    fn html() -> impl Strategy<Value = String> {
        prop::collection::vec(prop::sample::select(PIECES), 0..24).prop_map(|p| p.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4000))]

        /// What the fast path reads is what cleaning would have given.
        #[test]
        fn reading_canonical_html_gives_what_cleaning_gives(html in html()) {
            if let Some(fast) = canonical_inline(&html) {
                prop_assert_eq!(fast, clean_inline_parsed(&html));
            }
        }

        /// And every cleaned result is read by it: stored blocks take the fast path.
        #[test]
        fn cleaned_html_is_read_without_cleaning(html in html()) {
            let cleaned = clean_inline_parsed(&html);
            let again = canonical_inline(&cleaned.html);
            prop_assert_eq!(again, Some(cleaned));
        }
    }

    #[test]
    fn a_paragraph_in_canonical_form_is_read_as_it_stands() {
        let html = "الحكومة <b>تعلن</b> «الخطة»<br>في <a href=\"https://news.example/?a=1&amp;b=2\" \
                    rel=\"noopener\">الرابط</a> &amp; ق&nbsp;ك";
        let Inline {
            html: out,
            text,
            links,
        } = canonical_inline(html).expect("canonical form is read");
        assert_eq!(out, html);
        assert_eq!(text, "الحكومة تعلن «الخطة»\nفي الرابط & ق\u{a0}ك");
        assert_eq!(links, ["https://news.example/?a=1&b=2"]);
    }

    #[test]
    fn what_is_not_canonical_is_left_to_the_cleaner() {
        for html in [
            " خبر",
            "خبر  عاجل",
            "<b>خبر</i>",
            "<p>خبر</p>",
            "<b></b>خبر",
            "<a href=\"javascript:alert(1)\">خبر</a>",
            "<a href=\"https://news.example/\">خبر</a>",
            "خبر &copy;",
            "خبر\n",
            "<script>x</script>",
        ] {
            assert_eq!(canonical_inline(html), None, "{html}");
        }
    }
}
