//! The resolution table: local calls first, prefix dialing with ambiguous codes, direct dialing with
//! overlapping extensions, disabled modes, standalone tenants and disabled sites or enterprises.

use uuid::Uuid;

use super::dialplan::{
    resolve_call, resolve_public, CallInput, EnterpriseLimit, HangupCause, Route,
};
use super::directory::resolve_user;
use crate::domain::{
    AccessPrefix, DialingCode, DomainName, Enterprise, EnterpriseCode, Extension, ExtensionNumber,
    FreeText, IntersiteMode, Limit, Secret, Tenant, VoicemailPin,
};
use crate::model::{DidRoute, Unit};
use crate::store::UnitData;

const ENTERPRISE_ID: Uuid = Uuid::from_u128(1);

fn enterprise(mode: IntersiteMode, enabled: bool, max_calls: u32) -> Enterprise {
    Enterprise {
        id: ENTERPRISE_ID,
        code: EnterpriseCode::parse("acme").unwrap(),
        name: FreeText::parse("Acme").unwrap(),
        enabled,
        intersite_mode: mode,
        access_prefix: AccessPrefix::parse("*88").unwrap(),
        max_sites: Limit::UNLIMITED,
        max_users: Limit::UNLIMITED,
        max_concurrent_calls: Limit::new(max_calls),
        created_at: crate::domain::now(),
        updated_at: crate::domain::now(),
    }
}

fn tenant(n: u128, domain: &str, code: Option<&str>, enabled: bool, in_enterprise: bool) -> Tenant {
    Tenant {
        id: Uuid::from_u128(100 + n),
        domain: DomainName::parse(domain).unwrap(),
        name: FreeText::parse(domain).unwrap(),
        description: FreeText::empty(),
        location: FreeText::empty(),
        enabled,
        enterprise_id: in_enterprise.then_some(ENTERPRISE_ID),
        dialing_code: code.map(|c| DialingCode::parse(c).unwrap()),
        max_extensions: Limit::UNLIMITED,
        max_dids: Limit::UNLIMITED,
        max_queues: Limit::UNLIMITED,
        max_external_calls: Limit::UNLIMITED,
        contact_center: false,
        ms_teams: false,
        tag: FreeText::empty(),
        created_at: crate::domain::now(),
        updated_at: crate::domain::now(),
    }
}

fn extension(tenant: &Tenant, number: &str, enabled: bool) -> Extension {
    Extension {
        id: Uuid::new_v4(),
        tenant_id: tenant.id,
        number: ExtensionNumber::parse(number).unwrap(),
        display_name: FreeText::parse(&format!("User {number}")).unwrap(),
        sip_password: Secret::parse("pw").unwrap(),
        voicemail_enabled: true,
        voicemail_pin: Some(VoicemailPin::parse("1234").unwrap()),
        internal_caller_id_name: None,
        internal_caller_id_number: None,
        outbound_caller_id_name: None,
        outbound_caller_id_number: None,
        enabled,
        created_at: crate::domain::now(),
        updated_at: crate::domain::now(),
    }
}

/// Sites: a (code 1: 100, 200), b (code 10: 100, 300), c (code 2: 300, 400), d disabled (code 3: 500).
fn unit(mode: IntersiteMode, enabled: bool, max_calls: u32) -> Unit {
    let a = tenant(1, "a.example", Some("1"), true, true);
    let b = tenant(2, "b.example", Some("10"), true, true);
    let c = tenant(3, "c.example", Some("2"), true, true);
    let d = tenant(4, "d.example", Some("3"), false, true);
    let extensions = vec![
        extension(&a, "100", true),
        extension(&a, "200", true),
        extension(&a, "250", false),
        extension(&b, "100", true),
        extension(&b, "300", true),
        extension(&c, "300", true),
        extension(&c, "400", true),
        extension(&c, "250", true),
        extension(&d, "500", true),
    ];
    Unit::from_data(UnitData {
        enterprise: Some(enterprise(mode, enabled, max_calls)),
        tenants: vec![a, b, c, d],
        extensions,
        dids: vec![],
    })
}

fn standalone() -> Unit {
    let g = tenant(9, "g.example", None, true, false);
    let extensions = vec![extension(&g, "100", true)];
    Unit::from_data(UnitData {
        enterprise: None,
        tenants: vec![g],
        extensions,
        dids: vec![],
    })
}

fn call(destination: &str) -> CallInput<'_> {
    CallInput {
        destination,
        limit_applied: false,
        caller_user: Some("100"),
        caller_domain: Some("a.example"),
    }
}

fn route(unit: &Unit, site: &str, destination: &str) -> Route {
    resolve_call(unit, unit.site(site).unwrap(), &call(destination)).route
}

fn transfer_to(route: &Route) -> (&str, &str) {
    match route {
        Route::TransferToSite { number, site, .. } => (number.as_str(), site.as_str()),
        other => panic!("expected a transfer, got {other:?}"),
    }
}

fn bridged(route: &Route) -> (&str, &str) {
    match route {
        Route::Bridge { number, domain, .. } => (number.as_str(), domain.as_str()),
        other => panic!("expected a bridge, got {other:?}"),
    }
}

const UNALLOCATED: Route = Route::Reject(HangupCause::UnallocatedNumber);

#[test]
fn local_extension_first() {
    let u = unit(IntersiteMode::Direct, true, 0);
    assert_eq!(
        bridged(&route(&u, "a.example", "100")),
        ("100", "a.example")
    );
    assert_eq!(
        bridged(&route(&u, "b.example", "100")),
        ("100", "b.example")
    );
}

#[test]
fn prefix_longest_code_wins() {
    let u = unit(IntersiteMode::Prefix, true, 0);
    // "*88" + "10" + "100" fits b (code 10, ext 100) and a (code 1, ext "0100" does not exist).
    assert_eq!(
        transfer_to(&route(&u, "c.example", "*8810100")),
        ("100", "b.example")
    );
    // "*88" + "1" + "0300": a has no 0300, so only b (code 10, ext 300) fits.
    assert_eq!(
        transfer_to(&route(&u, "c.example", "*8810300")),
        ("300", "b.example")
    );
    // "*88" + "1" + "200": only a fits.
    assert_eq!(
        transfer_to(&route(&u, "c.example", "*881200")),
        ("200", "a.example")
    );
}

#[test]
fn prefix_ambiguous_codes_take_longest() {
    // a (code 1) gets extension 0100 so that "*88" "1" "0100" and "*88" "10" "100" both fit.
    let a = tenant(1, "a.example", Some("1"), true, true);
    let b = tenant(2, "b.example", Some("10"), true, true);
    let c = tenant(3, "c.example", Some("2"), true, true);
    let extensions = vec![
        extension(&a, "0100", true),
        extension(&b, "100", true),
        extension(&c, "300", true),
    ];
    let u = Unit::from_data(UnitData {
        enterprise: Some(enterprise(IntersiteMode::Prefix, true, 0)),
        tenants: vec![a, b, c],
        extensions,
        dids: vec![],
    });
    // "10100" splits as 1 + 0100 and as 10 + 100.
    assert_eq!(
        transfer_to(&route(&u, "c.example", "*8810100")),
        ("100", "b.example")
    );
}

#[test]
fn prefix_own_code_is_local() {
    let u = unit(IntersiteMode::Prefix, true, 0);
    assert_eq!(
        bridged(&route(&u, "a.example", "*881200")),
        ("200", "a.example")
    );
}

#[test]
fn prefix_without_valid_split_is_unallocated() {
    let u = unit(IntersiteMode::Prefix, true, 0);
    assert_eq!(route(&u, "a.example", "*889999"), UNALLOCATED);
    assert_eq!(route(&u, "a.example", "*88"), UNALLOCATED);
    // Disabled extension 250 of a; disabled site d.
    assert_eq!(route(&u, "c.example", "*881250"), UNALLOCATED);
    assert_eq!(route(&u, "a.example", "*883500"), UNALLOCATED);
}

#[test]
fn prefix_mode_ignores_bare_sibling_numbers() {
    let u = unit(IntersiteMode::Prefix, true, 0);
    assert_eq!(route(&u, "a.example", "400"), UNALLOCATED);
}

#[test]
fn direct_reaches_lowest_code_sibling() {
    let u = unit(IntersiteMode::Direct, true, 0);
    // 300 exists in b (code 10) and c (code 2): numeric order puts c first.
    assert_eq!(
        transfer_to(&route(&u, "a.example", "300")),
        ("300", "c.example")
    );
    assert_eq!(
        transfer_to(&route(&u, "a.example", "400")),
        ("400", "c.example")
    );
    // The prefix still works in direct mode.
    assert_eq!(
        transfer_to(&route(&u, "a.example", "*8810300")),
        ("300", "b.example")
    );
    // 500 lives only in the disabled site d.
    assert_eq!(route(&u, "a.example", "500"), UNALLOCATED);
}

#[test]
fn direct_overlap_prefers_own_site() {
    let u = unit(IntersiteMode::Direct, true, 0);
    assert_eq!(
        bridged(&route(&u, "c.example", "300")),
        ("300", "c.example")
    );
    // 250 is disabled in a, so a caller in a reaches c's 250.
    assert_eq!(
        transfer_to(&route(&u, "a.example", "250")),
        ("250", "c.example")
    );
}

#[test]
fn disabled_mode_stays_local() {
    let u = unit(IntersiteMode::Disabled, true, 0);
    assert_eq!(route(&u, "a.example", "*8810100"), UNALLOCATED);
    assert_eq!(route(&u, "a.example", "400"), UNALLOCATED);
    assert_eq!(
        bridged(&route(&u, "a.example", "200")),
        ("200", "a.example")
    );
}

#[test]
fn disabled_enterprise_stays_local() {
    let u = unit(IntersiteMode::Direct, false, 0);
    assert_eq!(route(&u, "a.example", "*8810100"), UNALLOCATED);
    assert_eq!(route(&u, "a.example", "400"), UNALLOCATED);
    assert_eq!(
        bridged(&route(&u, "a.example", "100")),
        ("100", "a.example")
    );
}

#[test]
fn disabled_site_rejects_calls() {
    let u = unit(IntersiteMode::Direct, true, 0);
    assert_eq!(
        route(&u, "d.example", "500"),
        Route::Reject(HangupCause::CallRejected)
    );
    assert!(resolve_user(&u, "d.example", "500").is_none());
}

#[test]
fn standalone_never_reads_prefix() {
    let u = standalone();
    assert_eq!(route(&u, "g.example", "*8810100"), UNALLOCATED);
    assert_eq!(
        bridged(&route(&u, "g.example", "100")),
        ("100", "g.example")
    );
}

#[test]
fn transfer_carries_origin_and_caller_id() {
    let u = unit(IntersiteMode::Direct, true, 0);
    match route(&u, "a.example", "400") {
        Route::TransferToSite {
            origin_site,
            caller_id_number,
            ..
        } => {
            assert_eq!(origin_site.as_str(), "a.example");
            assert_eq!(caller_id_number.as_deref(), Some("*881100"));
        }
        other => panic!("expected a transfer, got {other:?}"),
    }
    // An unauthenticated caller keeps its own caller ID.
    let anonymous = CallInput {
        destination: "400",
        ..CallInput::default()
    };
    match resolve_call(&u, u.site("a.example").unwrap(), &anonymous).route {
        Route::TransferToSite {
            caller_id_number, ..
        } => assert_eq!(caller_id_number, None),
        other => panic!("expected a transfer, got {other:?}"),
    }
}

#[test]
fn voicemail_codes() {
    let u = unit(IntersiteMode::Prefix, true, 0);
    assert_eq!(
        route(&u, "a.example", "*97"),
        Route::CheckVoicemail {
            domain: DomainName::parse("a.example").unwrap(),
            mailbox: Some(ExtensionNumber::parse("100").unwrap())
        }
    );
    assert_eq!(
        route(&u, "a.example", "*98"),
        Route::CheckVoicemail {
            domain: DomainName::parse("a.example").unwrap(),
            mailbox: None
        }
    );
    // Feature codes are local: another site's *97 prompts for a mailbox there, never here.
    assert_eq!(
        route(&u, "b.example", "*97"),
        Route::CheckVoicemail {
            domain: DomainName::parse("b.example").unwrap(),
            mailbox: None
        }
    );
}

#[test]
fn limit_once_per_call() {
    let u = unit(IntersiteMode::Direct, true, 5);
    let site = u.site("a.example").unwrap();
    let first = resolve_call(&u, site, &call("400"));
    assert_eq!(
        first.limit,
        Some(EnterpriseLimit {
            enterprise_id: ENTERPRISE_ID,
            max: 5
        })
    );
    let again = CallInput {
        limit_applied: true,
        ..call("400")
    };
    assert_eq!(resolve_call(&u, site, &again).limit, None);
    assert_eq!(
        resolve_call(&u, site, &call("999")).limit,
        None,
        "no limit on a rejected call"
    );
    let unlimited = unit(IntersiteMode::Direct, true, 0);
    assert_eq!(
        resolve_call(
            &unlimited,
            unlimited.site("a.example").unwrap(),
            &call("400")
        )
        .limit,
        None
    );
}

#[test]
fn public_did_with_or_without_plus() {
    let lookup = |number: &str| {
        (number == "+12125550100").then(|| DidRoute {
            tenant_id: Uuid::from_u128(7),
            domain: DomainName::parse("a.example").unwrap(),
            destination: ExtensionNumber::parse("100").unwrap(),
        })
    };
    for dialed in ["+12125550100", "12125550100"] {
        let decision = resolve_public(dialed, lookup);
        assert_eq!(
            decision.route,
            Route::TransferDid {
                number: ExtensionNumber::parse("100").unwrap(),
                tenant: DomainName::parse("a.example").unwrap()
            }
        );
    }
    for dialed in ["2125550100", "+1212555010", "", "1-212-555-0100"] {
        assert_eq!(
            resolve_public(dialed, lookup).route,
            UNALLOCATED,
            "{dialed}"
        );
    }
}

#[test]
fn directory_user_rules() {
    let u = unit(IntersiteMode::Direct, true, 0);
    assert_eq!(
        resolve_user(&u, "a.example", "100")
            .unwrap()
            .extension
            .number
            .as_str(),
        "100"
    );
    assert!(
        resolve_user(&u, "a.example", "250").is_none(),
        "disabled extension"
    );
    assert!(resolve_user(&u, "a.example", "!100").is_none());
    assert!(
        resolve_user(&u, "a.example", "300").is_none(),
        "another site's user"
    );
    assert!(resolve_user(&u, "x.example", "100").is_none());
}

#[test]
fn did_target_checks_site_and_extension() {
    use super::dialplan::check_did_target;
    let u = unit(IntersiteMode::Direct, true, 0);
    let did = |domain: &str, number: &str| DidRoute {
        tenant_id: Uuid::from_u128(7),
        domain: DomainName::parse(domain).unwrap(),
        destination: ExtensionNumber::parse(number).unwrap(),
    };
    assert_eq!(check_did_target(&u, &did("a.example", "100")), None);
    assert_eq!(
        check_did_target(&u, &did("a.example", "250")),
        Some(HangupCause::UnallocatedNumber)
    );
    assert_eq!(
        check_did_target(&u, &did("d.example", "500")),
        Some(HangupCause::CallRejected)
    );
    assert_eq!(
        check_did_target(&u, &did("x.example", "100")),
        Some(HangupCause::UnallocatedNumber)
    );
}
