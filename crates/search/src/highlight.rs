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

    /// About `max_chars` characters around the first match (or the start), cut at spaces.
    pub fn snippet(&self, text: &str, max_chars: usize) -> String {
        // Most matches come early: look at the opening first, the whole text only if the
        // opening has none (a snippet only needs the first match and what follows it).
        let head = text
            .char_indices()
            .map(|(i, _)| i)
            .find(|i| *i >= 2048)
            .unwrap_or(text.len());
        let head = text[..head]
            .rfind(char::is_whitespace)
            .filter(|_| head < text.len())
            .unwrap_or(head);
        let mut spans = self.spans(&text[..head]);
        if spans.is_empty() && head < text.len() {
            spans = self.spans(text);
        }
        let anchor = spans.first().map(|s| s.0).unwrap_or(0);
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
            && let Some(space) = text[start..anchor].find(char::is_whitespace)
        {
            start += space + 1;
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
