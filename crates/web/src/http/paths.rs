//! Reading and writing the site's URLs: the `page` parameter of lists, query strings, and
//! `Location` headers (redirects to paths with Arabic slugs).

use super::cache::Param;
use super::error::WebError;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

/// No list is paged further than this.
pub(crate) const MAX_PAGE: i64 = 10_000;

/// The `page` query parameter: absent = 1; anything but a number from 1 to [`MAX_PAGE`] is
/// not a page that exists.
pub(crate) fn page_number(query: Option<&str>) -> Result<i64, WebError> {
    let raw = query
        .unwrap_or("")
        .split('&')
        .filter_map(|kv| kv.strip_prefix("page="))
        .next_back();
    match raw {
        None => Ok(1),
        Some(v) => match v.parse::<i64>() {
            Ok(n) if (1..=MAX_PAGE).contains(&n) => Ok(n),
            _ => Err(WebError::NotFound),
        },
    }
}

/// Lists vary by their `page` parameter: page 1 is the plain path.
pub(crate) const PAGE: Param = Param {
    name: "page",
    canonical: page_param,
};

fn page_param(query: Option<&str>) -> Option<Option<String>> {
    match page_number(query) {
        Ok(1) => Some(None),
        Ok(n) => Some(Some(n.to_string())),
        Err(_) => None,
    }
}

/// `301 Moved Permanently` to a path of the site (what DESIGN.md promises for moved
/// addresses; axum's `Redirect::permanent` answers 308, which older crawlers know less well).
pub(crate) fn moved(path: &str) -> Response {
    (
        StatusCode::MOVED_PERMANENTLY,
        [(axum::http::header::LOCATION, location(path))],
    )
        .into_response()
}

/// A path for a `Location` header: bytes outside ASCII (Arabic slugs) percent-encoded.
pub(crate) fn location(path: &str) -> String {
    let mut out = String::with_capacity(path.len() * 3);
    for b in path.bytes() {
        if b.is_ascii() && !b.is_ascii_control() && b != b' ' {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `k=v&…` with each value percent-encoded.
pub(crate) fn encode_query(pairs: &[(&str, String)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={}", midad_core::percent::encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}
