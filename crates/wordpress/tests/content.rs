//! Converting the fixture's real posts: what the importer will hand to the HTML-to-blocks
//! parser.

mod common;

use common::{Export, fixture_dir, read_fixture};
use midad_wordpress::{
    Converted, ImageRef, Item, LinkTarget, content_to_html, original_upload_path, post_link_target,
    rewrite_urls, upload_path,
};

fn convert(export: &Export, item: &Item) -> Converted {
    let attachments = export.attachments();
    content_to_html(&item.content, &attachments.for_post(item.post_id))
}

fn converted(export: &Export, post_id: i64) -> Converted {
    convert(export, export.item(post_id))
}

fn paragraphs(html: &str) -> usize {
    html.matches("<p>").count()
}

#[test]
fn classic_posts_become_paragraphs() {
    let export = read_fixture();
    let post = export.item(16);
    assert!(!post.content.contains("<p>"), "a classic post");
    let html = converted(&export, 16).html;
    let source_paragraphs = post
        .content
        .split("\n\n")
        .filter(|piece| !piece.trim().is_empty())
        .count();
    assert!(source_paragraphs > 2);
    assert_eq!(paragraphs(&html), source_paragraphs);
    assert_eq!(html.matches("</p>").count(), source_paragraphs);
    assert!(html.starts_with("<p>"));
    // Post 76 has lines of verse inside one paragraph, and post 18 a list.
    let html = converted(&export, 76).html;
    assert!(
        html.contains(
            "<p>الترجمة أنه عن المشروعة العرين وكالة<br>\nاستئنافي الاجتماع أقل العطالة<br>\n"
        ),
        "{html}"
    );
    let html = converted(&export, 18).html;
    assert!(
        html.contains("</p>\n<ul>\n\t<li>وشلع المستشفى إهتلاس جواد</li>\n\t<li>"),
        "{html}"
    );
    assert!(!html.contains("<p><ul>") && !html.contains("<li><p>") && !html.contains("</li><br>"));
}

#[test]
fn mixed_classic_page_keeps_its_headings() {
    let export = read_fixture();
    let html = converted(&export, 6).html;
    assert!(html.starts_with(
        "<p>يعمل في صحيفة الأفق فريق من المحررين والمراسلين:</p>\n<h3>سارة الحداد</h3>\n<p>رئيسة قسم الأخبار، تكتب في الشأن السياسي والاقتصادي.</p>\n<h3>محمد العلي</h3>"
    ), "{html}");
    assert!(!html.contains("<p><h3>"));
}

#[test]
fn block_posts_lose_their_comments() {
    let export = read_fixture();
    for item in export
        .items
        .iter()
        .filter(|item| item.post_type != "attachment")
    {
        let html = convert(&export, item).html;
        assert!(!html.contains("<!-- wp:"), "post {}", item.post_id);
        assert!(!html.contains("<!-- /wp:"), "post {}", item.post_id);
    }
    let html = converted(&export, 12).html;
    assert!(html.contains("<p>للإعلان في صحيفة الأفق يرجى مراسلة قسم الإعلانات.</p>"));
    assert!(html.contains(
        "<ol><li>إعلانات البانر</li><li>المقالات الممولة</li><li>النشرة البريدية</li></ol>"
    ));
    let quote = converted(&export, 40).html;
    assert!(
        quote.contains("<blockquote class=\"wp-block-quote\"><p>"),
        "{quote}"
    );
    assert!(quote.contains("<cite>عائشة بن سالم</cite></blockquote>"));
}

#[test]
fn captions_become_figures() {
    let export = read_fixture();
    let converted = converted(&export, 32);
    assert!(converted.html.contains(
        "<figure><img class=\"size-full wp-image-33\" src=\"http://fixture.localhost:8083/wp-content/uploads/2025/01/photo-009.jpg\" alt=\"الحمالات المدينة كما كما بشرطة درقي\" width=\"640\" height=\"400\" /><figcaption>بدأت حول وهو إلى السينما الغاز كما الإزدياد القاهرة؟</figcaption></figure>"
    ), "{}", converted.html);
    assert!(!converted.html.contains("[caption"));
    assert!(!converted.html.contains("<p><figure>"));
    assert_eq!(
        converted.images,
        vec![ImageRef {
            src: "http://fixture.localhost:8083/wp-content/uploads/2025/01/photo-009.jpg".into(),
            attachment_id: Some(33),
        }]
    );
    // The caption is the attachment's own caption.
    assert_eq!(
        export.item(33).excerpt,
        "بدأت حول وهو إلى السينما الغاز كما الإزدياد القاهرة؟"
    );
    let captioned = export
        .of_type("post")
        .filter(|post| post.content.contains("[caption"))
        .filter(|post| {
            convert(&export, post)
                .html
                .contains("</figcaption></figure>")
        })
        .count();
    assert_eq!(captioned, 10);
}

#[test]
fn embeds_become_url_paragraphs() {
    let export = read_fixture();
    let shortcode = converted(&export, 72).html;
    assert!(
        shortcode.contains("\n<p>https://www.youtube.com/watch?v=Q7Ho3wHrO-P</p>\n"),
        "{shortcode}"
    );
    assert!(!shortcode.contains("[embed]"));

    let bare = converted(&export, 87).html;
    assert!(
        bare.contains("\n<p>https://www.youtube.com/watch?v=OgaZdJKEhsL</p>\n"),
        "{bare}"
    );

    let block = converted(&export, 248).html;
    assert!(
        block.contains("\n<p>https://www.youtube.com/watch?v=CHLAAx0DgMT</p>\n"),
        "{block}"
    );
    assert!(!block.contains("wp-block-embed"));

    // 3 [embed], 3 bare URLs, 3 embed blocks: nine posts with a YouTube paragraph.
    let with_embed = export
        .of_type("post")
        .filter(|post| {
            let html = convert(&export, post).html;
            html.contains("<p>https://www.youtube.com/watch?v=")
                || html.contains("<p>https://youtu.be/")
        })
        .count();
    assert_eq!(with_embed, 9);
}

#[test]
fn galleries_list_their_images() {
    let export = read_fixture();
    for (post_id, ids) in [(52, [53, 54, 55]), (212, [213, 214, 215])] {
        let converted = converted(&export, post_id);
        let found: Vec<Option<i64>> = converted
            .images
            .iter()
            .map(|image| image.attachment_id)
            .collect();
        assert_eq!(found, ids.map(Some).to_vec(), "post {post_id}");
        for (image, id) in converted.images.iter().zip(ids) {
            assert_eq!(image.src, export.item(id).attachment_url);
        }
        assert!(converted.missing_attachments.is_empty());
        assert_eq!(converted.html.matches("<figure>").count(), 3);
        assert!(!converted.html.contains("[gallery"));
    }
    let html = converted(&export, 52).html;
    let alt = export
        .item(53)
        .meta("_wp_attachment_image_alt")
        .expect("alt text");
    assert!(html.contains(&format!("alt=\"{alt}\"")), "{html}");
}

#[test]
fn unknown_shortcodes_are_reported() {
    let export = read_fixture();
    let contact = converted(&export, 8);
    assert_eq!(contact.unknown_shortcodes, vec!["contact-form-7"]);
    assert!(
        contact
            .html
            .contains("<p>[contact-form-7 id=\"1\" title=\"نموذج الاتصال 1\"]</p>")
    );
    assert!(
        contact
            .html
            .contains("العنوان: شارع الحمراء، بيروت، لبنان<br>\nالهاتف")
    );
    let others = export
        .items
        .iter()
        .filter(|item| item.post_id != 8)
        .filter(|item| !convert(&export, item).unknown_shortcodes.is_empty())
        .count();
    assert_eq!(others, 0);
}

#[test]
fn images_name_their_attachments_and_files() {
    let export = read_fixture();
    let uploads = fixture_dir().join("uploads");
    let block_image = converted(&export, 26);
    assert_eq!(block_image.images[0].attachment_id, Some(27));

    // The one image outside a caption points at a resized copy.
    let inline = converted(&export, 44);
    let image = &inline.images[0];
    assert_eq!(image.attachment_id, Some(45));
    let path = upload_path(&image.src, export.site_url()).expect("an upload");
    assert_eq!(path, "2025/03/market-300x188.jpg");
    assert_eq!(original_upload_path(&path), "2025/03/market.jpg");
    assert_eq!(
        export.item(45).meta("_wp_attached_file"),
        Some("2025/03/market.jpg")
    );

    let mut images = 0;
    for item in export
        .items
        .iter()
        .filter(|item| item.post_type != "attachment")
    {
        for image in convert(&export, item).images {
            images += 1;
            let id = image
                .attachment_id
                .expect("every fixture image names its attachment");
            assert_eq!(export.item(id).post_type, "attachment");
            let path = upload_path(&image.src, export.site_url()).expect("an upload");
            assert!(uploads.join(&path).is_file(), "{path}");
            assert!(
                uploads.join(original_upload_path(&path)).is_file(),
                "{path}"
            );
        }
    }
    // 10 captions, 2 galleries of 3, 1 inline image, 6 image blocks.
    assert_eq!(images, 10 + 6 + 1 + 6);
}

#[test]
fn links_between_posts_resolve() {
    let export = read_fixture();
    let home = &export.channel.as_ref().expect("a channel").base_blog_url;
    let mut resolved = 0;
    for item in export
        .items
        .iter()
        .filter(|item| item.post_type != "attachment")
    {
        let html = convert(&export, item).html;
        rewrite_urls(&html, |attribute, url| {
            if attribute != "href" {
                return None;
            }
            let target = post_link_target(url, home)?;
            let exists = match &target {
                LinkTarget::PostId(id) => export.items.iter().any(|i| i.post_id == *id),
                LinkTarget::Dated { slug, .. } => {
                    export.of_type("post").any(|post| post.post_name == *slug)
                }
                _ => false,
            };
            assert!(
                exists,
                "post {} links to {url}, found as {target:?}",
                item.post_id
            );
            resolved += 1;
            None
        });
    }
    assert!(resolved >= 4, "links resolved: {resolved}");
    let link = converted(&export, 156).html;
    assert!(link.contains("<a href=\"http://fixture.localhost:8083/?p=57\">"));
}
