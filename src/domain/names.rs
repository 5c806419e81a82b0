//! Validated value types for every name and number that can reach FreeSWITCH.
//!
//! Each type is parsed once, at the edge (the admin API, an import, a FreeSWITCH request), and carries
//! its guarantee from then on. A failed parse returns [`InvalidValue`], which names the expected form
//! and keeps the rejected input so that callers can report it.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A value that does not have the form its type requires.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {kind} {value:?}: {reason}")]
pub struct InvalidValue {
    /// The kind of value expected, for example "extension number".
    pub kind: &'static str,
    /// The rejected input, cut to 64 characters.
    pub value: String,
    /// The rule the input breaks.
    pub reason: &'static str,
}

impl InvalidValue {
    fn new(kind: &'static str, value: &str, reason: &'static str) -> Self {
        let value = value.chars().take(64).collect();
        Self {
            kind,
            value,
            reason,
        }
    }
}

/// Context names that FreeSWITCH or sitedial give a meaning of their own, so no tenant may use them.
pub const RESERVED_DOMAINS: [&str; 3] = ["public", "default", "global"];

macro_rules! string_newtype {
    ($(#[$meta:meta])* $name:ident, $kind:literal) => {
        string_newtype!(@common $(#[$meta])* $name, $kind);

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({:?})", stringify!($name), self.0)
            }
        }
    };
    (hidden $(#[$meta:meta])* $name:ident, $kind:literal) => {
        string_newtype!(@common $(#[$meta])* $name, $kind);

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}(hidden)", stringify!($name))
            }
        }
    };
    (@common $(#[$meta:meta])* $name:ident, $kind:literal) => {
        $(#[$meta])*
        #[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(String);

        impl $name {
            /// Returns the value as a string slice.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl std::borrow::Borrow<str> for $name {
            fn borrow(&self) -> &str {
                &self.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl std::str::FromStr for $name {
            type Err = InvalidValue;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse(s)
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(&self.0)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let raw = String::deserialize(deserializer)?;
                Self::parse(&raw).map_err(serde::de::Error::custom)
            }
        }

        impl TryFrom<String> for $name {
            type Error = InvalidValue;
            fn try_from(value: String) -> Result<Self, Self::Error> {
                Self::parse(&value)
            }
        }
    };
}

string_newtype!(
    /// A tenant's FreeSWITCH domain: a lowercase DNS name that is not an IP address and not one of
    /// [`RESERVED_DOMAINS`]. Parsing lowercases the input, because SIP phones send the case they like.
    DomainName,
    "domain"
);

impl DomainName {
    /// Parses and lowercases a DNS name of at most 253 characters with labels of 1 to 63 letters,
    /// digits and inner hyphens.
    pub fn parse(raw: &str) -> Result<Self, InvalidValue> {
        const KIND: &str = "domain";
        if raw.is_empty() {
            return Err(InvalidValue::new(KIND, raw, "must not be empty"));
        }
        if raw.len() > 253 {
            return Err(InvalidValue::new(
                KIND,
                raw,
                "must be at most 253 characters",
            ));
        }
        let lower = raw.to_ascii_lowercase();
        for label in lower.split('.') {
            let bytes = label.as_bytes();
            let valid = !bytes.is_empty()
                && bytes.len() <= 63
                && bytes
                    .iter()
                    .all(|b| b.is_ascii_alphanumeric() || *b == b'-')
                && bytes[0] != b'-'
                && bytes[bytes.len() - 1] != b'-';
            if !valid {
                return Err(InvalidValue::new(
                    KIND,
                    raw,
                    "must be a DNS name: labels of letters, digits and inner hyphens, separated by dots",
                ));
            }
        }
        if lower.parse::<std::net::Ipv4Addr>().is_ok()
            || lower
                .rsplit('.')
                .next()
                .is_some_and(|tld| tld.bytes().all(|b| b.is_ascii_digit()))
        {
            return Err(InvalidValue::new(
                KIND,
                raw,
                "must be a DNS name, not an IP address",
            ));
        }
        if RESERVED_DOMAINS.contains(&lower.as_str()) {
            return Err(InvalidValue::new(
                KIND,
                raw,
                "is reserved (public, default and global are)",
            ));
        }
        Ok(Self(lower))
    }
}

string_newtype!(
    /// An extension number: 2 to 15 digits, kept as a string because `0101` and `101` differ.
    ExtensionNumber,
    "extension number"
);

impl ExtensionNumber {
    /// Parses 2 to 15 ASCII digits.
    pub fn parse(raw: &str) -> Result<Self, InvalidValue> {
        if !(2..=15).contains(&raw.len()) || !raw.bytes().all(|b| b.is_ascii_digit()) {
            return Err(InvalidValue::new(
                "extension number",
                raw,
                "must be 2 to 15 digits",
            ));
        }
        Ok(Self(raw.to_owned()))
    }
}

string_newtype!(
    /// A site's dialing code inside its enterprise: 1 to 16 digits.
    DialingCode,
    "dialing code"
);

impl DialingCode {
    /// Parses 1 to 16 ASCII digits.
    pub fn parse(raw: &str) -> Result<Self, InvalidValue> {
        if !(1..=16).contains(&raw.len()) || !raw.bytes().all(|b| b.is_ascii_digit()) {
            return Err(InvalidValue::new(
                "dialing code",
                raw,
                "must be 1 to 16 digits",
            ));
        }
        Ok(Self(raw.to_owned()))
    }

    /// Orders codes by numeric value, then by length, so that `2` sorts before `10` and `01` after `1`.
    pub fn numeric_cmp(&self, other: &Self) -> std::cmp::Ordering {
        let a = self.0.trim_start_matches('0');
        let b = other.0.trim_start_matches('0');
        a.len()
            .cmp(&b.len())
            .then_with(|| a.cmp(b))
            .then_with(|| self.0.len().cmp(&other.0.len()))
    }
}

string_newtype!(
    /// An enterprise's immutable code, such as `acme-corp`.
    EnterpriseCode,
    "enterprise code"
);

impl EnterpriseCode {
    /// Parses `^[a-z0-9][a-z0-9_-]{0,62}$`, except `promote`, which names the route
    /// `/api/organization/promote`.
    pub fn parse(raw: &str) -> Result<Self, InvalidValue> {
        if raw == "promote" {
            return Err(InvalidValue::new(
                "enterprise code",
                raw,
                "is reserved for the route /api/organization/promote",
            ));
        }
        let bytes = raw.as_bytes();
        let valid = !bytes.is_empty()
            && bytes.len() <= 63
            && (bytes[0].is_ascii_lowercase() || bytes[0].is_ascii_digit())
            && bytes
                .iter()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'_' || *b == b'-');
        if !valid {
            return Err(InvalidValue::new(
                "enterprise code",
                raw,
                "must be 1 to 63 lowercase letters, digits, '_' or '-', starting with a letter or digit",
            ));
        }
        Ok(Self(raw.to_owned()))
    }
}

string_newtype!(
    /// An enterprise's inter-site access prefix, such as `*88`: 1 to 8 of `*`, `#` and digits.
    AccessPrefix,
    "access prefix"
);

impl AccessPrefix {
    /// Parses 1 to 8 characters from `*`, `#` and the digits.
    pub fn parse(raw: &str) -> Result<Self, InvalidValue> {
        if !(1..=8).contains(&raw.len())
            || !raw
                .bytes()
                .all(|b| b.is_ascii_digit() || b == b'*' || b == b'#')
        {
            return Err(InvalidValue::new(
                "access prefix",
                raw,
                "must be 1 to 8 of '*', '#' and digits",
            ));
        }
        Ok(Self(raw.to_owned()))
    }
}

impl Default for AccessPrefix {
    fn default() -> Self {
        Self("*88".to_owned())
    }
}

string_newtype!(
    /// A DID in E.164 form: `+` and 2 to 15 digits, the first of them not zero.
    DidNumber,
    "DID number"
);

impl DidNumber {
    /// Parses `+` followed by 2 to 15 digits, the first not `0`.
    pub fn parse(raw: &str) -> Result<Self, InvalidValue> {
        let digits = raw.strip_prefix('+').unwrap_or("");
        let valid = (2..=15).contains(&digits.len())
            && digits.bytes().all(|b| b.is_ascii_digit())
            && !digits.starts_with('0');
        if !valid {
            return Err(InvalidValue::new(
                "DID number",
                raw,
                "must be E.164: '+' and 2 to 15 digits, not starting with 0",
            ));
        }
        Ok(Self(raw.to_owned()))
    }
}

string_newtype!(
    /// Text shown to people (names, descriptions): valid UTF-8 of at most 255 characters, without
    /// control characters and without `$`, `{`, `}` or `\`, which FreeSWITCH would expand or interpret.
    FreeText,
    "text"
);

impl FreeText {
    /// Parses text of at most 255 characters without control characters, `$`, `{`, `}` or `\`.
    pub fn parse(raw: &str) -> Result<Self, InvalidValue> {
        if raw.chars().count() > 255 {
            return Err(InvalidValue::new(
                "text",
                raw,
                "must be at most 255 characters",
            ));
        }
        if raw
            .chars()
            .any(|c| c.is_control() || matches!(c, '$' | '{' | '}' | '\\'))
        {
            return Err(InvalidValue::new(
                "text",
                raw,
                "must not contain control characters or any of $ { } \\",
            ));
        }
        Ok(Self(raw.to_owned()))
    }

    /// Returns an empty text.
    pub fn empty() -> Self {
        Self(String::new())
    }
}

string_newtype!(
    hidden
    /// A SIP or voicemail secret: 1 to 128 printable ASCII characters without space, `$`, `{`, `}` or
    /// `\`. Its `Debug` output hides the value so that it never reaches a log.
    Secret,
    "secret"
);

impl Secret {
    /// Parses 1 to 128 printable ASCII characters other than space, `$`, `{`, `}`, `\`.
    pub fn parse(raw: &str) -> Result<Self, InvalidValue> {
        let valid = !raw.is_empty()
            && raw.len() <= 128
            && raw
                .bytes()
                .all(|b| b.is_ascii_graphic() && !matches!(b, b'$' | b'{' | b'}' | b'\\'));
        if !valid {
            return Err(InvalidValue {
                kind: "secret",
                value: "(hidden)".to_owned(),
                reason: "must be 1 to 128 printable ASCII characters without space, $ { } or \\",
            });
        }
        Ok(Self(raw.to_owned()))
    }
}

string_newtype!(
    hidden
    /// A voicemail PIN: 4 to 12 digits.
    VoicemailPin,
    "voicemail PIN"
);

impl VoicemailPin {
    /// Parses 4 to 12 ASCII digits.
    pub fn parse(raw: &str) -> Result<Self, InvalidValue> {
        if !(4..=12).contains(&raw.len()) || !raw.bytes().all(|b| b.is_ascii_digit()) {
            return Err(InvalidValue {
                kind: "voicemail PIN",
                value: "(hidden)".to_owned(),
                reason: "must be 4 to 12 digits",
            });
        }
        Ok(Self(raw.to_owned()))
    }
}

string_newtype!(
    /// A caller ID number as shown to the other party: 1 to 32 of digits, `+`, `*` and `#`.
    CallerIdNumber,
    "caller ID number"
);

impl CallerIdNumber {
    /// Parses 1 to 32 characters from the digits, `+`, `*` and `#`.
    pub fn parse(raw: &str) -> Result<Self, InvalidValue> {
        if !(1..=32).contains(&raw.len())
            || !raw
                .bytes()
                .all(|b| b.is_ascii_digit() || matches!(b, b'+' | b'*' | b'#'))
        {
            return Err(InvalidValue::new(
                "caller ID number",
                raw,
                "must be 1 to 32 of digits, '+', '*' and '#'",
            ));
        }
        Ok(Self(raw.to_owned()))
    }
}

/// Returns whether `raw` is a number FreeSWITCH may dial and sitedial may echo into XML:
/// 1 to 32 characters from the digits, `*`, `#` and `+`.
pub fn is_dialable(raw: &str) -> bool {
    (1..=32).contains(&raw.len())
        && raw
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'*' | b'#' | b'+'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domain_lowercases_and_rejects_addresses() {
        assert_eq!(
            DomainName::parse("Hq.Acme.Example").unwrap().as_str(),
            "hq.acme.example"
        );
        assert!(DomainName::parse("127.0.0.1").is_err());
        assert!(DomainName::parse("10.1.2.3").is_err());
        assert!(DomainName::parse("public").is_err());
        assert!(DomainName::parse("Default").is_err());
        assert!(DomainName::parse("a..b").is_err());
        assert!(DomainName::parse("-a.example").is_err());
        assert!(DomainName::parse("a b.example").is_err());
        assert!(DomainName::parse("").is_err());
        assert!(DomainName::parse("localhost").is_ok());
    }

    #[test]
    fn extension_keeps_leading_zero() {
        let a = ExtensionNumber::parse("0101").unwrap();
        let b = ExtensionNumber::parse("101").unwrap();
        assert_ne!(a, b);
        assert!(ExtensionNumber::parse("1").is_err());
        assert!(ExtensionNumber::parse("1234567890123456").is_err());
        assert!(ExtensionNumber::parse("!1001").is_err());
        assert!(ExtensionNumber::parse("10a1").is_err());
    }

    #[test]
    fn dialing_code_rules() {
        assert!(DialingCode::parse("1").is_ok());
        assert!(DialingCode::parse("1a").is_err());
        assert!(DialingCode::parse("").is_err());
        assert!(DialingCode::parse("12345678901234567").is_err());
        let two = DialingCode::parse("2").unwrap();
        let ten = DialingCode::parse("10").unwrap();
        assert_eq!(two.numeric_cmp(&ten), std::cmp::Ordering::Less);
    }

    #[test]
    fn enterprise_code_rules() {
        assert!(EnterpriseCode::parse("acme-corp").is_ok());
        assert!(EnterpriseCode::parse("Acme Corp").is_err());
        assert!(EnterpriseCode::parse("-acme").is_err());
        assert!(EnterpriseCode::parse("promote").is_err());
        assert!(EnterpriseCode::parse(&"a".repeat(64)).is_err());
    }

    #[test]
    fn did_and_prefix_rules() {
        assert!(DidNumber::parse("+12125550100").is_ok());
        assert!(DidNumber::parse("12125550100").is_err());
        assert!(DidNumber::parse("+0212").is_err());
        assert!(AccessPrefix::parse("*88").is_ok());
        assert!(AccessPrefix::parse("*8#9").is_ok());
        assert!(AccessPrefix::parse("*88888888").is_err());
        assert!(AccessPrefix::parse("*a").is_err());
    }

    #[test]
    fn free_text_rejects_expansion_characters() {
        assert!(FreeText::parse("O'Brien & Sons <Sales>").is_ok());
        assert!(FreeText::parse("${x}").is_err());
        assert!(FreeText::parse("a\\b").is_err());
        assert!(FreeText::parse("line\nbreak").is_err());
    }

    #[test]
    fn secret_error_hides_value() {
        let err = Secret::parse("bad secret").unwrap_err();
        assert!(!err.to_string().contains("bad secret"));
        assert!(Secret::parse("hq-1001-pw").is_ok());
    }

    #[test]
    fn dialable_numbers() {
        assert!(is_dialable("*88201001"));
        assert!(is_dialable("+12125550100"));
        assert!(!is_dialable(""));
        assert!(!is_dialable("1001@x"));
        assert!(!is_dialable(&"1".repeat(33)));
    }
}
