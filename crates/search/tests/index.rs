//! The index as a reader meets it: snippets in the original spelling, filters, ordering,
//! bad queries, and the follower that keeps it current from the change log.

use chrono::{TimeZone, Utc};
use midad_core::body::Block;
use midad_core::{ArticleData, ArticleKind, Status};
use midad_search::{Doc, QueryError, Request, SearchError, SearchIndex, Sort};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn doc(id: i64, title: &str, body: &str, section: i64, day: u32) -> Doc {
    Doc {
        id,
        kind: "article".into(),
        title: title.into(),
        body: body.into(),
        section_id: Some(section),
        section: format!("قسم {section}"),
        published_at: Utc.with_ymd_and_hms(2024, 11, day, 9, 0, 0).unwrap(),
        ..Default::default()
    }
}

fn search(index: &SearchIndex, q: &str) -> Vec<i64> {
    index
        .search(&Request {
            query: q.into(),
            page: 1,
            per_page: 20,
            ..Default::default()
        })
        .unwrap()
        .hits
        .iter()
        .map(|h| h.id)
        .collect()
}

fn small_index() -> SearchIndex {
    let index = SearchIndex::in_memory().unwrap();
    index
        .apply(
            &[
                doc(
                    1,
                    "الحكومةُ تُعلِنُ خطةً للطاقة",
                    "أعلنت الحكومة خطة جديدة للطاقة الشمسية في الجنوب.",
                    1,
                    10,
                ),
                doc(
                    2,
                    "المنتخب يفوز",
                    "فاز المنتخب الوطني على ضيفه بهدفين، وأشاد المدرب بالحكومة.",
                    2,
                    12,
                ),
                doc(
                    3,
                    "أسعار النفط",
                    "ارتفعت أسعار النفط ٤٠ دولارا في أسبوع.",
                    1,
                    14,
                ),
            ],
            &[],
            Some(3),
        )
        .unwrap();
    index
}

#[test]
fn snippets_mark_the_words_as_written_and_escape_the_rest() {
    let index = SearchIndex::in_memory().unwrap();
    index
        .apply(
            &[doc(
                7,
                "عنوان <b>",
                "قال الوزير إنّ الحُكومةَ ستدعم <script>x</script> المزارعين.",
                1,
                1,
            )],
            &[],
            None,
        )
        .unwrap();
    let r = index
        .search(&Request {
            query: "الحكومة".into(),
            page: 1,
            per_page: 5,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(r.total, 1);
    let hit = &r.hits[0];
    assert!(
        hit.snippet_html.contains("<mark>الحُكومةَ</mark>"),
        "{}",
        hit.snippet_html
    );
    assert!(
        hit.snippet_html.contains("&lt;script&gt;"),
        "{}",
        hit.snippet_html
    );
    assert!(!hit.snippet_html.contains("<script"));
    assert_eq!(hit.title_html, "عنوان &lt;b&gt;");
}

#[test]
fn folding_prefixes_digits_and_title_weight() {
    let index = small_index();
    assert_eq!(
        search(&index, "الحكومة")[0],
        1,
        "title beats a mention in the body"
    );
    assert_eq!(search(&index, "والحكومه"), vec![1, 2]);
    assert_eq!(search(&index, "40"), vec![3]);
    assert_eq!(search(&index, "الحكومة -المنتخب"), vec![1]);
    assert_eq!(search(&index, "\"الطاقة الشمسية\""), vec![1]);
    assert!(search(&index, "\"الشمسية الطاقة\"").is_empty());
    // A stop word inside a phrase keeps its place (it is not indexed itself).
    assert_eq!(search(&index, "\"الطاقة الشمسية في الجنوب\""), vec![1]);
    assert!(search(&index, "\"الطاقة في الجنوب\"").is_empty());
    // A phrase of one word and stop words is that word.
    assert_eq!(search(&index, "\"في الجنوب\""), vec![1]);
}

/// A rebuilt index on disk: common stems chosen from its first documents and kept with it,
/// phrases of common words found from their pairs (others by positions, with the same
/// results), one segment, and the choice still in force after reopening.
#[test]
fn a_rebuilt_index_pairs_its_common_stems_and_keeps_them() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("search");
    let (index, needs) = SearchIndex::open(&path).unwrap();
    assert!(needs);
    index.clear().unwrap();
    let places = ["بيروت", "عمّان", "تونس", "الرباط", "دمشق"];
    let docs: Vec<Doc> = (1..=1200)
        .map(|i| {
            // «وزير الخارجية» in every third article, «الخارجية وزير» in every seventh:
            // both words common, the phrase in one order only where it is written.
            let lead = match (i % 3, i % 7) {
                (0, _) => "قال وزير الخارجية",
                (_, 0) => "الخارجية وزير سابق قال",
                _ => "قال الوزير إن الخارجية",
            };
            let place = places[i as usize % places.len()];
            doc(
                i,
                &format!("خبر من {place}"),
                &format!("{lead} في {place} إن الاجتماع عقد يوم {i}."),
                i % 4 + 1,
                1 + (i % 28) as u32,
            )
        })
        .collect();
    for batch in docs.chunks(500) {
        index.apply(batch, &[], None).unwrap();
    }
    index.finish_bulk().unwrap();
    let kept = std::fs::read_to_string(path.join("midad-common-stems.json")).unwrap();
    assert!(
        kept.contains("\"sample\":500") && kept.contains("\"indexed\":1200"),
        "{kept}"
    );
    let total = |index: &SearchIndex, q: &str| {
        index
            .search(&Request {
                query: q.into(),
                page: 1,
                per_page: 10,
                ..Default::default()
            })
            .unwrap()
            .total
    };
    // What the texts hold, counted on the texts themselves.
    let holding = |phrase: &str| docs.iter().filter(|d| d.body.contains(phrase)).count();
    let expected = holding("وزير الخارجية");
    assert_eq!(expected, 400);
    assert!(
        kept.contains("\"وزير\"") && kept.contains("\"خارج\""),
        "{kept}"
    );
    assert_eq!(total(&index, "\"وزير الخارجية\""), expected);
    assert_eq!(total(&index, "\"وزير خارجية\""), expected, "stems pair");
    assert_eq!(total(&index, "\"الخارجية وزير\""), holding("الخارجية وزير"));
    // With a stop word between, positions decide.
    let beirut = holding("الخارجية في بيروت");
    assert!(beirut > 0 && beirut < 240);
    assert_eq!(total(&index, "\"الخارجية في بيروت\""), beirut);
    assert_eq!(total(&index, "\"الخارجية بيروت\""), 0);
    // Three words: their two pairs, then positions.
    assert_eq!(
        total(&index, "\"قال وزير الخارجية\""),
        holding("قال وزير الخارجية")
    );
    drop(index);
    let (reopened, needs) = SearchIndex::open(&path).unwrap();
    assert!(needs, "bulk loads record no change-log position");
    assert_eq!(total(&reopened, "\"وزير الخارجية\""), expected);
    assert_eq!(search(&reopened, "\"الخارجية وزير سابق\"").len(), 20);
    // Once it has followed the change log, reopening needs nothing...
    reopened.apply(&[], &[], Some(7)).unwrap();
    drop(reopened);
    let (reopened, needs) = SearchIndex::open(&path).unwrap();
    assert!(!needs);
    drop(reopened);
    // ...unless the record of its common stems is gone: its pairs would not be looked for.
    std::fs::remove_file(path.join("midad-common-stems.json")).unwrap();
    let (_, needs) = SearchIndex::open(&path).unwrap();
    assert!(needs);
}

#[test]
fn filters_order_and_pages() {
    let index = small_index();
    let base = Request {
        query: "الحكومة".into(),
        page: 1,
        per_page: 20,
        ..Default::default()
    };
    let r = index
        .search(&Request {
            section_id: Some(2),
            ..base.clone()
        })
        .unwrap();
    assert_eq!(r.hits.iter().map(|h| h.id).collect::<Vec<_>>(), vec![2]);
    let r = index
        .search(&Request {
            sort: Sort::Newest,
            ..base.clone()
        })
        .unwrap();
    assert_eq!(r.hits.iter().map(|h| h.id).collect::<Vec<_>>(), vec![2, 1]);
    let r = index
        .search(&Request {
            from: Some(Utc.with_ymd_and_hms(2024, 11, 11, 0, 0, 0).unwrap()),
            ..base.clone()
        })
        .unwrap();
    assert_eq!(r.hits.iter().map(|h| h.id).collect::<Vec<_>>(), vec![2]);
    let r = index
        .search(&Request {
            per_page: 1,
            page: 2,
            ..base.clone()
        })
        .unwrap();
    assert_eq!((r.total, r.hits.len()), (2, 1));
    let r = index.search(&Request { page: 99, ..base }).unwrap();
    assert!(r.hits.is_empty());
}

#[test]
fn unusable_queries_are_refused_and_odd_ones_answered() {
    let index = small_index();
    for q in ["", "   ", "-", "\"\"", "«»"] {
        let r = index.search(&Request {
            query: q.into(),
            page: 1,
            per_page: 5,
            ..Default::default()
        });
        assert!(
            matches!(r, Err(SearchError::Query(QueryError::Empty))),
            "{q:?}"
        );
    }
    let long = "حكومة ".repeat(2000);
    let r = index.search(&Request {
        query: long,
        page: 1,
        per_page: 5,
        ..Default::default()
    });
    assert!(matches!(r, Err(SearchError::Query(QueryError::TooLong))));
    for q in [
        "\"الحكومة",
        "الحكومة\u{202E}",
        "' OR 1=1 --",
        "<script>alert(1)</script>",
        "a\u{0000}b",
        "(((",
    ] {
        let r = index.search(&Request {
            query: q.into(),
            page: 1,
            per_page: 5,
            ..Default::default()
        });
        assert!(
            r.is_ok() || matches!(r, Err(SearchError::Query(QueryError::Empty))),
            "{q:?}: {r:?}"
        );
    }
}

#[test]
fn suggestions_complete_the_last_word() {
    let index = small_index();
    let s = index.suggest("الحكو", 5).unwrap();
    assert_eq!(s.iter().map(|(id, _)| *id).collect::<Vec<_>>(), vec![1]);
    assert!(
        index
            .suggest("أسعار ال", 5)
            .unwrap()
            .iter()
            .all(|(id, _)| *id == 3)
    );
    assert!(index.suggest("", 5).is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_index_follows_the_change_log() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("midad.db").display());
    let store = midad_store::Store::open(&url).await.unwrap();
    let (index, needs) = SearchIndex::open(&dir.path().join("search")).unwrap();
    assert!(needs, "a new index is built from the store");
    let index = Arc::new(index);
    tokio::spawn(midad_search::follow(index.clone(), store.clone(), needs));

    let mut data = ArticleData::new(ArticleKind::Article, "مهرجان الزيتون يفتتح أبوابه");
    data.status = Status::Published;
    data.body = vec![Block::Paragraph {
        html: "افتتح المهرجان السنوي للزيتون".into(),
    }];
    let mut tx = store.begin().await.unwrap();
    let a = tx.insert_article(data).await.unwrap();
    tx.commit().await.unwrap();
    wait_until(|| search(&index, "زيتون") == vec![a.id]);

    // Renaming a tag re-indexes the articles that carry it; deleting it drops the name.
    let mut tx = store.begin().await.unwrap();
    let tag = tx.tag_by_name_or_create("مواسم").await.unwrap();
    let mut tagged = a.data.clone();
    tagged.tag_ids = vec![tag.id];
    let a = tx.update_article(a.id, None, tagged).await.unwrap();
    tx.commit().await.unwrap();
    wait_until(|| search(&index, "مواسم") == vec![a.id]);
    assert!(search(&index, "قطاف").is_empty());
    let mut tx = store.begin().await.unwrap();
    tx.rename(midad_store::Named::Tag, tag.id, "قطاف")
        .await
        .unwrap();
    tx.commit().await.unwrap();
    wait_until(|| search(&index, "قطاف") == vec![a.id]);
    let mut tx = store.begin().await.unwrap();
    tx.delete_named(midad_store::Named::Tag, tag.id)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    wait_until(|| search(&index, "قطاف").is_empty());
    let a = store.article(a.id).await.unwrap().unwrap();

    let mut hidden = a.data.clone();
    hidden.status = Status::Draft;
    let mut tx = store.begin().await.unwrap();
    tx.update_article(a.id, None, hidden).await.unwrap();
    tx.commit().await.unwrap();
    wait_until(|| search(&index, "زيتون").is_empty());

    // A reopened index knows where it stopped; a broken one is rebuilt.
    drop(index);
    std::fs::write(dir.path().join("search/meta.json"), "garbage").unwrap();
    let (reopened, needs) = SearchIndex::open(&dir.path().join("search")).unwrap();
    assert!(needs);
    // A rebuild replaces what the index holds: an article the store no longer publishes
    // goes.
    reopened
        .apply(&[doc(999_999, "زيتون قديم", "زيتون", 1, 1)], &[], None)
        .unwrap();
    assert_eq!(search(&reopened, "زيتون"), vec![999_999]);
    midad_search::rebuild(&reopened, &store, |_, _| {})
        .await
        .unwrap();
    assert!(search(&reopened, "زيتون").is_empty());
    assert_eq!(
        reopened.indexed_seq(),
        Some(store.latest_seq().await.unwrap())
    );
}

/// Waits for what the follower promises: within two seconds (checked with a generous bound).
fn wait_until(mut ok: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !ok() {
        assert!(Instant::now() < deadline, "the index did not catch up");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A rebuild reads the archive a chunk of 1,000 at a time, each starting after the last id
/// read: every published article of every chunk is indexed, the last one included, and
/// drafts between them are not.
#[tokio::test]
async fn a_rebuild_reads_every_chunk_of_the_archive() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("midad.db").display());
    let store = midad_store::Store::open(&url).await.unwrap();
    let batch: Vec<ArticleData> = (0..2_345)
        .map(|i| {
            let mut data = ArticleData::new(ArticleKind::Article, format!("خبر رقم {i}"));
            // Every seventh is a draft.
            data.status = if i % 7 == 3 {
                Status::Draft
            } else {
                Status::Published
            };
            data.body = vec![Block::Paragraph {
                html: "نص الخبر".into(),
            }];
            data
        })
        .collect();
    let mut tx = store.begin().await.unwrap();
    let written = tx.insert_articles(batch).await.unwrap();
    tx.commit().await.unwrap();
    let (index, _) = SearchIndex::open(&dir.path().join("search")).unwrap();
    let n = midad_search::rebuild(&index, &store, |_, _| {})
        .await
        .unwrap();
    let published: Vec<i64> = written
        .iter()
        .filter(|a| a.data.status == Status::Published)
        .map(|a| a.id)
        .collect();
    assert_eq!(n, published.len() as u64);
    let mut held = index.ids().unwrap();
    held.sort();
    let mut expected = published.clone();
    expected.sort();
    assert_eq!(held, expected);
}
