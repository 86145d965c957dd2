//! Media files: recognise what a file really is (by its bytes, not its name), read its pixel
//! size, and store it under a content-addressed name in the media folder.

mod storage;
pub mod variants;

pub use storage::{LocalDisk, Storage};

use std::path::Path;

/// Files above this size are refused; newsroom photos are far smaller.
pub const MAX_BYTES: usize = 25 * 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum MediaError {
    #[error("unsupported file type (accepted: JPEG, PNG, GIF, WebP, SVG)")]
    UnsupportedType,
    #[error("the file is larger than {} MB", MAX_BYTES / 1024 / 1024)]
    TooLarge,
    #[error("the file is empty")]
    Empty,
    #[error("the SVG contains scripts or event handlers")]
    UnsafeSvg,
    #[error("the image is {width} × {height} pixels: larger than accepted")]
    TooManyPixels { width: u32, height: u32 },
    #[error("the file is damaged or is not the image it claims to be")]
    Corrupt,
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Jpeg,
    Png,
    Gif,
    Webp,
    Svg,
}

impl Kind {
    pub fn mime(self) -> &'static str {
        match self {
            Kind::Jpeg => "image/jpeg",
            Kind::Png => "image/png",
            Kind::Gif => "image/gif",
            Kind::Webp => "image/webp",
            Kind::Svg => "image/svg+xml",
        }
    }

    pub fn from_mime(mime: &str) -> Option<Kind> {
        [Kind::Jpeg, Kind::Png, Kind::Gif, Kind::Webp, Kind::Svg]
            .into_iter()
            .find(|k| k.mime() == mime)
    }

    pub fn extension(self) -> &'static str {
        match self {
            Kind::Jpeg => "jpg",
            Kind::Png => "png",
            Kind::Gif => "gif",
            Kind::Webp => "webp",
            Kind::Svg => "svg",
        }
    }
}

/// What is known of a file once it is recognised.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Inspected {
    pub kind: Kind,
    pub width: Option<u32>,
    pub height: Option<u32>,
}

/// Recognises a file from its first bytes and reads its pixel size.
pub fn inspect(bytes: &[u8]) -> Result<Inspected, MediaError> {
    if bytes.is_empty() {
        return Err(MediaError::Empty);
    }
    if bytes.len() > MAX_BYTES {
        return Err(MediaError::TooLarge);
    }
    let (kind, size) = if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        (Kind::Png, png_size(bytes))
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        (Kind::Jpeg, jpeg_size(bytes))
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        (Kind::Gif, gif_size(bytes))
    } else if bytes.len() > 12 && &bytes[0..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        (Kind::Webp, webp_size(bytes))
    } else if let Some(text) = svg_text(bytes) {
        if svg_is_unsafe(text) {
            return Err(MediaError::UnsafeSvg);
        }
        (Kind::Svg, svg_size(text))
    } else {
        return Err(MediaError::UnsupportedType);
    };
    Ok(Inspected {
        kind,
        width: size.map(|s| s.0),
        height: size.map(|s| s.1),
    })
}

fn be16(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from(*b.get(at)?) << 8 | u32::from(*b.get(at + 1)?))
}
fn le16(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from(*b.get(at)?) | u32::from(*b.get(at + 1)?) << 8)
}
fn be32(b: &[u8], at: usize) -> Option<u32> {
    Some(be16(b, at)? << 16 | be16(b, at + 2)?)
}

fn png_size(b: &[u8]) -> Option<(u32, u32)> {
    // The IHDR chunk always comes first.
    (b.get(12..16)? == b"IHDR").then_some(())?;
    Some((be32(b, 16)?, be32(b, 20)?))
}

fn gif_size(b: &[u8]) -> Option<(u32, u32)> {
    Some((le16(b, 6)?, le16(b, 8)?))
}

fn jpeg_size(b: &[u8]) -> Option<(u32, u32)> {
    let mut i = 2;
    while i + 9 < b.len() {
        if b[i] != 0xFF {
            i += 1;
            continue;
        }
        let marker = b[i + 1];
        // Start-of-frame markers carry the size; C4, C8 and CC are other tables.
        if (0xC0..=0xCF).contains(&marker) && !matches!(marker, 0xC4 | 0xC8 | 0xCC) {
            return Some((be16(b, i + 7)?, be16(b, i + 5)?));
        }
        if marker == 0xD8 || marker == 0x01 || (0xD0..=0xD7).contains(&marker) || marker == 0xFF {
            i += if marker == 0xFF { 1 } else { 2 };
            continue;
        }
        let len = be16(b, i + 2)? as usize;
        i += 2 + len;
    }
    None
}

fn webp_size(b: &[u8]) -> Option<(u32, u32)> {
    match b.get(12..16)? {
        b"VP8 " => Some((le16(b, 26)? & 0x3FFF, le16(b, 28)? & 0x3FFF)),
        b"VP8L" => {
            let bits = u32::from(*b.get(21)?)
                | u32::from(*b.get(22)?) << 8
                | u32::from(*b.get(23)?) << 16
                | u32::from(*b.get(24)?) << 24;
            Some(((bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1))
        }
        b"VP8X" => {
            let w =
                u32::from(*b.get(24)?) | u32::from(*b.get(25)?) << 8 | u32::from(*b.get(26)?) << 16;
            let h =
                u32::from(*b.get(27)?) | u32::from(*b.get(28)?) << 8 | u32::from(*b.get(29)?) << 16;
            Some((w + 1, h + 1))
        }
        _ => None,
    }
}

fn svg_text(b: &[u8]) -> Option<&str> {
    let text = std::str::from_utf8(b).ok()?;
    let head: String = text.chars().take(1024).collect::<String>().to_lowercase();
    head.contains("<svg").then_some(text)
}

/// SVG is a document that can run scripts; refuse anything that could.
fn svg_is_unsafe(text: &str) -> bool {
    let lower = text.to_lowercase();
    lower.contains("<script")
        || lower.contains("javascript:")
        || lower.contains("<foreignobject")
        || lower
            .split(|c: char| c.is_whitespace())
            .any(|w| w.starts_with("on") && w.contains('='))
}

fn svg_size(text: &str) -> Option<(u32, u32)> {
    let start = text.find("<svg")?;
    let tag_end = text[start..].find('>')? + start;
    let tag = &text[start..tag_end];
    let attr = |name: &str| -> Option<f64> {
        let key = format!(" {name}=\"");
        let at = tag.find(&key)? + key.len();
        let value = &tag[at..at + tag[at..].find('"')?];
        value.trim_end_matches("px").trim().parse().ok()
    };
    if let (Some(w), Some(h)) = (attr("width"), attr("height")) {
        return Some((w.round() as u32, h.round() as u32));
    }
    let key = " viewBox=\"";
    let at = tag.find(key)? + key.len();
    let vb: Vec<f64> = tag[at..at + tag[at..].find('"')?]
        .split([' ', ','])
        .filter_map(|p| p.parse().ok())
        .collect();
    (vb.len() == 4).then(|| (vb[2].round() as u32, vb[3].round() as u32))
}

/// A file placed in the media folder.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stored {
    /// Relative to the media root, `/`-separated.
    pub path: String,
    pub inspected: Inspected,
    pub size: u64,
    /// Widths of the narrower copies written beside it (see [`variants`]).
    pub variants: Vec<u32>,
}

/// Where [`store`] would put a file, without making its copies: an importer asks first, so
/// a file it already has costs no resizing.
pub fn planned_path(
    bytes: &[u8],
    original_name: &str,
    year: i32,
    month: u32,
) -> Result<String, MediaError> {
    prepare(bytes, original_name, year, month).map(|(_, _, rel)| rel)
}

/// Checks a file, strips what a camera recorded (the GPS position…: it is not published)
/// and names it by its content.
fn prepare(
    bytes: &[u8],
    original_name: &str,
    year: i32,
    month: u32,
) -> Result<(Inspected, Vec<u8>, String), MediaError> {
    let inspected = inspect(bytes)?;
    variants::check_pixels(&inspected)?;
    let cleaned = variants::strip_metadata(bytes, inspected.kind);
    let stem = Path::new(original_name)
        .file_stem()
        .map(|s| s.to_string_lossy().to_string())
        .unwrap_or_default();
    let mut name = midad_arabic::slugify(&stem);
    if name.is_empty() {
        name = "file".into();
    }
    let name: String = name.chars().take(60).collect();
    let rel = format!(
        "{year:04}/{month:02}/{:016x}-{}.{}",
        fnv1a(&cleaned),
        name.trim_end_matches('-'),
        inspected.kind.extension()
    );
    Ok((inspected, cleaned, rel))
}

/// Stores `bytes` under `root/YYYY/MM/<hash>-<name>.<ext>` on the local disk: [`store_in`]
/// with [`LocalDisk`].
pub fn store(
    root: &Path,
    bytes: &[u8],
    original_name: &str,
    year: i32,
    month: u32,
) -> Result<Stored, MediaError> {
    store_in(&LocalDisk::new(root), bytes, original_name, year, month)
}

/// Removes a stored file and every copy made of it.
pub fn remove(
    storage: &dyn Storage,
    path: &str,
    widths: &[u32],
    mime: &str,
) -> Result<(), MediaError> {
    for w in widths {
        for kind in [Kind::Webp, Kind::from_mime(mime).unwrap_or(Kind::Jpeg)] {
            storage.delete(&variants::variant_path(path, *w, kind))?;
        }
    }
    storage.delete(path)?;
    Ok(())
}

/// Stores `bytes` under `YYYY/MM/<hash>-<name>.<ext>` in `storage`. The name carries a hash of the
/// content, so the same file stored twice lands on the same path (imports stay idempotent)
/// and a changed file gets a new URL (caches never serve the old one).
pub fn store_in(
    storage: &dyn Storage,
    bytes: &[u8],
    original_name: &str,
    year: i32,
    month: u32,
) -> Result<Stored, MediaError> {
    let (inspected, cleaned, rel) = prepare(bytes, original_name, year, month)?;
    let bytes = cleaned.as_slice();
    let made = variants::make(bytes, &inspected)?;
    // Variants first: once the original is in place, its copies are too.
    for v in &made {
        storage.put_once(&variants::variant_path(&rel, v.width, v.kind), &v.bytes)?;
    }
    storage.put_once(&rel, bytes)?;
    let mut widths: Vec<u32> = made.iter().map(|v| v.width).collect();
    widths.dedup();
    Ok(Stored {
        path: rel,
        inspected,
        size: bytes.len() as u64,
        variants: widths,
    })
}

/// FNV-1a, 64 bits: a content fingerprint for file names, not a security hash.
fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf29ce484222325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x100000001b3);
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    const PNG_1X2: &[u8] = &[
        0x89, b'P', b'N', b'G', b'\r', b'\n', 0x1a, b'\n', 0, 0, 0, 13, b'I', b'H', b'D', b'R', 0,
        0, 0, 1, 0, 0, 0, 2, 8, 6, 0, 0, 0,
    ];

    #[test]
    fn recognises_by_content() {
        let i = inspect(PNG_1X2).unwrap();
        assert_eq!((i.kind, i.width, i.height), (Kind::Png, Some(1), Some(2)));
        let svg = br#"<svg xmlns="http://www.w3.org/2000/svg" width="800" height="600"></svg>"#;
        let i = inspect(svg).unwrap();
        assert_eq!(
            (i.kind, i.width, i.height),
            (Kind::Svg, Some(800), Some(600))
        );
        let vb = br#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1200 675"></svg>"#;
        assert_eq!(inspect(vb).unwrap().width, Some(1200));
        assert!(matches!(
            inspect(b"hello"),
            Err(MediaError::UnsupportedType)
        ));
        assert!(matches!(inspect(b""), Err(MediaError::Empty)));
    }

    #[test]
    fn scripted_svg_is_refused() {
        let bad = br#"<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>"#;
        assert!(matches!(inspect(bad), Err(MediaError::UnsafeSvg)));
        let bad = br#"<svg xmlns="http://www.w3.org/2000/svg" onload="x()"></svg>"#;
        assert!(matches!(inspect(bad), Err(MediaError::UnsafeSvg)));
    }

    #[test]
    fn same_content_same_path() {
        let dir = tempfile::tempdir().unwrap();
        let a = store(dir.path(), PNG_1X2, "صورة.png", 2024, 11).unwrap();
        let b = store(dir.path(), PNG_1X2, "صورة.png", 2024, 11).unwrap();
        assert_eq!(a, b);
        assert!(a.path.starts_with("2024/11/"));
        assert!(a.path.ends_with("-صورة.png"));
        assert!(dir.path().join(&a.path).exists());
    }
}
