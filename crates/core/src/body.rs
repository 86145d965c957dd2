//! Article bodies as structured blocks: parsed from HTML on the way in, rendered to safe HTML
//! on the way out.
//!
//! Blocks are what the store keeps and what the API exchanges. Their inline HTML is sanitised
//! when a body is parsed, and again when it is rendered, because a stored block may have been
//! edited by hand since: [`render_html`] is safe whatever the blocks contain.

mod dom;
mod embed;
mod parse;
mod render;
mod sanitize;

use serde::{Deserialize, Serialize};

pub use parse::from_html;
pub use render::{plain_text, render_html};
pub use sanitize::sanitize_inline;

/// One block of an article body.
///
/// Fields named `html` hold inline HTML limited to the allow list of [`sanitize_inline`];
/// `caption`, `credit`, `alt` and `cite` are plain text.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Block {
    Paragraph {
        html: String,
    },
    /// `level` is 2, 3 or 4: the article title is the page's only `h1`.
    Heading {
        level: u8,
        html: String,
    },
    /// The paragraphs of a quotation, joined with `<br>`, and whom it is attributed to.
    Quote {
        html: String,
        cite: Option<String>,
    },
    List {
        ordered: bool,
        items: Vec<String>,
    },
    Image {
        src: String,
        alt: String,
        caption: Option<String>,
        credit: Option<String>,
        media_id: Option<i64>,
    },
    /// A post or video on another platform, rendered as a link the theme may turn into a
    /// player: nothing is loaded from the platform until the reader asks for it.
    Embed {
        url: String,
        provider: EmbedProvider,
    },
    Divider,
    /// Content that maps to no other block (tables, code listings), sanitised.
    Html {
        html: String,
    },
}

/// The platforms whose posts and videos can be embedded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EmbedProvider {
    Youtube,
    X,
    Facebook,
    Telegram,
    Instagram,
    Other,
}
