//! The kit every room uses: the shared state ([`App`]), sessions and CSRF (`auth`), errors,
//! the page cache and the routes' declarations of it, security headers and limits, URLs and
//! query strings, and the operations endpoints.

pub(crate) mod app;
pub(crate) mod auth;
pub(crate) mod cache;
pub(crate) mod error;
pub(crate) mod guard;
pub(crate) mod metrics;
pub(crate) mod ops;
pub(crate) mod paths;
pub(crate) mod reads;
pub(crate) mod routes;
pub(crate) mod tokens;
pub mod totp;

pub(crate) use app::App;
pub(crate) use error::WebError;
