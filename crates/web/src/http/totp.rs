//! Time-based one-time passwords (RFC 6238 over RFC 4226): HMAC-SHA1, 30-second steps,
//! six digits, what every authenticator app speaks. A code is accepted in the step before
//! and after the current one, for clocks a little apart.

use hmac::{Hmac, KeyInit, Mac};

const STEP_SECONDS: i64 = 30;
const DIGITS: u32 = 6;

/// The code of `secret` (raw bytes) for the step holding `unix_seconds`.
pub fn code_at(secret: &[u8], unix_seconds: i64) -> String {
    let counter = (unix_seconds.div_euclid(STEP_SECONDS)) as u64;
    let Ok(mut mac) = Hmac::<sha1::Sha1>::new_from_slice(secret) else {
        return String::new();
    };
    mac.update(&counter.to_be_bytes());
    let hash = mac.finalize().into_bytes();
    let offset = usize::from(hash[hash.len() - 1] & 0x0f);
    let bin = (u32::from(hash[offset]) & 0x7f) << 24
        | u32::from(hash[offset + 1]) << 16
        | u32::from(hash[offset + 2]) << 8
        | u32::from(hash[offset + 3]);
    format!(
        "{:0width$}",
        bin % 10u32.pow(DIGITS),
        width = DIGITS as usize
    )
}

/// Whether `code` is right for `secret` at `unix_seconds`, give or take one step.
pub fn verify(secret: &[u8], code: &str, unix_seconds: i64) -> bool {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    let code = midad_arabic::to_latin_digits(&code);
    if code.len() != DIGITS as usize || !code.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    (-1..=1).any(|step| {
        super::tokens::same(&code_at(secret, unix_seconds + step * STEP_SECONDS), &code)
    })
}

/// [`verify`] for a secret as stored (base32); no secret, or an unreadable one, matches
/// nothing.
pub fn verify_stored(secret: Option<&str>, code: &str, unix_seconds: i64) -> bool {
    secret
        .and_then(from_base32)
        .is_some_and(|s| !s.is_empty() && verify(&s, code, unix_seconds))
}

const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// RFC 4648 base32 without padding: how authenticator apps take a secret.
pub fn base32(bytes: &[u8]) -> String {
    let mut out = String::new();
    let mut buffer: u32 = 0;
    let mut bits = 0;
    for b in bytes {
        buffer = (buffer << 8) | u32::from(*b);
        bits += 8;
        while bits >= 5 {
            out.push(ALPHABET[((buffer >> (bits - 5)) & 31) as usize] as char);
            bits -= 5;
        }
    }
    if bits > 0 {
        out.push(ALPHABET[((buffer << (5 - bits)) & 31) as usize] as char);
    }
    out
}

pub fn from_base32(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let mut buffer: u32 = 0;
    let mut bits = 0;
    for c in text.bytes().filter(|c| *c != b'=') {
        let v = ALPHABET.iter().position(|a| *a == c.to_ascii_uppercase())? as u32;
        buffer = (buffer << 5) | v;
        bits += 5;
        if bits >= 8 {
            out.push((buffer >> (bits - 8)) as u8);
            bits -= 8;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_6238_test_vectors() {
        // The SHA-1 seed of RFC 6238's appendix B, eight-digit codes cut to six.
        let seed = b"12345678901234567890";
        for (t, expected) in [
            (59, "287082"),
            (1_111_111_109, "081804"),
            (1_111_111_111, "050471"),
            (1_234_567_890, "005924"),
            (2_000_000_000, "279037"),
        ] {
            assert_eq!(code_at(seed, t), expected, "t = {t}");
        }
    }

    #[test]
    fn codes_are_accepted_a_step_either_side_and_in_arabic_digits() {
        let seed = b"12345678901234567890";
        assert!(verify(seed, "287082", 59));
        assert!(verify(seed, "287 082", 59 + 30));
        assert!(verify(seed, "٢٨٧٠٨٢", 59));
        assert!(!verify(seed, "287082", 59 + 90));
        assert!(!verify(seed, "28708", 59));
        assert!(!verify(seed, "abcdef", 59));
    }

    #[test]
    fn base32_round_trips() {
        assert_eq!(base32(b"foobar"), "MZXW6YTBOI");
        assert_eq!(from_base32("MZXW6YTBOI").unwrap(), b"foobar");
        let secret = [7u8; 20];
        assert_eq!(from_base32(&base32(&secret)).unwrap(), secret);
    }
}
