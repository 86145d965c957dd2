//! Old addresses that answer `301`: what a site moved from another system (WordPress) keeps
//! of its links, and what an editor adds by hand. This module decides how an address is
//! written down so that `/2024/05/01/%d8%a7/`, `/2024/05/01/ا` and `/2024/05/01/%D8%A7`
//! are one address.

use crate::error::{ErrorCode, ValidationError};
use crate::percent::decode as percent_decode;

/// Longest old address kept (WordPress cuts slugs at 200 bytes, percent-encoded).
pub const MAX_PATH: usize = 2048;

/// The query parameters an old address may be made of (WordPress's plain links:
/// `/?p=123`, `/?page_id=5`, `/?attachment_id=9`, `/?cat=3`, `/?tag=slug`).
pub const KEPT_PARAMETERS: &[&str] = &["p", "page_id", "attachment_id", "cat", "tag"];

/// The key an address is stored and looked up under: the path percent-decoded, without a
/// trailing slash (`/` stays `/`), `/index.php` read as `/`; of the query, only the first
/// of [`KEPT_PARAMETERS`] (`/?p=123`). `None` for an address no redirect can be stored for.
pub fn key(path: &str, query: Option<&str>) -> Option<String> {
    if path.len() > MAX_PATH || !path.starts_with('/') {
        return None;
    }
    let decoded = percent_decode(path);
    let mut path = decoded.trim_end_matches('/');
    if path.is_empty() || path == "/index.php" {
        path = "";
    }
    let kept = query.and_then(|q| {
        q.split('&').find_map(|pair| {
            let (k, v) = pair.split_once('=')?;
            (KEPT_PARAMETERS.contains(&k) && !v.is_empty())
                .then(|| format!("{k}={}", percent_decode(v)))
        })
    });
    Some(match (path, kept) {
        ("", Some(q)) => format!("/?{q}"),
        ("", None) => "/".to_string(),
        (p, _) => p.to_string(),
    })
}

/// Checks an address an editor typed (the old one or the new one) and gives its key. A
/// full URL is refused: a redirect is from and to this site's own paths.
pub fn parse_path(field: &str, written: &str) -> Result<String, ValidationError> {
    let written = written.trim();
    let invalid = || ValidationError::new(field, ErrorCode::PathInvalid).with_detail(written);
    if !written.starts_with('/')
        || written.starts_with("//")
        || written.chars().any(|c| c.is_whitespace() || c.is_control())
        || written.len() > MAX_PATH
    {
        return Err(invalid());
    }
    let (path, query) = match written.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (written, None),
    };
    key(path, query).ok_or_else(invalid)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_address_however_it_is_written() {
        let k = key("/2024/05/01/%d8%a7%d9%84/", None);
        assert_eq!(k.as_deref(), Some("/2024/05/01/ال"));
        assert_eq!(key("/2024/05/01/%D8%A7%D9%84", None), k);
        assert_eq!(key("/2024/05/01/ال/", None), k);
        assert_eq!(
            key("/", Some("p=12&utm_source=x")).as_deref(),
            Some("/?p=12")
        );
        assert_eq!(
            key("/index.php", Some("page_id=5")).as_deref(),
            Some("/?page_id=5")
        );
        assert_eq!(key("/", Some("utm_source=x")).as_deref(), Some("/"));
        assert_eq!(
            key("/category/x/feed/", Some("p=1")).as_deref(),
            Some("/category/x/feed")
        );
        assert_eq!(key("no-slash", None), None);
    }

    #[test]
    fn typed_paths_are_checked() {
        assert_eq!(parse_path("from", " /old/ ").unwrap(), "/old");
        assert_eq!(parse_path("from", "/?p=3").unwrap(), "/?p=3");
        for bad in ["old", "https://x.example/a", "//x.example/a", "/a b", ""] {
            let e = parse_path("from", bad).unwrap_err();
            assert_eq!(e.code, ErrorCode::PathInvalid, "{bad}");
        }
    }
}
