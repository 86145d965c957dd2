//! What a route declares about caching, and the table the cache reads it from.
//!
//! A route is cacheable only when it is declared so (`Routes::cached`); the declaration says
//! which query parameters make another page (everything else in the query shares the
//! entry) and which queries ask for something else than the page. The cache itself knows
//! no path: it looks the request's path up in this table.

use std::borrow::Cow;

/// A query parameter that makes another page.
#[derive(Clone, Copy)]
pub(crate) struct Param {
    pub name: &'static str,
    /// Its value as the key writes it, read from the whole query string: `Some(None)` for
    /// the default (left out of the key), `None` for a value the route refuses (such an
    /// answer is never stored, so it is not looked up either).
    pub canonical: fn(Option<&str>) -> Option<Option<String>>,
}

/// How the page cache treats the answers of one route.
#[derive(Clone, Copy, Default)]
pub(crate) struct CachePolicy {
    vary: &'static [Param],
    bypass: Option<fn(Option<&str>) -> bool>,
}

impl CachePolicy {
    /// One page whatever the query string holds.
    pub const fn page() -> CachePolicy {
        CachePolicy {
            vary: &[],
            bypass: None,
        }
    }

    /// Pages that differ by these query parameters.
    pub const fn varying(self, vary: &'static [Param]) -> CachePolicy {
        CachePolicy { vary, ..self }
    }

    /// Queries for which the route answers something else than its page (an old link's
    /// redirect): such requests go straight to the route.
    pub const fn unless(self, bypass: fn(Option<&str>) -> bool) -> CachePolicy {
        CachePolicy {
            bypass: Some(bypass),
            ..self
        }
    }

    /// The cache key of a request for this route, or `None` when it is not looked up.
    pub fn key<'a>(&self, path: &'a str, query: Option<&str>) -> Option<Cow<'a, str>> {
        if self.bypass.is_some_and(|bypass| bypass(query)) {
            return None;
        }
        let mut key = Cow::Borrowed(path);
        let mut first = true;
        for param in self.vary {
            if let Some(value) = (param.canonical)(query)? {
                let key = key.to_mut();
                key.push(if first { '?' } else { '&' });
                key.push_str(param.name);
                key.push('=');
                key.push_str(&value);
                first = false;
            }
        }
        Some(key)
    }
}

/// The declared policies by route pattern (the router's own syntax, `/section/{slug}`).
#[derive(Default)]
pub(crate) struct CacheTable {
    routes: matchit::Router<CachePolicy>,
}

impl CacheTable {
    /// Declares a route cacheable. A pattern declared twice is a programming error, found
    /// when the router is built at start-up, as the router itself does.
    pub fn insert(&mut self, pattern: &str, policy: CachePolicy) {
        if let Err(e) = self.routes.insert(pattern, policy) {
            panic!("cannot declare the route {pattern} cacheable: {e}");
        }
    }

    /// The policy of the route this path matches, if it was declared cacheable.
    pub fn lookup(&self, path: &str) -> Option<&CachePolicy> {
        self.routes.at(path).ok().map(|m| m.value)
    }
}
