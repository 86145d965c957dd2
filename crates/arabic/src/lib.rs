//! Arabic text and time for Midad: normalisation, slugs, digits, plural forms and dates.
//! Pure functions over strings and numbers, with CLDR data from ICU4X; no I/O.

pub mod analyze;
pub mod date;
pub mod digits;
pub mod plural;
pub mod text;

pub use analyze::{
    MAX_TOKEN_CHARS, Token, is_stop_word, light_stem, normalize, normalize_mapped, tokenize,
};
pub use date::{DateError, DateFormatter, DateStyle, Weekday, Ymd, from_hijri, hijri_ymd};
pub use digits::{Digits, digits, format_number, to_arabic_digits, to_latin_digits};
pub use plural::{
    PluralCategory, WORDS_PER_MINUTE, plural_category, reading_minutes, reading_time, word_count,
};
pub use text::{MAX_SLUG_CHARS, is_diacritic, is_valid_slug, slugify, strip_diacritics};
