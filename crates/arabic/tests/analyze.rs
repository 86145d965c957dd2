//! Tests for the search analyzer: folding, tokens and spans, light stems, stop words.
//! Property tests keep case counts modest because the suite shares a small machine.

use midad_arabic::analyze::{
    MAX_TOKEN_CHARS, Token, is_stop_word, light_stem, normalize, normalize_mapped, tokenize,
};
use proptest::prelude::*;

fn stem(word: &str) -> String {
    light_stem(&normalize(word))
}

fn normalized(text: &str) -> Vec<String> {
    tokenize(text).into_iter().map(|t| t.normalized).collect()
}

fn spans(text: &str) -> Vec<&str> {
    tokenize(text)
        .into_iter()
        .map(|t| &text[t.start..t.end])
        .collect()
}

fn assert_same_stem(words: &[&str]) {
    let first = stem(words[0]);
    for w in words {
        assert_eq!(stem(w), first, "{w} vs {}", words[0]);
    }
}

// ---------------------------------------------------------------------------
// normalize: one assertion per folding rule.

#[test]
fn alef_forms_fold_to_bare_alef() {
    assert_eq!(normalize("أ"), "ا");
    assert_eq!(normalize("إ"), "ا");
    assert_eq!(normalize("آ"), "ا");
    assert_eq!(normalize("ٱ"), "ا");
    // Decomposed spellings: alef + combining hamza above / below / madda.
    assert_eq!(normalize("ا\u{0654}"), "ا");
    assert_eq!(normalize("ا\u{0655}"), "ا");
    assert_eq!(normalize("ا\u{0653}"), "ا");
}

#[test]
fn yeh_heh_waw_kaf_folds() {
    assert_eq!(normalize("ى"), "ي");
    assert_eq!(normalize("ة"), "ه");
    assert_eq!(normalize("ؤ"), "و");
    assert_eq!(normalize("ئ"), "ي");
    assert_eq!(normalize("\u{06A9}"), "ك"); // Persian keheh ک
    assert_eq!(normalize("\u{06CC}"), "ي"); // Farsi yeh ی
    assert_eq!(normalize("\u{06C1}"), "ه"); // Urdu heh goal ہ
    assert_eq!(normalize("\u{06C0}"), "ه"); // heh with yeh above ۀ
    assert_eq!(normalize("\u{06D5}\u{0654}"), "ه"); // ۀ decomposed
    assert_eq!(normalize("ي\u{0654}"), "ي"); // ئ decomposed
    assert_eq!(normalize("و\u{0654}"), "و"); // ؤ decomposed
}

#[test]
fn tashkeel_is_removed() {
    assert_eq!(normalize("كَتَبَ"), "كتب"); // fatha
    assert_eq!(normalize("كُتُب"), "كتب"); // damma
    assert_eq!(normalize("كِتاب"), "كتاب"); // kasra
    assert_eq!(normalize("مقالاً"), "مقالا"); // fathatan
    assert_eq!(normalize("كتابٌ"), "كتاب"); // dammatan
    assert_eq!(normalize("كتابٍ"), "كتاب"); // kasratan
    assert_eq!(normalize("محمّد"), "محمد"); // shadda U+0651
    assert_eq!(normalize("قَلْب"), "قلب"); // sukun U+0652
    for c in '\u{064B}'..='\u{065F}' {
        assert_eq!(normalize(&format!("ب{c}ت")), "بت", "U+{:04X}", c as u32);
    }
}

#[test]
fn superscript_alef_quranic_marks_and_tatweel_are_removed() {
    assert_eq!(normalize("رحمٰن"), "رحمن"); // U+0670
    for c in '\u{06D6}'..='\u{06ED}' {
        assert_eq!(normalize(&format!("ب{c}ت")), "بت", "U+{:04X}", c as u32);
    }
    assert_eq!(normalize("الـــعـــرب"), "العرب");
}

#[test]
fn digits_become_ascii() {
    assert_eq!(normalize("٠١٢٣٤٥٦٧٨٩"), "0123456789");
    assert_eq!(normalize("۰۱۲۳۴۵۶۷۸۹"), "0123456789");
    assert_eq!(normalize("٤٠"), normalize("40"));
    assert_eq!(normalize("۴۰"), "40");
}

#[test]
fn latin_is_lower_cased_with_full_unicode_rules() {
    assert_eq!(normalize("iPhone"), "iphone");
    assert_eq!(normalize("ÉCOLE"), "école");
    assert_eq!(normalize("STRASSE ẞ"), "strasse ß");
    assert_eq!(normalize("ΑΘΗΝΑ"), "αθηνα");
    assert_eq!(normalize("ＡＢＣ"), "abc"); // NFKC first
}

#[test]
fn nfkc_and_invisible_characters() {
    assert_eq!(normalize("ﻻ"), "لا");
    assert_eq!(normalize("ﷲ"), "الله");
    assert_eq!(normalize("ﺍﻟﺤﻜﻮﻣﺔ"), "الحكومه");
    assert_eq!(normalize("الحك\u{200D}ومة"), "الحكومه");
    assert_eq!(normalize("الحك\u{200C}ومة"), "الحكومه");
}

#[test]
fn normalize_is_idempotent_on_examples() {
    for s in [
        "وكَتَبَ الصحفيُّ مقالاً",
        "ÉCOLE ΟΔΟΣ",
        "e\u{0640}\u{0301}",
        "ﷺ ﷲ ½ ™",
    ] {
        let once = normalize(s);
        assert_eq!(normalize(&once), once, "{s}");
    }
}

// ---------------------------------------------------------------------------
// tokenize

#[test]
fn sentence_tokens_with_original_spans() {
    let text = "«وكَتَبَ الصحفيُّ مقالاً عن الحكومة»";
    let tokens = tokenize(text);
    let expected = [
        (2, 16, "وكَتَبَ", "وكتب", false),
        (17, 33, "الصحفيُّ", "الصحفي", false),
        (34, 46, "مقالاً", "مقالا", false),
        (47, 51, "عن", "عن", true),
        (52, 66, "الحكومة", "الحكومه", false),
    ];
    assert_eq!(tokens.len(), expected.len());
    for (i, (t, (start, end, written, norm, stop))) in tokens.iter().zip(expected).enumerate() {
        assert_eq!((t.start, t.end), (start, end), "{t:?}");
        assert_eq!(&text[t.start..t.end], written);
        assert_eq!(t.normalized, norm);
        assert_eq!(t.stop, stop);
        assert_eq!(t.position, i);
        assert_eq!(t.stem, light_stem(norm));
    }
    // The span of the first word includes its fathas.
    assert_eq!(text[tokens[0].start..tokens[0].end].chars().count(), 7);
    assert_eq!(tokens[1].stem, "صحفي");
    assert_eq!(tokens[2].stem, "مقال");
    assert_eq!(tokens[4].stem, "حكوم");
}

#[test]
fn punctuation_separates_words() {
    assert_eq!(
        spans("أولاً،ثانياً؛ثالثاً؟«رابعاً»خامساً"),
        ["أولاً", "ثانياً", "ثالثاً", "رابعاً", "خامساً"]
    );
    assert_eq!(
        normalized("a.b,c!d?e:f;g\"h'i(j)k[l]m-n/o"),
        [
            "a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m", "n", "o"
        ]
    );
    assert_eq!(
        normalized("خبر…عاجل — تحديث٪ 🔥مباشر"),
        ["خبر", "عاجل", "تحديث", "مباشر"]
    );
    assert_eq!(normalized("عام\t2024\nميلادي"), ["عام", "2024", "ميلادي"]);
}

#[test]
fn bidi_controls_separate_and_never_belong_to_a_token() {
    for control in ['\u{202A}', '\u{202B}', '\u{202C}', '\u{202D}', '\u{202E}'] {
        let text = format!("الحكومة{control}تعلن");
        assert_eq!(
            spans(&text),
            ["الحكومة", "تعلن"],
            "U+{:04X}",
            control as u32
        );
    }
    for control in [
        '\u{2066}', '\u{2067}', '\u{2068}', '\u{2069}', '\u{200E}', '\u{200F}',
    ] {
        let text = format!("{control}Apple{control}ابل{control}");
        assert_eq!(spans(&text), ["Apple", "ابل"], "U+{:04X}", control as u32);
    }
    assert_eq!(spans("كلمة\u{0007}أخرى"), ["كلمة", "أخرى"]);
}

#[test]
fn marks_tatweel_and_joiners_keep_a_word_whole() {
    assert_eq!(spans("وكَتَبَ"), ["وكَتَبَ"]);
    assert_eq!(spans("الـــعـــرب"), ["الـــعـــرب"]);
    assert_eq!(spans("می\u{200C}خواهم"), ["می\u{200C}خواهم"]);
    assert_eq!(spans("كل\u{200D}مة"), ["كل\u{200D}مة"]);
}

#[test]
fn digits_and_letters_together_stay_one_token() {
    assert_eq!(normalized("covid19 ٤٠ بـ٤٠"), ["covid19", "40", "ب40"]);
    let arabic = tokenize("٤٠");
    let latin = tokenize("40");
    assert_eq!(arabic.len(), 1);
    assert_eq!(arabic[0].normalized, latin[0].normalized);
    assert_eq!(arabic[0].stem, latin[0].stem);
    assert_eq!(arabic[0].stem, "40");
}

#[test]
fn mixed_arabic_and_english() {
    let tokens = tokenize("شركة Apple تطلق iPhone");
    let norm: Vec<&str> = tokens.iter().map(|t| t.normalized.as_str()).collect();
    let stems: Vec<&str> = tokens.iter().map(|t| t.stem.as_str()).collect();
    assert_eq!(norm, ["شركه", "apple", "تطلق", "iphone"]);
    assert_eq!(stems, ["شرك", "apple", "تطلق", "iphone"]);
    assert!(tokens.iter().all(|t| !t.stop));
}

#[test]
fn stop_words_keep_their_position() {
    let tokens = tokenize("The minister of في الحكومة");
    let flags: Vec<(usize, bool)> = tokens.iter().map(|t| (t.position, t.stop)).collect();
    assert_eq!(
        flags,
        [(0, true), (1, false), (2, true), (3, true), (4, false)]
    );
}

#[test]
fn over_long_words_are_dropped() {
    let long = "x".repeat(MAX_TOKEN_CHARS + 1);
    let text = format!("أ {long} ب https://example.com/{long}");
    let tokens = tokenize(&text);
    let norm: Vec<&str> = tokens.iter().map(|t| t.normalized.as_str()).collect();
    assert_eq!(norm, ["ا", "ب", "https", "example", "com"]);
    let positions: Vec<usize> = tokens.iter().map(|t| t.position).collect();
    assert_eq!(positions, [0, 1, 2, 3, 4]);
    // Length counts normalised characters: diacritics do not make a word too long.
    let vocalised = "بَ".repeat(MAX_TOKEN_CHARS);
    assert_eq!(tokenize(&vocalised).len(), 1);
}

#[test]
fn empty_and_separator_only_input() {
    assert!(tokenize("").is_empty());
    assert!(tokenize("  ،؛؟ «» … 🎉 \u{202E} \u{064E}\u{0651} ـــ").is_empty());
}

#[test]
fn token_is_a_plain_value() {
    let t = Token {
        start: 0,
        end: 2,
        position: 0,
        normalized: "a".into(),
        stem: "a".into(),
        stop: true,
    };
    assert_eq!(t.clone(), t);
}

// ---------------------------------------------------------------------------
// light_stem

#[test]
fn article_and_prefixed_forms_share_a_stem() {
    assert_same_stem(&[
        "الحكومة",
        "والحكومة",
        "بالحكومة",
        "للحكومة",
        "فالحكومة",
        "كالحكومة",
        "وبالحكومة",
        "وللحكومة",
        "حكومة",
        "حكومات",
        "حكومتين",
        "وحكومة",
    ]);
    assert_eq!(stem("الحكومة"), "حكوم");
}

#[test]
fn sound_plurals_meet_the_singular() {
    assert_same_stem(&[
        "المعلمون",
        "المعلمين",
        "معلمين",
        "معلم",
        "معلمة",
        "معلمات",
        "معلمان",
    ]);
    assert_same_stem(&["الصحفيون", "صحفيين", "الصحفي", "صحفية", "الصحفيات"]);
    assert_same_stem(&["اللاعبين", "لاعبون", "لاعب", "ولاعبين"]);
    assert_same_stem(&["الاقتصادية", "اقتصادي", "الاقتصاد", "اقتصاديات"]);
    assert_same_stem(&["سيارة", "السيارات", "بالسيارة"]);
    assert_eq!(stem("المعلمون"), "معلم");
    assert_eq!(stem("صحفيين"), "صحفي");
}

#[test]
fn short_words_are_not_mangled() {
    for w in ["بلد", "وزير", "ولد", "فيل", "كتب", "بيت", "مصر", "قلب"] {
        assert_eq!(stem(w), w, "{w}");
    }
    assert_eq!(stem("الوزير"), "وزير");
    assert_eq!(stem("وزيرة"), "وزير");
    assert_eq!(stem("كتابة"), "كتاب");
    assert_eq!(stem("بيان"), "بيان");
    assert_eq!(stem("قانون"), "قانون");
    assert_eq!(stem("الله"), "الله");
}

#[test]
fn root_letters_that_look_like_prefixes() {
    // و ب ل that belong to the word: every form agrees, with or without the article.
    assert_same_stem(&[
        "وزارة",
        "الوزارة",
        "ووزارة",
        "والوزارة",
        "بالوزارة",
        "للوزارة",
    ]);
    assert_same_stem(&["برنامج", "البرنامج", "وبرنامج", "لبرنامج"]);
    assert_same_stem(&["لبنان", "ولبنان"]);
    assert_same_stem(&["وحدات", "الوحدات", "وحدة"]);
    assert_same_stem(&["بيان", "البيان", "بيانات"]);
    // ف and ك are only prefixes together with the article.
    assert_same_stem(&["فلسطين", "وفلسطين", "لفلسطين"]);
    assert_same_stem(&["كتاب", "الكتاب", "كتابات", "بالكتاب"]);
    // The folded إل of إلكتروني looks like a second article.
    assert_same_stem(&["الإلكتروني", "إلكترونية", "الالكترونية"]);
}

#[test]
fn clitic_conjunction_and_prepositions_on_longer_words() {
    assert_same_stem(&["وأضاف", "أضاف"]);
    assert_same_stem(&["وقالت", "قالت"]);
    assert_same_stem(&["لتعزيز", "تعزيز"]);
    assert_same_stem(&["بمشاركة", "مشاركة", "المشاركة"]);
}

#[test]
fn tanween_alef_and_nisba() {
    assert_same_stem(&["رسمياً", "رسمي", "رسمية"]);
    assert_same_stem(&["مقالاً", "مقال", "المقال"]);
    assert_same_stem(&["سوريا", "سوري", "السورية"]);
    assert_same_stem(&["مستشفى", "المستشفيات"]);
}

#[test]
fn names_ending_in_yeh_or_teh_marbuta() {
    assert_eq!(normalize("مصطفى"), normalize("مصطفي"));
    assert_eq!(stem("مصطفى"), stem("مصطفي"));
    assert_eq!(normalize("فاطمة"), normalize("فاطمه"));
    assert_eq!(stem("فاطمة"), stem("فاطمه"));
    assert_eq!(normalize("يحيى"), normalize("يحيي"));
    assert_eq!(stem("يحيى"), stem("يحيي"));
}

#[test]
fn non_arabic_words_are_unchanged() {
    for w in ["apple", "iphones", "covid19", "2024", "ب2024", "école", ""] {
        assert_eq!(light_stem(w), w, "{w}");
    }
}

#[test]
fn stop_words() {
    for w in [
        "في",
        "من",
        "عن",
        "مع",
        "أن",
        "إن",
        "أو",
        "ثم",
        "هذا",
        "هذه",
        "ذلك",
        "التي",
        "الذي",
        "الذين",
        "كان",
        "كانت",
        "قد",
        "لا",
        "ما",
        "لم",
        "لن",
        "هو",
        "هي",
        "هم",
        "نحن",
        "أنا",
        "كل",
        "بعض",
        "غير",
        "بين",
        "حتى",
        "عند",
        "منذ",
        "بعد",
        "قبل",
        "كما",
        "أيضاً",
        "أي",
        "و",
        "وفي",
        "the",
        "a",
        "an",
        "of",
        "and",
        "or",
        "in",
        "on",
        "to",
        "is",
    ] {
        assert!(is_stop_word(&normalize(w)), "{w}");
    }
    for w in [
        "الحكومة",
        "وزير",
        "أم",
        "إمام",
        "Apple",
        "قال",
        "علي",
        "على",
    ] {
        assert!(!is_stop_word(&normalize(w)), "{w}");
    }
}

// ---------------------------------------------------------------------------
// Properties

const LETTERS: &[char] = &[
    'ا', 'أ', 'إ', 'آ', 'ٱ', 'ب', 'ت', 'ث', 'ج', 'ح', 'خ', 'د', 'ذ', 'ر', 'ز', 'س', 'ش', 'ص', 'ض',
    'ط', 'ظ', 'ع', 'غ', 'ف', 'ق', 'ك', 'ل', 'م', 'ن', 'ه', 'ة', 'و', 'ي', 'ى', 'ء', 'ؤ', 'ئ',
];

/// Letters of normalised Arabic.
const PLAIN_LETTERS: &[char] = &[
    'ا', 'ب', 'ت', 'ث', 'ج', 'ح', 'خ', 'د', 'ذ', 'ر', 'ز', 'س', 'ش', 'ص', 'ض', 'ط', 'ظ', 'ع', 'غ',
    'ف', 'ق', 'ك', 'ل', 'م', 'ن', 'ه', 'و', 'ي', 'ء',
];

/// What a fully vocalised, stretched or annotated spelling adds after a letter: all of
/// tashkeel U+064B..=U+065F, superscript alef, tatweel and the Quranic marks that are
/// written on letters (U+06DD, U+06DE and U+06E9 are signs between words, not marks).
fn vocalisation() -> Vec<char> {
    ('\u{064B}'..='\u{065F}')
        .chain(['\u{0670}', '\u{0640}'])
        .chain('\u{06D6}'..='\u{06DC}')
        .chain('\u{06DF}'..='\u{06E8}')
        .chain('\u{06EA}'..='\u{06ED}')
        .collect()
}

/// Letters, marks, joiners, controls, punctuation, digits of three scripts and emoji,
/// as the inside of a regex character class (a macro so that `concat!` can use it).
macro_rules! mixed {
    () => {
        "\\u0621-\\u064A\\u064B-\\u065F\\u0670\\u0640\\u06D6-\\u06EDa-zA-Z0-9\\u0660-\\u0669\\u06F0-\\u06F9 \\t\\n\\u200C\\u200D\\u200E\\u200F\\u202A-\\u202E\\u2066-\\u2069\\u0000-\\u001F«»،؛؟!?.,:;\"'()\\[\\]/\\-\\u{1F600}-\\u{1F64F}\\u0301\\u0308"
    };
}

fn any_text() -> impl Strategy<Value = String> {
    prop_oneof![
        concat!("[", mixed!(), "]{0,200}"),
        "\\PC{0,200}",
        prop::collection::vec(any::<char>(), 0..200).prop_map(|v| v.into_iter().collect()),
        // Very long input: one character repeated, or a long mixed run.
        (any::<char>(), 0usize..3000).prop_map(|(c, n)| std::iter::repeat_n(c, n).collect()),
        concat!("[", mixed!(), "]{1000,3000}"),
    ]
}

fn arabic_word() -> impl Strategy<Value = Vec<(char, char)>> {
    let marks = vocalisation();
    prop::collection::vec(
        (prop::sample::select(LETTERS), prop::sample::select(marks)),
        1..12,
    )
}

/// A normalised Arabic word that may carry an article, a clitic and an ending.
fn decorated_word() -> impl Strategy<Value = String> {
    (
        prop::sample::select(vec![
            "", "ال", "وال", "بال", "لل", "فال", "كال", "و", "ب", "ل", "وب", "ف",
        ]),
        prop::collection::vec(prop::sample::select(PLAIN_LETTERS), 0..8),
        prop::sample::select(vec![
            "", "ه", "ات", "ون", "ين", "ان", "ي", "يه", "ها", "هم", "نا", "ا", "تين",
        ]),
    )
        .prop_map(|(p, core, s)| format!("{p}{}{s}", core.into_iter().collect::<String>()))
}

fn is_bidi_or_control(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn normalize_is_idempotent(s in any_text()) {
        let once = normalize(&s);
        prop_assert_eq!(normalize(&once), once);
    }

    #[test]
    fn nothing_panics(s in any_text()) {
        let tokens = tokenize(&s);
        let _ = light_stem(&s);
        let _ = light_stem(&normalize(&s));
        let _ = is_stop_word(&s);
        for t in &tokens {
            let _ = light_stem(&t.stem);
        }
    }

    #[test]
    fn vocalisation_changes_nothing(word in arabic_word()) {
        let plain: String = word.iter().map(|(c, _)| *c).collect();
        let vocalised: String = word.iter().flat_map(|(c, m)| [*c, *m]).collect();
        prop_assert_eq!(normalize(&vocalised), normalize(&plain));
        prop_assert_eq!(light_stem(&normalize(&vocalised)), light_stem(&normalize(&plain)));
        let tokens = tokenize(&vocalised);
        prop_assert_eq!(tokens.len(), 1);
        prop_assert_eq!((tokens[0].start, tokens[0].end), (0, vocalised.len()));
        prop_assert_eq!(&tokens[0].normalized, &normalize(&plain));
    }

    #[test]
    fn token_spans_are_ordered_boundaries(s in any_text()) {
        let tokens = tokenize(&s);
        let mut previous_end = 0;
        for (i, t) in tokens.iter().enumerate() {
            prop_assert!(t.start < t.end, "{t:?}");
            prop_assert!(t.start >= previous_end, "{t:?} overlaps");
            prop_assert!(s.is_char_boundary(t.start) && s.is_char_boundary(t.end), "{t:?}");
            prop_assert!(t.end <= s.len());
            previous_end = t.end;
            let word = &s[t.start..t.end];
            prop_assert!(!word.chars().any(is_bidi_or_control), "{word:?}");
            prop_assert!(!word.chars().any(char::is_whitespace), "{word:?}");
            prop_assert_eq!(t.position, i);
            prop_assert_eq!(&t.normalized, &normalize(word));
            prop_assert_eq!(&t.stem, &light_stem(&t.normalized));
            prop_assert_eq!(t.stop, is_stop_word(&t.normalized));
            let len = t.normalized.chars().count();
            prop_assert!((1..=MAX_TOKEN_CHARS).contains(&len), "{t:?}");
            // A token's normal form is itself exactly one token.
            let again = tokenize(&t.normalized);
            prop_assert_eq!(again.len(), 1, "{:?}", t);
            prop_assert_eq!(&again[0].normalized, &t.normalized);
        }
    }

    #[test]
    fn tokenizing_normalised_text_gives_the_same_words(s in concat!("[", mixed!(), "]{0,200}")) {
        // U+06DD, U+06DE and U+06E9 are excluded: normalize() deletes them as Quranic
        // marks while the tokenizer treats them as signs between words.
        let s: String = s.chars().filter(|c| !matches!(c, '\u{06DD}' | '\u{06DE}' | '\u{06E9}')).collect();
        prop_assert_eq!(normalized(&normalize(&s)), normalized(&s));
    }

    /// The mapped normalisation is the normalisation, each of its bytes placed on the
    /// character it came from, in order; text it cannot map is refused, not mapped wrongly.
    #[test]
    fn the_mapped_normalisation_places_each_byte(s in prop_oneof![
        any_text(),
        "[\\u0621-\\u0670\\u06F0-\\u06F9a-zA-Z0-9 .,\\n]{0,300}",
    ]) {
        match normalize_mapped(&s) {
            Some((folded, from)) => {
                prop_assert_eq!(&folded, &normalize(&s));
                prop_assert_eq!(from.len(), folded.len());
                prop_assert!(from.windows(2).all(|w| w[0] <= w[1]));
                for (i, c) in folded.char_indices() {
                    let source = s[from[i]..].chars().next().unwrap();
                    prop_assert_eq!(normalize(&source.to_string()), c.to_string());
                }
            }
            None => {
                let basic = |c: char| {
                    c.is_ascii() || matches!(c, '\u{0621}'..='\u{0670}' | '\u{06F0}'..='\u{06F9}')
                };
                prop_assert!(!s.chars().all(basic), "{:?}", s);
            }
        }
    }

    #[test]
    fn stems_keep_three_letters(w in decorated_word(), s in any_text()) {
        for word in [w, normalize(&s)] {
            let stemmed = light_stem(&word);
            let n = word.chars().count();
            prop_assert!(stemmed.chars().count() >= n.min(3), "{word:?} -> {stemmed:?}");
            // Light stemming only cuts at the edges.
            prop_assert!(word.contains(&stemmed), "{word:?} -> {stemmed:?}");
        }
    }

    #[test]
    fn definite_forms_agree(core in prop::collection::vec(prop::sample::select(PLAIN_LETTERS), 3..9)) {
        // Words that do not themselves start like a prefix: every article form of them
        // must stem like the bare word.
        let w: String = core.into_iter().collect();
        prop_assume!(!w.starts_with(['ا', 'و', 'ب', 'ل', 'ف', 'ك']));
        let bare = light_stem(&w);
        for p in ["ال", "وال", "بال", "فال", "كال", "لل", "وبال", "وكال", "فبال", "ولل", "فلل"] {
            prop_assert_eq!(light_stem(&format!("{p}{w}")), bare.clone(), "{}{}", p, w);
        }
    }
}
