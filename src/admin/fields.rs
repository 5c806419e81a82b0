//! Field types and serde helpers shared by the request bodies.

use serde::{Deserialize, Deserializer};

use crate::domain::FreeText;

/// A name shown to people: [`FreeText`] that is not blank.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Name(pub FreeText);

impl<'de> Deserialize<'de> for Name {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = FreeText::deserialize(deserializer)?;
        if text.as_str().trim().is_empty() {
            return Err(serde::de::Error::custom(
                "invalid name \"\": must not be empty",
            ));
        }
        Ok(Self(text))
    }
}

/// An e-mail address of a directory entry: [`FreeText`] that is empty or has the form `local@domain`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(pub FreeText);

impl<'de> Deserialize<'de> for Email {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = FreeText::deserialize(deserializer)?;
        let raw = text.as_str();
        let valid = raw.is_empty()
            || raw.split_once('@').is_some_and(|(local, domain)| {
                !local.is_empty()
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !raw.contains(char::is_whitespace)
            });
        if !valid {
            return Err(serde::de::Error::custom(format!(
                "invalid e-mail address {raw:?}: must look like name@example.com"
            )));
        }
        Ok(Self(text))
    }
}

impl Default for Email {
    fn default() -> Self {
        Self(FreeText::empty())
    }
}

/// Deserialises a field that is present in the body, so that `null` reaches `T` (for example "no
/// limit") instead of meaning "absent". Use with `#[serde(default, deserialize_with = "present")]` on
/// an `Option<T>`: absent is `None`, any present value is `Some`.
pub fn present<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    T::deserialize(deserializer).map(Some)
}

/// The inter-site dialing mode, as the OpenAPI document describes it.
#[derive(utoipa::ToSchema)]
#[schema(rename_all = "lowercase")]
#[allow(dead_code)]
pub enum IntersiteModeSchema {
    /// Sites cannot dial each other.
    Disabled,
    /// Access prefix, dialing code, extension (`*88` `10` `1001`).
    Prefix,
    /// A sibling's extension is dialed as is; the prefix form works as well.
    Direct,
}

/// Returns `true`, the default of `enabled` fields.
pub fn enabled_by_default() -> bool {
    true
}
