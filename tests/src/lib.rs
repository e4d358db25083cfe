//! Test harness: a fresh DynamoDB emulator per test, the table created from
//! `shared::table`, the sandbox tenant and a second tenant seeded, and helpers to call the
//! real handlers with API Gateway-shaped requests.

pub mod contract;
pub mod iam;

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
    // A local stack: sandbox webhooks may reach receivers on 127.0.0.1.
    std::env::set_var("LOANPATH_LOCAL_STACK", "1");
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
    let ctx = AppContext::new(client(&endpoint), "loanpath-test", test_cipher())
        .with_documents(document_store().await);
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
    aws_sdk_dynamodb::Client::from_conf(client_config(endpoint).build())
}

/// The configuration of [`client`], for a test that adds to it (an interceptor, no retries).
pub fn client_config(endpoint: &str) -> aws_sdk_dynamodb::config::Builder {
    aws_sdk_dynamodb::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .http_client(shared::aws::http::client())
        .endpoint_url(endpoint)
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("test", "test", None, None, "test"))
        .interceptor(iam::Recorder {
            service: "dynamodb",
        })
}

/// template.yaml, parsed once (CloudFormation tags parse as tagged values).
pub fn template() -> &'static serde_yaml::Value {
    static TEMPLATE: std::sync::LazyLock<serde_yaml::Value> = std::sync::LazyLock::new(|| {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../template.yaml");
        serde_yaml::from_str(&std::fs::read_to_string(path).expect("template.yaml"))
            .expect("template.yaml is YAML")
    });
    &TEMPLATE
}

/// The DynamoDB operation of a request an interceptor sees (`GetItem`, `Query`, ...): the
/// `x-amz-target` header's last part.
pub fn dynamodb_operation(
    ctx: &aws_sdk_dynamodb::config::interceptors::BeforeTransmitInterceptorContextRef<'_>,
) -> Option<String> {
    ctx.request()
        .headers()
        .get("x-amz-target")
        .map(|t| t.rsplit('.').next().unwrap_or(t).to_string())
}

/// A stored borrower profile read straight from the table, with no tenant (tests only: the
/// store's own unscoped reads are not public).
pub async fn raw_borrower(ctx: &AppContext, uuid: &uuid::Uuid) -> Option<shared::model::Borrower> {
    let item = ctx
        .store
        .get(&format!("BORROWER#{uuid}"), "PROFILE")
        .await
        .expect("GetItem")?;
    Some(shared::store::borrowers::from_item(item).expect("a borrower item"))
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
    raw_query: Option<String>,
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
        raw_query: None,
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
    /// A raw query string (not encoded here), as the local gateway hands it on: the URI keeps
    /// it, and a repeated parameter's values are joined with commas into one (`q=a&q=b` as
    /// `q: "a,b"`, as API Gateway's `queryStringParameters` field does; lambda_http reads an
    /// HTTP API event's `rawQueryString` instead, which the multi-value `query` form covers).
    pub fn raw_query(mut self, raw: &str) -> Self {
        for pair in raw.split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            self.query
                .entry(k.to_string())
                .and_modify(|old| *old = format!("{old},{v}"))
                .or_insert_with(|| v.to_string());
        }
        self.raw_query = Some(raw.to_string());
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
            .uri(match &self.raw_query {
                Some(q) => format!("https://api.test{}?{q}", self.path),
                None => format!("https://api.test{}", self.path),
            });
        if !self
            .headers
            .iter()
            .any(|(k, _)| k.eq_ignore_ascii_case("content-type"))
        {
            b = b.header("content-type", "application/json");
        }
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
    send_request(ctx, handler, c.request()).await
}

/// Runs a handler on a request built elsewhere (an API Gateway sample event, a multipart
/// upload, a request with hand-set headers) and checks it against the contract, as `send`
/// does.
pub async fn send_request<'a, F, Fut>(ctx: &'a AppContext, handler: F, req: Request) -> (u16, Value)
where
    F: Fn(&'a AppContext, Request) -> Fut,
    Fut: Future<Output = Response<Body>>,
{
    let method = req.method().to_string();
    let sent = match req.body() {
        Body::Text(t) => Some(t.clone()),
        Body::Binary(b) => String::from_utf8(b.clone()).ok(),
        _ => None,
    };
    let (resp, calls) = iam::record(handler(ctx, req)).await;
    let name = std::any::type_name::<F>();
    if let Some((function, path)) = contract::served_by(name, &method) {
        iam::check(function, &format!("{method} {path}"), &calls);
    }
    let content_type = resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let (status, body) = split(resp);
    contract::check_content_type(name, &method, status, content_type.as_deref());
    contract::check(name, &method, status, &body);
    contract::check_request(name, &method, status, sent.as_deref());
    (status, body)
}

/// The status and JSON body of a response, unchecked: for a response whose headers a test
/// reads first. Prefer `send` or `send_request`, which check the body against the contract.
pub fn split(resp: Response<Body>) -> (u16, Value) {
    let status = resp.status().as_u16();
    let body = match resp.body() {
        Body::Text(t) => serde_json::from_str(t).unwrap_or(Value::String(t.clone())),
        Body::Binary(b) => serde_json::from_slice(b).unwrap_or(Value::Null),
        _ => Value::Null,
    };
    (status, body)
}

/// The SQS-compatible emulator the webhook tests use: `LOANPATH_TEST_SQS` (scripts/test starts
/// one moto server for the run), else a moto server started for this test process, which
/// stops when the process ends.
pub fn sqs_endpoint() -> String {
    static ENDPOINT: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    ENDPOINT
        .get_or_init(|| {
            if let Ok(e) = std::env::var("LOANPATH_TEST_SQS") {
                return e;
            }
            // A port below the kernel's ephemeral range (32768 and up), so that no emulator
            // of another test, bound to port 0, can take it between this check and moto's
            // own bind.
            let seed = u16::from(uuid::Uuid::new_v4().as_bytes()[0]) * 37;
            let port = (0..2000u16)
                .map(|i| 20_000 + (seed + i * 7) % 10_000)
                .find(|p| std::net::TcpListener::bind(("127.0.0.1", *p)).is_ok())
                .expect("a free port");
            let moto = format!("{}/../.venv/bin/moto_server", env!("CARGO_MANIFEST_DIR"));
            let me = std::process::id();
            // A watchdog shell stops moto when this test process is gone (so it is never
            // waited on here).
            #[allow(clippy::zombie_processes)]
            let _watchdog = std::process::Command::new("bash")
                .arg("-c")
                .arg(format!(
                    "\"{moto}\" -H 127.0.0.1 -p {port} >/dev/null 2>&1 & m=$!; \
                     while kill -0 {me} 2>/dev/null; do sleep 0.5; done; kill $m"
                ))
                .spawn()
                .expect("start moto_server (pip install 'moto[server]' into .venv)");
            let endpoint = format!("http://127.0.0.1:{port}");
            for _ in 0..200 {
                if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                    break;
                }
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
            endpoint
        })
        .clone()
}

pub fn sqs_client() -> aws_sdk_sqs::Client {
    let conf = aws_sdk_sqs::Config::builder()
        .behavior_version(aws_sdk_sqs::config::BehaviorVersion::latest())
        .http_client(shared::aws::http::client())
        .endpoint_url(sqs_endpoint())
        .region(aws_sdk_sqs::config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_sqs::config::Credentials::new(
            "test", "test", None, None, "test",
        ))
        .interceptor(iam::Recorder { service: "sqs" })
        .build();
    aws_sdk_sqs::Client::from_conf(conf)
}

/// [`app`] with its own delivery queue on the SQS emulator.
pub async fn app_with_queue() -> TestApp {
    let mut t = app().await;
    let client = sqs_client();
    let name = format!("lp-test-{}", uuid::Uuid::new_v4().simple());
    let url = client
        .create_queue()
        .queue_name(name)
        .send()
        .await
        .expect("create queue")
        .queue_url
        .expect("queue url");
    t.ctx = t
        .ctx
        .clone()
        .with_queue(shared::webhooks::queue::Queue::new(client, url));
    t
}

/// A webhook receiver on 127.0.0.1: records every request, answers each with the next status
/// of `statuses` (then 200).
pub struct Receiver {
    pub url: String,
    pub got: std::sync::Arc<std::sync::Mutex<Vec<Received>>>,
    /// Milliseconds each answer waits (a slow receiver), changeable while it runs.
    pub delay_ms: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

#[derive(Debug, Clone)]
pub struct Received {
    pub headers: lambda_http::http::HeaderMap,
    pub body: String,
    pub status: u16,
}

pub async fn receiver(statuses: Vec<u16>) -> Receiver {
    use std::sync::{Arc, Mutex};
    let got: Arc<Mutex<Vec<Received>>> = Arc::new(Mutex::new(Vec::new()));
    let plan = Arc::new(Mutex::new(std::collections::VecDeque::from(statuses)));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let delay_ms = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let (g, p, d) = (got.clone(), plan.clone(), delay_ms.clone());
    let app = axum::Router::new().fallback(move |req: axum::extract::Request| {
        let (g, p, d) = (g.clone(), p.clone(), d.clone());
        async move {
            let (parts, body) = req.into_parts();
            let bytes = axum::body::to_bytes(body, 1 << 20)
                .await
                .unwrap_or_default();
            let status = p.lock().unwrap().pop_front().unwrap_or(200);
            g.lock().unwrap().push(Received {
                headers: parts.headers,
                body: String::from_utf8_lossy(&bytes).into_owned(),
                status,
            });
            let wait = d.load(std::sync::atomic::Ordering::Relaxed);
            if wait > 0 {
                tokio::time::sleep(std::time::Duration::from_millis(wait)).await;
            }
            axum::http::StatusCode::from_u16(status).unwrap()
        }
    });
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Receiver {
        url: format!("http://127.0.0.1:{}/hooks", addr.port()),
        got,
        delay_ms,
    }
}

/// Runs the worker (the real handler through the SQS emulator) until the queue stays empty
/// for one poll.
pub async fn drain(ctx: &AppContext) -> usize {
    let mut total = 0;
    loop {
        // The receive and delete are the event source mapping's (not the function's); the
        // delivery is the function's, checked against its policy.
        let Some(q) = ctx.queue() else {
            return total;
        };
        let n = shared::webhooks::local::poll_queue(q, 0, 30, |event| {
            iam::as_function(
                "webhooks-deliver",
                shared::api::webhooks::deliver(ctx, event),
            )
        })
        .await
        .expect("poll");
        if n == 0 {
            return total;
        }
        total += n;
    }
}

/// A fresh bucket on the S3-compatible emulator (the same moto server as SQS).
pub async fn document_store() -> shared::documents::DocumentStore {
    let conf = aws_sdk_s3::Config::builder()
        .behavior_version(aws_sdk_s3::config::BehaviorVersion::latest())
        .http_client(shared::aws::http::client())
        .endpoint_url(sqs_endpoint())
        .force_path_style(true)
        .region(aws_sdk_s3::config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_s3::config::Credentials::new(
            "test", "test", None, None, "test",
        ))
        .interceptor(iam::Recorder { service: "s3" })
        .build();
    let client = aws_sdk_s3::Client::from_conf(conf);
    let bucket = format!("lp-docs-{}", uuid::Uuid::new_v4().simple());
    client
        .create_bucket()
        .bucket(&bucket)
        .send()
        .await
        .expect("create bucket on the S3 emulator");
    shared::documents::DocumentStore::new(client, bucket)
}
