//! Finding the images of converted content and which WordPress attachment each one is.
//!
//! WordPress marks an inserted image with the class `wp-image-ID`; where the attachment id
//! is only known from around the image (a `[caption id="attachment_ID"]`, a `wp:image`
//! block's attributes, a gallery), conversion adds that class, so that one rule finds
//! every id at the end.

use super::html::{Lexer, Token, attribute, attributes, escape, is_unparsed};

/// An `<img>` of converted content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageRef {
    /// The `src` as written (entities decoded), for [`crate::upload_path`] and
    /// [`crate::rewrite_urls`].
    pub src: String,
    /// The WordPress attachment the image shows, when the content says.
    pub attachment_id: Option<i64>,
}

/// Every `<img>` in `html`, in document order.
pub(crate) fn collect_images(html: &str) -> Vec<ImageRef> {
    let mut images = Vec::new();
    let mut lexer = Lexer::new(html);
    while let Some(token) = lexer.next() {
        let Token::Tag(tag) = token else {
            continue;
        };
        if tag.closing {
            continue;
        }
        if is_unparsed(tag.name) && !tag.self_closing {
            lexer.take_raw(tag.name);
            continue;
        }
        if !tag.is("img") {
            continue;
        }
        let attachment_id = attribute(&tag, "class")
            .and_then(|class| class_image_id(&class))
            .or_else(|| attribute(&tag, "data-id")?.trim().parse().ok());
        images.push(ImageRef {
            src: attribute(&tag, "src").unwrap_or_default(),
            attachment_id,
        });
    }
    images
}

/// The id in a `wp-image-123` class.
fn class_image_id(class: &str) -> Option<i64> {
    class
        .split_ascii_whitespace()
        .find_map(|name| name.strip_prefix("wp-image-")?.parse().ok())
}

/// `fragment` with its first `<img>` marked `wp-image-{id}`, unless that image already
/// names an attachment.
pub(crate) fn mark_image(fragment: &str, id: i64) -> String {
    let mut offset = 0;
    for token in Lexer::new(fragment) {
        let length = match token {
            Token::Text(text) | Token::Comment(text) => text.len(),
            Token::Tag(tag) => tag.raw.len(),
        };
        if let Token::Tag(tag) = token
            && !tag.closing
            && tag.is("img")
        {
            return mark_tag(fragment, offset, tag.raw, id);
        }
        offset += length;
    }
    fragment.to_string()
}

fn mark_tag(fragment: &str, tag_at: usize, raw: &str, id: i64) -> String {
    let Some(Token::Tag(tag)) = Lexer::new(raw).next() else {
        return fragment.to_string();
    };
    let class = attributes(&tag)
        .into_iter()
        .find(|attr| attr.name.eq_ignore_ascii_case("class"));
    let (range, replacement) = match class {
        Some(class) if class_image_id(&class.value()).is_some() => return fragment.to_string(),
        Some(class) => {
            // Replace the value with its quotes, if it had any, by a quoted one.
            let bytes = raw.as_bytes();
            let quote = class.span.start.checked_sub(1).map(|before| bytes[before]);
            let quoted =
                matches!(quote, Some(b'"' | b'\'')) && bytes.get(class.span.end).copied() == quote;
            let range = if quoted {
                class.span.start - 1..class.span.end + 1
            } else {
                class.span.clone()
            };
            let classes = class.value().trim().to_string();
            let joined = if classes.is_empty() {
                format!("wp-image-{id}")
            } else {
                format!("{classes} wp-image-{id}")
            };
            (range, format!("\"{}\"", escape(&joined)))
        }
        None => {
            let after_name = 1 + tag.name.len();
            (after_name..after_name, format!(" class=\"wp-image-{id}\""))
        }
    };
    format!(
        "{}{replacement}{}",
        &fragment[..tag_at + range.start],
        &fragment[tag_at + range.end..]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_images_and_their_attachments() {
        let html = r#"<p><img class="size-full wp-image-33" src="a.jpg&amp;x"> <img src='b.jpg' data-id="7"><img src=c.jpg></p>"#;
        assert_eq!(
            collect_images(html),
            vec![
                ImageRef {
                    src: "a.jpg&x".into(),
                    attachment_id: Some(33)
                },
                ImageRef {
                    src: "b.jpg".into(),
                    attachment_id: Some(7)
                },
                ImageRef {
                    src: "c.jpg".into(),
                    attachment_id: None
                },
            ]
        );
    }

    #[test]
    fn marks_images_once() {
        assert_eq!(
            mark_image(r#"<figure><img src="a.jpg"/></figure>"#, 12),
            r#"<figure><img class="wp-image-12" src="a.jpg"/></figure>"#
        );
        assert_eq!(
            mark_image(r#"<img class="alignleft" src="a.jpg">"#, 12),
            r#"<img class="alignleft wp-image-12" src="a.jpg">"#
        );
        let marked = r#"<img class="wp-image-3" src="a.jpg">"#;
        assert_eq!(mark_image(marked, 12), marked);
        assert_eq!(mark_image("no image", 12), "no image");
        assert_eq!(
            mark_image("<img class=left src=a.jpg>", 4),
            r#"<img class="left wp-image-4" src=a.jpg>"#
        );
    }
}
