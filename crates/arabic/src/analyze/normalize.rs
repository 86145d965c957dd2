//! The canonical spelling that two words must share to match in search.
//! NFKC, then Arabic-specific removals and letter folds, ASCII digits and full lower case.

use unicode_normalization::UnicodeNormalization;

use crate::digits::digit_value;
use crate::text::is_diacritic;

/// Upper bound on normalisation passes. One pass is enough for real text; the loop
/// only exists because lower-casing and mark removal can, in contrived input, leave
/// something that NFKC would still rewrite (e.g. `e` + tatweel + U+0301 becomes
/// `e` + U+0301 once the tatweel is gone, which NFKC composes to `é`).
const MAX_PASSES: usize = 8;

/// Canonical form of a word or text for matching.
///
/// NFKC (presentation forms and ligatures such as ﻻ or ﷲ become plain letters), then:
/// tashkeel U+064B..=U+065F (including shadda and sukun, and the combining hamza and
/// madda), superscript alef U+0670, Quranic marks U+06D6..=U+06ED, the Arabic small
/// signs U+0610..=U+061A and U+08CA..=U+08FF (except U+08E2, a visible sign), the high
/// hamza U+0674, tatweel, and invisible in-word characters (ZWJ, ZWNJ, soft hyphen, word
/// joiner, combining grapheme joiner, variation selectors) are removed; أ إ آ ٱ ٲ ٳ → ا,
/// ى ئ ی → ي, ة ۀ ہ ۂ ۃ ە → ه, ؤ → و, ک ڪ → ك; Arabic-Indic and Eastern Arabic-Indic
/// digits → ASCII; everything is lower-cased with full Unicode rules, and the Greek
/// final sigma ς is folded to σ so that the result does not depend on where a word ends.
///
/// Combining marks at the very start of the text (left by NFKC in front of a letter) are
/// dropped: a word never begins with one.
///
/// Idempotent: `normalize(&normalize(s)) == normalize(s)`. Separators (spaces,
/// punctuation, bidi controls) are kept, so the function also works on whole texts.
pub fn normalize(text: &str) -> String {
    // Plain ASCII is common (Latin words, numbers) and NFKC leaves it alone.
    if text.is_ascii() {
        return text.to_ascii_lowercase();
    }
    // ASCII and the Arabic block up to the superscript alef (plus Eastern digits) are
    // fixed by NFKC except for the five letter + hamza/madda compositions (آ أ ؤ إ ئ),
    // which folding maps to the same bare letter as removing the mark does. So for such
    // text, folding alone gives what NFKC-then-folding gives, without NFKC's cost.
    if text.chars().all(is_basic) {
        return text
            .chars()
            .filter_map(fold_char)
            .map(|c| c.to_ascii_lowercase())
            .collect();
    }
    let mut out = pass(text);
    for _ in 1..MAX_PASSES {
        if is_known_stable(&out) {
            break;
        }
        let next = pass(&out);
        if next == out {
            break;
        }
        out = next;
    }
    // NFKC writes a few letters as a combining mark and a letter (Lao «ຳ» becomes U+0ECD
    // U+0EB2); a mark cannot begin a word, and the tokenizer would not read it as one.
    // (A text of marks alone stays as it is: there is no letter for it to begin.)
    match out.char_indices().find(|(_, c)| !is_combining_mark(*c)) {
        Some((at, _)) if at > 0 => out[at..].to_string(),
        _ => out,
    }
}

/// [`normalize`] of a text made only of ASCII and the basic Arabic letters and marks, with,
/// for each byte of the result, the byte offset in `text` of the character it came from,
/// so that a match found in the normalised text can be placed in the text as written.
/// `None` for any other text: NFKC may merge or split its characters.
pub fn normalize_mapped(text: &str) -> Option<(String, Vec<usize>)> {
    if !text.chars().all(is_basic) {
        return None;
    }
    let mut out = String::with_capacity(text.len());
    let mut from = Vec::with_capacity(text.len());
    for (at, c) in text.char_indices() {
        if let Some(f) = fold_char(c) {
            let f = f.to_ascii_lowercase();
            out.push(f);
            from.extend(std::iter::repeat_n(at, f.len_utf8()));
        }
    }
    Some((out, from))
}

/// Nonspacing and spacing combining marks (general categories Mn and Mc).
fn is_combining_mark(c: char) -> bool {
    use icu::properties::CodePointMapData;
    use icu::properties::props::GeneralCategory;
    if c.is_ascii() {
        return false;
    }
    matches!(
        CodePointMapData::<GeneralCategory>::new().get(c),
        GeneralCategory::NonspacingMark | GeneralCategory::SpacingMark
    )
}

fn is_basic(c: char) -> bool {
    c.is_ascii() || matches!(c, '\u{0621}'..='\u{0670}' | '\u{06F0}'..='\u{06F9}')
}

fn pass(text: &str) -> String {
    let folded: String = text.nfkc().filter_map(fold_char).collect();
    let lower = folded.to_lowercase();
    // Rust picks ς or σ from the neighbouring characters, so a word cut out of a
    // sentence could lower-case differently from the same word in place.
    if lower.contains('ς') {
        lower.replace('ς', "σ")
    } else {
        lower
    }
}

/// Text made only of ASCII and the basic Arabic letters is a fixed point of [`pass`]:
/// NFKC, the folds and lower-casing leave those characters as they are. Checking this
/// saves the confirming second pass for nearly all Arabic input.
fn is_known_stable(s: &str) -> bool {
    s.chars().all(|c| {
        (c.is_ascii() && !c.is_ascii_uppercase())
            || (matches!(c, '\u{0621}'..='\u{064A}') && c != '\u{0640}' && fold_char(c) == Some(c))
    })
}

/// Characters that [`normalize`] deletes.
///
/// All of them are marks or invisible joiners that the tokenizer keeps inside a word,
/// so deleting them never glues two words together.
pub(super) fn is_removed(c: char) -> bool {
    is_diacritic(c)
        || matches!(
            c,
            // Arabic honorific and Quranic small signs written above or below letters.
            '\u{0610}'..='\u{061A}'
                // HIGH HAMZA: what NFKC leaves of ٵ ٶ ٸ after the base letter; with it
                // gone those letters fold like أ ؤ ئ.
                | '\u{0674}'
                // Arabic Extended-A Quranic marks; U+08E2 is a visible end-of-ayah sign.
                | '\u{08CA}'..='\u{08E1}'
                | '\u{08E3}'..='\u{08FF}'
                // Invisible characters pasted text carries inside words.
                | '\u{00AD}'
                | '\u{034F}'
                | '\u{200C}'
                | '\u{200D}'
                | '\u{2060}'
                | '\u{180B}'..='\u{180D}'
                | '\u{180F}'
                | '\u{FE00}'..='\u{FE0F}'
                | '\u{E0100}'..='\u{E01EF}'
        )
}

/// Removes, folds or keeps one NFKC character.
fn fold_char(c: char) -> Option<char> {
    if is_removed(c) {
        return None;
    }
    if let Some(v) = digit_value(c) {
        return Some(char::from_digit(v, 10).unwrap_or(c));
    }
    Some(match c {
        // أ إ آ ٱ and the wavy-hamza alefs ٲ ٳ: hamza and madda spelling varies by writer.
        '\u{0623}' | '\u{0625}' | '\u{0622}' | '\u{0671}' | '\u{0672}' | '\u{0673}' => '\u{0627}',
        // ى (alef maksura), ئ (yeh with hamza) and Farsi yeh ی: writers mix them freely.
        '\u{0649}' | '\u{0626}' | '\u{06CC}' => '\u{064A}',
        // ة (teh marbuta) is often typed as ه; ۀ ہ ۂ ۃ ە are Persian/Urdu/Kurdish hehs.
        '\u{0629}' | '\u{06C0}' | '\u{06C1}' | '\u{06C2}' | '\u{06C3}' | '\u{06D5}' => '\u{0647}',
        // ؤ (waw with hamza).
        '\u{0624}' => '\u{0648}',
        // Persian keheh ک and swash kaf ڪ.
        '\u{06A9}' | '\u{06AA}' => '\u{0643}',
        _ => c,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The shortcut for basic text gives exactly what the full NFKC road gives.
        #[test]
        fn basic_shortcut_agrees_with_nfkc(s in "[\u{0621}-\u{0670}\u{06F0}-\u{06F9} a-zA-Z0-9]{0,40}") {
            let mut slow = pass(&s);
            for _ in 1..MAX_PASSES {
                let next = pass(&slow);
                if next == slow { break; }
                slow = next;
            }
            prop_assert_eq!(normalize(&s), slow);
        }
    }

    #[test]
    fn a_letter_that_nfkc_splits_into_mark_and_letter_does_not_begin_with_the_mark() {
        // Lao AM (a letter) is NIGGAHITA (a mark) + AA after NFKC.
        assert_eq!(normalize("ຳ"), "\u{0EB2}");
        assert_eq!(normalize(&normalize("ຳ")), normalize("ຳ"));
        let tokens = crate::analyze::tokenize("ຳ");
        assert_eq!(tokens.len(), 1);
        let again = crate::analyze::tokenize(&tokens[0].normalized);
        assert_eq!(again[0].normalized, tokens[0].normalized);
    }

    #[test]
    fn folds_and_strips() {
        assert_eq!(normalize("الحُكُومَةُ"), "الحكومه");
        assert_eq!(normalize("إلى"), "الي");
        assert_eq!(normalize("ﻻ"), "لا");
        assert_eq!(normalize("ﷲ"), "الله");
        assert_eq!(normalize("٢٠٢٤ و۱۴۰۳"), "2024 و1403");
        assert_eq!(normalize("Apple iPHONE"), "apple iphone");
        assert_eq!(normalize("الحك\u{200C}ومة"), "الحكومه");
    }

    #[test]
    fn greek_final_sigma_does_not_depend_on_context() {
        // Rust lower-cases Σ to ς or σ depending on what follows, even across a '.'.
        assert_eq!(normalize("ΟΔΟΣ"), "οδοσ");
        assert_eq!(normalize("ΟΔΟΣ.ΑΒ"), "οδοσ.αβ");
        assert_eq!(normalize("οδός"), "οδόσ");
    }

    #[test]
    fn second_pass_reaches_a_fixed_point() {
        // Tatweel between a letter and a combining accent blocks NFKC composition;
        // once it is removed the accent composes.
        let once = normalize("e\u{0640}\u{0301}");
        assert_eq!(once, "é");
        assert_eq!(normalize(&once), once);
    }

    #[test]
    fn known_stable_text_is_a_fixed_point() {
        for s in ["abc 123", "الحكومه", "ء ا ب", "a-b"] {
            assert!(is_known_stable(s));
            assert_eq!(pass(s), s);
        }
        assert!(!is_known_stable("ة"));
        assert!(!is_known_stable("A"));
        assert!(!is_known_stable("\u{0640}"));
    }
}
