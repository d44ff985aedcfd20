//! Image dimensions read from the headers of PNG, JPEG and WebP files, without decoding: a
//! small file can declare an enormous picture (an "image bomb") that whoever decodes it (here,
//! every participant's phone showing a contest's logo) must allocate.

/// Width and height limit of an uploaded image (a logo shows at a few hundred pixels).
pub const MAX_SIDE: u32 = 2048;

/// The declared width and height, or `None` when the headers cannot be read.
pub fn dimensions(kind: &str, bytes: &[u8]) -> Option<(u32, u32)> {
    let be16 = |i: usize| Some(u16::from_be_bytes(bytes.get(i..i + 2)?.try_into().ok()?) as u32);
    let le = |i: usize, n: usize| {
        let b = bytes.get(i..i + n)?;
        Some(b.iter().rev().fold(0u32, |acc, x| (acc << 8) | u32::from(*x)))
    };
    match kind {
        "png" if bytes.get(12..16) == Some(b"IHDR") => {
            let be32 = |i: usize| Some(u32::from_be_bytes(bytes.get(i..i + 4)?.try_into().ok()?));
            Some((be32(16)?, be32(20)?))
        }
        "jpeg" => {
            let mut i = 2;
            while i + 4 <= bytes.len() {
                if bytes[i] != 0xFF {
                    return None;
                }
                let marker = bytes[i + 1];
                match marker {
                    0xFF => i += 1,
                    0x01 | 0xD0..=0xD9 => i += 2,
                    0xC0..=0xCF if !matches!(marker, 0xC4 | 0xC8 | 0xCC) => return Some((be16(i + 7)?, be16(i + 5)?)),
                    _ => i += 2 + be16(i + 2)? as usize,
                }
            }
            None
        }
        "webp" => match bytes.get(12..16)? {
            b"VP8 " => Some((le(26, 2)? & 0x3FFF, le(28, 2)? & 0x3FFF)),
            b"VP8L" => {
                let bits = le(21, 4)?;
                Some(((bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1))
            }
            b"VP8X" => Some((le(24, 3)? + 1, le(27, 3)? + 1)),
            _ => None,
        },
        _ => None,
    }
}

/// The image's headers can be read and declare a picture within the limits.
pub fn within_limits(kind: &str, bytes: &[u8]) -> bool {
    dimensions(kind, bytes).is_some_and(|(w, h)| (1..=MAX_SIDE).contains(&w) && (1..=MAX_SIDE).contains(&h))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(w: u32, h: u32) -> Vec<u8> {
        let mut b = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
        b.extend(w.to_be_bytes());
        b.extend(h.to_be_bytes());
        b.extend([8, 6, 0, 0, 0]);
        b
    }

    #[test]
    fn declared_dimensions_of_each_format() {
        assert_eq!(dimensions("png", &png(640, 480)), Some((640, 480)));
        assert!(within_limits("png", &png(640, 480)));
        assert!(!within_limits("png", &png(50_000, 50_000)), "an image bomb");
        assert!(!within_limits("png", &png(2049, 10)) && !within_limits("png", &png(0, 10)));
        // SOI, an APP0 segment, then SOF0 with height 300 and width 200.
        let jpeg = [
            &[0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x04, 0x4A, 0x46][..],
            &[0xFF, 0xC0, 0x00, 0x11, 0x08, 0x01, 0x2C, 0x00, 0xC8, 0x03],
        ]
        .concat();
        assert_eq!(dimensions("jpeg", &jpeg), Some((200, 300)));
        let mut vp8x = b"RIFF\0\0\0\0WEBPVP8X\x0a\0\0\0\0\0\0\0".to_vec();
        vp8x.extend([0x3F, 0x1F, 0x00, 0xFF, 0xFF, 0x00]); // 8000 x 65536
        assert_eq!(dimensions("webp", &vp8x), Some((8000, 65536)));
        assert!(!within_limits("webp", &vp8x));
        assert_eq!(dimensions("jpeg", &[0xFF, 0xD8, 0x00]), None);
    }
}
