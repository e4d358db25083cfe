//! Nexus: the drop-in widget's server side, as one room.
//!
//! * [`session`]: sessions (30 minutes, one client, one borrower), single-use init tokens,
//!   and resolving the `borrower` a page names (uuid, else the client's external id).
//! * [`origins`]: which page origins may embed the widget and start sessions.
//! * [`connector`]: the servicer connector port. The sandbox adapter is the only one today; a
//!   live client without a live connector gets `no_connector`, never sandbox data.
//! * [`sandbox`]: the simulated servicers' deterministic portfolios.
//! * [`link`]: linking a servicer (credentials, challenges), the session view, the assess
//!   inputs and the what-if assessment.
//! * [`views`]: what the routes answer, as typed views (the OpenAPI document derives their
//!   schemas).
//! * [`assets`]: the loader script, the widget page and the demo page.
//!
//! See docs/nexus.md for the contract.

pub mod assets;
pub mod connector;
pub mod link;
pub mod origins;
pub mod sandbox;
pub mod session;
pub mod views;

pub use connector::{Connector, LinkFailure, LoginOutcome, ServicerAccount};
pub use link::{PendingChallenge, ServicerLink};
pub use session::{InitToken, NexusSession, Workflow};
pub use views::LinkView;

/// A credential typed into Nexus (password, challenge answer). It is handed to the connector
/// and dropped; `Debug` never shows it, and it has no `Serialize`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Self {
        Secret(s.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// Seconds since the epoch of an RFC 3339 time (0 if it does not parse: treated as expired).
pub(crate) fn epoch(rfc3339: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(rfc3339)
        .map(|t| t.timestamp())
        .unwrap_or(0)
}

/// `now + seconds` as the RFC 3339 text every record uses.
pub(crate) fn in_seconds(seconds: i64) -> String {
    (chrono::Utc::now() + chrono::Duration::seconds(seconds))
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

pub(crate) fn expired(rfc3339: &str) -> bool {
    epoch(rfc3339) <= chrono::Utc::now().timestamp()
}

#[cfg(test)]
mod tests {
    #[test]
    fn secrets_never_show_in_debug() {
        let s = super::Secret::new("hunter2");
        assert_eq!(format!("{s:?}"), "Secret(<redacted>)");
        assert!(!format!("{:?}", Some(s)).contains("hunter2"));
    }
}
