//! From an HTML body (an editor's output, a WordPress export, a paste) to blocks.

use scraper::{ElementRef, Html, Node};

use super::dom::{
    HIDDEN_TAGS, NodeRef, collapse_whitespace, has_class, is_blank, push_escaped, text_content,
};
use super::embed::recognise;
use super::sanitize::{clean_inline, is_safe_image, is_web_url, sanitize_block};
use super::{Block, EmbedProvider};

/// Containers with no meaning of their own: their content is read as if it stood at the top.
const WRAPPERS: &[&str] = &[
    "div", "section", "article", "main", "header", "footer", "aside", "nav", "center", "hgroup",
    "picture", "form", "details", "fieldset",
];

/// Elements that join the text around them into one paragraph.
const INLINE: &[&str] = &[
    "a", "abbr", "acronym", "b", "bdi", "bdo", "big", "br", "cite", "code", "data", "del", "dfn",
    "em", "font", "i", "ins", "kbd", "label", "mark", "nobr", "q", "rp", "rt", "ruby", "s", "samp",
    "small", "span", "strike", "strong", "sub", "sup", "time", "tt", "u", "var", "wbr",
];

/// Structures no other block can hold: kept, sanitised, as HTML blocks.
const HTML_BLOCKS: &[&str] = &["table", "pre", "dl", "listing", "xmp", "plaintext"];

/// Elements that show nothing worth keeping once scripts and players are gone.
const DROPPED: &[&str] = &[
    "audio", "video", "source", "track", "canvas", "embed", "map", "area", "input", "button",
    "meta", "link", "base",
];

/// Converts an HTML body into blocks. Never panics, whatever the input.
///
/// Paragraphs, headings (`h1` becomes 2, `h5` and `h6` become 4), quotes, lists, images,
/// embeds (player iframes, embed blockquotes, a paragraph holding nothing but a post's or
/// video's address) and rules each become their block. Bare text at the top level follows
/// plain-text conventions: a blank line starts a paragraph, a newline is a line break.
/// `div` and similar wrappers are looked through, and so is any other element holding
/// blocks; one holding only text joins the paragraph around it. Tables and code listings
/// are kept as sanitised [`Block::Html`]. Scripts, styles, frames other than players, media
/// and form controls are dropped.
pub fn from_html(html: &str) -> Vec<Block> {
    let document = Html::parse_fragment(html);
    let mut reader = Reader::default();
    // parse_fragment puts the content under a synthetic `<html>` element.
    if let Some(container) = document.tree.root().first_child() {
        reader.read(container);
    }
    reader.blocks
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// The top level and what wrappers hold: bare text is read as plain text.
    Flow,
    /// Inside a paragraph: newlines are ordinary whitespace.
    Paragraph,
}

struct Frame<'a> {
    next: Option<NodeRef<'a>>,
    mode: Mode,
    /// Whether the paragraph being gathered ends with this element.
    ends_paragraph: bool,
}

impl<'a> Frame<'a> {
    fn inside(element: ElementRef<'a>, mode: Mode, ends_paragraph: bool) -> Self {
        Frame {
            next: element.first_child(),
            mode,
            ends_paragraph,
        }
    }
}

#[derive(Default)]
struct Reader {
    blocks: Vec<Block>,
    /// Inline HTML gathered for the paragraph in progress.
    paragraph: String,
}

impl Reader {
    fn read(&mut self, container: NodeRef<'_>) {
        // A stack of frames rather than recursion: pasted HTML can nest wrappers thousands of
        // levels deep.
        let mut stack = vec![Frame {
            next: container.first_child(),
            mode: Mode::Flow,
            ends_paragraph: true,
        }];
        while let Some(frame) = stack.last_mut() {
            let Some(node) = frame.next else {
                if frame.ends_paragraph {
                    self.end_paragraph();
                }
                stack.pop();
                continue;
            };
            frame.next = node.next_sibling();
            let mode = frame.mode;
            match node.value() {
                Node::Text(text) => self.text(text, mode),
                Node::Element(_) => {
                    if let Some(element) = ElementRef::wrap(node)
                        && let Some(frame) = self.element(element, mode)
                    {
                        stack.push(frame);
                    }
                }
                _ => {}
            }
        }
    }

    /// Reads one element into blocks, or returns the frame to read its children in.
    fn element<'a>(&mut self, element: ElementRef<'a>, mode: Mode) -> Option<Frame<'a>> {
        let name = element.value().name();
        match name {
            "img" => self.media(image(element, None)),
            "iframe" => self.media(element.attr("src").and_then(embed)),
            // Telegram's widget is a script naming the post; the rest of the script goes.
            "script" => self.media(
                element
                    .attr("data-telegram-post")
                    .and_then(|post| embed(&format!("https://t.me/{post}"))),
            ),
            _ if is_discarded(name) => {}
            _ if mode == Mode::Paragraph || INLINE.contains(&name) => {
                if contains_media(element) {
                    return Some(Frame::inside(element, mode, false));
                }
                self.paragraph.push_str(&element.html());
            }
            "p" | "figcaption" | "li" | "dt" | "dd" | "summary" | "legend" | "address" => {
                self.end_paragraph();
                return Some(Frame::inside(element, Mode::Paragraph, true));
            }
            "h1" | "h2" | "h3" | "h4" | "h5" | "h6" => self.block(heading(element)),
            "blockquote" => self.block(blockquote(element)),
            "ul" | "ol" => self.block(list(element)),
            "hr" => self.block(Some(Block::Divider)),
            "figure" => match figure(element) {
                Some(block) => self.block(Some(block)),
                None => {
                    self.end_paragraph();
                    return Some(Frame::inside(element, Mode::Flow, true));
                }
            },
            // How `render_html` writes HTML blocks.
            "div" if has_class(element, "body-html") => {
                self.block(html_block(&element.inner_html()));
            }
            _ if HTML_BLOCKS.contains(&name) => self.block(html_block(&element.html())),
            // Anything else is read for what it holds: a custom element around a few words
            // joins the paragraph, one around paragraphs is looked through.
            _ if WRAPPERS.contains(&name) || holds_blocks(element) => {
                self.end_paragraph();
                return Some(Frame::inside(element, Mode::Flow, true));
            }
            _ => self.paragraph.push_str(&element.html()),
        }
        None
    }

    fn text(&mut self, text: &str, mode: Mode) {
        if mode == Mode::Paragraph {
            push_escaped(&mut self.paragraph, text);
            return;
        }
        for (i, piece) in split_at_blank_lines(text).into_iter().enumerate() {
            if i > 0 {
                self.end_paragraph();
            }
            for (j, line) in piece.split('\n').enumerate() {
                if j > 0 {
                    self.paragraph.push_str("<br>");
                }
                push_escaped(&mut self.paragraph, line);
            }
        }
    }

    /// A block element ends the paragraph in progress, even when it yields no block itself.
    fn block(&mut self, block: Option<Block>) {
        self.end_paragraph();
        self.blocks.extend(block);
    }

    /// Images and embeds split the paragraph they stand in; unusable ones leave no trace.
    fn media(&mut self, block: Option<Block>) {
        if block.is_some() {
            self.block(block);
        }
    }

    fn end_paragraph(&mut self) {
        if self.paragraph.is_empty() {
            return;
        }
        let inline = clean_inline(&std::mem::take(&mut self.paragraph));
        if is_blank(&inline.text) {
            return;
        }
        // A post's or video's address alone in its paragraph is how WordPress and most
        // editors ask for an embed.
        let block = embed(inline.text.trim()).unwrap_or(Block::Paragraph { html: inline.html });
        self.blocks.push(block);
    }
}

/// Splits bare text where a line holds only whitespace.
fn split_at_blank_lines(text: &str) -> Vec<&str> {
    let mut pieces = Vec::new();
    let mut piece_start = 0;
    let mut offset = 0;
    for (i, line) in text.split_inclusive('\n').enumerate() {
        // The first line continues whatever came before the text, so it cannot be blank.
        if i > 0 && line.ends_with('\n') && line.trim().is_empty() {
            pieces.push(&text[piece_start..offset]);
            piece_start = offset + line.len();
        }
        offset += line.len();
    }
    pieces.push(&text[piece_start..]);
    pieces
}

/// Inline elements holding an image or a player are looked into, so that those become
/// blocks of their own rather than vanish from a paragraph.
fn contains_media(element: ElementRef<'_>) -> bool {
    element
        .descendent_elements()
        .any(|e| matches!(e.value().name(), "img" | "iframe"))
}

fn is_discarded(name: &str) -> bool {
    HIDDEN_TAGS.contains(&name) || DROPPED.contains(&name)
}

fn holds_blocks(element: ElementRef<'_>) -> bool {
    element
        .descendent_elements()
        .skip(1)
        .any(|e| !INLINE.contains(&e.value().name()))
}

fn embed(url: &str) -> Option<Block> {
    recognise(url).map(|(url, provider)| Block::Embed { url, provider })
}

fn heading(element: ElementRef<'_>) -> Option<Block> {
    let level = match element.value().name() {
        "h1" | "h2" => 2,
        "h3" => 3,
        _ => 4,
    };
    let inline = clean_inline(&element.inner_html());
    (!is_blank(&inline.text)).then_some(Block::Heading {
        level,
        html: inline.html,
    })
}

/// One item per child element; a list nested in an item stays in that item, a line each.
fn list(element: ElementRef<'_>) -> Option<Block> {
    let items: Vec<String> = element
        .child_elements()
        .filter(|item| !is_discarded(item.value().name()))
        .map(|item| clean_inline(&item.inner_html()))
        .filter(|item| !is_blank(&item.text))
        .map(|item| item.html)
        .collect();
    (!items.is_empty()).then_some(Block::List {
        ordered: element.value().name() == "ol",
        items,
    })
}

fn blockquote(element: ElementRef<'_>) -> Option<Block> {
    if let Some(embed) = marked_embed(element) {
        return Some(embed);
    }
    let mut html = String::new();
    let mut cite = String::new();
    for child in element.children() {
        match ElementRef::wrap(child) {
            Some(e) if matches!(e.value().name(), "cite" | "footer") => {
                cite.push(' ');
                cite.push_str(&text_content(*e, |_| false));
            }
            Some(e) => html.push_str(&e.html()),
            None => {
                if let Some(text) = child.value().as_text() {
                    push_escaped(&mut html, text);
                }
            }
        }
    }
    let inline = clean_inline(&html);
    if is_blank(&inline.text) {
        return None;
    }
    // Without its script, an embedded post is a quote of its text with a link to it. The
    // link is counted after sanitising, as `render_html` will write it, so that a quote
    // reads back as a quote.
    if let [link] = inline.links.as_slice()
        && let Some(embed) = embed(link)
    {
        return Some(embed);
    }
    // "— name" is how attributions are usually typeset; the dash is the theme's business.
    let cite = collapse_whitespace(&cite)
        .trim_start_matches(['—', '–', '―', '-', ' '])
        .to_owned();
    Some(Block::Quote {
        html: inline.html,
        cite: (!is_blank(&cite)).then_some(cite),
    })
}

/// The post a blockquote marked by X's or Instagram's embed code stands for.
fn marked_embed(element: ElementRef<'_>) -> Option<Block> {
    if !["twitter-tweet", "instagram-media"]
        .iter()
        .any(|class| has_class(element, class))
    {
        return None;
    }
    let links: Vec<&str> = element
        .descendent_elements()
        .filter(|e| e.value().name() == "a")
        .filter_map(|a| a.attr("href"))
        .collect();
    // The post's own link comes last in X's markup, after any links in the post's text.
    element
        .attr("data-instgrm-permalink")
        .into_iter()
        .chain(links.into_iter().rev())
        .find_map(embed)
}

/// An image with its caption, an embed as `render_html` writes it, or `None` for a figure
/// to be read through (galleries, embed wrappers, figures around tables).
fn figure(element: ElementRef<'_>) -> Option<Block> {
    if has_class(element, "embed")
        && let Some(url) = element.attr("data-embed-url")
    {
        return embed(url).or_else(|| {
            is_web_url(url).then(|| Block::Embed {
                url: url.trim().to_owned(),
                provider: EmbedProvider::Other,
            })
        });
    }
    let mut images = element
        .descendent_elements()
        .filter(|e| e.value().name() == "img");
    match (images.next(), images.next()) {
        (Some(img), None) => image(img, Some(element)),
        _ => None,
    }
}

fn image<'a>(img: ElementRef<'a>, figure: Option<ElementRef<'a>>) -> Option<Block> {
    // Lazy-loading plugins leave a placeholder in `src` and the picture elsewhere.
    let src = ["src", "data-src", "data-lazy-src"]
        .into_iter()
        .filter_map(|attribute| img.attr(attribute))
        .map(str::trim)
        .find(|src| is_safe_image(src))?;
    let media_id = figure
        .and_then(|f| f.attr("data-media-id"))
        .or_else(|| img.attr("data-media-id"))
        .and_then(|id| id.trim().parse().ok());
    let figcaption = figure.and_then(|f| {
        f.descendent_elements()
            .find(|e| e.value().name() == "figcaption")
    });
    let (caption, credit) = figcaption.map(caption_and_credit).unwrap_or_default();
    Some(Block::Image {
        src: src.to_owned(),
        alt: collapse_whitespace(img.attr("alt").unwrap_or_default()),
        caption,
        credit,
        media_id,
    })
}

/// A credit is marked `<span class="credit">` inside the caption, as `render_html` writes it.
fn caption_and_credit(figcaption: ElementRef<'_>) -> (Option<String>, Option<String>) {
    let is_credit = |e: ElementRef<'_>| has_class(e, "credit");
    let non_blank = |text: String| {
        let text = collapse_whitespace(&text);
        (!is_blank(&text)).then_some(text)
    };
    let caption = non_blank(text_content(*figcaption, is_credit));
    let credit = figcaption
        .descendent_elements()
        .find(|e| is_credit(*e))
        .and_then(|credit| non_blank(text_content(*credit, |_| false)));
    (caption, credit)
}

fn html_block(html: &str) -> Option<Block> {
    let html = sanitize_block(html);
    let visible = !is_blank(&clean_inline(&html).text) || html.contains("<img");
    visible.then_some(Block::Html { html })
}
