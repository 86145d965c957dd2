//! What a reader types, understood: words, "quoted phrases" and -exclusions, analysed with
//! the index's own analyzer, and turned into a tantivy query.

use crate::Fields;
use crate::analyzer::{Stemming, analyze, pair_term, stem_term};
use crate::pairs::{Choice, Frequent};
use crate::ranked::Ranked;
use tantivy::query::{BooleanQuery, Occur, PhraseQuery, Query, RegexQuery, TermQuery};
use tantivy::schema::IndexRecordOption;
use tantivy::{Score, Term};

/// Longer queries are refused rather than silently cut.
pub const MAX_QUERY_CHARS: usize = 500;

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum QueryError {
    #[error("empty_query")]
    Empty,
    #[error("query_too_long")]
    TooLong,
}

impl QueryError {
    /// The stable code of the JSON API.
    pub fn code(&self) -> &'static str {
        match self {
            QueryError::Empty => "empty_query",
            QueryError::TooLong => "query_too_long",
        }
    }

    pub fn message_ar(&self) -> &'static str {
        match self {
            QueryError::Empty => "اكتب كلمة للبحث عنها",
            QueryError::TooLong => "نص البحث أطول من المسموح (٥٠٠ حرف)",
        }
    }
}

/// One analysed word of the query.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Word {
    pub normalized: String,
    pub stem: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ParsedQuery {
    /// Every one must match (in title, text or tags, as a word or a stem).
    pub words: Vec<Word>,
    /// Each must appear with its words adjacent and in order (positions relative),
    /// prefixes and suffixes aside. Stop words are left out, their places kept: a phrase
    /// has at least two words.
    pub phrases: Vec<Vec<(usize, Word)>>,
    /// None may match.
    pub excluded: Vec<Word>,
}

fn is_separator_control(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

fn words_of(text: &str, keep_stop: bool, stemming: Stemming) -> Vec<(usize, Word)> {
    let tokens = analyze(text, stemming);
    let all_stop = tokens.iter().all(|t| t.stop);
    tokens
        .into_iter()
        .filter(|t| keep_stop || all_stop || !t.stop)
        .map(|t| {
            (
                t.position,
                Word {
                    normalized: t.normalized,
                    stem: t.stem,
                },
            )
        })
        .collect()
}

/// Splits and analyses a query. Unbalanced quotes close at the end; a lone `-` is ignored.
pub fn parse(raw: &str) -> Result<ParsedQuery, QueryError> {
    parse_with(raw, Stemming::Light)
}

pub(crate) fn parse_with(raw: &str, stemming: Stemming) -> Result<ParsedQuery, QueryError> {
    if raw.chars().count() > MAX_QUERY_CHARS {
        return Err(QueryError::TooLong);
    }
    let cleaned: String = raw
        .chars()
        .map(|c| if is_separator_control(c) { ' ' } else { c })
        .collect();
    let mut parsed = ParsedQuery::default();
    let mut plain = String::new();
    let mut rest = cleaned.as_str();
    while let Some(open) = rest.find(['"', '«', '“']) {
        plain.push_str(&rest[..open]);
        plain.push(' ');
        let after = &rest[open..];
        let quote_len = after.chars().next().map(char::len_utf8).unwrap_or(1);
        let inner = &after[quote_len..];
        let close = inner.find(['"', '»', '”']).unwrap_or(inner.len());
        let phrase = words_of(&inner[..close], false, stemming);
        match phrase.len() {
            0 => {}
            1 => parsed.words.extend(phrase.into_iter().map(|(_, w)| w)),
            _ => {
                // Relative positions, so the phrase can start anywhere.
                let first = phrase[0].0;
                parsed
                    .phrases
                    .push(phrase.into_iter().map(|(p, w)| (p - first, w)).collect());
            }
        }
        let skip = inner[close..]
            .chars()
            .next()
            .map(char::len_utf8)
            .unwrap_or(0);
        rest = &inner[close + skip..];
    }
    plain.push_str(rest);
    for part in plain.split_whitespace() {
        if let Some(excluded) = part.strip_prefix('-') {
            parsed.excluded.extend(
                words_of(excluded, true, stemming)
                    .into_iter()
                    .map(|(_, w)| w),
            );
        } else {
            parsed
                .words
                .extend(words_of(part, false, stemming).into_iter().map(|(_, w)| w));
        }
    }
    // Stop words alone ("في") are kept when nothing else was typed.
    if parsed.words.is_empty() && parsed.phrases.is_empty() {
        return Err(QueryError::Empty);
    }
    Ok(parsed)
}

fn term(field: tantivy::schema::Field, text: &str) -> Box<dyn Query> {
    Box::new(TermQuery::new(
        Term::from_field_text(field, text),
        IndexRecordOption::WithFreqs,
    ))
}

/// Documents holding any of these terms.
fn any(terms: Vec<Term>) -> Box<dyn Query> {
    Box::new(BooleanQuery::new(
        terms
            .into_iter()
            .map(|t| -> (Occur, Box<dyn Query>) {
                (
                    Occur::Should,
                    Box::new(TermQuery::new(t, IndexRecordOption::Basic)),
                )
            })
            .collect(),
    ))
}

impl Word {
    /// The terms that score the word: exact forms weigh more than stems, the title more
    /// than the text.
    fn scoring(&self, f: &Fields) -> [(Term, Score); 6] {
        let stem = stem_term(&self.stem);
        let t = Term::from_field_text;
        [
            (t(f.title, &self.normalized), 6.0),
            (t(f.title, &stem), 3.0),
            (t(f.body, &self.normalized), 2.0),
            (t(f.body, &stem), 1.0),
            (t(f.meta, &self.normalized), 2.0),
            (t(f.meta, &stem), 1.0),
        ]
    }

    /// The documents holding the word anywhere, in any form of its stem (every exact form
    /// is indexed with its stem at the same place).
    fn anywhere(&self, f: &Fields) -> Box<dyn Query> {
        let stem = stem_term(&self.stem);
        any([f.title, f.body, f.meta]
            .into_iter()
            .map(|field| Term::from_field_text(field, &stem))
            .collect())
    }
}

impl ParsedQuery {
    /// The search as one ranking query (see [`Ranked`]): the words, phrases and exclusions
    /// as conditions, and the terms that score them; pairs as `choice` has them.
    pub(crate) fn ranked(
        &self,
        f: &Fields,
        frequent: &Frequent,
        choice: Option<&Choice>,
    ) -> Ranked {
        let mut ranked = Ranked {
            scoring: Vec::new(),
            required: Vec::new(),
            excluded: Vec::new(),
            narrow: crate::ranked::NARROW,
            plain_when_excluding_most: true,
        };
        for w in &self.words {
            ranked.scoring.extend(w.scoring(f));
            ranked.required.push(w.anywhere(f));
        }
        for phrase in &self.phrases {
            // Neighbouring words that the index pairs are found by their pair term, from one
            // posting list; the phrase is in the title (weighing more) or in the text.
            let pairs: Vec<String> = phrase
                .windows(2)
                .filter(|p| {
                    p[1].0 == p[0].0 + 1 && frequent.pairs(choice, &p[0].1.stem, &p[1].1.stem)
                })
                .map(|p| pair_term(&p[0].1.stem, &p[1].1.stem))
                .collect();
            for pair in &pairs {
                let title = Term::from_field_text(f.title_pairs, pair);
                let body = Term::from_field_text(f.body_pairs, pair);
                ranked.scoring.push((title.clone(), 6.0));
                ranked.scoring.push((body.clone(), 2.0));
                ranked.required.push(any(vec![title, body]));
            }
            if pairs.is_empty() {
                // No pair: its words score.
                for (_, w) in phrase {
                    let stem = stem_term(&w.stem);
                    ranked
                        .scoring
                        .push((Term::from_field_text(f.title, &stem), 3.0));
                    ranked
                        .scoring
                        .push((Term::from_field_text(f.body, &stem), 1.0));
                }
            }
            // Two neighbours are exactly their pair; anything else is checked word by word
            // at its positions too (after the pairs it has, which narrow it first).
            if !(phrase.len() == 2 && pairs.len() == 1) {
                let in_field = |field| -> (Occur, Box<dyn Query>) {
                    (
                        Occur::Should,
                        Box::new(PhraseQuery::new_with_offset(
                            phrase
                                .iter()
                                .map(|(pos, w)| {
                                    (*pos, Term::from_field_text(field, &stem_term(&w.stem)))
                                })
                                .collect(),
                        )),
                    )
                };
                ranked.required.push(Box::new(BooleanQuery::new(vec![
                    in_field(f.title),
                    in_field(f.body),
                ])));
            }
        }
        for w in &self.excluded {
            ranked.excluded.push(w.anywhere(f));
        }
        ranked
    }

    /// Every form a highlighter should mark.
    pub fn marked_forms(&self) -> (Vec<String>, Vec<String>) {
        let words = self
            .words
            .iter()
            .chain(self.phrases.iter().flatten().map(|(_, w)| w));
        let mut normalized = Vec::new();
        let mut stems = Vec::new();
        for w in words {
            normalized.push(w.normalized.clone());
            stems.push(w.stem.clone());
        }
        (normalized, stems)
    }
}

/// Completed words must be in the title; the word being typed may be any title word's start.
pub(crate) fn suggest_query(
    typed: &str,
    f: &Fields,
    stemming: Stemming,
) -> Result<Box<dyn Query>, QueryError> {
    if typed.chars().count() > MAX_QUERY_CHARS {
        return Err(QueryError::TooLong);
    }
    let ends_with_space = typed.ends_with(char::is_whitespace);
    let mut words = words_of(typed, true, stemming);
    let last = if ends_with_space { None } else { words.pop() };
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = words
        .into_iter()
        .map(|(_, w)| (Occur::Must, term(f.title, &w.normalized)))
        .collect();
    if let Some((_, w)) = last {
        let pattern = format!("{}.*", regex_escape(&w.normalized));
        match RegexQuery::from_pattern(&pattern, f.title) {
            Ok(q) => clauses.push((Occur::Must, Box::new(q))),
            Err(_) => clauses.push((Occur::Must, term(f.title, &w.normalized))),
        }
    }
    if clauses.is_empty() {
        return Err(QueryError::Empty);
    }
    Ok(Box::new(BooleanQuery::new(clauses)))
}

fn regex_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if "\\.+*?()|[]{}^$#&-~".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_minus_and_garbage() {
        let p = parse("الحكومة \"الطاقة الشمسية\" -النفط").unwrap();
        assert_eq!(p.words.len(), 1);
        assert_eq!(p.phrases.len(), 1);
        assert_eq!(p.phrases[0].len(), 2);
        assert_eq!(p.excluded.len(), 1);
        assert_eq!(parse("").unwrap_err(), QueryError::Empty);
        assert_eq!(parse("   -  ").unwrap_err(), QueryError::Empty);
        assert_eq!(parse("\"").unwrap_err(), QueryError::Empty);
        assert_eq!(parse(&"ا".repeat(501)).unwrap_err(), QueryError::TooLong);
        assert!(parse("\"غير مغلق").is_ok());
        assert!(parse("a\u{202E}b\u{0007}").is_ok());
    }
}
