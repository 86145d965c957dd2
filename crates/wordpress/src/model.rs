//! What an export holds, one entry at a time, in the words WordPress uses in the file
//! (post, page, attachment, term) so that the importer can be checked against the WXR.

use std::collections::BTreeMap;

use chrono::NaiveDateTime;

/// The site described by the `<channel>` header.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Channel {
    pub title: String,
    /// The site's address as its readers saw it (`<link>`).
    pub link: String,
    pub description: String,
    pub language: String,
    pub wxr_version: String,
    /// Where WordPress itself lives; upload URLs start here (`/wp-content/uploads/`).
    pub base_site_url: String,
    /// The home URL; permalinks between posts start here. Usually the same as
    /// `base_site_url`.
    pub base_blog_url: String,
}

/// A user who wrote something in the export (`<wp:author>`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Author {
    /// `wp:author_id`; 0 in old exports without it.
    pub id: i64,
    /// The login, which items name in `dc:creator`.
    pub login: String,
    pub email: String,
    pub display_name: String,
    pub first_name: String,
    pub last_name: String,
}

/// A category (`<wp:category>`), tag (`<wp:tag>`) or term of another taxonomy
/// (`<wp:term>`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Term {
    pub id: i64,
    /// `category`, `post_tag`, or the taxonomy a `<wp:term>` names (`nav_menu`, …).
    pub taxonomy: String,
    /// The slug, percent-decoded to UTF-8 (WordPress stores Arabic slugs as `%d8%…`).
    pub slug: String,
    /// The parent's slug, decoded; `None` at the top of the tree.
    pub parent_slug: Option<String>,
    pub name: String,
    pub description: String,
}

/// A category or tag an item is filed under (`<category domain=… nicename=…>`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ItemTerm {
    /// `category`, `post_tag`, or another taxonomy (`post_format`, `nav_menu`, …).
    pub domain: String,
    /// The term's slug, percent-decoded.
    pub slug: String,
    pub name: String,
}

/// One `<wp:postmeta>` pair, kept as text (PHP-serialized values included).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PostMeta {
    pub key: String,
    pub value: String,
}

/// A post, page, attachment, menu item or any other post type (`<item>`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Item {
    pub post_id: i64,
    /// `post`, `page`, `attachment`, `nav_menu_item`, or a custom type.
    pub post_type: String,
    pub title: String,
    /// The permalink as WordPress computed it at export time; drafts get `/?p=ID`.
    pub link: String,
    pub guid: String,
    /// The author's login (`dc:creator`), matching [`Author::login`].
    pub creator: String,
    /// `content:encoded`: classic text or block markup, see [`crate::content_to_html`].
    /// For an attachment this is its description.
    pub content: String,
    /// `excerpt:encoded`: the manual excerpt; for an attachment, its caption.
    pub excerpt: String,
    /// `publish`, `draft`, `future`, `pending`, `private`, `inherit` (attachments), …
    pub status: String,
    /// The slug, percent-decoded. Empty for drafts and pending posts, which WordPress
    /// gives a slug only when they are published.
    pub post_name: String,
    /// The slug exactly as written in the file.
    pub post_name_raw: String,
    pub post_parent: i64,
    pub menu_order: i64,
    pub is_sticky: bool,
    /// Empty unless the post is password-protected.
    pub password: String,
    /// `open` or `closed`.
    pub comment_status: String,
    /// Local time of the site; `None` when WordPress wrote zeros.
    pub post_date: Option<NaiveDateTime>,
    /// UTC; `None` for drafts and pending posts, which WordPress leaves at zeros.
    pub post_date_gmt: Option<NaiveDateTime>,
    pub post_modified: Option<NaiveDateTime>,
    pub post_modified_gmt: Option<NaiveDateTime>,
    /// For attachments: the URL of the original file.
    pub attachment_url: String,
    pub categories: Vec<ItemTerm>,
    pub meta: Vec<PostMeta>,
    /// How many `<wp:comment>` the item holds (comments are counted, not kept).
    pub comments: usize,
}

impl Item {
    /// The first value stored under `key` in the item's post meta.
    pub fn meta(&self, key: &str) -> Option<&str> {
        self.meta
            .iter()
            .find(|meta| meta.key == key)
            .map(|meta| meta.value.as_str())
    }

    /// The attachment id of the featured image (`_thumbnail_id`).
    pub fn thumbnail_id(&self) -> Option<i64> {
        self.meta("_thumbnail_id")?.trim().parse().ok()
    }

    /// The terms of one taxonomy (`category`, `post_tag`), in file order.
    pub fn terms<'a>(&'a self, domain: &'a str) -> impl Iterator<Item = &'a ItemTerm> + 'a {
        self.categories
            .iter()
            .filter(move |term| term.domain == domain)
    }
}

/// One thing read from the export, in file order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry {
    /// The site header; comes once, before any author, term or item.
    Channel(Channel),
    Author(Author),
    Category(Term),
    Tag(Term),
    /// A `<wp:term>`. WordPress 6 repeats every category and tag here as well (with
    /// `taxonomy` `category` / `post_tag`), so an importer that takes `Category` and `Tag`
    /// should only take the other taxonomies from these.
    Term(Term),
    Item(Box<Item>),
}

/// How much of what the export held, counted while reading; what a validation pass shows
/// the administrator before anything is written.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    pub authors: usize,
    pub categories: usize,
    pub tags: usize,
    /// `<wp:term>` entries, including the repeated categories and tags.
    pub terms: usize,
    /// Items by post type (`post`, `page`, `attachment`, …).
    pub items: BTreeMap<String, usize>,
    /// Posts (post type `post` only) by status.
    pub posts_by_status: BTreeMap<String, usize>,
    pub sticky_posts: usize,
    pub comments: usize,
    /// Bytes read from the input.
    pub bytes: u64,
}

impl Summary {
    pub(crate) fn count(&mut self, entry: &Entry) {
        match entry {
            Entry::Channel(_) => {}
            Entry::Author(_) => self.authors += 1,
            Entry::Category(_) => self.categories += 1,
            Entry::Tag(_) => self.tags += 1,
            Entry::Term(_) => self.terms += 1,
            Entry::Item(item) => {
                *self.items.entry(item.post_type.clone()).or_default() += 1;
                if item.post_type == "post" {
                    *self.posts_by_status.entry(item.status.clone()).or_default() += 1;
                    self.sticky_posts += usize::from(item.is_sticky);
                }
                self.comments += item.comments;
            }
        }
    }

    /// How many items of one post type were read.
    pub fn items_of(&self, post_type: &str) -> usize {
        self.items.get(post_type).copied().unwrap_or(0)
    }
}

/// Bounds on what one export may make the reader hold in memory.
///
/// The defaults are far above anything WordPress writes (a 64 MiB post would be a
/// 40,000-page book) and far below what would hurt a small server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The largest single text, tag, comment or field value, in bytes.
    pub max_text: usize,
    /// The deepest nesting of elements (WordPress writes at most 5).
    pub max_depth: usize,
    /// The largest author, term or item, all its fields together, in bytes of file.
    pub max_entry: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_text: 64 * 1024 * 1024,
            max_depth: 32,
            max_entry: 256 * 1024 * 1024,
        }
    }
}
