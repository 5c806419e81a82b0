//! The FreeSWITCH endpoint: `POST /freeswitch` from mod_xml_curl, answered from the model.
//!
//! [`answer`] is the whole request path without HTTP: parse ([`form`]), classify ([`classify`]),
//! look up the routing unit in the model, decide ([`crate::routing`]), render ([`render`]).
//! [`handler`] adds the HTTP side: authentication, the body limit, the deadline and logging.

pub mod answer;
pub mod classify;
pub mod form;
pub mod handler;
pub mod render;
pub mod xml;

pub use answer::{answer, answer_oversized, FsAnswer, Outcome, Section};
pub use handler::{router, FsConfig, FsState};
pub use render::{CredentialMode, LimitBackend, RenderOptions};
