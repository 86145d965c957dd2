//! Storing the text of one element in the field of an author, term or item it belongs
//! to, turning numbers and dates into values and naming the element when they are not.

use std::mem;

use chrono::NaiveDateTime;

use crate::error::{Position, ReadError};
use crate::model::{Author, Item, ItemTerm, PostMeta, Term};
use crate::percent::percent_decode;

/// Pieces of an item read from attributes or sub-elements before they can be stored.
#[derive(Default)]
pub(crate) struct ItemParts {
    /// `domain` and `nicename` of the `<category>` being read.
    pub category: (String, String),
    pub meta_key: String,
    pub meta_value: String,
}

/// The first few characters of a text, for an error message.
pub(crate) fn preview(text: &str) -> String {
    let trimmed = text.trim();
    let mut preview: String = trimmed.chars().take(20).collect();
    if preview.len() < trimmed.len() {
        preview.push('…');
    }
    preview
}

pub(crate) fn whole_number(element: &str, text: &str, at: Position) -> Result<i64, ReadError> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Ok(0);
    }
    trimmed.parse().map_err(|_| ReadError::BadValue {
        element: element.into(),
        value: preview(trimmed),
        expected: "a whole number",
        at,
    })
}

/// A WordPress date (`2025-01-31 14:05:00`); `None` for the zeros WordPress writes for
/// "not set".
pub(crate) fn wp_date(
    element: &str,
    text: &str,
    at: Position,
) -> Result<Option<NaiveDateTime>, ReadError> {
    let trimmed = text.trim();
    if trimmed.is_empty() || trimmed.starts_with("0000-00-00") {
        return Ok(None);
    }
    NaiveDateTime::parse_from_str(trimmed, "%Y-%m-%d %H:%M:%S")
        .map(Some)
        .map_err(|_| ReadError::BadValue {
            element: element.into(),
            value: preview(trimmed),
            expected: "a date like 2025-01-31 14:05:00",
            at,
        })
}

pub(crate) fn set_author_field(
    author: &mut Author,
    name: &str,
    text: String,
    at: Position,
) -> Result<(), ReadError> {
    match name {
        "wp:author_id" => author.id = whole_number(name, &text, at)?,
        "wp:author_login" => author.login = text,
        "wp:author_email" => author.email = text,
        "wp:author_display_name" => author.display_name = text,
        "wp:author_first_name" => author.first_name = text,
        "wp:author_last_name" => author.last_name = text,
        _ => {}
    }
    Ok(())
}

pub(crate) fn set_term_field(
    term: &mut Term,
    name: &str,
    text: String,
    at: Position,
) -> Result<(), ReadError> {
    match name {
        "wp:term_id" => term.id = whole_number(name, &text, at)?,
        "wp:term_taxonomy" => term.taxonomy = text.trim().to_string(),
        "wp:category_nicename" | "wp:tag_slug" | "wp:term_slug" => {
            term.slug = percent_decode(text.trim()).into_owned();
        }
        "wp:category_parent" | "wp:term_parent" => {
            let parent = text.trim();
            term.parent_slug = (!parent.is_empty()).then(|| percent_decode(parent).into_owned());
        }
        "wp:cat_name" | "wp:tag_name" | "wp:term_name" => term.name = text,
        "wp:category_description" | "wp:tag_description" | "wp:term_description" => {
            term.description = text;
        }
        _ => {}
    }
    Ok(())
}

pub(crate) fn set_item_field(
    item: &mut Item,
    parts: &mut ItemParts,
    name: &str,
    text: String,
    at: Position,
) -> Result<(), ReadError> {
    match name {
        "title" => item.title = text,
        "link" => item.link = text.trim().to_string(),
        "guid" => item.guid = text.trim().to_string(),
        "dc:creator" => item.creator = text.trim().to_string(),
        "content:encoded" => item.content = text,
        "excerpt:encoded" => item.excerpt = text,
        "wp:post_id" => item.post_id = whole_number(name, &text, at)?,
        "wp:post_date" => item.post_date = wp_date(name, &text, at)?,
        "wp:post_date_gmt" => item.post_date_gmt = wp_date(name, &text, at)?,
        "wp:post_modified" => item.post_modified = wp_date(name, &text, at)?,
        "wp:post_modified_gmt" => item.post_modified_gmt = wp_date(name, &text, at)?,
        "wp:comment_status" => item.comment_status = text.trim().to_string(),
        "wp:post_name" => {
            let raw = text.trim();
            item.post_name = percent_decode(raw).into_owned();
            item.post_name_raw = raw.to_string();
        }
        "wp:status" => item.status = text.trim().to_string(),
        "wp:post_parent" => item.post_parent = whole_number(name, &text, at)?,
        "wp:menu_order" => item.menu_order = whole_number(name, &text, at)?,
        "wp:post_type" => item.post_type = text.trim().to_string(),
        "wp:post_password" => item.password = text,
        "wp:is_sticky" => item.is_sticky = text.trim() == "1",
        "wp:attachment_url" => item.attachment_url = text.trim().to_string(),
        "category" => {
            let (domain, nicename) = mem::take(&mut parts.category);
            item.categories.push(ItemTerm {
                domain,
                slug: percent_decode(&nicename).into_owned(),
                name: text,
            });
        }
        "wp:postmeta" => item.meta.push(PostMeta {
            key: mem::take(&mut parts.meta_key),
            value: mem::take(&mut parts.meta_value),
        }),
        _ => {}
    }
    Ok(())
}
