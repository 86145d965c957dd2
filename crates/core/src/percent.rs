//! Percent-encoding, as URLs and form values carry text (RFC 3986).

/// Percent-encodes a URL component or a form value: the unreserved characters
/// (`A-Z a-z 0-9 - _ . ~`) stay as they are, every other byte becomes `%XX`.
pub fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Decodes `%XX` escapes. A sequence that does not decode to UTF-8 leaves the text as
/// written, so a bad address is looked up as it came rather than refused.
pub fn decode(s: &str) -> String {
    if !s.contains('%') {
        return s.to_string();
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2]))
        {
            out.push(h * 16 + l);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap_or_else(|_| s.to_string())
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reserved_and_non_ascii_bytes_are_escaped() {
        assert_eq!(encode("a b&c/د"), "a%20b%26c%2F%D8%AF");
        assert_eq!(encode("A-z_0.9~"), "A-z_0.9~");
        assert_eq!(decode(&encode("الحكومة ٤٠ & co")), "الحكومة ٤٠ & co");
    }

    #[test]
    fn bad_escapes_are_kept_as_written() {
        assert_eq!(decode("/a%zz"), "/a%zz");
        assert_eq!(decode("/a%"), "/a%");
        assert_eq!(decode("/%ff%fe"), "/%ff%fe");
        assert_eq!(decode("/%41"), "/A");
    }
}
