//! The store suite: every test runs on SQLite, and on PostgreSQL when TEST_POSTGRES_URL is
//! set. What is asserted is what callers rely on: round trips, the change log, slugs,
//! optimistic locking, all-or-nothing writes, backups.

mod common;

use chrono::{Duration, TimeZone, Utc};
use common::TestDb;
use midad_core::body::Block;
use midad_core::{ArticleData, ArticleKind, EntityKind, ErrorCode, Role, Status};
use midad_store::{ArticleQuery, NewMedia, NewUser, Order, RedirectTarget, Store, StoreError};

fn paragraph(text: &str) -> Vec<Block> {
    vec![Block::Paragraph { html: text.into() }]
}

fn article(title: &str) -> ArticleData {
    let mut a = ArticleData::new(ArticleKind::Article, title);
    a.status = Status::Published;
    a.body = paragraph("نص الخبر");
    a.published_at = Some(Utc.with_ymd_and_hms(2024, 11, 16, 9, 30, 0).unwrap());
    a
}

async fn publish(store: &Store, data: ArticleData) -> midad_core::Article {
    let mut tx = store.begin().await.unwrap();
    let a = tx.insert_article(data).await.unwrap();
    tx.commit().await.unwrap();
    a
}

both_backends!(article_round_trip, async |db: &TestDb| {
    let store = &db.store;
    let mut tx = store.begin().await.unwrap();
    let section = tx.section_by_name_or_create("سياسة").await.unwrap();
    let t1 = tx.tag_by_name_or_create("الانتخابات").await.unwrap();
    let t2 = tx.tag_by_name_or_create("البرلمان").await.unwrap();
    let author = tx.author_by_name_or_create("سارة الحداد").await.unwrap();
    let media = tx
        .insert_media(NewMedia {
            path: "2024/11/abc-photo.jpg".into(),
            mime: "image/jpeg".into(),
            width: Some(1200),
            height: Some(675),
            size: 1234,
            variants: vec![320, 640, 1024],
            ..Default::default()
        })
        .await
        .unwrap();
    let mut data = article("البرلمان يُقِرّ قانون الانتخابات الجديد");
    data.subtitle = Some("بعد جلسة طويلة".into());
    data.excerpt = Some("ملخص".into());
    data.section_id = Some(section.id);
    data.tag_ids = vec![t2.id, t1.id];
    data.author_ids = vec![author.id];
    data.source = Some("وكالات".into());
    data.image_id = Some(media.id);
    data.image_caption = Some("قاعة البرلمان".into());
    data.image_credit = Some("تصوير: مداد".into());
    data.breaking = true;
    data.updated_at = Some(Utc.with_ymd_and_hms(2024, 11, 16, 12, 0, 0).unwrap());
    data.external_id = Some("wp-7".into());
    let written = tx.insert_article(data).await.unwrap();
    tx.commit().await.unwrap();

    let read = store.article(written.id).await.unwrap().expect("stored");
    assert_eq!(read, written);
    assert_eq!(read.data.slug, "البرلمان-يقر-قانون-الانتخابات-الجديد");
    assert_eq!(read.data.tag_ids, vec![t2.id, t1.id], "tag order is kept");
    let by_slug = store
        .article_by_slug(ArticleKind::Article, &read.data.slug)
        .await
        .unwrap()
        .expect("by slug");
    assert_eq!(by_slug.id, read.id);
    assert_eq!(
        store.media(media.id).await.unwrap().unwrap().variants,
        vec![320, 640, 1024]
    );
    assert_eq!(
        store.media(media.id).await.unwrap().unwrap().width,
        Some(1200)
    );
    // Batch reads return what exists and skip unknown ids.
    assert_eq!(
        store.articles_by_ids(&[written.id, 9999]).await.unwrap(),
        vec![written.clone()]
    );
    assert_eq!(
        store.media_by_ids(&[media.id, 9999]).await.unwrap().len(),
        1
    );
    assert!(store.articles_by_ids(&[]).await.unwrap().is_empty());
});

both_backends!(slugs_are_unique_per_kind, async |db: &TestDb| {
    let store = &db.store;
    let a = publish(store, article("خبر عاجل")).await;
    let b = publish(store, article("خبر عاجل")).await;
    let c = publish(store, article("خَبَرٌ عاجل")).await;
    assert_eq!(a.data.slug, "خبر-عاجل");
    assert_eq!(b.data.slug, "خبر-عاجل-2");
    assert_eq!(c.data.slug, "خبر-عاجل-3");
    let mut page = article("خبر عاجل");
    page.kind = ArticleKind::Page;
    let p = publish(store, page).await;
    assert_eq!(p.data.slug, "خبر-عاجل", "another kind may reuse the slug");
    // Re-saving an article keeps its own slug.
    let mut tx = store.begin().await.unwrap();
    let b2 = tx
        .update_article(b.id, Some(b.version), b.data.clone())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(b2.data.slug, "خبر-عاجل-2");
});

both_backends!(
    every_write_appends_to_the_change_log,
    async |db: &TestDb| {
        let store = &db.store;
        let start = store.latest_seq().await.unwrap();
        let mut rx = store.subscribe();
        let a = publish(store, article("أول")).await;
        assert!(
            *rx.borrow_and_update() > start,
            "followers are told of the commit"
        );
        let changes = store.changes_after(start, 100).await.unwrap();
        assert_eq!(changes.len(), 1);
        assert_eq!(
            (changes[0].kind, changes[0].entity_id),
            (EntityKind::Article, a.id)
        );

        let mut tx = store.begin().await.unwrap();
        tx.delete_article(a.id).await.unwrap();
        tx.commit().await.unwrap();
        let after = store.changes_after(changes[0].seq, 100).await.unwrap();
        assert_eq!(after.len(), 1);
        assert!(after[0].seq > changes[0].seq);
        assert!(store.article(a.id).await.unwrap().is_none());
        assert!(
            store
                .changes_after(after[0].seq, 100)
                .await
                .unwrap()
                .is_empty()
        );
    }
);

both_backends!(a_dropped_transaction_writes_nothing, async |db: &TestDb| {
    let store = &db.store;
    let before = store.counts().await.unwrap();
    {
        let mut tx = store.begin().await.unwrap();
        tx.section_by_name_or_create("اقتصاد").await.unwrap();
        tx.insert_article(article("لن يُحفظ")).await.unwrap();
        // dropped without commit
    }
    assert_eq!(store.counts().await.unwrap(), before);
    assert_eq!(store.latest_seq().await.unwrap(), 0);
});

both_backends!(
    invalid_content_is_refused_with_codes,
    async |db: &TestDb| {
        let store = &db.store;
        let mut tx = store.begin().await.unwrap();
        let mut bad = ArticleData::new(ArticleKind::Caricature, "  ");
        bad.parent_id = Some(1);
        match tx.insert_article(bad).await {
            Err(StoreError::Invalid(v)) => assert_eq!(
                v.codes(),
                vec![
                    ErrorCode::TitleRequired,
                    ErrorCode::ImageRequired,
                    ErrorCode::ParentNotAllowed
                ]
            ),
            other => panic!("expected a refusal, got {other:?}"),
        }
        drop(tx);
        assert_eq!(store.counts().await.unwrap()["articles"], 0);
    }
);

both_backends!(stale_saves_are_refused, async |db: &TestDb| {
    let store = &db.store;
    let a = publish(store, article("نسخة أولى")).await;
    let mut first = a.data.clone();
    first.title = "تعديل سارة".into();
    let mut tx = store.begin().await.unwrap();
    let saved = tx
        .update_article(a.id, Some(a.version), first)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(saved.version, a.version + 1);

    let mut second = a.data.clone();
    second.title = "تعديل محمد".into();
    let mut tx = store.begin().await.unwrap();
    match tx.update_article(a.id, Some(a.version), second).await {
        Err(StoreError::Conflict { current }) => assert_eq!(current, saved.version),
        other => panic!("expected a conflict, got {other:?}"),
    }
    drop(tx);
    let now = store.article(a.id).await.unwrap().unwrap();
    assert_eq!(now.data.title, "تعديل سارة", "nothing was overwritten");
});

both_backends!(names_create_once, async |db: &TestDb| {
    let store = &db.store;
    let mut tx = store.begin().await.unwrap();
    let s1 = tx.section_by_name_or_create("رياضة").await.unwrap();
    let s2 = tx.section_by_name_or_create(" رياضة ").await.unwrap();
    let t1 = tx.tag_by_name_or_create("كرة القدم").await.unwrap();
    let t2 = tx.tag_by_name_or_create("كرة القدم").await.unwrap();
    let a1 = tx.author_by_name_or_create("وكالات").await.unwrap();
    let a2 = tx.author_by_name_or_create("وكالات").await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!((s1.id, t1.id, a1.id), (s2.id, t2.id, a2.id));
    assert_eq!(t1.slug, "كرة-القدم");
    assert_eq!(store.sections().await.unwrap().len(), 1);
    assert_eq!(
        store.tag_by_slug("كرة-القدم").await.unwrap().unwrap().id,
        t1.id
    );
    // Read by id: those that exist, unknown ids ignored.
    let tags = store.tags_by_ids(&[t1.id, 9_999]).await.unwrap();
    assert_eq!(
        tags.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(),
        ["كرة القدم"]
    );
    let bylines = store.authors_by_ids(&[a1.id, 9_999]).await.unwrap();
    assert_eq!(
        bylines.iter().map(|a| a.name.as_str()).collect::<Vec<_>>(),
        ["وكالات"]
    );
    assert!(store.tags_by_ids(&[]).await.unwrap().is_empty());
});

both_backends!(listing_and_filters, async |db: &TestDb| {
    let store = &db.store;
    let mut tx = store.begin().await.unwrap();
    let politics = tx.section_by_name_or_create("سياسة").await.unwrap();
    let world = tx
        .insert_section("سياسة دولية", Some(politics.id), None)
        .await
        .unwrap();
    let sport = tx.section_by_name_or_create("رياضة").await.unwrap();
    let tag = tx.tag_by_name_or_create("قمة").await.unwrap();
    let author = tx.author_by_name_or_create("ليلى منصور").await.unwrap();
    let base = Utc.with_ymd_and_hms(2024, 11, 1, 8, 0, 0).unwrap();
    for i in 0..6 {
        let mut a = article(&format!("خبر رقم {i}"));
        a.published_at = Some(base + Duration::hours(i));
        a.section_id = Some(if i % 2 == 0 { world.id } else { sport.id });
        if i < 2 {
            a.tag_ids = vec![tag.id];
            a.author_ids = vec![author.id];
        }
        if i == 5 {
            a.status = Status::Draft;
        }
        tx.insert_article(a).await.unwrap();
    }
    tx.commit().await.unwrap();

    let published = store
        .articles(&ArticleQuery::published(ArticleKind::Article, 10))
        .await
        .unwrap();
    let titles: Vec<_> = published.iter().map(|a| a.data.title.as_str()).collect();
    assert_eq!(
        titles,
        [
            "خبر رقم 4",
            "خبر رقم 3",
            "خبر رقم 2",
            "خبر رقم 1",
            "خبر رقم 0"
        ]
    );

    let in_politics = ArticleQuery {
        section_id: Some(politics.id),
        ..ArticleQuery::published(ArticleKind::Article, 10)
    };
    assert_eq!(
        store.count_articles(&in_politics).await.unwrap(),
        3,
        "sub-sections count"
    );
    let tagged = ArticleQuery {
        tag_id: Some(tag.id),
        ..ArticleQuery::published(ArticleKind::Article, 10)
    };
    assert_eq!(store.articles(&tagged).await.unwrap().len(), 2);
    let by_author = ArticleQuery {
        author_id: Some(author.id),
        order: Order::Id,
        ..Default::default()
    };
    let list = store.articles(&by_author).await.unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[0].data.author_ids, vec![author.id]);
    let page2 = ArticleQuery {
        offset: 4,
        ..ArticleQuery::published(ArticleKind::Article, 2)
    };
    assert_eq!(
        store.articles(&page2).await.unwrap()[0].data.title,
        "خبر رقم 0"
    );
});

both_backends!(users_and_roles, async |db: &TestDb| {
    let store = &db.store;
    let mut tx = store.begin().await.unwrap();
    let u = tx
        .insert_user(NewUser {
            email: "Sara@Example.org".into(),
            name: "سارة".into(),
            role: Role::Editor,
            password_hash: None,
            author_id: None,
        })
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(u.email, "sara@example.org");

    let mut tx = store.begin().await.unwrap();
    let dup = tx
        .insert_user(NewUser {
            email: "sara@example.org".into(),
            name: "أخرى".into(),
            role: Role::Author,
            password_hash: None,
            author_id: None,
        })
        .await;
    assert!(matches!(dup, Err(StoreError::Invalid(v)) if v.codes() == vec![ErrorCode::EmailTaken]));
    drop(tx);

    let mut tx = store.begin().await.unwrap();
    tx.set_user_role(u.id, Role::Admin).await.unwrap();
    tx.set_user_password(u.id, "$argon2id$stub").await.unwrap();
    tx.commit().await.unwrap();
    let read = store
        .user_by_email("SARA@example.org")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(read.role, Role::Admin);
    assert_eq!(read.password_hash.as_deref(), Some("$argon2id$stub"));
});

both_backends!(settings_are_stored, async |db: &TestDb| {
    let store = &db.store;
    let mut tx = store.begin().await.unwrap();
    tx.put_setting("name", &serde_json::json!("صحيفة الأفق"))
        .await
        .unwrap();
    tx.put_setting("hijri", &serde_json::json!(true))
        .await
        .unwrap();
    tx.put_setting("name", &serde_json::json!("مداد"))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let map = store.settings_map().await.unwrap();
    assert_eq!(map["name"], "مداد");
    assert_eq!(map["hijri"], true);
});

both_backends!(migrations_are_applied_once, async |db: &TestDb| {
    let store = &db.store;
    assert!(store.pending_migrations().await.unwrap().is_empty());
    store.migrate().await.unwrap();
    assert!(store.integrity_check().await.unwrap().is_empty());
});

both_backends!(backup_restores_everything, async |db: &TestDb| {
    let store = &db.store;
    let media_dir = db.dir.path().join("media");
    std::fs::create_dir_all(media_dir.join("2024/11")).unwrap();
    std::fs::write(media_dir.join("2024/11/a.svg"), b"<svg/>").unwrap();
    let mut tx = store.begin().await.unwrap();
    let parent = tx.section_by_name_or_create("ثقافة").await.unwrap();
    let child = tx
        .insert_section("كتب", Some(parent.id), None)
        .await
        .unwrap();
    let mut about = ArticleData::new(ArticleKind::Page, "من نحن");
    about.body = paragraph("عن الصحيفة");
    about.status = Status::Published;
    let about = tx.insert_article(about).await.unwrap();
    let mut team = ArticleData::new(ArticleKind::Page, "فريق التحرير");
    team.body = paragraph("الفريق");
    team.parent_id = Some(about.id);
    tx.insert_article(team).await.unwrap();
    let mut a = article("معرض الكتاب يفتح أبوابه");
    a.section_id = Some(child.id);
    let book_fair = tx.insert_article(a).await.unwrap();
    tx.put_redirect(
        "/2024/11/16/معرض",
        &RedirectTarget::Article(book_fair.id),
        "wordpress",
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();

    let file = db.dir.path().join("site.backup");
    let report = midad_store::backup_to(store, &media_dir, &file)
        .await
        .unwrap();
    assert_eq!(report.files, 1);

    let target = TestDb::sqlite().await;
    let target_media = target.dir.path().join("media");
    midad_store::restore_from(&file, &target.store, &target_media)
        .await
        .unwrap();
    assert_eq!(
        std::fs::read(target_media.join("2024/11/a.svg")).unwrap(),
        b"<svg/>"
    );
    let q = ArticleQuery {
        order: Order::Id,
        ..Default::default()
    };
    assert_eq!(
        target.store.articles(&q).await.unwrap(),
        store.articles(&q).await.unwrap()
    );
    assert_eq!(
        target.store.sections().await.unwrap(),
        store.sections().await.unwrap()
    );
    assert_eq!(
        target
            .store
            .redirect("/2024/11/16/معرض")
            .await
            .unwrap()
            .unwrap()
            .target,
        RedirectTarget::Article(book_fair.id)
    );
    // A restored site keeps working: new rows get fresh ids.
    let next = publish(&target.store, article("بعد الاستعادة")).await;
    assert!(next.id > 3);
    // Restoring over content is refused.
    let again = midad_store::restore_from(&file, &target.store, &target_media).await;
    assert!(again.is_err());
    target.finish().await;
});

both_backends!(views_rank_most_read, async |db: &TestDb| {
    let store = &db.store;
    let a = publish(store, article("الأول")).await;
    let b = publish(store, article("الثاني")).await;
    let mut draft = article("مسودة");
    draft.status = Status::Draft;
    let c = publish(store, draft).await;
    store
        .add_views("2024-11-15", &[(a.id, 50), (b.id, 1)])
        .await
        .unwrap();
    store
        .add_views(
            "2024-11-16",
            &[(a.id, 2), (b.id, 5), (c.id, 100), (999_999, 3)],
        )
        .await
        .unwrap();
    store.add_views("2024-11-16", &[(b.id, 5)]).await.unwrap();
    // Since the 16th: b (10) before a (2); the draft is never listed; the unknown id was
    // skipped, not an error.
    assert_eq!(
        store.most_read("2024-11-16", 5).await.unwrap(),
        vec![b.id, a.id]
    );
    // Since the 15th: a (52) before b (11).
    assert_eq!(
        store.most_read("2024-11-15", 5).await.unwrap(),
        vec![a.id, b.id]
    );
    assert_eq!(store.most_read("2024-11-15", 1).await.unwrap(), vec![a.id]);
    // Views are not content: they do not touch the change log.
    let seq = store.latest_seq().await.unwrap();
    store.add_views("2024-11-17", &[(a.id, 1)]).await.unwrap();
    assert_eq!(store.latest_seq().await.unwrap(), seq);
});

both_backends!(related_by_shared_tags_then_section, async |db: &TestDb| {
    let store = &db.store;
    let mut tx = store.begin().await.unwrap();
    let sport = tx.section_by_name_or_create("رياضة").await.unwrap();
    let other = tx.section_by_name_or_create("اقتصاد").await.unwrap();
    let t1 = tx.tag_by_name_or_create("كرة القدم").await.unwrap();
    let t2 = tx.tag_by_name_or_create("الدوري").await.unwrap();
    tx.commit().await.unwrap();
    let day = |d: u32| Utc.with_ymd_and_hms(2024, 11, d, 9, 0, 0).unwrap();
    let make = |title: &str, section: i64, tags: Vec<i64>, d: u32| {
        let mut x = article(title);
        x.section_id = Some(section);
        x.tag_ids = tags;
        x.published_at = Some(day(d));
        x
    };
    let main = publish(store, make("الرئيسي", sport.id, vec![t1.id, t2.id], 10)).await;
    let both = publish(store, make("وسمان", other.id, vec![t1.id, t2.id], 1)).await;
    let one_old = publish(store, make("وسم قديم", other.id, vec![t2.id], 2)).await;
    let one_new = publish(store, make("وسم جديد", other.id, vec![t1.id], 3)).await;
    let same_section = publish(store, make("القسم نفسه", sport.id, vec![], 4)).await;
    let _unrelated = publish(store, make("لا علاقة", other.id, vec![], 5)).await;
    let ids = store
        .related(
            main.id,
            &main.data.tag_ids,
            main.data.published_at,
            main.data.section_id,
            10,
        )
        .await
        .unwrap();
    assert_eq!(ids, vec![both.id, one_new.id, one_old.id, same_section.id]);
    let ids = store
        .related(
            main.id,
            &main.data.tag_ids,
            main.data.published_at,
            main.data.section_id,
            2,
        )
        .await
        .unwrap();
    assert_eq!(ids, vec![both.id, one_new.id]);
});

both_backends!(
    scheduled_items_are_published_once_when_due,
    async |db: &TestDb| {
        let store = &db.store;
        let now = Utc::now();
        let scheduled = |title: &str, minutes: i64| {
            let mut a = article(title);
            a.status = Status::Scheduled;
            a.published_at = Some(now + Duration::minutes(minutes));
            a
        };
        let second = publish(store, scheduled("يُنشر بعد دقيقتين", 2)).await;
        let first = publish(store, scheduled("يُنشر بعد دقيقة", 1)).await;
        let later = publish(store, scheduled("يُنشر غدًا", 24 * 60)).await;
        let seq = store.latest_seq().await.unwrap();
        assert_eq!(
            store.publish_scheduled(now).await.unwrap(),
            Vec::<i64>::new()
        );
        // The server was down for both times: at start-up both go out, oldest first, once.
        let back = now + Duration::minutes(3);
        assert_eq!(
            store.publish_scheduled(back).await.unwrap(),
            vec![first.id, second.id]
        );
        assert_eq!(
            store.publish_scheduled(back).await.unwrap(),
            Vec::<i64>::new()
        );
        let done = store.article(first.id).await.unwrap().unwrap();
        assert_eq!(done.data.status, Status::Published);
        assert_eq!(done.version, first.version + 1);
        assert_eq!(
            store.article(later.id).await.unwrap().unwrap().data.status,
            Status::Scheduled
        );
        // Each publish is in the change log, once, so caches and the index follow.
        let changes = store.changes_after(seq, 10).await.unwrap();
        let ids: Vec<i64> = changes.iter().map(|c| c.entity_id).collect();
        assert_eq!(ids, vec![first.id, second.id]);
        let audit = store.audit_log(10).await.unwrap();
        assert_eq!(
            audit
                .iter()
                .filter(|e| e.action == "scheduled_publish")
                .count(),
            2
        );
    }
);

both_backends!(
    redirects_are_kept_replaced_and_refused_when_circular,
    async |db: &TestDb| {
        let store = &db.store;
        let a = publish(store, article("الخبر القديم")).await;
        let mut tx = store.begin().await.unwrap();
        tx.put_redirect("/?p=12", &RedirectTarget::Article(a.id), "wordpress")
            .await
            .unwrap();
        tx.put_redirect(
            "/category/سياسة",
            &RedirectTarget::Path("/section/سياسة".into()),
            "wordpress",
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        let r = store.redirect("/?p=12").await.unwrap().unwrap();
        assert_eq!(r.target, RedirectTarget::Article(a.id));
        assert_eq!(r.origin, "wordpress");
        assert!(store.redirect("/?p=13").await.unwrap().is_none());

        // The same old address pointed elsewhere replaces the row.
        store
            .put_redirect("/?p=12", &RedirectTarget::Path("/page/about".into()))
            .await
            .unwrap();
        let (all, total) = store.redirects("", 10, 0).await.unwrap();
        assert_eq!(total, 2);
        assert_eq!(all[0].from_path, "/?p=12");
        assert_eq!(all[0].target, RedirectTarget::Path("/page/about".into()));
        assert_eq!(all[0].origin, "manual");
        // The filter reads `%` and `_` as themselves.
        assert_eq!(store.redirects("سياسة", 10, 0).await.unwrap().1, 1);
        assert_eq!(store.redirects("_", 10, 0).await.unwrap().1, 0);

        // To itself (however written), or to somewhere that is not a path: refused.
        for (from, to, code) in [
            ("/old", "/old/", ErrorCode::RedirectLoop),
            ("/old", "https://elsewhere.example/", ErrorCode::PathInvalid),
            ("/old", "//elsewhere.example/", ErrorCode::PathInvalid),
        ] {
            match store
                .put_redirect(from, &RedirectTarget::Path(to.into()))
                .await
            {
                Err(StoreError::Invalid(v)) => assert_eq!(v.codes(), vec![code], "{to}"),
                other => panic!("{to}: {other:?}"),
            }
        }
        assert!(store.redirect("/old").await.unwrap().is_none());

        // Deleting the article takes its redirects with it.
        let mut tx = store.begin().await.unwrap();
        tx.put_redirect(
            "/2024/11/16/old",
            &RedirectTarget::Article(a.id),
            "wordpress",
        )
        .await
        .unwrap();
        tx.delete_article(a.id).await.unwrap();
        tx.commit().await.unwrap();
        assert!(store.redirect("/2024/11/16/old").await.unwrap().is_none());
        let id = all[1].id;
        store.delete_redirect(id).await.unwrap();
        assert!(matches!(
            store.delete_redirect(id).await,
            Err(StoreError::NotFound)
        ));
    }
);

both_backends!(newsletter_sign_up_confirm_and_leave, async |db: &TestDb| {
    use midad_store::{Lists, SignUp, SubscriberStatus};
    let store = &db.store;
    let t0 = Utc.with_ymd_and_hms(2024, 11, 16, 9, 0, 0).unwrap();
    let nonce = || format!("n{}", rand_suffix());
    let lists = Lists {
        digest: true,
        alerts: true,
        sections: vec![3, 5],
    };
    let SignUp::Confirm(s) = store
        .sign_up("Reader@Example.com", &lists, t0, nonce)
        .await
        .unwrap()
    else {
        panic!("a new address gets a confirmation")
    };
    assert_eq!(s.status, SubscriberStatus::Pending);
    assert_eq!(s.lists, lists);
    let first_nonce = s.confirm_nonce.clone().unwrap();
    // Again within the day, in another case: nothing more is sent.
    assert_eq!(
        store
            .sign_up("reader@example.com", &lists, t0 + Duration::hours(3), nonce)
            .await
            .unwrap(),
        SignUp::Quiet
    );
    // A day later: one more confirmation, the same link.
    let SignUp::Confirm(again) = store
        .sign_up(
            "reader@example.com",
            &lists,
            t0 + Duration::hours(25),
            nonce,
        )
        .await
        .unwrap()
    else {
        panic!("one more a day")
    };
    assert_eq!(again.id, s.id);
    assert_eq!(again.confirm_nonce.as_deref(), Some(first_nonce.as_str()));
    // A wrong nonce does nothing; the right one once.
    assert!(!store.confirm_subscriber(s.id, "forged", t0).await.unwrap());
    assert!(
        store
            .confirm_subscriber(s.id, &first_nonce, t0)
            .await
            .unwrap()
    );
    assert!(
        !store
            .confirm_subscriber(s.id, &first_nonce, t0)
            .await
            .unwrap(),
        "replayed"
    );
    assert_eq!(
        store.subscriber(s.id).await.unwrap().unwrap().status,
        SubscriberStatus::Confirmed
    );
    assert_eq!(
        store
            .sign_up("reader@example.com", &lists, t0 + Duration::days(5), nonce)
            .await
            .unwrap(),
        SignUp::Quiet,
        "a confirmed subscriber is left alone"
    );
    assert_eq!(store.audience("alerts").await.unwrap().len(), 1);

    // Leaving drops what was queued; coming back needs a new link (the old one is dead).
    let mut tx = store.begin().await.unwrap();
    let send = tx
        .create_send("digest", "النشرة", &serde_json::json!({}), None, None)
        .await
        .unwrap();
    tx.enqueue(
        send,
        &[midad_store::NewMessage {
            subscriber_id: Some(s.id),
            email: s.email.clone(),
            message_id: "<a@x>".into(),
        }],
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    store
        .unsubscribe(s.id, t0 + Duration::days(6))
        .await
        .unwrap();
    assert_eq!(store.queue_backlog().await.unwrap(), 0);
    assert!(store.audience("alerts").await.unwrap().is_empty());
    let SignUp::Confirm(back) = store
        .sign_up(
            "reader@example.com",
            &Lists::default(),
            t0 + Duration::days(7),
            nonce,
        )
        .await
        .unwrap()
    else {
        panic!("coming back is a new sign-up")
    };
    assert_ne!(back.confirm_nonce.as_deref(), Some(first_nonce.as_str()));
    assert!(
        !store
            .confirm_subscriber(s.id, &first_nonce, t0)
            .await
            .unwrap()
    );

    // The secret is made once.
    let k1 = store.secret("newsletter", || "first".into()).await.unwrap();
    let k2 = store
        .secret("newsletter", || "second".into())
        .await
        .unwrap();
    assert_eq!((k1.as_str(), k2.as_str()), ("first", "first"));
});

fn rand_suffix() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    N.fetch_add(1, Ordering::Relaxed)
}

both_backends!(
    newsletter_queue_lease_claim_retry_and_bounce,
    async |db: &TestDb| {
        use midad_store::{NewMessage, SENDER_LOCK, SubscriberStatus};
        let store = &db.store;
        let t0 = Utc.with_ymd_and_hms(2024, 11, 16, 9, 0, 0).unwrap();
        // One holder at a time; a lease that ran out can be taken over.
        let ttl = Duration::seconds(15);
        assert!(store.lease(SENDER_LOCK, "node-a", t0, ttl).await.unwrap());
        assert!(
            !store
                .lease(SENDER_LOCK, "node-b", t0 + Duration::seconds(5), ttl)
                .await
                .unwrap()
        );
        assert!(
            store
                .lease(SENDER_LOCK, "node-a", t0 + Duration::seconds(10), ttl)
                .await
                .unwrap()
        );
        assert!(
            !store
                .lease(SENDER_LOCK, "node-b", t0 + Duration::seconds(20), ttl)
                .await
                .unwrap()
        );
        assert!(
            store
                .lease(SENDER_LOCK, "node-b", t0 + Duration::seconds(26), ttl)
                .await
                .unwrap()
        );

        let rows: Vec<(String, midad_store::Lists)> = (0..3)
            .map(|i| (format!("r{i}@example.com"), Default::default()))
            .collect();
        assert_eq!(
            store
                .import_subscribers(&rows, t0, || format!("m{}", rand_suffix()))
                .await
                .unwrap(),
            3
        );
        assert_eq!(
            store
                .import_subscribers(&rows, t0, || format!("m{}", rand_suffix()))
                .await
                .unwrap(),
            0
        );
        let audience = store.audience("digest").await.unwrap();
        let messages: Vec<NewMessage> = audience
            .iter()
            .map(|(id, email, _)| NewMessage {
                subscriber_id: Some(*id),
                email: email.clone(),
                message_id: format!("<{id}@x>"),
            })
            .collect();
        let mut tx = store.begin().await.unwrap();
        let send = tx
            .create_send(
                "digest",
                "النشرة",
                &serde_json::json!({"articles": [1]}),
                None,
                None,
            )
            .await
            .unwrap();
        assert_eq!(tx.enqueue(send, &messages).await.unwrap(), 3);
        assert_eq!(
            tx.enqueue(send, &messages).await.unwrap(),
            0,
            "never queued twice"
        );
        tx.commit().await.unwrap();

        let now = Utc::now();
        let claimed = store.claim(2, now).await.unwrap();
        assert_eq!(claimed.len(), 2);
        assert_eq!(claimed[0].attempts, 1);
        assert_eq!(
            store.claim(5, now).await.unwrap().len(),
            1,
            "the third, not the two in flight"
        );
        // A sender died holding them: back in the queue, same Message-ID.
        assert_eq!(store.requeue_in_flight().await.unwrap(), 3);
        let again = store.claim(5, now).await.unwrap();
        assert_eq!(again.len(), 3);
        assert_eq!(again[0].message_id, claimed[0].message_id);
        assert_eq!(again[0].attempts, 2);

        store.mark_sent(&[again[0].id], now).await.unwrap();
        store
            .mark_retry(
                again[1].id,
                "451 try later",
                Some(now + Duration::minutes(5)),
            )
            .await
            .unwrap();
        store
            .mark_bounced(again[2].id, "550 no such user", 1)
            .await
            .unwrap();
        assert!(
            store.claim(5, now).await.unwrap().is_empty(),
            "the retry is not due yet"
        );
        assert_eq!(
            store
                .claim(5, now + Duration::minutes(6))
                .await
                .unwrap()
                .len(),
            1
        );
        let s = store.send(send).await.unwrap().unwrap();
        assert_eq!((s.sent, s.queued, s.bounced, s.failed), (1, 1, 1, 0));
        assert_eq!(s.payload["articles"][0], 1);
        let bounced = store
            .subscriber_by_email(&again[2].email)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(bounced.status, SubscriberStatus::Bouncing);
        assert_eq!(store.audience("digest").await.unwrap().len(), 2);
        assert_eq!(store.sends(10).await.unwrap().len(), 1);
    }
);
