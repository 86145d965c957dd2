//! Answering from a stored page: the encoding the client accepts, `304` for a matching
//! `ETag`, `Cache-Control` that never outlives local midnight; and what storing a page
//! needs (its compressed copies, its `ETag`, the bounds of its day).

use super::store::Entry;
use crate::http::App;
use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use std::io::Write;

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Encoding {
    Identity,
    Gzip,
    Brotli,
}

/// The best encoding the client accepts (`q=0` refuses one).
pub(crate) fn negotiate(headers: &HeaderMap) -> Encoding {
    let Some(accept) = headers
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
    else {
        return Encoding::Identity;
    };
    let mut gzip = false;
    let mut br = false;
    for part in accept.split(',') {
        let mut it = part.split(';');
        let name = it.next().unwrap_or("").trim();
        let refused = it.any(|p| {
            p.trim()
                .strip_prefix("q=")
                .and_then(|q| q.trim().parse::<f32>().ok())
                .is_some_and(|q| q <= 0.0)
        });
        if refused {
            continue;
        }
        match name {
            "br" => br = true,
            "gzip" | "x-gzip" => gzip = true,
            _ => {}
        }
    }
    if br {
        Encoding::Brotli
    } else if gzip {
        Encoding::Gzip
    } else {
        Encoding::Identity
    }
}

pub(crate) fn etag_matches(headers: &HeaderMap, etag: &HeaderValue) -> bool {
    let Some(inm) = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let ours = etag.to_str().unwrap_or("").trim_start_matches("W/");
    inm.split(',').any(|t| {
        let t = t.trim();
        t == "*" || t.trim_start_matches("W/") == ours
    })
}

/// When the local day `day` of `tz` begins, in UTC. Where the clocks jump over midnight
/// (Beirut, Cairo, Damascus have done it), the day begins at the first instant after.
pub(crate) fn day_begins(tz: Tz, day: NaiveDate) -> DateTime<Utc> {
    use chrono::TimeZone;
    (0..3)
        .find_map(|h| {
            tz.from_local_datetime(&day.and_hms_opt(h, 0, 0)?)
                .earliest()
        })
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|| day.and_time(chrono::NaiveTime::MIN).and_utc())
}

/// Shared caches may keep a page a minute and serve it stale while revalidating, but never
/// past the local midnight that changes the header's date.
pub(crate) fn cache_control(midnight: DateTime<Utc>, wall: DateTime<Utc>) -> HeaderValue {
    let left = (midnight - wall).num_seconds().max(1);
    if left >= 660 {
        return HeaderValue::from_static(
            "public, max-age=0, s-maxage=60, stale-while-revalidate=600",
        );
    }
    let fresh = left.min(60);
    let stale = (left - fresh).clamp(0, 600);
    HeaderValue::from_str(&format!(
        "public, max-age=0, s-maxage={fresh}, stale-while-revalidate={stale}"
    ))
    .unwrap_or(HeaderValue::from_static("no-cache"))
}

pub(crate) fn respond(
    app: &App,
    entry: &Entry,
    req_headers: &HeaderMap,
    head: bool,
    status: &'static str,
    wall: DateTime<Utc>,
) -> Response {
    let mut builder = Response::builder();
    if let Some(headers) = builder.headers_mut() {
        headers.reserve(16);
        for (name, value) in &app.security {
            headers.insert(name.clone(), value.clone());
        }
    }
    builder = builder
        .header(header::ETAG, entry.etag.clone())
        .header(header::CACHE_CONTROL, cache_control(entry.midnight, wall))
        .header(header::VARY, HeaderValue::from_static("Accept-Encoding"))
        .header("x-cache", HeaderValue::from_static(status));
    if let Some(s) = &entry.surrogate {
        builder = builder.header("surrogate-key", s.clone());
    }
    if etag_matches(req_headers, &entry.etag) {
        return builder
            .status(StatusCode::NOT_MODIFIED)
            .body(Body::empty())
            .unwrap_or_else(|_| StatusCode::NOT_MODIFIED.into_response());
    }
    let (body, encoding) = match negotiate(req_headers) {
        Encoding::Brotli if entry.br.is_some() => (entry.br.clone(), Some("br")),
        Encoding::Brotli | Encoding::Gzip if entry.gzip.is_some() => {
            (entry.gzip.clone(), Some("gzip"))
        }
        _ => (None, None),
    };
    let body = body.unwrap_or_else(|| entry.identity.clone());
    builder = builder
        .header(header::CONTENT_TYPE, entry.content_type.clone())
        .header(header::CONTENT_LENGTH, body.len());
    if let Some(e) = encoding {
        builder = builder.header(header::CONTENT_ENCODING, e);
    }
    let body = if head {
        Body::empty()
    } else {
        Body::from(body)
    };
    builder
        .body(body)
        .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}

pub(crate) fn gzip(bytes: &[u8]) -> Option<Bytes> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(6));
    enc.write_all(bytes).ok()?;
    enc.finish().ok().map(Bytes::from)
}

pub(crate) fn brotli(bytes: &[u8]) -> Option<Bytes> {
    let mut out = Vec::new();
    {
        let mut enc = brotli::CompressorWriter::new(&mut out, 4096, 6, 22);
        enc.write_all(bytes).ok()?;
    }
    Some(Bytes::from(out))
}

pub(crate) fn etag_of(bytes: &[u8]) -> HeaderValue {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(bytes);
    let hex: String = digest[..12].iter().map(|b| format!("{b:02x}")).collect();
    HeaderValue::from_str(&format!("\"{hex}\"")).unwrap_or(HeaderValue::from_static("\"0\""))
}

pub(crate) fn is_bot(headers: &HeaderMap) -> bool {
    let ua = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    ["bot", "spider", "crawl", "slurp", "preview", "lighthouse"]
        .iter()
        .any(|w| ua.contains(w))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_day_begins_at_local_midnight_or_just_after_a_jump_over_it() {
        use chrono::TimeZone;
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert_eq!(
            day_begins(chrono_tz::Asia::Riyadh, day(2024, 11, 16)),
            Utc.with_ymd_and_hms(2024, 11, 15, 21, 0, 0).unwrap()
        );
        // Beirut moved its clocks from 00:00 to 01:00 on 31 March 2024.
        assert_eq!(
            day_begins(chrono_tz::Asia::Beirut, day(2024, 3, 31)),
            Utc.with_ymd_and_hms(2024, 3, 30, 22, 0, 0).unwrap()
        );
        let wall = Utc.with_ymd_and_hms(2024, 11, 16, 20, 59, 30).unwrap();
        let midnight = day_begins(chrono_tz::Asia::Riyadh, day(2024, 11, 17));
        assert_eq!(
            cache_control(midnight, wall),
            "public, max-age=0, s-maxage=30, stale-while-revalidate=0"
        );
    }

    #[test]
    fn encodings_are_negotiated() {
        let mut h = HeaderMap::new();
        assert!(negotiate(&h) == Encoding::Identity);
        h.insert(
            header::ACCEPT_ENCODING,
            HeaderValue::from_static("gzip, deflate, br"),
        );
        assert!(negotiate(&h) == Encoding::Brotli);
        h.insert(
            header::ACCEPT_ENCODING,
            HeaderValue::from_static("br;q=0, gzip"),
        );
        assert!(negotiate(&h) == Encoding::Gzip);
        h.insert(
            header::ACCEPT_ENCODING,
            HeaderValue::from_static("identity"),
        );
        assert!(negotiate(&h) == Encoding::Identity);
    }
}
