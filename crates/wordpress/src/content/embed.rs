//! Embeds: WordPress turns a URL of a known video or social site that stands alone on a
//! line into the site's player. Midad's HTML-to-blocks parser does the same for a `<p>`
//! holding nothing but such a URL, so that is what these URLs become.

use super::html::escape;

/// Sites WordPress embeds through oEmbed and Midad's parser recognises (or may): a URL on
/// another site stays in its paragraph, as WordPress leaves it.
const PROVIDERS: &[&str] = &[
    "youtube.com",
    "youtu.be",
    "twitter.com",
    "x.com",
    "facebook.com",
    "fb.watch",
    "instagram.com",
    "t.me",
    "telegram.me",
    "vimeo.com",
    "soundcloud.com",
    "tiktok.com",
    "spotify.com",
    "dailymotion.com",
];

/// Whether `text` is exactly one http(s) URL of an embeddable site.
pub(crate) fn is_embed_url(text: &str) -> bool {
    let lower = text.get(..8).unwrap_or(text).to_ascii_lowercase();
    let rest = if lower.starts_with("https://") {
        &text[8..]
    } else if lower.starts_with("http://") {
        &text[7..]
    } else {
        return false;
    };
    if text.contains(|c: char| c.is_whitespace() || matches!(c, '<' | '>' | '"')) {
        return false;
    }
    let host = rest
        .split(['/', '?', '#'])
        .next()
        .unwrap_or_default()
        .split(':')
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    PROVIDERS.iter().any(|provider| {
        host == *provider
            || host
                .strip_suffix(provider)
                .is_some_and(|sub| sub.ends_with('.'))
    })
}

/// The paragraph an embed URL becomes. The URL is escaped once: `&` in a written URL may
/// already be `&amp;`, and is then left as it is.
pub(crate) fn embed_paragraph(url: &str) -> String {
    let escaped = if url.contains("&amp;") || url.contains("&#038;") {
        url.to_string()
    } else {
        escape(url).into_owned()
    };
    format!("<p>{escaped}</p>")
}

/// Puts each line that is only an embeddable URL into its own paragraph, so that the
/// paragraphs around it do not swallow it (WordPress does this before `wpautop` too).
pub(crate) fn embed_lines(text: &str) -> String {
    if !text.contains("http") {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len() + 32);
    for line in text.split_inclusive('\n') {
        let content = line.trim();
        if is_embed_url(content) {
            out.push_str(&embed_paragraph(content));
            if line.ends_with('\n') {
                out.push('\n');
            }
        } else {
            out.push_str(line);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn knows_embeddable_sites() {
        assert!(is_embed_url("https://www.youtube.com/watch?v=OgaZdJKEhsL"));
        assert!(is_embed_url("https://youtu.be/abc"));
        assert!(is_embed_url("https://x.com/user/status/1"));
        assert!(is_embed_url("https://t.me/channel/12"));
        assert!(is_embed_url("http://m.facebook.com/story.php?id=1"));
        assert!(!is_embed_url("https://fixture.localhost:8083/2025/01/x/"));
        assert!(!is_embed_url("https://notyoutube.com/watch"));
        assert!(!is_embed_url("see https://youtube.com/watch?v=1"));
        assert!(!is_embed_url("youtube.com/watch?v=1"));
    }

    #[test]
    fn lone_urls_get_their_own_paragraph() {
        assert_eq!(
            embed_lines("text\nhttps://youtu.be/abc\nmore"),
            "text\n<p>https://youtu.be/abc</p>\nmore"
        );
        assert_eq!(
            embed_lines("https://youtu.be/a?x=1&t=2"),
            "<p>https://youtu.be/a?x=1&amp;t=2</p>"
        );
        assert_eq!(
            embed_lines("https://example.com/a"),
            "https://example.com/a"
        );
    }
}
