//! Highlighting: the matched words are marked in the text as it was written (diacritics
//! and all), everything else is escaped, so a snippet is safe HTML with only `<mark>`.

use crate::ParsedQuery;
use crate::analyzer::{Stemming, analyze};
use midad_core::html::push_escaped as escape_into;
use std::collections::HashSet;

pub(crate) struct Marker {
    normalized: HashSet<String>,
    stems: HashSet<String>,
    stemming: Stemming,
}

impl Marker {
    pub fn new(q: &ParsedQuery, stemming: Stemming) -> Marker {
        let (normalized, stems) = q.marked_forms();
        Marker {
            normalized: normalized.into_iter().collect(),
            stems: stems.into_iter().collect(),
            stemming,
        }
    }

    /// Byte spans of the words to mark.
    fn spans(&self, text: &str) -> Vec<(usize, usize)> {
        analyze(text, self.stemming)
            .into_iter()
            .filter(|t| !t.stop || self.normalized.contains(&t.normalized))
            .filter(|t| self.normalized.contains(&t.normalized) || self.stems.contains(&t.stem))
            .map(|t| (t.start, t.end))
            .collect()
    }

    fn render(text: &str, spans: &[(usize, usize)], from: usize, to: usize) -> String {
        let mut out = String::new();
        let mut at = from;
        for &(s, e) in spans.iter().filter(|(s, e)| *s >= from && *e <= to) {
            escape_into(&mut out, &text[at..s]);
            out.push_str("<mark>");
            escape_into(&mut out, &text[s..e]);
            out.push_str("</mark>");
            at = e;
        }
        escape_into(&mut out, &text[at..to]);
        out
    }

    pub fn mark_all(&self, text: &str) -> String {
        Marker::render(text, &self.spans(text), 0, text.len())
    }

    /// Whether a piece of text can hold a word to mark. With the light stemmer a stem is
    /// a slice of its normalised word, so a piece whose normalised text contains no stem and
    /// no marked form holds none: it is skipped after folding its letters, without
    /// tokenising and stemming it (a tenth of the cost). Snowball stems are not always
    /// slices of the word: every piece is analysed.
    fn may_match(&self, piece: &str) -> bool {
        if self.stemming != Stemming::Light {
            return true;
        }
        let folded = midad_arabic::normalize(piece);
        self.stems
            .iter()
            .chain(&self.normalized)
            .any(|w| !w.is_empty() && folded.contains(w.as_str()))
    }

    /// The first word to mark: the text is analysed a few hundred bytes at a time (cut at
    /// spaces, so no word is split) and the search stops at the first chunk with a match.
    /// Most matches are in the opening lines, so most snippets analyse only those; a chunk
    /// that cannot hold a match is not analysed at all.
    fn first_match(&self, text: &str) -> Option<usize> {
        const CHUNK: usize = 384;
        let mut from = 0;
        while from < text.len() {
            let mut to = (from + CHUNK).min(text.len());
            while !text.is_char_boundary(to) {
                to += 1;
            }
            if to < text.len() {
                to = text[to..]
                    .find(char::is_whitespace)
                    .map(|i| to + i)
                    .unwrap_or(text.len());
            }
            if self.may_match(&text[from..to])
                && let Some(&(s, _)) = self.spans(&text[from..to]).first()
            {
                return Some(from + s);
            }
            from = to;
        }
        None
    }

    /// About `max_chars` characters around the first match (or the start), cut at spaces.
    /// Only the first match's neighbourhood is analysed, then the window shown.
    pub fn snippet(&self, text: &str, max_chars: usize) -> String {
        let anchor = self.first_match(text).unwrap_or(0);
        // Start a little before the match, at a word boundary.
        let lead = 60;
        let mut start = anchor;
        let mut count = 0;
        for (i, c) in text[..anchor].char_indices().rev() {
            count += 1;
            start = i;
            if count >= lead {
                break;
            }
            let _ = c;
        }
        if start > 0
            && let Some((space, c)) = text[start..anchor]
                .char_indices()
                .find(|(_, c)| c.is_whitespace())
        {
            // Past the space, however many bytes it takes (a no-break space takes two).
            start += space + c.len_utf8();
        }
        let end = text[start..]
            .char_indices()
            .nth(max_chars)
            .map(|(i, _)| start + i)
            .unwrap_or(text.len());
        let end = if end < text.len() {
            text[start..end]
                .rfind(char::is_whitespace)
                .map(|i| start + i)
                .filter(|e| *e > anchor)
                .unwrap_or(end)
        } else {
            end
        };
        // The window starts and ends at spaces (or the text's ends): analysing it alone
        // finds the same words as analysing the whole text would.
        let spans: Vec<(usize, usize)> = self
            .spans(&text[start..end])
            .into_iter()
            .map(|(s, e)| (start + s, start + e))
            .collect();
        let mut out = String::new();
        if start > 0 {
            out.push_str("… ");
        }
        out.push_str(Marker::render(text, &spans, start, end).trim());
        if end < text.len() {
            out.push_str(" …");
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::query::parse_with;

    fn marker(q: &str) -> Marker {
        Marker::new(&parse_with(q, Stemming::Light).unwrap(), Stemming::Light)
    }

    #[test]
    fn a_match_deep_in_a_long_text_is_found_and_marked() {
        let filler = "كلام عام عن المدينة والناس. ".repeat(200);
        let text = format!("{filler}وأعلنت الحُكومةُ\u{00A0}خطتها الجديدة للطاقة. {filler}");
        let snippet = marker("الحكومة").snippet(&text, 120);
        assert!(snippet.contains("<mark>الحُكومةُ</mark>"), "{snippet}");
        assert!(snippet.starts_with("… ") && snippet.ends_with(" …"));
        // A no-break space before the window's start is stepped over whole.
        let nbsp = format!("{}\u{00A0}{}", "س".repeat(100), "الحكومة تعلن");
        let s = marker("تعلن").snippet(&nbsp, 240);
        assert!(s.contains("<mark>تعلن</mark>"), "{s}");
    }

    proptest::proptest! {
        /// Skipping the pieces that cannot hold a match finds the same first match as
        /// analysing the whole text, whatever the spelling (diacritics, hamza, ta marbuta,
        /// prefixes, digits) of the text and of the query.
        #[test]
        fn the_shortcut_finds_the_same_first_match(
            words in proptest::collection::vec(0usize..WORDS.len(), 1..400),
            query in 0usize..QUERIES.len(),
        ) {
            let text = words.iter().map(|i| WORDS[*i]).collect::<Vec<_>>().join(" ");
            let m = marker(QUERIES[query]);
            let full = m.spans(&text).first().map(|(s, _)| *s);
            proptest::prop_assert_eq!(m.first_match(&text), full);
        }
    }

    const WORDS: &[&str] = &[
        "الحُكومةُ",
        "والحكومات",
        "حكومه",
        "بالحكومة،",
        "أعلنت",
        "اعلنت",
        "إعلان",
        "الطاقة",
        "للطاقة.",
        "الشَّمسيّة",
        "مستشفى",
        "مستشفي",
        "٤٠",
        "40",
        "Green",
        "deal",
        "كلام",
        "عام",
        "عن",
        "المدينة",
        "والناس",
        "في",
        "من",
        "«الحكومة»",
        "ـــالحكومةـــ",
        "معلمين",
        "علم",
        "العلوم",
        "الوزير",
        "وزراء",
        "\u{00A0}",
        "ﻻ",
        "لا",
    ];
    const QUERIES: &[&str] = &[
        "الحكومة",
        "حكومة",
        "إعلان",
        "الطاقه الشمسية",
        "مستشفى",
        "40",
        "٤٠",
        "green",
        "علم",
        "\"الطاقة الشمسية\"",
        "وزير",
        "لا",
    ];

    #[test]
    fn without_a_match_in_the_body_the_snippet_is_the_opening() {
        let snippet = marker("زلزال").snippet("افتتح المهرجان أبوابه صباح اليوم.", 240);
        assert_eq!(snippet, "افتتح المهرجان أبوابه صباح اليوم.");
    }
}
