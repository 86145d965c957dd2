//! Checking an address a reader typed into the sign-up form, before it is stored or put in
//! a header: one plain mailbox, nothing that could break a header, domain lower-cased.

/// RFC 5321's limit on a forward path, less the angle brackets.
pub const MAX_ADDRESS_LEN: usize = 254;
/// RFC 5321's limit on the part before `@`.
pub const MAX_LOCAL_PART_LEN: usize = 64;
/// RFC 1035's limit on one label of a domain.
const MAX_LABEL_LEN: usize = 63;

/// Characters that have a meaning in an address header (or in a quoted local part, which
/// this check does not take) and so never belong in a plain mailbox.
const FORBIDDEN: &[char] = &['<', '>', ',', ';', ':', '"', '(', ')', '[', ']', '\\'];

/// Why an address was refused. The code is stable for the API and the translated message;
/// the English text names what was wrong, without repeating the address.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AddressError {
    #[error("the address is empty")]
    Empty,
    #[error("the address is longer than {MAX_ADDRESS_LEN} characters")]
    TooLong,
    #[error("the address contains a line break or another control character")]
    ControlCharacter,
    #[error("the address contains a space")]
    Space,
    #[error("the address contains `{0}`, which a plain address cannot contain")]
    ForbiddenCharacter(char),
    #[error("the address has no `@`")]
    MissingAt,
    #[error("the address has more than one `@`")]
    SeveralAt,
    #[error("the part before `@` is empty")]
    EmptyLocalPart,
    #[error("the part before `@` is longer than {MAX_LOCAL_PART_LEN} characters")]
    LocalPartTooLong,
    #[error("the part before `@` starts or ends with a dot, or has two dots in a row")]
    LocalPartDots,
    #[error("the part before `@` has non-Latin letters, which are not supported yet")]
    UnicodeLocalPart,
    #[error("the part after `@` is empty")]
    EmptyDomain,
    #[error(
        "the domain has non-Latin letters; internationalised domains are not supported yet \
         (write it in its xn-- form)"
    )]
    UnicodeDomain,
    #[error("the domain has no dot (an address looks like name@example.com)")]
    DomainWithoutDot,
    #[error("the domain has an empty part: a dot at its start or end, or two dots in a row")]
    EmptyDomainLabel,
    #[error("a part of the domain is longer than {MAX_LABEL_LEN} characters")]
    DomainLabelTooLong,
    #[error("a part of the domain starts or ends with `-`")]
    DomainLabelHyphen,
    #[error("the domain contains `{0}`; a domain has only letters, digits, `-` and dots")]
    DomainCharacter(char),
    #[error("the domain ends in a number, not a name like .com")]
    NumericTopLevel,
}

impl AddressError {
    /// A stable snake_case name for the API and for translated messages.
    pub fn code(&self) -> &'static str {
        match self {
            AddressError::Empty => "address_empty",
            AddressError::TooLong => "address_too_long",
            AddressError::ControlCharacter => "address_control_character",
            AddressError::Space => "address_space",
            AddressError::ForbiddenCharacter(_) => "address_forbidden_character",
            AddressError::MissingAt => "address_missing_at",
            AddressError::SeveralAt => "address_several_at",
            AddressError::EmptyLocalPart => "address_empty_local_part",
            AddressError::LocalPartTooLong => "address_local_part_too_long",
            AddressError::LocalPartDots => "address_local_part_dots",
            AddressError::UnicodeLocalPart => "address_unicode_local_part",
            AddressError::EmptyDomain => "address_empty_domain",
            AddressError::UnicodeDomain => "address_unicode_domain",
            AddressError::DomainWithoutDot => "address_domain_without_dot",
            AddressError::EmptyDomainLabel => "address_empty_domain_label",
            AddressError::DomainLabelTooLong => "address_domain_label_too_long",
            AddressError::DomainLabelHyphen => "address_domain_label_hyphen",
            AddressError::DomainCharacter(_) => "address_domain_character",
            AddressError::NumericTopLevel => "address_numeric_top_level",
        }
    }
}

/// The address in `input`, trimmed and with its domain lower-cased (the local part is kept
/// as typed: some servers treat its case as meaningful), or why it is not one plain mailbox.
///
/// Deliberately narrower than RFC 5322: no quoted local parts, no comments, no IP
/// literals, ASCII only. Whatever passes is safe to put in a header or an SMTP command.
pub fn check_address(input: &str) -> Result<String, AddressError> {
    let address = input.trim();
    check_characters(address)?;
    let (local, domain) = split_at_sign(address)?;
    check_local_part(local)?;
    let domain = domain.to_ascii_lowercase();
    check_domain(&domain)?;
    Ok(format!("{local}@{domain}"))
}

/// The domain of an address [`check_address`] accepted: what follows the last `@`, or
/// `""` when there is none.
pub fn domain_of(addr: &str) -> &str {
    addr.rsplit_once('@').map_or("", |(_, domain)| domain)
}

/// Refusals that concern the whole address: emptiness, length, and characters that are
/// never part of a mailbox.
fn check_characters(address: &str) -> Result<(), AddressError> {
    if address.is_empty() {
        return Err(AddressError::Empty);
    }
    // Control characters first: CR and LF are the ones that forge headers, and they
    // deserve that name in the error even in an over-long input.
    if address.chars().any(is_control) {
        return Err(AddressError::ControlCharacter);
    }
    if address.len() > MAX_ADDRESS_LEN {
        return Err(AddressError::TooLong);
    }
    if address.chars().any(char::is_whitespace) {
        return Err(AddressError::Space);
    }
    match address.chars().find(|c| FORBIDDEN.contains(c)) {
        Some(c) => Err(AddressError::ForbiddenCharacter(c)),
        None => Ok(()),
    }
}

/// Control characters, and the Unicode line and paragraph separators that some
/// software also reads as line ends.
fn is_control(c: char) -> bool {
    c.is_control() || c == '\u{2028}' || c == '\u{2029}'
}

/// The parts before and after the one `@`.
fn split_at_sign(address: &str) -> Result<(&str, &str), AddressError> {
    let (local, domain) = address.split_once('@').ok_or(AddressError::MissingAt)?;
    if domain.contains('@') {
        return Err(AddressError::SeveralAt);
    }
    Ok((local, domain))
}

/// The local part as an RFC 5322 dot-atom of ASCII characters.
fn check_local_part(local: &str) -> Result<(), AddressError> {
    if local.is_empty() {
        return Err(AddressError::EmptyLocalPart);
    }
    if !local.is_ascii() {
        return Err(AddressError::UnicodeLocalPart);
    }
    if local.len() > MAX_LOCAL_PART_LEN {
        return Err(AddressError::LocalPartTooLong);
    }
    if let Some(c) = local.chars().find(|&c| c != '.' && !is_atext(c)) {
        return Err(AddressError::ForbiddenCharacter(c));
    }
    if local.split('.').any(str::is_empty) {
        return Err(AddressError::LocalPartDots);
    }
    Ok(())
}

/// RFC 5322 `atext`, ASCII only.
fn is_atext(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~".contains(c)
}

/// A lower-cased host name of letters, digits and hyphens, with at least two labels and
/// a top-level label that is not a number.
fn check_domain(domain: &str) -> Result<(), AddressError> {
    if domain.is_empty() {
        return Err(AddressError::EmptyDomain);
    }
    if !domain.is_ascii() {
        return Err(AddressError::UnicodeDomain);
    }
    if !domain.contains('.') {
        return Err(AddressError::DomainWithoutDot);
    }
    for label in domain.split('.') {
        check_label(label)?;
    }
    let top = domain.rsplit('.').next().unwrap_or(domain);
    if top.bytes().all(|b| b.is_ascii_digit()) {
        return Err(AddressError::NumericTopLevel);
    }
    Ok(())
}

/// One label of a host name (RFC 1123).
fn check_label(label: &str) -> Result<(), AddressError> {
    if label.is_empty() {
        return Err(AddressError::EmptyDomainLabel);
    }
    if label.len() > MAX_LABEL_LEN {
        return Err(AddressError::DomainLabelTooLong);
    }
    if let Some(c) = label
        .chars()
        .find(|&c| !(c.is_ascii_alphanumeric() || c == '-'))
    {
        return Err(AddressError::DomainCharacter(c));
    }
    if label.starts_with('-') || label.ends_with('-') {
        return Err(AddressError::DomainLabelHyphen);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn good_addresses_are_accepted_with_the_domain_lower_cased() {
        let good = [
            ("reader@example.com", "reader@example.com"),
            ("  reader@example.com\t", "reader@example.com"),
            ("Reader.Name@Example.COM", "Reader.Name@example.com"),
            ("a@b.co", "a@b.co"),
            (
                "first.last+news@mail.example.org",
                "first.last+news@mail.example.org",
            ),
            ("o'brien@example.ie", "o'brien@example.ie"),
            (
                "x_y-z=1!#$%&*/?^`{|}~@sub-domain.example.sa",
                "x_y-z=1!#$%&*/?^`{|}~@sub-domain.example.sa",
            ),
            (
                "user@xn--mgbh0fb.xn--kgbechtv",
                "user@xn--mgbh0fb.xn--kgbechtv",
            ),
            ("user@1example.com", "user@1example.com"),
            ("user@a.b.c.d.example", "user@a.b.c.d.example"),
        ];
        for (input, expected) in good {
            assert_eq!(check_address(input).as_deref(), Ok(expected), "{input:?}");
        }
    }

    #[test]
    fn bad_addresses_are_refused_with_the_reason() {
        use AddressError::*;
        let long_local = format!("{}@example.com", "a".repeat(65));
        let long_label = format!("a@{}.com", "b".repeat(64));
        let long_total = format!(
            "{}@{}.com",
            "a".repeat(60),
            vec!["b".repeat(60); 4].join(".")
        );
        let huge = "a".repeat(10_000);
        let huge_with_at = format!("{}@example.com", "a".repeat(10_000));
        let bad: Vec<(&str, AddressError)> = vec![
            ("", Empty),
            ("   ", Empty),
            ("a@b.co\r\nBcc: x@y.z", ControlCharacter),
            ("a@b.co\nx", ControlCharacter),
            ("a\r@b.co", ControlCharacter),
            ("a\0@b.co", ControlCharacter),
            ("a\u{7f}@b.co", ControlCharacter),
            ("a\u{85}@b.co", ControlCharacter),
            ("a\u{2028}@b.co", ControlCharacter),
            ("\"a b\"@x.com", Space),
            ("a b@x.com", Space),
            ("a@x.com b@y.com", Space),
            ("a\u{a0}b@x.com", Space),
            ("\"ab\"@x.com", ForbiddenCharacter('"')),
            ("Reader <reader@example.com>", Space),
            ("<reader@example.com>", ForbiddenCharacter('<')),
            ("a@b.co,c@d.co", ForbiddenCharacter(',')),
            ("a@b.co;c@d.co", ForbiddenCharacter(';')),
            ("a:b@x.com", ForbiddenCharacter(':')),
            ("a(comment)@x.com", ForbiddenCharacter('(')),
            ("a@[127.0.0.1]", ForbiddenCharacter('[')),
            ("a\\b@x.com", ForbiddenCharacter('\\')),
            ("reader.example.com", MissingAt),
            ("a@b@c.com", SeveralAt),
            ("@example.com", EmptyLocalPart),
            ("reader@", EmptyDomain),
            (&long_local, LocalPartTooLong),
            (".a@x.com", LocalPartDots),
            ("a.@x.com", LocalPartDots),
            ("a..b@x.com", LocalPartDots),
            ("قارئ@example.com", UnicodeLocalPart),
            ("reader@مثال.السعودية", UnicodeDomain),
            ("reader@exämple.com", UnicodeDomain),
            ("reader@localhost", DomainWithoutDot),
            ("reader@.example.com", EmptyDomainLabel),
            ("reader@example.com.", EmptyDomainLabel),
            ("reader@example..com", EmptyDomainLabel),
            (&long_label, DomainLabelTooLong),
            ("reader@-example.com", DomainLabelHyphen),
            ("reader@example-.com", DomainLabelHyphen),
            ("reader@exa_mple.com", DomainCharacter('_')),
            ("reader@exa!mple.com", DomainCharacter('!')),
            ("reader@127.0.0.1", NumericTopLevel),
            (&long_total, TooLong),
            (&huge, TooLong),
            (&huge_with_at, TooLong),
        ];
        for (input, expected) in bad {
            let shown: String = input.chars().take(60).collect();
            assert_eq!(check_address(input), Err(expected), "{shown:?}");
        }
    }

    #[test]
    fn the_longest_allowed_address_is_accepted() {
        let local = "a".repeat(MAX_LOCAL_PART_LEN);
        let domain = format!(
            "{}.{}.{}.example",
            "b".repeat(63),
            "c".repeat(63),
            "d".repeat(53)
        );
        let address = format!("{local}@{domain}");
        assert_eq!(address.len(), MAX_ADDRESS_LEN);
        assert_eq!(check_address(&address), Ok(address));
    }

    #[test]
    fn domain_of_takes_what_follows_the_at() {
        assert_eq!(domain_of("reader@example.com"), "example.com");
        assert_eq!(domain_of("no-at-sign"), "");
        assert_eq!(domain_of("a@b@c.com"), "c.com");
    }

    #[test]
    fn error_codes_are_distinct() {
        use AddressError::*;
        let all = [
            Empty,
            TooLong,
            ControlCharacter,
            Space,
            ForbiddenCharacter('<'),
            MissingAt,
            SeveralAt,
            EmptyLocalPart,
            LocalPartTooLong,
            LocalPartDots,
            UnicodeLocalPart,
            EmptyDomain,
            UnicodeDomain,
            DomainWithoutDot,
            EmptyDomainLabel,
            DomainLabelTooLong,
            DomainLabelHyphen,
            DomainCharacter('_'),
            NumericTopLevel,
        ];
        let codes: std::collections::BTreeSet<_> = all.iter().map(AddressError::code).collect();
        assert_eq!(codes.len(), all.len());
    }

    /// Inputs near the edge: address-like characters plus the ones that must be refused.
    fn address_like() -> impl Strategy<Value = String> {
        "[a-zA-Z0-9.@_+\\-\r\n \"<>,;:()\\[\\]\\\\\u{0}\u{7f}é]{0,80}"
    }

    proptest! {
        #[test]
        fn never_panics_and_accepts_only_header_safe_mailboxes(
            input in prop_oneof![any::<String>(), address_like()]
        ) {
            if let Ok(address) = check_address(&input) {
                prop_assert!(!address.chars().any(|c| c.is_control()));
                prop_assert_eq!(address.matches('@').count(), 1);
                prop_assert!(address.len() <= MAX_ADDRESS_LEN);
                // Idempotent: what is stored checks again to itself.
                prop_assert_eq!(check_address(&address), Ok(address.clone()));
                // And lettre, which puts it in headers and SMTP commands, takes it.
                prop_assert!(address.parse::<lettre::Address>().is_ok(), "{}", address);
            }
        }

        #[test]
        fn plausible_addresses_are_accepted(
            local in "[a-z0-9]{1,20}(\\.[a-z0-9+_-]{1,10}){0,2}",
            labels in proptest::collection::vec("[a-z0-9]([a-z0-9-]{0,20}[a-z0-9])?", 1..4),
            top in "[a-z]{2,10}",
        ) {
            let address = format!("{local}@{}.{top}", labels.join("."));
            prop_assert_eq!(check_address(&address), Ok(address.clone()));
        }
    }
}
