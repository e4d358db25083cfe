//! `loanpath bench-requests [--iterations N] [--emulator thread|shared]`: the request-path
//! benchmark (docs/benchmarks.md).
//!
//! It times the real handlers for GET borrower, GET portfolio and GET repayment_options
//! against an embedded dynoxide over HTTP (on the same runtime, or on its own thread and
//! runtime with `--emulator thread`), through the real SDK, and, inside each of those
//! requests, the time spent in the DynamoDB calls the handler makes (an SDK interceptor marks
//! when each call starts and ends; overlapping calls count once). The handler's own overhead is
//! the rest: parsing, authentication from the warm key cache, decoding items, the engine,
//! serialising the response. It also counts the DynamoDB requests per call.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use lambda_http::{Body, Request, RequestExt, Response};
use serde_json::{json, Value};

use crate::sync::{percentile, Counter, Counting};

/// Wall-clock time during which at least one DynamoDB call is in flight.
#[derive(Debug, Default)]
struct Busy {
    active: AtomicUsize,
    since: Mutex<Option<Instant>>,
    total_ns: AtomicU64,
}

#[derive(Debug, Clone)]
struct Timing(Arc<Busy>);

impl Timing {
    fn take_ns(&self) -> u64 {
        self.0.total_ns.swap(0, Ordering::SeqCst)
    }
}

impl aws_sdk_dynamodb::config::Intercept for Timing {
    fn name(&self) -> &'static str {
        "bench-request-timing"
    }
    fn read_before_execution(
        &self,
        _context: &aws_sdk_dynamodb::config::interceptors::BeforeSerializationInterceptorContextRef<
            '_,
        >,
        _cfg: &mut aws_sdk_dynamodb::config::ConfigBag,
    ) -> Result<(), aws_sdk_dynamodb::error::BoxError> {
        if self.0.active.fetch_add(1, Ordering::SeqCst) == 0 {
            *self.0.since.lock().unwrap() = Some(Instant::now());
        }
        Ok(())
    }
    fn read_after_execution(
        &self,
        _context: &aws_sdk_dynamodb::config::interceptors::FinalizerInterceptorContextRef<'_>,
        _rc: &aws_sdk_dynamodb::config::RuntimeComponents,
        _cfg: &mut aws_sdk_dynamodb::config::ConfigBag,
    ) -> Result<(), aws_sdk_dynamodb::error::BoxError> {
        if self.0.active.fetch_sub(1, Ordering::SeqCst) == 1 {
            if let Some(t) = self.0.since.lock().unwrap().take() {
                self.0
                    .total_ns
                    .fetch_add(t.elapsed().as_nanos() as u64, Ordering::SeqCst);
            }
        }
        Ok(())
    }
}

fn request(
    method: &str,
    path: &str,
    key: &str,
    params: &[(&str, String)],
    body: Option<Value>,
) -> Request {
    let req = lambda_http::http::Request::builder()
        .method(method)
        .uri(format!("https://bench.local{path}"))
        .header("authorization", format!("Bearer {key}"))
        .header("content-type", "application/json")
        .body(body.map_or(Body::Empty, |b| Body::Text(b.to_string())))
        .expect("request parts are valid");
    let params: std::collections::HashMap<String, String> = params
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect();
    req.with_path_parameters(params)
}

fn json_body(resp: &Response<Body>) -> Value {
    match resp.body() {
        Body::Text(t) => serde_json::from_str(t).unwrap_or(Value::Null),
        _ => Value::Null,
    }
}

struct Case {
    name: &'static str,
    total_us: Vec<u64>,
    dynamo_us: Vec<u64>,
    overhead_us: Vec<u64>,
    requests: BTreeMap<String, usize>,
    bytes: usize,
}

pub async fn bench(args: &[String]) -> Result<(), String> {
    let iterations: usize = crate::flag_value(args, "--iterations")
        .map_or(Ok(500), |v| v.parse())
        .map_err(|_| "--iterations N")?;
    // `--emulator shared` (the default): dynoxide on the handler's own runtime (2 workers
    // here), as every recorded run measured it. `--emulator thread`: on its own OS thread and
    // runtime, apart from the handler's; it measured the handler slower, not faster (the
    // wake-ups across threads), so the shared runtime is not what inflates the handler's time
    // (docs/benchmarks.md).
    let emulator = crate::flag(args, "--emulator", "shared");
    let endpoint = match emulator.as_str() {
        "thread" => crate::embedded::spawn_dynoxide_thread()?,
        "shared" => crate::embedded::spawn_dynoxide(None).await?,
        other => return Err(format!("--emulator thread|shared, not {other}")),
    };
    let counter = Counting(Arc::new(Counter::default()));
    let timing = Timing(Arc::new(Busy::default()));
    let conf = crate::embedded::dynamo_config(&endpoint)
        .interceptor(counter.clone())
        .interceptor(timing.clone())
        .build();
    let (ctx, key) = crate::embedded::sandbox_app(conf).await?;

    // The engine bench's comparison borrower, through the API: 12 Direct loans.
    let created = shared::api::borrowers::create(
        ctx,
        request(
            "POST",
            "/api/v1/borrowers",
            &key,
            &[],
            Some(
                json!({"borrower": {"first_name": "Bench", "last_name": "Borrower",
                "agi": 65000, "filing_status": "single", "family_size": 1,
                "state_of_residence": "NY", "income_growth": 3}}),
            ),
        ),
    )
    .await;
    let b = json_body(&created);
    let id = b["id"].to_string();
    let uuid = b["uuid"].as_str().ok_or("no uuid")?.to_string();
    let loans: Vec<Value> = (0..12)
        .map(|i| {
            json!({
                "loan_type": if i % 3 == 0 { "D1" } else { "D2" },
                "interest_rate": format!("{:.2}", 3.5 + 0.3 * i as f64),
                "original_principal": 5000 + 2500 * i,
                "outstanding_principal": 5000 + 2500 * i,
                "outstanding_interest": 0,
                "origination_date": format!("{}-09-01", 2012 + i % 8),
                "servicer_name": "Nelnet",
            })
        })
        .collect();
    let added = shared::api::loans::create(
        ctx,
        request(
            "POST",
            "/",
            &key,
            &[("id", id.clone())],
            Some(json!({ "loans": loans })),
        ),
    )
    .await;
    if added.status() != 201 {
        return Err(format!("loans: {} {}", added.status(), json_body(&added)));
    }

    let mut cases = Vec::new();
    for name in ["GET borrower", "GET portfolio", "GET repayment_options"] {
        let mut case = Case {
            name,
            total_us: Vec::new(),
            dynamo_us: Vec::new(),
            overhead_us: Vec::new(),
            requests: BTreeMap::new(),
            bytes: 0,
        };
        for i in 0..iterations + 20 {
            let t = Instant::now();
            let resp = match name {
                "GET borrower" => {
                    shared::api::borrowers::get(
                        ctx,
                        request("GET", "/", &key, &[("id", id.clone())], None),
                    )
                    .await
                }
                "GET portfolio" => {
                    shared::api::loans::portfolio(
                        ctx,
                        request("GET", "/", &key, &[("id", uuid.clone())], None),
                    )
                    .await
                }
                _ => {
                    shared::api::assessments::repayment_options(
                        ctx,
                        request("GET", "/", &key, &[("id", id.clone())], None),
                    )
                    .await
                }
            };
            let total = t.elapsed().as_micros() as u64;
            let dynamo = timing.take_ns() / 1000;
            let requests = counter.take();
            if resp.status() != 200 {
                return Err(format!("{name}: {} {}", resp.status(), json_body(&resp)));
            }
            if i < 20 {
                continue; // warm-up: the key cache, the connection pool
            }
            if let Body::Text(t) = resp.body() {
                case.bytes = t.len();
            }
            case.total_us.push(total);
            case.dynamo_us.push(dynamo);
            case.overhead_us.push(total.saturating_sub(dynamo));
            for (op, n) in requests {
                *case.requests.entry(op).or_default() += n;
            }
        }
        cases.push(case);
    }
    let mut out = Vec::new();
    for c in &mut cases {
        let n = c.total_us.len().max(1);
        for v in [&mut c.total_us, &mut c.dynamo_us, &mut c.overhead_us] {
            v.sort_unstable();
        }
        let (t, d, o) = (
            percentile(&c.total_us, 0.5),
            percentile(&c.dynamo_us, 0.5),
            percentile(&c.overhead_us, 0.5),
        );
        out.push(json!({
            "request": c.name,
            "iterations": n,
            "response_bytes": c.bytes,
            "total_p50_us": t,
            "total_p99_us": percentile(&c.total_us, 0.99),
            "dynamodb_p50_us": d,
            "handler_overhead_p50_us": o,
            "overhead_ratio_p50": (o as f64 / t.max(1) as f64 * 1000.0).round() / 1000.0,
            "dynamodb_requests_per_call": c.requests.iter()
                .map(|(op, k)| (op.clone(), json!(*k as f64 / n as f64)))
                .collect::<serde_json::Map<_, _>>(),
        }));
    }
    println!(
        "{}",
        serde_json::to_string_pretty(&json!({ "emulator": emulator, "requests": out }))
            .map_err(|e| e.to_string())?
    );
    Ok(())
}
