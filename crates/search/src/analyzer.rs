//! The Arabic analyzer of `midad-arabic`, wrapped as a tantivy tokenizer. Each word is
//! indexed twice at the same position: as its normalised form and, marked with `~`, as its
//! light stem — one analysis, one field, both kinds of match. Stop words are not indexed but
//! keep their position, so a phrase with a stop word in it still matches.

use crate::pairs::Frequent;
use midad_arabic::analyze;
use tantivy::Index;
use tantivy::tokenizer::{
    Language, RawTokenizer, Stemmer, TextAnalyzer, Token, TokenStream, Tokenizer,
};

/// Which stemmer gives the stem of a word. The light stemmer of `midad-arabic` is the one
/// in use; tantivy's Arabic Snowball stemmer (applied after the same normalisation) is kept
/// to compare against on the relevance test set.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Stemming {
    #[default]
    Light,
    Snowball,
}

thread_local! {
    static SNOWBALL: std::cell::RefCell<TextAnalyzer> = std::cell::RefCell::new(
        TextAnalyzer::builder(RawTokenizer::default())
            .filter(Stemmer::new(Language::Arabic))
            .build(),
    );
}

fn snowball(word: &str) -> String {
    SNOWBALL.with(|a| {
        let mut a = a.borrow_mut();
        let mut stream = a.token_stream(word);
        match stream.next() {
            Some(t) => t.text.clone(),
            None => word.to_string(),
        }
    })
}

/// The analyzer's words, with stems from the chosen stemmer.
pub(crate) fn analyze(text: &str, stemming: Stemming) -> Vec<analyze::Token> {
    let mut tokens = analyze::tokenize(text);
    if stemming == Stemming::Snowball {
        for t in &mut tokens {
            t.stem = snowball(&t.normalized);
        }
    }
    tokens
}

pub(crate) const NAME: &str = "midad_ar";
/// The tokenizer of the pairs fields.
pub(crate) const PAIRS: &str = "midad_ar_pairs";

/// Marks a stem term, so it never collides with a word that happens to be spelled like it.
pub(crate) const STEM_MARK: char = '~';

pub(crate) fn stem_term(stem: &str) -> String {
    format!("{STEM_MARK}{stem}")
}

#[derive(Clone)]
pub(crate) struct ArabicTokenizer(Stemming, Frequent);

/// The neighbouring stems of a text (see [`analysed`]).
#[derive(Clone)]
pub(crate) struct PairsTokenizer(Stemming, Frequent);

pub(crate) struct Stream {
    tokens: std::vec::IntoIter<Token>,
    current: Token,
}

impl TokenStream for Stream {
    fn advance(&mut self) -> bool {
        match self.tokens.next() {
            Some(t) => {
                self.current = t;
                true
            }
            None => false,
        }
    }

    fn token(&self) -> &Token {
        &self.current
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.current
    }
}

/// The words of a text that are indexed: all but the stop words, which keep their places.
fn indexed_words(text: &str, stemming: Stemming) -> Vec<analyze::Token> {
    let mut words = analyze(text, stemming);
    words.retain(|t| !t.stop);
    words
}

/// The pair term of two stems that follow each other in a text.
pub(crate) fn pair_term(first: &str, second: &str) -> String {
    format!("{first} {second}")
}

/// One analysis of a text, in tantivy's form: the tokens its field receives (each word,
/// then its marked stem), and those of its pairs field: the stems of two neighbouring
/// words, when the index pairs them (see `pairs.rs`), so a quoted phrase is found from one
/// posting list instead of by checking positions. Words with a stop word between them
/// are not neighbours.
pub(crate) fn analysed(
    text: &str,
    stemming: Stemming,
    frequent: &Frequent,
) -> (Vec<Token>, Vec<Token>) {
    let choice = frequent.indexing();
    let words = indexed_words(text, stemming);
    let pairs = words
        .windows(2)
        .filter(|w| {
            w[1].position == w[0].position + 1
                && frequent.pairs(choice.as_deref(), &w[0].stem, &w[1].stem)
        })
        .map(|w| Token {
            offset_from: w[0].start,
            offset_to: w[1].end,
            position: w[0].position,
            text: pair_term(&w[0].stem, &w[1].stem),
            position_length: 1,
        })
        .collect();
    let mut tokens = Vec::with_capacity(words.len() * 2);
    for t in words {
        let stem = stem_term(&t.stem);
        tokens.push(Token {
            offset_from: t.start,
            offset_to: t.end,
            position: t.position,
            text: t.normalized,
            position_length: 1,
        });
        tokens.push(Token {
            offset_from: t.start,
            offset_to: t.end,
            position: t.position,
            text: stem,
            position_length: 1,
        });
    }
    (tokens, pairs)
}

thread_local! {
    /// The pairs of the last texts this thread's text tokenizer analysed. tantivy gives a
    /// document's text and its pairs field to the same thread, one after the other: the
    /// pairs tokenizer takes them from here instead of analysing the text again.
    static PAIRS_OF: std::cell::RefCell<Vec<(String, Vec<Token>)>> =
        const { std::cell::RefCell::new(Vec::new()) };
}

/// How many texts' pairs a thread keeps (a document's title, text and names).
const PAIRS_KEPT: usize = 4;

impl Tokenizer for ArabicTokenizer {
    type TokenStream<'a> = Stream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Stream {
        let (tokens, pairs) = analysed(text, self.0, &self.1);
        PAIRS_OF.with(|kept| {
            let mut kept = kept.borrow_mut();
            if kept.len() >= PAIRS_KEPT {
                kept.remove(0);
            }
            kept.push((text.to_string(), pairs));
        });
        Stream {
            tokens: tokens.into_iter(),
            current: Token::default(),
        }
    }
}

impl Tokenizer for PairsTokenizer {
    type TokenStream<'a> = Stream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Stream {
        let kept = PAIRS_OF.with(|kept| {
            let mut kept = kept.borrow_mut();
            let at = kept.iter().position(|(t, _)| t == text)?;
            Some(kept.remove(at).1)
        });
        let pairs = kept.unwrap_or_else(|| analysed(text, self.0, &self.1).1);
        Stream {
            tokens: pairs.into_iter(),
            current: Token::default(),
        }
    }
}

pub(crate) fn register(index: &Index, stemming: Stemming, frequent: &Frequent) {
    let manager = index.tokenizers();
    manager.register(
        NAME,
        TextAnalyzer::from(ArabicTokenizer(stemming, frequent.clone())),
    );
    manager.register(
        PAIRS,
        TextAnalyzer::from(PairsTokenizer(stemming, frequent.clone())),
    );
}
