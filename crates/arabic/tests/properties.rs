//! Property tests for the public API: slugs, diacritics, digits and Hijri round trips.
//! Case counts stay at proptest's default so the suite runs in seconds on a shared machine.

use std::sync::OnceLock;

use midad_arabic::date::{DateFormatter, Ymd, from_hijri, hijri_ymd};
use midad_arabic::digits::{Digits, digits, format_number, to_arabic_digits, to_latin_digits};
use midad_arabic::plural::{plural_category, reading_minutes, reading_time, word_count};
use midad_arabic::text::{is_diacritic, is_valid_slug, slugify, strip_diacritics};
use proptest::prelude::*;

const LETTERS: &[char] = &[
    'ا', 'أ', 'إ', 'آ', 'ٱ', 'ب', 'ت', 'ث', 'ج', 'ح', 'خ', 'د', 'ذ', 'ر', 'ز', 'س', 'ش', 'ص', 'ض',
    'ط', 'ظ', 'ع', 'غ', 'ف', 'ق', 'ك', 'ل', 'م', 'ن', 'ه', 'ة', 'و', 'ي', 'ى', 'ء', 'ؤ', 'ئ',
];

/// Vowel signs, shadda, sukun, tanween, superscript alef and tatweel: what a fully
/// vocalised or stretched spelling adds. Hamza and madda marks (U+0653..=U+0655) are
/// left out on purpose: after alef they are spelling (ا + ٔ is أ), not vocalisation.
const VOCALISATION: &[char] = &[
    '\u{064B}', '\u{064C}', '\u{064D}', '\u{064E}', '\u{064F}', '\u{0650}', '\u{0651}', '\u{0652}',
    '\u{0670}', '\u{0640}',
];

fn arabic_word() -> impl Strategy<Value = Vec<(char, Vec<char>)>> {
    prop::collection::vec(
        (
            prop::sample::select(LETTERS),
            prop::collection::vec(prop::sample::select(VOCALISATION), 0..4),
        ),
        1..10,
    )
}

/// Titles mixing Arabic, Latin, digits of three scripts, punctuation and emoji.
fn title() -> impl Strategy<Value = String> {
    prop_oneof![
        "[\\u0600-\\u06FF a-zA-Z0-9\\u0660-\\u0669\\u06F0-\\u06F9«»،؛؟!?.%#/\\-_ \\u{1F600}-\\u{1F64F}]{0,120}",
        "\\PC{0,120}",
        prop::collection::vec(any::<char>(), 0..120).prop_map(|v| v.into_iter().collect()),
    ]
}

fn is_arabic_indic_digit(c: char) -> bool {
    matches!(c, '\u{0660}'..='\u{0669}')
}

fn is_eastern_digit(c: char) -> bool {
    matches!(c, '\u{06F0}'..='\u{06F9}')
}

fn formatters() -> &'static [DateFormatter] {
    static CELL: OnceLock<Vec<DateFormatter>> = OnceLock::new();
    CELL.get_or_init(|| {
        ["ar", "ar-EG", "ar-SY", "ar-MA", "en", "fr"]
            .iter()
            .flat_map(|l| [Digits::Arab, Digits::Latn].map(|d| DateFormatter::new(l, d)))
            .filter_map(Result::ok)
            .collect()
    })
}

proptest! {
    #[test]
    fn slugs_are_valid_or_empty(s in title()) {
        let slug = slugify(&s);
        prop_assert!(slug.is_empty() || is_valid_slug(&slug), "{s:?} -> {slug:?}");
        prop_assert!(slug.chars().count() <= 80);
        for c in slug.chars() {
            prop_assert!(!c.is_whitespace(), "{slug:?}");
            prop_assert!(!matches!(c, '/' | '?' | '#' | '%' | '_' | '.'), "{slug:?}");
            prop_assert!(!is_diacritic(c), "{slug:?}");
            prop_assert!(!c.is_ascii_uppercase(), "{slug:?}");
        }
    }

    #[test]
    fn slugify_is_idempotent(s in title()) {
        let once = slugify(&s);
        prop_assert_eq!(slugify(&once), once);
    }

    #[test]
    fn valid_slugs_are_fixed_points(
        words in prop::collection::vec("[a-z0-9\\u0621-\\u064A\\u0671-\\u06D3]{1,12}", 1..8)
    ) {
        // The alphabet includes tatweel and letters NFKC rewrites (U+0675..=U+0678),
        // so some candidates must be rejected; the accepted ones must be fixed points.
        let s = words.join("-");
        if is_valid_slug(&s) {
            prop_assert_eq!(slugify(&s), s);
        } else {
            prop_assert_ne!(slugify(&s), s);
        }
    }

    #[test]
    fn strip_diacritics_is_idempotent(s in title()) {
        let once = strip_diacritics(&s);
        prop_assert!(!once.chars().any(is_diacritic));
        prop_assert_eq!(strip_diacritics(&once), once);
    }

    #[test]
    fn vocalisation_does_not_change_the_slug(words in prop::collection::vec(arabic_word(), 1..6)) {
        let plain: Vec<String> = words
            .iter()
            .map(|w| w.iter().map(|(c, _)| *c).collect())
            .collect();
        let vocalised: Vec<String> = words
            .iter()
            .map(|w| w.iter().flat_map(|(c, marks)| std::iter::once(*c).chain(marks.iter().copied())).collect())
            .collect();
        let plain = plain.join(" ");
        let vocalised = vocalised.join(" ");
        prop_assert_eq!(slugify(&vocalised), slugify(&plain));
        prop_assert_eq!(strip_diacritics(&vocalised), plain);
    }

    #[test]
    fn digits_round_trip(s in "[0-9a-z \\-/:]{0,40}", n in any::<i64>()) {
        prop_assert_eq!(to_latin_digits(&to_arabic_digits(&s)), s.clone());
        prop_assert_eq!(digits(&digits(&s, Digits::Arab), Digits::Latn), s);
        let arab = format_number(n, Digits::Arab);
        prop_assert!(!arab.chars().any(|c| c.is_ascii_digit()));
        prop_assert_eq!(to_latin_digits(&arab).parse::<i64>().ok(), Some(n));
        prop_assert_eq!(format_number(n, Digits::Latn), n.to_string());
    }

    #[test]
    fn digit_conversion_is_stable(s in title()) {
        let arab = digits(&s, Digits::Arab);
        let latn = digits(&s, Digits::Latn);
        prop_assert!(!arab.chars().any(|c| c.is_ascii_digit() || is_eastern_digit(c)));
        prop_assert!(!latn.chars().any(|c| is_arabic_indic_digit(c) || is_eastern_digit(c)));
        prop_assert_eq!(digits(&latn, Digits::Arab), arab.clone());
        prop_assert_eq!(digits(&arab, Digits::Latn), latn);
        prop_assert_eq!(arab.chars().count(), s.chars().count());
    }

    #[test]
    fn gregorian_hijri_round_trip(
        d in (1950i32..2100, 1u8..=12, 1u8..=31).prop_filter_map("a real day", |(y, m, d)| Ymd::new(y, m, d))
    ) {
        let (hy, hm, hd) = hijri_ymd(d);
        prop_assert!((1369..=1528).contains(&hy), "{d} -> {hy}");
        prop_assert!((1..=12).contains(&hm) && (1..=30).contains(&hd));
        prop_assert_eq!(from_hijri(hy, hm, hd), Some(d));
    }

    #[test]
    fn nothing_panics_on_arbitrary_input(
        s in title(),
        n in any::<u64>(),
        year in any::<i32>(),
        month in any::<u8>(),
        day in any::<u8>(),
        hour in any::<u8>(),
        minute in any::<u8>(),
    ) {
        let _ = slugify(&s);
        let _ = is_valid_slug(&s);
        let _ = strip_diacritics(&s);
        let _ = word_count(&s);
        let _ = to_arabic_digits(&s);
        let _ = to_latin_digits(&s);
        let _ = Digits::parse(&s);
        let _ = plural_category(&s, n);
        let _ = reading_time(n, &s, Digits::Arab);
        let _ = reading_minutes(usize::try_from(n).unwrap_or(usize::MAX));
        let _ = DateFormatter::new(&s, Digits::Arab);
        let _ = from_hijri(year, month, day);
        let _ = Ymd::new(year, month, day);
        // Fields are public, so formatters must survive dates that do not exist.
        let wild = Ymd { year, month, day };
        let _ = hijri_ymd(wild);
        for f in formatters() {
            let _ = f.header(wild);
            let _ = f.long(wild);
            let _ = f.date_time(wild, hour, minute);
            let _ = f.month_name(month);
            let _ = f.weekday_name(wild);
            let _ = f.hijri(wild);
        }
    }
}

/// Every day from 1950 to 2099, not a sample: consecutive Gregorian days must be
/// consecutive Umm al-Qura days, and each must convert back.
#[test]
fn hijri_days_are_consecutive_1950_to_2099() {
    let mut previous: Option<(i32, u8, u8)> = None;
    for year in 1950..2100 {
        for month in 1..=12 {
            for day in 1..=31 {
                let Some(d) = Ymd::new(year, month, day) else {
                    continue;
                };
                let h = hijri_ymd(d);
                assert_eq!(from_hijri(h.0, h.1, h.2), Some(d), "{d}");
                if let Some((py, pm, pd)) = previous {
                    let next_day = h == (py, pm, pd + 1);
                    let next_month = pd >= 29 && h == (py, pm + 1, 1) && pm < 12;
                    let next_year = pd >= 29 && pm == 12 && h == (py + 1, 1, 1);
                    assert!(
                        next_day || next_month || next_year,
                        "{d}: {previous:?} -> {h:?}"
                    );
                }
                previous = Some(h);
            }
        }
    }
}
