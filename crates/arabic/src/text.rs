//! Text clean-up for Arabic: removing diacritics and tatweel, and turning titles into URL slugs.
//! Slugs keep readable Arabic letters, so «الحكومة تعلن» becomes `الحكومة-تعلن`.

use icu::properties::CodePointMapData;
use icu::properties::props::{GeneralCategory, GeneralCategoryGroup, Script};
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::decompose_canonical;

use crate::digits::digit_value;

/// The longest slug, in characters (not bytes).
pub const MAX_SLUG_CHARS: usize = 80;

/// ARABIC TATWEEL, the kashida used to stretch words for justification.
pub const TATWEEL: char = '\u{0640}';

/// True for the marks that [`strip_diacritics`] removes: tashkeel (U+064B..=U+065F),
/// superscript alef (U+0670), Quranic annotation marks (U+06D6..=U+06ED) and tatweel.
pub fn is_diacritic(c: char) -> bool {
    matches!(
        c,
        '\u{064B}'..='\u{065F}' | '\u{0670}' | '\u{06D6}'..='\u{06ED}' | TATWEEL
    )
}

/// Removes Arabic diacritics (tashkeel), superscript alef, Quranic marks and tatweel.
///
/// Readers consider «كَتَبَ» and «كتب», or «الـــعـــرب» and «العرب», the same word,
/// so anything that compares or indexes text starts here.
pub fn strip_diacritics(s: &str) -> String {
    s.chars().filter(|&c| !is_diacritic(c)).collect()
}

/// Invisible characters that steer rendering (bidi marks, joiners, soft hyphen, BOM).
///
/// They are dropped rather than treated as separators: pasted titles often carry them
/// inside words, and a hyphen there would split a word the reader sees as whole.
fn is_invisible_format(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{061C}'
            | '\u{200C}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{2069}'
            | '\u{FEFF}'
    )
}

fn is_mark(c: char) -> bool {
    GeneralCategoryGroup::Mark.contains(CodePointMapData::<GeneralCategory>::new().get(c))
}

/// A letter of the Arabic script that survives NFKC unchanged.
///
/// Only `Lo` counts: the Arabic `Lm` characters are tatweel and small Quranic letters,
/// which are annotation, not spelling. NFKC stability matters because a slug must come
/// back unchanged from [`slugify`] (e.g. U+0675 HIGH HAMZA ALEF decomposes under NFKC).
fn is_arabic_letter(c: char) -> bool {
    if c.is_ascii() || is_diacritic(c) {
        return false;
    }
    if CodePointMapData::<Script>::new().get(c) != Script::Arabic {
        return false;
    }
    if CodePointMapData::<GeneralCategory>::new().get(c) != GeneralCategory::OtherLetter {
        return false;
    }
    let mut nfkc = std::iter::once(c).nfkc();
    nfkc.next() == Some(c) && nfkc.next().is_none()
}

/// True for every character a slug may contain.
fn is_slug_char(c: char) -> bool {
    c == '-' || c.is_ascii_lowercase() || c.is_ascii_digit() || is_arabic_letter(c)
}

/// Folds an accented Latin letter to its ASCII base (é → e, Ñ → n), so that
/// «Café» gives `cafe` rather than `caf`.
fn latin_base(c: char) -> Option<char> {
    let mut base = None;
    decompose_canonical(c, |d| {
        if base.is_none() {
            base = Some(d);
        }
    });
    base.filter(|b| *b != c && b.is_ascii_alphanumeric())
        .map(|b| b.to_ascii_lowercase())
}

/// What one (already NFKC-normalised) character becomes in a slug.
enum SlugPiece {
    Keep(char),
    Drop,
    Separator,
}

fn slug_piece(c: char) -> SlugPiece {
    if c.is_ascii_alphanumeric() {
        return SlugPiece::Keep(c.to_ascii_lowercase());
    }
    if c.is_ascii() {
        return SlugPiece::Separator;
    }
    if let Some(v) = digit_value(c) {
        return char::from_digit(v, 10).map_or(SlugPiece::Separator, SlugPiece::Keep);
    }
    // Marks belong to the letter before them; as separators they would cut words
    // in two wherever a vowel sign is not one of the usual tashkeel.
    if is_diacritic(c) || is_invisible_format(c) || is_mark(c) {
        return SlugPiece::Drop;
    }
    if is_arabic_letter(c) {
        return SlugPiece::Keep(c);
    }
    match latin_base(c) {
        Some(b) => SlugPiece::Keep(b),
        None => SlugPiece::Separator,
    }
}

/// Turns a title into a URL slug.
///
/// NFKC first (presentation forms and ligatures such as ﻻ or ﷲ become plain letters),
/// then diacritics, tatweel and other marks go, Latin is lower-cased (accents folded),
/// Arabic-Indic and Eastern digits become ASCII, and Arabic letters are kept as they
/// are. Every other character separates words with a single '-'. The result has no
/// '-' at either end and at most [`MAX_SLUG_CHARS`] characters, cut at a word boundary
/// when that keeps at least half of the allowed length. It may be empty: the caller
/// decides the fallback (an id, a date).
pub fn slugify(title: &str) -> String {
    let mut out = String::with_capacity(title.len());
    let mut pending_separator = false;
    for c in title.nfkc() {
        match slug_piece(c) {
            SlugPiece::Keep(k) => {
                if pending_separator && !out.is_empty() {
                    out.push('-');
                }
                pending_separator = false;
                out.push(k);
            }
            SlugPiece::Drop => {}
            SlugPiece::Separator => pending_separator = true,
        }
    }
    truncate_slug(out)
}

fn truncate_slug(slug: String) -> String {
    let Some((cut, _)) = slug.char_indices().nth(MAX_SLUG_CHARS) else {
        return slug;
    };
    let head = &slug[..cut];
    // If the next character is a separator, `head` already ends on a word.
    if slug[cut..].starts_with('-') {
        return head.trim_end_matches('-').to_owned();
    }
    // Cutting back to the previous word is nicer, but not when the title's
    // 80-character window ends in one huge token and only a stub would remain.
    match head.rfind('-') {
        Some(dash) if head[..dash].chars().count() >= MAX_SLUG_CHARS / 2 => head[..dash].to_owned(),
        _ => head.trim_end_matches('-').to_owned(),
    }
}

/// True iff `s` is a non-empty slug exactly as [`slugify`] produces them: only
/// lower-case ASCII letters, ASCII digits, Arabic letters and '-', no "--", no '-' at
/// either end, at most [`MAX_SLUG_CHARS`] characters. For such `s`, `slugify(s) == s`.
pub fn is_valid_slug(s: &str) -> bool {
    !s.is_empty()
        && !s.starts_with('-')
        && !s.ends_with('-')
        && !s.contains("--")
        && s.chars().count() <= MAX_SLUG_CHARS
        && s.chars().all(is_slug_char)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_tashkeel_tatweel_and_quranic_marks() {
        assert_eq!(strip_diacritics("كَتَبَ"), "كتب");
        assert_eq!(strip_diacritics("مُحَمَّدٌ"), "محمد");
        assert_eq!(strip_diacritics("الـــعـــرب"), "العرب");
        assert_eq!(strip_diacritics("رَحْمَٰن"), "رحمن");
        assert_eq!(
            strip_diacritics("ذَٰلِكَ ٱلْكِتَٰبُ لَا رَيْبَ ۛ فِيهِ ۛ"),
            "ذلك ٱلكتب لا ريب  فيه "
        );
        assert_eq!(strip_diacritics("Latin stays"), "Latin stays");
        assert_eq!(strip_diacritics(""), "");
    }

    #[test]
    fn readable_arabic_slugs() {
        assert_eq!(slugify("الحكومة تعلن"), "الحكومة-تعلن");
        assert_eq!(
            slugify("«الحكومةُ» تُعلِنُ خُطَّةً جديدة؟"),
            "الحكومة-تعلن-خطة-جديدة"
        );
        assert_eq!(slugify("الـــحـــكـــومـــة"), "الحكومة");
        assert_eq!(
            slugify("ارتفاع الأسعار ١٥٪ في ۲۰۲۴، والبنك المركزي يتدخل"),
            "ارتفاع-الأسعار-15-في-2024-والبنك-المركزي-يتدخل"
        );
        assert_eq!(
            slugify("التضخم يصل إلى 12% في مصر!"),
            "التضخم-يصل-إلى-12-في-مصر"
        );
        assert_eq!(
            slugify("🔥 عاجل: Apple تطلق iPhone 16 في السعودية 🇸🇦"),
            "عاجل-apple-تطلق-iphone-16-في-السعودية"
        );
        assert_eq!(
            slugify("مباراة (الأهلي × الزمالك) — ٣/١"),
            "مباراة-الأهلي-الزمالك-3-1"
        );
        assert_eq!(slugify("هل تنجح الهدنة؟ / تحليل"), "هل-تنجح-الهدنة-تحليل");
        assert_eq!(
            slugify("وزير الخارجية؛ لقاءٌ في «باريس»"),
            "وزير-الخارجية-لقاء-في-باريس"
        );
    }

    #[test]
    fn latin_slugs() {
        assert_eq!(slugify("Hello, World!"), "hello-world");
        assert_eq!(slugify("  --Breaking__News--  "), "breaking-news");
        assert_eq!(slugify("Café au lait à Paris"), "cafe-au-lait-a-paris");
        assert_eq!(slugify("ＦＵＬＬ　ｗｉｄｔｈ"), "full-width");
        assert_eq!(slugify("a/b?c#d%e"), "a-b-c-d-e");
    }

    #[test]
    fn presentation_forms_and_invisibles() {
        // Presentation forms and the lam-alef ligature fold to ordinary letters.
        assert_eq!(slugify("ﻻ ﺗﻌﻠﻴﻖ"), "لا-تعليق");
        // Bidi marks and joiners inside a word do not split it.
        assert_eq!(
            slugify("الحك\u{200F}ومة\u{200C} تعلن\u{200E}"),
            "الحكومة-تعلن"
        );
    }

    #[test]
    fn may_be_empty() {
        assert_eq!(slugify(""), "");
        assert_eq!(slugify("؟!… «» 🎉"), "");
        assert_eq!(slugify("ـــ َ ُ"), "");
    }

    #[test]
    fn long_titles_are_cut_at_a_word() {
        let title = "الحكومة تعلن خطة جديدة لدعم الاقتصاد الوطني وتوفير فرص العمل للشباب في جميع المحافظات خلال العام المقبل";
        let slug = slugify(title);
        assert!(slug.chars().count() <= MAX_SLUG_CHARS);
        assert!(is_valid_slug(&slug));
        assert!(slugify(&title.replace(' ', "-")).starts_with(&slug));
        // The cut fell between words: the slug is a prefix ending where a word ended.
        let full = "الحكومة-تعلن-خطة-جديدة-لدعم-الاقتصاد-الوطني-وتوفير-فرص-العمل-للشباب-في-جميع-المحافظات-خلال-العام-المقبل";
        assert!(full.starts_with(&slug));
        assert_eq!(full[slug.len()..].chars().next(), Some('-'));

        let one_word = "a".repeat(200);
        assert_eq!(slugify(&one_word), "a".repeat(80));
        let stub_then_giant = format!("ab {}", "c".repeat(200));
        assert_eq!(slugify(&stub_then_giant).chars().count(), 80);
    }

    #[test]
    fn validity() {
        assert!(is_valid_slug("الحكومة-تعلن"));
        assert!(is_valid_slug("iphone-16"));
        assert!(!is_valid_slug(""));
        assert!(!is_valid_slug("-a"));
        assert!(!is_valid_slug("a-"));
        assert!(!is_valid_slug("a--b"));
        assert!(!is_valid_slug("Hello"));
        assert!(!is_valid_slug("a b"));
        assert!(!is_valid_slug("كَتَب"));
        assert!(!is_valid_slug("١٢"));
        assert!(!is_valid_slug("ﻻ"));
        assert!(!is_valid_slug("\u{0675}"));
        assert!(!is_valid_slug(&"a".repeat(81)));
        assert!(is_valid_slug(&"a".repeat(80)));
    }
}
