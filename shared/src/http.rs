//! Request parsing and response helpers shared by every function.

use std::collections::HashMap;

use lambda_http::{
    http::{header::CONTENT_TYPE, StatusCode},
    Body, Request, RequestExt, Response,
};
use serde::Serialize;
use serde_json::{Map, Value};

use crate::error::ApiError;

pub fn json_response<T: Serialize + ?Sized>(status: StatusCode, body: &T) -> Response<Body> {
    // A body that does not serialise is our failure: a 500 in the error envelope, never `{}`
    // under a success status.
    let (status, text) = match serde_json::to_string(body) {
        Ok(text) => (status, text),
        Err(e) => {
            tracing::error!(kind = ?e.classify(), "response serialisation failed");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                r#"{"error":{"title":"Internal Server Error","detail":"Something went wrong on our side. Please try again."}}"#.to_string(),
            )
        }
    };
    json_text_response(status, text)
}

/// A response whose body is already JSON text.
fn json_text_response(status: StatusCode, text: String) -> Response<Body> {
    Response::builder()
        .status(status)
        .header(CONTENT_TYPE, "application/json")
        .body(Body::Text(text))
        .expect("static response parts are valid")
}

pub fn ok<T: Serialize + ?Sized>(body: &T) -> Result<Response<Body>, ApiError> {
    Ok(json_response(StatusCode::OK, body))
}

/// A 200 whose body the domain has already written as JSON text.
pub fn ok_json_text(text: String) -> Result<Response<Body>, ApiError> {
    Ok(json_text_response(StatusCode::OK, text))
}

pub fn created<T: Serialize + ?Sized>(body: &T) -> Result<Response<Body>, ApiError> {
    Ok(json_response(StatusCode::CREATED, body))
}

pub fn no_content() -> Result<Response<Body>, ApiError> {
    Ok(Response::builder()
        .status(StatusCode::NO_CONTENT)
        .body(Body::Empty)
        .expect("static response parts are valid"))
}

/// Maps a handler's result to the response: the one place errors become HTTP.
pub fn respond(result: Result<Response<Body>, ApiError>) -> Response<Body> {
    result.unwrap_or_else(ApiError::into_response)
}

/// The largest JSON request body accepted: 6,000,000 bytes, under the 6 MB a Lambda request
/// can carry, so the limit is the same locally and in AWS. A MyStudentData.txt file sent as
/// base64 and a batch of 99 loans are far smaller; a document sent inside a BorrowerPayload
/// can be about 4.4 MB (base64 grows it by a third), and the raw upload route takes the
/// document itself.
pub const MAX_JSON_BODY_BYTES: usize = 6_000_000;

/// Whether a `Content-Type` is JSON: `application/json` or `application/<x>+json`, with any
/// parameters (`; charset=utf-8`).
pub fn is_json_media_type(value: &str) -> bool {
    let media = value
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    media == "application/json" || (media.starts_with("application/") && media.ends_with("+json"))
}

/// The request body parsed as a JSON object. A body sent with another `Content-Type` is a 415
/// (no `Content-Type` at all is read as JSON), one over [`MAX_JSON_BODY_BYTES`] a 413, and an
/// empty, non-JSON or non-object body a 400.
pub fn json_object(req: &Request) -> Result<Map<String, Value>, ApiError> {
    let bytes: &[u8] = match req.body() {
        Body::Empty => &[],
        Body::Text(t) => t.as_bytes(),
        Body::Binary(b) => b,
        _ => &[],
    };
    if let Some(ct) = req.headers().get(CONTENT_TYPE) {
        let ct = ct.to_str().unwrap_or("");
        if !bytes.is_empty() && !is_json_media_type(ct) {
            return Err(ApiError::UnsupportedMediaType(format!(
                "This route takes a JSON body: send Content-Type: application/json (got {:?}).",
                ct.chars().take(100).collect::<String>()
            )));
        }
    }
    if bytes.len() > MAX_JSON_BODY_BYTES {
        return Err(ApiError::TooLarge(format!(
            "The request body is {} bytes; JSON bodies are limited to {MAX_JSON_BODY_BYTES} bytes (6 MB).",
            bytes.len()
        )));
    }
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::BadRequest(
            "The request body is empty; a JSON object was expected.".into(),
        ));
    }
    match serde_json::from_slice::<Value>(bytes) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(ApiError::BadRequest(
            "The request body must be a JSON object.".into(),
        )),
        Err(e) => Err(ApiError::BadRequest(format!(
            "The request body is not valid JSON: {e}."
        ))),
    }
}

/// The object under `key` in the body's envelope, e.g. `{"borrower": {...}}`, and a warning
/// for each other key beside it (ignored, and said so, like an unknown field inside it).
pub fn envelope(req: &Request, key: &str) -> Result<(Map<String, Value>, Vec<String>), ApiError> {
    let mut body = json_object(req)?;
    let inner = match body.remove(key) {
        Some(Value::Object(map)) => map,
        Some(_) => return Err(ApiError::field(key, "must be a JSON object")),
        None => {
            return Err(ApiError::field(
                key,
                format!("is required: wrap the payload as {{\"{key}\": {{...}}}}"),
            ))
        }
    };
    let beside = body
        .keys()
        .map(|k| {
            format!(
                "Unknown field {} beside {key} was ignored: only {key} is read.",
                k.chars().take(100).collect::<String>()
            )
        })
        .collect();
    Ok((inner, beside))
}

/// A path parameter such as `{id}`.
/// A 422 naming the first key of a JSON body that is not one of `allowed` (the body
/// counterpart of [`query_only`]).
pub fn body_only(body: &Map<String, Value>, allowed: &[&str]) -> Result<(), ApiError> {
    match body.keys().find(|k| !allowed.contains(&k.as_str())) {
        Some(k) => Err(ApiError::field(
            k.clone(),
            format!("is not a field of this request ({})", allowed.join(", ")),
        )),
        None => Ok(()),
    }
}

pub fn path_param(req: &Request, name: &str) -> Result<String, ApiError> {
    req.path_parameters()
        .first(name)
        .map(str::to_string)
        .ok_or_else(|| ApiError::BadRequest(format!("The path parameter `{name}` is missing.")))
}

/// The query parameters, refusing any not in `allowed` with a 422 that names each one (a
/// misspelt `limt=` must not be ignored in silence).
pub fn query_only(req: &Request, allowed: &[&str]) -> Result<HashMap<String, String>, ApiError> {
    let q = single_query_params(req)?;
    let mut unknown: Vec<&String> = q
        .keys()
        .filter(|k| !allowed.contains(&k.as_str()))
        .collect();
    unknown.sort();
    let problem = if allowed.is_empty() {
        "is not a parameter of this route (it takes none)".to_string()
    } else {
        format!(
            "is not a parameter of this route (use {})",
            allowed.join(", ")
        )
    };
    ApiError::fields(
        unknown
            .into_iter()
            .map(|k| (k.chars().take(100).collect(), problem.clone()))
            .collect(),
    )?;
    Ok(q)
}

/// The headers every response carries: personal data is never cached (`Cache-Control:
/// no-store`, unless the handler chose its own, as the Nexus loader does), a body is never
/// sniffed into another type (`X-Content-Type-Options: nosniff`), and `X-Request-Id` names the
/// request in the logs.
/// Any body: the local servers (`loanpath serve`, `loanpath front`) finish their own responses
/// with it too.
pub fn finish<B>(
    mut resp: lambda_http::http::Response<B>,
    request_id: &str,
) -> lambda_http::http::Response<B> {
    use lambda_http::http::header::{HeaderValue, CACHE_CONTROL, X_CONTENT_TYPE_OPTIONS};
    let h = resp.headers_mut();
    if !h.contains_key(CACHE_CONTROL) {
        h.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    h.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    if let Ok(v) = HeaderValue::from_str(request_id) {
        h.insert("x-request-id", v);
    }
    resp
}

/// The names given more than once in a raw query string (`a=1&b=2&a=3` → `a`), decoded as
/// API Gateway decodes them (`%20` and `+` are spaces).
fn repeated_in_raw(raw: &str) -> Vec<String> {
    let mut names: Vec<String> = raw
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let name = pair
                .split_once('=')
                .map_or(pair, |(k, _)| k)
                .replace('+', " ");
            percent_encoding::percent_decode_str(&name)
                .decode_utf8_lossy()
                .into_owned()
        })
        .collect();
    names.sort();
    let mut out: Vec<String> = names
        .windows(2)
        .filter(|w| w[0] == w[1])
        .map(|w| w[0].clone())
        .collect();
    out.dedup();
    out
}

/// The query parameters, each given once: a parameter repeated (`type=a&type=b`, as some
/// clients write lists) is a 422 that names it, never a silent choice of one value.
pub fn single_query_params(req: &Request) -> Result<HashMap<String, String>, ApiError> {
    let qs = req.query_string_parameters();
    let mut repeated: Vec<String> = qs
        .iter()
        .map(|(k, _)| k.to_string())
        .filter(|k| qs.all(k).is_some_and(|v| v.len() > 1))
        // A map that joined a repeated parameter's values with commas (`q=a&q=b` as
        // `q: "a,b"`, as API Gateway's `queryStringParameters` and the local gateway do) hides
        // the repeat; the raw query string still shows it. (lambda_http itself reads an HTTP
        // API event's `rawQueryString` into a multi-value map.)
        .chain(repeated_in_raw(req.uri().query().unwrap_or_default()))
        .map(|k| k.chars().take(100).collect())
        .collect();
    repeated.sort();
    repeated.dedup();
    ApiError::fields(
        repeated
            .into_iter()
            .map(|k| {
                (
                    k,
                    "is given more than once: give it once (a list is comma-separated where a \
                     parameter takes one)"
                        .to_string(),
                )
            })
            .collect(),
    )?;
    Ok(query_params(req))
}

pub fn query_params(req: &Request) -> HashMap<String, String> {
    req.query_string_parameters()
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// Decodes an uploaded file sent as base64 text (a MyStudentData.txt import, an income
/// certification). Tolerated, because browsers and HTTP clients produce them: whitespace and
/// line breaks (MIME wrapping), a `data:...;base64,` prefix (`FileReader.readAsDataURL`),
/// missing `=` padding and the URL-safe alphabet.
pub fn decode_base64_upload(text: &str) -> Option<Vec<u8>> {
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
    use base64::Engine;
    let trimmed = text.trim();
    let payload = match trimmed.split_once(',') {
        Some((head, rest))
            if head
                .get(..5)
                .is_some_and(|p| p.eq_ignore_ascii_case("data:"))
                && head.to_ascii_lowercase().ends_with(";base64") =>
        {
            rest
        }
        _ => trimmed,
    };
    let compact: String = payload.chars().filter(|c| !c.is_whitespace()).collect();
    [&STANDARD, &STANDARD_NO_PAD, &URL_SAFE, &URL_SAFE_NO_PAD]
        .into_iter()
        .find_map(|engine| engine.decode(&compact).ok())
}

#[cfg(test)]
mod tests {
    use super::decode_base64_upload;

    #[test]
    fn a_body_that_does_not_serialise_is_a_500_not_an_empty_success() {
        struct Bad;
        impl serde::Serialize for Bad {
            fn serialize<S: serde::Serializer>(&self, _: S) -> Result<S::Ok, S::Error> {
                Err(serde::ser::Error::custom("no"))
            }
        }
        let r = super::json_response(lambda_http::http::StatusCode::OK, &Bad);
        assert_eq!(r.status(), 500);
        match r.body() {
            lambda_http::Body::Text(t) => assert!(t.contains("\"error\"")),
            _ => panic!("a text body"),
        }
    }

    #[test]
    fn uploads_decode_in_every_form_clients_send() {
        for text in [
            "aGVsbG8=",
            "aGVs\nbG8=",
            "aGVsbG8",
            "data:text/plain;base64,aGVsbG8=",
            "DATA:application/pdf;BASE64,aGVsbG8=",
        ] {
            assert_eq!(
                decode_base64_upload(text).as_deref(),
                Some(&b"hello"[..]),
                "{text}"
            );
        }
        assert_eq!(decode_base64_upload("_-8"), Some(vec![0xff, 0xef]));
        assert_eq!(decode_base64_upload("%%%"), None);
        // A multi-byte character where the "data:" prefix would end is no panic.
        assert_eq!(decode_base64_upload("dat\u{e9},aGVsbG8="), None);
    }
}
