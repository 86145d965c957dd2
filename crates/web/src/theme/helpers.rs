//! The functions and filters every template can call (documented in `themes/README.md`).
//! They read the site's language, digits and time zone from the `site` variable of the page,
//! so a theme never passes them by hand.

use super::i18n::Translations;
use chrono::{DateTime, Datelike, Timelike, Utc};
use chrono_tz::Tz;
use midad_arabic::{DateFormatter, Digits, Ymd};
use minijinja::value::Kwargs;
use minijinja::{Environment, Error, ErrorKind, State, Value};
use std::sync::Arc;

struct SiteView {
    locale: String,
    digits: Digits,
    tz: Tz,
}

fn site(state: &State) -> SiteView {
    let site = state.lookup("site").unwrap_or_default();
    let text = |name: &str| {
        site.get_attr(name)
            .ok()
            .filter(|v| !v.is_undefined() && !v.is_none())
            .map(|v| v.to_string())
    };
    SiteView {
        locale: text("locale").unwrap_or_else(|| "ar".into()),
        digits: text("digits")
            .and_then(|d| Digits::parse(&d))
            .unwrap_or_default(),
        tz: text("timezone")
            .and_then(|z| z.parse().ok())
            .unwrap_or(chrono_tz::UTC),
    }
}

fn bad(msg: impl Into<String>) -> Error {
    Error::new(ErrorKind::InvalidOperation, msg.into())
}

fn parse_time(value: &Value) -> Result<DateTime<Utc>, Error> {
    let text = value.to_string();
    DateTime::parse_from_rfc3339(&text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| bad(format!("not an RFC 3339 time: {text}")))
}

fn formatter(s: &SiteView) -> Result<DateFormatter, Error> {
    DateFormatter::new(&s.locale, s.digits)
        .or_else(|_| DateFormatter::new("ar", s.digits))
        .map_err(|e| bad(e.to_string()))
}

fn local_ymd(t: DateTime<Utc>, tz: Tz) -> (Ymd, u8, u8) {
    let l = t.with_timezone(&tz);
    let ymd = Ymd::new(l.year(), l.month() as u8, l.day() as u8).unwrap_or(Ymd {
        year: 1970,
        month: 1,
        day: 1,
    });
    (ymd, l.hour() as u8, l.minute() as u8)
}

pub(super) fn register(env: &mut Environment<'static>, translations: Arc<Translations>) {
    let tr = translations.clone();
    env.add_function(
        "t",
        move |state: &State, key: String, kwargs: Kwargs| -> Result<Value, Error> {
            let s = site(state);
            let n: Option<i64> = kwargs.get("n")?;
            let mut args = Vec::new();
            for name in kwargs.args().filter(|k| *k != "n") {
                let v: Value = kwargs.get(name)?;
                let text = match v.as_i64() {
                    Some(i) => midad_arabic::format_number(i, s.digits),
                    None => v.to_string(),
                };
                // Translations are the theme's own markup; arguments are text from
                // outside (a search query, a name) and are escaped.
                let mut escaped = String::new();
                midad_core::html::push_escaped(&mut escaped, &text);
                args.push((name, escaped));
            }
            kwargs.assert_all_used()?;
            Ok(Value::from_safe_string(
                tr.get(&s.locale, &key, n, &args, s.digits),
            ))
        },
    );
    let tr = translations;
    env.add_function(
        "plural",
        move |state: &State, n: i64, key: String| -> String {
            let s = site(state);
            tr.get(&s.locale, &key, Some(n), &[], s.digits)
        },
    );
    let digits = |state: &State, value: Value| -> String {
        midad_arabic::digits(&value.to_string(), site(state).digits)
    };
    env.add_function("digits", digits);
    env.add_filter("digits", digits);
    let date = |state: &State, value: Value, style: Option<String>| -> Result<String, Error> {
        let s = site(state);
        let f = formatter(&s)?;
        let (ymd, h, m) = local_ymd(parse_time(&value)?, s.tz);
        Ok(match style.as_deref().unwrap_or("long") {
            "long" => f.long(ymd),
            "header" => f.header(ymd),
            "date_time" => f.date_time(ymd, h, m),
            other => return Err(bad(format!("unknown date style «{other}»"))),
        })
    };
    env.add_function("date", date);
    env.add_filter("date", date);
    env.add_function(
        "hijri",
        |state: &State, value: Value| -> Result<String, Error> {
            let s = site(state);
            let (ymd, _, _) = local_ymd(parse_time(&value)?, s.tz);
            Ok(formatter(&s)?.hijri(ymd))
        },
    );
    env.add_function(
        "url_for",
        |kind: String, a: Option<Value>, b: Option<Value>| -> Result<String, Error> {
            let a = || {
                a.as_ref()
                    .map(|v| v.to_string())
                    .ok_or_else(|| bad(format!("url_for('{kind}') needs an argument")))
            };
            Ok(match kind.as_str() {
                "home" => "/".into(),
                "search" => "/search".into(),
                "caricatures" => "/caricature".into(),
                "feed" => "/feed.xml".into(),
                "article" => match &b {
                    Some(slug) => format!("/article/{}/{slug}", a()?),
                    None => format!("/article/{}", a()?),
                },
                "section" | "tag" | "author" | "page" => format!("/{kind}/{}", a()?),
                other => return Err(bad(format!("url_for: unknown kind «{other}»"))),
            })
        },
    );
}
