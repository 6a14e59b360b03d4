//! Who is asking, and under which request id. Both go into the metadata of every event the
//! request causes.

use crate::auth::Actor;

/// The identity and request id of one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestContext {
    /// The authenticated actor.
    pub actor: Actor,
    /// The request id (from `X-Request-Id` if the client sent a sane one, else generated).
    pub request_id: String,
}

impl RequestContext {
    /// A context for an actor with a fresh request id.
    pub fn new(actor: Actor) -> Self {
        Self {
            actor,
            request_id: new_request_id(),
        }
    }
}

/// A fresh request id.
pub fn new_request_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// Accepts a client-supplied request id if it is short and plain, so that it can be logged and
/// stored safely.
pub fn sane_request_id(value: &str) -> Option<String> {
    let ok = !value.is_empty()
        && value.len() <= 64
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'));
    ok.then(|| value.to_owned())
}
