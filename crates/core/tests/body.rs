//! Article bodies: HTML in, blocks, safe HTML and plain text out.
//! Property tests keep proptest's default case count so the suite stays quick on a shared machine.

use midad_core::body::{Block, EmbedProvider, from_html, plain_text, render_html, sanitize_inline};
use proptest::prelude::*;
use scraper::Html;

fn paragraph(html: &str) -> Block {
    Block::Paragraph {
        html: html.to_owned(),
    }
}

fn youtube(id: &str) -> Block {
    Block::Embed {
        url: format!("https://www.youtube.com/watch?v={id}"),
        provider: EmbedProvider::Youtube,
    }
}

/// For inputs whose text cannot mention them: none of these strings may survive at all.
fn assert_no_dangerous_strings(html: &str) {
    let lower = html.to_lowercase();
    for needle in [
        "<script",
        "<style",
        "<iframe",
        "onclick",
        "onerror",
        "onload",
        "javascript:",
        "style=",
    ] {
        assert!(!lower.contains(needle), "{needle:?} survived in {html}");
    }
}

/// What a browser would build from `html` holds nothing that runs code or loads a frame.
/// (Text may still mention `<script>`, escaped; this looks at the parsed tree.)
fn inert_problem(html: &str) -> Option<String> {
    let fragment = Html::parse_fragment(html);
    for element in fragment.root_element().descendent_elements() {
        let element = element.value();
        let name = element.name();
        if [
            "script", "style", "iframe", "object", "embed", "frame", "svg", "math", "base",
        ]
        .contains(&name)
        {
            return Some(format!("<{name}> in {html}"));
        }
        for (attribute, value) in element.attrs() {
            let value: String = value
                .chars()
                .filter(|c| !c.is_whitespace() && !c.is_control())
                .collect::<String>()
                .to_lowercase();
            if attribute.starts_with("on") || attribute == "style" {
                return Some(format!("{attribute} on <{name}> in {html}"));
            }
            if ["javascript:", "vbscript:", "data:"]
                .iter()
                .any(|s| value.starts_with(s))
            {
                return Some(format!("{attribute}={value} on <{name}> in {html}"));
            }
        }
    }
    None
}

fn assert_inert(html: &str) {
    if let Some(problem) = inert_problem(html) {
        panic!("{problem}");
    }
}

#[test]
fn an_arabic_article_becomes_blocks() {
    let html = r#"
<h1>الحكومة تعلن خطة جديدة للنقل العام</h1>
<p>أعلن <strong>وزير النقل</strong> صباح اليوم عن خطة
   لتوسيع شبكة <a href="https://example.com/metro" target="_blank" class="ext">المترو</a>
   في <a href="/section/cities">المدن الكبرى</a>.</p>
<p>&nbsp;</p>
<h2>تفاصيل الخطة</h2>
<blockquote><p>سنبدأ التنفيذ مطلع العام المقبل.</p><p>والتمويل مضمون.</p><cite>— وزير النقل</cite></blockquote>
<ul><li>خط جديد في <em>الشمال</em></li><li>تحديث المحطات القديمة</li></ul>
<ol><li>المرحلة الأولى</li><li>المرحلة الثانية</li></ol>
<figure class="wp-block-image"><img src="https://cdn.example.com/2024/11/metro.jpg" alt="محطة مترو">
<figcaption>محطة مترو في وسط المدينة <span class="credit">رويترز</span></figcaption></figure>
<figure class="wp-block-embed"><iframe width="560" height="315" src="https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ?rel=0" allowfullscreen></iframe></figure>
<p>https://youtu.be/aBcDeFgHiJk</p>
<blockquote class="twitter-tweet"><p lang="ar" dir="rtl">بدأ العمل اليوم <a href="https://t.co/xyz">pic.twitter.com/xyz</a></p>&mdash; وزارة النقل (@transport) <a href="https://twitter.com/transport/status/1857000000000000000?ref_src=twsrc%5Etfw">November 16, 2024</a></blockquote>
<script async src="https://platform.twitter.com/widgets.js" charset="utf-8"></script>
<hr>
<table><tr><th>المدينة</th><th>المحطات</th></tr><tr><td>القاهرة</td><td>٣٥</td></tr></table>
"#;
    assert_eq!(
        from_html(html),
        vec![
            Block::Heading {
                level: 2,
                html: "الحكومة تعلن خطة جديدة للنقل العام".into(),
            },
            paragraph(
                "أعلن <strong>وزير النقل</strong> صباح اليوم عن خطة لتوسيع شبكة \
                 <a href=\"https://example.com/metro\" rel=\"noopener\">المترو</a> في \
                 <a href=\"/section/cities\">المدن الكبرى</a>."
            ),
            Block::Heading {
                level: 2,
                html: "تفاصيل الخطة".into(),
            },
            Block::Quote {
                html: "سنبدأ التنفيذ مطلع العام المقبل.<br>والتمويل مضمون.".into(),
                cite: Some("وزير النقل".into()),
            },
            Block::List {
                ordered: false,
                items: vec![
                    "خط جديد في <em>الشمال</em>".into(),
                    "تحديث المحطات القديمة".into()
                ],
            },
            Block::List {
                ordered: true,
                items: vec!["المرحلة الأولى".into(), "المرحلة الثانية".into()],
            },
            Block::Image {
                src: "https://cdn.example.com/2024/11/metro.jpg".into(),
                alt: "محطة مترو".into(),
                caption: Some("محطة مترو في وسط المدينة".into()),
                credit: Some("رويترز".into()),
                media_id: None,
            },
            youtube("dQw4w9WgXcQ"),
            youtube("aBcDeFgHiJk"),
            Block::Embed {
                url: "https://twitter.com/transport/status/1857000000000000000".into(),
                provider: EmbedProvider::X,
            },
            Block::Divider,
            Block::Html {
                html: "<table><tbody><tr><th>المدينة</th><th>المحطات</th></tr>\
                       <tr><td>القاهرة</td><td>٣٥</td></tr></tbody></table>"
                    .into(),
            },
        ]
    );
}

#[test]
fn headings_keep_to_levels_two_to_four() {
    let levels: Vec<u8> = from_html("<h1>أ</h1><h2>ب</h2><h3>ج</h3><h4>د</h4><h5>ه</h5><h6>و</h6>")
        .into_iter()
        .map(|block| match block {
            Block::Heading { level, .. } => level,
            other => panic!("not a heading: {other:?}"),
        })
        .collect();
    assert_eq!(levels, [2, 2, 3, 4, 4, 4]);
}

#[test]
fn youtube_players_and_addresses_become_one_embed_address() {
    for html in [
        r#"<iframe src="https://www.youtube.com/embed/dQw4w9WgXcQ"></iframe>"#,
        r#"<div class="video-wrapper"><iframe src="https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ?start=30"></iframe></div>"#,
        r#"<p><iframe src="//www.youtube.com/embed/dQw4w9WgXcQ"></iframe></p>"#,
        r#"<figure><iframe src="https://www.youtube.com/embed/dQw4w9WgXcQ"></iframe></figure>"#,
        "<p>https://www.youtube.com/watch?v=dQw4w9WgXcQ&amp;feature=share</p>",
        r#"<p><a href="https://youtu.be/dQw4w9WgXcQ">https://youtu.be/dQw4w9WgXcQ</a></p>"#,
        "https://m.youtube.com/shorts/dQw4w9WgXcQ",
    ] {
        assert_eq!(from_html(html), [youtube("dQw4w9WgXcQ")], "{html}");
    }
}

#[test]
fn a_link_among_words_stays_a_paragraph() {
    let html = r#"<p>شاهد <a href="https://youtu.be/dQw4w9WgXcQ">الفيديو</a> كاملاً</p>"#;
    assert_eq!(
        from_html(html),
        [paragraph(
            "شاهد <a href=\"https://youtu.be/dQw4w9WgXcQ\" rel=\"noopener\">الفيديو</a> كاملاً"
        )]
    );
}

#[test]
fn posts_quoted_for_embedding_become_embeds() {
    let x_link_only = r#"<blockquote><p>نص المنشور</p><a href="https://x.com/someone/status/1234567890">رابط</a></blockquote>"#;
    assert_eq!(
        from_html(x_link_only),
        [Block::Embed {
            url: "https://x.com/someone/status/1234567890".into(),
            provider: EmbedProvider::X,
        }]
    );
    let instagram = r#"<blockquote class="instagram-media" data-instgrm-permalink="https://www.instagram.com/p/C1a2B3c4D5e/?utm_source=ig_embed"><div><a href="https://www.instagram.com/p/C1a2B3c4D5e/?utm_source=ig_embed">View this post</a></div></blockquote>"#;
    assert_eq!(
        from_html(instagram),
        [Block::Embed {
            url: "https://www.instagram.com/p/C1a2B3c4D5e/".into(),
            provider: EmbedProvider::Instagram,
        }]
    );
    // A quotation that merely mentions two links is still a quotation.
    let quote = r#"<blockquote><p>كما قال <a href="https://x.com/a/status/1">فلان</a> و<a href="https://x.com/b/status/2">علان</a></p></blockquote>"#;
    assert!(matches!(from_html(quote).as_slice(), [Block::Quote { .. }]));
}

#[test]
fn providers_are_detected_from_post_and_video_addresses_only() {
    let cases = [
        (
            "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
            Some(EmbedProvider::Youtube),
        ),
        (
            "https://youtu.be/dQw4w9WgXcQ?t=42",
            Some(EmbedProvider::Youtube),
        ),
        (
            "https://twitter.com/user/status/123",
            Some(EmbedProvider::X),
        ),
        (
            "https://x.com/user/status/123/photo/1",
            Some(EmbedProvider::X),
        ),
        (
            "https://www.facebook.com/aljazeera/posts/pfbid02abc",
            Some(EmbedProvider::Facebook),
        ),
        ("https://t.me/durov/43", Some(EmbedProvider::Telegram)),
        (
            "https://www.instagram.com/reel/C1a2B3c4D5e/",
            Some(EmbedProvider::Instagram),
        ),
        ("https://www.youtube.com/", None),
        ("https://www.youtube.com/watch", None),
        ("https://x.com/user", None),
        ("https://t.me/durov", None),
        ("https://www.facebook.com/", None),
        ("https://www.instagram.com/someone/", None),
        ("https://youtube.com.evil.example/watch?v=dQw4w9WgXcQ", None),
        ("https://youtube.com@evil.example/watch?v=dQw4w9WgXcQ", None),
        ("javascript:alert(1)//youtu.be/x", None),
        ("not a url", None),
        ("", None),
    ];
    for (url, expected) in cases {
        assert_eq!(EmbedProvider::detect(url), expected, "{url}");
    }
}

#[test]
fn plain_text_bodies_split_at_blank_lines() {
    let text = "الفقرة الأولى\nوسطرها الثاني\n\nالفقرة الثانية فيها <b>خط عريض</b> & رمز\n \n\n\nhttps://t.me/durov/43\n\nالأخيرة";
    assert_eq!(
        from_html(text),
        [
            paragraph("الفقرة الأولى<br>وسطرها الثاني"),
            paragraph("الفقرة الثانية فيها <b>خط عريض</b> &amp; رمز"),
            Block::Embed {
                url: "https://t.me/durov/43".into(),
                provider: EmbedProvider::Telegram,
            },
            paragraph("الأخيرة"),
        ]
    );
}

#[test]
fn inline_elements_at_the_top_join_the_text_around_them() {
    assert_eq!(
        from_html("قال <strong>المصدر</strong> إن <em>الاتفاق</em> قريب<h2>بعد ذلك</h2>"),
        [
            paragraph("قال <strong>المصدر</strong> إن <em>الاتفاق</em> قريب"),
            Block::Heading {
                level: 2,
                html: "بعد ذلك".into(),
            },
        ]
    );
}

#[test]
fn wrappers_are_read_through() {
    let html = "<div class=\"entry\"><section><p>أ</p><div><p>ب</p></div></section>نص حر</div>";
    assert_eq!(
        from_html(html),
        [paragraph("أ"), paragraph("ب"), paragraph("نص حر")]
    );
}

#[test]
fn images_keep_only_safe_addresses() {
    let html = r#"
<img src="javascript:alert(1)" alt="x">
<img src="data:image/png;base64,iVBORw0KGgo=" alt="نقطة">
<img src="data:image/gif;base64,R0lGOD" data-lazy-src="/media/lazy.jpg" alt="كسول">
<p><a href="https://cdn.example.com/full.jpg"><img src="https://cdn.example.com/thumb.jpg"></a></p>
<img src="//evil.example/x.jpg">
"#;
    assert_eq!(
        from_html(html),
        [
            Block::Image {
                src: "/media/lazy.jpg".into(),
                alt: "كسول".into(),
                caption: None,
                credit: None,
                media_id: None,
            },
            Block::Image {
                src: "https://cdn.example.com/thumb.jpg".into(),
                alt: String::new(),
                caption: None,
                credit: None,
                media_id: None,
            },
        ]
    );
}

#[test]
fn scripts_styles_handlers_and_javascript_urls_are_removed() {
    let html = r#"
<script>alert("top")</script>
<style>body { display: none }</style>
<p onclick="steal()" style="color:red">نص <a href="javascript:alert(1)">رابط</a>
   <a href=" JaVaScRiPt:alert(2)">آخر</a> <img src=x onerror="alert(3)"></p>
<div onload="x()"><iframe src="https://ads.example/banner"></iframe>بعد</div>
<!-- <script>alert(4)</script> -->
<table onclick="x()"><tr><td><a href="javascript:void(0)" onmouseover="x()">خلية</a><script>alert(5)</script></td></tr></table>
<svg><script>alert(6)</script></svg>
"#;
    let blocks = from_html(html);
    let rendered = render_html(&blocks);
    assert_no_dangerous_strings(&rendered);
    assert!(!rendered.contains("alert"), "{rendered}");
    let image_without_handler = Block::Image {
        src: "x".into(),
        alt: String::new(),
        caption: None,
        credit: None,
        media_id: None,
    };
    assert_eq!(
        blocks,
        [
            paragraph("نص رابط آخر"),
            image_without_handler,
            paragraph("بعد"),
            Block::Html {
                html: "<table><tbody><tr><td><a>خلية</a></td></tr></tbody></table>".into(),
            },
        ]
    );

    // Markup that parses differently depending on context, the stuff of mutation XSS.
    for html in [
        r#"<math><mtext><style><img src=x onerror=alert(7)></style></mtext></math>"#,
        r#"<noscript><p title="</noscript><img src=x onerror=alert(8)>"></p></noscript>"#,
        r#"<svg><style><img src=x onerror=alert(9)></style></svg>"#,
        r#"<p><style><img src=x onerror=alert(10)></style></p>"#,
        r#"<a href="&#106;avascript:alert(11)">x</a><a href="java&#x09;script:alert(12)">y</a>"#,
        r#"<a href="/&#x09;/evil.example">z</a><img src="vbscript:msgbox(13)">"#,
    ] {
        assert_inert(&render_html(&from_html(html)));
    }
}

#[test]
fn hand_built_blocks_render_safely() {
    let blocks = [
        paragraph("<script>alert(1)</script>hi"),
        Block::Heading {
            level: 9,
            html: "<img src=x onerror=alert(2)>عنوان".into(),
        },
        Block::Quote {
            html: "<a href=\"javascript:alert(3)\" onclick=\"x\">قول</a>".into(),
            cite: Some("<script>alert(4)</script>".into()),
        },
        Block::List {
            ordered: false,
            items: vec!["<iframe src=\"https://evil.example\"></iframe>بند".into()],
        },
        Block::Image {
            src: "javascript:alert(5)".into(),
            alt: String::new(),
            caption: None,
            credit: None,
            media_id: None,
        },
        Block::Image {
            src: "/media/a.jpg".into(),
            alt: "\"><script>alert(6)</script>".into(),
            caption: Some("<b>تعليق</b>".into()),
            credit: None,
            media_id: Some(7),
        },
        Block::Embed {
            url: "javascript:alert(8)".into(),
            provider: EmbedProvider::Youtube,
        },
        Block::Html {
            html: "<div style=\"x\" onclick=\"y\"><script>alert(9)</script><pre>كود</pre></div>"
                .into(),
        },
    ];
    let rendered = render_html(&blocks);
    assert_no_dangerous_strings(&rendered);
    assert_eq!(
        rendered,
        "<p dir=\"auto\">hi</p>\n\
         <h4 dir=\"auto\">عنوان</h4>\n\
         <blockquote dir=\"auto\"><p>قول</p><cite>&lt;script&gt;alert(4)&lt;/script&gt;</cite></blockquote>\n\
         <ul dir=\"auto\"><li>بند</li></ul>\n\
         <figure class=\"body-image\" data-media-id=\"7\"><img src=\"/media/a.jpg\" \
         alt=\"&quot;&gt;&lt;script&gt;alert(6)&lt;/script&gt;\" loading=\"lazy\" decoding=\"async\">\
         <figcaption>&lt;b&gt;تعليق&lt;/b&gt;</figcaption></figure>\n\
         <div class=\"body-html\"><pre>كود</pre></div>"
    );
}

#[test]
fn embeds_render_as_links_without_third_party_code() {
    let rendered = render_html(&[youtube("dQw4w9WgXcQ")]);
    assert_eq!(
        rendered,
        "<figure class=\"embed embed-youtube\" \
         data-embed-url=\"https://www.youtube.com/watch?v=dQw4w9WgXcQ\">\
         <a href=\"https://www.youtube.com/watch?v=dQw4w9WgXcQ\" rel=\"noopener\" \
         target=\"_blank\">شاهد على يوتيوب</a></figure>"
    );
}

fn representative_blocks() -> Vec<Block> {
    vec![
        Block::Heading {
            level: 2,
            html: "عنوان <em>فرعي</em>".into(),
        },
        paragraph(
            "نص فيه <strong>تشديد</strong> و<a href=\"https://example.com/?a=1&amp;b=2\" \
             rel=\"noopener\">رابط</a> و<a href=\"/tag/news\">وسم</a> &amp; &lt;رموز&gt;",
        ),
        paragraph("سطر<br>وسطر<br><br>بعد سطر فارغ&nbsp;هنا"),
        Block::Heading {
            level: 4,
            html: "<code>x &lt; y</code>".into(),
        },
        Block::Quote {
            html: "قول أول<br>وقول ثانٍ".into(),
            cite: Some("قائل \"مشهور\"".into()),
        },
        Block::Quote {
            html: "بلا نسبة".into(),
            cite: None,
        },
        Block::List {
            ordered: false,
            items: vec!["أ".into(), "<b>ب</b> و<i>ج</i>".into()],
        },
        Block::List {
            ordered: true,
            items: vec!["الأول".into(), "الثاني<br>وتتمته".into()],
        },
        Block::Image {
            src: "https://cdn.example.com/a b.jpg?w=800&h=600".into(),
            alt: "وصف \"الصورة\"".into(),
            caption: Some("تعليق <الصورة>".into()),
            credit: Some("وكالة & شركاه".into()),
            media_id: Some(42),
        },
        Block::Image {
            src: "/media/2024/b.jpg".into(),
            alt: String::new(),
            caption: None,
            credit: Some("أرشيف".into()),
            media_id: None,
        },
        Block::Image {
            src: "media/c.jpg".into(),
            alt: "ج".into(),
            caption: Some("تعليق فقط".into()),
            credit: None,
            media_id: None,
        },
        youtube("dQw4w9WgXcQ"),
        Block::Embed {
            url: "https://x.com/user/status/1857000000000000000".into(),
            provider: EmbedProvider::X,
        },
        Block::Embed {
            url: "https://t.me/durov/43".into(),
            provider: EmbedProvider::Telegram,
        },
        Block::Embed {
            url: "https://www.instagram.com/p/C1a2B3c4D5e/".into(),
            provider: EmbedProvider::Instagram,
        },
        Block::Embed {
            url: "https://www.facebook.com/aljazeera/videos/123?v=1".into(),
            provider: EmbedProvider::Facebook,
        },
        Block::Embed {
            url: "https://vimeo.com/76979871".into(),
            provider: EmbedProvider::Other,
        },
        Block::Divider,
        Block::Html {
            html: "<table><tbody><tr><td>١</td><td>٢</td></tr></tbody></table>".into(),
        },
        Block::Divider,
    ]
}

#[test]
fn rendered_blocks_read_back_as_the_same_blocks() {
    let blocks = representative_blocks();
    let rendered = render_html(&blocks);
    assert_eq!(from_html(&rendered), blocks, "{rendered}");
}

#[test]
fn reading_is_stable_after_one_round() {
    let html = "<p>  نص   <span class=\"x\">داخل</span>\n <b></b> <a href=\"/a\"><b> رابط </b></a></p>\n\n\
                <ul><li><p>بند</p></li></ul><blockquote>قول<footer>— <cite>قائل</cite></footer></blockquote>";
    let once = from_html(html);
    assert_eq!(from_html(&render_html(&once)), once);
    assert_eq!(once[0], paragraph("نص داخل <a href=\"/a\"><b>رابط</b></a>"));
}

#[test]
fn blocks_serialise_with_a_type_tag() {
    let json = serde_json::to_value(paragraph("نص <b>عريض</b>")).unwrap();
    assert_eq!(
        json,
        serde_json::json!({"type": "paragraph", "html": "نص <b>عريض</b>"})
    );
    let embed = serde_json::to_value(youtube("dQw4w9WgXcQ")).unwrap();
    assert_eq!(
        embed,
        serde_json::json!({
            "type": "embed",
            "url": "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
            "provider": "youtube"
        })
    );
    assert_eq!(
        serde_json::to_value(Block::Divider).unwrap(),
        serde_json::json!({"type": "divider"})
    );
    let image: Block = serde_json::from_str(
        r#"{"type":"image","src":"/media/a.jpg","alt":"","caption":"تعليق","media_id":5}"#,
    )
    .unwrap();
    assert_eq!(
        image,
        Block::Image {
            src: "/media/a.jpg".into(),
            alt: String::new(),
            caption: Some("تعليق".into()),
            credit: None,
            media_id: Some(5),
        }
    );
    let blocks = representative_blocks();
    let back: Vec<Block> = serde_json::from_str(&serde_json::to_string(&blocks).unwrap()).unwrap();
    assert_eq!(back, blocks);
}

#[test]
fn plain_text_is_what_a_reader_reads() {
    let blocks = [
        Block::Heading {
            level: 2,
            html: "العنوان".into(),
        },
        paragraph("سطر &amp; <b>آخر</b><br>ثانٍ"),
        Block::Quote {
            html: "قول".into(),
            cite: Some("قائل".into()),
        },
        Block::List {
            ordered: true,
            items: vec!["أ".into(), "ب".into()],
        },
        Block::Image {
            src: "/a.jpg".into(),
            alt: "بديل".into(),
            caption: Some("تعليق الصورة".into()),
            credit: Some("المصور".into()),
            media_id: None,
        },
        youtube("dQw4w9WgXcQ"),
        Block::Divider,
        paragraph("<script>alert(1)</script>"),
        Block::Html {
            html: "<table><tr><td>خلية</td></tr></table>".into(),
        },
    ];
    assert_eq!(
        plain_text(&blocks),
        "العنوان\n\nسطر & آخر\nثانٍ\n\nقول\nقائل\n\nأ\nب\n\nتعليق الصورة\n\nخلية"
    );
    assert_eq!(plain_text(&[]), "");
}

#[test]
fn inline_html_keeps_the_allow_list_only() {
    let cases = [
        (
            "<span dir=\"rtl\" style=\"color:red\">نص</span> <font color=red>ملون</font>",
            "نص ملون",
        ),
        (
            "<b class=\"x\" id=\"y\">عريض</b> <u>تحته</u> <s>مشطوب</s> <mark>مظلل</mark> \
             <sup>1</sup><sub>2</sub> <code>x</code>",
            "<b>عريض</b> <u>تحته</u> <s>مشطوب</s> <mark>مظلل</mark> <sup>1</sup><sub>2</sub> \
             <code>x</code>",
        ),
        (
            "<a href=\"mailto:desk@example.com\">بريد</a> <a href=\"ftp://x/y\">ملف</a> \
             <a href=\"//evil.example/\">خارجي</a> <a href=\"relative/page\">نسبي</a> \
             <a href=\"http://example.com\" rel=\"nofollow\" target=\"_top\">موقع</a>",
            "<a href=\"mailto:desk@example.com\">بريد</a> ملف خارجي نسبي \
             <a href=\"http://example.com\" rel=\"noopener\">موقع</a>",
        ),
        (
            "<p>فقرة</p><p>أخرى</p><div>ثالثة</div>",
            "فقرة<br>أخرى<br>ثالثة",
        ),
        ("<br> \n <b> </b> نص <i></i> <br><br>", "نص"),
        ("  كثير   من \n\t المسافات  ", "كثير من المسافات"),
        ("<img src=x> <h2>عنوان</h2>", "عنوان"),
        ("", ""),
    ];
    for (input, expected) in cases {
        assert_eq!(sanitize_inline(input), expected, "{input}");
        assert_eq!(
            sanitize_inline(expected),
            expected,
            "not a fixed point: {expected}"
        );
    }
}

#[test]
fn nasty_input_never_panics() {
    assert_eq!(from_html(""), []);
    assert_eq!(from_html("   \n\n  "), []);
    // Depths stay modest because html5ever's parse time grows with the square of nesting.
    let deep_divs = format!("{}نص{}", "<div>".repeat(10_000), "</div>".repeat(10_000));
    assert_eq!(from_html(&deep_divs), [paragraph("نص")]);
    let deep_inline = format!("<p>{}عميق", "<span><b>".repeat(3_000));
    assert!(matches!(
        from_html(&deep_inline).as_slice(),
        [Block::Paragraph { .. }]
    ));
    let deep_quotes = "<blockquote>".repeat(2_000) + "قول";
    assert!(matches!(
        from_html(&deep_quotes).as_slice(),
        [Block::Quote { .. }]
    ));
    let deep_lists = "<ul><li>".repeat(1_000) + "بند";
    assert!(matches!(
        from_html(&deep_lists).as_slice(),
        [Block::List { .. }]
    ));

    // A fixed pseudo-random mix of markup characters, so failures reproduce.
    let alphabet: Vec<char> = "<>/=\"' &;#!-[]?abpdivlimgsrcتقرير\n\t\u{0}\u{a0}"
        .chars()
        .collect();
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let garbage: String = (0..10_000)
        .map(|_| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1);
            alphabet[(state >> 33) as usize % alphabet.len()]
        })
        .collect();
    assert_inert(&render_html(&from_html(&garbage)));

    for html in [
        "<p>unclosed <strong>bold <a href='https://example.com'>link",
        "<ul><li>one<li>two",
        "<table><tr><td>cell",
        "</p></div></blockquote>",
        "<<<>>>",
        "<img",
        "<p",
        "&#x0;&#xD800;&#x110000;&bogus;",
        "<![CDATA[x]]><?php echo 1 ?><!DOCTYPE html>",
        "<html><head><title>t</title></head><body><p>نص</p></body></html>",
        "<frameset><frame src=x></frameset>",
        "<template><p>مخفي</p></template>",
        "<select><option>خيار</select>",
        "<figure></figure><figcaption></figcaption><blockquote></blockquote><ul></ul>",
    ] {
        assert_inert(&render_html(&from_html(html)));
    }
}

/// Fragments of markup, good and bad, for the property tests to shuffle.
#[rustfmt::skip]
const PIECES: &[&str] = &[
    "<p>", "</p>", "<div>", "</div>", "<b>", "</b>", "<a href=\"/x\">",
    "<a href=\"javascript:x\">", "</a>", "<ul>", "<li>", "</ul>", "<blockquote>", "</blockquote>",
    "<h2>", "</h2>", "<img src=\"/a.jpg\" onerror=\"x\">", "<br>", "<hr>", "<table><tr><td>",
    "<script>", "</script>", "<figure>", "<figcaption>", "</figure>", "<span class=\"credit\">",
    "https://youtu.be/dQw4w9WgXcQ", "\n", "\n\n", " ", "نص", "&amp;", "&nbsp;", "<", ">", "\"",
    "<iframe src=\"https://www.youtube.com/embed/dQw4w9WgXcQ\">", "<!--", "-->", "<h1>", "<ol>",
    "</ol>", "<pre>", "</pre>", "<cite>", "</cite>", "\r\n", "\u{a0}",
    "<blockquote class=\"twitter-tweet\">", "<a href=\"https://x.com/u/status/1\">",
    "<figure class=\"embed\" data-embed-url=\"https://vimeo.com/1\">", "<noscript>", "<svg>",
    "<style>", "</style>", "<em>", "</em>", "<div class=\"body-html\">",
    "<img data-src=\"https://cdn.example/a.jpg\" src=\"data:image/gif;base64,R0l\">",
    "<p style=\"x\" onclick=\"y\">", "<foo>", "</foo>", "<dl><dt>", "<span>", "</span>",
];

fn markup() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(PIECES), 0..60).prop_map(|pieces| pieces.concat())
}

proptest! {
    #[test]
    fn any_markup_renders_inert_and_reads_back_the_same(html in markup()) {
        let blocks = from_html(&html);
        let rendered = render_html(&blocks);
        prop_assert_eq!(inert_problem(&rendered), None);
        prop_assert_eq!(from_html(&rendered), blocks);
    }

    #[test]
    fn sanitize_inline_is_idempotent(html in markup()) {
        let once = sanitize_inline(&html);
        prop_assert_eq!(sanitize_inline(&once), once);
    }
}
