//! Post content as WordPress stored it (classic text, block markup, shortcodes) turned
//! into plain HTML that Midad's HTML-to-blocks parser reads well: paragraphs in `<p>`,
//! images in `<figure>`, embeds as a paragraph holding only their URL.

mod autop;
mod blocks;
mod embed;
mod html;
mod images;
mod shortcodes;

use std::collections::HashMap;

pub use html::rewrite_urls;
pub use images::ImageRef;

use crate::model::Item;

/// What an attachment looks like to a gallery: the importer knows the attachments (they
/// are items of the same export) and lends them to the conversion through this trait.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AttachmentInfo {
    /// The original file's URL (`wp:attachment_url`).
    pub url: String,
    /// `_wp_attachment_image_alt`.
    pub alt: String,
    /// The attachment's caption (its excerpt).
    pub caption: String,
}

impl AttachmentInfo {
    /// The gallery view of an attachment item.
    pub fn from_item(item: &Item) -> Self {
        AttachmentInfo {
            url: item.attachment_url.clone(),
            alt: item
                .meta("_wp_attachment_image_alt")
                .unwrap_or_default()
                .to_string(),
            caption: item.excerpt.clone(),
        }
    }
}

/// Attachments by id, for `[gallery]`.
pub trait AttachmentLookup {
    fn attachment(&self, id: i64) -> Option<AttachmentInfo>;

    /// What a `[gallery]` naming no ids shows: the images attached to the post being
    /// converted, in their menu order. Empty unless the lookup knows that post.
    fn gallery_default(&self) -> Vec<i64> {
        Vec::new()
    }
}

/// A lookup that knows no attachments (galleries come out empty and are reported).
pub struct NoAttachments;

impl AttachmentLookup for NoAttachments {
    fn attachment(&self, _id: i64) -> Option<AttachmentInfo> {
        None
    }
}

/// The attachments of an export, gathered from its items during a first pass.
#[derive(Debug, Clone, Default)]
pub struct Attachments {
    by_id: HashMap<i64, Attached>,
}

#[derive(Debug, Clone)]
struct Attached {
    info: AttachmentInfo,
    parent: i64,
    menu_order: i64,
}

impl Attachments {
    pub fn new() -> Self {
        Self::default()
    }

    /// Remembers `item` if it is an attachment; returns whether it was.
    pub fn insert(&mut self, item: &Item) -> bool {
        if item.post_type != "attachment" {
            return false;
        }
        let attached = Attached {
            info: AttachmentInfo::from_item(item),
            parent: item.post_parent,
            menu_order: item.menu_order,
        };
        self.by_id.insert(item.post_id, attached);
        true
    }

    pub fn get(&self, id: i64) -> Option<&AttachmentInfo> {
        self.by_id.get(&id).map(|attached| &attached.info)
    }

    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }

    /// A lookup for converting one post, whose `[gallery]` without ids shows the
    /// attachments whose parent is `post_id`.
    pub fn for_post(&self, post_id: i64) -> PostAttachments<'_> {
        PostAttachments {
            attachments: self,
            post_id,
        }
    }
}

impl AttachmentLookup for Attachments {
    fn attachment(&self, id: i64) -> Option<AttachmentInfo> {
        self.get(id).cloned()
    }
}

/// [`Attachments`] seen from one post.
pub struct PostAttachments<'a> {
    attachments: &'a Attachments,
    post_id: i64,
}

impl AttachmentLookup for PostAttachments<'_> {
    fn attachment(&self, id: i64) -> Option<AttachmentInfo> {
        self.attachments.attachment(id)
    }

    fn gallery_default(&self) -> Vec<i64> {
        let mut children: Vec<(i64, i64)> = self
            .attachments
            .by_id
            .iter()
            .filter(|(_, attached)| attached.parent == self.post_id)
            .map(|(&id, attached)| (attached.menu_order, id))
            .collect();
        children.sort_unstable();
        children.into_iter().map(|(_, id)| id).collect()
    }
}

/// The result of [`content_to_html`]: the HTML and what the importer has to act on.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Converted {
    pub html: String,
    /// Every `<img>` of `html`, in order, with the attachment it shows when known, so the
    /// importer can copy the files and rewrite the `src` ([`rewrite_urls`]).
    pub images: Vec<ImageRef>,
    /// Shortcodes left as text because only a WordPress plugin knew what they showed
    /// (`contact-form-7`), each named once.
    pub unknown_shortcodes: Vec<String>,
    /// Attachment ids a gallery named that the lookup did not know.
    pub missing_attachments: Vec<i64>,
    /// Dynamic blocks (`latest-posts`, `block` for a reusable block) whose output
    /// WordPress made at display time and which therefore have nothing to convert.
    pub dropped_blocks: Vec<String>,
}

/// What conversion found to report, each thing once.
#[derive(Debug, Default)]
pub(crate) struct Report {
    pub unknown_shortcodes: Vec<String>,
    pub missing_attachments: Vec<i64>,
    pub dropped_blocks: Vec<String>,
}

impl Report {
    fn unknown_shortcode(&mut self, name: &str) {
        if !self.unknown_shortcodes.iter().any(|known| known == name) {
            self.unknown_shortcodes.push(name.to_string());
        }
    }

    fn missing_attachment(&mut self, id: i64) {
        if !self.missing_attachments.contains(&id) {
            self.missing_attachments.push(id);
        }
    }

    fn dropped_block(&mut self, name: &str) {
        if !self.dropped_blocks.iter().any(|known| known == name) {
            self.dropped_blocks.push(name.to_string());
        }
    }
}

/// Converts a post's `content:encoded` to HTML, following what WordPress does when it
/// shows the post: block markup loses its delimiter comments; classic text gets its
/// paragraphs (`wpautop`); `[caption]`, `[embed]`, `[gallery]` and lone embeddable URLs
/// become figures and URL paragraphs; the `<!--more-->` and `<!--nextpage-->` markers go.
pub fn content_to_html(content: &str, lookup: &impl AttachmentLookup) -> Converted {
    let mut report = Report::default();
    let content = without_markers(&normalize_newlines(content));
    let html = if blocks::has_blocks(&content) {
        blocks::render(&content, lookup, &mut report)
    } else {
        classic(&content, lookup, &mut report)
    };
    Converted {
        images: images::collect_images(&html),
        html,
        unknown_shortcodes: report.unknown_shortcodes,
        missing_attachments: report.missing_attachments,
        dropped_blocks: report.dropped_blocks,
    }
}

/// Classic content: shortcodes first (their figures are blocks autop must not wrap), then
/// lone embed URLs, then paragraphs.
fn classic(text: &str, lookup: &dyn AttachmentLookup, report: &mut Report) -> String {
    let expanded = shortcodes::expand(text, lookup, report);
    autop::autop(&embed::embed_lines(&expanded))
}

fn normalize_newlines(text: &str) -> String {
    if text.contains('\r') {
        text.replace("\r\n", "\n").replace('\r', "\n")
    } else {
        text.to_string()
    }
}

/// Removes `<!--more-->` (also `<!--more Read on-->`), `<!--nextpage-->` and
/// `<!--noteaser-->`: markers for WordPress's archive pages, not content.
fn without_markers(text: &str) -> String {
    const MARKERS: &[&str] = &["<!--more", "<!--nextpage-->", "<!--noteaser-->"];
    if !text.contains("<!--") {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("<!--") {
        out.push_str(&rest[..start]);
        let comment = &rest[start..];
        let end = comment.find("-->").map_or(comment.len(), |end| end + 3);
        if !MARKERS.iter().any(|marker| comment.starts_with(marker)) {
            out.push_str(&comment[..end]);
        }
        rest = &comment[end..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Text with the characters that matter to conversion: Arabic, brackets, markup.
    const MESSY: &str = "[a-z \\[\\]/=\"<>!\\-\n\t&;#0-9\u{627}-\u{64a}]{0,200}";

    proptest! {
        #[test]
        fn conversion_never_panics(content in MESSY) {
            let converted = content_to_html(&content, &NoAttachments);
            prop_assert!(converted.html.len() <= content.len() * 4 + 64);
        }

        #[test]
        fn tokens_give_back_the_text(text in MESSY) {
            let joined: String = html::Lexer::new(&text)
                .map(|token| match token {
                    html::Token::Text(t) | html::Token::Comment(t) => t,
                    html::Token::Tag(tag) => tag.raw,
                })
                .collect();
            prop_assert_eq!(joined, text);
        }

        #[test]
        fn paragraphs_are_made_once(text in "[a-z \u{627}-\u{64a}\n]{0,200}") {
            let once = autop::autop(&text);
            prop_assert_eq!(autop::autop(&once), once.clone());
        }
    }

    #[test]
    fn markers_are_removed() {
        assert_eq!(without_markers("a<!--more-->b<!--more Read on-->c"), "abc");
        assert_eq!(
            without_markers("a<!--nextpage-->b<!-- keep -->"),
            "ab<!-- keep -->"
        );
    }

    #[test]
    fn classic_post_with_everything() {
        let mut attachments = Attachments::new();
        attachments.insert(&Item {
            post_id: 5,
            post_type: "attachment".into(),
            post_parent: 9,
            attachment_url: "http://s/wp-content/uploads/a.jpg".into(),
            excerpt: "A caption".into(),
            ..Item::default()
        });
        let content =
            "Intro line one\nline two\r\n\r\n[gallery]\n\nhttps://youtu.be/abc\n\n[myplugin x=1]";
        let converted = content_to_html(content, &attachments.for_post(9));
        assert_eq!(
            converted.html,
            "<p>Intro line one<br>\nline two</p>\n<figure><img src=\"http://s/wp-content/uploads/a.jpg\" alt=\"\" class=\"wp-image-5\"><figcaption>A caption</figcaption></figure>\n<p>https://youtu.be/abc</p>\n<p>[myplugin x=1]</p>\n"
        );
        assert_eq!(
            converted.images,
            vec![ImageRef {
                src: "http://s/wp-content/uploads/a.jpg".into(),
                attachment_id: Some(5)
            }]
        );
        assert_eq!(converted.unknown_shortcodes, vec!["myplugin"]);
    }
}
