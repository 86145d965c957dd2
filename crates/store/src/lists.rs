//! The public site's lists (a section, a tag, a byline, the caricature archive) page by page,
//! at a cost bounded by the page, not by the list.
//!
//! Every list is read in its order (publication time, then id, newest first) from an index
//! that holds it in that order: `articles_section` and `articles_public` for sections and
//! kinds, the `listed_at` of `article_tags` / `article_authors` for tags and bylines. A page
//! starts at a key, not at an offset: the key of the first item of every page of a long
//! list is kept in memory ("positions"), read once and read again, behind the requests, when
//! the change log moves. A short list (at most `SHORT` items) is counted and paged directly,
//! which costs little and is always exact.

use crate::fetch::{Cost, Param};
use crate::{Also, Refresh, Result, Store};
use chrono::{DateTime, Utc};
use midad_core::{Article, ArticleKind, Id};
use std::sync::Arc;

/// Which public list.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Listing {
    /// Every published item of a kind (the caricature archive).
    Kind(ArticleKind),
    /// A section's published articles, its sub-sections' included.
    Section(Id),
    Tag(Id),
    Author(Id),
}

/// One page of a list (as cards: without bodies) and the size of the whole list.
#[derive(Clone, Debug)]
pub struct ListPage {
    pub total: i64,
    pub articles: Vec<Article>,
}

/// Where an item sits in a list: its publication time and id (both descending).
pub(crate) type Key = (DateTime<Utc>, Id);

/// Lists up to this long are counted and paged by offset on every request: a bounded cost,
/// exact at once after a write. Longer ones are paged from kept positions.
pub const SHORT: i64 = 1000;

/// Reads of more keys than this leave the calling thread (see `fetch`).
const LONG_READ: i64 = 10_000;

/// One index range of a list: a list is one range, or one per sub-section.
#[derive(Clone, Copy, Debug)]
enum Range {
    /// `articles` rows: `kind` for a kind's list, or a section's articles.
    Kind(ArticleKind),
    Section(Id),
    /// `article_tags` / `article_authors` links by their `listed_at`.
    Links {
        table: &'static str,
        column: &'static str,
        id: Id,
    },
}

impl Range {
    /// The selected key columns (as `published_at`, `id`), the table and the WHERE clause
    /// with its first parameter (`$1`, bound to `param`); the sort columns.
    fn parts(&self) -> (String, &'static str, &'static str, Param) {
        match *self {
            Range::Kind(k) => (
                "SELECT published_at, id FROM articles WHERE kind = $1 AND status = 'published' \
                 AND published_at IS NOT NULL"
                    .into(),
                "published_at",
                "id",
                k.as_str().into(),
            ),
            Range::Section(id) => (
                "SELECT published_at, id FROM articles WHERE section_id = $1 AND kind = 'article' \
                 AND status = 'published' AND published_at IS NOT NULL"
                    .into(),
                "published_at",
                "id",
                id.into(),
            ),
            Range::Links { table, column, id } => (
                format!(
                    "SELECT listed_at AS published_at, article_id AS id FROM {table} \
                     WHERE {column} = $1 AND listed_at IS NOT NULL"
                ),
                "listed_at",
                "article_id",
                id.into(),
            ),
        }
    }
}

/// The kept positions of one long list.
pub(crate) struct Positions {
    total: i64,
    /// The key of the first item of page 1, 2, 3…
    starts: Vec<Key>,
}

/// Newest first, as every list is shown.
fn merge(mut lists: Vec<Vec<Key>>) -> Vec<Key> {
    if lists.len() == 1 {
        return lists.pop().unwrap_or_default();
    }
    let mut all: Vec<Key> = lists.into_iter().flatten().collect();
    all.sort_unstable_by(|a, b| b.cmp(a));
    all
}

impl Store {
    /// Page `page` (from 1) of a public list, `per_page` items, newest first. `None` when
    /// the page is past the last one (page 1 of an empty list is an empty page).
    pub async fn list_page(
        &self,
        of: Listing,
        page: i64,
        per_page: i64,
    ) -> Result<Option<ListPage>> {
        let page = page.max(1);
        let per_page = per_page.max(1);
        let ranges = self.ranges(of).await?;
        let mut short = 0;
        for r in &ranges {
            short += self.count_upto(r, SHORT + 1).await?;
        }
        let (total, keys) = if short <= SHORT {
            let offset = (page - 1) * per_page;
            let mut lists = Vec::new();
            for r in &ranges {
                lists.push(self.keys(r, None, offset + per_page).await?);
            }
            let all = merge(lists);
            let keys: Vec<Key> = all
                .into_iter()
                .skip(offset as usize)
                .take(per_page as usize)
                .collect();
            (short, keys)
        } else {
            let positions = self.positions(of, &ranges, per_page).await?;
            let Some(start) = positions.starts.get((page - 1) as usize).copied() else {
                return Ok(if page == 1 {
                    Some(ListPage {
                        total: positions.total,
                        articles: Vec::new(),
                    })
                } else {
                    None
                });
            };
            // Page 1 starts at the top, so a story published since the positions were
            // read is on it at once.
            let from = (page > 1).then_some(start);
            let mut lists = Vec::new();
            for r in &ranges {
                lists.push(self.keys(r, from, per_page).await?);
            }
            let keys: Vec<Key> = merge(lists).into_iter().take(per_page as usize).collect();
            (positions.total, keys)
        };
        let pages = ((total + per_page - 1) / per_page).max(1);
        if page > pages {
            return Ok(None);
        }
        let ids: Vec<Id> = keys.iter().map(|k| k.1).collect();
        let mut articles = self.cards_by_ids(&ids).await?;
        articles.sort_by_key(|a| ids.iter().position(|id| *id == a.id));
        Ok(Some(ListPage { total, articles }))
    }

    /// The first `n` items of a list, without counting it: whole for a feed, as cards for
    /// the home page's blocks.
    pub async fn list_head(&self, of: Listing, n: i64, whole: bool) -> Result<Vec<Article>> {
        let mut lists = Vec::new();
        for r in &self.ranges(of).await? {
            lists.push(self.keys(r, None, n).await?);
        }
        let ids: Vec<Id> = merge(lists)
            .into_iter()
            .take(n.max(0) as usize)
            .map(|k| k.1)
            .collect();
        let mut articles = if whole {
            self.articles_by_ids(&ids).await?
        } else {
            self.cards_by_ids(&ids).await?
        };
        articles.sort_by_key(|a| ids.iter().position(|id| *id == a.id));
        Ok(articles)
    }

    async fn ranges(&self, of: Listing) -> Result<Vec<Range>> {
        Ok(match of {
            Listing::Kind(k) => vec![Range::Kind(k)],
            Listing::Section(id) => self
                .section_family(Some(id))
                .await?
                .into_iter()
                .map(Range::Section)
                .collect(),
            Listing::Tag(id) => vec![Range::Links {
                table: "article_tags",
                column: "tag_id",
                id,
            }],
            Listing::Author(id) => vec![Range::Links {
                table: "article_authors",
                column: "author_id",
                id,
            }],
        })
    }

    /// The list's size, counting no further than `cap`.
    async fn count_upto(&self, r: &Range, cap: i64) -> Result<i64> {
        let (select, _, _, param) = r.parts();
        let sql = format!("SELECT COUNT(*) AS n FROM ({select} LIMIT {cap}) AS capped");
        // Counting stops at the cap: bounded.
        self.count(Cost::Bounded, sql, vec![param]).await
    }

    /// Up to `limit` keys of a range in list order, starting at `from` (included).
    async fn keys(&self, r: &Range, from: Option<Key>, limit: i64) -> Result<Vec<Key>> {
        let (select, time, id, param) = r.parts();
        let sql = match from {
            Some(_) => format!(
                "{select} AND ({time}, {id}) <= ($2, $3) ORDER BY {time} DESC, {id} DESC \
                 LIMIT {limit}"
            ),
            None => format!("{select} ORDER BY {time} DESC, {id} DESC LIMIT {limit}"),
        };
        let mut params = vec![param];
        if let Some((t, i)) = from {
            params.extend([t.into(), i.into()]);
        }
        // A page's keys are bounded; every key of a list (its positions) is not.
        let cost = if limit <= LONG_READ {
            Cost::Bounded
        } else {
            Cost::Long
        };
        self.fetch(cost, sql, params, |r| {
            Ok((r.time("published_at")?, r.int("id")?))
        })
        .await
    }

    /// The kept positions of a long list (a kept value, see `kept`): read now when there
    /// are none, otherwise the kept ones, read again behind this request when the change
    /// log has moved on.
    async fn positions(
        &self,
        of: Listing,
        ranges: &[Range],
        per_page: i64,
    ) -> Result<Arc<Positions>> {
        let ranges = ranges.to_vec();
        self.kept(
            &format!("list:{of:?}:{per_page}"),
            Refresh::Behind,
            Also::Nothing,
            move |store| async move { store.read_positions(&ranges, per_page).await },
        )
        .await
    }

    /// Reads every key of the list once and keeps the first of each page.
    async fn read_positions(&self, ranges: &[Range], per_page: i64) -> Result<Positions> {
        let mut lists = Vec::new();
        for r in ranges {
            lists.push(self.keys(r, None, i64::MAX).await?);
        }
        let all = merge(lists);
        Ok(Positions {
            total: all.len() as i64,
            starts: all.iter().step_by(per_page as usize).copied().collect(),
        })
    }
}
