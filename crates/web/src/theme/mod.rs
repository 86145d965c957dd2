//! The theme: templates and static files embedded in the binary, each overridable by a file
//! of the same name in the configured theme folder. Static files get content-hashed URLs so
//! they can be cached for a year.

mod helpers;

mod i18n;

use i18n::Translations;
use minijinja::{Environment, Value};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

/// Embeds a theme file of the default theme.
macro_rules! embedded {
    ($kind:literal, $($name:literal),* $(,)?) => {
        &[$(($name, include_str!(concat!("../../../../themes/default/", $kind, "/", $name)))),*]
    };
}

const TEMPLATES: &[(&str, &str)] = embedded!(
    "templates",
    "base.html",
    "macros.html",
    "home.html",
    "article.html",
    "list.html",
    "caricatures.html",
    "page.html",
    "search.html",
    "error.html",
    "admin/base.html",
    "admin/login.html",
    "admin/setup.html",
    "admin/dashboard.html",
    "admin/users.html",
    "admin/forbidden.html",
    "admin/articles.html",
    "admin/bulk.html",
    "admin/editor.html",
    "admin/media.html",
    "admin/revision.html",
    "admin/settings.html",
    "admin/sections.html",
    "admin/reset_request.html",
    "admin/reset.html",
    "admin/audit.html",
    "admin/code.html",
    "admin/account.html",
    "admin/redirects.html",
    "newsletter.html",
    "admin/subscribers.html",
    "admin/subscribers_import.html",
    "admin/newsletter.html",
    "admin/alert.html",
    "mail/base.html",
    "mail/confirm.subject.txt",
    "mail/confirm.txt",
    "mail/confirm.html",
    "mail/reset.subject.txt",
    "mail/reset.txt",
    "mail/reset.html",
    "mail/digest.subject.txt",
    "mail/digest.txt",
    "mail/digest.html",
    "mail/alert.subject.txt",
    "mail/alert.txt",
    "mail/alert.html",
);

const STATIC: &[(&str, &str)] = embedded!(
    "static",
    "style.css",
    "admin.css",
    "site.js",
    "editor.js",
    "theme-init.js",
    "favicon.svg"
);

const LOCALES: &[(&str, &str)] = &[
    (
        "ar",
        include_str!("../../../../themes/default/locales/ar.toml"),
    ),
    (
        "en",
        include_str!("../../../../themes/default/locales/en.toml"),
    ),
];

/// A static file of the theme, served under its content-hashed name.
pub(crate) struct Asset {
    pub bytes: Vec<u8>,
    pub mime: &'static str,
    pub hashed_name: String,
}

/// A theme that cannot be loaded or a template that cannot render.
#[derive(Debug, thiserror::Error)]
pub enum ThemeError {
    #[error("template error: {0}")]
    Template(#[from] minijinja::Error),
    #[error("{0}")]
    Invalid(String),
}

pub struct Theme {
    env: Environment<'static>,
    assets: HashMap<String, Asset>,
    /// hashed name → logical name
    by_hashed: HashMap<String, String>,
    /// `'sha256-…'` of every script a template may inline, for the CSP.
    script_hashes: Vec<String>,
    translations: Arc<Translations>,
}

/// Reads a theme file: the theme folder's copy when it has one, else the embedded default.
fn read_override(dir: Option<&PathBuf>, sub: &str, name: &str) -> Option<String> {
    let path = dir?.join(sub).join(name);
    std::fs::read_to_string(path).ok()
}

impl Theme {
    pub fn load(dir: Option<PathBuf>) -> Result<Theme, ThemeError> {
        let mut assets = HashMap::new();
        let mut by_hashed = HashMap::new();
        let mut script_hashes = Vec::new();
        for (name, embedded) in STATIC {
            let text =
                read_override(dir.as_ref(), "static", name).unwrap_or_else(|| embedded.to_string());
            let bytes = text.into_bytes();
            if name.ends_with(".js") {
                script_hashes.push(csp_hash(&bytes));
            }
            let hashed_name = hashed(name, &bytes);
            by_hashed.insert(hashed_name.clone(), name.to_string());
            assets.insert(
                name.to_string(),
                Asset {
                    mime: mime_of(name),
                    bytes,
                    hashed_name,
                },
            );
        }
        let locale_texts: Vec<(&str, String)> = LOCALES
            .iter()
            .map(|(lang, text)| {
                let file = format!("{lang}.toml");
                let text = read_override(dir.as_ref(), "locales", &file)
                    .unwrap_or_else(|| text.to_string());
                (*lang, text)
            })
            .collect();
        let borrowed: Vec<(&str, &str)> =
            locale_texts.iter().map(|(l, t)| (*l, t.as_str())).collect();
        let translations = Arc::new(Translations::parse(&borrowed).map_err(ThemeError::Invalid)?);

        let mut env = Environment::new();
        env.set_formatter(html_formatter);
        let template_dir = dir.map(|d| d.join("templates"));
        env.set_loader(move |name| {
            if let Some(d) = &template_dir {
                let path = d.join(name);
                if name.split(['/', '\\']).all(|p| p != "..") && path.is_file() {
                    return std::fs::read_to_string(&path).map(Some).map_err(|e| {
                        minijinja::Error::new(
                            minijinja::ErrorKind::InvalidOperation,
                            format!("cannot read {}: {e}", path.display()),
                        )
                    });
                }
            }
            Ok(TEMPLATES
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, src)| src.to_string()))
        });
        let urls: HashMap<String, String> = assets
            .iter()
            .map(|(name, a)| (name.clone(), format!("/static/{}", a.hashed_name)))
            .collect();
        env.add_function("asset", move |name: String| -> String {
            urls.get(&name)
                .cloned()
                .unwrap_or_else(|| format!("/static/{name}"))
        });
        let inline: HashMap<String, String> = assets
            .iter()
            .filter(|(name, _)| name.ends_with(".js"))
            .map(|(name, a)| (name.clone(), String::from_utf8_lossy(&a.bytes).into_owned()))
            .collect();
        env.add_function("inline_script", move |name: String| -> Value {
            // The CSP allows exactly these bytes by hash: no attribute, no whitespace added.
            let body = inline.get(&name).map(String::as_str).unwrap_or("");
            Value::from_safe_string(format!("<script>{body}</script>"))
        });
        helpers::register(&mut env, translations.clone());
        let theme = Theme {
            env,
            assets,
            by_hashed,
            script_hashes,
            translations,
        };
        // Fail at start-up, not on the first reader, when a template does not compile.
        for (name, _) in TEMPLATES {
            theme.env.get_template(name)?;
        }
        Ok(theme)
    }

    /// A UI string outside a template (a message built by a handler).
    pub fn translate(
        &self,
        locale: &str,
        key: &str,
        n: Option<i64>,
        digits: midad_arabic::Digits,
    ) -> String {
        self.translations.get(locale, key, n, &[], digits)
    }

    pub fn render(&self, name: &str, ctx: minijinja::Value) -> Result<String, minijinja::Error> {
        self.env.get_template(name)?.render(ctx)
    }

    /// The static file of this content-hashed name.
    pub(crate) fn asset_by_hashed_name(&self, file: &str) -> Option<&Asset> {
        self.by_hashed
            .get(file)
            .and_then(|name| self.assets.get(name))
    }

    /// The static file of this logical name (`favicon.svg`).
    pub(crate) fn asset(&self, name: &str) -> Option<&Asset> {
        self.assets.get(name)
    }

    /// The current file of an old hashed name or a plain name: the one with the same stem.
    pub(crate) fn asset_by_stem(&self, file: &str) -> Option<&Asset> {
        let stem = file.split('.').next()?;
        self.assets
            .iter()
            .find(|(k, _)| k.split('.').next() == Some(stem))
            .map(|(_, a)| a)
    }

    /// The `Content-Security-Policy` of every page: nothing from elsewhere, and inline
    /// script only by hash.
    pub fn csp(&self) -> String {
        format!(
            "default-src 'self'; script-src 'self' {}; style-src 'self'; img-src 'self' data:; \
             font-src 'self'; connect-src 'self'; frame-src 'none'; object-src 'none'; \
             base-uri 'self'; form-action 'self'; frame-ancestors 'self'",
            self.script_hashes.join(" ")
        )
    }
}

fn csp_hash(bytes: &[u8]) -> String {
    use base64::Engine;
    use sha2::Digest;
    let digest = sha2::Sha256::digest(bytes);
    format!(
        "'sha256-{}'",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
}

/// Escapes what HTML needs escaped (`& < > " '`) and leaves `/` alone, so URLs in the
/// markup stay readable; `none` renders as nothing.
fn html_formatter(
    out: &mut minijinja::Output,
    state: &mut minijinja::State,
    value: &minijinja::Value,
) -> Result<(), minijinja::Error> {
    if value.is_none() || value.is_undefined() {
        return Ok(());
    }
    if value.is_safe() || !matches!(state.auto_escape(), minijinja::AutoEscape::Html) {
        return minijinja::escape_formatter(out, state, value);
    }
    let mut escaped = String::new();
    midad_core::html::push_escaped(&mut escaped, &value.to_string());
    out.write_str(&escaped)
        .map_err(|e| minijinja::Error::new(minijinja::ErrorKind::WriteFailure, e.to_string()))
}

fn hashed(name: &str, bytes: &[u8]) -> String {
    let mut h: u64 = 0xcbf29ce484222325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x100000001b3);
    }
    match name.rsplit_once('.') {
        Some((stem, ext)) => format!("{stem}.{:012x}.{ext}", h & 0xffff_ffff_ffff),
        None => format!("{name}.{:012x}", h & 0xffff_ffff_ffff),
    }
}

fn mime_of(name: &str) -> &'static str {
    match name.rsplit('.').next() {
        Some("css") => "text/css; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("woff2") => "font/woff2",
        _ => "application/octet-stream",
    }
}
