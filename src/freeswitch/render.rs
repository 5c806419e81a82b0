//! The XML documents sitedial answers with. Each function takes a decision that is already made
//! (a user, a route, "not found") and only writes it, so the renderer cannot route by itself.

use md5::{Digest, Md5};

use super::xml::XmlWriter;
use crate::domain::is_dialable;
use crate::routing::{DialplanDecision, HangupCause, Route, UserAnswer};

/// The form of SIP credentials in directory documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CredentialMode {
    /// The `password` parameter, from which FreeSWITCH computes the digest itself.
    #[default]
    Password,
    /// The `a1-hash` parameter: MD5 of `user:realm:password`, with the realm exactly as the phone sent it.
    A1Hash,
}

/// The FreeSWITCH limit backend that counts enterprise calls.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LimitBackend {
    /// mod_hash, per node, realm `sitedial`.
    Hash,
    /// mod_db, shared when FreeSWITCH's core database is, realm `sitedial`.
    Db,
    /// mod_hiredis, shared Redis; the realm is the hiredis profile name.
    Hiredis { profile: String },
}

impl LimitBackend {
    fn backend_and_realm(&self) -> (&str, &str) {
        match self {
            Self::Hash => ("hash", "sitedial"),
            Self::Db => ("db", "sitedial"),
            Self::Hiredis { profile } => ("hiredis", profile),
        }
    }
}

/// Settings that shape every answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderOptions {
    pub credentials: CredentialMode,
    /// `cacheable` on each user, in milliseconds; `None` leaves FreeSWITCH's user cache off.
    pub user_cache_ms: Option<u64>,
    /// How long a local extension rings, in seconds, before voicemail or the failure cause.
    pub call_timeout_secs: u32,
    pub limit_backend: LimitBackend,
}

impl Default for RenderOptions {
    fn default() -> Self {
        Self {
            credentials: CredentialMode::Password,
            user_cache_ms: None,
            call_timeout_secs: 30,
            limit_backend: LimitBackend::Hash,
        }
    }
}

/// Renders the document that makes FreeSWITCH try its next binding (and then its static files).
pub fn not_found() -> String {
    let mut w = XmlWriter::document(200);
    w.open("section", &[("name", "result")])
        .empty("result", &[("status", "not found")])
        .close("section");
    w.finish()
}

/// Renders a directory document with exactly one user. `realm` is the digest realm as the phone sent it,
/// used only for the `a1-hash` credential mode.
pub fn directory_user(answer: &UserAnswer<'_>, realm: &str, options: &RenderOptions) -> String {
    let domain = answer.domain.as_str();
    let extension = answer.extension;
    let number = extension.number.as_str();
    let dial_string = format!(
        "{{^^:sip_invite_domain={domain}:presence_id=${{dialed_user}}@{domain}}}${{sofia_contact(*/${{dialed_user}}@{domain})}}"
    );
    let tenant_id = answer.tenant_id.to_string();
    let enterprise_id = answer.enterprise_id.map(|id| id.to_string());
    let cacheable = options.user_cache_ms.map(|ms| ms.to_string());

    let mut w = XmlWriter::document(2048);
    w.open("section", &[("name", "directory")]);
    w.open("domain", &[("name", domain)]);
    w.open("params", &[]);
    // The dial string comes from sitedial's own template and a validated domain. Its `${...}`
    // variables are for FreeSWITCH to expand, so it is written without the `$` escape.
    w.template_param("dial-string", &dial_string);
    w.empty(
        "param",
        &[("name", "allow-empty-password"), ("value", "false")],
    );
    w.close("params");
    w.open("variables", &[]);
    w.empty("variable", &[("name", "user_context"), ("value", domain)]);
    w.empty("variable", &[("name", "domain_name"), ("value", domain)]);
    w.close("variables");
    w.open("groups", &[])
        .open("group", &[("name", "default")])
        .open("users", &[]);

    match &cacheable {
        Some(ms) => w.open(
            "user",
            &[("id", number), ("number-alias", number), ("cacheable", ms)],
        ),
        None => w.open("user", &[("id", number), ("number-alias", number)]),
    };
    w.open("params", &[]);
    let password = extension.password.as_str();
    match options.credentials {
        CredentialMode::Password => w.empty("param", &[("name", "password"), ("value", password)]),
        CredentialMode::A1Hash => {
            let hash = a1_hash(number, realm, password);
            w.empty("param", &[("name", "a1-hash"), ("value", &hash)])
        }
    };
    w.empty("param", &[("name", "reverse-auth-user"), ("value", number)]);
    w.empty(
        "param",
        &[("name", "reverse-auth-pass"), ("value", password)],
    );
    w.empty(
        "param",
        &[
            ("name", "vm-enabled"),
            (
                "value",
                if extension.voicemail_enabled {
                    "true"
                } else {
                    "false"
                },
            ),
        ],
    );
    if let Some(pin) = &extension.voicemail_pin {
        w.empty("param", &[("name", "vm-password"), ("value", pin.as_str())]);
    }
    w.close("params");

    w.open("variables", &[]);
    w.empty("variable", &[("name", "user_context"), ("value", domain)]);
    w.empty("variable", &[("name", "domain_name"), ("value", domain)]);
    w.empty("variable", &[("name", "accountcode"), ("value", domain)]);
    let caller_name = extension
        .internal_caller_id_name
        .as_ref()
        .unwrap_or(&extension.display_name);
    let caller_number = extension
        .internal_caller_id_number
        .as_ref()
        .map_or(number, |n| n.as_str());
    w.empty(
        "variable",
        &[
            ("name", "effective_caller_id_name"),
            ("value", caller_name.as_str()),
        ],
    );
    w.empty(
        "variable",
        &[
            ("name", "effective_caller_id_number"),
            ("value", caller_number),
        ],
    );
    if let Some(name) = &extension.outbound_caller_id_name {
        w.empty(
            "variable",
            &[
                ("name", "outbound_caller_id_name"),
                ("value", name.as_str()),
            ],
        );
    }
    if let Some(outbound) = &extension.outbound_caller_id_number {
        w.empty(
            "variable",
            &[
                ("name", "outbound_caller_id_number"),
                ("value", outbound.as_str()),
            ],
        );
    }
    w.empty(
        "variable",
        &[("name", "sitedial_tenant"), ("value", &tenant_id)],
    );
    if let Some(id) = &enterprise_id {
        w.empty(
            "variable",
            &[("name", "sitedial_enterprise"), ("value", id)],
        );
    }
    w.close("variables");
    w.close("user")
        .close("users")
        .close("group")
        .close("groups");
    w.close("domain").close("section");
    w.finish()
}

/// Renders a dialplan document for `context` (echoed as requested) with one extension that carries out the
/// decision. The dialed number is matched exactly when it is a dialable number; anything else gets an
/// extension without a condition that hangs up with `UNALLOCATED_NUMBER`.
pub fn dialplan(
    context: &str,
    destination: &str,
    decision: &DialplanDecision,
    options: &RenderOptions,
) -> String {
    let mut w = XmlWriter::document(1536);
    w.open("section", &[("name", "dialplan")]);
    w.open("context", &[("name", context)]);
    w.open("extension", &[("name", "sitedial")]);

    if !is_dialable(destination) {
        w.open("condition", &[]);
        action(&mut w, "hangup", HangupCause::UnallocatedNumber.as_str());
    } else {
        let expression = exact_match(destination);
        w.open(
            "condition",
            &[("field", "destination_number"), ("expression", &expression)],
        );
        if let Some(limit) = decision.limit {
            let (backend, realm) = options.limit_backend.backend_and_realm();
            inline_set(&mut w, "sitedial_limit_applied=true");
            inline_set(&mut w, "limit_ignore_transfer=true");
            let data = format!(
                "{backend} {realm} enterprise_{} {} !USER_BUSY",
                limit.enterprise_id, limit.max
            );
            action(&mut w, "limit", &data);
        }
        route_actions(&mut w, &decision.route, options);
    }

    w.close("condition")
        .close("extension")
        .close("context")
        .close("section");
    w.finish()
}

fn route_actions(w: &mut XmlWriter, route: &Route, options: &RenderOptions) {
    match route {
        Route::Bridge {
            domain,
            number,
            callee_name,
            voicemail,
        } => {
            if !callee_name.as_str().is_empty() {
                action(w, "set", &format!("effective_callee_id_name={callee_name}"));
            }
            action(w, "set", &format!("effective_callee_id_number={number}"));
            action(
                w,
                "set",
                &format!("call_timeout={}", options.call_timeout_secs),
            );
            action(w, "set", "hangup_after_bridge=true");
            if *voicemail {
                action(w, "set", "continue_on_fail=true");
            }
            action(w, "bridge", &format!("user/{number}@{domain}"));
            if *voicemail {
                w.empty("action", &[("application", "answer")]);
                action(w, "voicemail", &format!("default {domain} {number}"));
            }
        }
        Route::CheckVoicemail { domain, mailbox } => {
            w.empty("action", &[("application", "answer")]);
            match mailbox {
                Some(number) => action(w, "voicemail", &format!("check default {domain} {number}")),
                None => action(w, "voicemail", &format!("check default {domain}")),
            }
        }
        Route::TransferToSite {
            number,
            site,
            origin_site,
            caller_id_number,
        } => {
            inline_set(w, &format!("sitedial_origin_site={origin_site}"));
            if let Some(caller) = caller_id_number {
                inline_set(w, &format!("effective_caller_id_number={caller}"));
            }
            action(w, "transfer", &format!("{number} XML {site}"));
        }
        Route::TransferDid { number, tenant } => {
            action(w, "transfer", &format!("{number} XML {tenant}"));
        }
        Route::Reject(cause) => action(w, "hangup", cause.as_str()),
    }
}

/// Renders a dialplan document whose one extension hangs up with `TEMPORARY_FAILURE`, used when
/// sitedial cannot decide in time.
pub fn temporary_failure(context: &str) -> String {
    let mut w = XmlWriter::document(400);
    w.open("section", &[("name", "dialplan")]);
    w.open("context", &[("name", context)]);
    w.open("extension", &[("name", "sitedial")]);
    w.open("condition", &[]);
    action(&mut w, "hangup", HangupCause::TemporaryFailure.as_str());
    w.close("condition")
        .close("extension")
        .close("context")
        .close("section");
    w.finish()
}

fn action(w: &mut XmlWriter, application: &str, data: &str) {
    w.empty("action", &[("application", application), ("data", data)]);
}

fn inline_set(w: &mut XmlWriter, data: &str) {
    w.empty(
        "action",
        &[("application", "set"), ("data", data), ("inline", "true")],
    );
}

/// Returns a PCRE expression matching exactly `number`, which holds only digits, `*`, `#` and `+`.
fn exact_match(number: &str) -> String {
    let mut expression = String::with_capacity(number.len() * 2 + 2);
    expression.push('^');
    for c in number.chars() {
        if matches!(c, '*' | '+' | '#') {
            expression.push('\\');
        }
        expression.push(c);
    }
    expression.push('$');
    expression
}

/// Returns the hex MD5 of `user:realm:password`, the HA1 of RFC 2617 digest authentication.
pub fn a1_hash(user: &str, realm: &str, password: &str) -> String {
    let mut hasher = Md5::new();
    hasher.update(user.as_bytes());
    hasher.update(b":");
    hasher.update(realm.as_bytes());
    hasher.update(b":");
    hasher.update(password.as_bytes());
    hex::encode(hasher.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_match_escapes_metacharacters() {
        assert_eq!(exact_match("*88201001"), "^\\*88201001$");
        assert_eq!(exact_match("+12125550100"), "^\\+12125550100$");
        assert_eq!(exact_match("1003"), "^1003$");
    }

    #[test]
    fn a1_hash_matches_rfc_2617() {
        // HA1 = MD5("1001:hq.acme.example:hq-1001-pw"), computed with `printf %s ... | md5sum`.
        assert_eq!(
            a1_hash("1001", "hq.acme.example", "hq-1001-pw"),
            "208a8256da95549660c2f4e46ca9c99a"
        );
    }
}
