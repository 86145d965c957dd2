//! How a room registers its routes: each with its handler and, when the page cache may keep
//! its answers, the route's [`CachePolicy`]. The router and the cache's table are built from
//! the same declarations, so a route cannot be cached without saying so.

use super::App;
use super::cache::{CachePolicy, CacheTable};
use axum::Router;
use axum::routing::MethodRouter;
use std::sync::Arc;

/// The routes of a room, and which of them are cacheable.
#[must_use]
#[derive(Default)]
pub(crate) struct Routes {
    router: Router<Arc<App>>,
    cached: Vec<(&'static str, CachePolicy)>,
}

impl Routes {
    pub fn new() -> Routes {
        Routes::default()
    }

    /// A route whose answers the page cache never looks at: forms, the back office, JSON.
    pub fn route(mut self, pattern: &'static str, handler: MethodRouter<Arc<App>>) -> Routes {
        self.router = self.router.route(pattern, handler);
        self
    }

    /// A route whose pages the page cache may keep, as `policy` says; the handler still
    /// decides, per answer, by attaching `Cacheable` with the page's surrogate keys.
    pub fn cached(
        mut self,
        pattern: &'static str,
        handler: MethodRouter<Arc<App>>,
        policy: CachePolicy,
    ) -> Routes {
        self.router = self.router.route(pattern, handler);
        self.cached.push((pattern, policy));
        self
    }

    pub fn merge(mut self, other: Routes) -> Routes {
        self.router = self.router.merge(other.router);
        self.cached.extend(other.cached);
        self
    }

    /// The router, and the table the page cache reads.
    pub fn into_parts(self) -> (Router<Arc<App>>, CacheTable) {
        let mut table = CacheTable::default();
        for (pattern, policy) in self.cached {
            table.insert(pattern, policy);
        }
        (self.router, table)
    }
}
