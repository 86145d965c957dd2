//! Responsive variants of raster images (narrower copies in the original format and in
//! WebP, for `srcset`), and removal of the metadata a camera writes into a file (EXIF with
//! its GPS position, text chunks) before it is published.
//!
//! Decoding is bounded: the pixel size read from the header is checked against
//! [`MAX_PIXELS`] before any pixel is decoded, so a small file that claims a huge canvas (a
//! decompression bomb) is refused without allocating it.

use crate::{Inspected, Kind, MediaError};
use image::{DynamicImage, ImageFormat, ImageReader};
use std::io::Cursor;

/// The widths variants are made at; only those narrower than the original are made.
pub const WIDTHS: [u32; 4] = [320, 640, 1024, 1600];
/// The largest canvas accepted, in pixels (a 40-megapixel photo; 50,000 × 1 passes, but
/// also [`MAX_SIDE`] holds).
pub const MAX_PIXELS: u64 = 40_000_000;
/// The longest side accepted, in pixels.
pub const MAX_SIDE: u32 = 20_000;
/// Quality of the JPEG and WebP variants (0–100).
const QUALITY: u8 = 80;

/// One narrower copy of an image.
#[derive(Clone, Debug)]
pub struct Variant {
    pub width: u32,
    pub height: u32,
    pub kind: Kind,
    pub bytes: Vec<u8>,
}

/// Refuses a canvas too large to decode safely.
pub fn check_pixels(inspected: &Inspected) -> Result<(), MediaError> {
    match (inspected.kind, inspected.width, inspected.height) {
        (Kind::Svg, _, _) => Ok(()),
        (_, Some(w), Some(h)) => {
            if w == 0 || h == 0 {
                Err(MediaError::Corrupt)
            } else if w > MAX_SIDE || h > MAX_SIDE || u64::from(w) * u64::from(h) > MAX_PIXELS {
                Err(MediaError::TooManyPixels {
                    width: w,
                    height: h,
                })
            } else {
                Ok(())
            }
        }
        // A raster image whose header gives no size is not one we can trust.
        _ => Err(MediaError::Corrupt),
    }
}

/// The widths of the variants an image of `width` pixels gets.
pub fn widths_for(kind: Kind, width: Option<u32>) -> Vec<u32> {
    match (kind, width) {
        // SVG scales by itself; a GIF may be animated, and a still of it would lose that.
        (Kind::Svg | Kind::Gif, _) | (_, None) => Vec::new(),
        (_, Some(w)) => WIDTHS.iter().copied().filter(|v| *v < w).collect(),
    }
}

/// Where the variant of `original` (a media path such as `2024/11/ab12-photo.jpg`) at
/// `width` in `kind` lives: `2024/11/ab12-photo-640w.jpg`, `…-640w.webp`.
pub fn variant_path(original: &str, width: u32, kind: Kind) -> String {
    let stem = original
        .rsplit_once('.')
        .map(|(stem, _)| stem)
        .unwrap_or(original);
    format!("{stem}-{width}w.{}", kind.extension())
}

fn format_of(kind: Kind) -> Option<ImageFormat> {
    match kind {
        Kind::Jpeg => Some(ImageFormat::Jpeg),
        Kind::Png => Some(ImageFormat::Png),
        Kind::Webp => Some(ImageFormat::WebP),
        Kind::Gif | Kind::Svg => None,
    }
}

/// Decodes a checked raster image, within limits that match [`check_pixels`].
fn decode(bytes: &[u8], kind: Kind) -> Result<DynamicImage, MediaError> {
    let format = format_of(kind).ok_or(MediaError::UnsupportedType)?;
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_PIXELS * 4 + 64 * 1024 * 1024);
    reader.limits(limits);
    reader.decode().map_err(|_| MediaError::Corrupt)
}

fn encode(image: &DynamicImage, kind: Kind) -> Result<Vec<u8>, MediaError> {
    let mut out = Vec::new();
    match kind {
        Kind::Jpeg => {
            let rgb = image.to_rgb8();
            image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, QUALITY)
                .encode_image(&rgb)
                .map_err(|_| MediaError::Corrupt)?;
        }
        Kind::Png => {
            image
                .write_to(&mut Cursor::new(&mut out), ImageFormat::Png)
                .map_err(|_| MediaError::Corrupt)?;
        }
        Kind::Webp => {
            let rgba = image.to_rgba8();
            let encoded = webp::Encoder::from_rgba(rgba.as_raw(), rgba.width(), rgba.height())
                .encode(f32::from(QUALITY));
            out.extend_from_slice(&encoded);
        }
        Kind::Gif | Kind::Svg => return Err(MediaError::UnsupportedType),
    }
    Ok(out)
}

/// The variants of a checked image: for each width of [`widths_for`], one in the original
/// format (none when the original is WebP) and one in WebP.
pub fn make(bytes: &[u8], inspected: &Inspected) -> Result<Vec<Variant>, MediaError> {
    let widths = widths_for(inspected.kind, inspected.width);
    if widths.is_empty() {
        return Ok(Vec::new());
    }
    check_pixels(inspected)?;
    let image = decode(bytes, inspected.kind)?;
    let mut out = Vec::new();
    for width in widths {
        let height = ((u64::from(image.height()) * u64::from(width)) / u64::from(image.width()))
            .max(1) as u32;
        let small = image.resize_exact(width, height, image::imageops::FilterType::Triangle);
        let mut kinds = vec![Kind::Webp];
        if inspected.kind != Kind::Webp {
            kinds.insert(0, inspected.kind);
        }
        for kind in kinds {
            out.push(Variant {
                width,
                height,
                kind,
                bytes: encode(&small, kind)?,
            });
        }
    }
    Ok(out)
}

/// The file without the metadata a camera or an editor writes into it: JPEG APP1–APP15
/// segments (EXIF, GPS, XMP, maker notes) and comments, keeping APP0 (JFIF) and APP2 (the
/// colour profile); PNG text, time and EXIF chunks. Pixels are not touched (no re-encoding).
/// Other kinds, and files this does not understand, are returned as they are.
pub fn strip_metadata(bytes: &[u8], kind: Kind) -> Vec<u8> {
    let stripped = match kind {
        Kind::Jpeg => strip_jpeg(bytes),
        Kind::Png => strip_png(bytes),
        _ => None,
    };
    stripped.unwrap_or_else(|| bytes.to_vec())
}

fn strip_jpeg(b: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(b.len());
    out.extend_from_slice(b.get(0..2)?);
    let mut i = 2;
    loop {
        if *b.get(i)? != 0xFF {
            return None;
        }
        let marker = *b.get(i + 1)?;
        // Start of scan: the rest is image data, copied as it is.
        if marker == 0xDA {
            out.extend_from_slice(&b[i..]);
            return Some(out);
        }
        let len = usize::from(*b.get(i + 2)?) << 8 | usize::from(*b.get(i + 3)?);
        let end = i + 2 + len;
        let segment = b.get(i..end)?;
        let drop = (0xE1..=0xEF).contains(&marker) && marker != 0xE2 || marker == 0xFE;
        if !drop {
            out.extend_from_slice(segment);
        }
        i = end;
    }
}

fn strip_png(b: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(b.len());
    out.extend_from_slice(b.get(0..8)?);
    let mut i = 8;
    while i < b.len() {
        let len = u32::from_be_bytes(b.get(i..i + 4)?.try_into().ok()?) as usize;
        let kind = b.get(i + 4..i + 8)?;
        let end = i + 12 + len;
        let chunk = b.get(i..end)?;
        if !matches!(kind, b"tEXt" | b"zTXt" | b"iTXt" | b"eXIf" | b"tIME") {
            out.extend_from_slice(chunk);
        }
        i = end;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inspect;

    fn photo(width: u32, height: u32) -> Vec<u8> {
        let image = image::RgbImage::from_fn(width, height, |x, y| {
            image::Rgb([(x % 256) as u8, (y % 256) as u8, ((x + y) % 256) as u8])
        });
        let mut out = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90)
            .encode_image(&image)
            .unwrap();
        out
    }

    #[test]
    fn variants_are_narrower_copies_in_both_formats() {
        let bytes = photo(1200, 600);
        let inspected = inspect(&bytes).unwrap();
        let variants = make(&bytes, &inspected).unwrap();
        let made: Vec<(u32, u32, Kind)> = variants
            .iter()
            .map(|v| (v.width, v.height, v.kind))
            .collect();
        assert_eq!(
            made,
            vec![
                (320, 160, Kind::Jpeg),
                (320, 160, Kind::Webp),
                (640, 320, Kind::Jpeg),
                (640, 320, Kind::Webp),
                (1024, 512, Kind::Jpeg),
                (1024, 512, Kind::Webp),
            ]
        );
        for v in &variants {
            let again = inspect(&v.bytes).unwrap();
            assert_eq!(
                (again.kind, again.width, again.height),
                (v.kind, Some(v.width), Some(v.height))
            );
        }
        assert_eq!(
            variant_path("2024/11/ab-photo.jpg", 640, Kind::Webp),
            "2024/11/ab-photo-640w.webp"
        );
    }

    #[test]
    fn huge_canvases_are_refused_before_decoding() {
        // A PNG header claiming 50,000 × 50,000 pixels, with no pixel data behind it.
        let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
        png.extend_from_slice(&50_000u32.to_be_bytes());
        png.extend_from_slice(&50_000u32.to_be_bytes());
        png.extend_from_slice(&[8, 2, 0, 0, 0, 0, 0, 0, 0]);
        let inspected = inspect(&png).unwrap();
        assert!(matches!(
            check_pixels(&inspected),
            Err(MediaError::TooManyPixels { width: 50_000, .. })
        ));
        assert!(make(&png, &inspected).is_err());
        // A file that is not the image its header announces is refused, not a panic.
        let mut fake = photo(400, 300);
        fake.truncate(200);
        let inspected = inspect(&fake).unwrap();
        assert!(matches!(make(&fake, &inspected), Err(MediaError::Corrupt)));
    }

    #[test]
    fn exif_is_removed_and_pixels_kept() {
        let clean = photo(64, 32);
        // Put an EXIF segment with a GPS-looking payload after SOI.
        let mut exif = vec![0xFF, 0xE1];
        let payload = b"Exif\0\0GPSLatitude 33.8938 GPSLongitude 35.5018";
        let len = (payload.len() + 2) as u16;
        exif.extend_from_slice(&len.to_be_bytes());
        exif.extend_from_slice(payload);
        let mut tagged = clean[..2].to_vec();
        tagged.extend_from_slice(&exif);
        tagged.extend_from_slice(&clean[2..]);
        let stripped = strip_metadata(&tagged, Kind::Jpeg);
        assert!(!stripped.windows(11).any(|w| w == b"GPSLatitude"));
        assert_eq!(stripped, clean);
        let decoded = image::load_from_memory(&stripped).unwrap();
        assert_eq!((decoded.width(), decoded.height()), (64, 32));
    }
}
