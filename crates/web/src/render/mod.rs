//! Rendering: what every page starts from (the settings, today's date, the navigation), the
//! display-ready views of articles, structured data, the helpers every page uses, and the
//! themed error pages. Handlers in `site`, `admin` and `mail` build their pages from here.

pub(crate) mod context;
pub(crate) mod error_page;
pub(crate) mod helpers;
pub(crate) mod seo;
pub(crate) mod view;
