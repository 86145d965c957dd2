//! From blocks to the HTML a theme shows and to the plain text that excerpts, search, word
//! counts and feeds use.

use super::Block;
use super::dom::{escape, is_blank};
use super::sanitize::{clean_inline, is_safe_image, is_web_url, sanitize_block};

/// Renders blocks as HTML, one block a line.
///
/// Safe whatever the blocks hold: inline HTML is sanitised again, plain-text fields are
/// escaped, and images or embeds with an unsafe address are left out. Embeds load nothing
/// from their platform; each is a link the theme may swap for the player when it is clicked.
/// `from_html` reads this output back into the same blocks.
pub fn render_html(blocks: &[Block]) -> String {
    blocks
        .iter()
        .filter_map(render_block)
        .collect::<Vec<_>>()
        .join("\n")
}

fn render_block(block: &Block) -> Option<String> {
    match block {
        Block::Paragraph { html } => inline(html).map(|html| format!("<p dir=\"auto\">{html}</p>")),
        Block::Heading { level, html } => {
            let level = (*level).clamp(2, 4);
            inline(html).map(|html| format!("<h{level} dir=\"auto\">{html}</h{level}>"))
        }
        Block::Quote { html, cite } => {
            let html = inline(html)?;
            let cite = non_blank(cite.as_deref())
                .map(|cite| format!("<cite>{}</cite>", escape(cite)))
                .unwrap_or_default();
            Some(format!(
                "<blockquote dir=\"auto\"><p>{html}</p>{cite}</blockquote>"
            ))
        }
        Block::List { ordered, items } => {
            let tag = if *ordered { "ol" } else { "ul" };
            let items: String = items
                .iter()
                .filter_map(|item| inline(item))
                .map(|item| format!("<li>{item}</li>"))
                .collect();
            (!items.is_empty()).then(|| format!("<{tag} dir=\"auto\">{items}</{tag}>"))
        }
        Block::Image {
            src,
            alt,
            caption,
            credit,
            media_id,
        } => {
            if !is_safe_image(src) {
                return None;
            }
            let media_id = media_id
                .map(|id| format!(" data-media-id=\"{id}\""))
                .unwrap_or_default();
            let caption = non_blank(caption.as_deref()).map(escape);
            let credit = non_blank(credit.as_deref())
                .map(|credit| format!("<span class=\"credit\">{}</span>", escape(credit)));
            let figcaption = match (caption, credit) {
                (None, None) => String::new(),
                (caption, credit) => format!(
                    "<figcaption>{}</figcaption>",
                    [caption, credit]
                        .into_iter()
                        .flatten()
                        .collect::<Vec<_>>()
                        .join(" ")
                ),
            };
            Some(format!(
                "<figure class=\"body-image\"{media_id}><img src=\"{}\" alt=\"{}\" \
                 loading=\"lazy\" decoding=\"async\">{figcaption}</figure>",
                escape(src.trim()),
                escape(alt),
            ))
        }
        Block::Embed { url, provider } => {
            if !is_web_url(url) {
                return None;
            }
            let url = escape(url.trim());
            Some(format!(
                "<figure class=\"embed embed-{}\" data-embed-url=\"{url}\"><a href=\"{url}\" \
                 rel=\"noopener\" target=\"_blank\">{}</a></figure>",
                provider.slug(),
                provider.label(),
            ))
        }
        Block::Divider => Some("<hr>".to_owned()),
        Block::Html { html } => {
            // The wrapper tells `from_html` where the block ends, and gives themes a handle
            // to let wide tables scroll on narrow screens.
            let html = sanitize_block(html);
            (!html.trim().is_empty()).then(|| format!("<div class=\"body-html\">{html}</div>"))
        }
    }
}

/// Sanitised inline HTML, or `None` when a reader would see nothing of it.
fn inline(html: &str) -> Option<String> {
    let inline = clean_inline(html);
    (!is_blank(&inline.text)).then_some(inline.html)
}

fn non_blank(text: Option<&str>) -> Option<&str> {
    text.filter(|text| !is_blank(text))
}

/// The text of the blocks, a blank line between blocks and a newline for each line break
/// or list item. Images give their caption; embeds and dividers give nothing.
pub fn plain_text(blocks: &[Block]) -> String {
    blocks
        .iter()
        .filter_map(block_text)
        .filter(|text| !is_blank(text))
        .collect::<Vec<_>>()
        .join("\n\n")
}

fn block_text(block: &Block) -> Option<String> {
    match block {
        Block::Paragraph { html } | Block::Heading { html, .. } | Block::Html { html } => {
            Some(clean_inline(html).text)
        }
        Block::Quote { html, cite } => {
            let mut text = clean_inline(html).text;
            if let Some(cite) = non_blank(cite.as_deref()) {
                text.push('\n');
                text.push_str(cite.trim());
            }
            Some(text)
        }
        Block::List { items, .. } => Some(
            items
                .iter()
                .map(|item| clean_inline(item).text)
                .filter(|text| !is_blank(text))
                .collect::<Vec<_>>()
                .join("\n"),
        ),
        Block::Image { caption, .. } => non_blank(caption.as_deref()).map(|c| c.trim().to_owned()),
        Block::Embed { .. } | Block::Divider => None,
    }
}
