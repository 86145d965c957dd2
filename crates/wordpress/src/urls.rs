//! Reading the site's own URLs found in content: which upload file an image is, and which
//! post a link points at. The importer owns the mapping to Midad's own URLs; these
//! functions only say what WordPress meant.

use crate::percent::percent_decode;

/// The parts of a URL that matter here. `host` is `None` for a root-relative URL.
struct Parts<'a> {
    host: Option<&'a str>,
    path: &'a str,
    query: &'a str,
}

/// Splits `http://host/path?query#fragment`, `https://…`, `//host/…` and `/path…`.
fn split(url: &str) -> Option<Parts<'_>> {
    let url = url.trim();
    let url = url.split('#').next().unwrap_or_default();
    let (url, query) = url.split_once('?').unwrap_or((url, ""));
    let lower = url.get(..8).unwrap_or(url).to_ascii_lowercase();
    let after_scheme = if lower.starts_with("https://") {
        &url[8..]
    } else if lower.starts_with("http://") {
        &url[7..]
    } else if let Some(rest) = url.strip_prefix("//") {
        rest
    } else if url.starts_with('/') {
        return Some(Parts {
            host: None,
            path: url,
            query,
        });
    } else {
        return None;
    };
    let (host, path) = match after_scheme.find('/') {
        Some(slash) => after_scheme.split_at(slash),
        None => (after_scheme, ""),
    };
    Some(Parts {
        host: Some(host),
        path,
        query,
    })
}

/// Whether two hosts are the same site: case, a `www.` prefix and a default port do not
/// count (sites move between `www` and bare domains, and between http and https).
fn same_host(a: &str, b: &str) -> bool {
    fn normal(host: &str) -> String {
        let host = host.rsplit('@').next().unwrap_or(host).to_ascii_lowercase();
        let host = host
            .strip_suffix(":80")
            .or_else(|| host.strip_suffix(":443"))
            .unwrap_or(&host);
        host.strip_prefix("www.").unwrap_or(host).to_string()
    }
    normal(a) == normal(b)
}

/// The path of `url` below the site's root, if `url` is on the site `site_url` names
/// (or root-relative); without the leading slash.
fn site_path<'a>(parts: &Parts<'a>, site_url: &str) -> Option<&'a str> {
    let site = split(site_url)?;
    if let (Some(host), Some(site_host)) = (parts.host, site.host)
        && !same_host(host, site_host)
    {
        return None;
    }
    let base = site.path.trim_end_matches('/');
    let path = parts.path.strip_prefix(base).unwrap_or(parts.path);
    Some(path.strip_prefix('/').unwrap_or(path))
}

/// The file an upload URL names, relative to the uploads folder and percent-decoded:
/// `http://site/wp-content/uploads/2026/03/x-300x188.jpg` → `2026/03/x-300x188.jpg`.
///
/// `site_url` is the channel's `base_site_url`; http, https and protocol-relative forms of
/// it all match, as do root-relative URLs. `None` for other sites, for URLs outside
/// `wp-content/uploads/`, and for any path that could step out of the uploads folder
/// (`..`, backslashes), so the result is safe to join to a folder.
pub fn upload_path(url: &str, site_url: &str) -> Option<String> {
    let parts = split(url)?;
    let path = site_path(&parts, site_url)?;
    let relative = path.strip_prefix("wp-content/uploads/")?;
    let decoded = percent_decode(relative);
    let safe = !decoded.is_empty()
        && decoded
            .split('/')
            .all(|segment| !segment.is_empty() && segment != "." && segment != "..")
        && !decoded.contains(['\\', '\0']);
    safe.then(|| decoded.into_owned())
}

/// The original of a resized copy: WordPress names sizes by adding `-WIDTHxHEIGHT`
/// before the extension (`2026/03/x-300x188.jpg` → `2026/03/x.jpg`). Other names come
/// back unchanged, including renamed duplicates such as `caricature-1.png`.
///
/// Since WordPress 5.3 a large upload's attachment URL points at a `-scaled` copy; that
/// copy is what the export names, and it is returned as it is.
pub fn original_upload_path(path: &str) -> String {
    let name_start = path.rfind('/').map_or(0, |slash| slash + 1);
    let Some(dot) = path[name_start..].rfind('.').map(|dot| name_start + dot) else {
        return path.to_string();
    };
    let stem = &path[..dot];
    let Some(dash) = stem.rfind('-').filter(|&dash| dash >= name_start) else {
        return path.to_string();
    };
    let is_size = stem[dash + 1..].split_once('x').is_some_and(|(w, h)| {
        !w.is_empty()
            && !h.is_empty()
            && w.bytes().all(|b| b.is_ascii_digit())
            && h.bytes().all(|b| b.is_ascii_digit())
    });
    if is_size && dash > name_start {
        format!("{}{}", &path[..dash], &path[dot..])
    } else {
        path.to_string()
    }
}

/// What a link to the site points at, in WordPress's terms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkTarget {
    /// `/?p=123`: a post (or any post type) by id.
    PostId(i64),
    /// `/?page_id=5`.
    PageId(i64),
    /// `/?attachment_id=343`.
    AttachmentId(i64),
    /// `/YYYY/MM/DD/slug/` or `/YYYY/MM/slug/`; `rest` holds any segments after the slug
    /// (an attachment page under its post, `amp`, `feed`).
    Dated {
        year: i32,
        month: u32,
        day: Option<u32>,
        slug: String,
        rest: Vec<String>,
    },
    /// `/category/parent/child/`: the category slugs, outermost first.
    Category(Vec<String>),
    /// `/tag/slug/`.
    Tag(String),
    /// `/author/login/`.
    Author(String),
    /// Any other path: a page (`/about/`, `/about/team/`) or, under a `/%postname%/`
    /// permalink structure, a post. Decoded segments, outermost first.
    Path(Vec<String>),
}

/// Recognises a link to a post, page, category, tag or author of the site `site_url`
/// names (pass the channel's `base_blog_url`, the home URL permalinks start with).
///
/// Slugs come back percent-decoded, to compare with [`crate::Item::post_name`] and
/// [`crate::Term::slug`]. `None` for other sites, the home page, date archives, uploads,
/// admin and feed URLs, `mailto:` and page-relative links.
pub fn post_link_target(href: &str, site_url: &str) -> Option<LinkTarget> {
    let parts = split(href)?;
    let path = site_path(&parts, site_url)?;
    let mut segments: Vec<String> = path
        .split('/')
        .filter(|segment| !segment.is_empty())
        .map(|segment| percent_decode(segment).into_owned())
        .collect();
    if segments.first().is_some_and(|first| first == "index.php") {
        segments.remove(0);
    }
    if let Some(target) = query_target(parts.query) {
        return segments.is_empty().then_some(target);
    }
    path_target(segments)
}

fn query_target(query: &str) -> Option<LinkTarget> {
    query.split('&').find_map(|pair| {
        let (key, value) = pair.split_once('=')?;
        let id: i64 = value.parse().ok().filter(|&id| id > 0)?;
        match key {
            "p" => Some(LinkTarget::PostId(id)),
            "page_id" => Some(LinkTarget::PageId(id)),
            "attachment_id" => Some(LinkTarget::AttachmentId(id)),
            _ => None,
        }
    })
}

fn path_target(segments: Vec<String>) -> Option<LinkTarget> {
    let first = segments.first()?;
    if matches!(
        first.as_str(),
        "wp-content" | "wp-admin" | "wp-includes" | "wp-json" | "feed" | "wp-login.php"
    ) || first.ends_with(".php")
    {
        return None;
    }
    match first.as_str() {
        "category" if segments.len() > 1 => {
            return Some(LinkTarget::Category(segments[1..].to_vec()));
        }
        "tag" if segments.len() > 1 => return Some(LinkTarget::Tag(segments[1].clone())),
        "author" if segments.len() > 1 => return Some(LinkTarget::Author(segments[1].clone())),
        _ => {}
    }
    if let Some(year) = number(first, 4) {
        return dated_target(year, &segments);
    }
    Some(LinkTarget::Path(segments))
}

/// `/YYYY/MM/DD/slug/…` or `/YYYY/MM/slug/…`; a bare date archive is `None`.
fn dated_target(year: u32, segments: &[String]) -> Option<LinkTarget> {
    let month = segments
        .get(1)
        .and_then(|s| number(s, 2))
        .filter(|m| (1..=12).contains(m));
    let Some(month) = month else {
        // A four-digit first segment that is not a date: a page named like a year.
        return (segments.len() > 1).then(|| LinkTarget::Path(segments.to_vec()));
    };
    let day = segments
        .get(2)
        .and_then(|s| number(s, 2))
        .filter(|d| (1..=31).contains(d));
    let slug_index = if day.is_some() { 3 } else { 2 };
    let slug = segments.get(slug_index)?;
    Some(LinkTarget::Dated {
        year: year as i32,
        month,
        day,
        slug: slug.clone(),
        rest: segments[slug_index + 1..].to_vec(),
    })
}

/// A segment of exactly `digits` ASCII digits.
fn number(segment: &str, digits: usize) -> Option<u32> {
    (segment.len() == digits && segment.bytes().all(|b| b.is_ascii_digit()))
        .then(|| segment.parse().ok())
        .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SITE: &str = "http://fixture.localhost:8083";

    #[test]
    fn upload_paths() {
        let url = "http://fixture.localhost:8083/wp-content/uploads/2026/03/x-300x188.jpg";
        assert_eq!(
            upload_path(url, SITE).as_deref(),
            Some("2026/03/x-300x188.jpg")
        );
        let https = "https://fixture.localhost:8083/wp-content/uploads/2026/03/x.jpg?v=2";
        assert_eq!(upload_path(https, SITE).as_deref(), Some("2026/03/x.jpg"));
        let relative = "//fixture.localhost:8083/wp-content/uploads/2026/03/x.jpg";
        assert_eq!(
            upload_path(relative, SITE).as_deref(),
            Some("2026/03/x.jpg")
        );
        let root = "/wp-content/uploads/2026/03/x.jpg";
        assert_eq!(upload_path(root, SITE).as_deref(), Some("2026/03/x.jpg"));
        let arabic = "http://fixture.localhost:8083/wp-content/uploads/2026/08/%d9%85%d8%a4%d8%aa%d9%85%d8%b1-%d8%b5%d8%ad%d9%81%d9%8a.jpg";
        assert_eq!(
            upload_path(arabic, SITE).as_deref(),
            Some("2026/08/مؤتمر-صحفي.jpg")
        );
    }

    #[test]
    fn upload_paths_refuse_other_sites_and_escapes() {
        assert_eq!(
            upload_path("http://other.example/wp-content/uploads/a.jpg", SITE),
            None
        );
        assert_eq!(
            upload_path("http://fixture.localhost:8083/about/", SITE),
            None
        );
        let escape = "http://fixture.localhost:8083/wp-content/uploads/2026/../../wp-config.php";
        assert_eq!(upload_path(escape, SITE), None);
        let encoded = "/wp-content/uploads/2026/%2e%2e/%2e%2e/etc/passwd";
        assert_eq!(upload_path(encoded, SITE), None);
        assert_eq!(upload_path("data:image/png;base64,xyz", SITE), None);
    }

    #[test]
    fn upload_paths_under_a_subfolder_and_www() {
        let site = "https://www.example.com/news";
        let url = "http://example.com/news/wp-content/uploads/2024/01/a.png";
        assert_eq!(upload_path(url, site).as_deref(), Some("2024/01/a.png"));
    }

    #[test]
    fn originals_of_sizes() {
        assert_eq!(
            original_upload_path("2026/03/x-300x188.jpg"),
            "2026/03/x.jpg"
        );
        assert_eq!(original_upload_path("2026/03/x.jpg"), "2026/03/x.jpg");
        assert_eq!(
            original_upload_path("2026/03/caricature-1.png"),
            "2026/03/caricature-1.png"
        );
        assert_eq!(
            original_upload_path("2026/08/مؤتمر-صحفي-768x480.jpg"),
            "2026/08/مؤتمر-صحفي.jpg"
        );
        assert_eq!(
            original_upload_path("2026/03/-300x188.jpg"),
            "2026/03/-300x188.jpg"
        );
        assert_eq!(original_upload_path("a-1x2"), "a-1x2");
    }

    #[test]
    fn link_targets() {
        assert_eq!(
            post_link_target("http://fixture.localhost:8083/?p=57", SITE),
            Some(LinkTarget::PostId(57))
        );
        assert_eq!(
            post_link_target("/?page_id=5", SITE),
            Some(LinkTarget::PageId(5))
        );
        assert_eq!(
            post_link_target(
                "https://fixture.localhost:8083/index.php?p=9&preview=true",
                SITE
            ),
            Some(LinkTarget::PostId(9))
        );
        assert_eq!(
            post_link_target(
                "http://fixture.localhost:8083/2025/03/15/%d9%84%d8%a7/",
                SITE
            ),
            Some(LinkTarget::Dated {
                year: 2025,
                month: 3,
                day: Some(15),
                slug: "لا".into(),
                rest: vec![]
            })
        );
        assert_eq!(
            post_link_target("/2025/03/slug/#comments", SITE),
            Some(LinkTarget::Dated {
                year: 2025,
                month: 3,
                day: None,
                slug: "slug".into(),
                rest: vec![]
            })
        );
        assert_eq!(
            post_link_target(
                "http://fixture.localhost:8083/%d9%85%d9%86-%d9%86%d8%ad%d9%86/%d9%81%d8%b1%d9%8a%d9%82/",
                SITE
            ),
            Some(LinkTarget::Path(vec!["من-نحن".into(), "فريق".into()]))
        );
        assert_eq!(
            post_link_target("/category/politics/arab/", SITE),
            Some(LinkTarget::Category(vec!["politics".into(), "arab".into()]))
        );
        assert_eq!(
            post_link_target("/tag/x/", SITE),
            Some(LinkTarget::Tag("x".into()))
        );
    }

    #[test]
    fn links_that_are_not_posts() {
        for href in [
            "http://fixture.localhost:8083/",
            "http://fixture.localhost:8083",
            "/2025/03/15/",
            "/2025/03/",
            "/wp-content/uploads/2025/01/a.jpg",
            "/wp-admin/post.php?post=3",
            "/feed/",
            "mailto:contact@alofoq.example",
            "#top",
            "relative/path/",
            "https://www.youtube.com/watch?v=x",
        ] {
            assert_eq!(post_link_target(href, SITE), None, "{href}");
        }
    }
}
