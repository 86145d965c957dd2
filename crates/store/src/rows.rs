//! Turning rows of either backend into domain values. `Get` hides the row type, so each
//! decoder is written once.

use crate::{Result, StoreError};
use chrono::{DateTime, Utc};
use midad_core::{
    Article, ArticleData, ArticleKind, Author, Change, EntityKind, Media, Role, Section, Status,
    Tag, User,
};
use sqlx::Row;

pub(crate) trait Get {
    fn int(&self, col: &str) -> Result<i64>;
    fn opt_int(&self, col: &str) -> Result<Option<i64>>;
    fn text(&self, col: &str) -> Result<String>;
    fn opt_text(&self, col: &str) -> Result<Option<String>>;
    fn boolean(&self, col: &str) -> Result<bool>;
    fn time(&self, col: &str) -> Result<DateTime<Utc>>;
    fn opt_time(&self, col: &str) -> Result<Option<DateTime<Utc>>>;
}

macro_rules! impl_get {
    ($row:ty) => {
        impl Get for $row {
            fn int(&self, col: &str) -> Result<i64> {
                Ok(self.try_get(col)?)
            }
            fn opt_int(&self, col: &str) -> Result<Option<i64>> {
                Ok(self.try_get(col)?)
            }
            fn text(&self, col: &str) -> Result<String> {
                Ok(self.try_get(col)?)
            }
            fn opt_text(&self, col: &str) -> Result<Option<String>> {
                Ok(self.try_get(col)?)
            }
            fn boolean(&self, col: &str) -> Result<bool> {
                Ok(self.try_get(col)?)
            }
            fn time(&self, col: &str) -> Result<DateTime<Utc>> {
                Ok(self.try_get(col)?)
            }
            fn opt_time(&self, col: &str) -> Result<Option<DateTime<Utc>>> {
                Ok(self.try_get(col)?)
            }
        }
    };
}
impl_get!(sqlx::sqlite::SqliteRow);
impl_get!(sqlx::postgres::PgRow);

fn parse<T>(what: &str, value: &str, f: impl Fn(&str) -> Option<T>) -> Result<T> {
    f(value).ok_or_else(|| StoreError::Corrupt(format!("unknown {what} «{value}»")))
}

pub(crate) fn change(r: &(impl Get + ?Sized)) -> Result<Change> {
    Ok(Change {
        seq: r.int("seq")?,
        kind: parse("entity kind", &r.text("kind")?, EntityKind::parse)?,
        entity_id: r.int("entity_id")?,
        at: r.time("at")?,
    })
}

pub(crate) const ARTICLE_COLUMNS: &str = "id, kind, status, title, slug, subtitle, excerpt, body, \
    section_id, parent_id, source, image_id, image_caption, image_alt, image_credit, artist, \
    seo_title, seo_description, breaking, featured, published_at, updated_at, external_id, \
    version, created_at, modified_at, words";

/// The columns of a card: an article as a list shows it, without its body.
pub(crate) const CARD_COLUMNS: &str = "id, kind, status, title, slug, subtitle, excerpt, \
    '[]' AS body, section_id, parent_id, source, image_id, image_caption, image_alt, \
    image_credit, artist, seo_title, seo_description, breaking, featured, published_at, \
    updated_at, external_id, version, created_at, modified_at, words";

/// An article without its tag and byline ids, which live in their own tables.
pub(crate) fn article(r: &(impl Get + ?Sized)) -> Result<Article> {
    let body_json = r.text("body")?;
    let body = serde_json::from_str(&body_json)
        .map_err(|e| StoreError::Corrupt(format!("article body: {e}")))?;
    Ok(Article {
        id: r.int("id")?,
        version: r.int("version")?,
        created_at: r.time("created_at")?,
        modified_at: r.time("modified_at")?,
        words: r.opt_int("words")?,
        data: ArticleData {
            kind: parse("kind", &r.text("kind")?, ArticleKind::parse)?,
            status: parse("status", &r.text("status")?, Status::parse)?,
            title: r.text("title")?,
            slug: r.text("slug")?,
            subtitle: r.opt_text("subtitle")?,
            excerpt: r.opt_text("excerpt")?,
            body,
            section_id: r.opt_int("section_id")?,
            parent_id: r.opt_int("parent_id")?,
            tag_ids: Vec::new(),
            author_ids: Vec::new(),
            source: r.opt_text("source")?,
            image_id: r.opt_int("image_id")?,
            image_caption: r.opt_text("image_caption")?,
            image_alt: r.opt_text("image_alt")?,
            image_credit: r.opt_text("image_credit")?,
            artist: r.opt_text("artist")?,
            seo_title: r.opt_text("seo_title")?,
            seo_description: r.opt_text("seo_description")?,
            breaking: r.boolean("breaking")?,
            featured: r.boolean("featured")?,
            published_at: r.opt_time("published_at")?,
            updated_at: r.opt_time("updated_at")?,
            external_id: r.opt_text("external_id")?,
        },
    })
}

pub(crate) fn section(r: &(impl Get + ?Sized)) -> Result<Section> {
    Ok(Section {
        id: r.int("id")?,
        name: r.text("name")?,
        slug: r.text("slug")?,
        parent_id: r.opt_int("parent_id")?,
        description: r.opt_text("description")?,
        position: r.int("position")?,
    })
}

pub(crate) fn tag(r: &(impl Get + ?Sized)) -> Result<Tag> {
    Ok(Tag {
        id: r.int("id")?,
        name: r.text("name")?,
        slug: r.text("slug")?,
    })
}

pub(crate) fn author(r: &(impl Get + ?Sized)) -> Result<Author> {
    Ok(Author {
        id: r.int("id")?,
        name: r.text("name")?,
        slug: r.text("slug")?,
        bio: r.opt_text("bio")?,
        photo_id: r.opt_int("photo_id")?,
    })
}

pub(crate) fn user(r: &(impl Get + ?Sized)) -> Result<User> {
    Ok(User {
        id: r.int("id")?,
        email: r.text("email")?,
        name: r.text("name")?,
        role: parse("role", &r.text("role")?, Role::parse)?,
        author_id: r.opt_int("author_id")?,
        password_hash: r.opt_text("password_hash")?,
        disabled: r.boolean("disabled")?,
        created_at: r.time("created_at")?,
    })
}

pub(crate) fn media(r: &(impl Get + ?Sized)) -> Result<Media> {
    Ok(Media {
        id: r.int("id")?,
        path: r.text("path")?,
        mime: r.text("mime")?,
        width: r.opt_int("width")?,
        height: r.opt_int("height")?,
        size: r.int("size")?,
        alt: r.opt_text("alt")?,
        caption: r.opt_text("caption")?,
        credit: r.opt_text("credit")?,
        variants: parse_widths(&r.text("variants")?),
        created_at: r.time("created_at")?,
    })
}

/// `320,640,1024` → the widths; anything unreadable is skipped (no variant is better than a
/// broken image).
pub(crate) fn parse_widths(text: &str) -> Vec<u32> {
    text.split(',')
        .filter_map(|w| w.trim().parse().ok())
        .collect()
}

pub(crate) fn format_widths(widths: &[u32]) -> String {
    widths
        .iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join(",")
}
