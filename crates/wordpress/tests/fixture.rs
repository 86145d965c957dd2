//! Reading the fixture export gives what its README says it holds.

mod common;

use std::collections::BTreeMap;

use chrono::{NaiveDate, NaiveDateTime};
use common::{fixture_bytes, fixture_dir, read_fixture};
use midad_wordpress::{
    Entry, ItemTerm, Limits, VisitError, attachment_files, item_time, read, upload_path,
    zone_agrees,
};

fn at(date: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(date, "%Y-%m-%d %H:%M:%S").expect("a valid test date")
}

#[test]
fn the_channel_describes_the_site() {
    let export = read_fixture();
    let channel = export.channel.as_ref().expect("a channel");
    assert_eq!(channel.title, "صحيفة الأفق");
    assert_eq!(channel.link, "http://fixture.localhost:8083");
    assert_eq!(
        channel.description,
        "أخبار لبنان والعالم العربي على مدار الساعة"
    );
    assert_eq!(channel.language, "ar");
    assert_eq!(channel.wxr_version, "1.2");
    assert_eq!(channel.base_site_url, "http://fixture.localhost:8083");
    assert_eq!(channel.base_blog_url, "http://fixture.localhost:8083");
    assert_eq!(export.order.first(), Some(&"channel"));
    assert_eq!(
        export
            .order
            .iter()
            .filter(|kind| **kind == "channel")
            .count(),
        1
    );
}

#[test]
fn counts_match_the_readme() {
    let export = read_fixture();
    let summary = &export.summary;
    assert_eq!(summary.items_of("post"), 150);
    assert_eq!(summary.items_of("page"), 5);
    assert_eq!(summary.items_of("attachment"), 46);
    assert_eq!(summary.items.values().sum::<usize>(), 201);
    let statuses: BTreeMap<&str, usize> = summary
        .posts_by_status
        .iter()
        .map(|(status, count)| (status.as_str(), *count))
        .collect();
    assert_eq!(
        statuses,
        BTreeMap::from([
            ("publish", 138),
            ("draft", 5),
            ("future", 3),
            ("pending", 2),
            ("private", 2)
        ])
    );
    assert_eq!(summary.sticky_posts, 3);
    assert_eq!(
        export.of_type("post").filter(|post| post.is_sticky).count(),
        3
    );
    assert_eq!(summary.authors, 5);
    assert_eq!(summary.categories, 8);
    assert_eq!(summary.tags, 25);
    assert_eq!(
        summary.terms, 33,
        "WordPress 6 repeats categories and tags as wp:term"
    );
    assert_eq!(summary.comments, 12);
    assert_eq!(
        export.items.iter().map(|item| item.comments).sum::<usize>(),
        12
    );
    assert_eq!(
        export.items.iter().filter(|item| item.comments > 0).count(),
        5,
        "comments on 5 posts"
    );
    assert_eq!(summary.bytes, fixture_bytes().len() as u64);
    assert_eq!(
        export
            .items
            .iter()
            .filter(|item| item.thumbnail_id().is_some())
            .count(),
        30
    );
}

#[test]
fn authors_have_arabic_display_names() {
    let export = read_fixture();
    let names: Vec<(&str, &str)> = export
        .authors
        .iter()
        .map(|author| (author.login.as_str(), author.display_name.as_str()))
        .collect();
    assert_eq!(
        names,
        vec![
            ("admin", "إدارة الموقع"),
            ("sara.haddad", "سارة الحداد"),
            ("mohammed.alali", "محمد العلي"),
            ("layla.mansour", "ليلى منصور"),
            ("youssef.khatib", "يوسف الخطيب"),
        ]
    );
    let sara = &export.authors[1];
    assert_eq!(sara.id, 2);
    assert_eq!(sara.email, "sara.haddad@alofoq.example");
    assert_eq!(
        (sara.first_name.as_str(), sara.last_name.as_str()),
        ("سارة", "الحداد")
    );
    // The administrator owns the pages.
    assert!(export.of_type("page").all(|page| page.creator == "admin"));
}

#[test]
fn categories_are_decoded_and_nested() {
    let export = read_fixture();
    let tree: Vec<(&str, &str, Option<&str>)> = export
        .categories
        .iter()
        .map(|term| {
            (
                term.name.as_str(),
                term.slug.as_str(),
                term.parent_slug.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        tree,
        vec![
            ("اقتصاد", "اقتصاد", None),
            ("ثقافة", "ثقافة", None),
            ("رياضة", "رياضة", None),
            ("سياسة", "سياسة", None),
            ("سياسة دولية", "سياسة-دولية", Some("سياسة")),
            ("سياسة عربية", "سياسة-عربية", Some("سياسة")),
            ("غير مصنف", "غير-مصنف", None),
            ("كاريكاتير", "كاريكاتير", None),
        ]
    );
    let economy = &export.categories[0];
    assert_eq!(economy.id, 5);
    assert_eq!(economy.taxonomy, "category");
    assert_eq!(economy.description, "الأسواق والطاقة والمال والأعمال.");
    assert_eq!(
        export.categories[6].description, "",
        "the default category has none"
    );

    let tag = &export.tags[0];
    assert_eq!(
        (tag.id, tag.slug.as_str(), tag.name.as_str()),
        (12, "الأردن", "الأردن")
    );
    assert_eq!(tag.taxonomy, "post_tag");
    assert!(export.tags.iter().all(|tag| tag.parent_slug.is_none()));

    let repeated: Vec<&str> = export
        .terms
        .iter()
        .map(|term| term.taxonomy.as_str())
        .collect();
    assert_eq!(repeated.iter().filter(|t| **t == "category").count(), 8);
    assert_eq!(repeated.iter().filter(|t| **t == "post_tag").count(), 25);
}

#[test]
fn a_published_post_in_full() {
    let export = read_fixture();
    let post = export.item(286);
    assert_eq!(post.post_type, "post");
    assert_eq!(
        post.title,
        "Beirut Tech Week 2025: Q&A with Startup Founders"
    );
    assert_eq!(
        post.post_name,
        "beirut-tech-week-2025-qa-with-startup-founders"
    );
    assert_eq!(
        post.link,
        "http://fixture.localhost:8083/2026/08/20/beirut-tech-week-2025-qa-with-startup-founders/"
    );
    assert_eq!(post.guid, "http://fixture.localhost:8083/?p=286");
    assert_eq!(post.creator, "youssef.khatib");
    assert_eq!(post.status, "publish");
    assert_eq!(post.comment_status, "open");
    assert_eq!(post.post_date, Some(at("2026-08-20 11:33:10")));
    assert_eq!(post.post_date_gmt, Some(at("2026-08-20 08:33:10")));
    assert_eq!(post.post_modified_gmt, Some(at("2026-08-20 08:33:10")));
    assert_eq!(post.thumbnail_id(), Some(287));
    assert_eq!(
        post.categories,
        vec![
            term("category", "اقتصاد"),
            term("post_tag", "البنوك"),
            term("post_tag", "التضخم"),
            term("post_tag", "معرض الكتاب"),
        ]
    );
    assert_eq!(post.terms("category").count(), 1);
    assert!(post.content.starts_with("ما المزلقة الكستلاتة"));
    assert!(!post.content.contains('\r'));
}

fn term(domain: &str, name: &str) -> ItemTerm {
    ItemTerm {
        domain: domain.into(),
        slug: name.replace(' ', "-"),
        name: name.into(),
    }
}

#[test]
fn arabic_slugs_are_decoded_and_kept_as_written() {
    let export = read_fixture();
    let post = export.item(32);
    assert_eq!(post.title, "إن المويجات مع بمرتاد فارع كاليكو");
    assert_eq!(post.post_name, "إن-المويجات-مع-بمرتاد-فارع-كاليكو");
    assert!(post.post_name_raw.starts_with("%d8%a5%d9%86-"));
    assert_eq!(
        post.categories,
        vec![
            term("post_tag", "الخليج"),
            term("category", "رياضة"),
            term("post_tag", "معرض الكتاب")
        ]
    );

    // The long title: WordPress cut the encoded slug at 200 bytes, between characters.
    let long = export.item(47);
    assert!(long.title.chars().count() > 200);
    assert_eq!(long.post_name_raw.len(), 200);
    assert_eq!(long.post_name, "إنه-الطاقة-ليكس-أبغ-المهرجان-أن-هم-مع-ال");

    // Six caricatures with the same title: WordPress numbered their slugs.
    let caricatures: Vec<&str> = export
        .of_type("post")
        .filter(|post| post.title == "كاريكاتير اليوم")
        .map(|post| post.post_name.as_str())
        .collect();
    assert_eq!(
        caricatures,
        vec![
            "كاريكاتير-اليوم",
            "كاريكاتير-اليوم-2",
            "كاريكاتير-اليوم-3",
            "كاريكاتير-اليوم-4",
            "كاريكاتير-اليوم-5",
            "كاريكاتير-اليوم-6"
        ]
    );
    assert!(export.item(316).post_name.starts_with("🔴-عاجل-"));
    assert_eq!(
        export.item(168).post_name,
        "القاهرة-بيرس-الهامستر-أو-أن-الأزمة؟"
    );
    assert_eq!(
        export.item(116).post_name,
        "التضخم-يرتفع-إلى-4-5-في-بالمخيمات-لن-التي"
    );
}

#[test]
fn drafts_have_no_slug_and_no_utc_date() {
    let export = read_fixture();
    let draft = export.item(342);
    assert_eq!(draft.status, "draft");
    assert_eq!(draft.post_name, "");
    assert_eq!(draft.post_name_raw, "");
    assert_eq!(draft.link, "http://fixture.localhost:8083/?p=342");
    assert_eq!(draft.post_date, Some(at("2026-11-13 19:30:49")));
    assert_eq!(draft.post_date_gmt, None);
    assert_eq!(draft.post_modified_gmt, Some(at("2026-11-13 17:30:49")));
    assert_eq!(draft.thumbnail_id(), Some(343));
    assert_eq!(
        item_time(draft, chrono_tz::Asia::Beirut),
        Some(at("2026-11-13 17:30:49").and_utc())
    );
    for post in export.of_type("post") {
        let unpublished = post.status == "draft" || post.status == "pending";
        assert_eq!(
            post.post_date_gmt.is_none(),
            unpublished,
            "post {}",
            post.post_id
        );
        assert_eq!(
            post.post_name.is_empty(),
            unpublished,
            "post {}",
            post.post_id
        );
    }
}

#[test]
fn scheduled_and_private_posts() {
    let export = read_fixture();
    let future = export.item(357);
    assert_eq!(future.status, "future");
    assert_eq!(future.post_date_gmt, Some(at("2027-01-01 16:00:00")));
    assert_eq!(future.thumbnail_id(), Some(358));
    assert_eq!(
        future.link, "http://fixture.localhost:8083/?p=357",
        "no permalink yet"
    );
    assert_eq!(future.post_name, "الجامعة-السحيف-مستطيل-ولعة-توارى-الها");
    let private = export.item(183);
    assert_eq!(private.status, "private");
    assert_eq!(private.thumbnail_id(), Some(184));
}

#[test]
fn the_site_zone_explains_every_date() {
    let export = read_fixture();
    let dated: Vec<_> = export
        .items
        .iter()
        .filter(|item| item.post_date.is_some() && item.post_date_gmt.is_some())
        .collect();
    assert!(dated.len() > 190);
    assert!(
        dated
            .iter()
            .all(|item| zone_agrees(item, chrono_tz::Asia::Beirut))
    );
    assert!(!dated.iter().all(|item| zone_agrees(item, chrono_tz::UTC)));
    assert!(
        !dated
            .iter()
            .all(|item| zone_agrees(item, chrono_tz::Europe::Paris))
    );

    // Published after 21:00 UTC: a different calendar day in Beirut.
    let late = export.item(133);
    assert_eq!(late.post_date, Some(at("2025-09-09 01:09:40")));
    assert_eq!(
        item_time(late, chrono_tz::Asia::Beirut).map(|t| t.date_naive()),
        NaiveDate::from_ymd_opt(2025, 9, 8)
    );
}

#[test]
fn pages_and_the_child_page() {
    let export = read_fixture();
    let pages: Vec<(i64, &str, i64, i64)> = export
        .of_type("page")
        .map(|page| {
            (
                page.post_id,
                page.title.as_str(),
                page.post_parent,
                page.menu_order,
            )
        })
        .collect();
    assert_eq!(
        pages,
        vec![
            (4, "من نحن", 0, 0),
            (6, "فريق التحرير", 4, 1),
            (8, "اتصل بنا", 0, 2),
            (10, "سياسة الخصوصية", 0, 3),
            (12, "أعلن معنا", 0, 4),
        ]
    );
    let team = export.item(6);
    assert_eq!(team.post_name, "فريق-التحرير");
    assert_eq!(
        team.link,
        "http://fixture.localhost:8083/%d9%85%d9%86-%d9%86%d8%ad%d9%86/%d9%81%d8%b1%d9%8a%d9%82-%d8%a7%d9%84%d8%aa%d8%ad%d8%b1%d9%8a%d8%b1/"
    );
    assert_eq!(team.guid, "http://fixture.localhost:8083/?page_id=6");
    assert!(export.of_type("page").all(|page| page.status == "publish"));
}

#[test]
fn attachments_and_their_files() {
    let export = read_fixture();
    let caricature = export.item(108);
    assert_eq!(caricature.post_type, "attachment");
    assert_eq!(caricature.status, "inherit");
    assert_eq!(caricature.post_parent, 107);
    assert_eq!(
        caricature.attachment_url,
        "http://fixture.localhost:8083/wp-content/uploads/2025/06/caricature-1.png"
    );
    assert_eq!(
        caricature.meta("_wp_attached_file"),
        Some("2025/06/caricature-1.png")
    );
    assert!(
        caricature.excerpt.starts_with("أعلن الإحتجاج مع فرتن"),
        "the caption"
    );
    assert_eq!(
        export.item(27).meta("_wp_attachment_image_alt"),
        Some("إصلاحها أعلن تكون مكتوب")
    );

    // Every file an attachment names is in the uploads folder, Arabic and upper-case
    // names included; 46 originals and their sizes make the 174 files.
    let uploads = fixture_dir().join("uploads");
    let mut files = 0;
    for attachment in export.of_type("attachment") {
        let path = upload_path(&attachment.attachment_url, export.site_url())
            .unwrap_or_else(|| panic!("{} is an upload", attachment.attachment_url));
        assert_eq!(Some(path.as_str()), attachment.meta("_wp_attached_file"));
        let meta = attachment
            .meta("_wp_attachment_metadata")
            .expect("metadata");
        let upload = attachment_files(meta).expect("readable metadata");
        assert_eq!(upload.file, path);
        for file in upload.paths() {
            assert!(uploads.join(&file).is_file(), "{file} is missing");
            files += 1;
        }
    }
    assert_eq!(files, 174);
    assert!(
        export
            .of_type("attachment")
            .any(|a| a.attachment_url.contains("DSC-0412.jpg"))
    );
    assert!(
        export
            .of_type("attachment")
            .any(|a| a.meta("_wp_attached_file") == Some("2026/08/مؤتمر-صحفي.jpg"))
    );
}

#[test]
fn the_callback_reader_streams_the_same_entries() {
    let bytes = fixture_bytes();
    let mut kinds = Vec::new();
    let summary = read(&bytes[..], Limits::default(), |entry| {
        kinds.push(match entry {
            Entry::Channel(_) => 'c',
            Entry::Author(_) => 'a',
            Entry::Category(_) | Entry::Tag(_) | Entry::Term(_) => 't',
            Entry::Item(_) => 'i',
        });
        Ok::<(), String>(())
    })
    .expect("the fixture reads");
    assert_eq!(kinds.len(), 1 + 5 + 8 + 25 + 33 + 201);
    assert_eq!(kinds[0], 'c');
    assert_eq!(summary.items_of("post"), 150);

    // The caller's own error stops the reading and comes back as it was.
    let mut seen = 0;
    let stopped = read(&bytes[..], Limits::default(), |_| {
        seen += 1;
        if seen == 3 { Err("disk full") } else { Ok(()) }
    });
    assert!(matches!(stopped, Err(VisitError::Visitor("disk full"))));
    assert_eq!(seen, 3);
}
