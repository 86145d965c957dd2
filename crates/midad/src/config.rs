//! Configuration: defaults, then `midad.toml`, then `MIDAD_*` environment variables, then
//! command-line flags. A wrong value is reported with its key, where it came from and what
//! was expected.

use figment::providers::{Format, Serialized, Toml};
use figment::{Figment, Metadata, Provider};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub server: ServerConfig,
    pub database: DatabaseConfig,
    pub site: SiteConfig,
    pub mail: MailConfig,
    pub log: LogConfig,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerConfig {
    pub listen: String,
    /// Empty = `http://<listen>`.
    pub base_url: String,
    pub data_dir: PathBuf,
    /// A folder whose files override the embedded default theme.
    pub theme_dir: Option<PathBuf>,
    /// Upper bound of the in-memory page cache, in MiB; 0 turns it off.
    pub cache_mb: usize,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            listen: "127.0.0.1:8080".into(),
            base_url: String::new(),
            data_dir: PathBuf::from("midad-data"),
            theme_dir: None,
            cache_mb: 64,
        }
    }
}

#[derive(Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DatabaseConfig {
    /// Empty = `sqlite://<data_dir>/midad.db`.
    pub url: String,
}

impl fmt::Debug for DatabaseConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DatabaseConfig")
            .field("url", &midad_store::redact(&self.url))
            .finish()
    }
}

/// Site settings fixed by the operator. Unset keys are left to the back office.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SiteConfig {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tagline: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub digits: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date_style: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hijri: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub logo: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub breaking_hours: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub feed_full_content: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub social: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub digest_time: Option<String>,
}

#[derive(Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MailConfig {
    pub smtp_url: String,
    /// `Name <address>` or an address; empty = noreply@ the site's host.
    pub from: String,
    pub reply_to: String,
    /// Messages per second; 0 = no limit.
    pub rate_per_second: u32,
    /// Messages in flight at once.
    pub concurrency: u32,
    /// Sign-ups from these domains are answered but never mailed.
    pub blocked_domains: Vec<String>,
    /// The mailbox a `mailto:` unsubscribe goes to; empty = the link only.
    pub unsubscribe_mailto: String,
    /// DKIM signing: the selector, the signing domain and the private key's PEM file
    /// (RSA or Ed25519); all three or none.
    pub dkim_selector: String,
    pub dkim_domain: String,
    pub dkim_key_file: String,
}

impl Default for MailConfig {
    fn default() -> Self {
        MailConfig {
            smtp_url: String::new(),
            from: String::new(),
            reply_to: String::new(),
            rate_per_second: 50,
            concurrency: 8,
            blocked_domains: Vec::new(),
            unsubscribe_mailto: String::new(),
            dkim_selector: String::new(),
            dkim_domain: String::new(),
            dkim_key_file: String::new(),
        }
    }
}

impl fmt::Debug for MailConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MailConfig")
            .field("smtp_url", &midad_store::redact(&self.smtp_url))
            .field("from", &self.from)
            .field("reply_to", &self.reply_to)
            .field("rate_per_second", &self.rate_per_second)
            .field("concurrency", &self.concurrency)
            .field("blocked_domains", &self.blocked_domains)
            .field("unsubscribe_mailto", &self.unsubscribe_mailto)
            .field("dkim_selector", &self.dkim_selector)
            .field("dkim_domain", &self.dkim_domain)
            .field("dkim_key_file", &self.dkim_key_file)
            .finish()
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LogConfig {
    /// A tracing filter: `info`, `debug`, `midad_web=debug,info` …
    pub level: String,
    /// `text` or `json`.
    pub format: String,
}

impl Default for LogConfig {
    fn default() -> Self {
        LogConfig {
            level: "info".into(),
            format: "text".into(),
        }
    }
}

/// Every key the configuration knows, for telling apart a typo in an environment variable.
const KNOWN_KEYS: &[&str] = &[
    "server.listen",
    "server.base_url",
    "server.data_dir",
    "server.theme_dir",
    "server.cache_mb",
    "database.url",
    "site.name",
    "site.tagline",
    "site.locale",
    "site.timezone",
    "site.digits",
    "site.date_style",
    "site.hijri",
    "site.logo",
    "site.breaking_hours",
    "site.feed_full_content",
    "site.social",
    "site.digest_time",
    "mail.smtp_url",
    "mail.from",
    "mail.rate_per_second",
    "mail.reply_to",
    "mail.concurrency",
    "mail.blocked_domains",
    "mail.unsubscribe_mailto",
    "mail.dkim_selector",
    "mail.dkim_domain",
    "mail.dkim_key_file",
    "log.level",
    "log.format",
];

/// Values given on the command line; they win over everything else.
#[derive(Clone, Debug, Default)]
pub struct Flags {
    pub config: Option<PathBuf>,
    pub data_dir: Option<PathBuf>,
    pub listen: Option<String>,
    pub database_url: Option<String>,
}

#[derive(Debug)]
pub struct ConfigError(pub Vec<String>);

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, line) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "configuration error: {line}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigError {}

/// The loaded configuration, and warnings to log once logging is set up.
pub struct Loaded {
    pub config: Config,
    pub warnings: Vec<String>,
}

pub fn load(flags: &Flags) -> Result<Loaded, ConfigError> {
    let env_vars: Vec<(String, String)> = std::env::vars().collect();
    load_from(flags, &env_vars)
}

pub fn load_from(flags: &Flags, env_vars: &[(String, String)]) -> Result<Loaded, ConfigError> {
    let mut figment = Figment::from(Serialized::defaults(Config::default()));
    match &flags.config {
        Some(path) => {
            if !path.is_file() {
                return Err(ConfigError(vec![format!(
                    "the configuration file {} does not exist",
                    path.display()
                )]));
            }
            figment = figment.merge(Toml::file_exact(path));
        }
        None => {
            if Path::new("midad.toml").is_file() {
                figment = figment.merge(Toml::file_exact("midad.toml"));
            }
        }
    }
    let mut warnings = Vec::new();
    for (name, value) in env_vars {
        let Some(rest) = name.strip_prefix("MIDAD_") else {
            continue;
        };
        let key = rest.to_lowercase().replace("__", ".");
        if KNOWN_KEYS.contains(&key.as_str()) {
            let parsed: figment::value::Value = value.parse().unwrap_or_else(|e| match e {});
            figment = figment.merge(Named(
                Serialized::default(&key, parsed),
                format!("the environment variable {name}"),
            ));
        } else {
            warnings.push(format!(
                "ignoring the environment variable {name}: Midad has no setting «{key}»"
            ));
        }
    }
    if let Some(dir) = &flags.data_dir {
        figment = figment.merge(Named(
            Serialized::default("server.data_dir", dir),
            "the flag --data-dir".into(),
        ));
    }
    if let Some(listen) = &flags.listen {
        figment = figment.merge(Named(
            Serialized::default("server.listen", listen),
            "the flag --listen".into(),
        ));
    }
    if let Some(url) = &flags.database_url {
        figment = figment.merge(Named(
            Serialized::default("database.url", url),
            "the flag --database-url".into(),
        ));
    }
    let config: Config = figment.extract().map_err(|e| {
        ConfigError(
            e.into_iter()
                .map(|err| {
                    let key = err.path.join(".");
                    let source = err
                        .metadata
                        .as_ref()
                        .map(describe)
                        .unwrap_or_else(|| "the defaults".into());
                    if key.is_empty() {
                        format!("{} (in {source})", err.kind)
                    } else {
                        format!("{key} (from {source}): {}", err.kind)
                    }
                })
                .collect(),
        )
    })?;
    let problems = validate(&config, &figment);
    if problems.is_empty() {
        Ok(Loaded { config, warnings })
    } else {
        Err(ConfigError(problems))
    }
}

/// A provider under a name people recognise ("the flag --listen"), for error messages.
struct Named<P>(P, String);

impl<P: Provider> Provider for Named<P> {
    fn metadata(&self) -> Metadata {
        Metadata::named(self.1.clone())
    }

    fn data(
        &self,
    ) -> Result<figment::value::Map<figment::Profile, figment::value::Dict>, figment::Error> {
        self.0.data()
    }
}

fn describe(md: &Metadata) -> String {
    match &md.source {
        Some(source) => format!("{} {source}", md.name),
        None => md.name.to_string(),
    }
}

fn validate(c: &Config, figment: &Figment) -> Vec<String> {
    let mut problems = Vec::new();
    let mut bad = |key: &str, value: &str, expected: &str| {
        let source = figment
            .find_metadata(key)
            .map(describe)
            .unwrap_or_else(|| "the defaults".into());
        problems.push(format!(
            "{key} = «{value}» (from {source}): expected {expected}"
        ));
    };
    if c.server.listen.parse::<SocketAddr>().is_err() {
        bad(
            "server.listen",
            &c.server.listen,
            "an address and port such as 127.0.0.1:8080",
        );
    }
    let base = &c.server.base_url;
    if !(base.is_empty() || base.starts_with("http://") || base.starts_with("https://")) {
        bad(
            "server.base_url",
            base,
            "an http:// or https:// URL, or nothing",
        );
    }
    let url = &c.database.url;
    if !url.is_empty()
        && !["sqlite:", "postgres:", "postgresql:"]
            .iter()
            .any(|p| url.starts_with(p))
    {
        bad(
            "database.url",
            &midad_store::redact(url),
            "sqlite://PATH or postgres://USER@HOST/DB",
        );
    }
    if let Some(tz) = &c.site.timezone
        && tz.parse::<chrono_tz::Tz>().is_err()
    {
        bad(
            "site.timezone",
            tz,
            "an IANA time zone such as Asia/Beirut or UTC",
        );
    }
    if let Some(locale) = &c.site.locale
        && midad_arabic::DateFormatter::new(locale, midad_arabic::Digits::Latn).is_err()
    {
        bad(
            "site.locale",
            locale,
            "a language tag such as ar, ar-EG, ar-SY, ar-MA or en",
        );
    }
    if let Some(d) = &c.site.digits
        && midad_arabic::Digits::parse(d).is_none()
    {
        bad("site.digits", d, "\"arab\" (٠١٢) or \"latn\" (012)");
    }
    if let Some(style) = &c.site.date_style
        && midad_arabic::DateStyle::parse(style).is_none()
    {
        bad(
            "site.date_style",
            style,
            "\"slashes\", \"words\", \"numeric\" or \"locale\"",
        );
    }
    if c.server.cache_mb > 65_536 {
        bad(
            "server.cache_mb",
            &c.server.cache_mb.to_string(),
            "a size in MiB from 0 (no page cache) to 65536",
        );
    }
    if let Some(h) = c.site.breaking_hours
        && !(1..=168).contains(&h)
    {
        bad(
            "site.breaking_hours",
            &h.to_string(),
            "a number of hours from 1 to 168",
        );
    }
    if let Some(name) = &c.site.name
        && name.trim().is_empty()
    {
        bad("site.name", name, "a non-empty name");
    }
    let smtp = &c.mail.smtp_url;
    if !(smtp.is_empty() || smtp.starts_with("smtp://") || smtp.starts_with("smtps://")) {
        bad(
            "mail.smtp_url",
            &midad_store::redact(smtp),
            "smtp://host:port, smtps://user:pass@host:465, or nothing",
        );
    }
    if tracing_subscriber::EnvFilter::try_new(&c.log.level).is_err() {
        bad(
            "log.level",
            &c.log.level,
            "a level such as info, debug or warn",
        );
    }
    if c.log.format != "text" && c.log.format != "json" {
        bad("log.format", &c.log.format, "\"text\" or \"json\"");
    }
    problems
}

impl Config {
    pub fn database_url(&self) -> String {
        if self.database.url.is_empty() {
            format!(
                "sqlite://{}",
                self.server.data_dir.join("midad.db").display()
            )
        } else {
            self.database.url.clone()
        }
    }

    pub fn media_dir(&self) -> PathBuf {
        self.server.data_dir.join("media")
    }

    /// Links name the configured base URL, or else the address actually bound (which
    /// differs from `server.listen` when that asks for port 0).
    /// What the web layer needs of `[mail]`.
    pub fn mail_settings(&self) -> midad_web::MailSettings {
        midad_web::MailSettings {
            from: self.mail.from.clone(),
            reply_to: self.mail.reply_to.clone(),
            blocked_domains: self.mail.blocked_domains.clone(),
            unsubscribe_mailto: self.mail.unsubscribe_mailto.clone(),
            smtp_shown: midad_store::redact(&self.mail.smtp_url),
        }
    }

    pub fn base_url(&self, bound: SocketAddr) -> String {
        if self.server.base_url.is_empty() {
            format!("http://{bound}")
        } else {
            self.server.base_url.trim_end_matches('/').to_string()
        }
    }

    /// The site settings this configuration fixes, as key → value.
    pub fn site_overrides(&self) -> BTreeMap<String, serde_json::Value> {
        match serde_json::to_value(&self.site) {
            Ok(serde_json::Value::Object(map)) => map.into_iter().collect(),
            _ => BTreeMap::new(),
        }
    }
}
