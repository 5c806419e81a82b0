//! One routing unit in memory: an enterprise's settings and its sites, or one standalone tenant,
//! with the enabled extensions of each, shaped for lookups on the request path.

use std::collections::HashMap;

use uuid::Uuid;

use crate::domain::{
    AccessPrefix, CallerIdNumber, DialingCode, DomainName, EnterpriseCode, ExtensionNumber,
    FreeText, IntersiteMode, Secret, VoicemailPin,
};
use crate::store::UnitData;

/// The enterprise settings that routing reads.
#[derive(Debug, Clone, PartialEq)]
pub struct EnterpriseInfo {
    pub id: Uuid,
    pub code: EnterpriseCode,
    pub enabled: bool,
    pub mode: IntersiteMode,
    pub access_prefix: AccessPrefix,
    pub max_concurrent_calls: Option<u32>,
}

/// One enabled extension, with what a directory answer or a bridge needs.
#[derive(Debug, Clone, PartialEq)]
pub struct ExtensionInfo {
    pub number: ExtensionNumber,
    pub display_name: FreeText,
    pub password: Secret,
    /// The voicemail PIN; `None` when voicemail is off or has no PIN.
    pub voicemail_pin: Option<VoicemailPin>,
    pub voicemail_enabled: bool,
    pub internal_caller_id_name: Option<FreeText>,
    pub internal_caller_id_number: Option<CallerIdNumber>,
    pub outbound_caller_id_name: Option<FreeText>,
    pub outbound_caller_id_number: Option<CallerIdNumber>,
}

/// One tenant of a unit. Disabled tenants stay in the unit so that their context can be answered
/// with a rejection instead of "not found".
#[derive(Debug, Clone, PartialEq)]
pub struct Site {
    pub tenant_id: Uuid,
    pub domain: DomainName,
    pub name: FreeText,
    pub enabled: bool,
    pub dialing_code: Option<DialingCode>,
    /// Enabled extensions by number; disabled ones are never candidates, so they are left out.
    pub extensions: HashMap<ExtensionNumber, ExtensionInfo>,
}

impl Site {
    /// Returns the enabled extension with this number.
    pub fn extension(&self, number: &str) -> Option<&ExtensionInfo> {
        self.extensions.get(number)
    }
}

/// An enterprise with its sites, or a standalone tenant.
#[derive(Debug, Clone, PartialEq)]
pub struct Unit {
    /// `None` for a standalone tenant.
    pub enterprise: Option<EnterpriseInfo>,
    /// Sites in ascending numeric dialing-code order, the order direct dialing tries them in.
    pub sites: Vec<Site>,
    /// Position in `sites` by domain.
    by_domain: HashMap<DomainName, usize>,
}

impl Unit {
    /// Builds a unit from the records the store loaded.
    pub fn from_data(data: UnitData) -> Self {
        let enterprise = data.enterprise.map(|e| EnterpriseInfo {
            id: e.id,
            code: e.code,
            enabled: e.enabled,
            mode: e.intersite_mode,
            access_prefix: e.access_prefix,
            max_concurrent_calls: e.max_concurrent_calls.max(),
        });

        let mut sites: Vec<Site> = data
            .tenants
            .into_iter()
            .map(|t| Site {
                tenant_id: t.id,
                domain: t.domain,
                name: t.name,
                enabled: t.enabled,
                dialing_code: t.dialing_code,
                extensions: HashMap::new(),
            })
            .collect();
        sites.sort_by(|a, b| match (&a.dialing_code, &b.dialing_code) {
            (Some(x), Some(y)) => x.numeric_cmp(y),
            _ => a.domain.cmp(&b.domain),
        });

        let position: HashMap<Uuid, usize> = sites
            .iter()
            .enumerate()
            .map(|(i, s)| (s.tenant_id, i))
            .collect();
        for x in data.extensions.into_iter().filter(|x| x.enabled) {
            let Some(&i) = position.get(&x.tenant_id) else {
                continue;
            };
            let info = ExtensionInfo {
                number: x.number.clone(),
                display_name: x.display_name,
                password: x.sip_password,
                voicemail_pin: x.voicemail_pin.filter(|_| x.voicemail_enabled),
                voicemail_enabled: x.voicemail_enabled,
                internal_caller_id_name: x.internal_caller_id_name,
                internal_caller_id_number: x.internal_caller_id_number,
                outbound_caller_id_name: x.outbound_caller_id_name,
                outbound_caller_id_number: x.outbound_caller_id_number,
            };
            sites[i].extensions.insert(x.number, info);
        }
        let by_domain = sites
            .iter()
            .enumerate()
            .map(|(i, s)| (s.domain.clone(), i))
            .collect();
        Self {
            enterprise,
            sites,
            by_domain,
        }
    }

    /// Returns the site with this (lowercase) domain.
    pub fn site(&self, domain: &str) -> Option<&Site> {
        self.by_domain.get(domain).map(|&i| &self.sites[i])
    }

    /// Returns the id of the unit's enterprise, if it is one.
    pub fn enterprise_id(&self) -> Option<Uuid> {
        self.enterprise.as_ref().map(|e| e.id)
    }
}
