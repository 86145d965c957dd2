//! Percent-decoding of slugs and URL paths. WordPress stores non-Latin slugs encoded
//! (`%d8%a7%d9%82…`); Midad keeps them as the Arabic the newsroom typed.

use std::borrow::Cow;

/// Decodes `%XX` escapes into UTF-8 text.
///
/// Escapes that do not form valid UTF-8 (a lone `%d8`, a slug cut inside a character,
/// `%zz`, a `%` at the end) are kept exactly as written, so nothing is lost and the result
/// is always valid text. `+` stays `+`: slugs and paths are not form data.
pub fn percent_decode(input: &str) -> Cow<'_, str> {
    if !input.contains('%') {
        return Cow::Borrowed(input);
    }
    let bytes = input.as_bytes();
    let mut out = String::with_capacity(input.len());
    let mut i = 0;
    while i < bytes.len() {
        let run_end = escape_run_end(bytes, i);
        if run_end > i {
            decode_run(&input[i..run_end], &mut out);
            i = run_end;
        } else {
            // Copy up to the next `%`; the text between is already UTF-8 because it
            // comes from a `str`.
            let next = next_percent(bytes, i + 1);
            out.push_str(&input[i..next]);
            i = next;
        }
    }
    Cow::Owned(out)
}

fn next_percent(bytes: &[u8], from: usize) -> usize {
    bytes[from..]
        .iter()
        .position(|&b| b == b'%')
        .map_or(bytes.len(), |offset| from + offset)
}

/// The end of the run of consecutive well-formed `%XX` escapes starting at `start`
/// (`start` itself when there is none).
fn escape_run_end(bytes: &[u8], start: usize) -> usize {
    let mut end = start;
    while end + 2 < bytes.len()
        && bytes[end] == b'%'
        && hex(bytes[end + 1]).is_some()
        && hex(bytes[end + 2]).is_some()
    {
        end += 3;
    }
    end
}

/// Decodes a run of `%XX` escapes: the parts that are valid UTF-8 become text, each byte
/// of the parts that are not stays as its three written characters.
fn decode_run(run: &str, out: &mut String) {
    let raw = run.as_bytes();
    let decoded: Vec<u8> = raw
        .chunks(3)
        .filter_map(|escape| Some(hex(escape[1])? << 4 | hex(escape[2])?))
        .collect();
    let mut index = 0;
    for chunk in decoded.utf8_chunks() {
        out.push_str(chunk.valid());
        index += chunk.valid().len();
        for _ in chunk.invalid() {
            out.push_str(&run[index * 3..index * 3 + 3]);
            index += 1;
        }
    }
}

fn hex(byte: u8) -> Option<u8> {
    match byte {
        b'0'..=b'9' => Some(byte - b'0'),
        b'a'..=b'f' => Some(byte - b'a' + 10),
        b'A'..=b'F' => Some(byte - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn encode(text: &str) -> String {
        text.bytes().map(|b| format!("%{b:02x}")).collect()
    }

    proptest! {
        #[test]
        fn decoding_undoes_encoding(text in "\\PC{0,40}") {
            let encoded = encode(&text);
            prop_assert_eq!(percent_decode(&encoded).into_owned(), text);
        }

        #[test]
        fn text_without_escapes_is_kept(text in "[^%]{0,40}") {
            prop_assert_eq!(percent_decode(&text).into_owned(), text);
        }

        #[test]
        fn any_input_decodes_to_valid_text(text in "[%0-9a-fA-FxZ\u{627}]{0,40}") {
            // Valid UTF-8 by construction; what matters is no panic and no loss of
            // undecodable escapes.
            let decoded = percent_decode(&text);
            prop_assert!(decoded.len() <= text.len());
        }
    }

    #[test]
    fn decodes_an_arabic_slug() {
        assert_eq!(
            percent_decode("%d8%a7%d9%82%d8%aa%d8%b5%d8%a7%d8%af"),
            "اقتصاد"
        );
        assert_eq!(percent_decode("%D8%A7%D9%84-2025"), "ال-2025");
    }

    #[test]
    fn leaves_plain_text_borrowed() {
        assert!(matches!(
            percent_decode("dsc-0412"),
            Cow::Borrowed("dsc-0412")
        ));
    }

    #[test]
    fn keeps_invalid_sequences_as_written() {
        // A lone lead byte, a bad hex digit, a dangling percent, a cut character.
        assert_eq!(percent_decode("a%d8b"), "a%d8b");
        assert_eq!(percent_decode("100%zz"), "100%zz");
        assert_eq!(percent_decode("50%"), "50%");
        assert_eq!(percent_decode("5%2"), "5%2");
        assert_eq!(percent_decode("%d8%a7%d9"), "ا%d9");
        assert_eq!(percent_decode("%ff%d8%a7"), "%ffا");
    }

    #[test]
    fn decodes_ascii_escapes_and_emoji() {
        assert_eq!(percent_decode("a%20b%2Fc"), "a b/c");
        assert_eq!(percent_decode("%f0%9f%94%b4-x"), "🔴-x");
        assert_eq!(percent_decode("a+b"), "a+b");
    }
}
