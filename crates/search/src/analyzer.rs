//! The Arabic analyzer of `midad-arabic`, wrapped as tantivy tokenizers: one emits the
//! normalised word, the other its light stem. Stop words are not indexed but keep their
//! position, so a phrase with a stop word in it still matches.

use midad_arabic::analyze;
use tantivy::Index;
use tantivy::tokenizer::{TextAnalyzer, Token, TokenStream, Tokenizer};

pub(crate) const EXACT: &str = "midad_ar_exact";
pub(crate) const STEM: &str = "midad_ar_stem";

#[derive(Clone, Copy)]
pub(crate) struct ArabicTokenizer {
    stem: bool,
}

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

/// The tokens a field receives, in tantivy's form.
pub(crate) fn tokens(text: &str, stem: bool) -> Vec<Token> {
    analyze::tokenize(text)
        .into_iter()
        .filter(|t| !t.stop)
        .map(|t| Token {
            offset_from: t.start,
            offset_to: t.end,
            position: t.position,
            text: if stem { t.stem } else { t.normalized },
            position_length: 1,
        })
        .collect()
}

impl Tokenizer for ArabicTokenizer {
    type TokenStream<'a> = Stream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Stream {
        Stream {
            tokens: tokens(text, self.stem).into_iter(),
            current: Token::default(),
        }
    }
}

pub(crate) fn register(index: &Index) {
    let manager = index.tokenizers();
    manager.register(EXACT, TextAnalyzer::from(ArabicTokenizer { stem: false }));
    manager.register(STEM, TextAnalyzer::from(ArabicTokenizer { stem: true }));
}
