//! Recognising posts and videos on other platforms, and the one address each is stored under.

use std::borrow::Cow;

use ammonia::Url;

use super::EmbedProvider;

impl EmbedProvider {
    /// The platform of `url` when it points at something that can be embedded: a YouTube
    /// video, a post on X (Twitter), Facebook, Telegram or Instagram. `None` for anything else,
    /// including a platform's home page or profile pages.
    pub fn detect(url: &str) -> Option<EmbedProvider> {
        recognise(url).map(|(_, provider)| provider)
    }

    /// The Arabic label of the link that stands in for the embed until a reader opens it.
    pub(super) fn label(self) -> &'static str {
        match self {
            EmbedProvider::Youtube => "شاهد على يوتيوب",
            EmbedProvider::X => "اعرض المنشور على إكس",
            EmbedProvider::Facebook => "اعرض المنشور على فيسبوك",
            EmbedProvider::Telegram => "اعرض المنشور على تيليغرام",
            EmbedProvider::Instagram => "اعرض المنشور على إنستغرام",
            EmbedProvider::Other => "افتح الرابط",
        }
    }

    /// The name used in CSS classes, the same as in JSON.
    pub(super) fn slug(self) -> &'static str {
        match self {
            EmbedProvider::Youtube => "youtube",
            EmbedProvider::X => "x",
            EmbedProvider::Facebook => "facebook",
            EmbedProvider::Telegram => "telegram",
            EmbedProvider::Instagram => "instagram",
            EmbedProvider::Other => "other",
        }
    }
}

/// The canonical address and platform of an embeddable URL.
///
/// The same video or post reaches us under many addresses (player iframes, short links,
/// mobile hosts, tracking parameters); storing one form keeps the embed stable and lets the
/// theme build its player from the address alone.
pub(super) fn recognise(raw: &str) -> Option<(String, EmbedProvider)> {
    let raw = raw.trim();
    // Older embed codes leave the scheme to the page: `//www.youtube.com/embed/…`.
    let url = match raw.strip_prefix("//") {
        Some(rest) => Url::parse(&format!("https://{rest}")),
        None => Url::parse(raw),
    }
    .ok()?;
    if !matches!(url.scheme(), "http" | "https") {
        return None;
    }
    let host = url.host_str()?;
    let host = ["www.", "m.", "mobile.", "web."]
        .iter()
        .find_map(|prefix| host.strip_prefix(prefix))
        .unwrap_or(host);
    let segments: Vec<&str> = url
        .path_segments()
        .map(|segments| segments.filter(|s| !s.is_empty()).collect())
        .unwrap_or_default();
    match host {
        "youtube.com" | "youtube-nocookie.com" => youtube(&url, &segments),
        "youtu.be" => youtube_watch(segments.first()?),
        "twitter.com" | "x.com" => x_post(host, &segments),
        "t.me" | "telegram.me" => telegram_post(&segments),
        "instagram.com" => instagram_post(&segments),
        "facebook.com" => facebook_post(&url, &segments),
        "fb.watch" => match segments.as_slice() {
            [id] if is_token(id) => {
                Some((format!("https://fb.watch/{id}/"), EmbedProvider::Facebook))
            }
            _ => None,
        },
        _ => None,
    }
}

fn youtube(url: &Url, segments: &[&str]) -> Option<(String, EmbedProvider)> {
    match segments {
        ["watch"] => {
            let (_, id) = url.query_pairs().find(|(key, _)| key == "v")?;
            youtube_watch(&id)
        }
        ["embed" | "shorts" | "live" | "v", id, ..] => youtube_watch(id),
        _ => None,
    }
}

fn youtube_watch(id: &str) -> Option<(String, EmbedProvider)> {
    is_token(id).then(|| {
        (
            format!("https://www.youtube.com/watch?v={id}"),
            EmbedProvider::Youtube,
        )
    })
}

fn x_post(host: &str, segments: &[&str]) -> Option<(String, EmbedProvider)> {
    match segments {
        [user, "status" | "statuses", id, ..] if is_token(user) && is_number(id) => Some((
            format!("https://{host}/{user}/status/{id}"),
            EmbedProvider::X,
        )),
        _ => None,
    }
}

fn telegram_post(segments: &[&str]) -> Option<(String, EmbedProvider)> {
    match segments {
        [channel, post] | ["s", channel, post] if is_token(channel) && is_number(post) => Some((
            format!("https://t.me/{channel}/{post}"),
            EmbedProvider::Telegram,
        )),
        _ => None,
    }
}

fn instagram_post(segments: &[&str]) -> Option<(String, EmbedProvider)> {
    match segments {
        [kind @ ("p" | "reel" | "tv"), code, ..] | [_, kind @ ("p" | "reel"), code, ..]
            if is_token(code) =>
        {
            Some((
                format!("https://www.instagram.com/{kind}/{code}/"),
                EmbedProvider::Instagram,
            ))
        }
        _ => None,
    }
}

fn facebook_post(url: &Url, segments: &[&str]) -> Option<(String, EmbedProvider)> {
    if segments.first() == Some(&"plugins") {
        // The embed iframe carries the post's own address in its `href` parameter.
        let (_, href) = url.query_pairs().find(|(key, _)| key == "href")?;
        return recognise(&href).filter(|(_, provider)| *provider == EmbedProvider::Facebook);
    }
    if segments.is_empty() {
        return None;
    }
    let mut canonical = Url::parse("https://www.facebook.com/").ok()?;
    canonical.set_path(url.path());
    // Only the parameters that identify a post or video; the rest is tracking.
    let identifying: Vec<(Cow<'_, str>, Cow<'_, str>)> = url
        .query_pairs()
        .filter(|(key, _)| matches!(key.as_ref(), "v" | "story_fbid" | "id" | "fbid"))
        .collect();
    if !identifying.is_empty() {
        canonical.query_pairs_mut().extend_pairs(identifying);
    }
    Some((canonical.into(), EmbedProvider::Facebook))
}

/// Ids, user names and channel names: ASCII letters, digits, `_` and `-`, as every platform
/// here uses. Checking this keeps odd characters out of the addresses we build.
fn is_token(s: &str) -> bool {
    (1..=100).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

fn is_number(s: &str) -> bool {
    (1..=30).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())
}
