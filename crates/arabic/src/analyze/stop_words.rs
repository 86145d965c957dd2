//! Stop words: Arabic particles, prepositions, pronouns and auxiliaries, plus a few English ones.
//! Every entry is written the way normalize() spells it, so lookups need no further folding.

use std::collections::HashSet;
use std::sync::OnceLock;

/// Arabic function words in normalised spelling (ى → ي, ة → ه, hamza seats → bare letter).
///
/// Folding has a price: «علي» is both «على» and the name Ali, «الي» both «إلى» and
/// «آلي» (automatic). Those two are therefore not listed: the search index drops stop
/// words, and a reader looking for Ali must find him; frequency keeps their weight low.
/// Left out on purpose although often listed elsewhere: «ام» (also أم, mother), «امام»
/// (also إمام, imam), «خلف» (also a name), «قال» (content in news: who said what).
const ARABIC: &[&str] = &[
    // Prepositions and adverbs of place and time.
    "في من عن مع عند لدي منذ حتي بين نحو حول دون خلال عبر ضمن تحت فوق مثل",
    "بعد قبل الان حين",
    // Clitics written apart («بـ 40», «و 3»).
    "و ف ب ل ك",
    // Conjunctions and particles.
    "او ثم بل لكن ولكن حيث اذا اذ كما لان لكي كي ان انما اما الا لو لولا بينما عندما كلما لما",
    "قد لقد سوف هل يا ايضا فقط جدا غير اي فيما بما مما عما لذلك كذلك",
    // Negation.
    "لا لم لن ليس ليست ما",
    // Demonstratives.
    "هذا هذه ذلك تلك هولاء اوليك هنا هناك",
    // Relative pronouns.
    "الذي التي الذين اللاتي اللواتي",
    // Personal pronouns.
    "هو هي هم هما هن انا نحن انت انتم",
    // Interrogatives.
    "ماذا لماذا كيف اين متي كم",
    // Auxiliaries.
    "كان كانت كانوا يكون تكون",
    // Quantifiers.
    "كل بعض جميع",
    // Particles carrying a pronoun.
    "له لها لهم به بها فيه فيها منه منها عليه عليها عنه عنها انه انها انهم",
    // The same words with the conjunction و or ف attached, as they are usually written.
    "وفي ومن وعلي وعن ومع وان وقد ولا ولم ولن وهو وهي وهم وكان وهذا وهذه وذلك وبعد وقبل وبين",
    "وكل وما فان فقد فلا",
];

/// English stop words: the classic list of Lucene's English analyzer. Small on purpose;
/// Latin text in Arabic news is mostly names and brands.
const ENGLISH: &[&str] = &[
    "a an and are as at be but by for if in into is it no not of on or such that the their",
    "then there these they this to was will with",
];

/// Every stop word; the lists hold several space-separated words per line so that
/// they stay readable.
fn all_words() -> impl Iterator<Item = &'static str> {
    ARABIC
        .iter()
        .chain(ENGLISH)
        .flat_map(|line| line.split_whitespace())
}

fn set() -> &'static HashSet<&'static str> {
    static SET: OnceLock<HashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| all_words().collect())
}

/// True if `normalized_word` (a [`super::normalize`]d word) is a stop word: an Arabic
/// particle, preposition, pronoun or auxiliary (في، من، على، هذا، الذي، كان …), alone or
/// with و/ف attached (وفي، فقد), or a common English function word (the, of, and …).
pub fn is_stop_word(normalized_word: &str) -> bool {
    set().contains(normalized_word)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::normalize;

    #[test]
    fn entries_are_normalised_and_unique() {
        let mut seen = HashSet::new();
        for w in all_words() {
            assert_eq!(normalize(w), w, "{w} is not in normalised form");
            assert!(seen.insert(w), "{w} listed twice");
        }
        let arabic = ARABIC.iter().flat_map(|l| l.split_whitespace()).count();
        assert_eq!(arabic, 148);
        assert_eq!(seen.len(), arabic + 33);
    }

    #[test]
    fn lookups() {
        for w in ["في", "هذه", "أولئك", "هؤلاء", "حتى", "أيضاً", "The", "OF"]
        {
            assert!(is_stop_word(&normalize(w)), "{w}");
        }
        for w in [
            "حكومة",
            "وزير",
            "امام",
            "أم",
            "قال",
            "علي",
            "إلى",
            "apple",
            "",
        ] {
            assert!(!is_stop_word(&normalize(w)), "{w}");
        }
    }
}
