//! Midad's HTTP application: the public site, the back office, the JSON API, feeds and
//! sitemaps, the page cache, and the site's side of the newsletter. Handlers read and write
//! through the store and never write SQL.
//!
//! # The map
//!
//! Each folder is one room. A room may use the rooms below it and never one above it; files
//! of one room may use each other, but no two files (anywhere) import each other, directly
//! or around a circle. `tests/architecture.rs` holds the same table and fails on any
//! import that breaks it, `use` lines and inline paths alike.
//!
//! | folder    | its job                                                              | may use                             |
//! |-----------|----------------------------------------------------------------------|-------------------------------------|
//! | `lib.rs`, `router.rs` | this map and the public API; every route and the middleware | everything                   |
//! | `jobs/`   | background work: the page cache's follower, read counts, the digest's clock | `mail`, `render`, `http`, `theme` |
//! | `admin/`  | the back office: one file per screen, the role checks in `roles.rs`  | `site`, `mail`, `render`, `http`, `theme` |
//! | `api/`    | the JSON API under `/api/v1/` (today search and suggestions)         | `site`, `mail`, `render`, `http`, `theme` |
//! | `site/`   | what readers see: pages, feeds, sitemaps, search, newsletter pages, old addresses, static files | `mail`, `render`, `http`, `theme` |
//! | `mail/`   | what the site mails: signed links, the outbox, composing a message    | `render`, `http`, `theme`          |
//! | `render/` | what every page starts from: the site's context, views, SEO, helpers, themed error pages | `http`, `theme` |
//! | `http/`   | the kit: the shared state (`App`), sessions and CSRF, errors, the page cache and route declarations, limits, URLs, metrics | `theme` |
//! | `theme/`  | the theme engine: templates, static files, translations (knows no request) | —                           |
//!
//! The page cache (`http/cache/`) knows no route: each route declares, where it is
//! registered, whether its answers may be kept and which query parameters make another
//! page (`Routes::cached` with a `CachePolicy`); a handler attaches `Cacheable` with the
//! page's surrogate keys.
//!
//! # Where to add things
//!
//! - **A reader page**: a handler in `site/` (a new file when it is a new kind of page), its
//!   route in `site::routes` — with `.cached(…)` and a policy when the page is the same for
//!   every reader, and `Cacheable` with the surrogate keys of what it shows on its answer;
//!   a template in `themes/default/templates/`. Copy a test of `tests/site.rs`.
//! - **A back-office screen**: a file in `admin/`, its routes merged in `admin::routes`
//!   (never cached); check the role with `admin::roles`, answer with `admin::screen`, and
//!   take state-changing forms as `http::auth::Protected<…>` (CSRF). Copy a test of
//!   `tests/admin.rs` (`every_role_against_every_action` lists every action per role: add
//!   yours).
//! - **An API endpoint**: a file in `api/`, its route in `api::routes`; JSON answers, errors
//!   with a stable code. Copy the search API's tests in `tests/site.rs`.
//! - **A background job**: a file in `jobs/`, started from `App::spawn_background` (or by
//!   the binary when it must run on one node only). Copy `jobs/page_cache.rs`'s loop: wake
//!   on the store's notification, poll as a safety net, read the change log from the last
//!   sequence seen.
//! - **Something mailed**: queue it in `mail/outbox.rs`, write it in `mail/compose.rs` with
//!   templates in `themes/default/templates/mail/`. Copy a test of `tests/newsletter.rs`.

mod admin;
mod api;
mod http;
mod jobs;
mod mail;
mod render;
mod router;
mod site;
mod theme;

pub use admin::subscribers::{ParsedSubscribers, parse_subscribers};
pub use http::app::{App, DEFAULT_CACHE_BYTES, MailSettings, WebConfig};
pub use http::cache::PageCache;
pub use http::error::WebError;
pub use http::metrics::Metrics;
pub use http::reads::Reads;
pub use http::totp;
pub use jobs::digest::{SiteComposer, digest_if_due};
pub use mail::compose::compose;
pub use mail::outbox::{DigestOutcome, queue_digest};
pub use render::context::effective_settings;
pub use router::router;
pub use theme::{Theme, ThemeError};
