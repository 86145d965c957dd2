//! What search engines and social networks read: JSON-LD structured data and share links
//! that need no third-party script.

use super::context::Context;
use super::view::{ArticleView, Names};
use midad_core::Article;
use serde::Serialize;
use serde_json::{Value, json};

/// JSON for a `<script type="application/ld+json">` block: `<` is escaped so no string in
/// the data can close the element.
fn script_json(value: &Value) -> String {
    value
        .to_string()
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

fn absolute(base: &str, url: &str) -> String {
    if url.starts_with("http://") || url.starts_with("https://") {
        url.to_string()
    } else {
        format!("{base}{url}")
    }
}

fn organization(ctx: &Context) -> Value {
    let base = &ctx.site.base_url;
    let mut org = json!({
        "@type": "NewsMediaOrganization",
        "@id": format!("{base}/#organization"),
        "name": ctx.site.name,
        "url": format!("{base}/"),
    });
    if !ctx.site.social.is_empty() {
        org["sameAs"] = json!(
            ctx.site
                .social
                .iter()
                .map(|s| s.url.as_str())
                .collect::<Vec<_>>()
        );
    }
    if let Some(logo) = &ctx.site.logo {
        let mut image = json!({"@type": "ImageObject", "url": absolute(base, &logo.url)});
        if let (Some(w), Some(h)) = (logo.width, logo.height) {
            image["width"] = json!(w);
            image["height"] = json!(h);
        }
        org["logo"] = image;
    }
    org
}

/// The home page: the publisher and the site, with the search engines' search box.
pub(crate) fn home(ctx: &Context) -> String {
    let base = &ctx.site.base_url;
    script_json(&json!({
        "@context": "https://schema.org",
        "@graph": [
            organization(ctx),
            {
                "@type": "WebSite",
                "@id": format!("{base}/#website"),
                "url": format!("{base}/"),
                "name": ctx.site.name,
                "inLanguage": ctx.site.lang,
                "publisher": {"@id": format!("{base}/#organization")},
                "potentialAction": {
                    "@type": "SearchAction",
                    "target": {
                        "@type": "EntryPoint",
                        "urlTemplate": format!("{base}/search?q={{search_term_string}}"),
                    },
                    "query-input": "required name=search_term_string",
                },
            },
        ],
    }))
}

/// An article: `NewsArticle` (a caricature is still news, drawn) and its breadcrumb.
pub(crate) fn article(ctx: &Context, a: &Article, view: &ArticleView, names: &Names) -> String {
    let base = &ctx.site.base_url;
    let url = absolute(base, &view.url);
    let d = &a.data;
    let authors: Vec<Value> = d
        .author_ids
        .iter()
        .filter_map(|id| names.authors.get(id))
        .map(|au| {
            json!({
                "@type": "Person",
                "name": au.name,
                "url": format!("{base}/author/{}", au.slug),
            })
        })
        .collect();
    let mut news = json!({
        "@type": "NewsArticle",
        "@id": format!("{url}#article"),
        "mainEntityOfPage": url,
        "url": url,
        "headline": d.title,
        "inLanguage": ctx.site.lang,
        "isAccessibleForFree": true,
        "publisher": organization(ctx),
    });
    if let Some(t) = &view.published_iso {
        news["datePublished"] = json!(t);
    }
    news["dateModified"] = json!(view.updated_iso.as_ref().or(view.published_iso.as_ref()));
    if !authors.is_empty() {
        news["author"] = json!(authors);
    } else {
        news["author"] = organization(ctx);
    }
    if let Some(desc) = d.seo_description.as_ref().or(d.excerpt.as_ref()) {
        news["description"] = json!(desc);
    }
    if let Some(img) = &view.image {
        let mut image = json!({"@type": "ImageObject", "url": absolute(base, &img.url)});
        if let (Some(w), Some(h)) = (img.width, img.height) {
            image["width"] = json!(w);
            image["height"] = json!(h);
        }
        if let Some(c) = &img.caption {
            image["caption"] = json!(c);
        }
        news["image"] = json!([image]);
    }
    if let Some(s) = &view.section {
        news["articleSection"] = json!(s.name);
    }
    if !view.tags.is_empty() {
        news["keywords"] = json!(
            view.tags
                .iter()
                .map(|t| t.name.as_str())
                .collect::<Vec<_>>()
        );
    }
    let mut crumbs = vec![json!({
        "@type": "ListItem", "position": 1, "name": ctx.site.name, "item": format!("{base}/"),
    })];
    if let Some(s) = &view.section {
        crumbs.push(json!({
            "@type": "ListItem", "position": 2, "name": s.name, "item": absolute(base, &s.url),
        }));
    }
    crumbs.push(json!({
        "@type": "ListItem", "position": crumbs.len() + 1, "name": d.title, "item": url,
    }));
    script_json(&json!({
        "@context": "https://schema.org",
        "@graph": [news, {"@type": "BreadcrumbList", "itemListElement": crumbs}],
    }))
}

#[derive(Serialize)]
pub(crate) struct Share {
    pub url: String,
    pub whatsapp: String,
    pub telegram: String,
    pub x: String,
    pub facebook: String,
}

/// Plain links to each network's own share page: no script of theirs on ours.
pub(crate) fn share_links(base: &str, view: &ArticleView) -> Share {
    let url = absolute(base, &view.url);
    let u = midad_core::percent::encode(&url);
    let title = midad_core::percent::encode(&view.title);
    Share {
        whatsapp: format!("https://wa.me/?text={title}%20{u}"),
        telegram: format!("https://t.me/share/url?url={u}&text={title}"),
        x: format!("https://x.com/intent/post?url={u}&text={title}"),
        facebook: format!("https://www.facebook.com/sharer/sharer.php?u={u}"),
        url,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_json_cannot_close_the_element() {
        let s = script_json(&json!({"headline": "</script><script>alert(1)</script> & «عاجل»"}));
        assert!(!s.contains("</script>"));
        let back: Value = serde_json::from_str(&s).unwrap();
        assert_eq!(
            back["headline"],
            "</script><script>alert(1)</script> & «عاجل»"
        );
    }
}
