//! Test harness: a fresh DynamoDB emulator per test, the table created from
//! `shared::table`, the sandbox tenant and a second tenant seeded, and helpers to call the
//! real handlers with API Gateway-shaped requests.

use std::collections::HashMap;
use std::future::Future;

use aws_sdk_dynamodb::config::{BehaviorVersion, Credentials, Region};
use lambda_http::{http::Method, Body, Request, RequestExt, Response};
use serde_json::Value;
use shared::{crypto::SsnCipher, AppContext};
use tokio::sync::oneshot;

pub const SANDBOX_KEY: &str = "LIVELONGANDPROSPER";
pub const SANDBOX_NEXUS_KEY: &str = "GIVINGHERALLSHESGOT";
pub const OTHER_KEY: &str = "OTHER-TENANT-KEY";
/// The other tenant is a live client: no sandbox servicers, no sandbox routes.
pub const OTHER_NEXUS_KEY: &str = "OTHER-NEXUS";

pub struct TestApp {
    pub ctx: AppContext,
    pub endpoint: String,
    _shutdown: oneshot::Sender<()>,
}

/// Starts dynoxide in memory on 127.0.0.1:0 and returns a context wired to it.
pub async fn app() -> TestApp {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (tx, rx) = oneshot::channel::<()>();
    let db = dynoxide::Database::memory().expect("in-memory dynoxide");
    tokio::spawn(async move {
        let _ = dynoxide::server::serve_with_shutdown(listener, db, async {
            let _ = rx.await;
        })
        .await;
    });
    let endpoint = format!("http://{addr}");
    let ctx = AppContext::new(client(&endpoint), "loanpath-test", test_cipher());
    ctx.store.ensure_table().await.expect("create table");
    ctx.store
        .create_client(
            "Sandbox",
            Some(("sandbox-client", SANDBOX_KEY, SANDBOX_NEXUS_KEY)),
            shared::model::ClientMode::Sandbox,
        )
        .await
        .expect("seed sandbox");
    ctx.store
        .create_client(
            "Other",
            Some(("other-client", OTHER_KEY, OTHER_NEXUS_KEY)),
            shared::model::ClientMode::Live,
        )
        .await
        .expect("seed other tenant");
    TestApp {
        ctx,
        endpoint,
        _shutdown: tx,
    }
}

pub fn client(endpoint: &str) -> aws_sdk_dynamodb::Client {
    let conf = aws_sdk_dynamodb::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .endpoint_url(endpoint)
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("test", "test", None, None, "test"))
        .build();
    aws_sdk_dynamodb::Client::from_conf(conf)
}

pub fn test_cipher() -> SsnCipher {
    SsnCipher::from_key_text(&"42".repeat(32)).expect("key")
}

/// A request as API Gateway (HTTP API) hands it to a function.
pub struct Call {
    method: Method,
    path: String,
    params: HashMap<String, String>,
    query: HashMap<String, String>,
    body: Option<String>,
    auth: Option<String>,
    headers: Vec<(String, String)>,
}

pub fn call(method: &str, path: &str) -> Call {
    Call {
        method: method.parse().expect("method"),
        path: path.to_string(),
        params: HashMap::new(),
        query: HashMap::new(),
        body: None,
        auth: Some(format!("Bearer {SANDBOX_KEY}")),
        headers: Vec::new(),
    }
}

impl Call {
    pub fn id(mut self, id: impl ToString) -> Self {
        self.params.insert("id".into(), id.to_string());
        self
    }
    pub fn param(mut self, k: &str, v: impl ToString) -> Self {
        self.params.insert(k.into(), v.to_string());
        self
    }
    pub fn query(mut self, k: &str, v: impl ToString) -> Self {
        self.query.insert(k.into(), v.to_string());
        self
    }
    pub fn json(mut self, v: Value) -> Self {
        self.body = Some(v.to_string());
        self
    }
    pub fn raw(mut self, body: &str) -> Self {
        self.body = Some(body.to_string());
        self
    }
    pub fn key(mut self, key: &str) -> Self {
        self.auth = Some(format!("Bearer {key}"));
        self
    }
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }
    /// Authenticates with a Nexus session token.
    pub fn session(self, token: &str) -> Self {
        self.auth(Some(&format!("Bearer {token}")))
    }
    pub fn auth(mut self, header: Option<&str>) -> Self {
        self.auth = header.map(str::to_string);
        self
    }
    pub fn request(self) -> Request {
        let mut b = lambda_http::http::Request::builder()
            .method(self.method)
            .uri(format!("https://api.test{}", self.path))
            .header("content-type", "application/json");
        if let Some(a) = &self.auth {
            b = b.header("authorization", a);
        }
        for (k, v) in &self.headers {
            b = b.header(k.as_str(), v.as_str());
        }
        let body = self.body.map(Body::Text).unwrap_or(Body::Empty);
        b.body(body)
            .expect("request")
            .with_path_parameters(self.params)
            .with_query_string_parameters(self.query)
    }
}

/// Runs a handler and returns (status, parsed JSON body or Null).
pub async fn send<'a, F, Fut>(ctx: &'a AppContext, handler: F, c: Call) -> (u16, Value)
where
    F: Fn(&'a AppContext, Request) -> Fut,
    Fut: Future<Output = Response<Body>>,
{
    split(handler(ctx, c.request()).await)
}

pub fn split(resp: Response<Body>) -> (u16, Value) {
    let status = resp.status().as_u16();
    let body = match resp.body() {
        Body::Text(t) => serde_json::from_str(t).unwrap_or(Value::String(t.clone())),
        Body::Binary(b) => serde_json::from_slice(b).unwrap_or(Value::Null),
        _ => Value::Null,
    };
    (status, body)
}
