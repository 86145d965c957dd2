//! Reading WordPress exports (WXR 1.x) for Midad's importer: a streaming reader that hands
//! out the site header, authors, terms and items one at a time with bounded memory, and
//! the conversion of post content (classic text, blocks, shortcodes) into plain HTML.
//!
//! The reader refuses what is not a WordPress export, or is a dangerous one (DTDs, entity
//! tricks, endless text), with errors that tell a newsroom administrator what went wrong
//! and where. It reports a truncated file only at its end, so an importer reads the file
//! once to validate before it writes anything:
//!
//! ```no_run
//! use std::{fs::File, io::BufReader};
//! use midad_wordpress::{Entry, Limits, WxrReader};
//!
//! let file = BufReader::new(File::open("export.xml")?);
//! for entry in WxrReader::new(file, Limits::default()) {
//!     if let Entry::Item(item) = entry? {
//!         println!("{} {}", item.post_type, item.title);
//!     }
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod content;
mod dates;
mod error;
mod fields;
mod guard;
mod model;
mod percent;
mod php;
mod reader;
mod urls;

pub use content::{
    AttachmentInfo, AttachmentLookup, Attachments, Converted, ImageRef, NoAttachments,
    PostAttachments, content_to_html, rewrite_urls,
};
pub use dates::{item_time, local_to_utc, zone_agrees};
pub use error::{Position, ReadError, VisitError};
pub use model::{Author, Channel, Entry, Item, ItemTerm, Limits, PostMeta, Summary, Term};
pub use percent::percent_decode;
pub use php::{AttachmentFiles, attachment_files};
pub use reader::{WxrReader, read};
pub use urls::{LinkTarget, original_upload_path, post_link_target, upload_path};
