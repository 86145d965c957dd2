//! Feeds and sitemaps as text: RSS 2.0, Atom (RFC 4287), JSON Feed 1.1, the sitemaps.org
//! index and URL set (with Google's image extension), the Google News sitemap and
//! robots.txt. Pure functions of plain data: the routes gather the data and serve the result.
//!
//! XML is written by hand. All text and attribute values go through [`Xml`], which escapes
//! markup and both quotes and drops the characters XML 1.0 forbids, so a stray control
//! character pasted into an article cannot make a feed unreadable. JSON text is cleaned the
//! same way, so the three feeds of one article say the same thing.

use chrono::{DateTime, FixedOffset, SecondsFormat, TimeDelta, Utc};
use serde::Serialize;
use std::borrow::Cow;
use std::fmt::{self, Write};

/// Most URLs one Google News sitemap may list.
pub const NEWS_MAX: usize = 1000;
/// Most URLs one sitemap (or sitemaps one index) may list, per sitemaps.org.
pub const SITEMAP_MAX: usize = 50_000;
/// Most images Google reads for one URL of a sitemap.
const IMAGES_PER_URL_MAX: usize = 1000;

const NS_ATOM: &str = "http://www.w3.org/2005/Atom";
const NS_CONTENT: &str = "http://purl.org/rss/1.0/modules/content/";
const NS_DC: &str = "http://purl.org/dc/elements/1.1/";
const NS_MEDIA: &str = "http://search.yahoo.com/mrss/";
const NS_SITEMAP: &str = "http://www.sitemaps.org/schemas/sitemap/0.9";
const NS_IMAGE: &str = "http://www.google.com/schemas/sitemap-image/1.1";
const NS_NEWS: &str = "http://www.google.com/schemas/sitemap-news/0.9";

#[derive(Clone, Debug)]
pub struct Person {
    pub name: String,
    pub url: Option<String>,
}

#[derive(Clone, Debug)]
pub struct Enclosure {
    pub url: String,
    pub mime: String,
    pub length: Option<u64>,
    pub width: Option<i64>,
    pub height: Option<i64>,
}

#[derive(Clone, Debug)]
pub struct Item {
    pub id: i64,
    /// Absolute.
    pub url: String,
    pub title: String,
    /// Plain text.
    pub summary: Option<String>,
    /// The full body when the site setting asks for full content; `None` gives excerpts only.
    pub content_html: Option<String>,
    pub published: DateTime<FixedOffset>,
    pub updated: DateTime<FixedOffset>,
    pub authors: Vec<Person>,
    /// The section's name, then the tags.
    pub categories: Vec<String>,
    pub image: Option<Enclosure>,
}

#[derive(Clone, Debug)]
pub struct Feed {
    pub title: String,
    pub description: String,
    /// BCP 47, e.g. "ar".
    pub lang: String,
    /// The absolute page the feed is about: the site's home, a section's or a tag's page.
    pub home_url: String,
    /// Absolute prefix of the three feeds, `{feed_base}/feed.xml`, `/atom.xml` and
    /// `/feed.json`, without a trailing slash.
    pub feed_base: String,
    pub updated: DateTime<FixedOffset>,
    pub icon_url: Option<String>,
    pub generator: String,
    pub items: Vec<Item>,
}

#[derive(Clone, Debug)]
pub struct SitemapRef {
    pub loc: String,
    pub lastmod: Option<DateTime<FixedOffset>>,
}

#[derive(Clone, Debug)]
pub struct UrlEntry {
    pub loc: String,
    pub lastmod: Option<DateTime<FixedOffset>>,
    /// Absolute URLs of the images on the page.
    pub images: Vec<String>,
}

#[derive(Clone, Debug)]
pub struct NewsEntry {
    pub loc: String,
    pub title: String,
    pub published: DateTime<FixedOffset>,
    pub keywords: Vec<String>,
}

/// RSS 2.0, with the atom (self link), content (full HTML), dc (authors) and media (image
/// size) modules.
pub fn rss(feed: &Feed) -> String {
    xml_document(|out| {
        writeln!(
            out,
            r#"<rss version="2.0" xmlns:atom="{NS_ATOM}" xmlns:content="{NS_CONTENT}" xmlns:dc="{NS_DC}" xmlns:media="{NS_MEDIA}">"#
        )?;
        out.push_str("  <channel>\n");
        tag(out, 2, "title", Xml(&feed.title))?;
        tag(out, 2, "link", Xml(&feed.home_url))?;
        tag(out, 2, "description", Xml(&feed.description))?;
        tag(out, 2, "language", Xml(&feed.lang))?;
        tag(out, 2, "lastBuildDate", rfc2822(&feed.updated))?;
        tag(out, 2, "generator", Xml(&feed.generator))?;
        writeln!(
            out,
            r#"    <atom:link href="{}" rel="self" type="application/rss+xml"/>"#,
            Xml(&feed_url(feed, "feed.xml"))
        )?;
        if let Some(icon) = &feed.icon_url {
            writeln!(
                out,
                "    <image><url>{}</url><title>{}</title><link>{}</link></image>",
                Xml(icon),
                Xml(&feed.title),
                Xml(&feed.home_url)
            )?;
        }
        for item in &feed.items {
            out.push_str("    <item>\n");
            tag(out, 3, "title", Xml(&item.title))?;
            tag(out, 3, "link", Xml(&item.url))?;
            writeln!(
                out,
                r#"      <guid isPermaLink="true">{}</guid>"#,
                Xml(&item.url)
            )?;
            tag(out, 3, "pubDate", rfc2822(&item.published))?;
            for author in &item.authors {
                tag(out, 3, "dc:creator", Xml(&author.name))?;
            }
            for category in &item.categories {
                tag(out, 3, "category", Xml(category))?;
            }
            if let Some(summary) = &item.summary {
                tag(out, 3, "description", Xml(summary))?;
            }
            if let Some(html) = &item.content_html {
                tag(out, 3, "content:encoded", Cdata(html))?;
            }
            if let Some(image) = &item.image {
                let (url, mime) = (Xml(&image.url), Xml(&image.mime));
                let length = image.length.unwrap_or(0);
                writeln!(
                    out,
                    r#"      <enclosure url="{url}" length="{length}" type="{mime}"/>"#
                )?;
                write!(
                    out,
                    r#"      <media:content url="{url}" type="{mime}" medium="image""#
                )?;
                if let Some(length) = image.length {
                    write!(out, r#" fileSize="{length}""#)?;
                }
                for (name, value) in [("width", image.width), ("height", image.height)] {
                    if let Some(value) = value.filter(|v| *v > 0) {
                        write!(out, r#" {name}="{value}""#)?;
                    }
                }
                out.push_str("/>\n");
            }
            out.push_str("    </item>\n");
        }
        out.push_str("  </channel>\n</rss>\n");
        Ok(())
    })
}

/// Atom (RFC 4287). The feed's id is its own URL; an entry's id is the article's URL. An
/// entry without authors is credited to the feed's title, so every entry carries an author
/// and the feed needs none of its own.
pub fn atom(feed: &Feed) -> String {
    xml_document(|out| {
        let self_url = feed_url(feed, "atom.xml");
        writeln!(
            out,
            r#"<feed xmlns="{NS_ATOM}" xml:lang="{}">"#,
            Xml(&feed.lang)
        )?;
        tag(out, 1, "id", Xml(&self_url))?;
        tag(out, 1, "title", Xml(&feed.title))?;
        if !feed.description.is_empty() {
            tag(out, 1, "subtitle", Xml(&feed.description))?;
        }
        tag(out, 1, "updated", rfc3339(&feed.updated))?;
        writeln!(
            out,
            r#"  <link rel="self" type="application/atom+xml" href="{}"/>"#,
            Xml(&self_url)
        )?;
        writeln!(
            out,
            r#"  <link rel="alternate" type="text/html" href="{}"/>"#,
            Xml(&feed.home_url)
        )?;
        if let Some(icon) = &feed.icon_url {
            tag(out, 1, "icon", Xml(icon))?;
        }
        tag(out, 1, "generator", Xml(&feed.generator))?;
        for item in &feed.items {
            out.push_str("  <entry>\n");
            tag(out, 2, "id", Xml(&item.url))?;
            tag(out, 2, "title", Xml(&item.title))?;
            writeln!(
                out,
                r#"    <link rel="alternate" type="text/html" href="{}"/>"#,
                Xml(&item.url)
            )?;
            tag(out, 2, "published", rfc3339(&item.published))?;
            tag(out, 2, "updated", rfc3339(&item.updated))?;
            if item.authors.is_empty() {
                atom_author(out, &feed.title, Some(&feed.home_url))?;
            }
            for author in &item.authors {
                atom_author(out, &author.name, author.url.as_deref())?;
            }
            for category in &item.categories {
                writeln!(out, r#"    <category term="{}"/>"#, Xml(category))?;
            }
            if let Some(summary) = &item.summary {
                writeln!(
                    out,
                    r#"    <summary type="text">{}</summary>"#,
                    Xml(summary)
                )?;
            }
            if let Some(html) = &item.content_html {
                writeln!(out, r#"    <content type="html">{}</content>"#, Xml(html))?;
            }
            if let Some(image) = &item.image {
                let (url, mime) = (Xml(&image.url), Xml(&image.mime));
                write!(
                    out,
                    r#"    <link rel="enclosure" type="{mime}" href="{url}""#
                )?;
                if let Some(length) = image.length {
                    write!(out, r#" length="{length}""#)?;
                }
                out.push_str("/>\n");
            }
            out.push_str("  </entry>\n");
        }
        out.push_str("</feed>\n");
        Ok(())
    })
}

fn atom_author(out: &mut String, name: &str, uri: Option<&str>) -> fmt::Result {
    write!(out, "    <author><name>{}</name>", Xml(name))?;
    if let Some(uri) = uri {
        write!(out, "<uri>{}</uri>", Xml(uri))?;
    }
    out.push_str("</author>\n");
    Ok(())
}

/// JSON Feed 1.1. The feed's author is the feed itself (items without authors inherit it);
/// an item's id is the article's number; an item without full HTML carries its summary, or
/// failing that its title, as `content_text`, since one of the two contents is required.
pub fn json_feed(feed: &Feed) -> String {
    let doc = JsonFeed {
        version: "https://jsonfeed.org/version/1.1",
        title: clean(&feed.title),
        home_page_url: &feed.home_url,
        feed_url: feed_url(feed, "feed.json"),
        description: clean(&feed.description),
        language: &feed.lang,
        icon: feed.icon_url.as_deref(),
        authors: vec![JsonAuthor {
            name: clean(&feed.title),
            url: Some(&feed.home_url),
        }],
        items: feed.items.iter().map(JsonItem::new).collect(),
    };
    serde_json::to_string(&doc).expect("a JSON feed has only string keys")
}

#[derive(Serialize)]
struct JsonFeed<'a> {
    version: &'static str,
    title: Cow<'a, str>,
    home_page_url: &'a str,
    feed_url: String,
    description: Cow<'a, str>,
    language: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    icon: Option<&'a str>,
    authors: Vec<JsonAuthor<'a>>,
    items: Vec<JsonItem<'a>>,
}

#[derive(Serialize)]
struct JsonAuthor<'a> {
    name: Cow<'a, str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<&'a str>,
}

#[derive(Serialize)]
struct JsonItem<'a> {
    id: String,
    url: &'a str,
    title: Cow<'a, str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    content_html: Option<Cow<'a, str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    content_text: Option<Cow<'a, str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    summary: Option<Cow<'a, str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    image: Option<&'a str>,
    date_published: String,
    date_modified: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    authors: Vec<JsonAuthor<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tags: Vec<Cow<'a, str>>,
}

impl<'a> JsonItem<'a> {
    fn new(item: &'a Item) -> Self {
        let content_html = item.content_html.as_deref().map(clean);
        let content_text = match content_html {
            Some(_) => None,
            None => Some(clean(item.summary.as_deref().unwrap_or(&item.title))),
        };
        JsonItem {
            id: item.id.to_string(),
            url: &item.url,
            title: clean(&item.title),
            content_html,
            content_text,
            summary: item.summary.as_deref().map(clean),
            image: item.image.as_ref().map(|image| image.url.as_str()),
            date_published: rfc3339(&item.published),
            date_modified: rfc3339(&item.updated),
            authors: item
                .authors
                .iter()
                .map(|author| JsonAuthor {
                    name: clean(&author.name),
                    url: author.url.as_deref(),
                })
                .collect(),
            tags: item.categories.iter().map(|c| clean(c)).collect(),
        }
    }
}

/// A sitemaps.org index of sitemaps (at most [`SITEMAP_MAX`] are listed).
pub fn sitemap_index(maps: &[SitemapRef]) -> String {
    xml_document(|out| {
        writeln!(out, r#"<sitemapindex xmlns="{NS_SITEMAP}">"#)?;
        for map in maps.iter().take(SITEMAP_MAX) {
            write!(out, "  <sitemap><loc>{}</loc>", Xml(&map.loc))?;
            lastmod(out, map.lastmod.as_ref())?;
            out.push_str("</sitemap>\n");
        }
        out.push_str("</sitemapindex>\n");
        Ok(())
    })
}

/// A sitemaps.org URL set (at most [`SITEMAP_MAX`] URLs), with Google's image extension.
pub fn urlset(urls: &[UrlEntry]) -> String {
    xml_document(|out| {
        writeln!(
            out,
            r#"<urlset xmlns="{NS_SITEMAP}" xmlns:image="{NS_IMAGE}">"#
        )?;
        for url in urls.iter().take(SITEMAP_MAX) {
            write!(out, "  <url><loc>{}</loc>", Xml(&url.loc))?;
            lastmod(out, url.lastmod.as_ref())?;
            for image in url.images.iter().take(IMAGES_PER_URL_MAX) {
                write!(
                    out,
                    "<image:image><image:loc>{}</image:loc></image:image>",
                    Xml(image)
                )?;
            }
            out.push_str("</url>\n");
        }
        out.push_str("</urlset>\n");
        Ok(())
    })
}

fn lastmod(out: &mut String, at: Option<&DateTime<FixedOffset>>) -> fmt::Result {
    match at {
        Some(at) => write!(out, "<lastmod>{}</lastmod>", rfc3339(at)),
        None => Ok(()),
    }
}

/// A Google News sitemap (at most [`NEWS_MAX`] articles, which the caller picks from the
/// last two days: see [`news_window`]). `language` is written as given: pass it through
/// [`news_language`]. Keywords are kept, as `news:keywords` when there are any: Google no
/// longer reads them but the schema still allows them and other aggregators may.
pub fn news_sitemap(publication_name: &str, language: &str, entries: &[NewsEntry]) -> String {
    xml_document(|out| {
        writeln!(
            out,
            r#"<urlset xmlns="{NS_SITEMAP}" xmlns:news="{NS_NEWS}">"#
        )?;
        for entry in entries.iter().take(NEWS_MAX) {
            out.push_str("  <url>\n");
            tag(out, 2, "loc", Xml(&entry.loc))?;
            out.push_str("    <news:news>\n");
            writeln!(
                out,
                "      <news:publication><news:name>{}</news:name><news:language>{}</news:language></news:publication>",
                Xml(publication_name),
                Xml(language)
            )?;
            tag(out, 3, "news:publication_date", rfc3339(&entry.published))?;
            tag(out, 3, "news:title", Xml(&entry.title))?;
            let keywords: Vec<&str> = entry
                .keywords
                .iter()
                .map(|k| k.trim())
                .filter(|k| !k.is_empty())
                .collect();
            if !keywords.is_empty() {
                tag(out, 3, "news:keywords", Xml(&keywords.join(", ")))?;
            }
            out.push_str("    </news:news>\n  </url>\n");
        }
        out.push_str("</urlset>\n");
        Ok(())
    })
}

/// The oldest publication time a Google News sitemap lists: two days before `now`.
pub fn news_window(now: DateTime<Utc>) -> DateTime<Utc> {
    now - TimeDelta::hours(48)
}

/// The ISO 639 code Google News wants for a BCP 47 locale: the language subtag in lower case
/// ("ar-EG" → "ar"), except Chinese, which is "zh-cn" (simplified) or "zh-tw" (traditional).
pub fn news_language(locale: &str) -> String {
    let mut subtags = locale.trim().split(['-', '_']).map(str::to_ascii_lowercase);
    let language = subtags.next().unwrap_or_default();
    if language != "zh" {
        return language;
    }
    let mut traditional = false;
    for subtag in subtags {
        match subtag.as_str() {
            "hans" | "cn" | "sg" | "my" => return "zh-cn".into(),
            "hant" => return "zh-tw".into(),
            "tw" | "hk" | "mo" => traditional = true,
            _ => {}
        }
    }
    let code = if traditional { "zh-tw" } else { "zh-cn" };
    code.into()
}

/// Everyone may crawl everything but the back office, the API and search results. There is
/// no `Allow: /` line: it is the default, and parsers that take the first matching rule
/// would let it win over the `Disallow` lines.
pub fn robots(base_url: &str) -> String {
    let base = base_url.trim_end_matches('/');
    format!(
        "User-agent: *\nDisallow: /admin/\nDisallow: /api/\nDisallow: /search\n\n\
         Sitemap: {base}/sitemap.xml\nSitemap: {base}/news-sitemap.xml\n"
    )
}

fn feed_url(feed: &Feed, file: &str) -> String {
    format!("{}/{file}", feed.feed_base.trim_end_matches('/'))
}

/// `<name>text</name>` on a line of its own, `depth` levels in.
fn tag(out: &mut String, depth: usize, name: &str, text: impl fmt::Display) -> fmt::Result {
    writeln!(
        out,
        "{:indent$}<{name}>{text}</{name}>",
        "",
        indent = 2 * depth
    )
}

fn xml_document(body: impl FnOnce(&mut String) -> fmt::Result) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    body(&mut out).expect("writing to a String cannot fail");
    out
}

/// RFC 822/2822 as RSS wants it, with a two-digit day and English names.
fn rfc2822(at: &DateTime<FixedOffset>) -> impl fmt::Display {
    at.format("%a, %d %b %Y %H:%M:%S %z")
}

/// RFC 3339 to the second, which is also the W3C date-time of sitemaps.
fn rfc3339(at: &DateTime<FixedOffset>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Whether XML 1.0 allows `c`; surrogates cannot occur in a `str`.
fn is_xml_char(c: char) -> bool {
    !matches!(c, '\0'..='\x08' | '\x0B' | '\x0C' | '\x0E'..='\x1F' | '\u{FFFE}' | '\u{FFFF}')
}

/// `text` without the characters XML 1.0 forbids, borrowed when it has none.
fn clean(text: &str) -> Cow<'_, str> {
    if text.chars().all(is_xml_char) {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(text.chars().filter(|&c| is_xml_char(c)).collect())
    }
}

/// Text or an attribute value written as XML: `& < > " '` escaped, forbidden characters
/// dropped.
struct Xml<'a>(&'a str);

impl fmt::Display for Xml<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = self.0;
        let mut start = 0;
        for (i, c) in text.char_indices() {
            let replacement = match c {
                '&' => "&amp;",
                '<' => "&lt;",
                '>' => "&gt;",
                '"' => "&quot;",
                '\'' => "&apos;",
                c if is_xml_char(c) => continue,
                _ => "",
            };
            f.write_str(&text[start..i])?;
            f.write_str(replacement)?;
            start = i + c.len_utf8();
        }
        f.write_str(&text[start..])
    }
}

/// Text written as CDATA sections. The forbidden characters are dropped first (dropping one
/// could otherwise join a `]]>`), then each `]]>` is split across two sections.
struct Cdata<'a>(&'a str);

impl fmt::Display for Cdata<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<![CDATA[")?;
        for (i, part) in clean(self.0).split("]]>").enumerate() {
            if i > 0 {
                f.write_str("]]]]><![CDATA[>")?;
            }
            f.write_str(part)?;
        }
        f.write_str("]]>")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use roxmltree::{Document, Node};
    use serde_json::Value;

    const TITLE: &str = "الحكومة تعلن خطة جديدة";
    const ATOM: &str = "http://www.w3.org/2005/Atom";
    const XML_NS: &str = "http://www.w3.org/XML/1998/namespace";

    fn at(text: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(text).unwrap()
    }

    /// A full-content article, an excerpt without author or image, and a bare one.
    fn sample() -> Feed {
        let item = |id: i64, title: &str| Item {
            id,
            url: format!("https://news.example/article/{id}/x?from=feed&lang=ar"),
            title: title.into(),
            summary: None,
            content_html: None,
            published: at("2026-03-01T09:05:07+02:00"),
            updated: at("2026-03-01T11:00:00+02:00"),
            authors: vec![],
            categories: vec![],
            image: None,
        };
        Feed {
            title: "مداد — الأخبار".into(),
            description: "آخر الأخبار من مصر والعالم".into(),
            lang: "ar".into(),
            home_url: "https://news.example/".into(),
            feed_base: "https://news.example".into(),
            updated: at("2026-03-01T12:30:00+02:00"),
            icon_url: Some("https://news.example/static/icon.png".into()),
            generator: "Midad".into(),
            items: vec![
                Item {
                    summary: Some("الوزير: «الخطة» تبدأ في يوليو & تستمر عامين".into()),
                    content_html: Some(
                        "<p>نص المقال &amp; <b>تفاصيل</b></p><pre>if a[b[0]]>c</pre>".into(),
                    ),
                    authors: vec![
                        Person {
                            name: "سارة أحمد".into(),
                            url: Some("https://news.example/author/sara".into()),
                        },
                        Person {
                            name: "Omar O'Brien".into(),
                            url: None,
                        },
                    ],
                    categories: vec!["سياسة".into(), "اقتصاد & أعمال".into()],
                    image: Some(Enclosure {
                        url: "https://news.example/media/a.jpg?w=1200&h=630".into(),
                        mime: "image/jpeg".into(),
                        length: None,
                        width: Some(1200),
                        height: Some(630),
                    }),
                    ..item(42, TITLE)
                },
                Item {
                    summary: Some("فوز كبير في المباراة".into()),
                    categories: vec!["رياضة".into()],
                    ..item(7, "الأهلي يفوز بالدوري")
                },
                item(3, "خبر قصير"),
            ],
        }
    }

    fn parse(xml: &str) -> Document<'_> {
        Document::parse(xml).unwrap_or_else(|e| panic!("{e}\n{xml}"))
    }

    /// The element children of `node` named `qname`, whose prefix (or the default namespace)
    /// is resolved as the document declares it.
    fn all<'a, 'i>(node: Node<'a, 'i>, qname: &str) -> Vec<Node<'a, 'i>> {
        let (ns, local) = match qname.split_once(':') {
            Some((prefix, local)) => {
                let ns = node.lookup_namespace_uri(Some(prefix));
                (
                    Some(ns.unwrap_or_else(|| panic!("{prefix} undeclared"))),
                    local,
                )
            }
            None => (node.default_namespace(), qname),
        };
        node.children()
            .filter(|n| n.is_element())
            .filter(|n| n.tag_name().name() == local && n.tag_name().namespace() == ns)
            .collect()
    }

    fn one<'a, 'i>(node: Node<'a, 'i>, qname: &str) -> Node<'a, 'i> {
        match all(node, qname).as_slice() {
            [found] => *found,
            found => panic!("{} <{qname}> in <{}>", found.len(), node.tag_name().name()),
        }
    }

    /// All the text inside, CDATA sections joined.
    fn text(node: Node, qname: &str) -> String {
        one(node, qname)
            .descendants()
            .filter(Node::is_text)
            .filter_map(|n| n.text())
            .collect()
    }

    fn json(feed: &Feed) -> Value {
        serde_json::from_str(&json_feed(feed)).unwrap()
    }

    #[test]
    fn xml_escapes_markup_and_quotes_and_drops_forbidden_characters() {
        let raw = "a & b < c > d \"e\" 'f'\0\u{1}\u{8}\u{B}\u{C}\u{1F}\u{FFFE}\u{FFFF}|\t\n\r|ق\u{7F}\u{1F600}";
        assert_eq!(
            Xml(raw).to_string(),
            "a &amp; b &lt; c &gt; d &quot;e&quot; &apos;f&apos;|\t\n\r|ق\u{7F}\u{1F600}"
        );
        assert_eq!(clean("ق\u{1}ك\u{FFFF}"), "قك");
        assert!(matches!(clean("قك\t"), Cow::Borrowed(_)));
    }

    #[test]
    fn cdata_keeps_html_whole_even_with_a_closing_marker_inside() {
        for html in [
            "a]]>b",
            "]]>",
            "]]>]]>",
            "x]]]>y",
            "]]\u{1}>",
            "<p>&amp; ق</p>",
            "",
        ] {
            let xml = format!("<x>{}</x>", Cdata(html));
            let doc = parse(&xml);
            let got: String = doc
                .root_element()
                .children()
                .filter_map(|n| n.text())
                .collect();
            assert_eq!(got, clean(html), "{xml}");
        }
    }

    #[test]
    fn rss_channel_has_the_required_elements_and_namespaces() {
        let feed = sample();
        let xml = rss(&feed);
        assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss "));
        let doc = parse(&xml);
        let root = doc.root_element();
        assert_eq!(root.tag_name().name(), "rss");
        assert_eq!(root.tag_name().namespace(), None);
        assert_eq!(root.attribute("version"), Some("2.0"));
        for (prefix, ns) in [
            ("atom", ATOM),
            ("content", "http://purl.org/rss/1.0/modules/content/"),
            ("dc", "http://purl.org/dc/elements/1.1/"),
            ("media", "http://search.yahoo.com/mrss/"),
        ] {
            assert_eq!(root.lookup_namespace_uri(Some(prefix)), Some(ns));
        }

        let channel = one(root, "channel");
        assert_eq!(text(channel, "title"), "مداد — الأخبار");
        assert_eq!(text(channel, "link"), "https://news.example/");
        assert_eq!(text(channel, "description"), "آخر الأخبار من مصر والعالم");
        assert_eq!(text(channel, "language"), "ar");
        assert_eq!(text(channel, "generator"), "Midad");
        let built = text(channel, "lastBuildDate");
        assert_eq!(built, "Sun, 01 Mar 2026 12:30:00 +0200");
        assert_eq!(DateTime::parse_from_rfc2822(&built).unwrap(), feed.updated);

        let self_link = one(channel, "atom:link");
        assert_eq!(self_link.attribute("rel"), Some("self"));
        assert_eq!(
            self_link.attribute("href"),
            Some("https://news.example/feed.xml")
        );
        assert_eq!(self_link.attribute("type"), Some("application/rss+xml"));

        let image = one(channel, "image");
        assert_eq!(text(image, "url"), "https://news.example/static/icon.png");
        assert_eq!(text(image, "title"), text(channel, "title"));
        assert_eq!(text(image, "link"), text(channel, "link"));

        assert_eq!(all(channel, "item").len(), 3);
    }

    #[test]
    fn rss_items_carry_guid_date_authors_categories_and_content() {
        let feed = sample();
        let xml = rss(&feed);
        let doc = parse(&xml);
        let channel = one(doc.root_element(), "channel");
        let items = all(channel, "item");
        let [full, excerpt, bare] = items.as_slice() else {
            panic!("three items")
        };
        let article = &feed.items[0];

        assert_eq!(text(*full, "title"), TITLE);
        assert_eq!(text(*full, "link"), article.url);
        let guid = one(*full, "guid");
        assert_eq!(guid.attribute("isPermaLink"), Some("true"));
        assert_eq!(guid.text(), Some(article.url.as_str()));
        let date = text(*full, "pubDate");
        assert_eq!(date, "Sun, 01 Mar 2026 09:05:07 +0200");
        assert_eq!(
            DateTime::parse_from_rfc2822(&date).unwrap(),
            article.published
        );
        let creators: Vec<_> = all(*full, "dc:creator").iter().map(|n| n.text()).collect();
        assert_eq!(creators, [Some("سارة أحمد"), Some("Omar O'Brien")]);
        let categories: Vec<_> = all(*full, "category").iter().map(|n| n.text()).collect();
        assert_eq!(categories, [Some("سياسة"), Some("اقتصاد & أعمال")]);
        assert_eq!(Some(text(*full, "description")), article.summary);
        assert_eq!(Some(text(*full, "content:encoded")), article.content_html);

        let enclosure = one(*full, "enclosure");
        assert_eq!(
            enclosure.attribute("url"),
            Some("https://news.example/media/a.jpg?w=1200&h=630")
        );
        assert_eq!(enclosure.attribute("length"), Some("0"));
        assert_eq!(enclosure.attribute("type"), Some("image/jpeg"));
        let media = one(*full, "media:content");
        assert_eq!(media.attribute("url"), enclosure.attribute("url"));
        assert_eq!(media.attribute("medium"), Some("image"));
        assert_eq!(media.attribute("width"), Some("1200"));
        assert_eq!(media.attribute("height"), Some("630"));
        assert_eq!(media.attribute("fileSize"), None);

        // An excerpt has a description but no full content; no author means no creator.
        assert_eq!(text(*excerpt, "description"), "فوز كبير في المباراة");
        assert!(all(*excerpt, "content:encoded").is_empty());
        assert!(all(*excerpt, "dc:creator").is_empty());
        assert!(all(*excerpt, "enclosure").is_empty());
        for name in ["description", "content:encoded", "category", "enclosure"] {
            assert!(all(*bare, name).is_empty(), "{name}");
        }
        assert_eq!(text(*bare, "guid"), feed.items[2].url);
    }

    #[test]
    fn rss_enclosure_gives_the_known_length() {
        let mut feed = sample();
        feed.items[0].image.as_mut().unwrap().length = Some(48_213);
        let xml = rss(&feed);
        let doc = parse(&xml);
        let item = all(one(doc.root_element(), "channel"), "item")[0];
        assert_eq!(one(item, "enclosure").attribute("length"), Some("48213"));
        assert_eq!(
            one(item, "media:content").attribute("fileSize"),
            Some("48213")
        );
    }

    #[test]
    fn atom_feed_has_id_self_link_and_metadata() {
        let feed = sample();
        let xml = atom(&feed);
        let doc = parse(&xml);
        let root = doc.root_element();
        assert_eq!(root.tag_name().name(), "feed");
        assert_eq!(root.tag_name().namespace(), Some(ATOM));
        assert_eq!(root.attribute((XML_NS, "lang")), Some("ar"));

        assert_eq!(text(root, "id"), "https://news.example/atom.xml");
        assert_eq!(text(root, "title"), "مداد — الأخبار");
        assert_eq!(text(root, "subtitle"), "آخر الأخبار من مصر والعالم");
        let updated = text(root, "updated");
        assert_eq!(updated, "2026-03-01T12:30:00+02:00");
        assert_eq!(
            DateTime::parse_from_rfc3339(&updated).unwrap(),
            feed.updated
        );
        assert_eq!(text(root, "icon"), "https://news.example/static/icon.png");
        assert_eq!(text(root, "generator"), "Midad");

        let links = all(root, "link");
        let link = |rel: &str| {
            links
                .iter()
                .find(|l| l.attribute("rel") == Some(rel))
                .unwrap()
        };
        assert_eq!(
            link("self").attribute("href"),
            Some(text(root, "id").as_str())
        );
        assert_eq!(link("self").attribute("type"), Some("application/atom+xml"));
        assert_eq!(
            link("alternate").attribute("href"),
            Some("https://news.example/")
        );
        assert_eq!(link("alternate").attribute("type"), Some("text/html"));
        assert_eq!(links.len(), 2);
        assert_eq!(all(root, "entry").len(), 3);
    }

    #[test]
    fn every_atom_entry_has_an_author() {
        let feed = sample();
        let xml = atom(&feed);
        let doc = parse(&xml);
        // No entry inherits: the feed itself names no author.
        assert!(all(doc.root_element(), "author").is_empty());
        let names: Vec<Vec<String>> = all(doc.root_element(), "entry")
            .into_iter()
            .map(|entry| {
                all(entry, "author")
                    .into_iter()
                    .map(|author| text(author, "name"))
                    .collect()
            })
            .collect();
        assert_eq!(
            names,
            [
                vec!["سارة أحمد".to_string(), "Omar O'Brien".to_string()],
                vec![feed.title.clone()],
                vec![feed.title.clone()],
            ]
        );
        let entry = all(doc.root_element(), "entry")[0];
        let authors = all(entry, "author");
        assert_eq!(text(authors[0], "uri"), "https://news.example/author/sara");
        assert!(all(authors[1], "uri").is_empty());
    }

    #[test]
    fn atom_entries_carry_ids_dates_summary_content_and_categories() {
        let feed = sample();
        let xml = atom(&feed);
        let doc = parse(&xml);
        let entries = all(doc.root_element(), "entry");
        let article = &feed.items[0];
        let full = entries[0];

        assert_eq!(text(full, "id"), article.url);
        assert_eq!(text(full, "title"), TITLE);
        assert_eq!(text(full, "published"), "2026-03-01T09:05:07+02:00");
        assert_eq!(text(full, "updated"), "2026-03-01T11:00:00+02:00");
        for (name, expected) in [
            ("published", article.published),
            ("updated", article.updated),
        ] {
            assert_eq!(
                DateTime::parse_from_rfc3339(&text(full, name)).unwrap(),
                expected
            );
        }
        let links = all(full, "link");
        assert_eq!(links[0].attribute("rel"), Some("alternate"));
        assert_eq!(links[0].attribute("href"), Some(article.url.as_str()));
        assert_eq!(links[1].attribute("rel"), Some("enclosure"));
        assert_eq!(links[1].attribute("type"), Some("image/jpeg"));
        assert_eq!(links[1].attribute("length"), None);
        let terms: Vec<_> = all(full, "category")
            .iter()
            .map(|c| c.attribute("term"))
            .collect();
        assert_eq!(terms, [Some("سياسة"), Some("اقتصاد & أعمال")]);

        let summary = one(full, "summary");
        assert_eq!(summary.attribute("type"), Some("text"));
        assert_eq!(Some(text(full, "summary")), article.summary);
        let content = one(full, "content");
        assert_eq!(content.attribute("type"), Some("html"));
        assert_eq!(Some(text(full, "content")), article.content_html);

        // Excerpts have no content element; every entry keeps its alternate link.
        assert!(all(entries[1], "content").is_empty());
        assert_eq!(text(entries[1], "summary"), "فوز كبير في المباراة");
        assert!(all(entries[2], "summary").is_empty());
        for entry in &entries {
            assert!(
                all(*entry, "link")
                    .iter()
                    .any(|l| l.attribute("rel") == Some("alternate"))
            );
        }
    }

    #[test]
    fn json_feed_follows_version_1_1() {
        let feed = sample();
        let doc = json(&feed);
        assert_eq!(doc["version"], "https://jsonfeed.org/version/1.1");
        assert_eq!(doc["title"], "مداد — الأخبار");
        assert_eq!(doc["home_page_url"], "https://news.example/");
        assert_eq!(doc["feed_url"], "https://news.example/feed.json");
        assert_eq!(doc["description"], "آخر الأخبار من مصر والعالم");
        assert_eq!(doc["language"], "ar");
        assert_eq!(doc["icon"], "https://news.example/static/icon.png");
        assert_eq!(doc["authors"][0]["name"], "مداد — الأخبار");
        assert_eq!(doc["authors"][0]["url"], "https://news.example/");

        let items = doc["items"].as_array().unwrap();
        assert_eq!(items.len(), 3);
        let full = &items[0];
        let article = &feed.items[0];
        assert_eq!(full["id"], "42");
        assert_eq!(full["url"], article.url.as_str());
        assert_eq!(full["title"], TITLE);
        assert_eq!(full["summary"], article.summary.as_deref().unwrap());
        assert_eq!(
            full["content_html"],
            article.content_html.as_deref().unwrap()
        );
        assert_eq!(
            full["image"],
            "https://news.example/media/a.jpg?w=1200&h=630"
        );
        assert_eq!(full["date_published"], "2026-03-01T09:05:07+02:00");
        assert_eq!(full["date_modified"], "2026-03-01T11:00:00+02:00");
        let published = full["date_published"].as_str().unwrap();
        assert_eq!(
            DateTime::parse_from_rfc3339(published).unwrap(),
            article.published
        );
        assert_eq!(full["authors"][0]["name"], "سارة أحمد");
        assert_eq!(
            full["authors"][0]["url"],
            "https://news.example/author/sara"
        );
        assert_eq!(full["authors"][1]["name"], "Omar O'Brien");
        assert!(full["authors"][1].get("url").is_none());
        assert_eq!(full["tags"], serde_json::json!(["سياسة", "اقتصاد & أعمال"]));

        // Absent values are left out rather than written as null.
        let bare = items[2].as_object().unwrap();
        for key in ["summary", "content_html", "image", "authors", "tags"] {
            assert!(!bare.contains_key(key), "{key}");
        }
    }

    #[test]
    fn json_items_have_content_html_or_content_text() {
        let feed = sample();
        let doc = json(&feed);
        for item in doc["items"].as_array().unwrap() {
            let html = item.get("content_html").and_then(Value::as_str);
            let text = item.get("content_text").and_then(Value::as_str);
            assert!(html.is_some() != text.is_some(), "{item}");
            assert!(item["id"].is_string());
        }
        // Without full HTML the summary stands in, and without a summary the title.
        assert_eq!(doc["items"][1]["content_text"], "فوز كبير في المباراة");
        assert_eq!(doc["items"][2]["content_text"], "خبر قصير");
    }

    #[test]
    fn markup_and_quotes_in_text_are_escaped_in_every_feed() {
        let mut feed = sample();
        let title = r#"<b>"عاجل"</b> & 'مهم' ]]> <"#;
        feed.title = title.into();
        feed.items[1].title = title.into();
        feed.items[1].summary = Some("a < b && c > d".into());
        feed.items[1].content_html = Some("<p>قال: ]]></p><![CDATA[ x ]]>".into());

        let xml = rss(&feed);
        assert!(xml.contains(
            "<title>&lt;b&gt;&quot;عاجل&quot;&lt;/b&gt; &amp; &apos;مهم&apos; ]]&gt; &lt;</title>"
        ));
        let doc = parse(&xml);
        let channel = one(doc.root_element(), "channel");
        assert_eq!(text(channel, "title"), title);
        let item = all(channel, "item")[1];
        assert_eq!(text(item, "title"), title);
        assert_eq!(text(item, "description"), "a < b && c > d");
        assert_eq!(
            Some(text(item, "content:encoded")),
            feed.items[1].content_html
        );

        let xml = atom(&feed);
        let doc = parse(&xml);
        assert_eq!(text(doc.root_element(), "title"), title);
        let entry = all(doc.root_element(), "entry")[1];
        assert_eq!(text(entry, "title"), title);
        assert_eq!(Some(text(entry, "content")), feed.items[1].content_html);
        assert_eq!(text(all(entry, "author")[0], "name"), title);

        let doc = json(&feed);
        assert_eq!(doc["title"], title);
        assert_eq!(doc["items"][1]["title"], title);
        assert_eq!(
            doc["items"][1]["content_html"],
            "<p>قال: ]]></p><![CDATA[ x ]]>"
        );
    }

    #[test]
    fn control_characters_are_dropped_in_every_feed() {
        let mut feed = sample();
        feed.items[0].title = "الحكومة\u{1} تعلن\u{B} خطة\u{FFFF} جديدة\u{0}".into();
        feed.items[0].summary = Some("ملخص\u{1F}".into());
        feed.items[0].content_html = Some("<p>نص\u{8}</p>]]\u{1}>".into());
        feed.items[0].categories = vec!["سياسة\u{C}".into()];

        let xml = rss(&feed);
        let doc = parse(&xml);
        let item = all(one(doc.root_element(), "channel"), "item")[0];
        assert_eq!(text(item, "title"), TITLE);
        assert_eq!(text(item, "description"), "ملخص");
        assert_eq!(text(item, "content:encoded"), "<p>نص</p>]]>");
        assert_eq!(text(item, "category"), "سياسة");

        let xml = atom(&feed);
        let doc = parse(&xml);
        let entry = all(doc.root_element(), "entry")[0];
        assert_eq!(text(entry, "title"), TITLE);
        assert_eq!(text(entry, "content"), "<p>نص</p>]]>");
        assert_eq!(one(entry, "category").attribute("term"), Some("سياسة"));

        let doc = json(&feed);
        let item = &doc["items"][0];
        assert_eq!(item["title"], TITLE);
        assert_eq!(item["summary"], "ملخص");
        assert_eq!(item["content_html"], "<p>نص</p>]]>");
        assert_eq!(item["tags"][0], "سياسة");
    }

    #[test]
    fn an_empty_feed_is_still_valid() {
        let feed = Feed {
            description: String::new(),
            icon_url: None,
            items: vec![],
            ..sample()
        };
        let xml = rss(&feed);
        let doc = parse(&xml);
        let channel = one(doc.root_element(), "channel");
        assert_eq!(text(channel, "description"), "");
        assert!(all(channel, "image").is_empty());
        assert!(all(channel, "item").is_empty());

        let xml = atom(&feed);
        let doc = parse(&xml);
        for name in ["subtitle", "icon", "entry"] {
            assert!(all(doc.root_element(), name).is_empty(), "{name}");
        }
        assert_eq!(
            text(doc.root_element(), "id"),
            "https://news.example/atom.xml"
        );

        let doc = json(&feed);
        assert_eq!(doc["items"], serde_json::json!([]));
        assert!(doc.get("icon").is_none());
    }

    #[test]
    fn sitemap_index_lists_each_map_with_its_lastmod() {
        let xml = sitemap_index(&[
            SitemapRef {
                loc: "https://news.example/sitemap-articles-1.xml".into(),
                lastmod: Some(at("2026-03-01T12:30:00+02:00")),
            },
            SitemapRef {
                loc: "https://news.example/sitemap-sections.xml?a=1&b=2".into(),
                lastmod: None,
            },
        ]);
        let doc = parse(&xml);
        let root = doc.root_element();
        assert_eq!(root.tag_name().name(), "sitemapindex");
        assert_eq!(
            root.tag_name().namespace(),
            Some("http://www.sitemaps.org/schemas/sitemap/0.9")
        );
        let maps = all(root, "sitemap");
        assert_eq!(maps.len(), 2);
        assert_eq!(
            text(maps[0], "loc"),
            "https://news.example/sitemap-articles-1.xml"
        );
        assert_eq!(text(maps[0], "lastmod"), "2026-03-01T12:30:00+02:00");
        assert_eq!(
            text(maps[1], "loc"),
            "https://news.example/sitemap-sections.xml?a=1&b=2"
        );
        assert!(all(maps[1], "lastmod").is_empty());
    }

    #[test]
    fn urlset_declares_the_image_extension_and_lists_images() {
        let xml = urlset(&[
            UrlEntry {
                loc: "https://news.example/article/42/x".into(),
                lastmod: Some(at("2026-03-01T11:00:00Z")),
                images: vec![
                    "https://news.example/media/a.jpg".into(),
                    "https://news.example/media/b.jpg?w=1&h=2".into(),
                ],
            },
            UrlEntry {
                loc: "https://news.example/".into(),
                lastmod: None,
                images: vec![],
            },
        ]);
        let doc = parse(&xml);
        let root = doc.root_element();
        assert_eq!(root.tag_name().name(), "urlset");
        assert_eq!(
            root.tag_name().namespace(),
            Some("http://www.sitemaps.org/schemas/sitemap/0.9")
        );
        assert_eq!(
            root.lookup_namespace_uri(Some("image")),
            Some("http://www.google.com/schemas/sitemap-image/1.1")
        );
        let urls = all(root, "url");
        assert_eq!(text(urls[0], "loc"), "https://news.example/article/42/x");
        assert_eq!(text(urls[0], "lastmod"), "2026-03-01T11:00:00Z");
        let images: Vec<_> = all(urls[0], "image:image")
            .into_iter()
            .map(|image| text(image, "image:loc"))
            .collect();
        assert_eq!(
            images,
            [
                "https://news.example/media/a.jpg",
                "https://news.example/media/b.jpg?w=1&h=2"
            ]
        );
        assert!(all(urls[1], "image:image").is_empty());
        assert!(all(urls[1], "lastmod").is_empty());
    }

    #[test]
    fn news_sitemap_names_the_publication_and_dates_each_article() {
        let entries = [
            NewsEntry {
                loc: "https://news.example/article/42/x".into(),
                title: TITLE.into(),
                published: at("2026-03-01T09:05:07+02:00"),
                keywords: vec!["سياسة".into(), " ".into(), "اقتصاد".into()],
            },
            NewsEntry {
                loc: "https://news.example/article/7/y".into(),
                title: "الأهلي & الزمالك".into(),
                published: at("2026-03-01T08:00:00+02:00"),
                keywords: vec![],
            },
        ];
        let xml = news_sitemap("مداد", &news_language("ar-EG"), &entries);
        let doc = parse(&xml);
        let root = doc.root_element();
        assert_eq!(
            root.tag_name().namespace(),
            Some("http://www.sitemaps.org/schemas/sitemap/0.9")
        );
        assert_eq!(
            root.lookup_namespace_uri(Some("news")),
            Some("http://www.google.com/schemas/sitemap-news/0.9")
        );
        let urls = all(root, "url");
        assert_eq!(urls.len(), 2);
        assert_eq!(text(urls[0], "loc"), "https://news.example/article/42/x");
        let news = one(urls[0], "news:news");
        let publication = one(news, "news:publication");
        assert_eq!(text(publication, "news:name"), "مداد");
        assert_eq!(text(publication, "news:language"), "ar");
        let date = text(news, "news:publication_date");
        assert_eq!(date, "2026-03-01T09:05:07+02:00");
        assert_eq!(
            DateTime::parse_from_rfc3339(&date).unwrap(),
            entries[0].published
        );
        assert_eq!(text(news, "news:title"), TITLE);
        assert_eq!(text(news, "news:keywords"), "سياسة, اقتصاد");

        let news = one(urls[1], "news:news");
        assert_eq!(text(news, "news:title"), "الأهلي & الزمالك");
        assert!(all(news, "news:keywords").is_empty());
    }

    #[test]
    fn news_sitemap_stops_at_news_max() {
        let entry = NewsEntry {
            loc: "https://news.example/article/1/x".into(),
            title: "خبر".into(),
            published: at("2026-03-01T09:00:00Z"),
            keywords: vec![],
        };
        let xml = news_sitemap("مداد", "ar", &vec![entry; NEWS_MAX + 5]);
        assert_eq!(all(parse(&xml).root_element(), "url").len(), NEWS_MAX);
    }

    #[test]
    fn news_language_maps_locales_to_iso_639() {
        for (locale, code) in [
            ("ar-EG", "ar"),
            ("ar", "ar"),
            ("AR_sa", "ar"),
            (" en-US ", "en"),
            ("fr", "fr"),
            ("fil-PH", "fil"),
            ("zh", "zh-cn"),
            ("zh-CN", "zh-cn"),
            ("zh-Hans-HK", "zh-cn"),
            ("zh-TW", "zh-tw"),
            ("zh_HK", "zh-tw"),
            ("zh-Hant", "zh-tw"),
        ] {
            assert_eq!(news_language(locale), code, "{locale}");
        }
    }

    #[test]
    fn news_window_is_the_last_two_days() {
        let now = DateTime::parse_from_rfc3339("2026-03-03T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(news_window(now).to_rfc3339(), "2026-03-01T10:00:00+00:00");
    }

    #[test]
    fn robots_keeps_crawlers_out_of_private_paths_and_lists_the_sitemaps() {
        let expected = "User-agent: *\nDisallow: /admin/\nDisallow: /api/\nDisallow: /search\n\n\
                        Sitemap: https://news.example/sitemap.xml\n\
                        Sitemap: https://news.example/news-sitemap.xml\n";
        assert_eq!(robots("https://news.example"), expected);
        assert_eq!(robots("https://news.example/"), expected);
    }
}
