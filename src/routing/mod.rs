//! The routing rules as pure functions over the model: a dialed number in a context becomes a
//! [`DialplanDecision`], a directory user lookup becomes the extension to answer with. Nothing here
//! knows about HTTP, SQL or XML, so tests compare decisions as plain values.

pub mod dialplan;
pub mod directory;

pub use dialplan::{
    check_did_target, resolve_call, resolve_public, CallInput, DialplanDecision, EnterpriseLimit,
    HangupCause, Route,
};
pub use directory::{resolve_user, UserAnswer};

#[cfg(test)]
mod tests;
