//! Signed, expiring links for the newsletter (confirm a sign-up, manage preferences,
//! unsubscribe): the claim travels inside the link with an HMAC-SHA256 over it, so the
//! site keeps no table of issued links; only a nonce is stored where a link must work once.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::{DateTime, Utc};
use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};

/// The longest token [`Signer::open`] looks at, in bytes. A claim of a short purpose and a
/// [`random_nonce`] makes a token of about 110 characters; anything far longer is not ours,
/// and refusing it before decoding keeps a flood of huge links cheap.
pub const MAX_TOKEN_LEN: usize = 512;

/// Bumped if the layout changes, so that old links fail as malformed rather than being
/// read with the wrong layout.
const VERSION: u8 = 1;

/// Mixed into every MAC so that a key shared with another part of Midad can never make a
/// token of ours valid there, or theirs valid here.
const CONTEXT: &[u8] = b"midad-mail/token\0";

/// HMAC-SHA256 output, kept whole: `verify_slice` compares it in constant time.
const TAG_LEN: usize = 32;

/// SHA-256's block size: the length an HMAC key is padded or hashed to (RFC 2104).
const BLOCK_LEN: usize = 64;

/// The `expires` field of a claim that never expires. No `DateTime<Utc>` is this far back.
const NEVER: i64 = i64::MIN;

/// version, expires, subject, purpose length.
const HEADER_LEN: usize = 1 + 8 + 8 + 2;

/// What a link says: for which purpose, about whom, until when, and the nonce the
/// caller compares to refuse a replayed single-use link.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Claim {
    /// What the link is for: `"confirm"`, `"manage"`, `"reset"` … a short ASCII word.
    pub purpose: String,
    /// Whom it is about, e.g. a subscriber id.
    pub subject: i64,
    /// The first instant at which the link no longer opens, kept to the second;
    /// `None` for a link that never expires (a list's unsubscribe link).
    pub expires: Option<DateTime<Utc>>,
    /// A value the caller stores and compares; [`random_nonce`] makes a good one.
    pub nonce: String,
}

/// Why a token did not open. Every one means "this link does not work"; the codes let the
/// page say which (an expired confirmation link can offer to send a fresh one).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("the token is malformed: too long, cut short, or not base64url")]
    Malformed,
    #[error("the token's signature does not match: it was altered or signed with another key")]
    BadSignature,
    #[error("the token has expired")]
    Expired,
    #[error("the token was issued for another purpose")]
    WrongPurpose,
}

impl TokenError {
    /// A stable snake_case name for the API and for translated messages.
    pub fn code(&self) -> &'static str {
        match self {
            TokenError::Malformed => "token_malformed",
            TokenError::BadSignature => "token_bad_signature",
            TokenError::Expired => "token_expired",
            TokenError::WrongPurpose => "token_wrong_purpose",
        }
    }
}

/// Signs claims into tokens and opens tokens back into claims, with one secret key.
#[derive(Clone)]
pub struct Signer {
    /// Already keyed; cloned for every token so the key schedule runs once.
    mac: Hmac<Sha256>,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Signer { key: <hidden> }")
    }
}

impl Signer {
    /// A signer with `key` — 32 random bytes from [`random_key`], kept with the site's
    /// secrets. Changing the key invalidates every link already sent.
    pub fn new(key: &[u8]) -> Signer {
        Signer {
            mac: Hmac::<Sha256>::new(&hmac_key_block(key).into()),
        }
    }

    /// The token for `claim`: base64url without padding, safe as a URL path segment.
    ///
    /// Keep the purpose and the nonce short: a token longer than [`MAX_TOKEN_LEN`] is
    /// refused by [`Signer::open`] (a warning is logged when one is made).
    pub fn sign(&self, claim: &Claim) -> String {
        let payload = encode_claim(claim);
        let tag = self.keyed(&payload).finalize().into_bytes();
        let mut bytes = payload;
        bytes.extend_from_slice(&tag);
        let token = URL_SAFE_NO_PAD.encode(bytes);
        if token.len() > MAX_TOKEN_LEN {
            tracing::warn!(
                purpose = %claim.purpose,
                len = token.len(),
                "signed a token too long to open again; shorten the purpose or the nonce"
            );
        }
        token
    }

    /// The claim in `token`, if it was signed with this key for `purpose` and has not
    /// expired at `now`. Any input is safe: nothing here panics, and the signature is
    /// checked in constant time before the payload is read.
    pub fn open(
        &self,
        token: &str,
        purpose: &str,
        now: DateTime<Utc>,
    ) -> Result<Claim, TokenError> {
        if token.len() > MAX_TOKEN_LEN {
            return Err(TokenError::Malformed);
        }
        let bytes = URL_SAFE_NO_PAD
            .decode(token)
            .map_err(|_| TokenError::Malformed)?;
        let payload_len = bytes
            .len()
            .checked_sub(TAG_LEN)
            .ok_or(TokenError::Malformed)?;
        let (payload, tag) = bytes.split_at(payload_len);
        self.keyed(payload)
            .verify_slice(tag)
            .map_err(|_| TokenError::BadSignature)?;
        let claim = decode_claim(payload).ok_or(TokenError::Malformed)?;
        if claim.purpose != purpose {
            return Err(TokenError::WrongPurpose);
        }
        if claim.expires.is_some_and(|expires| now >= expires) {
            return Err(TokenError::Expired);
        }
        Ok(claim)
    }

    /// The MAC over `payload`, ready to finalise or verify.
    fn keyed(&self, payload: &[u8]) -> Hmac<Sha256> {
        let mut mac = self.mac.clone();
        mac.update(CONTEXT);
        mac.update(payload);
        mac
    }
}

/// The key as HMAC uses it (RFC 2104): zero-padded to the block size, or hashed first when
/// longer. Doing it here gives a constructor that cannot fail for any key length.
fn hmac_key_block(key: &[u8]) -> [u8; BLOCK_LEN] {
    let mut block = [0u8; BLOCK_LEN];
    if key.len() > BLOCK_LEN {
        let digest = Sha256::digest(key);
        block[..digest.len()].copy_from_slice(&digest);
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    block
}

/// `version | expires (i64 BE seconds) | subject (i64 BE) | purpose length (u16 BE) |
/// purpose | nonce`. The nonce runs to the end, so it needs no length.
fn encode_claim(claim: &Claim) -> Vec<u8> {
    let purpose = claim.purpose.as_bytes();
    // A purpose too long for the length field makes a token far over MAX_TOKEN_LEN, which
    // `open` refuses before reading it, so the clamp never yields a claim that opens.
    let purpose_len = u16::try_from(purpose.len()).unwrap_or(u16::MAX);
    let expires = claim.expires.map_or(NEVER, |t| t.timestamp());
    let mut out = Vec::with_capacity(HEADER_LEN + purpose.len() + claim.nonce.len() + TAG_LEN);
    out.push(VERSION);
    out.extend_from_slice(&expires.to_be_bytes());
    out.extend_from_slice(&claim.subject.to_be_bytes());
    out.extend_from_slice(&purpose_len.to_be_bytes());
    out.extend_from_slice(purpose);
    out.extend_from_slice(claim.nonce.as_bytes());
    out
}

/// The claim in a payload whose MAC was already checked; `None` if it does not follow
/// the layout of [`encode_claim`].
fn decode_claim(payload: &[u8]) -> Option<Claim> {
    let (&version, rest) = payload.split_first()?;
    if version != VERSION {
        return None;
    }
    let (expires, rest) = take_array::<8>(rest)?;
    let (subject, rest) = take_array::<8>(rest)?;
    let (purpose_len, rest) = take_array::<2>(rest)?;
    let purpose_len = usize::from(u16::from_be_bytes(purpose_len));
    if rest.len() < purpose_len {
        return None;
    }
    let (purpose, nonce) = rest.split_at(purpose_len);
    let expires = match i64::from_be_bytes(expires) {
        NEVER => None,
        seconds => Some(DateTime::from_timestamp(seconds, 0)?),
    };
    Some(Claim {
        purpose: String::from_utf8(purpose.to_vec()).ok()?,
        subject: i64::from_be_bytes(subject),
        expires,
        nonce: String::from_utf8(nonce.to_vec()).ok()?,
    })
}

/// The first `N` bytes of `bytes` and what follows, if there are that many.
fn take_array<const N: usize>(bytes: &[u8]) -> Option<([u8; N], &[u8])> {
    let (head, rest) = bytes.split_first_chunk::<N>()?;
    Some((*head, rest))
}

/// A fresh signing key from the system's random number generator.
///
/// # Panics
///
/// If the system cannot provide random bytes: a predictable key would be worse than
/// stopping.
pub fn random_key() -> [u8; 32] {
    random_bytes()
}

/// A fresh nonce: 16 random bytes, base64url (22 characters, safe in URLs and columns).
///
/// # Panics
///
/// If the system cannot provide random bytes, as [`random_key`].
pub fn random_nonce() -> String {
    URL_SAFE_NO_PAD.encode(random_bytes::<16>())
}

/// `N` bytes from the operating system's generator.
pub(crate) fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    if let Err(error) = getrandom::fill(&mut bytes) {
        // Guessable keys, nonces or Message-IDs would be a silent security hole.
        panic!("the system random number generator failed: {error}");
    }
    bytes
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone};
    use proptest::prelude::*;

    use super::*;

    fn signer() -> Signer {
        Signer::new(b"a key used only by these tests, 32+")
    }

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2025, 3, 1, 12, 0, 0)
            .single()
            .unwrap_or_default()
    }

    fn confirm_claim() -> Claim {
        Claim {
            purpose: "confirm".into(),
            subject: 42,
            expires: Some(now() + Duration::hours(48)),
            nonce: random_nonce(),
        }
    }

    #[test]
    fn a_token_opens_to_the_claim_it_was_signed_from() {
        let claim = confirm_claim();
        let token = signer().sign(&claim);
        assert_eq!(signer().open(&token, "confirm", now()), Ok(claim));
    }

    #[test]
    fn a_token_is_url_safe_and_short() {
        let token = signer().sign(&confirm_claim());
        assert!(
            token
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
            "{token}"
        );
        assert!(token.len() < 128, "{} characters", token.len());
    }

    #[test]
    fn a_token_without_expiry_opens_far_in_the_future() {
        let claim = Claim {
            purpose: "unsubscribe".into(),
            subject: -7,
            expires: None,
            nonce: String::new(),
        };
        let token = signer().sign(&claim);
        let later = now() + Duration::days(365 * 50);
        assert_eq!(signer().open(&token, "unsubscribe", later), Ok(claim));
    }

    #[test]
    fn a_token_expires_at_its_expiry_instant() {
        let claim = confirm_claim();
        let token = signer().sign(&claim);
        let expires = claim.expires.unwrap_or_default();
        assert!(
            signer()
                .open(&token, "confirm", expires - Duration::seconds(1))
                .is_ok()
        );
        assert_eq!(
            signer().open(&token, "confirm", expires),
            Err(TokenError::Expired)
        );
        assert_eq!(
            signer().open(&token, "confirm", expires + Duration::days(1)),
            Err(TokenError::Expired)
        );
    }

    #[test]
    fn expiry_is_kept_to_the_second() {
        let mut claim = confirm_claim();
        claim.expires = Some(now() + Duration::milliseconds(90_500));
        let token = signer().sign(&claim);
        let opened = signer().open(&token, "confirm", now());
        assert_eq!(
            opened.map(|c| c.expires),
            Ok(Some(now() + Duration::seconds(90)))
        );
    }

    #[test]
    fn a_token_for_one_purpose_never_opens_as_another() {
        let token = signer().sign(&confirm_claim());
        for purpose in ["manage", "reset", "", "confirm ", "Confirm", "confir"] {
            assert_eq!(
                signer().open(&token, purpose, now()),
                Err(TokenError::WrongPurpose),
                "{purpose:?}"
            );
        }
    }

    #[test]
    fn a_token_signed_with_another_key_is_refused() {
        let token = Signer::new(&random_key()).sign(&confirm_claim());
        assert_eq!(
            signer().open(&token, "confirm", now()),
            Err(TokenError::BadSignature)
        );
    }

    #[test]
    fn changing_any_character_breaks_the_token() {
        let token = signer().sign(&confirm_claim());
        let alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        for (i, original) in token.char_indices() {
            for replacement in alphabet.chars().filter(|&c| c != original) {
                let mut tampered = token.clone();
                tampered.replace_range(i..i + 1, replacement.encode_utf8(&mut [0; 4]));
                let result = signer().open(&tampered, "confirm", now());
                assert!(
                    matches!(
                        result,
                        Err(TokenError::BadSignature | TokenError::Malformed)
                    ),
                    "position {i}, {original} → {replacement}: {result:?}"
                );
            }
        }
    }

    #[test]
    fn cutting_or_extending_the_token_breaks_it() {
        let token = signer().sign(&confirm_claim());
        for end in 0..token.len() {
            assert!(signer().open(&token[..end], "confirm", now()).is_err());
        }
        for suffix in ["A", "AA", "AAAA", "=", "==", ".", "/x"] {
            assert!(
                signer()
                    .open(&format!("{token}{suffix}"), "confirm", now())
                    .is_err()
            );
        }
    }

    #[test]
    fn huge_input_is_refused_as_malformed() {
        let huge = "A".repeat(1_000_000);
        assert_eq!(
            signer().open(&huge, "confirm", now()),
            Err(TokenError::Malformed)
        );
    }

    #[test]
    fn keys_longer_than_a_block_work_like_any_other() {
        let long_key = [7u8; 200];
        let claim = confirm_claim();
        let token = Signer::new(&long_key).sign(&claim);
        assert_eq!(
            Signer::new(&long_key).open(&token, "confirm", now()),
            Ok(claim)
        );
        assert_eq!(
            Signer::new(&long_key[..199]).open(&token, "confirm", now()),
            Err(TokenError::BadSignature)
        );
    }

    #[test]
    fn the_mac_is_standard_hmac_sha256() {
        // RFC 4231 test case 2, through the same keying as `Signer::new`.
        let mac = Hmac::<Sha256>::new(&hmac_key_block(b"Jefe").into())
            .chain_update(b"what do ya want for nothing?");
        let hex: String = mac
            .finalize()
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(
            hex,
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn error_codes_are_distinct_snake_case() {
        let all = [
            TokenError::Malformed,
            TokenError::BadSignature,
            TokenError::Expired,
            TokenError::WrongPurpose,
        ];
        let codes: std::collections::BTreeSet<_> = all.iter().map(TokenError::code).collect();
        assert_eq!(codes.len(), all.len());
        assert!(
            codes
                .iter()
                .all(|c| c.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'))
        );
    }

    #[test]
    fn random_values_differ() {
        assert_ne!(random_key(), random_key());
        let nonce = random_nonce();
        assert_eq!(nonce.len(), 22);
        assert_ne!(nonce, random_nonce());
    }

    proptest! {
        #[test]
        fn garbage_never_panics_and_never_opens(input in any::<String>()) {
            prop_assert!(signer().open(&input, "confirm", now()).is_err());
        }

        #[test]
        fn base64_garbage_never_opens(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
            let token = URL_SAFE_NO_PAD.encode(&bytes);
            prop_assert!(signer().open(&token, "confirm", now()).is_err());
        }

        #[test]
        fn any_short_claim_round_trips(
            purpose in "[a-z_]{0,24}",
            subject in any::<i64>(),
            expires in proptest::option::of(0i64..8_000_000_000),
            nonce in "\\PC{0,40}",
        ) {
            let claim = Claim {
                purpose: purpose.clone(),
                subject,
                expires: expires.and_then(|s| DateTime::from_timestamp(s, 0)),
                nonce,
            };
            let token = signer().sign(&claim);
            let at = DateTime::from_timestamp(0, 0).unwrap_or_default() - Duration::days(1);
            prop_assert_eq!(signer().open(&token, &purpose, at), Ok(claim));
        }
    }
}
