//! The newsroom's domain: articles, caricatures and pages, sections, tags, bylines, users and
//! their roles, media and settings — with the rules that keep them valid. No I/O here.

pub mod body;
pub mod error;
pub mod exchange;
pub mod html;
pub mod model;
pub mod password;
pub mod percent;
pub mod redirect;
pub mod role;
pub mod settings;

pub use error::{ErrorCode, ValidationError, Violations};
pub use model::*;
pub use role::{Action, Role};
pub use settings::Settings;
