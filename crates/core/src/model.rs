//! The content model: what a newsroom publishes (articles, caricatures, pages) and what it is
//! filed under (sections, tags, bylines), plus media, user accounts and the change log entry.

use crate::body::Block;
use crate::error::{ErrorCode, ValidationError, Violations};
use crate::role::Role;
use chrono::{DateTime, SubsecRound, Utc};
use serde::{Deserialize, Serialize};

/// Every stored thing has a stable numeric id.
pub type Id = i64;

/// Limits, in characters. Generous enough for real headlines, small enough to stop garbage.
pub const MAX_TITLE: usize = 300;
pub const MAX_SHORT_TEXT: usize = 500;
pub const MAX_EXCERPT: usize = 2000;
pub const MAX_NAME: usize = 120;
pub const MAX_SLUG: usize = 200;
pub const MAX_EMAIL: usize = 254;

/// The current time at the precision both backends keep (microseconds), so that what is read
/// back equals what was written.
pub fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

/// Normalises a time to the stored precision.
pub fn stored_time(t: DateTime<Utc>) -> DateTime<Utc> {
    t.trunc_subsecs(6)
}

macro_rules! string_enum {
    ($(#[$m:meta])* $name:ident { $($variant:ident => $s:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, ::serde::Serialize, ::serde::Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $s),+ }
            }
            pub fn parse(s: &str) -> Option<$name> {
                match s { $($s => Some($name::$variant),)+ _ => None }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
pub(crate) use string_enum;

string_enum!(
    /// What kind of item an article row is. Caricatures and pages share the article table
    /// because they share the workflow (drafts, scheduling, revisions).
    ArticleKind { Article => "article", Caricature => "caricature", Page => "page" }
);

string_enum!(
    /// Where an item is in the newsroom's workflow. Only `Published` is public.
    Status {
        Draft => "draft",
        Pending => "pending",
        Scheduled => "scheduled",
        Published => "published",
        Archived => "archived",
    }
);

string_enum!(
    /// The kinds of entity the change log speaks of.
    EntityKind {
        Article => "article",
        Section => "section",
        Tag => "tag",
        Author => "author",
        User => "user",
        Media => "media",
        Settings => "settings",
    }
);

/// What an editor, the API or an importer writes for an article, a caricature or a page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArticleData {
    pub kind: ArticleKind,
    pub status: Status,
    pub title: String,
    /// Empty means "derive it from the title".
    pub slug: String,
    pub subtitle: Option<String>,
    pub excerpt: Option<String>,
    pub body: Vec<Block>,
    pub section_id: Option<Id>,
    /// Pages only: the parent page.
    pub parent_id: Option<Id>,
    pub tag_ids: Vec<Id>,
    pub author_ids: Vec<Id>,
    /// The source line, such as «وكالات».
    pub source: Option<String>,
    pub image_id: Option<Id>,
    pub image_caption: Option<String>,
    pub image_alt: Option<String>,
    pub image_credit: Option<String>,
    /// Caricatures: the cartoonist.
    pub artist: Option<String>,
    pub seo_title: Option<String>,
    pub seo_description: Option<String>,
    pub breaking: bool,
    pub featured: bool,
    /// When it was (or will be, when scheduled) published.
    pub published_at: Option<DateTime<Utc>>,
    /// The last update readers are told about («حُدّث في …»); `None` when never updated
    /// after publication. Distinct from the row's technical modification time.
    pub updated_at: Option<DateTime<Utc>>,
    /// The id of this item in the system it came from (`wp-123`); makes imports idempotent.
    pub external_id: Option<String>,
}

impl ArticleData {
    pub fn new(kind: ArticleKind, title: impl Into<String>) -> Self {
        ArticleData {
            kind,
            status: Status::Draft,
            title: title.into(),
            slug: String::new(),
            subtitle: None,
            excerpt: None,
            body: Vec::new(),
            section_id: None,
            parent_id: None,
            tag_ids: Vec::new(),
            author_ids: Vec::new(),
            source: None,
            image_id: None,
            image_caption: None,
            image_alt: None,
            image_credit: None,
            artist: None,
            seo_title: None,
            seo_description: None,
            breaking: false,
            featured: false,
            published_at: None,
            updated_at: None,
            external_id: None,
        }
    }

    /// Puts the item in its canonical form before it is stored: trims text, turns blank
    /// optional text into `None`, normalises the slug, fills the publication time of a
    /// published item, and publishes a scheduled item whose time has already passed.
    pub fn normalize(&mut self, now: DateTime<Utc>) {
        self.title = collapse_spaces(&self.title);
        for field in [
            &mut self.subtitle,
            &mut self.excerpt,
            &mut self.source,
            &mut self.image_caption,
            &mut self.image_alt,
            &mut self.image_credit,
            &mut self.artist,
            &mut self.seo_title,
            &mut self.seo_description,
            &mut self.external_id,
        ] {
            *field = field
                .take()
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty());
        }
        self.slug = if self.slug.trim().is_empty() {
            midad_arabic::slugify(&self.title)
        } else {
            midad_arabic::slugify(&self.slug)
        };
        if self.slug.is_empty() {
            // A title of only symbols or emoji: still give the item a readable address.
            self.slug = self.kind.as_str().to_string();
        }
        self.published_at = self.published_at.map(stored_time);
        self.updated_at = self.updated_at.map(stored_time);
        match self.status {
            Status::Published if self.published_at.is_none() => self.published_at = Some(now),
            Status::Scheduled if self.published_at.is_some_and(|t| t <= now) => {
                self.status = Status::Published
            }
            _ => {}
        }
        dedup_keep_order(&mut self.tag_ids);
        dedup_keep_order(&mut self.author_ids);
    }

    /// The rules every stored item obeys. Reports every broken rule, not just the first.
    pub fn validate(&self) -> Result<(), Violations> {
        let mut v = Violations::default();
        if self.title.trim().is_empty() {
            v.add("title", ErrorCode::TitleRequired);
        } else if self.title.chars().count() > MAX_TITLE {
            v.push(
                ValidationError::new("title", ErrorCode::TitleTooLong)
                    .with_detail(format!("at most {MAX_TITLE} characters")),
            );
        }
        if self.kind != ArticleKind::Caricature && self.body.is_empty() {
            v.add("body", ErrorCode::BodyRequired);
        }
        if self.kind == ArticleKind::Caricature && self.image_id.is_none() {
            v.add("image", ErrorCode::ImageRequired);
        }
        if self.kind != ArticleKind::Page && self.parent_id.is_some() {
            v.add("parent", ErrorCode::ParentNotAllowed);
        }
        if self.slug.is_empty()
            || self.slug.chars().count() > MAX_SLUG
            || self.slug.contains(['/', '?', '#', '%', ' '])
        {
            v.add("slug", ErrorCode::SlugInvalid);
        }
        let limited = [
            ("subtitle", &self.subtitle, MAX_SHORT_TEXT),
            ("excerpt", &self.excerpt, MAX_EXCERPT),
            ("source", &self.source, MAX_NAME),
            ("image_caption", &self.image_caption, MAX_SHORT_TEXT),
            ("image_alt", &self.image_alt, MAX_SHORT_TEXT),
            ("image_credit", &self.image_credit, MAX_NAME),
            ("artist", &self.artist, MAX_NAME),
            ("seo_title", &self.seo_title, MAX_TITLE),
            ("seo_description", &self.seo_description, MAX_SHORT_TEXT),
            ("external_id", &self.external_id, MAX_NAME),
        ];
        for (field, value, max) in limited {
            if value.as_ref().is_some_and(|s| s.chars().count() > max) {
                v.push(
                    ValidationError::new(field, ErrorCode::TextTooLong)
                        .with_detail(format!("at most {max} characters")),
                );
            }
        }
        if self.status == Status::Scheduled && self.published_at.is_none() {
            v.push(
                ValidationError::new("published_at", ErrorCode::DateInvalid)
                    .with_detail("a scheduled item needs its publication time"),
            );
        }
        v.into_result()
    }
}

/// A stored article, caricature or page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Article {
    pub id: Id,
    /// Bumped on every write; a save that names an older version is refused (optimistic
    /// locking), so nobody silently overwrites a colleague.
    pub version: i64,
    pub created_at: DateTime<Utc>,
    /// When the row last changed, for caches and sitemaps.
    pub modified_at: DateTime<Utc>,
    /// Words in the body, counted when it was written: a card's reading time, read without
    /// the body. `None` until counted.
    #[serde(default)]
    pub words: Option<i64>,
    #[serde(flatten)]
    pub data: ArticleData,
}

/// A section of the paper («سياسة»), optionally under a parent section.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Section {
    pub id: Id,
    pub name: String,
    pub slug: String,
    pub parent_id: Option<Id>,
    pub description: Option<String>,
    /// Order in the navigation.
    pub position: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tag {
    pub id: Id,
    pub name: String,
    pub slug: String,
}

/// A byline: a public profile with a page of its own. It needs no user account (agency
/// bylines, imported writers).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Author {
    pub id: Id,
    pub name: String,
    pub slug: String,
    pub bio: Option<String>,
    pub photo_id: Option<Id>,
}

/// Someone who signs in to the back office.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub id: Id,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub author_id: Option<Id>,
    /// argon2id PHC string; `None` for an account that must set its password by reset.
    #[serde(skip_serializing)]
    pub password_hash: Option<String>,
    pub disabled: bool,
    pub created_at: DateTime<Utc>,
}

/// An uploaded or imported file, stored under the media folder at `path`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Media {
    pub id: Id,
    /// Relative to the media root, with `/` separators: `2024/11/3f2a9c-cartoon.svg`.
    pub path: String,
    pub mime: String,
    pub width: Option<i64>,
    pub height: Option<i64>,
    pub size: i64,
    pub alt: Option<String>,
    pub caption: Option<String>,
    pub credit: Option<String>,
    /// Widths of the narrower copies beside the file (`…-640w.jpg` and `…-640w.webp`).
    pub variants: Vec<u32>,
    pub created_at: DateTime<Utc>,
}

/// One entry of the change log: "this entity changed", with the order of commits.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    pub seq: i64,
    pub kind: EntityKind,
    pub entity_id: Id,
    pub at: DateTime<Utc>,
}

/// Checks a name of a section, tag or byline.
pub fn validate_name(field: &str, name: &str) -> Result<(), ValidationError> {
    let n = name.trim();
    if n.is_empty() {
        Err(ValidationError::new(field, ErrorCode::NameRequired))
    } else if n.chars().count() > MAX_NAME {
        Err(ValidationError::new(field, ErrorCode::NameTooLong)
            .with_detail(format!("at most {MAX_NAME} characters")))
    } else {
        Ok(())
    }
}

/// A deliberately plain check: one `@`, something on both sides, a dot in the domain, no
/// spaces. Delivery is the real test; this only catches typos.
pub fn validate_email(email: &str) -> Result<String, ValidationError> {
    let e = email.trim().to_lowercase();
    let ok = e.len() <= MAX_EMAIL
        && !e.contains(char::is_whitespace)
        && match e.split_once('@') {
            Some((local, domain)) => {
                !local.is_empty()
                    && !domain.contains('@')
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
            }
            None => false,
        };
    if ok {
        Ok(e)
    } else {
        Err(ValidationError::new("email", ErrorCode::EmailInvalid).with_detail(email.to_string()))
    }
}

/// Slug for a name (section, tag, byline); never empty.
pub fn name_slug(name: &str, fallback: &str) -> String {
    let s = midad_arabic::slugify(name);
    if s.is_empty() {
        fallback.to_string()
    } else {
        s
    }
}

fn collapse_spaces(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn dedup_keep_order(ids: &mut Vec<Id>) {
    let mut seen = std::collections::HashSet::new();
    ids.retain(|id| seen.insert(*id));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::body::Block;

    fn article() -> ArticleData {
        let mut a = ArticleData::new(ArticleKind::Article, "  الحكومة   تعلن خطة  ");
        a.body = vec![Block::Paragraph {
            html: "نص".into()
        }];
        a
    }

    #[test]
    fn normalize_derives_slug_and_trims() {
        let mut a = article();
        a.subtitle = Some("   ".into());
        a.normalize(now());
        assert_eq!(a.title, "الحكومة تعلن خطة");
        assert_eq!(a.slug, "الحكومة-تعلن-خطة");
        assert_eq!(a.subtitle, None);
        assert!(a.validate().is_ok());
    }

    #[test]
    fn scheduled_in_the_past_is_published() {
        let t = now();
        let mut a = article();
        a.status = Status::Scheduled;
        a.published_at = Some(t - chrono::Duration::hours(1));
        a.normalize(t);
        assert_eq!(a.status, Status::Published);
    }

    #[test]
    fn every_broken_rule_is_reported() {
        let mut a = ArticleData::new(ArticleKind::Caricature, "");
        a.parent_id = Some(3);
        a.slug = "x".into();
        let codes = a.validate().unwrap_err().codes();
        assert_eq!(
            codes,
            vec![
                ErrorCode::TitleRequired,
                ErrorCode::ImageRequired,
                ErrorCode::ParentNotAllowed
            ]
        );
    }

    #[test]
    fn emails() {
        assert_eq!(
            validate_email(" Sara@Example.org ").unwrap(),
            "sara@example.org"
        );
        for bad in ["", "a", "a@b", "a b@c.d", "@c.d", "a@.d", "a@@b.c"] {
            assert!(validate_email(bad).is_err(), "{bad}");
        }
    }
}
