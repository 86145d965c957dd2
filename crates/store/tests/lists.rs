//! What the fast paths of the public lists must keep, on both backends: the order of a
//! list (publication time, then id, newest first) across page boundaries, equal dates
//! included; the last page and past it; long lists paged from kept positions; tag lists
//! following status changes; related stories within their bounded candidates.

mod common;

use chrono::{DateTime, Duration, TimeZone, Utc};
use common::TestDb;
use midad_core::body::Block;
use midad_core::{Article, ArticleData, ArticleKind, Id, Status};
use midad_store::{Listing, Store};

const BASE: i64 = 1_700_000_000;

fn at(hours: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(BASE, 0).unwrap() + Duration::hours(hours)
}

fn article(title: &str, section: Option<Id>, tags: Vec<Id>, when: DateTime<Utc>) -> ArticleData {
    let mut a = ArticleData::new(ArticleKind::Article, title);
    a.status = Status::Published;
    a.body = vec![Block::Paragraph {
        html: "نص الخبر".into(),
    }];
    a.section_id = section;
    a.tag_ids = tags;
    a.published_at = Some(when);
    a
}

async fn publish_all(store: &Store, list: Vec<ArticleData>) -> Vec<Article> {
    let mut tx = store.begin().await.unwrap();
    let mut out = Vec::new();
    for a in list {
        out.push(tx.insert_article(a).await.unwrap());
    }
    tx.commit().await.unwrap();
    out
}

/// Newest first, equal times by id (highest first): the order every list shows.
fn expected(list: &[Article]) -> Vec<Id> {
    let mut keys: Vec<(DateTime<Utc>, Id)> = list
        .iter()
        .map(|a| (a.data.published_at.unwrap(), a.id))
        .collect();
    keys.sort_unstable_by(|a, b| b.cmp(a));
    keys.into_iter().map(|k| k.1).collect()
}

async fn every_page(store: &Store, of: Listing, per_page: i64) -> (i64, Vec<Vec<Id>>) {
    let mut pages = Vec::new();
    let mut total = 0;
    for n in 1.. {
        match store.list_page(of, n, per_page).await.unwrap() {
            Some(p) => {
                total = p.total;
                pages.push(p.articles.iter().map(|a| a.id).collect());
            }
            None => break,
        }
    }
    (total, pages)
}

both_backends!(
    short_list_pages_keep_order_with_equal_dates,
    async |db: &TestDb| {
        let store = &db.store;
        let mut tx = store.begin().await.unwrap();
        let section = tx.section_by_name_or_create("سياسة").await.unwrap();
        let other = tx.section_by_name_or_create("رياضة").await.unwrap();
        tx.commit().await.unwrap();
        // 45 at the very same minute, 6 at their own times, and what the list must not show.
        let mut list: Vec<ArticleData> = (0..45)
            .map(|i| article(&format!("متزامن {i}"), Some(section.id), vec![], at(10)))
            .collect();
        list.extend(
            (0..6).map(|i| article(&format!("منفرد {i}"), Some(section.id), vec![], at(i * 7))),
        );
        let mut draft = article("مسودة", Some(section.id), vec![], at(11));
        draft.status = Status::Draft;
        list.push(draft);
        list.push(article("قسم آخر", Some(other.id), vec![], at(12)));
        let made = publish_all(store, list).await;
        let shown: Vec<Article> = made
            .iter()
            .filter(|a| a.data.section_id == Some(section.id) && a.data.status == Status::Published)
            .cloned()
            .collect();
        let (total, pages) = every_page(store, Listing::Section(section.id), 20).await;
        assert_eq!(total, 51);
        assert_eq!(
            pages.iter().map(Vec::len).collect::<Vec<_>>(),
            vec![20, 20, 11]
        );
        assert_eq!(pages.concat(), expected(&shown));
        // Past the last page there is no page; an empty list still has its first.
        assert!(
            store
                .list_page(Listing::Section(section.id), 4, 20)
                .await
                .unwrap()
                .is_none()
        );
        let empty = store
            .list_page(Listing::Tag(999), 1, 20)
            .await
            .unwrap()
            .unwrap();
        assert_eq!((empty.total, empty.articles.len()), (0, 0));
        assert!(
            store
                .list_page(Listing::Tag(999), 2, 20)
                .await
                .unwrap()
                .is_none()
        );
    }
);

both_backends!(long_lists_page_from_kept_positions, async |db: &TestDb| {
    let store = &db.store;
    let mut tx = store.begin().await.unwrap();
    let parent = tx.section_by_name_or_create("أخبار").await.unwrap();
    let tag = tx.tag_by_name_or_create("الانتخابات").await.unwrap();
    tx.commit().await.unwrap();
    let mut tx = store.begin().await.unwrap();
    let child = tx
        .insert_section("محلية", Some(parent.id), None)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    // Longer than what is paged by offset, across a section and its sub-section, with runs
    // of equal times that straddle page boundaries.
    let n = midad_store::LIST_SHORT + 30;
    let list: Vec<ArticleData> = (0..n)
        .map(|i| {
            let section = if i % 3 == 0 { child.id } else { parent.id };
            article(&format!("خبر {i}"), Some(section), vec![tag.id], at(i / 7))
        })
        .collect();
    let made = publish_all(store, list).await;
    for of in [Listing::Section(parent.id), Listing::Tag(tag.id)] {
        let (total, pages) = every_page(store, of, 20).await;
        assert_eq!(total, n, "{of:?}");
        assert_eq!(pages.len() as i64, (n + 19) / 20, "{of:?}");
        assert_eq!(pages.last().unwrap().len() as i64, n % 20, "{of:?}");
        assert_eq!(pages.concat(), expected(&made), "{of:?}");
    }
    // A new story is on page 1 at once; the count follows once the positions are read
    // again, behind the requests.
    let fresh = publish_all(
        store,
        vec![article("عاجل", Some(parent.id), vec![tag.id], at(10_000))],
    )
    .await;
    let page = store
        .list_page(Listing::Tag(tag.id), 1, 20)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(page.articles[0].id, fresh[0].id);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let total = store
            .list_page(Listing::Tag(tag.id), 1, 20)
            .await
            .unwrap()
            .unwrap()
            .total;
        if total == n + 1 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the count stayed at {total}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
});

both_backends!(tag_lists_follow_status_and_kind, async |db: &TestDb| {
    let store = &db.store;
    let mut tx = store.begin().await.unwrap();
    let tag = tx.tag_by_name_or_create("المناخ").await.unwrap();
    tx.commit().await.unwrap();
    let due = Utc::now() + Duration::hours(1);
    let mut scheduled = article("مجدول", None, vec![tag.id], due);
    scheduled.status = Status::Scheduled;
    // A static page with the tag: pages are never listed.
    let mut cartoon = article("صفحة", None, vec![tag.id], at(3));
    cartoon.kind = ArticleKind::Page;
    let made = publish_all(
        store,
        vec![
            article("منشور", None, vec![tag.id], at(1)),
            scheduled,
            cartoon,
        ],
    )
    .await;
    let ids = |p: Option<midad_store::ListPage>| -> Vec<Id> {
        p.unwrap().articles.iter().map(|a| a.id).collect()
    };
    assert_eq!(
        ids(store.list_page(Listing::Tag(tag.id), 1, 20).await.unwrap()),
        vec![made[0].id]
    );
    // The scheduler publishes the due one: it joins the tag's list.
    let mut tx = store.begin().await.unwrap();
    tx.publish_due(due + Duration::minutes(1)).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(
        ids(store.list_page(Listing::Tag(tag.id), 1, 20).await.unwrap()),
        vec![made[1].id, made[0].id]
    );
    // Back to draft: it leaves.
    let mut tx = store.begin().await.unwrap();
    let mut data = made[0].data.clone();
    data.status = Status::Draft;
    tx.update_article(made[0].id, None, data).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(
        ids(store.list_page(Listing::Tag(tag.id), 1, 20).await.unwrap()),
        vec![made[1].id]
    );
});

both_backends!(
    related_stories_come_from_the_nearest_of_each_tag,
    async |db: &TestDb| {
        let store = &db.store;
        let mut tx = store.begin().await.unwrap();
        let t1 = tx.tag_by_name_or_create("الدوري").await.unwrap();
        let t2 = tx.tag_by_name_or_create("المنتخب").await.unwrap();
        tx.commit().await.unwrap();
        let half = midad_store::RELATED_WINDOW / 2;
        let mut list = vec![article("الرئيسي", None, vec![t1.id, t2.id], at(0))];
        // Newer stories of the first tag, one an hour, and one sharing both tags among them.
        list.extend(
            (1..=half + 5).map(|h| article(&format!("بعده {h}"), None, vec![t1.id], at(h))),
        );
        let mut both = article("وسمان", None, vec![t1.id, t2.id], at(5));
        both.published_at = Some(at(5) + Duration::minutes(30));
        list.push(both);
        // The newest story of the tag, but far beyond its nearest neighbours.
        list.push(article("بعيد", None, vec![t1.id], at(1000)));
        let made = publish_all(store, list).await;
        let main = &made[0];
        let ids = store
            .related(main.id, &main.data.tag_ids, main.data.published_at, None, 4)
            .await
            .unwrap();
        let title = |id: Id| made.iter().find(|a| a.id == id).unwrap().data.title.clone();
        let titles: Vec<String> = ids.into_iter().map(title).collect();
        // Within the window after it (the nearest `half` of the tag, the two-tag story
        // among them): the two-tag story first, then the newest; the far one is not a
        // candidate.
        let newest_in_window = half - 1;
        assert_eq!(
            titles,
            vec![
                "وسمان".to_string(),
                format!("بعده {newest_in_window}"),
                format!("بعده {}", newest_in_window - 1),
                format!("بعده {}", newest_in_window - 2),
            ]
        );
    }
);

both_backends!(
    a_batch_insert_numbers_slugs_and_keeps_order_and_links,
    async |db: &TestDb| {
        let store = &db.store;
        let mut tx = store.begin().await.unwrap();
        let tag = tx.tag_by_name_or_create("وسم").await.unwrap().id;
        tx.commit().await.unwrap();
        let before = publish_all(store, vec![article("خبر مكرر", None, vec![], at(0))]).await;
        assert_eq!(before[0].data.slug, "خبر-مكرر");
        // More rows than one statement takes; every third title repeats the site's one.
        let batch: Vec<ArticleData> = (0..60)
            .map(|i| {
                let title = if i % 3 == 0 {
                    "خبر مكرر".to_string()
                } else {
                    format!("خبر رقم {i}")
                };
                article(&title, None, vec![tag], at(i + 1))
            })
            .collect();
        let mut tx = store.begin().await.unwrap();
        let written = tx.insert_articles(batch).await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(written.len(), 60);
        // The repeats are numbered in the batch's order, after the site's own.
        let repeats: Vec<&str> = written
            .iter()
            .filter(|a| a.data.title == "خبر مكرر")
            .map(|a| a.data.slug.as_str())
            .collect();
        let wanted: Vec<String> = (2..22).map(|n| format!("خبر-مكرر-{n}")).collect();
        assert_eq!(repeats, wanted);
        // Each returned id is the row of that article, links included.
        for (i, a) in written.iter().enumerate() {
            let stored = store.article(a.id).await.unwrap().unwrap();
            assert_eq!(stored.data.published_at, Some(at(i as i64 + 1)));
            assert_eq!(stored.data.slug, a.data.slug);
            assert_eq!(stored.data.tag_ids, vec![tag]);
        }
        let (total, pages) = every_page(store, Listing::Tag(tag), 100).await;
        assert_eq!(total, 60);
        assert_eq!(pages[0], expected(&written));
    }
);
