//! Password hashing with argon2id (PHC strings), and the rules a new password must meet.

use crate::error::{ErrorCode, ValidationError};
use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};

pub const MIN_PASSWORD: usize = 10;
/// argon2 accepts long inputs, but an unbounded one is a cheap denial of service.
pub const MAX_PASSWORD: usize = 1024;

pub fn check_strength(password: &str) -> Result<(), ValidationError> {
    let n = password.chars().count();
    if n < MIN_PASSWORD {
        Err(ValidationError::new(
            "password",
            ErrorCode::PasswordTooShort,
        ))
    } else if password.len() > MAX_PASSWORD {
        Err(ValidationError::new("password", ErrorCode::PasswordTooLong))
    } else {
        Ok(())
    }
}

/// Hashes with argon2id and a fresh random salt.
pub fn hash(password: &str) -> Result<String, String> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| e.to_string())
}

/// `false` for a wrong password and for a malformed stored hash alike.
pub fn verify(password: &str, stored: &str) -> bool {
    match PasswordHash::new(stored) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_then_verify() {
        let h = hash("كلمة-سر-طويلة").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify("كلمة-سر-طويلة", &h));
        assert!(!verify("كلمة-سر-أخرى", &h));
        assert!(!verify("x", "not a hash"));
    }

    #[test]
    fn strength() {
        assert_eq!(
            check_strength("short").unwrap_err().code,
            ErrorCode::PasswordTooShort
        );
        assert!(check_strength("long enough pass").is_ok());
    }
}
