//! Dialplan resolution: where a number dialed in a tenant's context goes, and where a DID dialed in
//! the carrier context `public` goes.
//!
//! The order, for a call in tenant T dialing D:
//! 1. D is an extension or feature code of T: a local call.
//! 2. T's enterprise is enabled, in `prefix` or `direct` mode, and D starts with its access prefix.
//!    The rest is a dialing code and an extension of a site, and the longest fitting code wins.
//! 3. The enterprise is in `direct` mode and D is an extension of a sibling site: the first such site
//!    in ascending dialing-code order.
//! 4. Otherwise the number is unallocated.

use tracing::warn;
use uuid::Uuid;

use crate::domain::{DialingCode, DomainName, ExtensionNumber, FreeText, IntersiteMode};
use crate::model::{DidRoute, Site, Unit};

/// The feature code that checks the caller's own voicemail box.
pub const OWN_VOICEMAIL_CODE: &str = "*97";
/// The feature code that asks for any voicemail box of the tenant.
pub const ANY_VOICEMAIL_CODE: &str = "*98";

/// The call fields of a FreeSWITCH dialplan request, decoded.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CallInput<'a> {
    /// The dialed number (`Hunt-Destination-Number`).
    pub destination: &'a str,
    /// `variable_sitedial_limit_applied` is `true`: an earlier request of this call emitted the limit.
    pub limit_applied: bool,
    /// The authenticated SIP user of the calling channel (`variable_user_name`).
    pub caller_user: Option<&'a str>,
    /// The domain that user authenticated in (`variable_domain_name`).
    pub caller_domain: Option<&'a str>,
}

/// A FreeSWITCH hangup cause that sitedial may return.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HangupCause {
    /// No such number (SIP 404).
    UnallocatedNumber,
    /// The tenant is disabled (SIP 403).
    CallRejected,
    /// sitedial could not decide because the data is not available (SIP 503).
    TemporaryFailure,
}

impl HangupCause {
    /// Returns FreeSWITCH's name of the cause.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::UnallocatedNumber => "UNALLOCATED_NUMBER",
            Self::CallRejected => "CALL_REJECTED",
            Self::TemporaryFailure => "TEMPORARY_FAILURE",
        }
    }
}

/// The destination of a call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// Ring a local extension, then its voicemail if it has one.
    Bridge {
        domain: DomainName,
        number: ExtensionNumber,
        callee_name: FreeText,
        voicemail: bool,
    },
    /// Voicemail check: the given mailbox, or a prompt for one when `None`.
    CheckVoicemail {
        domain: DomainName,
        mailbox: Option<ExtensionNumber>,
    },
    /// Hand the call to another site of the same enterprise, whose own rules then route it.
    TransferToSite {
        number: ExtensionNumber,
        site: DomainName,
        origin_site: DomainName,
        /// What the callee sees as the caller: prefix, caller's site code and extension. `None` when
        /// the caller is not an authenticated extension of the origin site.
        caller_id_number: Option<String>,
    },
    /// A carrier call on a DID, handed to the tenant's context.
    TransferDid {
        number: ExtensionNumber,
        tenant: DomainName,
    },
    /// Hang up with a cause.
    Reject(HangupCause),
}

/// The enterprise-wide concurrent-call limit to apply to this call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EnterpriseLimit {
    pub enterprise_id: Uuid,
    pub max: u32,
}

/// The decision for one dialplan request, before rendering.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DialplanDecision {
    pub route: Route,
    /// Set once per call, before the first bridge or transfer in a site of a limited enterprise.
    pub limit: Option<EnterpriseLimit>,
}

impl DialplanDecision {
    /// Returns a decision to hang up, with no limit.
    pub fn reject(cause: HangupCause) -> Self {
        Self {
            route: Route::Reject(cause),
            limit: None,
        }
    }
}

/// Resolves a call dialed in the context of `site`, one of `unit`'s sites.
pub fn resolve_call(unit: &Unit, site: &Site, call: &CallInput<'_>) -> DialplanDecision {
    if !site.enabled {
        return DialplanDecision::reject(HangupCause::CallRejected);
    }
    let route = route_call(unit, site, call);
    let limit = match (&route, &unit.enterprise) {
        (Route::Reject(_), _) | (_, None) => None,
        (_, Some(_)) if call.limit_applied => None,
        (_, Some(enterprise)) => enterprise.max_concurrent_calls.map(|max| EnterpriseLimit {
            enterprise_id: enterprise.id,
            max,
        }),
    };
    DialplanDecision { route, limit }
}

/// Resolves a number dialed in the carrier context `public`: a DID, with or without its `+`.
pub fn resolve_public(
    destination: &str,
    mut lookup: impl FnMut(&str) -> Option<DidRoute>,
) -> DialplanDecision {
    let route = if destination.starts_with('+') {
        lookup(destination)
    } else if !destination.is_empty() && destination.bytes().all(|b| b.is_ascii_digit()) {
        lookup(&format!("+{destination}"))
    } else {
        None
    };
    match route {
        Some(did) => DialplanDecision {
            route: Route::TransferDid {
                number: did.destination,
                tenant: did.domain,
            },
            limit: None,
        },
        None => DialplanDecision::reject(HangupCause::UnallocatedNumber),
    }
}

/// Checks the target of a DID transfer against its tenant's unit: a disabled tenant rejects the call
/// and a missing or disabled destination extension is unallocated, so neither is ever a candidate.
pub fn check_did_target(unit: &Unit, did: &DidRoute) -> Option<HangupCause> {
    let Some(site) = unit.site(did.domain.as_str()) else {
        return Some(HangupCause::UnallocatedNumber);
    };
    if !site.enabled {
        return Some(HangupCause::CallRejected);
    }
    if site.extension(did.destination.as_str()).is_none() {
        return Some(HangupCause::UnallocatedNumber);
    }
    None
}

fn route_call(unit: &Unit, site: &Site, call: &CallInput<'_>) -> Route {
    let destination = call.destination;

    // 1. A dialable number of the caller's own tenant.
    if let Some(route) = local_route(site, destination, call) {
        return route;
    }

    let Some(enterprise) = unit
        .enterprise
        .as_ref()
        .filter(|e| e.enabled && e.mode != IntersiteMode::Disabled)
    else {
        return Route::Reject(HangupCause::UnallocatedNumber);
    };

    // 2. The access prefix, a site's dialing code and one of its extensions.
    if let Some(rest) = destination.strip_prefix(enterprise.access_prefix.as_str()) {
        return match split_prefixed(unit, rest) {
            Some((target, number)) if target.tenant_id == site.tenant_id => bridge(site, number),
            Some((target, number)) => transfer(unit, site, target, number, call),
            None => Route::Reject(HangupCause::UnallocatedNumber),
        };
    }

    // 3. In direct mode, an extension of a sibling site, the lowest dialing code first.
    if enterprise.mode == IntersiteMode::Direct {
        let sibling = unit
            .sites
            .iter()
            .filter(|s| s.enabled && s.tenant_id != site.tenant_id && s.dialing_code.is_some())
            .find_map(|s| s.extension(destination).map(|x| (s, x)));
        if let Some((target, extension)) = sibling {
            return transfer(unit, site, target, &extension.number, call);
        }
    }

    // 4. Nothing else matches.
    Route::Reject(HangupCause::UnallocatedNumber)
}

fn local_route(site: &Site, destination: &str, call: &CallInput<'_>) -> Option<Route> {
    if let Some(extension) = site.extension(destination) {
        return Some(bridge(site, &extension.number));
    }
    match destination {
        OWN_VOICEMAIL_CODE => Some(Route::CheckVoicemail {
            domain: site.domain.clone(),
            mailbox: caller_extension(site, call).cloned(),
        }),
        ANY_VOICEMAIL_CODE => Some(Route::CheckVoicemail {
            domain: site.domain.clone(),
            mailbox: None,
        }),
        _ => None,
    }
}

/// Splits the digits after the access prefix into a dialing code and an extension of that site.
/// When several codes fit (`1` and `10`), the longest wins and a warning is logged.
fn split_prefixed<'u>(unit: &'u Unit, rest: &str) -> Option<(&'u Site, &'u ExtensionNumber)> {
    let mut best: Option<(&Site, &ExtensionNumber, usize)> = None;
    let mut fits = 0;
    for site in unit.sites.iter().filter(|s| s.enabled) {
        let Some(code) = site.dialing_code.as_ref() else {
            continue;
        };
        let Some(number) = rest.strip_prefix(code.as_str()) else {
            continue;
        };
        let Some(extension) = site.extension(number) else {
            continue;
        };
        fits += 1;
        if best.is_none_or(|(_, _, len)| code.as_str().len() > len) {
            best = Some((site, &extension.number, code.as_str().len()));
        }
    }
    if fits > 1 {
        if let Some((site, number, _)) = best {
            warn!(
                dialed = rest,
                site = %site.domain,
                extension = %number,
                candidates = fits,
                "several dialing codes fit a prefixed number; the longest code wins"
            );
        }
    }
    best.map(|(site, number, _)| (site, number))
}

fn bridge(site: &Site, number: &ExtensionNumber) -> Route {
    let extension = site.extension(number.as_str());
    Route::Bridge {
        domain: site.domain.clone(),
        number: number.clone(),
        callee_name: extension
            .map(|x| x.display_name.clone())
            .unwrap_or_else(FreeText::empty),
        voicemail: extension.is_some_and(|x| x.voicemail_enabled),
    }
}

fn transfer(
    unit: &Unit,
    origin: &Site,
    target: &Site,
    number: &ExtensionNumber,
    call: &CallInput<'_>,
) -> Route {
    let caller_id_number = match (
        &unit.enterprise,
        &origin.dialing_code,
        caller_extension(origin, call),
    ) {
        (Some(enterprise), Some(code), Some(extension)) => Some(prefixed_number(
            enterprise.access_prefix.as_str(),
            code,
            extension,
        )),
        _ => None,
    };
    Route::TransferToSite {
        number: number.clone(),
        site: target.domain.clone(),
        origin_site: origin.domain.clone(),
        caller_id_number,
    }
}

/// Returns the caller's extension when the channel authenticated as an enabled extension of `site`.
fn caller_extension<'s>(site: &'s Site, call: &CallInput<'_>) -> Option<&'s ExtensionNumber> {
    let domain = call.caller_domain?;
    if !domain.eq_ignore_ascii_case(site.domain.as_str()) {
        return None;
    }
    site.extension(call.caller_user?).map(|x| &x.number)
}

/// Writes the number another site dials to reach `extension` of the site with `code`.
pub fn prefixed_number(prefix: &str, code: &DialingCode, extension: &ExtensionNumber) -> String {
    let mut number =
        String::with_capacity(prefix.len() + code.as_str().len() + extension.as_str().len());
    number.push_str(prefix);
    number.push_str(code.as_str());
    number.push_str(extension.as_str());
    number
}
