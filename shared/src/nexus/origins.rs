//! Which page origins may embed Nexus for a client.
//!
//! An origin is `scheme://host[:port]` (what a browser sends as `Origin` and as
//! `location.origin`). A client's list holds exact origins, or `scheme://host:*` for any port.
//! Sandbox clients also allow `http://localhost:*`, `http://127.0.0.1:*` and their `https` twins.

use crate::model::ClientMode;
use crate::store::clients::NexusClient;

const SANDBOX_DEFAULTS: &[&str] = &[
    "http://localhost:*",
    "http://127.0.0.1:*",
    "https://localhost:*",
    "https://127.0.0.1:*",
];

/// The origin in canonical (lower-case) form, or `None` if it is not an http(s) origin.
pub fn parse_origin(raw: &str) -> Option<String> {
    // ASCII whitespace only, as the documented pattern says.
    let o = raw
        .trim_matches([' ', '\t', '\n', '\r'])
        .to_ascii_lowercase();
    let rest = o
        .strip_prefix("http://")
        .or_else(|| o.strip_prefix("https://"))?;
    let (host, port) = match rest.rsplit_once(':') {
        Some((h, p)) => (h, Some(p)),
        _ => (rest, None),
    };
    let host_ok = !host.is_empty()
        && host.len() <= 253
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-');
    let port_ok =
        port.is_none_or(|p| !p.is_empty() && p.len() <= 5 && p.chars().all(|c| c.is_ascii_digit()));
    (host_ok && port_ok && o.len() <= 300).then_some(o)
}

/// A pattern as an admin may set it: an origin, or `scheme://host:*`.
pub fn parse_pattern(raw: &str) -> Option<String> {
    let p = raw.trim().to_ascii_lowercase();
    match p.strip_suffix(":*") {
        Some(base) => parse_origin(base).map(|b| format!("{b}:*")),
        None => parse_origin(&p),
    }
}

fn matches(pattern: &str, origin: &str) -> bool {
    match pattern.strip_suffix(":*") {
        Some(base) => {
            origin == base
                || origin
                    .strip_prefix(base)
                    .and_then(|r| r.strip_prefix(':'))
                    .is_some_and(|port| {
                        !port.is_empty() && port.chars().all(|c| c.is_ascii_digit())
                    })
        }
        None => pattern == origin,
    }
}

/// Every pattern in force for a client.
pub fn patterns(mode: ClientMode, configured: &[String]) -> Vec<String> {
    let mut all: Vec<String> = configured.to_vec();
    if mode == ClientMode::Sandbox {
        all.extend(SANDBOX_DEFAULTS.iter().map(|s| s.to_string()));
    }
    all
}

/// Whether `origin` (canonical, from [`parse_origin`]) may embed Nexus for the client.
pub fn allowed_in(mode: ClientMode, configured: &[String], origin: &str) -> bool {
    patterns(mode, configured)
        .iter()
        .any(|p| matches(p, origin))
}

pub fn allowed(client: &NexusClient, origin: &str) -> bool {
    allowed_in(client.mode, &client.allowed_origins, origin)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_parse_strictly() {
        assert_eq!(
            parse_origin("HTTP://LocalHost:9000").as_deref(),
            Some("http://localhost:9000")
        );
        assert_eq!(
            parse_origin("https://app.example.com").as_deref(),
            Some("https://app.example.com")
        );
        for bad in [
            "",
            "null",
            "file://x",
            "http://",
            "http://a b",
            "http://x:99999999",
            "http://x/path",
            "javascript:alert(1)",
            "http://x:",
            // A trailing slash is a path; only the ASCII whitespace the documented pattern
            // allows is trimmed.
            "https://app.example.com/",
            "\u{a0}https://app.example.com",
            "https://app.example.com\u{2003}",
        ] {
            assert_eq!(parse_origin(bad), None, "{bad}");
        }
        assert_eq!(
            parse_origin(" \thttps://app.example.com\r\n").as_deref(),
            Some("https://app.example.com")
        );
        assert_eq!(
            parse_pattern("http://127.0.0.1:*").as_deref(),
            Some("http://127.0.0.1:*")
        );
        assert_eq!(parse_pattern("http://*.example.com"), None);
    }

    #[test]
    fn sandbox_allows_local_pages_and_live_only_its_list() {
        let list = vec!["https://app.example.com".to_string()];
        assert!(allowed_in(
            ClientMode::Sandbox,
            &[],
            "http://127.0.0.1:9000"
        ));
        assert!(allowed_in(
            ClientMode::Sandbox,
            &[],
            "http://localhost:3000"
        ));
        assert!(allowed_in(ClientMode::Sandbox, &[], "http://localhost"));
        assert!(!allowed_in(
            ClientMode::Sandbox,
            &[],
            "http://127.0.0.1.evil.com:80"
        ));
        assert!(!allowed_in(
            ClientMode::Sandbox,
            &[],
            "http://localhost.evil.com"
        ));
        assert!(!allowed_in(
            ClientMode::Live,
            &list,
            "http://127.0.0.1:9000"
        ));
        assert!(allowed_in(
            ClientMode::Live,
            &list,
            "https://app.example.com"
        ));
        assert!(!allowed_in(
            ClientMode::Live,
            &list,
            "https://app.example.com:444"
        ));
        assert!(!allowed_in(
            ClientMode::Live,
            &list,
            "http://app.example.com"
        ));
    }
}
