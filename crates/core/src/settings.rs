//! The site's settings: stored in the database and edited in the back office, but a value
//! fixed by the configuration file, the environment or a flag wins.

use crate::error::{ErrorCode, ValidationError, Violations};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    pub name: String,
    pub tagline: String,
    /// BCP 47: `ar`, `ar-EG`, `ar-SY`, `ar-MA`, `en` …
    pub locale: String,
    /// IANA time zone name; today's date and schedules use it.
    pub timezone: String,
    /// `arab` (٠١٢) or `latn` (012).
    pub digits: String,
    /// How the header prints today's date: `slashes` («السبت ١٦ / نوفمبر / ٢٠٢٤»),
    /// `words`, `numeric` or `locale` (see `midad_arabic::DateStyle`).
    pub date_style: String,
    /// Show the Hijri (Umm al-Qura) date beside the Gregorian one.
    pub hijri: bool,
    /// Media path of the logo; empty = the site name set in type.
    pub logo: String,
    /// How many hours a story flagged breaking stays in the ticker.
    pub breaking_hours: u32,
    /// Feeds carry the full body (`true`) or the excerpt only.
    pub feed_full_content: bool,
    /// The newsroom's profiles elsewhere (https URLs), shown in the footer.
    pub social: Vec<String>,
    /// When the daily digest goes out, `HH:MM` in the site's zone; empty = never by itself.
    pub digest_time: String,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            name: "مداد".into(),
            tagline: "أخبار تُكتب بعناية".into(),
            locale: "ar".into(),
            timezone: "UTC".into(),
            digits: "arab".into(),
            date_style: "slashes".into(),
            hijri: false,
            logo: String::new(),
            breaking_hours: 12,
            feed_full_content: true,
            social: Vec::new(),
            digest_time: "07:00".into(),
        }
    }
}

impl Settings {
    /// Checks what can be checked without I/O; the time zone name is checked against the
    /// IANA database by the caller that owns it.
    pub fn validate(&self) -> Result<(), Violations> {
        let mut v = Violations::default();
        if self.name.trim().is_empty() {
            v.add("site.name", ErrorCode::NameRequired);
        }
        if midad_arabic::Digits::parse(&self.digits).is_none() {
            v.push(
                ValidationError::new("site.digits", ErrorCode::DigitsInvalid)
                    .with_detail(self.digits.clone()),
            );
        }
        if midad_arabic::DateFormatter::new(&self.locale, midad_arabic::Digits::Latn).is_err() {
            v.push(
                ValidationError::new("site.locale", ErrorCode::LocaleInvalid)
                    .with_detail(self.locale.clone()),
            );
        }
        if midad_arabic::DateStyle::parse(&self.date_style).is_none() {
            v.push(
                ValidationError::new("site.date_style", ErrorCode::OutOfRange)
                    .with_detail("slashes, words, numeric or locale"),
            );
        }
        if self.social.len() > 12 {
            v.push(
                ValidationError::new("site.social", ErrorCode::OutOfRange)
                    .with_detail("at most 12"),
            );
        }
        for url in &self.social {
            let host = url
                .strip_prefix("https://")
                .and_then(|r| r.split('/').next());
            if host.is_none_or(|h| {
                h.is_empty() || !h.contains('.') || h.contains(['<', '>', '"', ' '])
            }) || url.len() > 300
            {
                v.push(
                    ValidationError::new("site.social", ErrorCode::UrlInvalid)
                        .with_detail(url.clone()),
                );
            }
        }
        if self.breaking_hours == 0 || self.breaking_hours > 24 * 7 {
            v.push(
                ValidationError::new("site.breaking_hours", ErrorCode::OutOfRange)
                    .with_detail("1 to 168 hours"),
            );
        }
        if !self.digest_time.is_empty() && self.digest_at().is_none() {
            v.push(
                ValidationError::new("site.digest_time", ErrorCode::OutOfRange)
                    .with_detail("HH:MM, from 00:00 to 23:59, or nothing"),
            );
        }
        v.into_result()
    }

    /// The digest's hour and minute, when one is set.
    pub fn digest_at(&self) -> Option<(u32, u32)> {
        let (h, m) = self.digest_time.trim().split_once(':')?;
        let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
        (h < 24 && m < 60).then_some((h, m))
    }

    /// Whether pages are written right to left.
    pub fn is_rtl(&self) -> bool {
        let lang = self.locale.split(['-', '_']).next().unwrap_or("");
        matches!(lang, "ar" | "fa" | "he" | "ur" | "ps" | "ckb" | "yi")
    }

    /// The primary language subtag, for `<html lang>`.
    pub fn lang(&self) -> &str {
        &self.locale
    }
}
