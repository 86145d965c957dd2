//! The Arabic analyzer behind Midad's full-text search: normalisation, words, light stems, stop words.
//! One pure pipeline, called unchanged at index time and at query time, so both sides always agree.
//!
//! An Arabic reader treats «الحكومةُ» and «للحكومه», or «٤٠» and «40», as the same word;
//! [`tokenize`] turns text into [`Token`]s whose `normalized` and `stem` fields make
//! exactly those spellings collide, while keeping byte spans into the original text
//! so that a highlighter can mark the word as it was written.

mod normalize;
mod stem;
mod stop_words;
mod tokenize;

pub use normalize::{normalize, normalize_mapped};
pub use stem::light_stem;
pub use stop_words::is_stop_word;
pub use tokenize::{MAX_TOKEN_CHARS, Token, tokenize};
