//! Gregorian and Hijri (Umm al-Qura) dates in the site's locale, through ICU4X's CLDR data.
//! Regional month names come from CLDR: `ar-EG` says نوفمبر, `ar-SY` تشرين الثاني, `ar-MA` نونبر.

use std::fmt;

use icu::calendar::Date;
use icu::calendar::cal::{Gregorian, Hijri, hijri::UmmAlQura};
use icu::calendar::types::RataDie;
/// Re-exported so callers of [`DateFormatter::weekday`] need no ICU4X dependency.
pub use icu::calendar::types::Weekday;
use icu::datetime::fieldsets::{E, M, YMD, YMDE, YMDT};
use icu::datetime::input::{DateTime, Time};
use icu::datetime::preferences::NumberingSystem;
use icu::datetime::{DateTimeFormatterPreferences, FixedCalendarDateTimeFormatter};
use icu::locale::Locale;
use icu::locale::extensions::unicode::value;
use icu::locale::subtags::Language;

use crate::digits::{Digits, digits, format_number};

/// A day of the proleptic Gregorian calendar.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Ymd {
    pub year: i32,
    pub month: u8,
    pub day: u8,
}

/// Rata Die of 2000-01-01, only a landing place for dates ICU4X would refuse.
const RD_2000_01_01: i64 = 730_120;

/// Years outside ICU4X's constructor range (-9999..=9999) cannot be formatted.
const YEAR_RANGE: std::ops::RangeInclusive<i32> = -9999..=9999;

fn is_leap_year(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i32, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap_year(year) => 29,
        2 => 28,
        _ => 0,
    }
}

impl Ymd {
    /// A valid Gregorian date, or `None` (month 13, 30 February, 29 February 2023,
    /// or a year outside -9999..=9999).
    pub fn new(year: i32, month: u8, day: u8) -> Option<Ymd> {
        let valid = YEAR_RANGE.contains(&year)
            && (1..=12).contains(&month)
            && (1..=days_in_month(year, month)).contains(&day);
        valid.then_some(Ymd { year, month, day })
    }

    /// The date as ICU4X sees it.
    ///
    /// The fields are public, so a hand-built `Ymd` may be invalid; rather than panic
    /// in a page header, each field is clamped into range (2023-02-30 → 2023-02-28).
    fn to_icu(self) -> Date<Gregorian> {
        let year = self.year.clamp(*YEAR_RANGE.start(), *YEAR_RANGE.end());
        let month = self.month.clamp(1, 12);
        let day = self.day.clamp(1, days_in_month(year, month));
        match Date::try_new_gregorian(year, month, day) {
            Ok(date) => date,
            // Unreachable after clamping; a fixed date keeps this total without a panic.
            Err(_) => Date::from_rata_die(RataDie::new(RD_2000_01_01), Gregorian),
        }
    }

    fn from_icu(date: &Date<Gregorian>) -> Option<Ymd> {
        Ymd::new(
            date.year().extended_year(),
            date.month().ordinal,
            date.day_of_month().0,
        )
    }
}

impl fmt::Display for Ymd {
    /// ISO 8601 (`2024-11-16`), the form used in URLs and feeds.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// What can go wrong when setting up date formatting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DateError {
    /// The locale tag did not parse as BCP 47.
    UnknownLocale(String),
    /// A date that does not exist in the calendar.
    InvalidDate,
    /// ICU4X could not build a formatter (missing data, bad options).
    Format(String),
}

impl fmt::Display for DateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DateError::UnknownLocale(l) => write!(f, "unknown locale {l:?}"),
            DateError::InvalidDate => f.write_str("invalid date"),
            DateError::Format(e) => write!(f, "cannot format dates: {e}"),
        }
    }
}

impl std::error::Error for DateError {}

/// Formats dates for one locale and one choice of digits.
///
/// Building ICU4X formatters costs far more than using them, so they are built once
/// here and kept; build one `DateFormatter` per site and reuse it.
pub struct DateFormatter {
    locale: Locale,
    digits: Digits,
    long: FixedCalendarDateTimeFormatter<Gregorian, YMDE>,
    date_time: FixedCalendarDateTimeFormatter<Gregorian, YMDT>,
    month: FixedCalendarDateTimeFormatter<Gregorian, M>,
    weekday: FixedCalendarDateTimeFormatter<Gregorian, E>,
    hijri: FixedCalendarDateTimeFormatter<Hijri<UmmAlQura>, YMD>,
}

impl fmt::Debug for DateFormatter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DateFormatter")
            .field("locale", &self.locale.to_string())
            .field("digits", &self.digits)
            .finish_non_exhaustive()
    }
}

/// Preferences with the digits forced and the calendar left to the method.
fn prefs_for(locale: &Locale, digits: Digits) -> DateTimeFormatterPreferences {
    let mut prefs = DateTimeFormatterPreferences::from(locale);
    let nu = match digits {
        Digits::Arab => value!("arab"),
        Digits::Latn => value!("latn"),
    };
    prefs.numbering_system = NumberingSystem::try_from(nu).ok();
    prefs.calendar_algorithm = None;
    prefs
}

fn load_error(e: impl fmt::Display) -> DateError {
    DateError::Format(e.to_string())
}

/// How a page header prints today's date; the newsroom chooses in the settings.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum DateStyle {
    /// «السبت ١٦ / نوفمبر / ٢٠٢٤», the shape of Arabic newspaper mastheads.
    #[default]
    Slashes,
    /// «السبت ١٦ نوفمبر ٢٠٢٤».
    Words,
    /// «السبت ١٦/١١/٢٠٢٤».
    Numeric,
    /// The locale's own long date: «السبت، ١٦ نوفمبر ٢٠٢٤».
    Locale,
}

impl DateStyle {
    pub const ALL: [DateStyle; 4] = [
        DateStyle::Slashes,
        DateStyle::Words,
        DateStyle::Numeric,
        DateStyle::Locale,
    ];

    pub fn parse(s: &str) -> Option<DateStyle> {
        DateStyle::ALL.into_iter().find(|d| d.as_str() == s.trim())
    }

    pub fn as_str(self) -> &'static str {
        match self {
            DateStyle::Slashes => "slashes",
            DateStyle::Words => "words",
            DateStyle::Numeric => "numeric",
            DateStyle::Locale => "locale",
        }
    }
}

impl DateFormatter {
    /// A formatter for `locale` (BCP 47: "ar", "ar-EG", "ar-SY", "en-GB", "fr", …)
    /// printing `digits`.
    ///
    /// The digits are requested from ICU4X through the numbering system (`-u-nu-`),
    /// overriding any the tag carries; the calendar is always fixed by the method
    /// (Gregorian, or Umm al-Qura for [`DateFormatter::hijri`]), because a bare `ar-SA`
    /// does not reliably select a Hijri calendar.
    pub fn new(locale: &str, digits: Digits) -> Result<DateFormatter, DateError> {
        let tag = locale.trim();
        let unknown = || DateError::UnknownLocale(tag.to_owned());
        // POSIX spellings such as `ar_EG` come from environment variables.
        let locale = Locale::try_from_str(&tag.replace('_', "-")).map_err(|_| unknown())?;
        let prefs = prefs_for(&locale, digits);
        let month: FixedCalendarDateTimeFormatter<Gregorian, M> =
            FixedCalendarDateTimeFormatter::try_new(prefs, M::long()).map_err(load_error)?;

        // A well-formed tag for a language CLDR does not know (a typo such as "ra")
        // silently falls back to root data, which names months "M01".."M12". Better to
        // refuse it when the site starts than to print that in every header.
        if locale.id.language != Language::UNKNOWN {
            let root: FixedCalendarDateTimeFormatter<Gregorian, M> =
                FixedCalendarDateTimeFormatter::try_new(
                    prefs_for(&Locale::UNKNOWN, digits),
                    M::long(),
                )
                .map_err(load_error)?;
            let january =
                Date::try_new_gregorian(2000, 1, 1).map_err(|_| DateError::InvalidDate)?;
            if root.format(&january).to_string() == month.format(&january).to_string() {
                return Err(unknown());
            }
        }

        Ok(DateFormatter {
            month,
            long: FixedCalendarDateTimeFormatter::try_new(prefs, YMDE::long())
                .map_err(load_error)?,
            date_time: FixedCalendarDateTimeFormatter::try_new(prefs, YMD::long().with_time_hm())
                .map_err(load_error)?,
            weekday: FixedCalendarDateTimeFormatter::try_new(prefs, E::long())
                .map_err(load_error)?,
            hijri: FixedCalendarDateTimeFormatter::try_new(prefs, YMD::long())
                .map_err(load_error)?,
            locale,
            digits,
        })
    }

    /// The locale tag as parsed (canonical form).
    pub fn locale(&self) -> String {
        self.locale.to_string()
    }

    /// The digits this formatter prints.
    pub fn digits(&self) -> Digits {
        self.digits
    }

    /// ICU4X already prints the requested numbering system; converting again guards
    /// against locales whose data lacks it and falls back to Latin digits.
    fn fix_digits(&self, s: impl fmt::Display) -> String {
        digits(&s.to_string(), self.digits)
    }

    /// The newspaper header: weekday, day, month name and year, e.g.
    /// «السبت ١٦ / نوفمبر / ٢٠٢٤» (`ar`), «السبت ١٦ / تشرين الثاني / ٢٠٢٤» (`ar-SY`),
    /// "Saturday 16 / November / 2024" (`en`).
    pub fn header(&self, d: Ymd) -> String {
        self.header_in(d, DateStyle::Slashes)
    }

    /// The header's date in one of the [`DateStyle`]s.
    pub fn header_in(&self, d: Ymd, style: DateStyle) -> String {
        let date = d.to_icu();
        let number = |n: i32| format_number(i64::from(n), self.digits);
        let (weekday, day, year) = (
            self.weekday_of(&date),
            number(i32::from(date.day_of_month().0)),
            number(date.year().extended_year()),
        );
        match style {
            DateStyle::Slashes => format!("{weekday} {day} / {} / {year}", self.month_of(&date)),
            DateStyle::Words => format!("{weekday} {day} {} {year}", self.month_of(&date)),
            DateStyle::Numeric => format!("{weekday} {day}/{}/{year}", number(i32::from(d.month))),
            DateStyle::Locale => self.long(d),
        }
    }

    /// The locale's long date with weekday, e.g. «السبت، ١٦ نوفمبر ٢٠٢٤».
    pub fn long(&self, d: Ymd) -> String {
        self.fix_digits(self.long.format(&d.to_icu()))
    }

    /// The locale's long date and the time of day, e.g. «١٦ نوفمبر ٢٠٢٤ في ١٠:٣٠ ص».
    ///
    /// An hour above 23 or a minute above 59 is clamped rather than rejected: this is
    /// display code, and the caller's clock is the authority.
    pub fn date_time(&self, d: Ymd, hour: u8, minute: u8) -> String {
        let time =
            Time::try_new(hour.min(23), minute.min(59), 0, 0).unwrap_or(Time::start_of_day());
        let dt = DateTime {
            date: d.to_icu(),
            time,
        };
        self.fix_digits(self.date_time.format(&dt))
    }

    /// The Gregorian month name (standalone, long): 11 → «نوفمبر», «تشرين الثاني»,
    /// «نونبر» or "November" by locale. An empty string for a month outside 1..=12.
    pub fn month_name(&self, month: u8) -> String {
        match Date::try_new_gregorian(2000, month, 1) {
            Ok(date) => self.month_of(&date),
            Err(_) => String::new(),
        }
    }

    /// The weekday name of `d`, e.g. «السبت» or "Saturday".
    pub fn weekday_name(&self, d: Ymd) -> String {
        self.weekday_of(&d.to_icu())
    }

    /// The name of a weekday in the locale, e.g. `Weekday::Friday` → «الجمعة».
    pub fn weekday(&self, w: Weekday) -> String {
        self.weekday.format(&w).to_string()
    }

    fn month_of(&self, date: &Date<Gregorian>) -> String {
        self.fix_digits(self.month.format(date))
    }

    fn weekday_of(&self, date: &Date<Gregorian>) -> String {
        self.weekday.format(date).to_string()
    }

    /// The Umm al-Qura Hijri date of a Gregorian day, long, e.g. «١٤ جمادى الأولى ١٤٤٦ هـ».
    pub fn hijri(&self, d: Ymd) -> String {
        let date = d.to_icu().to_calendar(Hijri::new_umm_al_qura());
        self.fix_digits(self.hijri.format(&date))
    }
}

/// The Umm al-Qura Hijri (year, month, day) of a Gregorian day.
///
/// ICU4X uses the official (KACST) Umm al-Qura month lengths for 1300–1600 AH
/// (1882-11-12 to 2174-11-25) and the tabular Islamic calendar outside that range.
pub fn hijri_ymd(d: Ymd) -> (i32, u8, u8) {
    let h = d.to_icu().to_calendar(Hijri::new_umm_al_qura());
    (
        h.year().extended_year(),
        h.month().ordinal,
        h.day_of_month().0,
    )
}

/// The Gregorian day of an Umm al-Qura Hijri date, or `None` if that date does not
/// exist (month 13, day 30 of a 29-day month) or falls outside [`Ymd`]'s range.
pub fn from_hijri(year: i32, month: u8, day: u8) -> Option<Ymd> {
    let h = Date::try_new_hijri_with_calendar(year, month, day, Hijri::new_umm_al_qura()).ok()?;
    Ymd::from_icu(&h.to_calendar(Gregorian))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nov16() -> Ymd {
        Ymd {
            year: 2024,
            month: 11,
            day: 16,
        }
    }

    fn fmt(locale: &str, d: Digits) -> DateFormatter {
        match DateFormatter::new(locale, d) {
            Ok(f) => f,
            Err(e) => panic!("{locale}: {e}"),
        }
    }

    #[test]
    fn ymd_validation() {
        assert_eq!(Ymd::new(2024, 11, 16), Some(nov16()));
        assert!(Ymd::new(2024, 2, 29).is_some());
        assert!(Ymd::new(2000, 2, 29).is_some());
        assert!(Ymd::new(1900, 2, 29).is_none());
        assert!(Ymd::new(2023, 2, 29).is_none());
        assert!(Ymd::new(2024, 4, 31).is_none());
        assert!(Ymd::new(2024, 13, 1).is_none());
        assert!(Ymd::new(2024, 0, 1).is_none());
        assert!(Ymd::new(2024, 1, 0).is_none());
        assert!(Ymd::new(10_000, 1, 1).is_none());
        assert_eq!(nov16().to_string(), "2024-11-16");
        assert!(Ymd::new(2024, 1, 31) < Ymd::new(2024, 2, 1));
    }

    #[test]
    fn header_styles() {
        let f = fmt("ar", Digits::Arab);
        let d = nov16();
        let shown: Vec<String> = DateStyle::ALL.iter().map(|s| f.header_in(d, *s)).collect();
        assert_eq!(
            shown,
            [
                "السبت ١٦ / نوفمبر / ٢٠٢٤",
                "السبت ١٦ نوفمبر ٢٠٢٤",
                "السبت ١٦/١١/٢٠٢٤",
                "السبت، ١٦ نوفمبر ٢٠٢٤",
            ]
        );
        assert_eq!(
            fmt("en", Digits::Latn).header_in(d, DateStyle::Numeric),
            "Saturday 16/11/2024"
        );
        for s in DateStyle::ALL {
            assert_eq!(DateStyle::parse(s.as_str()), Some(s));
        }
        assert_eq!(DateStyle::parse("fancy"), None);
    }

    #[test]
    fn header_in_arabic_regions() {
        let d = nov16();
        assert_eq!(
            fmt("ar", Digits::Arab).header(d),
            "السبت ١٦ / نوفمبر / ٢٠٢٤"
        );
        assert_eq!(
            fmt("ar", Digits::Latn).header(d),
            "السبت 16 / نوفمبر / 2024"
        );
        assert_eq!(
            fmt("ar-EG", Digits::Arab).header(d),
            "السبت ١٦ / نوفمبر / ٢٠٢٤"
        );
        for region in ["ar-SY", "ar-LB", "ar-IQ"] {
            assert_eq!(
                fmt(region, Digits::Arab).header(d),
                "السبت ١٦ / تشرين الثاني / ٢٠٢٤",
                "{region}"
            );
        }
        assert_eq!(
            fmt("ar-SY", Digits::Latn).header(d),
            "السبت 16 / تشرين الثاني / 2024"
        );
        assert_eq!(
            fmt("ar-MA", Digits::Arab).header(d),
            "السبت ١٦ / نونبر / ٢٠٢٤"
        );
        assert_eq!(
            fmt("ar-MA", Digits::Latn).header(d),
            "السبت 16 / نونبر / 2024"
        );
    }

    #[test]
    fn header_in_other_languages() {
        let d = nov16();
        assert_eq!(
            fmt("en", Digits::Latn).header(d),
            "Saturday 16 / November / 2024"
        );
        assert_eq!(
            fmt("en-GB", Digits::Latn).header(d),
            "Saturday 16 / November / 2024"
        );
        assert_eq!(
            fmt("fr", Digits::Latn).header(d),
            "samedi 16 / novembre / 2024"
        );
    }

    #[test]
    fn long_dates() {
        let d = nov16();
        assert_eq!(fmt("ar", Digits::Arab).long(d), "السبت، ١٦ نوفمبر ٢٠٢٤");
        assert_eq!(fmt("ar", Digits::Latn).long(d), "السبت، 16 نوفمبر 2024");
        // ar-EG prints Arabic-Indic digits by default; the setting still wins.
        assert_eq!(fmt("ar-EG", Digits::Latn).long(d), "السبت، 16 نوفمبر 2024");
        assert_eq!(
            fmt("ar-SY", Digits::Arab).long(d),
            "السبت، ١٦ تشرين الثاني ٢٠٢٤"
        );
        assert_eq!(fmt("ar-MA", Digits::Arab).long(d), "السبت، ١٦ نونبر ٢٠٢٤");
        assert_eq!(
            fmt("en", Digits::Latn).long(d),
            "Saturday, November 16, 2024"
        );
        assert_eq!(
            fmt("en-GB", Digits::Latn).long(d),
            "Saturday, 16 November 2024"
        );
    }

    #[test]
    fn dates_with_time() {
        let d = nov16();
        assert_eq!(
            fmt("ar", Digits::Arab).date_time(d, 10, 30),
            "١٦ نوفمبر ٢٠٢٤ في ١٠:٣٠ ص"
        );
        assert_eq!(
            fmt("ar", Digits::Latn).date_time(d, 22, 5),
            "16 نوفمبر 2024 في 10:05 م"
        );
        assert_eq!(
            fmt("en-GB", Digits::Latn).date_time(d, 10, 30),
            "16 November 2024 at 10:30"
        );
        // Out-of-range times are clamped, not a panic.
        assert_eq!(
            fmt("en-GB", Digits::Latn).date_time(d, 99, 99),
            "16 November 2024 at 23:59"
        );
    }

    #[test]
    fn month_and_weekday_names() {
        let ar = fmt("ar", Digits::Arab);
        let months: Vec<String> = (1..=12).map(|m| ar.month_name(m)).collect();
        assert_eq!(
            months,
            [
                "يناير",
                "فبراير",
                "مارس",
                "أبريل",
                "مايو",
                "يونيو",
                "يوليو",
                "أغسطس",
                "سبتمبر",
                "أكتوبر",
                "نوفمبر",
                "ديسمبر"
            ]
        );
        let sy = fmt("ar-SY", Digits::Arab);
        assert_eq!(sy.month_name(1), "كانون الثاني");
        assert_eq!(sy.month_name(11), "تشرين الثاني");
        assert_eq!(fmt("ar-MA", Digits::Arab).month_name(11), "نونبر");
        assert_eq!(fmt("en", Digits::Latn).month_name(11), "November");
        assert_eq!(ar.month_name(0), "");
        assert_eq!(ar.month_name(13), "");

        assert_eq!(ar.weekday_name(nov16()), "السبت");
        assert_eq!(ar.weekday(Weekday::Friday), "الجمعة");
        assert_eq!(fmt("en", Digits::Latn).weekday_name(nov16()), "Saturday");
    }

    #[test]
    fn hijri_dates() {
        // Checked against ICU4X with ar-SA-u-ca-islamic-umalqura: 16 November 2024 is
        // 14 Jumada al-Ula 1446, and 14 November 2025 is 23 Jumada al-Ula 1447.
        assert_eq!(hijri_ymd(nov16()), (1446, 5, 14));
        assert_eq!(from_hijri(1446, 5, 14), Some(nov16()));
        assert_eq!(
            fmt("ar", Digits::Arab).hijri(nov16()),
            "١٤ جمادى الأولى ١٤٤٦ هـ"
        );
        assert_eq!(
            fmt("ar", Digits::Latn).hijri(nov16()),
            "14 جمادى الأولى 1446 هـ"
        );
        assert_eq!(
            fmt("en", Digits::Latn).hijri(nov16()),
            "Jumada I 14, 1446 AH"
        );
        let d2025 = Ymd::new(2025, 11, 14);
        assert_eq!(d2025.map(hijri_ymd), Some((1447, 5, 23)));
        // 1 Ramadan 1445 (Umm al-Qura) was Monday 11 March 2024.
        assert_eq!(from_hijri(1445, 9, 1), Ymd::new(2024, 3, 11));
        // 1 Muharram 1446 was Sunday 7 July 2024.
        assert_eq!(from_hijri(1446, 1, 1), Ymd::new(2024, 7, 7));
        // A Hijri month has at most 30 days and a year 12 months.
        assert_eq!(from_hijri(1446, 13, 1), None);
        assert_eq!(from_hijri(1446, 1, 31), None);
        assert_eq!(from_hijri(1446, 0, 1), None);
    }

    #[test]
    fn locales() {
        assert!(matches!(
            DateFormatter::new("", Digits::Arab),
            Err(DateError::UnknownLocale(_))
        ));
        assert!(matches!(
            DateFormatter::new("not a locale", Digits::Arab),
            Err(DateError::UnknownLocale(_))
        ));
        // Well-formed but unknown to CLDR: refused rather than printing "M11".
        assert!(matches!(
            DateFormatter::new("xx", Digits::Arab),
            Err(DateError::UnknownLocale(_))
        ));
        assert_eq!(fmt("ar_EG", Digits::Arab).locale(), "ar-EG");
        assert_eq!(fmt(" AR-sy ", Digits::Arab).locale(), "ar-SY");
        assert_eq!(fmt("ar", Digits::Latn).digits(), Digits::Latn);
        // A calendar in the tag does not change the Gregorian methods.
        assert_eq!(
            fmt("ar-SA-u-ca-islamic-umalqura", Digits::Arab).header(nov16()),
            "السبت ١٦ / نوفمبر / ٢٠٢٤"
        );
        // Regions CLDR has no special data for fall back to plain Arabic.
        assert_eq!(fmt("ar-TD", Digits::Arab).month_name(11), "نوفمبر");
        assert_eq!(
            DateError::UnknownLocale("xx".into()).to_string(),
            "unknown locale \"xx\""
        );
    }

    #[test]
    fn invalid_hand_built_dates_do_not_panic() {
        let f = fmt("ar", Digits::Arab);
        let bad = Ymd {
            year: 2023,
            month: 2,
            day: 30,
        };
        assert_eq!(f.header(bad), "الثلاثاء ٢٨ / فبراير / ٢٠٢٣");
        let wild = Ymd {
            year: i32::MAX,
            month: 200,
            day: 0,
        };
        let _ = f.long(wild);
        let _ = f.hijri(wild);
        let _ = hijri_ymd(wild);
    }

    #[test]
    fn formatter_can_be_shared() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<DateFormatter>();
    }
}
