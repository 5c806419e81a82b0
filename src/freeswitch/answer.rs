//! One FreeSWITCH request, from body to XML, without HTTP.

use std::time::Duration;

use uuid::Uuid;

use super::classify::{classify, FsQuery, NotServed};
use super::form::FsForm;
use super::render::{self, RenderOptions};
use crate::model::{ModelCache, ModelError, Unit};
use crate::routing::{
    check_did_target, resolve_call, resolve_public, resolve_user, CallInput, DialplanDecision,
    HangupCause, Route,
};

/// The section a request asked for, for logs and metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Directory,
    Dialplan,
    Other,
}

impl Section {
    /// Returns the section name as FreeSWITCH writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Directory => "directory",
            Self::Dialplan => "dialplan",
            Self::Other => "other",
        }
    }
}

/// The outcome of a request, for logs and metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// A directory answer with one user.
    User,
    /// "Not found" for a user or domain sitedial does not have.
    UnknownUser,
    /// "Not found" without looking at the model.
    NotServed(NotServed),
    /// A dialplan answer; the name says which route.
    Route(&'static str),
    /// "Not found" for a context sitedial does not own.
    UnknownContext,
    /// The model was missing and the store failed or was too slow: "not found" for a directory
    /// request, `TEMPORARY_FAILURE` for a dialplan request.
    Unavailable,
}

impl Outcome {
    /// Returns a short name for logs and metrics.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::User => "user",
            Self::UnknownUser => "unknown_user",
            Self::NotServed(reason) => reason.as_str(),
            Self::Route(name) => name,
            Self::UnknownContext => "unknown_context",
            Self::Unavailable => "unavailable",
        }
    }
}

/// The XML to send and what it was.
#[derive(Debug, Clone)]
pub struct FsAnswer {
    pub xml: String,
    pub section: Section,
    pub outcome: Outcome,
    /// The enterprise whose data answered, if any.
    pub enterprise_id: Option<Uuid>,
}

impl FsAnswer {
    fn not_found(section: Section, outcome: Outcome) -> Self {
        Self {
            xml: render::not_found(),
            section,
            outcome,
            enterprise_id: None,
        }
    }
}

/// Answers one request body. Waiting for a unit that is not in memory is bounded by `deadline`.
pub async fn answer(
    model: &ModelCache,
    options: &RenderOptions,
    deadline: Duration,
    body: &[u8],
) -> FsAnswer {
    let form = FsForm::parse(body);
    match classify(&form) {
        FsQuery::NotServed(reason) => {
            let section = match form.section {
                Some("directory") => Section::Directory,
                Some("dialplan") => Section::Dialplan,
                _ => Section::Other,
            };
            FsAnswer::not_found(section, Outcome::NotServed(reason))
        }
        FsQuery::User {
            domain,
            user,
            realm,
        } => {
            let realm = realm.as_deref().unwrap_or(&domain);
            answer_user(model, options, deadline, &domain, &user, realm).await
        }
        FsQuery::Dialplan {
            context,
            destination,
        } => {
            let call = CallInput {
                destination: &destination,
                limit_applied: form.limit_applied.as_deref().is_some_and(is_true),
                caller_user: form.user_name.as_deref(),
                caller_domain: form.domain_name.as_deref(),
            };
            answer_call(model, options, deadline, &context, &call).await
        }
    }
}

async fn answer_user(
    model: &ModelCache,
    options: &RenderOptions,
    deadline: Duration,
    domain: &str,
    user: &str,
    realm: &str,
) -> FsAnswer {
    let domain = domain.to_ascii_lowercase();
    let Some(entry) = model.index().tenant(&domain) else {
        let outcome = if model.index_loaded() {
            Outcome::UnknownUser
        } else {
            Outcome::Unavailable
        };
        return FsAnswer::not_found(Section::Directory, outcome);
    };
    let unit = match load_unit(model, entry.unit, deadline).await {
        Ok(unit) => unit,
        Err(outcome) => return FsAnswer::not_found(Section::Directory, outcome),
    };
    match resolve_user(&unit, &domain, user) {
        Some(user) => FsAnswer {
            xml: render::directory_user(&user, realm, options),
            section: Section::Directory,
            outcome: Outcome::User,
            enterprise_id: user.enterprise_id,
        },
        None => FsAnswer::not_found(Section::Directory, Outcome::UnknownUser),
    }
}

async fn answer_call(
    model: &ModelCache,
    options: &RenderOptions,
    deadline: Duration,
    context: &str,
    call: &CallInput<'_>,
) -> FsAnswer {
    if !model.index_loaded() {
        return temporary_failure(context);
    }

    if context.eq_ignore_ascii_case("public") {
        return answer_public(model, options, deadline, context, call.destination).await;
    }

    let context_key = context.to_ascii_lowercase();
    let Some(entry) = model.index().tenant(&context_key) else {
        return FsAnswer::not_found(Section::Dialplan, Outcome::UnknownContext);
    };
    let unit = match load_unit(model, entry.unit, deadline).await {
        Ok(unit) => unit,
        Err(_) => return temporary_failure(context),
    };
    let Some(site) = unit.site(&context_key) else {
        // The index and the unit disagree for a moment while a change is applied.
        return temporary_failure(context);
    };
    let decision = resolve_call(&unit, site, call);
    dialplan_answer(
        context,
        call.destination,
        &decision,
        options,
        unit.enterprise_id(),
    )
}

/// Answers a carrier call in `public`: a DID goes to its extension, unless its tenant is disabled or
/// the extension is gone, which is checked on the tenant's unit when it can be had within the deadline.
async fn answer_public(
    model: &ModelCache,
    options: &RenderOptions,
    deadline: Duration,
    context: &str,
    destination: &str,
) -> FsAnswer {
    let mut target = None;
    let mut decision = resolve_public(destination, |number| {
        let route = model.index().did(number);
        target.clone_from(&route);
        route
    });
    if let Some(did) = target {
        let unit_key = model
            .index()
            .tenant(did.domain.as_str())
            .map(|entry| entry.unit);
        if let Some(key) = unit_key {
            // A unit that cannot be loaded in time leaves the check to the request in the tenant's context.
            if let Ok(unit) = load_unit(model, key, deadline).await {
                if let Some(cause) = check_did_target(&unit, &did) {
                    decision = DialplanDecision::reject(cause);
                }
            }
        }
    }
    dialplan_answer(context, destination, &decision, options, None)
}

/// Returns whether a channel variable value means true, as FreeSWITCH's `switch_true` reads it.
fn is_true(value: &str) -> bool {
    ["true", "yes", "on", "enabled", "active", "allow", "1"]
        .iter()
        .any(|t| value.eq_ignore_ascii_case(t))
}

/// Answers a request whose body was cut at the size limit. A dialplan request for a context sitedial
/// owns hangs up with `TEMPORARY_FAILURE`, because "not found" would send FreeSWITCH to its static
/// dialplan. Any other request gets "not found".
pub fn answer_oversized(model: &ModelCache, prefix: &[u8]) -> FsAnswer {
    let form = FsForm::parse(prefix);
    if let FsQuery::Dialplan { context, .. } = classify(&form) {
        let owned = context.eq_ignore_ascii_case("public")
            || model
                .index()
                .tenant(&context.to_ascii_lowercase())
                .is_some()
            || !model.index_loaded();
        if owned && !context.is_empty() {
            return temporary_failure(&context);
        }
        return FsAnswer::not_found(Section::Dialplan, Outcome::UnknownContext);
    }
    FsAnswer::not_found(Section::Other, Outcome::Unavailable)
}

fn dialplan_answer(
    context: &str,
    destination: &str,
    decision: &DialplanDecision,
    options: &RenderOptions,
    enterprise_id: Option<Uuid>,
) -> FsAnswer {
    let route = match decision.route {
        Route::Bridge { .. } => "bridge",
        Route::CheckVoicemail { .. } => "voicemail",
        Route::TransferToSite { .. } => "transfer_site",
        Route::TransferDid { .. } => "transfer_did",
        Route::Reject(cause) => match cause {
            HangupCause::UnallocatedNumber => "unallocated",
            HangupCause::CallRejected => "rejected",
            HangupCause::TemporaryFailure => "temporary_failure",
        },
    };
    FsAnswer {
        xml: render::dialplan(context, destination, decision, options),
        section: Section::Dialplan,
        outcome: Outcome::Route(route),
        enterprise_id,
    }
}

fn temporary_failure(context: &str) -> FsAnswer {
    FsAnswer {
        xml: render::temporary_failure(context),
        section: Section::Dialplan,
        outcome: Outcome::Unavailable,
        enterprise_id: None,
    }
}

async fn load_unit(
    model: &ModelCache,
    key: crate::model::UnitKey,
    deadline: Duration,
) -> Result<std::sync::Arc<Unit>, Outcome> {
    match tokio::time::timeout(deadline, model.unit(key)).await {
        Ok(Ok(unit)) => Ok(unit),
        Ok(Err(ModelError::Gone(_))) => Err(Outcome::UnknownUser),
        Ok(Err(error @ ModelError::Store { .. })) => {
            tracing::warn!(unit = ?key, %error, "routing unit unavailable");
            Err(Outcome::Unavailable)
        }
        Err(_) => {
            tracing::warn!(unit = ?key, deadline_ms = deadline.as_millis() as u64, "routing unit load timed out");
            Err(Outcome::Unavailable)
        }
    }
}
