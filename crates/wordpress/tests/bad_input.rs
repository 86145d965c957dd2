//! Files that are not sound exports are refused with an error that says why, fast and
//! without holding more than the limits allow.

mod common;

use std::cell::Cell;
use std::io::{self, BufReader, Read};
use std::rc::Rc;

use common::fixture_bytes;
use midad_wordpress::{Entry, Limits, ReadError, WxrReader};

/// Reads `input` to the first error, returning how many entries came before it.
fn first_error(input: &[u8]) -> (usize, ReadError) {
    first_error_with(input, Limits::default())
}

fn first_error_with(input: impl io::BufRead, limits: Limits) -> (usize, ReadError) {
    let mut reader = WxrReader::new(input, limits);
    let mut entries = 0;
    loop {
        match reader.next_entry() {
            Ok(Some(_)) => entries += 1,
            Ok(None) => panic!("read {entries} entries and no error"),
            Err(err) => {
                // After an error the reader stays stopped.
                assert!(matches!(reader.next_entry(), Ok(None)));
                return (entries, err);
            }
        }
    }
}

const HEADER: &str = r#"<?xml version="1.0" encoding="UTF-8" ?>
<rss version="2.0" xmlns:wp="http://wordpress.org/export/1.2/" xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel>
<title>Site</title>
<wp:wxr_version>1.2</wp:wxr_version>
"#;

#[test]
fn a_truncated_export_is_reported_at_its_end() {
    let bytes = fixture_bytes();
    let cut = &bytes[..bytes.len() / 2];
    let (entries, err) = first_error(cut);
    assert!(entries > 50, "entries before the end are read: {entries}");
    let ReadError::Truncated {
        at,
        inside,
        complete_items,
    } = &err
    else {
        panic!("expected a truncated export, got {err:?}");
    };
    assert_eq!(at.byte, cut.len() as u64);
    assert_eq!(
        at.line,
        1 + cut.iter().filter(|&&b| b == b'\n').count() as u64
    );
    assert_eq!(inside.as_deref(), Some("item"));
    assert!(*complete_items > 0);
    assert_eq!(err.code(), "truncated");
    let message = err.to_string();
    assert!(message.contains("The export is incomplete"), "{message}");
    assert!(message.contains("in the middle of <item>"), "{message}");
}

#[test]
fn every_cut_of_the_export_is_an_error() {
    let bytes = fixture_bytes();
    let end = bytes.len() - "</channel>\n</rss>\n\t".len();
    // Inside CDATA, a tag, a name, a text, just before the final closing tags.
    for cut in [7, 120, 2000, 3001, 30_000, 123_457, 500_001, 897_000, end] {
        let (_, err) = first_error(&bytes[..cut.min(bytes.len())]);
        assert!(
            matches!(err, ReadError::Truncated { .. } | ReadError::NotWxr { .. }),
            "cut at {cut}: {err:?}"
        );
    }
    let (_, err) = first_error(&bytes[..end]);
    assert!(
        matches!(err, ReadError::Truncated { inside: None, .. }),
        "{err:?}"
    );
}

#[test]
fn a_doctype_is_refused_before_anything_is_expanded() {
    let laughs = r#"<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<rss xmlns:wp="http://wordpress.org/export/1.2/"><channel><title>&lol9;</title></channel></rss>"#;
    let (entries, err) = first_error(laughs.as_bytes());
    assert_eq!(entries, 0);
    let ReadError::Doctype { at } = err else {
        panic!("expected the doctype refused, got {err:?}");
    };
    assert_eq!(at.byte, laughs.find("<!DOCTYPE").unwrap() as u64);
    assert_eq!(at.line, 2);

    let xxe = r#"<?xml version="1.0"?>
<!DOCTYPE rss [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>
<rss xmlns:wp="http://wordpress.org/export/1.2/"><channel><title>&xxe;</title></channel></rss>"#;
    let (entries, err) = first_error(xxe.as_bytes());
    assert_eq!(entries, 0);
    assert!(matches!(err, ReadError::Doctype { .. }), "{err:?}");
    assert!(err.to_string().contains("<!DOCTYPE"), "{err}");

    let external = r#"<!DOCTYPE rss SYSTEM "http://attacker.example/evil.dtd"><rss/>"#;
    assert!(matches!(
        first_error(external.as_bytes()).1,
        ReadError::Doctype { .. }
    ));
}

#[test]
fn unknown_entities_are_refused_even_without_a_doctype() {
    let xml = format!("{HEADER}<item><title>&lol9;</title></item></channel></rss>");
    let (entries, err) = first_error(xml.as_bytes());
    assert_eq!(entries, 1, "the channel came first");
    let ReadError::Entity { name, at } = &err else {
        panic!("expected the entity refused, got {err:?}");
    };
    assert_eq!(name, "lol9");
    assert_eq!(at.line, 6);
    // The five XML entities and character references are fine.
    let xml = format!(
        "{HEADER}<item><title>&lt;&gt;&amp;&quot;&apos;&#1575;&#x627;</title></item></channel></rss>"
    );
    let entries: Vec<Entry> = WxrReader::new(xml.as_bytes(), Limits::default())
        .collect::<Result<_, _>>()
        .expect("a valid export");
    let Entry::Item(item) = &entries[1] else {
        panic!("expected an item");
    };
    assert_eq!(item.title, "<>&\"'اا");
}

#[test]
fn other_files_are_not_exports() {
    let html = b"<!DOCTYPE html>\n<html><head><title>Log In</title></head><body></body></html>";
    let bare_html = b"<html><body><p>Error establishing a database connection</p></body></html>";
    let json = br#"{"posts": [{"id": 1, "title": "x"}]}"#;
    let feed = br#"<?xml version="1.0"?><rss version="2.0"><channel><title>Feed</title><item><title>x</title></item></channel></rss>"#;
    let atom = br#"<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"></feed>"#;
    let zip = b"PK\x03\x04\x14\x00\x00\x00";
    let text = "مرحبا بكم".as_bytes();
    for (name, input) in [
        ("html", &html[..]),
        ("bare html", &bare_html[..]),
        ("json", &json[..]),
        ("rss feed", &feed[..]),
        ("atom", &atom[..]),
        ("zip", &zip[..]),
        ("text", text),
        ("empty", b""),
        ("blank", b"  \n\n\t"),
        ("only a comment", b"<!-- nothing -->"),
    ] {
        let (entries, err) = first_error(input);
        assert_eq!(entries, 0, "{name}");
        assert!(matches!(err, ReadError::NotWxr { .. }), "{name}: {err:?}");
        assert_eq!(err.code(), "not_wxr");
        assert!(
            err.to_string().contains("not a WordPress export (WXR)"),
            "{name}: {err}"
        );
    }
    assert!(first_error(html).1.to_string().contains("HTML page"));
    assert!(first_error(zip).1.to_string().contains("ZIP"));
}

#[test]
fn a_channel_without_the_wordpress_namespace_is_not_an_export() {
    let xml = "<rss><channel><wp:wxr_version>1.2</wp:wxr_version><item/></channel></rss>";
    let (_, err) = first_error(xml.as_bytes());
    assert!(err.to_string().contains("xmlns:wp"), "{err}");
}

/// A reader of `length` copies of `byte`, made on the fly, that counts what it served.
struct Endless {
    byte: u8,
    remaining: u64,
    served: Rc<Cell<u64>>,
}

impl Endless {
    fn new(byte: u8, length: u64) -> (Self, Rc<Cell<u64>>) {
        let served = Rc::new(Cell::new(0));
        let endless = Endless {
            byte,
            remaining: length,
            served: Rc::clone(&served),
        };
        (endless, served)
    }
}

impl Read for Endless {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = buf
            .len()
            .min(usize::try_from(self.remaining).unwrap_or(usize::MAX));
        buf[..n].fill(self.byte);
        self.remaining -= n as u64;
        self.served.set(self.served.get() + n as u64);
        Ok(n)
    }
}

const HUGE: u64 = 300 * 1024 * 1024;
const MIB: u64 = 1024 * 1024;

#[test]
fn a_huge_file_without_markup_fails_at_its_first_byte() {
    let (endless, served) = Endless::new(b'a', HUGE);
    let (_, err) = first_error_with(BufReader::new(endless), Limits::default());
    assert!(matches!(err, ReadError::NotWxr { .. }), "{err:?}");
    assert!(served.get() <= 64 * 1024, "read {} bytes", served.get());
}

#[test]
fn a_huge_blank_file_fails_after_a_mebibyte() {
    let (endless, served) = Endless::new(b' ', HUGE);
    let (_, err) = first_error_with(BufReader::new(endless), Limits::default());
    assert!(matches!(err, ReadError::NotWxr { .. }), "{err:?}");
    assert!(served.get() <= 2 * MIB, "read {} bytes", served.get());
}

#[test]
fn endless_text_inside_an_export_stops_at_the_limit() {
    let limits = Limits {
        max_text: 4 * MIB as usize,
        ..Limits::default()
    };
    let header = format!("{HEADER}<item><title>");
    let (endless, served) = Endless::new(b'a', HUGE);
    let input = BufReader::new(io::Cursor::new(header.into_bytes()).chain(endless));
    let (entries, err) = first_error_with(input, limits);
    assert_eq!(entries, 1, "the channel came first");
    let ReadError::TooLarge { limit, at, .. } = &err else {
        panic!("expected too large, got {err:?}");
    };
    assert_eq!(*limit, 4 * MIB as usize);
    assert_eq!(at.line, 6);
    assert!(served.get() <= 5 * MIB, "read {} bytes", served.get());
    assert!(
        err.to_string().contains("larger than the limit of 4 MiB"),
        "{err}"
    );

    // The same inside CDATA, a comment, or a tag that never closes.
    for opening in ["<content:encoded><![CDATA[", "<!-- ", "<wp:post_id x=\""] {
        let header = format!("{HEADER}<item>{opening}");
        let (endless, served) = Endless::new(b'a', HUGE);
        let input = BufReader::new(io::Cursor::new(header.into_bytes()).chain(endless));
        let (_, err) = first_error_with(input, limits);
        assert!(
            matches!(err, ReadError::TooLarge { .. }),
            "{opening}: {err:?}"
        );
        assert!(
            served.get() <= 5 * MIB,
            "{opening}: read {} bytes",
            served.get()
        );
    }
}

#[test]
fn a_field_made_of_many_small_pieces_is_bounded_too() {
    let limits = Limits {
        max_text: 1000,
        ..Limits::default()
    };
    let pieces = "<![CDATA[0123456789]]>".repeat(200);
    let xml =
        format!("{HEADER}<item><content:encoded>{pieces}</content:encoded></item></channel></rss>");
    let (_, err) = first_error_with(xml.as_bytes(), limits);
    assert!(matches!(err, ReadError::TooLarge { .. }), "{err:?}");
}

#[test]
fn deep_nesting_is_refused() {
    let xml = format!("{HEADER}<item>{}", "<a>".repeat(100));
    let (_, err) = first_error(xml.as_bytes());
    assert!(
        matches!(err, ReadError::TooDeep { limit: 32, .. }),
        "{err:?}"
    );
}

#[test]
fn invalid_utf8_is_an_error_with_its_place() {
    let mut xml = format!("{HEADER}<item><title><![CDATA[abc").into_bytes();
    let bad_at = xml.len() as u64;
    xml.extend_from_slice(b"\xff\xfe]]></title></item></channel></rss>");
    let (_, err) = first_error(&xml);
    let ReadError::InvalidUtf8 { at } = err else {
        panic!("expected invalid UTF-8, got {err:?}");
    };
    assert_eq!(at.byte, bad_at);
    assert_eq!(at.line, 6);

    let mut xml = format!("{HEADER}<item><title>ab").into_bytes();
    xml.extend_from_slice(b"\xd8</title></item></channel></rss>");
    assert!(matches!(first_error(&xml).1, ReadError::InvalidUtf8 { .. }));

    let mut xml = format!("{HEADER}<item><wp:").into_bytes();
    xml.extend_from_slice(b"\xc3\x28>x</wp:\xc3\x28></item></channel></rss>");
    assert!(matches!(first_error(&xml).1, ReadError::InvalidUtf8 { .. }));
}

#[test]
fn other_encodings_are_refused() {
    let (_, err) = first_error(b"\xff\xfe<\x00r\x00s\x00s\x00");
    assert!(
        matches!(err, ReadError::UnsupportedEncoding { ref encoding, .. } if encoding == "UTF-16")
    );
    let latin = br#"<?xml version="1.0" encoding="ISO-8859-1"?><rss/>"#;
    let (_, err) = first_error(latin);
    assert!(err.to_string().contains("iconv -f ISO-8859-1"), "{err}");
}

#[test]
fn malformed_xml_names_the_line() {
    let xml = format!("{HEADER}<item>\n<title>x</titel>\n</item></channel></rss>");
    let (_, err) = first_error(xml.as_bytes());
    let ReadError::Malformed { at, detail } = &err else {
        panic!("expected malformed XML, got {err:?}");
    };
    assert_eq!(at.line, 7);
    assert!(detail.contains("titel"), "{detail}");
    assert!(
        err.to_string()
            .starts_with("The export is damaged at line 7"),
        "{err}"
    );

    let xml = format!("{HEADER}</channel></rss><rss>");
    assert!(matches!(
        first_error(xml.as_bytes()).1,
        ReadError::Malformed { .. }
    ));
    let xml = format!("{HEADER}<item><title>a & b</title></item></channel></rss>");
    assert!(matches!(
        first_error(xml.as_bytes()).1,
        ReadError::Malformed { .. }
    ));
}

#[test]
fn a_bom_and_blank_lines_before_the_export_are_fine() {
    let mut input = b"\xef\xbb\xbf\n\n  ".to_vec();
    input.extend_from_slice(&fixture_bytes());
    let summary = midad_wordpress::read(&input[..], Limits::default(), |_| Ok::<_, ()>(()))
        .expect("the export reads");
    assert_eq!(summary.items_of("post"), 150);
    assert_eq!(summary.bytes, input.len() as u64);
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    fn read_all(input: &[u8]) -> Result<usize, ReadError> {
        let limits = Limits {
            max_text: 4096,
            max_depth: 16,
            max_entry: 16_384,
        };
        WxrReader::new(input, limits).try_fold(0, |count, entry| entry.map(|_| count + 1))
    }

    proptest! {
        #[test]
        fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..600)) {
            let _ = read_all(&bytes);
            let mut input = HEADER.as_bytes().to_vec();
            input.extend_from_slice(b"<item>");
            input.extend_from_slice(&bytes);
            let _ = read_all(&input);
        }

        #[test]
        fn random_markup_never_panics(body in "(<[a-z:]{1,6}( [a-z]+=\"[^\"]{0,5}\")?/?>|</[a-z:]{1,6}>|<!\\[CDATA\\[[^\\]]{0,9}\\]\\]>|&[a-z#0-9]{0,4};|[^<&]{0,9}){0,40}") {
            let xml = format!("{HEADER}{body}</channel></rss>");
            let _ = read_all(xml.as_bytes());
        }

        #[test]
        fn every_prefix_of_a_small_export_is_an_error(cut in 0usize..400) {
            let xml = format!("{HEADER}<item><title><![CDATA[عنوان]]></title><wp:post_id>5</wp:post_id></item></channel></rss>");
            let cut = cut.min(xml.len() - 1);
            prop_assert!(read_all(&xml.as_bytes()[..cut]).is_err());
        }
    }
}

#[test]
fn garbage_after_a_first_angle_bracket_stops_within_a_mebibyte() {
    for opening in ["<", "<!-- ", "<?xml "] {
        let (endless, served) = Endless::new(b'a', HUGE);
        let input = BufReader::new(io::Cursor::new(opening.as_bytes().to_vec()).chain(endless));
        let (_, err) = first_error_with(input, Limits::default());
        assert!(
            matches!(err, ReadError::NotWxr { .. }),
            "{opening}: {err:?}"
        );
        assert!(
            served.get() <= 2 * MIB,
            "{opening}: read {} bytes",
            served.get()
        );
    }
}
