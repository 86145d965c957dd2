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
pub(super) struct Inline {
    pub html: String,
    /// Entities decoded, whitespace collapsed, a newline for each line break.
    pub text: String,
    /// The `href` of every link kept, in order.
    pub links: Vec<String>,
}

pub(super) fn clean_inline(html: &str) -> Inline {
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
                            self.open(element);
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

    fn open(&mut self, element: ElementRef<'_>) {
        let name = element.value().name();
        let mut href = None;
        let start_tag = match name {
            "br" => {
                self.breaks += 1;
                None
            }
            // A link inside a link would be split apart when the output is parsed again (it
            // can happen here because table elements were flattened away): keep the outer one.
            "a" if self.inside_link() => None,
            "a" => element.attr("href").map(|url| {
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
