//! Article bodies as structured blocks: parsed from HTML on the way in, rendered to safe HTML
//! on the way out.
// Interim stub so the crate builds while the converter is written; replaced wholesale.
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Block {
    Paragraph { html: String },
    Heading { level: u8, html: String },
    Quote { html: String, cite: Option<String> },
    List { ordered: bool, items: Vec<String> },
    Image { src: String, alt: String, caption: Option<String>, credit: Option<String>, media_id: Option<i64> },
    Embed { url: String, provider: EmbedProvider },
    Divider,
    Html { html: String },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EmbedProvider { Youtube, X, Facebook, Telegram, Instagram, Other }

pub fn from_html(html: &str) -> Vec<Block> {
    html.split("\n\n").filter(|p| !p.trim().is_empty()).map(|p| Block::Paragraph { html: p.trim().to_string() }).collect()
}
pub fn render_html(blocks: &[Block]) -> String {
    blocks.iter().map(|b| match b { Block::Paragraph { html } => format!("<p>{html}</p>"), _ => String::new() }).collect()
}
pub fn plain_text(blocks: &[Block]) -> String {
    blocks.iter().map(|b| match b { Block::Paragraph { html } => html.clone(), _ => String::new() }).collect::<Vec<_>>().join("\n\n")
}
