//! UI strings of the theme in translation files: `locales/{lang}.toml`, one key per string.
//! A value is a string, or a table of CLDR plural forms (`zero one two few many other`)
//! chosen by the count `n`. `{name}` placeholders take the call's arguments; numbers are
//! written in the site's digits. Arabic is the default; a key missing from a language falls
//! back to Arabic, then to the key itself, so a page never fails on a missing string.

use midad_arabic::{Digits, PluralCategory, plural_category};
use std::collections::HashMap;

#[derive(Clone, Debug)]
enum Message {
    Text(String),
    Plural(HashMap<String, String>),
}

#[derive(Default, Debug)]
pub struct Translations {
    /// language (`ar`, `en`) → key → message
    langs: HashMap<String, HashMap<String, Message>>,
}

/// The fallback language.
const DEFAULT_LANG: &str = "ar";

impl Translations {
    /// Parses the files of each language; an error names the file and what is wrong.
    pub fn parse(files: &[(&str, &str)]) -> Result<Translations, String> {
        let mut langs = HashMap::new();
        for (lang, text) in files {
            let table: toml::Table =
                toml::from_str(text).map_err(|e| format!("locales/{lang}.toml: {e}"))?;
            let mut messages = HashMap::new();
            for (key, value) in table {
                let message = match value {
                    toml::Value::String(s) => Message::Text(s),
                    toml::Value::Table(forms) => {
                        let mut map = HashMap::new();
                        for (form, v) in forms {
                            // A plain string written after a table lands inside it in
                            // TOML: say so instead of losing the string.
                            if !["zero", "one", "two", "few", "many", "other"]
                                .contains(&form.as_str())
                            {
                                return Err(format!(
                                    "locales/{lang}.toml: {key}.{form} is not a plural form \
                                     (zero one two few many other); plain strings go before \
                                     the first [table]"
                                ));
                            }
                            let Some(s) = v.as_str() else {
                                return Err(format!(
                                    "locales/{lang}.toml: {key}.{form} must be a string"
                                ));
                            };
                            map.insert(form, s.to_string());
                        }
                        if !map.contains_key("other") {
                            return Err(format!(
                                "locales/{lang}.toml: {key} needs an `other` form"
                            ));
                        }
                        Message::Plural(map)
                    }
                    _ => {
                        return Err(format!(
                            "locales/{lang}.toml: {key} must be a string or a table of plural forms"
                        ));
                    }
                };
                messages.insert(key, message);
            }
            langs.insert(lang.to_string(), messages);
        }
        Ok(Translations { langs })
    }

    /// The primary language subtag of a locale: `ar-EG` → `ar`.
    pub fn language(locale: &str) -> &str {
        locale.split(['-', '_']).next().unwrap_or(DEFAULT_LANG)
    }

    /// The string `key` in `locale`, with `{n}` and the other `args` filled in.
    pub fn get(
        &self,
        locale: &str,
        key: &str,
        n: Option<i64>,
        args: &[(&str, String)],
        digits: Digits,
    ) -> String {
        let lang = Self::language(locale);
        let message = self
            .langs
            .get(lang)
            .and_then(|m| m.get(key))
            .or_else(|| self.langs.get(DEFAULT_LANG).and_then(|m| m.get(key)));
        let template = match message {
            None => return key.to_string(),
            Some(Message::Text(s)) => s.as_str(),
            Some(Message::Plural(forms)) => {
                let count = n.unwrap_or(0).unsigned_abs();
                let category = plural_category(lang, count);
                forms
                    .get(category.as_str())
                    .or_else(|| {
                        // `zero` is optional: languages without it use `other`.
                        (category == PluralCategory::Zero)
                            .then(|| forms.get("other"))
                            .flatten()
                    })
                    .or_else(|| forms.get("other"))
                    .map(String::as_str)
                    .unwrap_or(key)
            }
        };
        let mut out = template.to_string();
        if let Some(n) = n {
            out = out.replace("{n}", &midad_arabic::format_number(n, digits));
        }
        for (name, value) in args {
            out = out.replace(&format!("{{{name}}}"), value);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const AR: &str = r#"
home = "الرئيسية"
[articles]
zero = "لا مقالات"
one = "مقال واحد"
two = "مقالان"
few = "{n} مقالات"
many = "{n} مقالًا"
other = "{n} مقال"
"#;
    const EN: &str = r#"
home = "Home"
page_of = "Page {page} of {pages}"
[articles]
one = "{n} article"
other = "{n} articles"
"#;

    fn t() -> Translations {
        Translations::parse(&[("ar", AR), ("en", EN)]).unwrap()
    }

    #[test]
    fn arabic_plural_forms() {
        let t = t();
        let got: Vec<String> = [0, 1, 2, 3, 11, 100]
            .iter()
            .map(|n| t.get("ar-EG", "articles", Some(*n), &[], Digits::Arab))
            .collect();
        assert_eq!(
            got,
            [
                "لا مقالات",
                "مقال واحد",
                "مقالان",
                "٣ مقالات",
                "١١ مقالًا",
                "١٠٠ مقال"
            ]
        );
    }

    #[test]
    fn english_and_fallbacks() {
        let t = t();
        assert_eq!(
            t.get("en", "articles", Some(1), &[], Digits::Latn),
            "1 article"
        );
        assert_eq!(
            t.get("en", "articles", Some(0), &[], Digits::Latn),
            "0 articles"
        );
        assert_eq!(
            t.get(
                "en",
                "page_of",
                None,
                &[("page", "2".into()), ("pages", "9".into())],
                Digits::Latn
            ),
            "Page 2 of 9"
        );
        assert_eq!(t.get("fr", "home", None, &[], Digits::Latn), "الرئيسية");
        assert_eq!(
            t.get("en", "no_such_key", None, &[], Digits::Latn),
            "no_such_key"
        );
    }

    #[test]
    fn bad_files_are_named() {
        let e = Translations::parse(&[("ar", "[x]\none = \"a\"")]).unwrap_err();
        assert!(e.contains("locales/ar.toml") && e.contains("other"), "{e}");
        let e = Translations::parse(&[("ar", "[x]\nother = \"a\"\nhome = \"b\"")]).unwrap_err();
        assert!(e.contains("x.home is not a plural form"), "{e}");
        let e = Translations::parse(&[("en", "x = 3")]).unwrap_err();
        assert!(e.contains("locales/en.toml"), "{e}");
    }
}
