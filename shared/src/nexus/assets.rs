//! The widget's static parts, compiled into the functions: the loader script (`/nexus/js/v1`),
//! the widget page (`/nexus/ui`) and the demo host page (`/nexus/demo`).
//!
//! Pages carry a strict Content-Security-Policy with a fresh nonce per response (every
//! `{{NONCE}}` in the template): no third-party script, style, font or connection is possible.

use std::sync::OnceLock;

use sha2::{Digest, Sha256};

use super::origins;
use crate::context::AppContext;
use crate::error::ApiError;

pub const LOADER_JS: &str = include_str!("assets/loader.js");
pub const DEMO_HTML: &str = include_str!("assets/demo.html");

/// The widget page's markup, with `{{STYLE}}` and `{{SCRIPT}}` where its parts go.
const WIDGET_SHELL: &str = include_str!("assets/widget.html");
const WIDGET_CSS: &str = include_str!("assets/widget/widget.css");
/// Joined in this order into the page's one script, inside one function scope.
const WIDGET_JS: &[&str] = &[
    include_str!("assets/widget/01-core.js"),
    include_str!("assets/widget/02-link.js"),
    include_str!("assets/widget/03-assess.js"),
    include_str!("assets/widget/04-chart.js"),
    include_str!("assets/widget/045-enroll.js"),
    include_str!("assets/widget/05-boot.js"),
];

/// The whole widget page: one self-contained HTML file (nonce placeholders still in it).
pub fn widget_html() -> &'static str {
    static PAGE: OnceLock<String> = OnceLock::new();
    PAGE.get_or_init(|| {
        WIDGET_SHELL
            .replace("{{STYLE}}", WIDGET_CSS)
            .replace("{{SCRIPT}}", &WIDGET_JS.concat())
    })
}

/// The loader's strong ETag (a hash of its bytes).
pub fn loader_etag() -> &'static str {
    static TAG: OnceLock<String> = OnceLock::new();
    TAG.get_or_init(|| {
        let digest = Sha256::digest(LOADER_JS.as_bytes());
        format!("\"{}\"", &crate::crypto::hex(&digest)[..20])
    })
}

/// A fresh CSP nonce (128 random bits, hex).
pub fn nonce() -> String {
    let secret = crate::crypto::generate_secret("");
    secret[..32].to_string()
}

pub fn render(template: &str, nonce: &str) -> String {
    template.replace("{{NONCE}}", nonce)
}

/// The widget page's policy. `frame_ancestors` is the one origin allowed to embed it, or
/// `'none'`.
pub fn widget_csp(nonce: &str, frame_ancestors: &str) -> String {
    format!(
        "default-src 'none'; script-src 'nonce-{nonce}'; style-src 'nonce-{nonce}'; \
         connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; \
         frame-ancestors {frame_ancestors}"
    )
}

/// The demo host page's policy: our own loader, our own iframe, nothing else.
pub fn demo_csp(nonce: &str) -> String {
    format!(
        "default-src 'none'; script-src 'self' 'nonce-{nonce}'; style-src 'nonce-{nonce}'; \
         connect-src 'self'; frame-src 'self'; img-src 'self' data:; base-uri 'none'; \
         form-action 'none'; frame-ancestors 'none'"
    )
}

/// Who may frame the widget page opened with `origin` and `key` (a Nexus key) or `token`.
///
/// * a client that allows `origin`: that origin;
/// * a client that does not: `'none'` (the browser refuses to show it; the loader reports an
///   error after its timeout);
/// * an unknown key or token: `origin`, so the page can load and tell the host page that the
///   key is invalid (it holds nothing and can do nothing without a session).
pub async fn frame_ancestors(
    ctx: &AppContext,
    origin: Option<&str>,
    key: Option<&str>,
    token: Option<&str>,
) -> Result<String, ApiError> {
    let Some(origin) = origin.and_then(origins::parse_origin) else {
        return Ok("'none'".into());
    };
    let client = match (key, token) {
        (Some(k), _) if !k.trim().is_empty() => ctx.store.nexus_key_client(k).await?,
        (_, Some(t)) if !t.trim().is_empty() => match ctx.store.peek_init_token(t.trim()).await? {
            Some(t) => ctx.store.nexus_client(&t.client_id).await?,
            None => None,
        },
        _ => None,
    };
    Ok(match client {
        Some(c) if origins::allowed(&c, &origin) => origin,
        Some(_) => "'none'".into(),
        None => origin,
    })
}

static DEMO_ON: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Turns the demo page on for this process (the local gateway).
pub fn enable_demo() {
    DEMO_ON.store(true, std::sync::atomic::Ordering::Relaxed);
}

/// Whether this deployment serves the demo page (`NEXUS_DEMO=on`: the local stack and
/// sandbox stages).
pub fn demo_enabled() -> bool {
    DEMO_ON.load(std::sync::atomic::Ordering::Relaxed)
        || std::env::var("NEXUS_DEMO").is_ok_and(|v| v == "on")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_are_self_contained_and_nonced() {
        assert!(!widget_html().contains("{{STYLE}}") && !widget_html().contains("{{SCRIPT}}"));
        assert!(widget_html().contains("'use strict'") && widget_html().contains(":root {"));
        for (name, page) in [("widget", widget_html()), ("demo", DEMO_HTML)] {
            let html = render(page, "abc123");
            assert!(!html.contains("{{NONCE}}"), "{name}");
            for banned in ["https://", "onclick=", "javascript:", " style=\""] {
                assert!(!html.contains(banned), "{name} holds {banned}");
            }
            assert!(html.contains("nonce=\"abc123\""), "{name}");
        }
        assert!(!LOADER_JS.contains("eval("));
        assert!(loader_etag().starts_with('"') && loader_etag().len() == 22);
        assert_ne!(nonce(), nonce());
        assert_eq!(nonce().len(), 32);
    }

    #[test]
    fn policies_allow_only_our_origin() {
        let csp = widget_csp("n", "http://127.0.0.1:9000");
        assert!(csp.contains("frame-ancestors http://127.0.0.1:9000"));
        assert!(csp.contains("script-src 'nonce-n'"));
        assert!(csp.starts_with("default-src 'none'"));
        assert!(demo_csp("n").contains("frame-src 'self'"));
    }
}
