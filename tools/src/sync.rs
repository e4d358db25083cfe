//! `loanpath sync-now`, `set-sync-interval` and `bench-sync`: the scheduled sync by hand, its
//! per-client setting, and its benchmark (docs/benchmarks.md, docs/sync.md).

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::json;
use shared::model::{payload::BorrowerRef, ClientMode, Tenant};
use shared::nexus::connector::{self, Connector, LoginOutcome};
use shared::sync::{LinkReport, SyncOptions};
use shared::webhooks::queue::Queue;
use shared::AppContext;

use crate::worker;

/// The SQS emulator's endpoint, when the tool runs against the local stack.
fn local_sqs() -> Option<String> {
    std::env::var("AWS_ENDPOINT_URL_SQS")
        .ok()
        .filter(|e| !e.is_empty())
}

/// The context from the environment, with the local sync and webhook queues found or created
/// when only the emulator's endpoint (`AWS_ENDPOINT_URL_SQS`) is known.
async fn context() -> Result<AppContext, String> {
    let mut ctx = AppContext::from_default_chain()
        .await
        .map_err(|e| e.to_string())?;
    if let Some(ep) = local_sqs() {
        let client = worker::sqs_client(&ep);
        if ctx.sync_queue().is_none() {
            let url = worker::ensure_sync_queue(&client).await?;
            ctx = ctx.with_sync_queue(Queue::new(client.clone(), url));
        }
        if ctx.queue().is_none() {
            let url = worker::ensure_queue(&client, worker::QUEUE_NAME).await?;
            ctx = ctx.with_queue(Queue::new(client, url));
        }
    }
    if ctx.sync_queue().is_none() {
        return Err(
            "SYNC_QUEUE_URL (or AWS_ENDPOINT_URL_SQS for the local stack) is not set".into(),
        );
    }
    Ok(ctx)
}

/// A borrower's uuid from a uuid or an integer id (operator tool: any client's).
async fn borrower_uuid(ctx: &AppContext, raw: &str) -> Result<uuid::Uuid, String> {
    match BorrowerRef::parse(raw) {
        Some(BorrowerRef::Uuid(u)) => Ok(u),
        Some(BorrowerRef::Id(id)) => ctx
            .store
            .get(
                &shared::store::keys::borrower_id(id),
                shared::store::keys::LOOKUP_SK,
            )
            .await
            .map_err(|e| e.to_string())?
            .and_then(|i| i.get("uuid").and_then(|v| v.as_s().ok()).cloned())
            .and_then(|u| uuid::Uuid::parse_str(&u).ok())
            .ok_or_else(|| format!("no borrower {id}")),
        None => Err(format!("{raw} is not a borrower id or uuid")),
    }
}

async fn links(
    ctx: &AppContext,
    uuid: &uuid::Uuid,
) -> Result<Vec<shared::nexus::ServicerLink>, String> {
    let items = ctx
        .store
        .collection(&shared::store::keys::borrower(uuid))
        .await
        .map_err(|e| e.to_string())?;
    Ok(items
        .into_iter()
        .filter(|i| {
            i.get("entity")
                .and_then(|v| v.as_s().ok())
                .map(String::as_str)
                == Some(shared::store::nexus::LINK_ENTITY)
        })
        .filter_map(|i| shared::store::nexus::link_from_item(i).ok())
        .collect())
}

/// Drains the sync queue through the worker's handler; returns what each link's sync did.
async fn drain(ctx: &AppContext, opts: &SyncOptions) -> Result<Vec<LinkReport>, String> {
    let q = ctx.sync_queue().ok_or("no sync queue")?;
    let collected = Mutex::new(Vec::new());
    loop {
        let n = shared::webhooks::local::poll_queue(q, 1, 60, |event| async {
            let (resp, reports) = shared::api::sync::work_with(ctx, event, opts).await;
            collected.lock().unwrap().extend(reports);
            resp
        })
        .await
        .map_err(|e| e.to_string())?;
        if n == 0 {
            return Ok(collected.into_inner().unwrap());
        }
    }
}

/// `loanpath sync-now [--borrower ID]`.
pub async fn sync_now(rest: &[&str]) -> Result<(), String> {
    let ctx = context().await?;
    let borrower = match rest {
        [] => None,
        ["--borrower", id] => Some(borrower_uuid(&ctx, id).await?),
        _ => return Err("usage: sync-now [--borrower ID]".into()),
    };
    if let Some(u) = &borrower {
        let n = shared::sync::make_due(&ctx, u)
            .await
            .map_err(|e| e.to_string())?;
        println!("borrower {u}: {n} linked account(s) due now");
    }
    let plan = shared::sync::local::plan_once(&ctx, 50)
        .await
        .map_err(|e| e.to_string())?;
    println!(
        "planner: {} due, {} sent to the queue, {} already claimed{}",
        plan.due,
        plan.sent,
        plan.skipped,
        if plan.complete {
            ""
        } else {
            " (the rest waits for the next run)"
        }
    );
    if local_sqs().is_none() {
        // In AWS the worker function takes the messages; this tool only plans.
        println!("worker: the portfolio-sync-worker function takes the messages in AWS");
        return Ok(());
    }
    let reports = drain(&ctx, &SyncOptions::default()).await?;
    for r in &reports {
        match (r.skipped, r.outcome) {
            (Some(why), _) => println!("  {} {}: skipped ({why})", r.borrower_uuid, r.servicer),
            (None, Some(o)) => println!(
                "  {} {}: {} ({} created, {} updated, {} closed, {} unchanged){}",
                r.borrower_uuid,
                r.servicer,
                serde_json::to_value(o)
                    .unwrap_or_default()
                    .as_str()
                    .unwrap_or(""),
                r.created,
                r.updated,
                r.closed,
                r.unchanged,
                if r.events.is_empty() {
                    String::new()
                } else {
                    format!("; webhooks: {}", r.events.join(", "))
                }
            ),
            _ => {}
        }
    }
    let others = plan.sent.saturating_sub(reports.len());
    if others > 0 {
        println!(
            "worker: {} link(s) synced here; {others} taken by the running worker (scripts/dev)",
            reports.len()
        );
    } else {
        println!("worker: {} link(s) synced here", reports.len());
    }
    if let Some(u) = &borrower {
        // A running `scripts/dev` worker may have taken some messages: wait for the claims to
        // clear, then show the links as stored.
        let until = Instant::now() + Duration::from_secs(30);
        let mut now = links(&ctx, u).await?;
        while now.iter().any(|l| l.sync_claim.is_some()) && Instant::now() < until {
            tokio::time::sleep(Duration::from_millis(300)).await;
            now = links(&ctx, u).await?;
        }
        for l in now {
            println!("  link {}", serde_json::json!(l.view()));
        }
    }
    Ok(())
}

/// `loanpath sync-backfill`: links written before the sync index existed carry no `GSI2` keys
/// and would never sync. Walks every client's borrowers (GSI1, no Scan) and makes each such
/// link due now. Run it once after deploying the sync; running it again changes nothing.
pub async fn backfill() -> Result<(), String> {
    let ctx = AppContext::from_default_chain()
        .await
        .map_err(|e| e.to_string())?;
    let (mut borrowers, mut fixed) = (0usize, 0usize);
    for (client, _) in ctx.store.list_clients().await.map_err(|e| e.to_string())? {
        let tenant = Tenant {
            client_id: client.client_id.clone(),
            mode: ClientMode::Live,
        };
        let mut cursor: Option<String> = None;
        loop {
            let (page, next) = ctx
                .store
                .list_borrowers(
                    &tenant,
                    100,
                    cursor
                        .as_deref()
                        .map(shared::store::borrowers::parse_cursor)
                        .transpose()
                        .map_err(|e| e.to_string())?,
                )
                .await
                .map_err(|e| e.to_string())?;
            for b in &page {
                borrowers += 1;
                let unscheduled = ctx
                    .store
                    .collection(&shared::store::keys::borrower(&b.uuid))
                    .await
                    .map_err(|e| e.to_string())?
                    .into_iter()
                    .any(|i| {
                        i.get("entity")
                            .and_then(|v| v.as_s().ok())
                            .map(String::as_str)
                            == Some(shared::store::nexus::LINK_ENTITY)
                            && !i.contains_key("GSI2PK")
                    });
                if unscheduled {
                    fixed += shared::sync::make_due(&ctx, &b.uuid)
                        .await
                        .map_err(|e| e.to_string())?;
                }
            }
            match next {
                Some(c) => cursor = Some(c),
                None => break,
            }
        }
    }
    println!(
        "{}",
        json!({"borrowers_read": borrowers, "links_scheduled": fixed})
    );
    Ok(())
}

/// `loanpath set-sync-interval CLIENT_ID HOURS`.
pub async fn set_interval(client_id: &str, hours: &str) -> Result<(), String> {
    let (lo, hi) = (
        shared::sync::MIN_INTERVAL_SECONDS / 3600,
        shared::sync::MAX_INTERVAL_SECONDS / 3600,
    );
    let h: i64 = hours
        .parse()
        .ok()
        .filter(|h| (lo..=hi).contains(h))
        .ok_or_else(|| format!("HOURS must be a whole number from {lo} to {hi}"))?;
    let ctx = AppContext::from_default_chain()
        .await
        .map_err(|e| e.to_string())?;
    shared::sync::set_interval(&ctx, client_id, h * 3600)
        .await
        .map_err(|e| e.to_string())?;
    println!(
        "{}",
        json!({"client_id": client_id, "sync_interval_hours": h})
    );
    Ok(())
}

/// Counts DynamoDB requests by operation (the `x-amz-target` header).
#[derive(Debug, Default)]
pub(crate) struct Counter {
    by_op: Mutex<BTreeMap<String, usize>>,
}

#[derive(Debug, Clone)]
pub(crate) struct Counting(pub(crate) Arc<Counter>);

impl Counting {
    pub(crate) fn take(&self) -> BTreeMap<String, usize> {
        std::mem::take(&mut *self.0.by_op.lock().unwrap())
    }
}

macro_rules! counting_interceptor {
    ($sdk:ident) => {
        impl $sdk::config::Intercept for Counting {
            fn name(&self) -> &'static str {
                "bench-request-counter"
            }
            fn read_before_transmit(
                &self,
                context: &$sdk::config::interceptors::BeforeTransmitInterceptorContextRef<'_>,
                _rc: &$sdk::config::RuntimeComponents,
                _cfg: &mut $sdk::config::ConfigBag,
            ) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
                let op = context
                    .request()
                    .headers()
                    .get("x-amz-target")
                    .map(|t| t.rsplit('.').next().unwrap_or(t).to_string())
                    .unwrap_or_else(|| "other".into());
                *self.0.by_op.lock().unwrap().entry(op).or_default() += 1;
                Ok(())
            }
        }
    };
}
counting_interceptor!(aws_sdk_dynamodb);

pub(crate) fn percentile(sorted: &[u64], p: f64) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// `loanpath bench-sync --aws URL [--borrowers N] [--workers W] [--days D] [--queue-depth Q]`:
/// seeds N borrowers
/// each linked to one sandbox servicer account as of D days ago, then times one planner run and
/// W concurrent worker loops (each one Lambda instance: batches of 10, synced concurrently)
/// until every link has synced. Embedded dynoxide for DynamoDB, the emulator at URL for SQS.
pub async fn bench(args: &[String]) -> Result<(), String> {
    let endpoint =
        crate::flag_value(args, "--aws").ok_or("--aws URL (the SQS emulator) is required")?;
    let n: usize = crate::flag_value(args, "--borrowers")
        .map_or(Ok(10_000), |v| v.parse())
        .map_err(|_| "--borrowers N")?;
    let workers: usize = crate::flag_value(args, "--workers")
        .map_or(Ok(4), |v| v.parse())
        .map_err(|_| "--workers W")?;
    let depth: usize = crate::flag_value(args, "--queue-depth")
        .map_or(Ok(40), |v| v.parse())
        .map_err(|_| "--queue-depth N")?;
    let days: i64 = crate::flag_value(args, "--days")
        .map_or(Ok(30), |v| v.parse())
        .map_err(|_| "--days D")?;

    // The table: an in-memory dynoxide in this process, over HTTP like every other client.
    let table = crate::embedded::spawn_dynoxide(None).await?;
    let counter = Counting(Arc::new(Counter::default()));
    let conf = crate::embedded::dynamo_config(&table)
        .interceptor(counter.clone())
        .build();
    let cipher = crate::embedded::fresh_cipher()?;
    let sqs = worker::sqs_client(&endpoint);
    let tag = std::process::id();
    let sync_url = worker::ensure_queue(&sqs, &format!("bench-sync-{tag}")).await?;
    let hooks_url = worker::ensure_queue(&sqs, &format!("bench-hooks-{tag}")).await?;
    let ctx: &'static AppContext = Box::leak(Box::new(
        AppContext::new(
            aws_sdk_dynamodb::Client::from_conf(conf),
            "loanpath",
            cipher,
        )
        .with_sync_queue(Queue::new(sqs.clone(), sync_url.clone()))
        .with_queue(Queue::new(sqs.clone(), hooks_url.clone())),
    ));
    ctx.store.ensure_table().await.map_err(|e| e.to_string())?;
    let client = ctx
        .store
        .create_client("Bench", None, ClientMode::Sandbox)
        .await
        .map_err(|e| e.to_string())?;
    let tenant = Tenant {
        client_id: client.client_id.clone(),
        mode: ClientMode::Sandbox,
    };

    eprintln!("seeding {n} borrowers, each linked to a sandbox servicer as of {days} days ago ...");
    let seeded_at = Instant::now();
    let next = Arc::new(AtomicUsize::new(0));
    let mut seeders = tokio::task::JoinSet::new();
    for _ in 0..32 {
        let (next, tenant) = (next.clone(), tenant.clone());
        seeders.spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= n {
                    return Ok::<usize, String>(i);
                }
                seed_one(ctx, &tenant, i, days).await?;
            }
        });
    }
    while let Some(r) = seeders.join_next().await {
        r.map_err(|e| e.to_string())??;
    }
    let seed_secs = seeded_at.elapsed().as_secs_f64();
    counter.take();

    eprintln!("syncing with one planner run and {workers} workers ...");
    let started = Instant::now();
    let done = Arc::new(AtomicUsize::new(0));
    let latencies = Arc::new(Mutex::new(Vec::with_capacity(n)));
    let outcomes = Arc::new(Mutex::new(BTreeMap::<String, usize>::new()));
    // The planner runs back to back (in AWS: every 5 minutes), each run held to the queue
    // depth the workers can keep up with (back-pressure).
    let planner = tokio::spawn(async move {
        let mut runs = Vec::new();
        loop {
            let opts = shared::sync::PlanOptions {
                max_queue_depth: depth,
                ..shared::sync::PlanOptions::for_seconds(50)
            };
            let q = ctx.sync_queue().unwrap();
            let r = shared::sync::plan(&ctx.store, q, opts).await.map_err(|e| {
                eprintln!("planner: {e}");
                e.to_string()
            })?;
            let (complete, sent) = (r.complete, r.sent);
            runs.push(r);
            if complete {
                return Ok::<_, String>(runs);
            }
            if sent == 0 {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    });
    let mut pool = tokio::task::JoinSet::new();
    for _ in 0..workers {
        let (done, latencies, outcomes) = (done.clone(), latencies.clone(), outcomes.clone());
        pool.spawn(async move {
            let q = ctx.sync_queue().unwrap();
            let opts = SyncOptions::default();
            while done.load(Ordering::Relaxed) < n {
                // Short polls with a client-side pause when empty: moto's long polls spin and
                // starve its other requests (AWS's do not; the Lambda poller long-polls).
                let r = shared::webhooks::local::poll_queue(q, 0, 60, |event| async {
                    let (resp, reports) = shared::api::sync::work_with(ctx, event, &opts).await;
                    let mut l = latencies.lock().unwrap();
                    let mut o = outcomes.lock().unwrap();
                    for rep in &reports {
                        l.push(rep.elapsed_us);
                        let key = match (rep.skipped, rep.outcome) {
                            (Some(s), _) => format!("skipped_{s}"),
                            (None, Some(out)) => serde_json::to_value(out)
                                .ok()
                                .and_then(|v| v.as_str().map(str::to_string))
                                .unwrap_or_default(),
                            _ => "none".into(),
                        };
                        *o.entry(key).or_default() += 1;
                    }
                    done.fetch_add(
                        reports.iter().filter(|r| r.skipped.is_none()).count(),
                        Ordering::Relaxed,
                    );
                    resp
                })
                .await;
                match r {
                    Err(e) => eprintln!("worker: {e}"),
                    Ok(0) => tokio::time::sleep(Duration::from_millis(100)).await,
                    Ok(_) => {}
                }
                if started.elapsed() > Duration::from_secs(600) {
                    break;
                }
            }
        });
    }
    let progress = {
        let done = done.clone();
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_secs(5)).await;
                eprintln!(
                    "  {} of {n} synced after {:.0} s",
                    done.load(Ordering::Relaxed),
                    started.elapsed().as_secs_f64()
                );
            }
        })
    };
    while pool.join_next().await.is_some() {}
    progress.abort();
    let elapsed = started.elapsed().as_secs_f64();
    let runs = planner.await.map_err(|e| e.to_string())??;
    let requests = counter.take();
    let total: usize = requests.values().sum();
    let mut lat = latencies.lock().unwrap().clone();
    lat.sort_unstable();
    let synced = done.load(Ordering::Relaxed);
    let mut report = json!({
        "borrowers": n,
        "links_synced": synced,
        "workers": workers,
        "seed_seconds": (seed_secs * 10.0).round() / 10.0,
        "sync_seconds": (elapsed * 100.0).round() / 100.0,
        "borrowers_per_second": ((synced as f64 / elapsed) * 10.0).round() / 10.0,
        "planner_runs": runs.len(),
        "planner_runs_that_sent": runs.iter().filter(|r| r.sent > 0).count(),
        "planner_ms_total": runs.iter().map(|r| r.elapsed_ms).sum::<u128>(),
        "queue_depth_cap": depth,
        "dynamodb_requests": requests,
        "dynamodb_requests_per_borrower": ((total as f64 / synced.max(1) as f64) * 100.0).round() / 100.0,
        "per_link_ms": {
            "p50": percentile(&lat, 0.50) as f64 / 1000.0,
            "p99": percentile(&lat, 0.99) as f64 / 1000.0,
            "max": lat.last().copied().unwrap_or(0) as f64 / 1000.0,
        },
        "outcomes": *outcomes.lock().unwrap(),
    });
    report["item_bytes"] = sample_item_sizes(ctx).await;
    println!(
        "{}",
        serde_json::to_string_pretty(&report).unwrap_or_default()
    );
    for url in [sync_url, hooks_url] {
        let _ = sqs.delete_queue().queue_url(url).send().await;
    }
    if synced < n {
        return Err(format!("only {synced} of {n} links synced"));
    }
    Ok(())
}

/// One borrower with one linked sandbox account, due now, read `days` days ago.
async fn seed_one(ctx: &AppContext, tenant: &Tenant, i: usize, days: i64) -> Result<(), String> {
    let patch = shared::model::payload::parse_borrower_payload(
        json!({"first_name": "Bench", "last_name": format!("Borrower {i}")})
            .as_object()
            .unwrap(),
    )
    .map_err(|e| e.to_string())?;
    let b = shared::borrowers::create(ctx, tenant, patch)
        .await
        .map_err(|e| e.to_string())?
        .borrower;
    let servicer = connector::picker_servicer(connector::PICKER[i % 5]).ok_or("servicer")?;
    let then = chrono::Utc::now().date_naive() - chrono::Duration::days(days);
    let account = match Connector::Sandbox
        .login(
            servicer,
            &format!("bench{i}"),
            &shared::nexus::Secret::new("pw"),
            then,
        )
        .await
    {
        LoginOutcome::Linked(a) => *a,
        other => return Err(format!("sandbox login: {other:?}")),
    };
    let stamp = shared::model::now();
    let due = shared::sync::after(chrono::Utc::now(), -60);
    let link = shared::nexus::ServicerLink {
        borrower_uuid: b.uuid,
        client_id: tenant.client_id.clone(),
        servicer: servicer.name.to_string(),
        status: shared::nexus::link::LinkStatus::Linked,
        connection_ref: account.connection_ref,
        loan_count: account.loans.len(),
        linked_at: stamp.clone(),
        last_synced_at: stamp,
        next_sync_at: due,
        last_attempt_at: None,
        last_sync_outcome: None,
        sync_failures: 0,
        sync_claim: None,
        version: 1,
    };
    let body = shared::loans::service::LoansBody::Linked(Box::new(
        shared::loans::service::LinkedAccount {
            loans: account.loans,
            profile: account.profile,
            date_of_birth: account.date_of_birth,
            link,
        },
    ));
    shared::loans::service::add_loans(ctx, tenant, &BorrowerRef::Uuid(b.uuid), body)
        .await
        .map_err(|e| e.to_string())?;
    Ok(())
}

/// DynamoDB's item size: attribute names plus values (strings and binaries by length, numbers
/// about one byte per two digits, lists and maps with 3 bytes each plus one per element).
fn item_size(item: &shared::store::Item) -> usize {
    use aws_sdk_dynamodb::types::AttributeValue as A;
    fn value(v: &A) -> usize {
        match v {
            A::S(s) => s.len(),
            A::N(n) => n.len().div_ceil(2) + 1,
            A::B(b) => b.as_ref().len(),
            A::Bool(_) | A::Null(_) => 1,
            A::L(l) => 3 + l.iter().map(|v| 1 + value(v)).sum::<usize>(),
            A::M(m) => 3 + m.iter().map(|(k, v)| 1 + k.len() + value(v)).sum::<usize>(),
            A::Ss(l) => l.iter().map(String::len).sum(),
            A::Ns(l) => l.iter().map(|n| n.len().div_ceil(2) + 1).sum(),
            _ => 0,
        }
    }
    item.iter().map(|(k, v)| k.len() + value(v)).sum()
}

/// Average sizes of one seeded borrower's items (the capacity figures in docs/sync.md).
async fn sample_item_sizes(ctx: &AppContext) -> serde_json::Value {
    let page = match ctx.store.due_links(0, "9999", 1, None).await {
        Ok(p) => p,
        Err(_) => return json!(null),
    };
    let Some(pk) = page
        .items
        .first()
        .and_then(|i| i.get("PK"))
        .and_then(|v| v.as_s().ok())
        .cloned()
    else {
        return json!(null);
    };
    let items = ctx.store.collection(&pk).await.unwrap_or_default();
    let mut by: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for i in &items {
        let e = i
            .get("entity")
            .and_then(|v| v.as_s().ok())
            .cloned()
            .unwrap_or_default();
        let slot = by.entry(e).or_default();
        slot.0 += 1;
        slot.1 += item_size(i);
    }
    json!(by
        .into_iter()
        .map(|(e, (n, bytes))| (e, json!({"count": n, "avg_bytes": bytes / n.max(1)})))
        .collect::<serde_json::Map<_, _>>())
}
