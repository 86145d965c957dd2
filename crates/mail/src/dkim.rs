//! DKIM signing for sites that send straight from their own server: receiving providers
//! (Gmail and Yahoo since 2024) refuse bulk mail that is not signed by the From domain.

use std::sync::Arc;

use base64::{Engine, engine::general_purpose::STANDARD};
use lettre::message::dkim::{
    DkimCanonicalization, DkimCanonicalizationType, DkimConfig, DkimSigningAlgorithm,
    DkimSigningKey,
};
use lettre::message::header::HeaderName;
use rsa::RsaPrivateKey;
use rsa::pkcs1::{DecodeRsaPrivateKey, EncodeRsaPrivateKey};
use rsa::pkcs8::{DecodePrivateKey, LineEnding, ObjectIdentifier, PrivateKeyInfo, SecretDocument};
use rsa::traits::PublicKeyParts;

use crate::error::MailError;

/// RFC 8301: verifiers must refuse RSA keys under 1024 bits. lettre would also panic
/// signing with a key too small to hold the digest, so small keys stop here.
const MIN_RSA_BITS: usize = 1024;

const OID_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
const OID_ED25519: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.112");

/// Headers covered by the signature. RFC 8058 requires both List-Unsubscribe headers to
/// be signed for one-click to be honoured. Naming a header a message lacks is allowed
/// (RFC 6376 §5.4) and stops anyone from adding it later. Content-Type is left out:
/// lettre writes it with the body, outside the headers it hashes.
const SIGNED_HEADERS: &[&str] = &[
    "From",
    "Reply-To",
    "To",
    "Subject",
    "Date",
    "Message-ID",
    "MIME-Version",
    "List-Unsubscribe",
    "List-Unsubscribe-Post",
];

/// A DKIM signer: the selector and domain published in DNS
/// (`{selector}._domainkey.{domain}`) and the private key, read once.
#[derive(Clone)]
pub struct Dkim {
    selector: String,
    domain: String,
    config: Arc<DkimConfig>,
}

impl std::fmt::Debug for Dkim {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Dkim")
            .field("selector", &self.selector)
            .field("domain", &self.domain)
            .field("private_key", &"<hidden>")
            .finish()
    }
}

impl Dkim {
    /// A signer for `domain` with the key under `selector`. The key is PEM: RSA as
    /// PKCS#1 (`BEGIN RSA PRIVATE KEY`) or PKCS#8 (`BEGIN PRIVATE KEY`), or Ed25519 as
    /// PKCS#8 (what `openssl genpkey -algorithm ed25519` writes). RSA is what every
    /// receiver checks; Ed25519 is not yet verified by all of them.
    pub fn new(selector: &str, domain: &str, private_key_pem: &str) -> Result<Dkim, MailError> {
        check_dns_name(selector, "selector")?;
        check_dns_name(domain, "domain")?;
        let key = signing_key(private_key_pem)?;
        let headers = SIGNED_HEADERS
            .iter()
            .map(|name| HeaderName::new_from_ascii_str(name))
            .collect();
        // Relaxed for both: relays re-fold headers and re-wrap bodies, and a signature
        // that breaks in transit is worse than none.
        let canonicalization = DkimCanonicalization {
            header: DkimCanonicalizationType::Relaxed,
            body: DkimCanonicalizationType::Relaxed,
        };
        let config = DkimConfig::new(
            selector.to_owned(),
            domain.to_ascii_lowercase(),
            key,
            headers,
            canonicalization,
        );
        Ok(Dkim {
            selector: selector.to_owned(),
            domain: domain.to_ascii_lowercase(),
            config: Arc::new(config),
        })
    }

    pub fn selector(&self) -> &str {
        &self.selector
    }

    pub fn domain(&self) -> &str {
        &self.domain
    }

    /// Adds the DKIM-Signature header to `message`.
    pub(crate) fn sign(&self, message: &mut lettre::Message) {
        message.sign(&self.config);
    }
}

/// A selector or domain: dot-separated labels of letters, digits and `-`.
fn check_dns_name(name: &str, what: &str) -> Result<(), MailError> {
    let label_ok = |label: &str| {
        (1..=63).contains(&label.len())
            && label
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !label.starts_with('-')
            && !label.ends_with('-')
    };
    if !name.is_empty() && name.len() <= 253 && name.split('.').all(label_ok) {
        Ok(())
    } else {
        Err(MailError::BadDkim(format!(
            "the {what} {name:?} is not a DNS name (letters, digits, `-` and dots)"
        )))
    }
}

/// lettre's key from a PEM, whatever its flavour. lettre itself reads only PKCS#1 RSA
/// and a bare base64 Ed25519 seed, so PKCS#8 is unwrapped here.
fn signing_key(pem: &str) -> Result<DkimSigningKey, MailError> {
    let pem = pem.trim();
    if pem.starts_with("-----BEGIN RSA PRIVATE KEY-----") {
        let key = RsaPrivateKey::from_pkcs1_pem(pem)
            .map_err(|e| bad_key(format!("the RSA key could not be read: {e}")))?;
        return rsa_signing_key(&key);
    }
    if pem.starts_with("-----BEGIN PRIVATE KEY-----") {
        return pkcs8_signing_key(pem);
    }
    if pem.starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----") {
        return Err(bad_key(
            "the key is encrypted; give it without a passphrase",
        ));
    }
    Err(bad_key(
        "expected a PEM private key starting with -----BEGIN RSA PRIVATE KEY----- or \
         -----BEGIN PRIVATE KEY-----",
    ))
}

/// A PKCS#8 key, RSA or Ed25519.
fn pkcs8_signing_key(pem: &str) -> Result<DkimSigningKey, MailError> {
    let (_, document) = SecretDocument::from_pem(pem)
        .map_err(|e| bad_key(format!("the PKCS#8 key could not be read: {e}")))?;
    let info = PrivateKeyInfo::try_from(document.as_bytes())
        .map_err(|e| bad_key(format!("the PKCS#8 key could not be read: {e}")))?;
    match info.algorithm.oid {
        OID_RSA => {
            let key = RsaPrivateKey::from_pkcs8_der(document.as_bytes())
                .map_err(|e| bad_key(format!("the RSA key could not be read: {e}")))?;
            rsa_signing_key(&key)
        }
        OID_ED25519 => ed25519_signing_key(info.private_key),
        other => Err(bad_key(format!(
            "the key's algorithm ({other}) is neither RSA nor Ed25519"
        ))),
    }
}

/// An RSA key big enough for DKIM, handed to lettre as the PKCS#1 PEM it reads.
fn rsa_signing_key(key: &RsaPrivateKey) -> Result<DkimSigningKey, MailError> {
    let bits = key.size() * 8;
    if bits < MIN_RSA_BITS {
        return Err(bad_key(format!(
            "the RSA key has {bits} bits; DKIM needs at least {MIN_RSA_BITS} (2048 advised)"
        )));
    }
    let pkcs1 = key
        .to_pkcs1_pem(LineEnding::LF)
        .map_err(|e| bad_key(format!("the RSA key could not be converted: {e}")))?;
    DkimSigningKey::new(&pkcs1, DkimSigningAlgorithm::Rsa)
        .map_err(|e| bad_key(format!("lettre refused the RSA key: {e}")))
}

/// An Ed25519 key from PKCS#8's inner `CurvePrivateKey`, an OCTET STRING of the 32-byte
/// seed (RFC 8410), handed to lettre as the base64 seed it reads.
fn ed25519_signing_key(private_key: &[u8]) -> Result<DkimSigningKey, MailError> {
    let seed = match private_key {
        [0x04, 0x20, seed @ ..] if seed.len() == 32 => seed,
        _ => return Err(bad_key("the Ed25519 key is not a 32-byte seed")),
    };
    let encoded = STANDARD.encode(seed);
    DkimSigningKey::new(&encoded, DkimSigningAlgorithm::Ed25519)
        .map_err(|e| bad_key(format!("lettre refused the Ed25519 key: {e}")))
}

fn bad_key(reason: impl Into<String>) -> MailError {
    MailError::BadDkim(reason.into())
}
