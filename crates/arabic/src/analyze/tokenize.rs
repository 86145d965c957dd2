//! Splitting text into words, each with its span in the original text and its search forms.
//! Marks, tatweel and joiners stay inside a word; punctuation, symbols, spaces and controls split.

use icu::properties::CodePointMapData;
use icu::properties::props::{GeneralCategory, GeneralCategoryGroup};
use unicode_normalization::UnicodeNormalization;

use super::normalize::{is_removed, normalize};
use super::stem::light_stem;
use super::stop_words::is_stop_word;
use crate::text::TATWEEL;

/// Words longer than this many characters (after [`normalize`]) are dropped: they are
/// URLs cut at punctuation, base64, or keyboard mashing, never something a reader
/// searches for, and they would bloat the index.
pub const MAX_TOKEN_CHARS: usize = 64;

/// A word run longer than this many characters (marks included) is dropped without
/// being normalised. No real word comes near it (64 letters with several marks each
/// stay far below); it only keeps the cost per word bounded on garbage input.
const MAX_WORD_RUN_CHARS: usize = MAX_TOKEN_CHARS * 16;

/// One word of a text, as [`tokenize`] found it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Token {
    /// Byte offset of the word's first character in the original text.
    pub start: usize,
    /// Byte offset just after the word in the original text. `text[start..end]` is the
    /// word as written, with its diacritics and tatweel, so a highlighter can mark it.
    pub end: usize,
    /// 0-based index among the tokens returned, stop words included. Stop words are
    /// returned (flagged by `stop`) rather than skipped so that a search index that
    /// leaves them out still sees the gap and phrase queries stay aligned.
    pub position: usize,
    /// [`normalize`] of the word.
    pub normalized: String,
    /// [`light_stem`] of `normalized`.
    pub stem: String,
    /// [`is_stop_word`] of `normalized`.
    pub stop: bool,
}

/// How a character takes part in words.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Class {
    /// Letters and digits: they start or continue a word.
    Base,
    /// Marks, tatweel and joiners: they continue a word but cannot start one, so a
    /// stray vowel sign after a space is not a word.
    Extend,
    /// Everything else ends the current word.
    Separator,
}

const ZWNJ: char = '\u{200C}';
const ZWJ: char = '\u{200D}';
const SOFT_HYPHEN: char = '\u{00AD}';
const WORD_JOINER: char = '\u{2060}';

/// The class of a character judged by its own general category.
fn own_class(c: char) -> Class {
    if c.is_ascii() {
        return if c.is_ascii_alphanumeric() {
            Class::Base
        } else {
            Class::Separator
        };
    }
    // Tatweel is a letter by category but only stretches the word; soft hyphen and
    // word joiner are format characters that, like the joiners, sit inside words.
    if matches!(c, TATWEEL | ZWNJ | ZWJ | SOFT_HYPHEN | WORD_JOINER) {
        return Class::Extend;
    }
    // The basic Arabic letters, tashkeel and digits make up nearly all Arabic text;
    // answering them here spares a property lookup per character.
    match c {
        '\u{0621}'..='\u{063A}' | '\u{0641}'..='\u{064A}' | '\u{0660}'..='\u{0669}' => {
            return Class::Base;
        }
        '\u{064B}'..='\u{065F}' | '\u{0670}' => return Class::Extend,
        _ => {}
    }
    let gc = CodePointMapData::<GeneralCategory>::new().get(c);
    if GeneralCategoryGroup::Letter.contains(gc) {
        // Letters that normalize() deletes (the small high waw and yeh U+06E5, U+06E6,
        // the high hamza U+0674) must not count as letters, or a word could
        // normalise to "".
        if is_removed(c) {
            Class::Extend
        } else {
            Class::Base
        }
    } else if GeneralCategoryGroup::Number.contains(gc) {
        Class::Base
    } else if gc == GeneralCategory::NonspacingMark || gc == GeneralCategory::SpacingMark {
        Class::Extend
    } else {
        // Enclosing marks (keycaps, circles) draw a symbol around the character, so
        // they separate like symbols do. Format characters other than the joiners
        // above, bidi controls included, separate too.
        Class::Separator
    }
}

/// The class of a character, also looking at what NFKC turns it into.
///
/// A compatibility character counts as a letter only if everything NFKC makes of it is
/// word material: «ﷲ» is a word, but «ﷺ» expands to a phrase with spaces, and «½»
/// contains a fraction slash, so both separate. That way a token's `normalized` form
/// never contains a separator.
fn class(c: char) -> Class {
    let own = own_class(c);
    // Nothing in the Arabic block expands into a separator; skipping NFKC there keeps
    // the common case fast.
    if own == Class::Separator || c.is_ascii() || matches!(c, '\u{0600}'..='\u{06FF}') {
        return own;
    }
    let mut saw_base = false;
    for d in std::iter::once(c).nfkc() {
        match own_class(d) {
            Class::Separator => return Class::Separator,
            Class::Base => saw_base = true,
            Class::Extend => {}
        }
    }
    if saw_base { Class::Base } else { Class::Extend }
}

/// A word being scanned: its byte span and how many letters/digits it holds.
struct Run {
    start: usize,
    end: usize,
    chars: usize,
    bases: usize,
}

/// Splits `text` into words.
///
/// A word is a run of letters and digits of any script; combining marks, tatweel, ZWJ
/// and ZWNJ inside it keep it whole («وكَتَبَ» is one word) and belong to its span.
/// Punctuation (، ؛ ؟ « » . , ! ? : ; " ' ( ) [ ] - / …), whitespace, symbols, emoji,
/// control characters and bidi controls (U+200E, U+200F, U+202A..=U+202E,
/// U+2066..=U+2069) separate words and never appear in a token. Letters and digits
/// written together stay one word ("covid19"). Marks with no letter before them are not
/// a word. Words whose normalised form is longer than [`MAX_TOKEN_CHARS`] are dropped
/// and take no position.
///
/// Spans are increasing, non-overlapping and on character boundaries; positions are
/// 0, 1, 2, … in order.
pub fn tokenize(text: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut run: Option<Run> = None;
    for (i, c) in text.char_indices() {
        let end = i + c.len_utf8();
        match (class(c), run.as_mut()) {
            (Class::Base, Some(r)) => {
                r.end = end;
                r.chars += 1;
                r.bases += 1;
            }
            (Class::Base, None) => {
                run = Some(Run {
                    start: i,
                    end,
                    chars: 1,
                    bases: 1,
                });
            }
            (Class::Extend, Some(r)) => {
                r.end = end;
                r.chars += 1;
            }
            (Class::Extend, None) => {}
            (Class::Separator, _) => {
                if let Some(r) = run.take() {
                    emit(text, &r, &mut tokens);
                }
            }
        }
    }
    if let Some(r) = run {
        emit(text, &r, &mut tokens);
    }
    tokens
}

fn emit(text: &str, run: &Run, tokens: &mut Vec<Token>) {
    // NFKC merges at most three letters into one (Hangul L+V+T jamo into a syllable)
    // and every Base character survives normalize(), so more than three times the
    // limit is too long whatever normalisation does; skip the work.
    if run.chars > MAX_WORD_RUN_CHARS || run.bases > 3 * MAX_TOKEN_CHARS {
        return;
    }
    let Some(word) = text.get(run.start..run.end) else {
        return;
    };
    let normalized = normalize(word);
    let len = normalized.chars().count();
    if len == 0 || len > MAX_TOKEN_CHARS {
        return;
    }
    let stem = light_stem(&normalized);
    let stop = is_stop_word(&normalized);
    tokens.push(Token {
        start: run.start,
        end: run.end,
        position: tokens.len(),
        normalized,
        stem,
        stop,
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<&str> {
        tokenize(text)
            .into_iter()
            .map(|t| &text[t.start..t.end])
            .collect()
    }

    #[test]
    fn classes() {
        assert_eq!(class('a'), Class::Base);
        assert_eq!(class('ب'), Class::Base);
        assert_eq!(class('٤'), Class::Base);
        assert_eq!(class('\u{064E}'), Class::Extend);
        assert_eq!(class(TATWEEL), Class::Extend);
        assert_eq!(class(ZWJ), Class::Extend);
        assert_eq!(class('\u{06E5}'), Class::Extend);
        assert_eq!(class('\u{0674}'), Class::Extend);
        assert_eq!(class('،'), Class::Separator);
        assert_eq!(class('\u{202E}'), Class::Separator);
        assert_eq!(class('\u{061C}'), Class::Separator);
        assert_eq!(class('\u{06DD}'), Class::Separator);
        assert_eq!(class('\u{20E3}'), Class::Separator);
        assert_eq!(class('™'), Class::Separator);
        assert_eq!(class('½'), Class::Separator);
        assert_eq!(class('\u{FDFA}'), Class::Separator);
        assert_eq!(class('\u{FE70}'), Class::Separator);
        assert_eq!(class('\u{FE71}'), Class::Extend);
        assert_eq!(class('\u{FDF2}'), Class::Base);
        assert_eq!(class('²'), Class::Base);
        assert_eq!(class('😀'), Class::Separator);
    }

    #[test]
    fn leading_marks_are_not_words() {
        assert_eq!(words("\u{064E} \u{064E}كتب"), ["كتب"]);
        assert_eq!(words("ـــكتب"), ["كتب"]);
        assert!(tokenize("\u{064E}\u{0651} ـــ \u{200D}").is_empty());
    }

    #[test]
    fn keycap_digit() {
        let t = tokenize("1\u{FE0F}\u{20E3}");
        assert_eq!(t.len(), 1);
        assert_eq!(t[0].normalized, "1");
    }

    #[test]
    fn long_words_are_dropped_without_position() {
        let long = "ب".repeat(MAX_TOKEN_CHARS + 1);
        let exact = "ب".repeat(MAX_TOKEN_CHARS);
        let text = format!("قبل {long} {exact} بعد");
        let t = tokenize(&text);
        assert_eq!(t.len(), 3);
        assert_eq!(t[1].normalized, exact);
        assert_eq!(t.iter().map(|t| t.position).collect::<Vec<_>>(), [0, 1, 2]);
        let vocalised: String = "ب\u{064E}\u{0651}".repeat(MAX_TOKEN_CHARS);
        assert_eq!(tokenize(&vocalised).len(), 1);
    }
}
