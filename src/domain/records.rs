//! The records sitedial stores: enterprises, tenants, extensions, DIDs and shared directory entries.
//!
//! Every field is already validated (see [`super::names`]); the store and the admin API build these
//! records, and the model loader reads them.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use time::OffsetDateTime;
use uuid::Uuid;

use super::names::{
    AccessPrefix, CallerIdNumber, DialingCode, DidNumber, DomainName, EnterpriseCode,
    ExtensionNumber, FreeText, Secret, VoicemailPin,
};

/// The inter-site dialing mode of an enterprise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum IntersiteMode {
    /// Sites cannot dial each other.
    Disabled,
    /// Access prefix + dialing code + extension, for example `*88` `10` `1001`.
    #[default]
    Prefix,
    /// A sibling's extension is dialed as is; the prefix form works as well.
    Direct,
}

impl IntersiteMode {
    /// Returns the name stored in the database and used in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Disabled => "disabled",
            Self::Prefix => "prefix",
            Self::Direct => "direct",
        }
    }

    /// Parses a stored or submitted mode name.
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "disabled" => Some(Self::Disabled),
            "prefix" => Some(Self::Prefix),
            "direct" => Some(Self::Direct),
            _ => None,
        }
    }
}

/// A count limit where `None` means unlimited. A submitted or stored 0 also means unlimited and is
/// normalised to `None`; negative values, fractions and strings are rejected when deserialising.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Limit(Option<u32>);

impl Limit {
    /// No limit.
    pub const UNLIMITED: Limit = Limit(None);

    /// Builds a limit from a count, where 0 means unlimited.
    pub fn new(max: u32) -> Self {
        Self((max > 0).then_some(max))
    }

    /// Builds a limit from a stored value, where NULL, 0 and negative values mean unlimited.
    pub fn from_stored(value: Option<i64>) -> Self {
        Self(value.and_then(|v| u32::try_from(v).ok()).filter(|v| *v > 0))
    }

    /// Returns the maximum, or `None` when unlimited.
    pub fn max(self) -> Option<u32> {
        self.0
    }

    /// Returns the value to store: NULL when unlimited.
    pub fn to_stored(self) -> Option<i64> {
        self.0.map(i64::from)
    }

    /// Returns whether `count` items fit under this limit.
    pub fn allows(self, count: u64) -> bool {
        self.0.is_none_or(|max| count <= u64::from(max))
    }
}

impl Serialize for Limit {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Limit {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = Option::<u32>::deserialize(deserializer)?;
        Ok(Self(value.filter(|v| *v > 0)))
    }
}

/// A group of tenants that belong to one customer with several offices.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Enterprise {
    pub id: Uuid,
    pub code: EnterpriseCode,
    pub name: FreeText,
    pub enabled: bool,
    pub intersite_mode: IntersiteMode,
    pub access_prefix: AccessPrefix,
    pub max_sites: Limit,
    pub max_users: Limit,
    pub max_concurrent_calls: Limit,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// One customer: one FreeSWITCH domain and dialplan context of the same name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tenant {
    pub id: Uuid,
    pub domain: DomainName,
    pub name: FreeText,
    pub description: FreeText,
    pub location: FreeText,
    pub enabled: bool,
    /// The enterprise this tenant is a site of, if any.
    pub enterprise_id: Option<Uuid>,
    /// The site's code inside its enterprise; always `None` for a standalone tenant.
    pub dialing_code: Option<DialingCode>,
    pub max_extensions: Limit,
    pub max_dids: Limit,
    pub max_queues: Limit,
    pub max_external_calls: Limit,
    pub contact_center: bool,
    pub ms_teams: bool,
    pub tag: FreeText,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// A SIP user of a tenant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Extension {
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub number: ExtensionNumber,
    pub display_name: FreeText,
    /// Kept readable because a digest HA1 depends on the realm the phone sends with each request.
    pub sip_password: Secret,
    pub voicemail_enabled: bool,
    pub voicemail_pin: Option<VoicemailPin>,
    pub internal_caller_id_name: Option<FreeText>,
    pub internal_caller_id_number: Option<CallerIdNumber>,
    pub outbound_caller_id_name: Option<FreeText>,
    pub outbound_caller_id_number: Option<CallerIdNumber>,
    pub enabled: bool,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// A public number that carriers deliver to the `public` context, routed to one extension.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Did {
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub number: DidNumber,
    /// An extension of the same tenant.
    pub destination: ExtensionNumber,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// A manual entry of an enterprise's shared directory.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DirectoryEntry {
    pub id: Uuid,
    pub enterprise_id: Uuid,
    pub name: FreeText,
    pub number: CallerIdNumber,
    /// The site the entry belongs to, if any.
    pub site_tenant_id: Option<Uuid>,
    pub department: FreeText,
    pub email: FreeText,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// Returns the current time, cut to whole microseconds so that it survives every store unchanged.
pub fn now() -> OffsetDateTime {
    let now = OffsetDateTime::now_utc();
    now.replace_nanosecond(now.nanosecond() / 1_000 * 1_000)
        .unwrap_or(now)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limit_zero_is_unlimited() {
        assert_eq!(Limit::new(0), Limit::UNLIMITED);
        assert_eq!(Limit::from_stored(Some(0)), Limit::UNLIMITED);
        let parsed: Limit = serde_json::from_str("0").unwrap();
        assert_eq!(parsed, Limit::UNLIMITED);
        assert!(serde_json::from_str::<Limit>("-1").is_err());
        assert!(serde_json::from_str::<Limit>("1.5").is_err());
        assert!(serde_json::from_str::<Limit>("\"3\"").is_err());
    }

    #[test]
    fn limit_allows_up_to_max() {
        let three = Limit::new(3);
        assert!(three.allows(3));
        assert!(!three.allows(4));
        assert!(Limit::UNLIMITED.allows(u64::MAX));
    }
}
