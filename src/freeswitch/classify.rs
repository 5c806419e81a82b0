//! What a parsed request asks for: one directory user, a dialplan route, or something sitedial
//! answers with "not found" (gateways, network lists, domain-only lookups, other sections).

use std::borrow::Cow;

use super::form::FsForm;

/// The reason a request gets "not found" without a model lookup.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotServed {
    /// A section other than `directory` or `dialplan`.
    Section,
    /// `purpose=gateways`: sitedial defines no gateways.
    Gateways,
    /// `purpose=network-list`: sitedial defines no IP-authenticated users.
    NetworkList,
    /// Voicemail injection, group calls and other lookups that need more than one user.
    Unsupported,
    /// A lookup naming only a domain (`xml_locate`, domain checks) or no domain at all.
    DomainOnly,
    /// `key_value` and the encoded `domain` field name different domains.
    DomainMismatch,
    /// A user lookup by an attribute other than `id` or `number-alias`.
    Key,
}

impl NotServed {
    /// Returns a short name for logs and metrics.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Section => "section",
            Self::Gateways => "gateways",
            Self::NetworkList => "network_list",
            Self::Unsupported => "unsupported",
            Self::DomainOnly => "domain_only",
            Self::DomainMismatch => "domain_mismatch",
            Self::Key => "key",
        }
    }
}

/// One classified request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FsQuery<'a> {
    /// A lookup of one user in one domain, both as sent.
    User {
        domain: Cow<'a, str>,
        user: Cow<'a, str>,
        realm: Option<Cow<'a, str>>,
    },
    /// A dialplan request: the context and dialed number as sent.
    Dialplan {
        context: Cow<'a, str>,
        destination: Cow<'a, str>,
    },
    /// Answered with "not found".
    NotServed(NotServed),
}

/// Classifies a parsed request.
pub fn classify<'a>(form: &FsForm<'a>) -> FsQuery<'a> {
    match form.section {
        Some("directory") => classify_directory(form),
        Some("dialplan") => FsQuery::Dialplan {
            context: form
                .hunt_context
                .clone()
                .or_else(|| form.caller_context.clone())
                .unwrap_or_default(),
            destination: form
                .hunt_destination
                .clone()
                .or_else(|| form.caller_destination.clone())
                .unwrap_or_default(),
        },
        _ => FsQuery::NotServed(NotServed::Section),
    }
}

fn classify_directory<'a>(form: &FsForm<'a>) -> FsQuery<'a> {
    match form.purpose.as_deref() {
        Some("gateways") => return FsQuery::NotServed(NotServed::Gateways),
        Some("network-list") => return FsQuery::NotServed(NotServed::NetworkList),
        Some(_) => return FsQuery::NotServed(NotServed::Unsupported),
        None => {}
    }
    if form.calling_function.as_deref() == Some("switch_load_network_lists") {
        return FsQuery::NotServed(NotServed::NetworkList);
    }
    if form.action.as_deref() == Some("group_call") {
        return FsQuery::NotServed(NotServed::Unsupported);
    }

    let (Some(user), Some(domain)) = (&form.user, &form.domain) else {
        return FsQuery::NotServed(NotServed::DomainOnly);
    };
    if user.is_empty() || domain.is_empty() {
        return FsQuery::NotServed(NotServed::DomainOnly);
    }
    if !form
        .key_value
        .is_some_and(|kv| kv.eq_ignore_ascii_case(domain))
    {
        return FsQuery::NotServed(NotServed::DomainMismatch);
    }
    if !matches!(
        form.key.as_deref(),
        None | Some("id") | Some("number-alias") | Some("id:number-alias")
    ) {
        return FsQuery::NotServed(NotServed::Key);
    }
    FsQuery::User {
        domain: domain.clone(),
        user: user.clone(),
        realm: form.sip_auth_realm.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(body: &str) -> FsQuery<'_> {
        let form = FsForm::parse(body.as_bytes());
        // The borrowed form lives only in this function, so the test compares an owned copy.
        match classify(&form) {
            FsQuery::User {
                domain,
                user,
                realm,
            } => FsQuery::User {
                domain: Cow::Owned(domain.into_owned()),
                user: Cow::Owned(user.into_owned()),
                realm: realm.map(|r| Cow::Owned(r.into_owned())),
            },
            FsQuery::Dialplan {
                context,
                destination,
            } => FsQuery::Dialplan {
                context: Cow::Owned(context.into_owned()),
                destination: Cow::Owned(destination.into_owned()),
            },
            FsQuery::NotServed(reason) => FsQuery::NotServed(reason),
        }
    }

    #[test]
    fn user_lookup_needs_matching_key_value() {
        let q = query(
            "section=directory&key_value=Hq.Acme.Example&key=id&user=1001&domain=hq.acme.example",
        );
        assert!(matches!(q, FsQuery::User { .. }));
        let q = query(
            "section=directory&key_value=other.example&key=id&user=1001&domain=hq.acme.example",
        );
        assert_eq!(q, FsQuery::NotServed(NotServed::DomainMismatch));
    }

    #[test]
    fn gateways_and_network_lists_are_not_served() {
        assert_eq!(
            query("section=directory&purpose=gateways&profile=internal"),
            FsQuery::NotServed(NotServed::Gateways)
        );
        assert_eq!(
            query(
                "section=directory&key_value=example.com&purpose=network-list&domain=example.com"
            ),
            FsQuery::NotServed(NotServed::NetworkList)
        );
    }

    #[test]
    fn domain_only_is_not_served() {
        assert_eq!(
            query("section=directory&key_value=tokyo.acme.example&section=directory&tag=domain"),
            FsQuery::NotServed(NotServed::DomainOnly)
        );
        assert_eq!(
            query("section=directory&key_value=&user=1001&domain="),
            FsQuery::NotServed(NotServed::DomainOnly)
        );
    }

    #[test]
    fn other_keys_are_not_served() {
        let q =
            query("section=directory&key_value=a.example&key=mailbox&user=1001&domain=a.example");
        assert_eq!(q, FsQuery::NotServed(NotServed::Key));
    }

    #[test]
    fn dialplan_falls_back_to_caller_fields() {
        let q =
            query("section=dialplan&Caller-Context=hq.acme.example&Caller-Destination-Number=1003");
        assert_eq!(
            q,
            FsQuery::Dialplan {
                context: Cow::Borrowed("hq.acme.example"),
                destination: Cow::Borrowed("1003")
            }
        );
    }

    #[test]
    fn other_sections_are_not_served() {
        assert_eq!(
            query("section=configuration&key_value=sofia.conf"),
            FsQuery::NotServed(NotServed::Section)
        );
        assert_eq!(query(""), FsQuery::NotServed(NotServed::Section));
    }
}
