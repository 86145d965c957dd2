//! What can go wrong while reading an export, told so that a newsroom administrator knows
//! what to do next. Every error names where in the file it happened when that helps.

use std::fmt;

/// A place in the export file: the byte offset (from 0) and the line (from 1).
///
/// Both are given because an administrator opens the file in an editor (lines) while a
/// developer cuts it with `dd` or `head -c` (bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Position {
    pub byte: u64,
    pub line: u64,
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {} (byte {})", self.line, self.byte)
    }
}

/// Why an export could not be read. Once the reader has returned one of these it stops:
/// nothing it handed out before should be written anywhere, because the file as a whole is
/// not a sound export (the importer reads the whole file once to validate before writing).
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The file is something else: an HTML page, JSON, an RSS feed, random bytes.
    #[error(
        "This file is not a WordPress export (WXR): {reason}; seen at {at}. In WordPress, \
         use Tools → Export → All content and upload the .xml file it downloads."
    )]
    NotWxr { reason: String, at: Position },

    /// A `<!DOCTYPE …>`: WordPress never writes one, and it is the door to entity expansion
    /// ("billion laughs") and external entity (XXE) attacks, so it is refused unread.
    #[error(
        "The file contains a document type declaration (<!DOCTYPE …>) at {at}. WordPress \
         never writes one, and it can be used to attack the server, so the file was refused."
    )]
    Doctype { at: Position },

    /// An entity reference other than the five XML ones and numeric character references.
    #[error(
        "The file uses the entity reference &{name}; at {at}. WordPress exports only use \
         &amp;, &lt;, &gt;, &quot;, &apos; and numeric references, so the file was refused."
    )]
    Entity { name: String, at: Position },

    /// The file stops before `</channel></rss>`: the download or upload was cut short.
    #[error(
        "The export is incomplete: the file ends at {at}{}, after {complete_items} complete \
         items, without the closing </channel></rss>. The download or upload was probably cut \
         short; export again from WordPress and upload the whole file.",
        inside.as_deref().map(|name| format!(" in the middle of <{name}>")).unwrap_or_default()
    )]
    Truncated {
        at: Position,
        /// The innermost element of the export left open (`item`, `wp:author`, …), if any.
        inside: Option<String>,
        complete_items: usize,
    },

    /// The XML itself is broken (a tag not closed, a stray `<`, mismatched names).
    #[error(
        "The export is damaged at {at}: {detail}. The file may have been edited by hand or \
         changed by a plugin; export again from WordPress."
    )]
    Malformed { detail: String, at: Position },

    /// Bytes that are not UTF-8 text.
    #[error(
        "The export contains bytes that are not valid UTF-8 text at {at}. WordPress writes \
         UTF-8; the file may have been re-saved in another encoding or damaged."
    )]
    InvalidUtf8 { at: Position },

    /// An XML declaration (or byte order mark) naming an encoding other than UTF-8.
    #[error(
        "The export is written in the character encoding {encoding}; only UTF-8 exports can \
         be read. Convert it first (for example: iconv -f {encoding} -t UTF-8) or export \
         again from a site set to UTF-8."
    )]
    UnsupportedEncoding { encoding: String, at: Position },

    /// One piece of text, one tag, or one whole entry is larger than the configured limit.
    /// This is what stops a huge file with no markup from filling the memory.
    #[error(
        "At {at}, {what} is larger than the limit of {} MiB; this is not a WordPress export \
         or it is damaged.",
        limit / (1024 * 1024)
    )]
    TooLarge {
        what: &'static str,
        limit: usize,
        at: Position,
    },

    /// Elements nested deeper than any WordPress export nests them.
    #[error(
        "At {at}, elements are nested more than {limit} levels deep; WordPress exports are \
         only a few levels deep, so this is not one."
    )]
    TooDeep { limit: usize, at: Position },

    /// A field that must hold a number or a date holds something else.
    #[error("<{element}> at {at} holds «{value}», which is not {expected}.")]
    BadValue {
        element: String,
        value: String,
        expected: &'static str,
        at: Position,
    },

    /// The file could not be read at all (disk, network, permissions).
    #[error("Reading the export failed: {0}")]
    Io(#[source] std::io::Error),
}

impl ReadError {
    /// A stable snake_case code for the API and for translated messages; the English text
    /// above may be reworded, these codes may not.
    pub fn code(&self) -> &'static str {
        match self {
            ReadError::NotWxr { .. } => "not_wxr",
            ReadError::Doctype { .. } => "doctype_refused",
            ReadError::Entity { .. } => "entity_refused",
            ReadError::Truncated { .. } => "truncated",
            ReadError::Malformed { .. } => "malformed_xml",
            ReadError::InvalidUtf8 { .. } => "invalid_utf8",
            ReadError::UnsupportedEncoding { .. } => "unsupported_encoding",
            ReadError::TooLarge { .. } => "too_large",
            ReadError::TooDeep { .. } => "too_deep",
            ReadError::BadValue { .. } => "bad_value",
            ReadError::Io(_) => "io",
        }
    }

    /// Where in the file the problem is, when it is in one place.
    pub fn position(&self) -> Option<Position> {
        match self {
            ReadError::NotWxr { at, .. }
            | ReadError::Doctype { at }
            | ReadError::Entity { at, .. }
            | ReadError::Truncated { at, .. }
            | ReadError::Malformed { at, .. }
            | ReadError::InvalidUtf8 { at }
            | ReadError::UnsupportedEncoding { at, .. }
            | ReadError::TooLarge { at, .. }
            | ReadError::TooDeep { at, .. }
            | ReadError::BadValue { at, .. } => Some(*at),
            ReadError::Io(_) => None,
        }
    }
}

/// The failure of [`crate::read`]: either the export is unreadable, or the caller's own
/// function asked to stop. Kept apart so that the caller's error type comes back untouched.
#[derive(Debug, thiserror::Error)]
pub enum VisitError<E> {
    #[error(transparent)]
    Read(ReadError),
    #[error("stopped while handling an entry of the export: {0}")]
    Visitor(E),
}
