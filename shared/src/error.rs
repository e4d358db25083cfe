//! The one error type of the API, and its single mapping to HTTP.
//!
//! Every handler returns `Result<_, ApiError>`; [`ApiError::into_response`] is the only place an
//! error becomes a status code and a Payitoff-shaped body:
//! `{"error":{"title":..,"detail":..}}`, plus `fields` (field -> problem) for validation errors.

use std::collections::BTreeMap;

use lambda_http::{http::StatusCode, Body, Response};
use schemars::JsonSchema;
use serde::Serialize;

/// The three documented Payitoff 401 details, word for word.
pub const NO_AUTH_HEADER: &str = "Please include an authorization header.";
pub const NO_BEARER: &str = "Please include a Bearer token in your header.";
pub const INVALID_TOKEN: &str = "Invalid token. Please check and try again.";

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ApiError {
    #[error("{0}")]
    Unauthorized(&'static str),
    #[error("{0}")]
    NotFound(String),
    /// Unparseable request (malformed JSON, wrong envelope).
    #[error("{0}")]
    BadRequest(String),
    /// Well-formed JSON whose values break the rules; `fields` maps field path -> problem.
    #[error("{detail}")]
    Validation {
        detail: String,
        fields: BTreeMap<String, String>,
    },
    /// Authenticated, but not allowed (e.g. a page origin a client has not allowed).
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    Conflict(String),
    /// A 409 with every reason: the first is the `detail`, all are in `reasons`.
    #[error("{detail}")]
    Precondition {
        detail: String,
        reasons: Vec<String>,
    },
    #[error("{0}")]
    MethodNotAllowed(String),
    #[error("{0}")]
    TooLarge(String),
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("{0}")]
    Unavailable(String),
    /// Something on our side failed. The detail is logged, never returned.
    #[error("internal error: {0}")]
    Internal(String),
}

impl ApiError {
    pub fn not_found(what: &str) -> Self {
        ApiError::NotFound(format!("{what} not found."))
    }

    /// A validation error for a single field.
    pub fn field(field: impl Into<String>, problem: impl Into<String>) -> Self {
        let mut fields = BTreeMap::new();
        let (field, problem) = (field.into(), problem.into());
        let detail = format!("{field}: {problem}");
        fields.insert(field, problem);
        ApiError::Validation { detail, fields }
    }

    /// A validation error for several fields at once (an empty map is not an error).
    pub fn fields(fields: BTreeMap<String, String>) -> Result<(), Self> {
        if fields.is_empty() {
            return Ok(());
        }
        let detail = fields
            .iter()
            .map(|(f, p)| format!("{f}: {p}"))
            .collect::<Vec<_>>()
            .join("; ");
        Err(ApiError::Validation { detail, fields })
    }

    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Validation { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::Conflict(_) | ApiError::Precondition { .. } => StatusCode::CONFLICT,
            ApiError::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn into_response(self) -> Response<Body> {
        let status = self.status();
        let title = status.canonical_reason().unwrap_or("Error");
        let other;
        let error = match &self {
            ApiError::Internal(detail) => {
                tracing::error!(error = %detail, "internal error");
                ErrorDetail::of(title, "Something went wrong on our side. Please try again.")
            }
            ApiError::Validation { detail, fields } => ErrorDetail {
                fields: Some(fields),
                ..ErrorDetail::of(title, detail)
            },
            ApiError::Precondition { detail, reasons } => ErrorDetail {
                reasons: Some(reasons),
                ..ErrorDetail::of(title, detail)
            },
            e => {
                other = e.to_string();
                ErrorDetail::of(title, &other)
            }
        };
        crate::http::json_response(status, &ErrorBody { error })
    }
}

/// Every error answer, on every route: `{"error": {"title", "detail"}}` (Payitoff's envelope),
/// with `fields` on a 422 and `reasons` on an enrollment's 409.
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields, rename = "Error")]
pub struct ErrorBody<'a> {
    pub error: ErrorDetail<'a>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct ErrorDetail<'a> {
    /// The status's reason phrase, e.g. "Unprocessable Entity".
    pub title: &'a str,
    /// What went wrong, in a sentence, and what to do about it.
    pub detail: &'a str,
    /// Only on 422: each invalid field (a dotted path for nested ones) and its problem.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "BTreeMap<String, String>")]
    pub fields: Option<&'a BTreeMap<String, String>>,
    /// On a 409 from an Enrollment Request whose preconditions fail: each failing one (the
    /// things to fix). Other 409s carry `detail` only.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Vec<String>")]
    pub reasons: Option<&'a [String]>,
}

impl<'a> ErrorDetail<'a> {
    fn of(title: &'a str, detail: &'a str) -> Self {
        ErrorDetail {
            title,
            detail,
            fields: None,
            reasons: None,
        }
    }
}

impl From<serde_dynamo::Error> for ApiError {
    fn from(e: serde_dynamo::Error) -> Self {
        ApiError::Internal(format!("item mapping: {}", redacted(&e.to_string())))
    }
}

/// A serde message with the values it quotes taken out: serde writes the offending value
/// (`invalid type: string "123-45-6789", expected u64`; ``unknown variant `x` ``), and internal
/// errors go to the logs, which must never carry personal data. The kind of error and the
/// field stay; every quoted run becomes `<value>`.
pub fn redacted(msg: &str) -> String {
    let mut out = String::with_capacity(msg.len());
    let mut quote: Option<char> = None;
    for c in msg.chars() {
        match quote {
            Some(q) if c == q => {
                out.push_str("<value>");
                out.push(c);
                quote = None;
            }
            Some(_) => {}
            None if c == '"' || c == '`' => {
                out.push(c);
                quote = Some(c);
            }
            None => out.push(c),
        }
    }
    if quote.is_some() {
        out.push_str("<value>");
    }
    out
}

#[cfg(test)]
mod redaction_tests {
    use super::*;

    #[test]
    fn serde_messages_lose_their_values_but_keep_the_kind() {
        assert_eq!(
            redacted(r#"invalid type: string "123-45-6789", expected u64"#),
            r#"invalid type: string "<value>", expected u64"#
        );
        assert_eq!(
            redacted("unknown variant `hunter2`, expected `api` or `nexus`"),
            "unknown variant `<value>`, expected `<value>` or `<value>`"
        );
        assert_eq!(redacted(r#"cut "off"#), r#"cut "<value>"#);
        // Through serde_dynamo, as the store maps an item.
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct T {
            n: u64,
        }
        let item: std::collections::HashMap<String, aws_sdk_dynamodb::types::AttributeValue> = [(
            "n".to_string(),
            aws_sdk_dynamodb::types::AttributeValue::S("123-45-6789".into()),
        )]
        .into();
        let e: ApiError = serde_dynamo::from_item::<_, T>(item).unwrap_err().into();
        let text = e.to_string();
        assert!(!text.contains("123-45-6789"), "{text}");
        assert!(text.contains("item mapping"), "{text}");
    }
}
