//! The streaming WXR reader: quick-xml events in, one [`Entry`] at a time out, with the
//! whole file never in memory and every way a file can be wrong turned into a
//! [`ReadError`].
//!
//! The reader matches elements by their written names (`wp:post_id`, `content:encoded`) as
//! WordPress's own importer does; the prefixes are fixed by the exporter.

use std::borrow::Cow;
use std::collections::VecDeque;
use std::io::{self, BufRead};
use std::mem;

use quick_xml::Reader;
use quick_xml::errors::{Error as XmlError, IllFormedError, SyntaxError};
use quick_xml::events::{BytesRef, BytesStart, Event};

use crate::error::{Position, ReadError, VisitError};
use crate::fields::{ItemParts, preview, set_author_field, set_item_field, set_term_field};
use crate::guard::Guard;
use crate::model::{Author, Channel, Entry, Item, Limits, Summary, Term};

/// How far into the file the `<rss>` element may start. WordPress writes about 2 KiB of
/// comments before it; anything much longer is not an export.
const MAX_PROLOG: u64 = 1024 * 1024;

/// Reads `input` to the end, handing each entry to `visit` as soon as it is complete.
///
/// A [`ReadError`] can come after many entries (a truncated file is only noticed at its
/// end), so callers that write what they receive should first run a pass that only counts.
pub fn read<R: BufRead, E>(
    input: R,
    limits: Limits,
    mut visit: impl FnMut(Entry) -> Result<(), E>,
) -> Result<Summary, VisitError<E>> {
    let mut reader = WxrReader::new(input, limits);
    while let Some(entry) = reader.next_entry().map_err(VisitError::Read)? {
        visit(entry).map_err(VisitError::Visitor)?;
    }
    Ok(reader.into_summary())
}

/// A pull reader over an export; also an `Iterator` of `Result<Entry, ReadError>` that ends
/// after the first error.
pub struct WxrReader<R: BufRead> {
    xml: Reader<Guard<R>>,
    buf: Vec<u8>,
    limits: Limits,
    phase: Phase,
    /// Names of the open elements, root first.
    path: Vec<String>,
    /// Text of the innermost element, gathered from text, CDATA and references.
    text: String,
    channel: Channel,
    channel_opened: bool,
    channel_sent: bool,
    wp_namespace: bool,
    building: Building,
    entry_start: u64,
    /// Entries complete but not yet handed out (an empty element can finish two at once).
    ready: VecDeque<Entry>,
    /// Bytes skipped before quick-xml saw the input (BOM, blank lines).
    skipped: u64,
    /// Where the event being handled starts.
    event_at: Position,
    summary: Summary,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Nothing read yet: the first bytes still have to be checked.
    Start,
    /// Before the root element.
    Prolog,
    /// Inside `<rss>`.
    Root,
    /// After `</rss>`.
    Epilog,
    /// End of input reached or an error returned.
    Done,
}

/// The entry whose fields are being read.
enum Building {
    Nothing,
    Author(Author),
    Category(Term),
    Tag(Term),
    Term(Term),
    Item(Box<Item>, ItemParts),
}

impl<R: BufRead> WxrReader<R> {
    pub fn new(input: R, limits: Limits) -> Self {
        // Until `<rss>` opens, nothing in a real export is larger than its prolog.
        let prolog_limit = limits.max_text.min(MAX_PROLOG as usize);
        let mut xml = Reader::from_reader(Guard::new(input, prolog_limit));
        let config = xml.config_mut();
        config.check_end_names = true;
        config.expand_empty_elements = false;
        config.trim_text(false);
        WxrReader {
            xml,
            buf: Vec::new(),
            limits,
            phase: Phase::Start,
            path: Vec::new(),
            text: String::new(),
            channel: Channel::default(),
            channel_opened: false,
            channel_sent: false,
            wp_namespace: false,
            building: Building::Nothing,
            entry_start: 0,
            ready: VecDeque::new(),
            skipped: 0,
            event_at: Position { byte: 0, line: 1 },
            summary: Summary::default(),
        }
    }

    /// The next entry; `Ok(None)` once the export has been read to its end.
    pub fn next_entry(&mut self) -> Result<Option<Entry>, ReadError> {
        if self.phase == Phase::Done && self.ready.is_empty() {
            return Ok(None);
        }
        let result = self.advance();
        match &result {
            Ok(Some(entry)) => self.summary.count(entry),
            Ok(None) | Err(_) => {
                self.phase = Phase::Done;
                self.ready.clear();
            }
        }
        self.summary.bytes = self.xml.get_ref().consumed();
        result
    }

    /// What has been read so far.
    pub fn summary(&self) -> &Summary {
        &self.summary
    }

    pub fn into_summary(self) -> Summary {
        self.summary
    }

    /// Where the reader is in the file.
    pub fn position(&self) -> Position {
        self.here()
    }

    fn advance(&mut self) -> Result<Option<Entry>, ReadError> {
        if self.phase == Phase::Start {
            self.sniff()?;
            self.phase = Phase::Prolog;
        }
        loop {
            if let Some(entry) = self.ready.pop_front() {
                return Ok(Some(entry));
            }
            if self.phase == Phase::Done {
                return Ok(None);
            }
            self.next_event()?;
        }
    }

    fn here(&self) -> Position {
        Position {
            byte: self.skipped + self.xml.buffer_position(),
            line: self.xml.get_ref().line(),
        }
    }

    /// Reads one XML event and acts on it.
    fn next_event(&mut self) -> Result<(), ReadError> {
        let mut buf = mem::take(&mut self.buf);
        buf.clear();
        self.xml.get_mut().mark();
        self.event_at = self.here();
        let result = match self.xml.read_event_into(&mut buf) {
            Ok(event) => self.handle(event),
            Err(err) => {
                let at_end = self.at_end_of_input();
                Err(self.xml_error(err, at_end))
            }
        };
        self.buf = buf;
        result?;
        self.check_entry_size()
    }

    /// Checks the first bytes before quick-xml sees them: an export starts, after an
    /// optional byte order mark and blank lines, with `<`. Anything else is refused at once,
    /// whatever its size.
    fn sniff(&mut self) -> Result<(), ReadError> {
        let guard = self.xml.get_mut();
        let first = guard.fill_buf().map_err(ReadError::Io)?;
        if first.starts_with(&[0xEF, 0xBB, 0xBF]) {
            guard.consume(3);
        } else if first.starts_with(&[0xFF, 0xFE]) || first.starts_with(&[0xFE, 0xFF]) {
            return Err(ReadError::UnsupportedEncoding {
                encoding: "UTF-16".into(),
                at: Position { byte: 0, line: 1 },
            });
        }
        loop {
            guard.mark();
            let at = Position {
                byte: guard.consumed(),
                line: guard.line(),
            };
            let available = guard.fill_buf().map_err(ReadError::Io)?;
            if available.is_empty() {
                let reason = if at.byte == 0 {
                    "the file is empty"
                } else {
                    "the file holds nothing but blank space"
                };
                return Err(not_wxr(reason, at));
            }
            let blank = available
                .iter()
                .take_while(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
                .count();
            let verdict = available
                .get(blank)
                .map(|&first| (first == b'<', describe_start(&available[blank..])));
            guard.consume(blank);
            self.skipped = guard.consumed();
            match verdict {
                Some((true, _)) => return Ok(()),
                Some((false, reason)) => {
                    let at = Position {
                        byte: guard.consumed(),
                        line: guard.line(),
                    };
                    return Err(not_wxr(reason, at));
                }
                None if self.skipped > MAX_PROLOG => {
                    return Err(not_wxr("it begins with more than 1 MiB of blank space", at));
                }
                None => {}
            }
        }
    }

    fn handle(&mut self, event: Event<'_>) -> Result<(), ReadError> {
        match event {
            Event::Start(start) => self.start(&start),
            Event::Empty(start) => {
                self.start(&start)?;
                self.end()
            }
            Event::End(_) => self.end(),
            Event::Text(text) => self.push_text(&text, 0),
            Event::CData(cdata) => self.push_text(&cdata, "<![CDATA[".len() as u64),
            Event::GeneralRef(reference) => self.push_reference(&reference),
            Event::DocType(doctype) => Err(self.doctype_error(&doctype)),
            Event::Decl(decl) => self.check_declaration(&decl),
            Event::Comment(_) | Event::PI(_) => self.check_prolog_length(),
            Event::Eof => self.end_of_input(),
        }
    }

    fn start(&mut self, start: &BytesStart<'_>) -> Result<(), ReadError> {
        let name = self.element_name(start.name().as_ref())?;
        if self.path.len() >= self.limits.max_depth {
            return Err(ReadError::TooDeep {
                limit: self.limits.max_depth,
                at: self.event_at,
            });
        }
        match self.phase {
            Phase::Prolog => self.open_root(&name, start)?,
            Phase::Epilog => {
                return Err(ReadError::Malformed {
                    detail: format!("there is a <{name}> after the closing </rss>"),
                    at: self.event_at,
                });
            }
            _ => self.open_inside(&name, start)?,
        }
        self.path.push(name);
        self.text.clear();
        Ok(())
    }

    fn open_root(&mut self, name: &str, start: &BytesStart<'_>) -> Result<(), ReadError> {
        if name != "rss" {
            let reason = if name.eq_ignore_ascii_case("html") {
                "it is an HTML page (perhaps a login or error page saved instead of the export)"
                    .to_string()
            } else {
                format!("its main element is <{name}>, where a WordPress export has <rss>")
            };
            return Err(not_wxr(reason, self.event_at));
        }
        self.note_namespaces(start)?;
        self.phase = Phase::Root;
        self.xml.get_mut().set_limit(self.limits.max_text);
        Ok(())
    }

    fn open_inside(&mut self, name: &str, start: &BytesStart<'_>) -> Result<(), ReadError> {
        match self.path.len() {
            1 if name != "channel" || self.channel_opened => {
                return Err(not_wxr(
                    format!("<rss> holds <{name}> where a WordPress export has one <channel>"),
                    self.event_at,
                ));
            }
            1 => {
                self.channel_opened = true;
                self.note_namespaces(start)?;
            }
            2 => self.open_entry(name)?,
            3 => self.open_field(name, start)?,
            _ => {}
        }
        Ok(())
    }

    /// A child of `<channel>`: either a header field or the start of an entry.
    fn open_entry(&mut self, name: &str) -> Result<(), ReadError> {
        let building = match name {
            "item" => Building::Item(
                Box::new(Item {
                    post_type: String::new(),
                    ..Item::default()
                }),
                ItemParts::default(),
            ),
            "wp:author" => Building::Author(Author::default()),
            "wp:category" => Building::Category(Term {
                taxonomy: "category".into(),
                ..Term::default()
            }),
            "wp:tag" => Building::Tag(Term {
                taxonomy: "post_tag".into(),
                ..Term::default()
            }),
            "wp:term" => Building::Term(Term::default()),
            _ => return Ok(()),
        };
        self.send_channel()?;
        self.building = building;
        self.entry_start = self.event_at.byte;
        Ok(())
    }

    /// A field of an entry: only items have fields that need their attributes or that
    /// must be counted as they open.
    fn open_field(&mut self, name: &str, start: &BytesStart<'_>) -> Result<(), ReadError> {
        let Building::Item(item, parts) = &mut self.building else {
            return Ok(());
        };
        match name {
            "category" => {
                let at = self.event_at;
                parts.category = (
                    attribute(start, b"domain", at)?.unwrap_or_else(|| "category".into()),
                    attribute(start, b"nicename", at)?.unwrap_or_default(),
                );
            }
            "wp:comment" => item.comments += 1,
            "wp:postmeta" => {
                parts.meta_key.clear();
                parts.meta_value.clear();
            }
            _ => {}
        }
        Ok(())
    }

    fn end(&mut self) -> Result<(), ReadError> {
        let Some(name) = self.path.pop() else {
            return Err(ReadError::Malformed {
                detail: "a closing tag has no opening tag".into(),
                at: self.event_at,
            });
        };
        let text = mem::take(&mut self.text);
        match self.path.len() {
            0 => self.close_root(),
            1 => self.send_channel(),
            2 => self.close_entry_or_header(&name, text),
            3 => self.close_field(&name, text),
            4 => {
                self.close_subfield(&name, text);
                Ok(())
            }
            _ => Ok(()),
        }
    }

    fn close_root(&mut self) -> Result<(), ReadError> {
        if !self.channel_opened {
            return Err(not_wxr(
                "its <rss> element holds no <channel>",
                self.event_at,
            ));
        }
        self.phase = Phase::Epilog;
        Ok(())
    }

    fn close_entry_or_header(&mut self, name: &str, text: String) -> Result<(), ReadError> {
        let entry = match (mem::replace(&mut self.building, Building::Nothing), name) {
            (Building::Author(author), "wp:author") => Entry::Author(author),
            (Building::Category(term), "wp:category") => Entry::Category(term),
            (Building::Tag(term), "wp:tag") => Entry::Tag(term),
            (Building::Term(term), "wp:term") => Entry::Term(term),
            (Building::Item(mut item, _), "item") => {
                if item.post_type.is_empty() {
                    item.post_type = "post".into();
                }
                Entry::Item(item)
            }
            (building, _) => {
                self.building = building;
                if !self.channel_sent {
                    self.set_channel_field(name, text);
                }
                return Ok(());
            }
        };
        self.ready.push_back(entry);
        Ok(())
    }

    fn set_channel_field(&mut self, name: &str, text: String) {
        let channel = &mut self.channel;
        let field = match name {
            "title" => &mut channel.title,
            "link" => &mut channel.link,
            "description" => &mut channel.description,
            "language" => &mut channel.language,
            "wp:wxr_version" => &mut channel.wxr_version,
            "wp:base_site_url" => &mut channel.base_site_url,
            "wp:base_blog_url" => &mut channel.base_blog_url,
            _ => return,
        };
        *field = text.trim().to_string();
    }

    /// Hands out the channel header once, at the first entry or at `</channel>`, after
    /// checking that it is a WordPress export's header.
    fn send_channel(&mut self) -> Result<(), ReadError> {
        if self.channel_sent {
            return Ok(());
        }
        let version = &self.channel.wxr_version;
        if version.is_empty() {
            return Err(not_wxr(
                "it has no <wp:wxr_version> before its first entry (it may be an ordinary RSS feed)",
                self.event_at,
            ));
        }
        if !is_wxr_version(version) {
            return Err(not_wxr(
                format!("it names the unknown export version «{version}»"),
                self.event_at,
            ));
        }
        if !self.wp_namespace {
            return Err(not_wxr(
                "it does not declare the WordPress export namespace (xmlns:wp)",
                self.event_at,
            ));
        }
        self.channel_sent = true;
        self.ready
            .push_back(Entry::Channel(mem::take(&mut self.channel)));
        Ok(())
    }

    fn close_field(&mut self, name: &str, text: String) -> Result<(), ReadError> {
        let at = self.event_at;
        match &mut self.building {
            Building::Nothing => Ok(()),
            Building::Author(author) => set_author_field(author, name, text, at),
            Building::Category(term) | Building::Tag(term) | Building::Term(term) => {
                set_term_field(term, name, text, at)
            }
            Building::Item(item, parts) => set_item_field(item, parts, name, text, at),
        }
    }

    fn close_subfield(&mut self, name: &str, text: String) {
        let Building::Item(_, parts) = &mut self.building else {
            return;
        };
        if self.path.get(3).map(String::as_str) != Some("wp:postmeta") {
            return;
        }
        match name {
            "wp:meta_key" => parts.meta_key = text,
            "wp:meta_value" => parts.meta_value = text,
            _ => {}
        }
    }

    fn push_text(&mut self, raw: &[u8], prefix: u64) -> Result<(), ReadError> {
        let text = std::str::from_utf8(raw).map_err(|err| ReadError::InvalidUtf8 {
            at: Position {
                byte: self.event_at.byte + prefix + err.valid_up_to() as u64,
                line: self.event_at.line,
            },
        })?;
        match self.phase {
            Phase::Root => self.append(text),
            _ if text.trim().is_empty() => self.check_prolog_length(),
            Phase::Epilog => Err(ReadError::Malformed {
                detail: "there is text after the closing </rss>".into(),
                at: self.event_at,
            }),
            _ => Err(not_wxr(
                format!("it begins with «{}»", preview(text)),
                self.event_at,
            )),
        }
    }

    /// Adds text to the current element, turning CR LF and lone CR into LF as XML
    /// requires (WordPress keeps Windows line ends from the editor inside CDATA).
    fn append(&mut self, text: &str) -> Result<(), ReadError> {
        if text.contains('\r') {
            self.text
                .push_str(&text.replace("\r\n", "\n").replace('\r', "\n"));
        } else {
            self.text.push_str(text);
        }
        if self.text.len() > self.limits.max_text {
            return Err(ReadError::TooLarge {
                what: "the text of one field",
                limit: self.limits.max_text,
                at: self.event_at,
            });
        }
        Ok(())
    }

    fn push_reference(&mut self, reference: &BytesRef<'_>) -> Result<(), ReadError> {
        let name = std::str::from_utf8(reference)
            .map_err(|_| ReadError::InvalidUtf8 { at: self.event_at })?;
        let resolved = resolve_reference(name, self.event_at)?;
        if self.phase != Phase::Root {
            return Err(not_wxr(
                format!("it begins with the text «&{name};»"),
                self.event_at,
            ));
        }
        let mut encoded = [0; 4];
        self.append(resolved.encode_utf8(&mut encoded))
    }

    fn doctype_error(&self, doctype: &[u8]) -> ReadError {
        let is_html = doctype
            .trim_ascii_start()
            .get(..4)
            .is_some_and(|word| word.eq_ignore_ascii_case(b"html"));
        if self.phase == Phase::Prolog && is_html {
            not_wxr(
                "it is an HTML page (perhaps a login or error page saved instead of the export)",
                self.event_at,
            )
        } else {
            ReadError::Doctype { at: self.event_at }
        }
    }

    fn check_declaration(
        &mut self,
        decl: &quick_xml::events::BytesDecl<'_>,
    ) -> Result<(), ReadError> {
        let Some(Ok(encoding)) = decl.encoding() else {
            return Ok(());
        };
        let encoding = String::from_utf8_lossy(&encoding).into_owned();
        if encoding.eq_ignore_ascii_case("utf-8") || encoding.eq_ignore_ascii_case("utf8") {
            Ok(())
        } else {
            Err(ReadError::UnsupportedEncoding {
                encoding,
                at: self.event_at,
            })
        }
    }

    /// Comments and blank text before `<rss>` are fine, but not a megabyte of them.
    fn check_prolog_length(&self) -> Result<(), ReadError> {
        if self.phase == Phase::Prolog && self.event_at.byte > MAX_PROLOG {
            return Err(not_wxr(
                "no <rss> element starts in its first MiB",
                self.event_at,
            ));
        }
        Ok(())
    }

    fn end_of_input(&mut self) -> Result<(), ReadError> {
        match self.phase {
            Phase::Root => Err(self.truncated()),
            Phase::Prolog => Err(not_wxr("it holds no XML elements", self.event_at)),
            _ => {
                self.phase = Phase::Done;
                Ok(())
            }
        }
    }

    fn truncated(&self) -> ReadError {
        let guard = self.xml.get_ref();
        ReadError::Truncated {
            at: Position {
                byte: guard.consumed(),
                line: guard.line(),
            },
            inside: self.path.get(2).cloned(),
            complete_items: self.summary.items.values().sum(),
        }
    }

    fn check_entry_size(&self) -> Result<(), ReadError> {
        if matches!(self.building, Building::Nothing) {
            return Ok(());
        }
        let size = self.here().byte.saturating_sub(self.entry_start);
        if size > self.limits.max_entry as u64 {
            return Err(ReadError::TooLarge {
                what: "one entry (an item, author or term)",
                limit: self.limits.max_entry,
                at: self.event_at,
            });
        }
        Ok(())
    }

    fn element_name(&self, raw: &[u8]) -> Result<String, ReadError> {
        std::str::from_utf8(raw)
            .map(str::to_string)
            .map_err(|_| ReadError::InvalidUtf8 { at: self.event_at })
    }

    /// Remembers whether `xmlns:wp` names the WordPress export namespace.
    fn note_namespaces(&mut self, start: &BytesStart<'_>) -> Result<(), ReadError> {
        if let Some(uri) = attribute(start, b"xmlns:wp", self.event_at)? {
            if !uri.contains("wordpress.org/export/") {
                return Err(not_wxr(
                    format!("its wp: namespace is «{uri}», not WordPress's export namespace"),
                    self.event_at,
                ));
            }
            self.wp_namespace = true;
        }
        Ok(())
    }

    /// Whether the input is used up: a markup left open there means the file was cut.
    fn at_end_of_input(&mut self) -> bool {
        let guard = self.xml.get_mut();
        guard.mark();
        guard.fill_buf().is_ok_and(|rest| rest.is_empty())
    }

    fn xml_error(&self, err: XmlError, at_end: bool) -> ReadError {
        let at = Position {
            byte: self.skipped + self.xml.error_position(),
            line: self.event_at.line,
        };
        match err {
            XmlError::Io(_) if self.xml.get_ref().tripped() && self.phase == Phase::Prolog => {
                not_wxr("no <rss> element starts in its first MiB", self.event_at)
            }
            XmlError::Io(_) if self.xml.get_ref().tripped() => ReadError::TooLarge {
                what: "a single piece of text or markup",
                limit: self.limits.max_text,
                at: self.event_at,
            },
            XmlError::Io(err) => ReadError::Io(
                std::sync::Arc::try_unwrap(err)
                    .unwrap_or_else(|shared| io::Error::new(shared.kind(), shared.to_string())),
            ),
            XmlError::Encoding(_) => ReadError::InvalidUtf8 { at },
            err if self.phase == Phase::Prolog => {
                not_wxr(format!("it is not well-formed XML ({err})"), at)
            }
            XmlError::Syntax(
                SyntaxError::UnclosedCData
                | SyntaxError::UnclosedComment
                | SyntaxError::UnclosedDoctype
                | SyntaxError::UnclosedPIOrXmlDecl
                | SyntaxError::UnclosedTag,
            )
            | XmlError::IllFormed(IllFormedError::UnclosedReference)
                if self.phase == Phase::Root && at_end =>
            {
                self.truncated()
            }
            err => ReadError::Malformed {
                detail: err.to_string(),
                at,
            },
        }
    }
}

impl<R: BufRead> Iterator for WxrReader<R> {
    type Item = Result<Entry, ReadError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.next_entry().transpose()
    }
}

fn not_wxr(reason: impl Into<String>, at: Position) -> ReadError {
    ReadError::NotWxr {
        reason: reason.into(),
        at,
    }
}

/// WordPress's importer accepts any `major.minor` version; so does this reader.
fn is_wxr_version(version: &str) -> bool {
    let mut parts = version.split('.');
    let all_digits = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
    matches!(
        (parts.next(), parts.next(), parts.next()),
        (Some(major), Some(minor), None) if all_digits(major) && all_digits(minor)
    )
}

/// Names what a file that does not start with `<` seems to be.
fn describe_start(bytes: &[u8]) -> String {
    let reason = if bytes.starts_with(b"PK\x03\x04") {
        "it is a ZIP archive; unzip it and upload the .xml file inside"
    } else if bytes.starts_with(&[0x1F, 0x8B]) {
        "it is compressed with gzip; decompress it and upload the .xml file"
    } else if bytes.starts_with(b"%PDF") {
        "it is a PDF document"
    } else if bytes.starts_with(b"{") || bytes.starts_with(b"[") {
        "it begins with «{» or «[», like a JSON file"
    } else {
        "it does not begin with «<», as every XML file does"
    };
    reason.to_string()
}

/// The character an entity or character reference stands for. Only the five entities of
/// XML itself exist without a DTD, and a DTD is never accepted.
fn resolve_reference(name: &str, at: Position) -> Result<char, ReadError> {
    if let Some(number) = name.strip_prefix('#') {
        let parsed = match number.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16),
            None => number.parse(),
        };
        return parsed
            .ok()
            .and_then(char::from_u32)
            .filter(|&c| c != '\0')
            .ok_or_else(|| ReadError::Malformed {
                detail: format!("&{name}; is not a valid character reference"),
                at,
            });
    }
    match name {
        "lt" => Ok('<'),
        "gt" => Ok('>'),
        "amp" => Ok('&'),
        "apos" => Ok('\''),
        "quot" => Ok('"'),
        _ => Err(ReadError::Entity {
            name: name.chars().take(40).collect(),
            at,
        }),
    }
}

/// The value of one attribute, with its references resolved.
fn attribute(
    start: &BytesStart<'_>,
    key: &[u8],
    at: Position,
) -> Result<Option<String>, ReadError> {
    for attr in start.attributes() {
        let attr = attr.map_err(|err| ReadError::Malformed {
            detail: err.to_string(),
            at,
        })?;
        if attr.key.as_ref() != key {
            continue;
        }
        let raw = std::str::from_utf8(&attr.value).map_err(|_| ReadError::InvalidUtf8 { at })?;
        return unescape(raw, at).map(|value| Some(value.into_owned()));
    }
    Ok(None)
}

/// Resolves the references in an attribute value.
fn unescape(raw: &str, at: Position) -> Result<Cow<'_, str>, ReadError> {
    if !raw.contains('&') {
        return Ok(Cow::Borrowed(raw));
    }
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        let Some(semicolon) = after.find(';') else {
            return Err(ReadError::Malformed {
                detail: "an attribute value holds a lone «&»".into(),
                at,
            });
        };
        out.push(resolve_reference(&after[..semicolon], at)?);
        rest = &after[semicolon + 1..];
    }
    out.push_str(rest);
    Ok(Cow::Owned(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(xml: &str) -> Result<Vec<Entry>, ReadError> {
        WxrReader::new(xml.as_bytes(), Limits::default()).collect()
    }

    const HEADER: &str = r#"<?xml version="1.0" encoding="UTF-8" ?>
<rss version="2.0" xmlns:wp="http://wordpress.org/export/1.2/" xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel><title>T</title><wp:wxr_version>1.2</wp:wxr_version>
<wp:base_site_url>http://example.com</wp:base_site_url>"#;

    #[test]
    fn reads_escaped_text_and_split_cdata() {
        let xml = format!(
            "{HEADER}<item><title>A &amp; B &#x627;</title>\
             <content:encoded><![CDATA[x ]]]]><![CDATA[> y]]></content:encoded>\
             <wp:post_id>7</wp:post_id></item></channel></rss>"
        );
        let entries = entries(&xml).unwrap();
        let Entry::Item(item) = &entries[1] else {
            panic!("expected an item, got {entries:?}");
        };
        assert_eq!(item.title, "A & B ا");
        assert_eq!(item.content, "x ]]> y");
        assert_eq!(item.post_id, 7);
        assert_eq!(item.post_type, "post");
    }

    #[test]
    fn channel_comes_first_even_without_entries() {
        let xml = format!("{HEADER}</channel></rss>");
        let entries = entries(&xml).unwrap();
        assert_eq!(entries.len(), 1);
        let Entry::Channel(channel) = &entries[0] else {
            panic!("expected the channel");
        };
        assert_eq!(channel.wxr_version, "1.2");
        assert_eq!(channel.base_site_url, "http://example.com");
    }

    #[test]
    fn empty_elements_and_windows_line_ends() {
        let xml = format!(
            "{HEADER}<item><wp:post_name/><content:encoded><![CDATA[a\r\nb\rc]]></content:encoded>\
             <category domain=\"post_tag\" nicename=\"%d9%84\"/></item></channel></rss>"
        );
        let entries = entries(&xml).unwrap();
        let Entry::Item(item) = &entries[1] else {
            panic!("expected an item");
        };
        assert_eq!(item.content, "a\nb\nc");
        assert_eq!(item.categories[0].slug, "ل");
        assert_eq!(item.categories[0].domain, "post_tag");
    }

    #[test]
    fn a_feed_without_wxr_version_is_not_an_export() {
        let xml = r#"<rss version="2.0"><channel><title>Feed</title><item><title>x</title></item></channel></rss>"#;
        assert!(matches!(entries(xml), Err(ReadError::NotWxr { .. })));
    }

    #[test]
    fn bad_numbers_and_dates_name_the_field() {
        let xml = format!("{HEADER}<item><wp:post_id>abc</wp:post_id></item></channel></rss>");
        let err = entries(&xml).unwrap_err();
        assert!(
            matches!(&err, ReadError::BadValue { element, .. } if element == "wp:post_id"),
            "{err:?}"
        );
        let xml = format!(
            "{HEADER}<item><wp:post_date>2025-13-45 99:00:00</wp:post_date></item></channel></rss>"
        );
        let err = entries(&xml).unwrap_err();
        assert!(err.to_string().contains("wp:post_date"), "{err}");
    }

    #[test]
    fn unknown_entity_in_attribute_is_refused() {
        let xml = format!(
            "{HEADER}<item><category domain=\"&ent;\" nicename=\"x\">c</category></item></channel></rss>"
        );
        assert!(matches!(entries(&xml), Err(ReadError::Entity { name, .. }) if name == "ent"));
    }

    #[test]
    fn declared_legacy_encoding_is_refused() {
        let xml = r#"<?xml version="1.0" encoding="windows-1256"?><rss/>"#;
        assert!(matches!(
            entries(xml),
            Err(ReadError::UnsupportedEncoding { encoding, .. }) if encoding == "windows-1256"
        ));
    }

    #[test]
    fn versions() {
        assert!(is_wxr_version("1.2"));
        assert!(is_wxr_version("1.0"));
        assert!(!is_wxr_version("1"));
        assert!(!is_wxr_version("1.2.3"));
        assert!(!is_wxr_version("a.b"));
    }
}
