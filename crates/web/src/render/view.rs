//! What templates receive for an article: display-ready values (URLs, dates in the site's
//! language, rendered body), so a theme never has to compute.

use super::context::Locale;
use midad_core::{Article, ArticleKind, Author, Media, Section, Tag, body};
use serde::Serialize;
use std::collections::HashMap;

#[derive(Serialize, Clone)]
pub(crate) struct Link {
    pub name: String,
    pub url: String,
}

#[derive(Serialize, Clone)]
pub(crate) struct Image {
    pub url: String,
    pub width: Option<i64>,
    pub height: Option<i64>,
    pub alt: String,
    pub caption: Option<String>,
    pub credit: Option<String>,
    /// `srcset` in the original format and in WebP, when narrower copies exist.
    pub srcset: Option<String>,
    pub webp_srcset: Option<String>,
}

/// `srcset` values for an image with variants: the copies at each width in `kind`, then the
/// original at its own width (when it is of that kind).
fn srcset(m: &Media, kind: midad_media::Kind) -> Option<String> {
    let original = midad_media::Kind::from_mime(&m.mime)?;
    if m.variants.is_empty() {
        return None;
    }
    let mut parts: Vec<String> = m
        .variants
        .iter()
        .map(|w| {
            format!(
                "/media/{} {w}w",
                midad_media::variants::variant_path(&m.path, *w, kind)
            )
        })
        .collect();
    if original == kind
        && let Some(w) = m.width
    {
        parts.push(format!("/media/{} {w}w", m.path));
    }
    Some(parts.join(", "))
}

/// An article as a list entry or a full page.
#[derive(Serialize, Clone)]
pub(crate) struct ArticleView {
    pub id: i64,
    pub kind: &'static str,
    pub title: String,
    pub url: String,
    pub subtitle: Option<String>,
    pub excerpt: Option<String>,
    pub section: Option<Link>,
    pub authors: Vec<Link>,
    pub tags: Vec<Link>,
    pub source: Option<String>,
    pub artist: Option<String>,
    pub published: Option<String>,
    pub published_iso: Option<String>,
    pub updated: Option<String>,
    pub updated_iso: Option<String>,
    pub reading_time: String,
    pub image: Option<Image>,
    pub breaking: bool,
    pub featured: bool,
    /// For `<title>` and `<meta name="description">`: the SEO fields, else title and excerpt.
    pub seo_title: String,
    pub description: Option<String>,
    /// The rendered body; only filled for the article page.
    pub body_html: Option<String>,
}

/// Lookup tables for the names an article refers to by id.
pub(crate) struct Names {
    pub sections: HashMap<i64, Section>,
    pub tags: HashMap<i64, Tag>,
    pub authors: HashMap<i64, Author>,
    pub media: HashMap<i64, Media>,
}

pub(crate) fn article_url(a: &Article) -> String {
    match a.data.kind {
        ArticleKind::Page => format!("/page/{}", a.data.slug),
        _ => format!("/article/{}/{}", a.id, a.data.slug),
    }
}

pub(crate) fn view(a: &Article, names: &Names, locale: &Locale, with_body: bool) -> ArticleView {
    let d = &a.data;
    // Counted when the body was written; a card carries the count but not the body.
    let words = a
        .words
        .map(|n| n.max(0) as usize)
        .unwrap_or_else(|| midad_arabic::word_count(&body::plain_text(&d.body)));
    let minutes = midad_arabic::reading_minutes(words);
    let image = d
        .image_id
        .and_then(|id| names.media.get(&id))
        .map(|m| Image {
            url: format!("/media/{}", m.path),
            width: m.width,
            height: m.height,
            alt: d
                .image_alt
                .clone()
                .or_else(|| m.alt.clone())
                .unwrap_or_default(),
            caption: d.image_caption.clone().or_else(|| m.caption.clone()),
            credit: d.image_credit.clone().or_else(|| m.credit.clone()),
            srcset: midad_media::Kind::from_mime(&m.mime).and_then(|k| srcset(m, k)),
            webp_srcset: srcset(m, midad_media::Kind::Webp),
        });
    ArticleView {
        id: a.id,
        kind: d.kind.as_str(),
        title: d.title.clone(),
        url: article_url(a),
        subtitle: d.subtitle.clone(),
        excerpt: d.excerpt.clone(),
        section: d
            .section_id
            .and_then(|id| names.sections.get(&id))
            .map(|s| Link {
                name: s.name.clone(),
                url: format!("/section/{}", s.slug),
            }),
        authors: d
            .author_ids
            .iter()
            .filter_map(|id| names.authors.get(id))
            .map(|au| Link {
                name: au.name.clone(),
                url: format!("/author/{}", au.slug),
            })
            .collect(),
        tags: d
            .tag_ids
            .iter()
            .filter_map(|id| names.tags.get(id))
            .map(|t| Link {
                name: t.name.clone(),
                url: format!("/tag/{}", t.slug),
            })
            .collect(),
        source: d.source.clone(),
        artist: d.artist.clone(),
        published: d.published_at.map(|t| locale.date_time(t)),
        published_iso: d.published_at.map(|t| locale.iso(t)),
        updated: d.updated_at.map(|t| locale.date_time(t)),
        updated_iso: d.updated_at.map(|t| locale.iso(t)),
        reading_time: midad_arabic::reading_time(minutes, &locale.locale, locale.digits),
        image,
        breaking: d.breaking,
        featured: d.featured,
        seo_title: d.seo_title.clone().unwrap_or_else(|| d.title.clone()),
        description: d.seo_description.clone().or_else(|| d.excerpt.clone()),
        body_html: with_body.then(|| body::render_html(&d.body)),
    }
}
