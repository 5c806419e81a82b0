//! Directory user resolution: which extension, if any, answers a user lookup in a domain.

use uuid::Uuid;

use crate::domain::DomainName;
use crate::model::{ExtensionInfo, Unit};

/// The user a directory answer describes, borrowed from the model.
#[derive(Debug, Clone, PartialEq)]
pub struct UserAnswer<'a> {
    pub domain: &'a DomainName,
    pub tenant_id: Uuid,
    pub enterprise_id: Option<Uuid>,
    pub extension: &'a ExtensionInfo,
}

/// Finds the enabled extension `user` of the enabled tenant `domain` (lowercase) in `unit`.
/// A user id outside the extension grammar, a disabled tenant or extension, or a domain of another
/// unit all give `None`: sitedial never guesses a tenant.
pub fn resolve_user<'a>(unit: &'a Unit, domain: &str, user: &str) -> Option<UserAnswer<'a>> {
    let site = unit.site(domain)?;
    if !site.enabled {
        return None;
    }
    let extension = site.extension(user)?;
    Some(UserAnswer {
        domain: &site.domain,
        tenant_id: site.tenant_id,
        enterprise_id: unit.enterprise_id(),
        extension,
    })
}
