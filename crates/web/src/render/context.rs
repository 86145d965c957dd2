//! The site-wide part of every page: effective settings, today's date in the site's time
//! zone, the section navigation.

use crate::http::{App, WebError};
use chrono::{DateTime, Datelike, Utc};
use chrono_tz::Tz;
use midad_arabic::{DateFormatter, Digits, Ymd};
use midad_core::ArticleKind;
use midad_core::{Section, Settings};
use midad_store::{Also, ArticleQuery, Refresh, Result, Store};
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::Arc;

/// Defaults, then the database's values, then the configuration's (which win).
pub async fn effective_settings(
    store: &Store,
    overrides: &BTreeMap<String, serde_json::Value>,
) -> Result<Settings> {
    let mut merged = serde_json::to_value(Settings::default())
        .map_err(|e| midad_store::StoreError::Corrupt(e.to_string()))?;
    let db = store.settings_map().await?;
    if let Some(obj) = merged.as_object_mut() {
        for (k, v) in db.iter().chain(overrides.iter()) {
            if obj.contains_key(k) {
                obj.insert(k.clone(), v.clone());
            }
        }
    }
    // A bad stored value must not take the site down: fall back to the defaults.
    Ok(serde_json::from_value(merged).unwrap_or_default())
}

/// Dates and numbers the way the site's settings say.
pub(crate) struct Locale {
    pub tz: Tz,
    pub digits: Digits,
    pub date_style: midad_arabic::DateStyle,
    /// `None` only if even the root locale's data were missing; dates are then left out.
    pub dates: Option<DateFormatter>,
    pub locale: String,
}

impl Locale {
    pub fn new(settings: &Settings) -> Locale {
        let tz: Tz = settings.timezone.parse().unwrap_or(chrono_tz::UTC);
        let digits = Digits::parse(&settings.digits).unwrap_or_default();
        let dates = DateFormatter::new(&settings.locale, digits)
            .or_else(|_| DateFormatter::new("ar", digits))
            .ok();
        Locale {
            tz,
            digits,
            date_style: midad_arabic::DateStyle::parse(&settings.date_style).unwrap_or_default(),
            dates,
            locale: settings.locale.clone(),
        }
    }

    fn ymd(&self, t: DateTime<Utc>) -> (Ymd, u8, u8) {
        let local = t.with_timezone(&self.tz);
        let ymd = Ymd::new(local.year(), local.month() as u8, local.day() as u8).unwrap_or(Ymd {
            year: 1970,
            month: 1,
            day: 1,
        });
        (
            ymd,
            chrono::Timelike::hour(&local) as u8,
            chrono::Timelike::minute(&local) as u8,
        )
    }

    pub fn header_date(&self, t: DateTime<Utc>) -> String {
        self.header_date_in(t, self.date_style)
    }

    pub fn header_date_in(&self, t: DateTime<Utc>, style: midad_arabic::DateStyle) -> String {
        self.dates
            .as_ref()
            .map(|f| f.header_in(self.ymd(t).0, style))
            .unwrap_or_default()
    }

    pub fn hijri(&self, t: DateTime<Utc>) -> String {
        self.dates
            .as_ref()
            .map(|f| f.hijri(self.ymd(t).0))
            .unwrap_or_default()
    }

    pub fn date_time(&self, t: DateTime<Utc>) -> String {
        let (d, h, m) = self.ymd(t);
        self.dates
            .as_ref()
            .map(|f| f.date_time(d, h, m))
            .unwrap_or_default()
    }

    /// RFC 3339 in the site's zone, for `<time datetime>` and structured data.
    pub fn iso(&self, t: DateTime<Utc>) -> String {
        t.with_timezone(&self.tz)
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
    }
}

#[derive(Serialize, Clone)]
pub(crate) struct NavItem {
    pub name: String,
    pub url: String,
}

#[derive(Serialize, Clone)]
pub(crate) struct Logo {
    pub url: String,
    pub width: Option<i64>,
    pub height: Option<i64>,
}

/// What every template receives as `site` (documented in `themes/README.md`).
#[derive(Serialize)]
pub(crate) struct SiteContext {
    pub name: String,
    pub tagline: String,
    /// The configured locale (`ar`, `ar-EG`, `en`…); `lang` is the same, for `<html lang>`.
    pub locale: String,
    pub lang: String,
    pub dir: &'static str,
    pub digits: &'static str,
    pub timezone: String,
    pub base_url: String,
    /// Today in the site's zone: the header's text, and `YYYY-MM-DD`.
    pub today: String,
    pub today_iso: String,
    pub hijri: Option<String>,
    pub year: String,
    pub logo: Option<Logo>,
    pub nav: Vec<NavItem>,
    /// Static pages (about, contact…) for the footer.
    pub pages: Vec<NavItem>,
    /// The newsroom's profiles elsewhere: `{name, url}` with the network's name.
    pub social: Vec<NavItem>,
}

/// The name a reader knows a profile's network by, from its address.
fn network_name(url: &str) -> String {
    let host = url
        .split("://")
        .nth(1)
        .and_then(|r| r.split('/').next())
        .unwrap_or("")
        .trim_start_matches("www.");
    match host {
        "facebook.com" | "fb.com" | "m.facebook.com" => "Facebook".into(),
        "x.com" | "twitter.com" => "X".into(),
        "t.me" | "telegram.me" => "Telegram".into(),
        "instagram.com" => "Instagram".into(),
        "youtube.com" | "youtu.be" => "YouTube".into(),
        "whatsapp.com" | "wa.me" => "WhatsApp".into(),
        "tiktok.com" => "TikTok".into(),
        "linkedin.com" => "LinkedIn".into(),
        other => other.to_string(),
    }
}

/// The part of a page's start that only changes with the content: kept by the store
/// between writes (see `midad_store::Store::kept`), so a page does not read it again.
pub(crate) struct Base {
    pub settings: Settings,
    pub locale: Locale,
    pub sections: Vec<Section>,
    nav: Vec<NavItem>,
    pages: Vec<NavItem>,
    logo: Option<Logo>,
}

/// What a page starts from: the settings, dates and numbers in the site's way, the
/// site-wide template variables, and the sections (a page listing them needs no new read).
pub(crate) struct Context {
    base: Arc<Base>,
    pub site: SiteContext,
}

impl std::ops::Deref for Context {
    type Target = Base;
    fn deref(&self) -> &Base {
        &self.base
    }
}

async fn read_base(store: Store, overrides: BTreeMap<String, serde_json::Value>) -> Result<Base> {
    let settings = effective_settings(&store, &overrides).await?;
    let locale = Locale::new(&settings);
    let sections = store.sections().await?;
    let nav = sections
        .iter()
        .filter(|s| s.parent_id.is_none())
        .map(|s| NavItem {
            url: format!("/section/{}", s.slug),
            name: s.name.clone(),
        })
        .collect();
    let pages = store
        .articles(&ArticleQuery::published(ArticleKind::Page, 20))
        .await?
        .into_iter()
        .filter(|p| p.data.parent_id.is_none())
        .map(|p| NavItem {
            url: format!("/page/{}", p.data.slug),
            name: p.data.title,
        })
        .collect();
    let logo = match settings.logo.trim() {
        "" => None,
        path => {
            let found = store.media_by_path(path).await?;
            Some(Logo {
                url: format!("/media/{}", path.trim_start_matches('/')),
                width: found.as_ref().and_then(|m| m.width),
                height: found.as_ref().and_then(|m| m.height),
            })
        }
    };
    Ok(Base {
        settings,
        locale,
        sections,
        nav,
        pages,
        logo,
    })
}

pub(crate) async fn site_context(app: &App) -> Result<Context> {
    let overrides = app.config.site_overrides.clone();
    let base: Arc<Base> = app
        .store
        .kept("site", Refresh::Now, Also::Nothing, move |store| {
            read_base(store, overrides)
        })
        .await?;
    let now = app.now();
    let settings = &base.settings;
    let locale = &base.locale;
    let local = now.with_timezone(&locale.tz);
    let site = SiteContext {
        name: settings.name.clone(),
        tagline: settings.tagline.clone(),
        locale: settings.locale.clone(),
        lang: settings.lang().to_string(),
        dir: if settings.is_rtl() { "rtl" } else { "ltr" },
        digits: locale.digits.as_str(),
        timezone: locale.tz.name().to_string(),
        base_url: app.config.base_url.clone(),
        today: locale.header_date(now),
        today_iso: local.date_naive().to_string(),
        hijri: settings.hijri.then(|| locale.hijri(now)),
        year: midad_arabic::digits(&local.year().to_string(), locale.digits),
        logo: base.logo.clone(),
        nav: base.nav.clone(),
        pages: base.pages.clone(),
        social: settings
            .social
            .iter()
            .map(|url| NavItem {
                name: network_name(url),
                url: url.clone(),
            })
            .collect(),
    };
    Ok(Context { base, site })
}

impl App {
    /// A UI string of the site's language for a message a handler builds (a refusal, a
    /// wait time). Reads only the settings, not the whole page context.
    pub(crate) async fn say(
        &self,
        key: &str,
        n: Option<i64>,
    ) -> std::result::Result<String, WebError> {
        let settings = effective_settings(&self.store, &self.config.site_overrides).await?;
        let digits = midad_arabic::Digits::parse(&settings.digits).unwrap_or_default();
        Ok(self.theme.translate(&settings.locale, key, n, digits))
    }
}
