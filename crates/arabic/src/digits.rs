//! Digits in either script: Arabic-Indic (٠١٢٣) or Latin (0123).
//! Sites choose one by setting; everything that prints a number goes through here.

use std::fmt;

/// Which digits a site prints.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Hash)]
pub enum Digits {
    /// Arabic-Indic digits, U+0660..=U+0669 (CLDR numbering system `arab`).
    #[default]
    Arab,
    /// ASCII digits 0-9 (CLDR numbering system `latn`).
    Latn,
}

impl Digits {
    /// Parses the CLDR numbering-system name used in configuration (`arab` or `latn`).
    ///
    /// Case and surrounding spaces are forgiven because the value comes from
    /// hand-edited configuration files.
    pub fn parse(s: &str) -> Option<Digits> {
        let s = s.trim();
        if s.eq_ignore_ascii_case("arab") {
            Some(Digits::Arab)
        } else if s.eq_ignore_ascii_case("latn") {
            Some(Digits::Latn)
        } else {
            None
        }
    }

    /// The CLDR numbering-system name, also the value of the `-u-nu-` locale extension.
    pub fn as_str(self) -> &'static str {
        match self {
            Digits::Arab => "arab",
            Digits::Latn => "latn",
        }
    }
}

impl fmt::Display for Digits {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

const ARABIC_INDIC_ZERO: u32 = 0x0660;
const EASTERN_ARABIC_INDIC_ZERO: u32 = 0x06F0;

/// The value 0..=9 of an ASCII, Arabic-Indic or Eastern Arabic-Indic (Persian/Urdu) digit.
pub fn digit_value(c: char) -> Option<u32> {
    let cp = c as u32;
    match c {
        '0'..='9' => Some(cp - '0' as u32),
        '\u{0660}'..='\u{0669}' => Some(cp - ARABIC_INDIC_ZERO),
        '\u{06F0}'..='\u{06F9}' => Some(cp - EASTERN_ARABIC_INDIC_ZERO),
        _ => None,
    }
}

fn arabic_digit(value: u32) -> char {
    // `value` is always 0..=9 here, so the fallback is unreachable in practice;
    // it exists only so that no input can make this panic.
    char::from_u32(ARABIC_INDIC_ZERO + value).unwrap_or('\u{0660}')
}

fn latin_digit(value: u32) -> char {
    char::from_digit(value, 10).unwrap_or('0')
}

/// Replaces ASCII digits 0-9 with Arabic-Indic ٠-٩; every other character is kept.
///
/// Eastern Arabic-Indic digits (۰-۹) are left alone: they are a deliberate
/// Persian/Urdu spelling, not Latin digits waiting to be localised.
pub fn to_arabic_digits(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '0'..='9' => arabic_digit(c as u32 - '0' as u32),
            _ => c,
        })
        .collect()
}

/// Replaces Arabic-Indic ٠-٩ and Eastern Arabic-Indic ۰-۹ digits with ASCII 0-9.
pub fn to_latin_digits(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\u{0660}'..='\u{0669}' | '\u{06F0}'..='\u{06F9}' => {
                digit_value(c).map_or(c, latin_digit)
            }
            _ => c,
        })
        .collect()
}

/// Converts every digit in `s` to the chosen script.
pub fn digits(s: &str, d: Digits) -> String {
    match d {
        Digits::Arab => to_arabic_digits(&to_latin_digits(s)),
        Digits::Latn => to_latin_digits(s),
    }
}

/// Formats an integer in the chosen digits, without grouping separators.
///
/// A minus sign stays ASCII '-' in both scripts: CLDR's `arab` minus sign
/// carries a bidi mark that breaks when the number is pasted into URLs or feeds.
pub fn format_number(n: i64, d: Digits) -> String {
    let latin = n.to_string();
    match d {
        Digits::Arab => to_arabic_digits(&latin),
        Digits::Latn => latin,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_name() {
        assert_eq!(Digits::parse("arab"), Some(Digits::Arab));
        assert_eq!(Digits::parse("latn"), Some(Digits::Latn));
        assert_eq!(Digits::parse(" LATN "), Some(Digits::Latn));
        assert_eq!(Digits::parse("latin"), None);
        assert_eq!(Digits::parse(""), None);
        assert_eq!(Digits::Arab.as_str(), "arab");
        assert_eq!(Digits::Latn.as_str(), "latn");
        assert_eq!(Digits::default(), Digits::Arab);
        for d in [Digits::Arab, Digits::Latn] {
            assert_eq!(Digits::parse(d.as_str()), Some(d));
        }
    }

    #[test]
    fn conversions() {
        assert_eq!(to_arabic_digits("2024-11-16"), "٢٠٢٤-١١-١٦");
        assert_eq!(to_arabic_digits("عام 1446 هـ"), "عام ١٤٤٦ هـ");
        assert_eq!(to_latin_digits("٢٠٢٤/١١/١٦"), "2024/11/16");
        assert_eq!(to_latin_digits("۱۴۰۳"), "1403");
        assert_eq!(to_latin_digits("abc ٠١٢٣٤٥٦٧٨٩"), "abc 0123456789");
        assert_eq!(to_arabic_digits("۱۲"), "۱۲");
        assert_eq!(digits("۱۲ و 34 و ٥٦", Digits::Arab), "١٢ و ٣٤ و ٥٦");
        assert_eq!(digits("۱۲ و 34 و ٥٦", Digits::Latn), "12 و 34 و 56");
    }

    #[test]
    fn numbers() {
        assert_eq!(format_number(0, Digits::Arab), "٠");
        assert_eq!(format_number(1446, Digits::Arab), "١٤٤٦");
        assert_eq!(format_number(1446, Digits::Latn), "1446");
        assert_eq!(format_number(-12, Digits::Arab), "-١٢");
        assert_eq!(
            format_number(i64::MIN, Digits::Latn),
            "-9223372036854775808"
        );
        assert_eq!(format_number(1234567, Digits::Arab), "١٢٣٤٥٦٧");
    }
}
