//! Pictures people upload — a staff photo, the organisation's logo — decoded and drawn again
//! by the `image` crate, so only pixels survive: no EXIF (camera, location), no script, no
//! trailing data. A photo is turned upright, cropped square and kept at a few sizes as JPEG;
//! a logo keeps its shape and transparency as PNG.

use std::io::Cursor;

use image::codecs::jpeg::JpegEncoder;
use image::imageops::FilterType;
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits, RgbaImage};

use crate::domain::Invalid;

/// The largest upload accepted, in bytes.
pub const UPLOAD_LIMIT: usize = 5 * 1024 * 1024;
/// The sides, in pixels, a photo is kept at (the largest serves high-density screens).
pub const PHOTO_SIZES: [u32; 3] = [256, 128, 64];
/// A logo fits in this box.
pub const LOGO_BOX: (u32, u32) = (480, 160);
/// No side of an upload may be longer, nor its area larger (checked from the header,
/// before any pixel is decoded).
const MAX_SIDE: u32 = 8000;
const MAX_PIXELS: u64 = 24_000_000;

/// One encoded picture.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Picture {
    /// `256`, `128`, `64`, or `logo`.
    pub variant: String,
    pub content_type: &'static str,
    pub bytes: Vec<u8>,
}

fn decode(upload: &[u8]) -> Result<DynamicImage, Invalid> {
    let unreadable =
        || Invalid::new("That file is not a picture Heard can read: upload a PNG or JPEG.");
    if upload.is_empty() {
        return Err(Invalid::new("Choose a picture to upload."));
    }
    if upload.len() > UPLOAD_LIMIT {
        return Err(Invalid::new(
            "That picture is too large: up to 5 MB, please.",
        ));
    }
    let mut reader = ImageReader::new(Cursor::new(upload))
        .with_guessed_format()
        .map_err(|_| unreadable())?;
    if !matches!(reader.format(), Some(ImageFormat::Png | ImageFormat::Jpeg)) {
        return Err(unreadable());
    }
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(256 * 1024 * 1024);
    reader.limits(limits);
    let mut decoder = reader.into_decoder().map_err(|_| unreadable())?;
    let (w, h) = decoder.dimensions();
    if u64::from(w) * u64::from(h) > MAX_PIXELS || decoder.total_bytes() > 256 * 1024 * 1024 {
        return Err(Invalid::new(
            "That picture has too many pixels: at most 24 megapixels, please.",
        ));
    }
    let orientation = decoder.orientation().map_err(|_| unreadable())?;
    let mut image = DynamicImage::from_decoder(decoder).map_err(|_| unreadable())?;
    image.apply_orientation(orientation);
    if image.width() < 32 || image.height() < 32 {
        return Err(Invalid::new(
            "That picture is too small: at least 32 pixels each way.",
        ));
    }
    Ok(image)
}

/// Transparent parts shown over white (a JPEG has no transparency).
fn over_white(image: &DynamicImage) -> image::RgbImage {
    let rgba: RgbaImage = image.to_rgba8();
    image::RgbImage::from_fn(rgba.width(), rgba.height(), |x, y| {
        let [r, g, b, a] = rgba.get_pixel(x, y).0;
        let mix = |c: u8| {
            let (c, a) = (u16::from(c), u16::from(a));
            u8::try_from((c * a + 255 * (255 - a)) / 255).unwrap_or(255)
        };
        image::Rgb([mix(r), mix(g), mix(b)])
    })
}

/// A staff photo: upright, the centre square, at each of [`PHOTO_SIZES`], as JPEG.
pub fn photo(upload: &[u8]) -> Result<Vec<Picture>, Invalid> {
    let image = decode(upload)?;
    let side = image.width().min(image.height());
    let square = image.crop_imm(
        (image.width() - side) / 2,
        (image.height() - side) / 2,
        side,
        side,
    );
    PHOTO_SIZES
        .iter()
        .map(|&size| {
            let small = square.resize_exact(size, size, FilterType::Lanczos3);
            let mut bytes = Vec::new();
            JpegEncoder::new_with_quality(&mut bytes, 85)
                .encode_image(&over_white(&small))
                .map_err(|e| Invalid::new(format!("That picture could not be saved: {e}")))?;
            Ok(Picture {
                variant: size.to_string(),
                content_type: "image/jpeg",
                bytes,
            })
        })
        .collect()
}

/// A logo: its own shape, fitted in [`LOGO_BOX`] (never enlarged), as PNG.
pub fn logo(upload: &[u8]) -> Result<Picture, Invalid> {
    let image = decode(upload)?;
    let (w, h) = LOGO_BOX;
    let fitted = if image.width() > w || image.height() > h {
        image.resize(w, h, FilterType::Lanczos3)
    } else {
        image
    };
    let mut bytes = Vec::new();
    fitted
        .to_rgba8()
        .write_to(&mut Cursor::new(&mut bytes), ImageFormat::Png)
        .map_err(|e| Invalid::new(format!("That picture could not be saved: {e}")))?;
    Ok(Picture {
        variant: "logo".into(),
        content_type: "image/png",
        bytes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(w: u32, h: u32) -> Vec<u8> {
        let image = RgbaImage::from_fn(w, h, |x, _| image::Rgba([(x % 256) as u8, 40, 90, 255]));
        let mut out = Vec::new();
        image
            .write_to(&mut Cursor::new(&mut out), ImageFormat::Png)
            .unwrap();
        out
    }

    #[test]
    fn a_photo_is_cropped_square_at_every_size() {
        let pictures = photo(&png(300, 200)).unwrap();
        assert_eq!(pictures.len(), PHOTO_SIZES.len());
        for (picture, size) in pictures.iter().zip(PHOTO_SIZES) {
            let back = image::load_from_memory(&picture.bytes).unwrap();
            assert_eq!((back.width(), back.height()), (size, size));
            assert_eq!(picture.content_type, "image/jpeg");
            assert_eq!(picture.variant, size.to_string());
        }
    }

    #[test]
    fn a_logo_keeps_its_shape_and_is_never_enlarged() {
        let big = logo(&png(960, 160)).unwrap();
        let back = image::load_from_memory(&big.bytes).unwrap();
        assert_eq!((back.width(), back.height()), (480, 80));
        let small = logo(&png(100, 50)).unwrap();
        let back = image::load_from_memory(&small.bytes).unwrap();
        assert_eq!((back.width(), back.height()), (100, 50));
    }

    #[test]
    fn what_is_not_a_picture_is_refused() {
        for bad in [
            Vec::new(),
            b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>".to_vec(),
            b"GIF89a".to_vec(),
            png(300, 200)[..60].to_vec(),
            png(10, 10),
        ] {
            assert!(photo(&bad).is_err(), "{:?}", &bad[..bad.len().min(16)]);
        }
    }

    /// CRC-32 as PNG chunks carry it.
    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = !0u32;
        for &b in bytes {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }

    #[test]
    fn a_picture_that_claims_too_many_pixels_is_refused_before_decoding() {
        // A real PNG whose header is rewritten to 7000 × 7000 (49 megapixels, 196 MB of
        // pixels), its checksum made right: refused from the header alone.
        let mut bomb = png(40, 40);
        bomb[16..20].copy_from_slice(&7000u32.to_be_bytes());
        bomb[20..24].copy_from_slice(&7000u32.to_be_bytes());
        let crc = crc32(&bomb[12..29]);
        bomb[29..33].copy_from_slice(&crc.to_be_bytes());
        let refused = photo(&bomb).unwrap_err().0;
        assert!(refused.contains("too many pixels"), "{refused}");
    }

    #[test]
    fn only_pixels_survive() {
        // A JPEG with an EXIF block (a camera's make and a location) comes out without it.
        let mut jpeg = Vec::new();
        JpegEncoder::new(&mut jpeg)
            .encode_image(&over_white(&DynamicImage::ImageRgba8(
                RgbaImage::from_pixel(64, 64, image::Rgba([200, 10, 10, 255])),
            )))
            .unwrap();
        let exif = b"Exif\0\0MM\0*\0\0\0\x08GPSLatitude Secret Camera";
        let mut app1 = vec![0xFF, 0xE1];
        app1.extend_from_slice(&u16::try_from(exif.len() + 2).unwrap().to_be_bytes());
        app1.extend_from_slice(exif);
        let with_exif: Vec<u8> = [&jpeg[..2], &app1[..], &jpeg[2..]].concat();
        assert!(with_exif.windows(6).any(|w| w == b"Secret"));
        for picture in photo(&with_exif).unwrap() {
            assert!(!picture.bytes.windows(4).any(|w| w == b"Exif"));
            assert!(!picture.bytes.windows(6).any(|w| w == b"Secret"));
        }
    }
}
