//! Counting things in words: CLDR plural categories, word counts and reading time.
//! Arabic has six plural forms (دقيقة واحدة، دقيقتان، ٣ دقائق، ١١ دقيقة …), so counts never use "n + word".

use icu::locale::Locale;
use icu::plurals::{PluralCategory as IcuCategory, PluralRules};

use crate::digits::{Digits, digits};

/// The CLDR plural categories. Which ones a language uses depends on the language:
/// Arabic uses all six, English only `One` and `Other`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PluralCategory {
    Zero,
    One,
    Two,
    Few,
    Many,
    Other,
}

impl PluralCategory {
    /// The CLDR keyword (`zero`, `one`, `two`, `few`, `many`, `other`), as used in
    /// translation files.
    pub fn as_str(self) -> &'static str {
        match self {
            PluralCategory::Zero => "zero",
            PluralCategory::One => "one",
            PluralCategory::Two => "two",
            PluralCategory::Few => "few",
            PluralCategory::Many => "many",
            PluralCategory::Other => "other",
        }
    }
}

impl From<IcuCategory> for PluralCategory {
    fn from(c: IcuCategory) -> Self {
        match c {
            IcuCategory::Zero => PluralCategory::Zero,
            IcuCategory::One => PluralCategory::One,
            IcuCategory::Two => PluralCategory::Two,
            IcuCategory::Few => PluralCategory::Few,
            IcuCategory::Many => PluralCategory::Many,
            IcuCategory::Other => PluralCategory::Other,
        }
    }
}

/// The cardinal plural category of `n` in `locale` (a BCP 47 tag such as "ar", "ar-EG", "en").
///
/// Rules come from CLDR through ICU4X. A tag that does not parse gets CLDR's root
/// rules, where everything is `Other`: the safest form when the language is unknown.
pub fn plural_category(locale: &str, n: u64) -> PluralCategory {
    let Ok(loc) = Locale::try_from_str(&locale.trim().replace('_', "-")) else {
        return PluralCategory::Other;
    };
    match PluralRules::try_new_cardinal((&loc).into()) {
        Ok(rules) => rules.category_for(n).into(),
        Err(_) => PluralCategory::Other,
    }
}

/// Counts words: whitespace-separated tokens that contain at least one letter or digit.
///
/// Arabic clitics (و، ب، ال) are written joined to the word, so whitespace is the
/// right boundary; lone punctuation («—», «،») is not a word.
pub fn word_count(text: &str) -> usize {
    text.split_whitespace()
        .filter(|w| w.chars().any(char::is_alphanumeric))
        .count()
}

/// Reading speed used for estimates, in words a minute.
pub const WORDS_PER_MINUTE: usize = 200;

/// Minutes needed to read `word_count` words at about 200 words a minute,
/// rounded up and never less than one.
pub fn reading_minutes(word_count: usize) -> u64 {
    let minutes = word_count.div_ceil(WORDS_PER_MINUTE).max(1);
    u64::try_from(minutes).unwrap_or(u64::MAX)
}

fn is_arabic_locale(locale: &str) -> bool {
    let lang = locale.trim().split(['-', '_']).next().unwrap_or_default();
    lang.eq_ignore_ascii_case("ar")
}

/// "n minutes" in the locale's words: Arabic for "ar" and "ar-*", English otherwise.
///
/// Arabic: 0 → «أقل من دقيقة», 1 → «دقيقة واحدة», 2 → «دقيقتان», 3 → «٣ دقائق»,
/// 11 → «١١ دقيقة», 100 → «١٠٠ دقيقة». English: "less than a minute", "1 minute",
/// "5 minutes". Numerals use `d` whatever the language, as the site configured it.
pub fn reading_time(minutes: u64, locale: &str, d: Digits) -> String {
    let number = || digits(&minutes.to_string(), d);
    if is_arabic_locale(locale) {
        // Arabic's plural forms are fixed by CLDR, so ask under "ar" even for
        // regional tags that ICU might not parse.
        match plural_category("ar", minutes) {
            PluralCategory::Zero => "أقل من دقيقة".to_owned(),
            PluralCategory::One => "دقيقة واحدة".to_owned(),
            PluralCategory::Two => "دقيقتان".to_owned(),
            PluralCategory::Few => format!("{} دقائق", number()),
            PluralCategory::Many | PluralCategory::Other => format!("{} دقيقة", number()),
        }
    } else {
        match minutes {
            0 => "less than a minute".to_owned(),
            1 => format!("{} minute", number()),
            _ => format!("{} minutes", number()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use PluralCategory::*;

    #[test]
    fn arabic_cldr_cases() {
        // The sample numbers CLDR publishes for each Arabic category.
        let cases: &[(u64, PluralCategory)] = &[
            (0, Zero),
            (1, One),
            (2, Two),
            (3, Few),
            (10, Few),
            (103, Few),
            (110, Few),
            (1003, Few),
            (11, Many),
            (26, Many),
            (99, Many),
            (111, Many),
            (1011, Many),
            (100, Other),
            (101, Other),
            (102, Other),
            (200, Other),
            (1000, Other),
            (10000, Other),
            (100000, Other),
        ];
        for &(n, cat) in cases {
            assert_eq!(plural_category("ar", n), cat, "ar {n}");
            assert_eq!(plural_category("ar-EG", n), cat, "ar-EG {n}");
        }
    }

    #[test]
    fn arabic_rule_by_hand_matches_icu() {
        for n in 0..=2000u64 {
            let expected = match (n, n % 100) {
                (0, _) => Zero,
                (1, _) => One,
                (2, _) => Two,
                (_, 3..=10) => Few,
                (_, 11..=99) => Many,
                _ => Other,
            };
            assert_eq!(plural_category("ar", n), expected, "{n}");
        }
    }

    #[test]
    fn english_and_unknown() {
        assert_eq!(plural_category("en", 1), One);
        assert_eq!(plural_category("en", 0), Other);
        assert_eq!(plural_category("en-GB", 2), Other);
        assert_eq!(plural_category("not a locale!", 1), Other);
        assert_eq!(One.as_str(), "one");
    }

    #[test]
    fn counting_words() {
        assert_eq!(word_count(""), 0);
        assert_eq!(word_count("   \n\t "), 0);
        assert_eq!(word_count("الحكومة تعلن خطة جديدة"), 4);
        assert_eq!(word_count("قال الوزير — في بيان — إن ٣ مشاريع ستبدأ."), 8);
        assert_eq!(word_count("Hello, world! It's 2024."), 4);
    }

    #[test]
    fn minutes() {
        assert_eq!(reading_minutes(0), 1);
        assert_eq!(reading_minutes(1), 1);
        assert_eq!(reading_minutes(200), 1);
        assert_eq!(reading_minutes(201), 2);
        assert_eq!(reading_minutes(1000), 5);
    }

    #[test]
    fn arabic_reading_time() {
        let d = Digits::Arab;
        assert_eq!(reading_time(0, "ar", d), "أقل من دقيقة");
        assert_eq!(reading_time(1, "ar", d), "دقيقة واحدة");
        assert_eq!(reading_time(2, "ar", d), "دقيقتان");
        assert_eq!(reading_time(3, "ar", d), "٣ دقائق");
        assert_eq!(reading_time(10, "ar", d), "١٠ دقائق");
        assert_eq!(reading_time(11, "ar", d), "١١ دقيقة");
        assert_eq!(reading_time(99, "ar-EG", d), "٩٩ دقيقة");
        assert_eq!(reading_time(100, "ar", d), "١٠٠ دقيقة");
        assert_eq!(reading_time(101, "ar", d), "١٠١ دقيقة");
        assert_eq!(reading_time(103, "ar", d), "١٠٣ دقائق");
        assert_eq!(reading_time(3, "ar", Digits::Latn), "3 دقائق");
        assert_eq!(reading_time(11, "ar-SY", Digits::Latn), "11 دقيقة");
    }

    #[test]
    fn english_reading_time() {
        assert_eq!(reading_time(1, "en", Digits::Latn), "1 minute");
        assert_eq!(reading_time(5, "en", Digits::Latn), "5 minutes");
        assert_eq!(reading_time(5, "en-GB", Digits::Latn), "5 minutes");
        assert_eq!(reading_time(0, "en", Digits::Latn), "less than a minute");
        assert_eq!(reading_time(5, "en", Digits::Arab), "٥ minutes");
        assert_eq!(
            reading_time(u64::MAX, "en", Digits::Latn),
            "18446744073709551615 minutes"
        );
    }
}
