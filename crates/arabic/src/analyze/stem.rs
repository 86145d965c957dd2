//! Light stemming: stripping Arabic clitics and inflectional endings, never roots or patterns.
//! Built so that definite, indefinite and prefixed forms of one word land on one stem.

/// No rule may leave fewer letters than this.
const MIN_STEM: usize = 3;

/// A clitic is only removed when what remains keeps this many letters after its own
/// ending is removed; see [`strip_clitics`].
const MIN_AFTER_CLITIC: usize = 4;

/// Prefixes containing the article, longest first: an optional conjunction (و ف), an
/// optional preposition (ب ك), then ال; or ل + ال, which Arabic spells لل.
const ARTICLE_PREFIXES: [&str; 12] = [
    "وبال", "وكال", "فبال", "فكال", "وال", "فال", "بال", "كال", "ولل", "فلل", "لل", "ال",
];

/// Clitic sequences [`strip_clitics`] tries, longest first: the conjunction و and the
/// prepositions ب ل, alone or two together. Only و + ب/ل is grammatical; the other
/// pairs are there because the second letter may be a root letter that bare forms lose
/// too (لبريطانيا next to بريطانيا, ووزراء next to وزراء), see [`strip_clitics`].
const CLITICS: [&str; 12] = [
    "وب", "ول", "وو", "بب", "بل", "بو", "لب", "لل", "لو", "و", "ب", "ل",
];

/// Suffixes with the fewest letters each must leave, longest first.
///
/// The plural and dual endings ون ين ان must leave four letters because many nouns end
/// in them natively (قانون، زيتون، لبنان، سودان، ايران); sound plurals are mostly
/// formed on participles and nisba adjectives of four letters or more (معلمون، صحفيون).
/// «ا» is the accusative tanween alef (مقالاً، رسمياً، سابقاً), so adverbs meet their
/// adjective and country names their nisba (سوريا/سوري، تركيا/تركي).
const SUFFIXES: [(&str, usize); 15] = [
    ("تين", 3),
    ("تان", 3),
    ("ات", 3),
    ("ون", 4),
    ("ين", 4),
    ("ان", 4),
    ("ها", 3),
    ("هم", 3),
    ("هن", 3),
    ("كم", 3),
    ("نا", 3),
    ("تم", 3),
    ("وا", 3),
    ("ه", 3),
    ("ا", 3),
];

/// A final nisba ي is removed only if this many letters remain: four-letter nisbas
/// (عربي، صحفي) keep it, which keeps them apart from عرب، صحف.
const NISBA_MIN: usize = 4;

/// Light stem of a word that went through [`super::normalize`].
///
/// Words that are not made only of Arabic letters (Latin, digits, mixed) come back
/// unchanged. For Arabic words, in order:
///
/// 1. **Article.** Remove the longest of وبال وكال فبال فكال وال فال بال كال ولل فلل لل ال
///    if at least three letters remain (للحكومة → حكومه, والحكومة → حكومه). If what
///    remains starts with ال again (الالكتروني, where the second ال is the folded إل of
///    إلكتروني), remove that too, so that the word meets its undetermined form.
/// 2. **Clitics.** Remove up to two of و ب ل (longest first: وبريطانيا، لتعزيز، وأضاف)
///    only if the remainder, once its own ending is removed, still has four letters
///    (see [`strip_clitics`] and [`stands_alone`]). This also runs after step 1, so
///    «البرنامج» and «برنامج» agree even though that ب is a root letter. ف and ك are
///    only removed together with the article: as bare prefixes they are rare in news
///    prose, while ف and ك begin very common words (فلسطين، فرنسا، فريق، كورونا، كبير).
/// 3. **Ending.** Remove the first suffix of تين تان ات ون ين ان ها هم هن كم نا تم وا ه ا
///    whose minimum remaining length is met (three letters, four for ون ين ان), then a
///    final nisba ي if four letters remain: صحفية → صحفي, اقتصاديات → اقتصاد. The ه of
///    الله is kept.
///
/// The result never has fewer than three letters unless the word itself had fewer.
pub fn light_stem(normalized_word: &str) -> String {
    if normalized_word.is_empty() || !normalized_word.chars().all(is_arabic_letter) {
        return normalized_word.to_owned();
    }
    let word = strip_article(normalized_word).unwrap_or(normalized_word);
    strip_suffix(strip_clitics(word)).to_owned()
}

/// The letters light stemming works on: Arabic-script letters that survive normalize().
/// Anything else (digits, Latin, marks) means the word is not stemmed.
fn is_arabic_letter(c: char) -> bool {
    matches!(
        c,
        '\u{0620}'..='\u{063F}'
            | '\u{0641}'..='\u{064A}'
            | '\u{066E}'..='\u{066F}'
            | '\u{0671}'..='\u{06D3}'
            | '\u{06D5}'
            | '\u{06EE}'..='\u{06EF}'
            | '\u{06FA}'..='\u{06FC}'
            | '\u{06FF}'
            | '\u{0750}'..='\u{077F}'
            | '\u{08A0}'..='\u{08C9}'
    )
}

fn letters(s: &str) -> usize {
    s.chars().count()
}

/// Step 1: the article with whatever conjunction or preposition is attached to it.
fn strip_article(word: &str) -> Option<&str> {
    let rest = ARTICLE_PREFIXES
        .iter()
        .filter_map(|p| word.strip_prefix(p))
        .find(|rest| letters(rest) >= MIN_STEM)?;
    match rest.strip_prefix("ال") {
        Some(again) if letters(again) >= MIN_STEM => Some(again),
        _ => Some(rest),
    }
}

/// Step 2: up to two of و ب ل, kept only when the remainder is clearly a word of its own.
///
/// Those letters also begin very common words (وزير، وزارة، بريطانيا، برنامج، لبنان،
/// لاعب), so a plain length test would turn «وزارة» into «زار» but leave «الوزارة» as
/// «وزار», and the two would no longer match. The test therefore looks at the remainder
/// after its own ending is removed ([`stands_alone`]): «وزارة» → «زارة» → «زار» keeps
/// three letters, so the و stays; «وحكومة» → «حكومة» → «حكوم» keeps four, so it goes.
/// Inflected forms share that remainder, so they decide alike (وزير، وزيرة، الوزارة،
/// ووزارة all keep their و).
///
/// Because the same test runs on bare words and after the article, a noun whose root
/// starts with one of these letters loses it in every form, and all forms still meet
/// (برنامج، البرنامج، وبرنامج، لبرنامج → رنامج). The stem is then not a word, but
/// nobody reads stems; what matters is that the forms agree.
fn strip_clitics(word: &str) -> &str {
    CLITICS
        .iter()
        .filter_map(|c| word.strip_prefix(c).map(|rest| (*c, rest)))
        // Only a final و gets the gentler test: after ب or ل the remainder must look
        // like a word on its own merits.
        .find(|(clitic, rest)| stands_alone(rest, !clitic.ends_with('و')))
        .map_or(word, |(_, rest)| rest)
}

/// True when `rest`, the word after a clitic, is long enough to be a word of its own.
///
/// Two measures must reach the limit. The stem of `rest` must keep
/// [`MIN_AFTER_CLITIC`] letters, so no clitic removal exposes a three-letter stem.
/// And `rest` minus any listed ending, ignoring length rules, must keep four letters
/// after ب/ل (`strict`) and three after و: «لاعبين» must stay whole («اعب» is three
/// letters) while «ولبنان», whose «ان» is not a suffix, should lose its و («لبن» is
/// three letters). و is a conjunction far more often than ب/ل are prepositions in front
/// of such words, hence the gentler limit.
fn stands_alone(rest: &str, strict: bool) -> bool {
    let core_min = if strict { MIN_AFTER_CLITIC } else { MIN_STEM };
    letters(strip_suffix(rest)) >= MIN_AFTER_CLITIC && letters(strip_any_suffix(rest)) >= core_min
}

/// The ه of الله (and عبدالله, بالله …) is part of the name, not a pronoun.
fn keeps_final_heh(word: &str) -> bool {
    word.ends_with("لله")
}

fn suffix_allowed(word: &str, suffix: &str) -> bool {
    !(suffix == "ه" && keeps_final_heh(word))
}

/// Step 3: one ending from [`SUFFIXES`], then a nisba ي.
fn strip_suffix(word: &str) -> &str {
    let stripped = SUFFIXES
        .iter()
        .filter(|(s, _)| suffix_allowed(word, s))
        .find_map(|(s, min)| word.strip_suffix(s).filter(|rest| letters(rest) >= *min))
        .unwrap_or(word);
    // The nisba ي also follows other endings (صحفيات → صحفي, اقتصاديه → اقتصادي →
    // اقتصاد), so that the feminine and plural forms meet the masculine singular.
    match stripped.strip_suffix('ي') {
        Some(rest) if letters(rest) >= NISBA_MIN => rest,
        _ => stripped,
    }
}

/// The shortest `word` could get if any listed ending were a suffix, ignoring the
/// length rules; used only to judge clitics. The nisba ي is not counted, because
/// short nisbas keep it in [`strip_suffix`] too.
fn strip_any_suffix(word: &str) -> &str {
    SUFFIXES
        .iter()
        .filter(|(s, _)| suffix_allowed(word, s))
        .find_map(|(s, _)| word.strip_suffix(s).filter(|rest| !rest.is_empty()))
        .unwrap_or(word)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn article_forms() {
        assert_eq!(strip_article("الحكومه"), Some("حكومه"));
        assert_eq!(strip_article("وبالحكومه"), Some("حكومه"));
        assert_eq!(strip_article("الالكتروني"), Some("كتروني"));
        assert_eq!(strip_article("الم"), None);
        assert_eq!(strip_article("الله"), None);
        assert_eq!(strip_article("حكومه"), None);
    }

    #[test]
    fn clitics_need_a_real_remainder() {
        assert_eq!(strip_clitics("وحكومه"), "حكومه");
        assert_eq!(strip_clitics("وزاره"), "وزاره");
        assert_eq!(strip_clitics("وزير"), "وزير");
        assert_eq!(strip_clitics("لاعبين"), "لاعبين");
        assert_eq!(strip_clitics("ولاعبين"), "لاعبين");
        assert_eq!(strip_clitics("لبنان"), "لبنان");
        assert_eq!(strip_clitics("ولبنان"), "لبنان");
        assert_eq!(strip_clitics("وحدات"), "وحدات");
        assert_eq!(strip_clitics("وبريطانيا"), "ريطانيا");
        assert_eq!(strip_clitics("والله"), "الله");
    }

    #[test]
    fn suffixes() {
        assert_eq!(strip_suffix("حكومات"), "حكوم");
        assert_eq!(strip_suffix("قانون"), "قانون");
        assert_eq!(strip_suffix("اقتصاديات"), "اقتصاد");
        assert_eq!(strip_suffix("صحفيه"), "صحفي");
        assert_eq!(strip_suffix("الله"), "الله");
        assert_eq!(strip_suffix("بيت"), "بيت");
    }

    #[test]
    fn suffix_list_is_longest_first() {
        for pair in SUFFIXES.windows(2) {
            assert!(letters(pair[0].0) >= letters(pair[1].0), "{pair:?}");
        }
        for pair in ARTICLE_PREFIXES.windows(2) {
            assert!(letters(pair[0]) >= letters(pair[1]), "{pair:?}");
        }
    }
}
