//! `loanpath`: the developer and operator tool.
//!
//! ```text
//! loanpath db serve [--host 127.0.0.1] [--port 8000] [--data .local/dynamodb.sqlite]
//! loanpath table create                 create the table and GSIs if missing
//! loanpath seed-sandbox                 the sandbox client (LIVELONGANDPROSPER / GIVINGHERALLSHESGOT)
//! loanpath serve [--port 9100] [--aws URL]   the whole API in one process (embedded DynamoDB;
//!                                       SQS and S3 on the emulator at URL)
//! loanpath front --port P --upstream HOST:PORT   API Gateway's routing in front of cargo lambda watch
//! loanpath worker                       the webhook worker and relay, the sync planner and worker
//! loanpath queue create SQS_ENDPOINT [sync]   the local delivery (or sync) queue; prints its URL
//! loanpath sync-now [--borrower ID]     one sync planner run now, then the sync queue drained
//! loanpath set-sync-interval CLIENT_ID HOURS   how often a client's linked accounts sync
//! loanpath sync-backfill                puts links made before the sync index on the schedule
//! loanpath bench-sync --aws URL [--borrowers N] [--workers W]   the sync benchmark
//! loanpath load-employers [--bmf F]... [--schools F]... [--low-income F]... [--government F]...
//!                       [--fixtures] [--date YYYY-MM-DD] [--check]   the PSLF employer lists
//! loanpath bench-employers [--rows N] [--searches S]   load and search benchmark (embedded)
//! loanpath bench-requests [--iterations N] [--emulator thread|shared]
//!                                            request-path benchmark: handler vs DynamoDB time
//! loanpath bucket create S3_ENDPOINT    the local documents bucket; prints its name
//! loanpath migrate-documents            moves documents kept in DynamoDB items to the bucket
//! loanpath create-client "<name>" --sandbox|--live   prints {client_id, api_key, nexus_key, ...} once
//! loanpath set-origins CLIENT_ID ORIGIN...   the page origins allowed to embed Nexus
//! loanpath set-nexus-key-sessions CLIENT_ID on|off   off: Nexus sessions only from init tokens
//! loanpath list-clients                 clients and their key ids (never key material)
//! loanpath revoke-key <key_id | ->     by key id, or `-` to read the key itself from stdin
//! loanpath add-key < keyring > new-keyring   a fresh key, made active (the ring on stdin)
//! loanpath rotate-keys                  re-seals SSNs, webhook secrets and documents with it
//! loanpath gen-ssn-key                  a fresh 32-byte SSN key (base64)
//! loanpath assess FILE [--case ID]      Repayment Options JSON for a scenario file (no AWS)
//! ```
//! Table commands use `TABLE_NAME` and the AWS SDK's environment (`AWS_ENDPOINT_URL_DYNAMODB`
//! for a local emulator, or real credentials for AWS).

mod bench_requests;
mod embedded;
mod employers;
mod front;
mod gateway;
mod sync;
mod worker;

use std::process::ExitCode;

use serde_json::json;
use shared::model::ClientMode;
use shared::store::Store;

pub const SANDBOX_CLIENT_ID: &str = "00000000-0000-4000-8000-000000000001";
pub const SANDBOX_API_KEY: &str = "LIVELONGANDPROSPER";
pub const SANDBOX_NEXUS_KEY: &str = "GIVINGHERALLSHESGOT";

fn usage() -> ExitCode {
    eprintln!(
        "usage: loanpath <db serve [--host H] [--port P] [--data FILE] | serve [--port P] | \
         table create | seed-sandbox | create-client NAME --sandbox|--live | \
         set-origins CLIENT_ID ORIGIN... | set-nexus-key-sessions CLIENT_ID on|off | \
         list-clients | revoke-key KEY_ID_OR_KEY | sync-now [--borrower ID] | \
         set-sync-interval CLIENT_ID HOURS | bench-sync --aws URL [--borrowers N] | \
         load-employers [--bmf F] [--schools F] [--low-income F] [--government F] [--fixtures] | \
         bench-employers [--rows N] | bench-requests | gen-ssn-key | assess FILE [--case ID]>"
    );
    ExitCode::from(2)
}

fn flag(args: &[String], name: &str, default: &str) -> String {
    flag_value(args, name).unwrap_or_else(|| default.to_string())
}

/// The value after `name` in `args`, if any.
fn flag_value(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .cloned()
}

/// Whether the DynamoDB endpoint is a local emulator.
fn local_endpoint() -> bool {
    std::env::var("AWS_ENDPOINT_URL_DYNAMODB")
        .map(|e| {
            ["http://127.0.0.1", "http://localhost", "http://[::1]"]
                .iter()
                .any(|p| e.starts_with(p))
        })
        .unwrap_or(false)
}

async fn store() -> Store {
    Store::new(
        shared::context::dynamodb_from_default_chain().await,
        shared::context::table_name(),
    )
}

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let words: Vec<&str> = args.iter().map(String::as_str).collect();
    // `--help` anywhere prints the usage and does nothing else (it used to start a server
    // under `serve --help`).
    if words.first() == Some(&"help") || words.iter().any(|w| matches!(*w, "--help" | "-h")) {
        usage();
        return ExitCode::SUCCESS;
    }
    let result: Result<(), String> = match words.as_slice() {
        ["db", "serve", ..] => serve_db(&args).await,
        ["serve", ..] => serve_gateway(&args).await,
        ["front", ..] => front::run(&args).await,
        ["worker"] => run_worker().await,
        ["bucket", "create", endpoint] => worker::ensure_bucket(&worker::s3_client(endpoint))
            .await
            .map(|name| println!("{name}")),
        ["migrate-documents"] => migrate_documents().await,
        ["rotate-keys"] => rotate_keys().await,
        // The keyring on stdin (never on the command line), the new one on stdout.
        ["add-key"] => {
            let mut text = String::new();
            std::io::Read::read_to_string(&mut std::io::stdin(), &mut text)
                .map_err(|e| e.to_string())
                .and_then(|_| {
                    shared::crypto::SsnCipher::add_key_text(&text).map_err(|e| e.to_string())
                })
                .map(|ring| println!("{ring}"))
        }
        ["queue", "create", endpoint] => {
            worker::ensure_queue(&worker::sqs_client(endpoint), worker::QUEUE_NAME)
                .await
                .map(|url| println!("{url}"))
        }
        ["queue", "create", endpoint, "sync"] => {
            worker::ensure_sync_queue(&worker::sqs_client(endpoint))
                .await
                .map(|url| println!("{url}"))
        }
        ["sync-now", rest @ ..] => sync::sync_now(rest).await,
        ["sync-backfill"] => sync::backfill().await,
        ["set-sync-interval", client_id, hours] => sync::set_interval(client_id, hours).await,
        ["bench-sync", ..] => sync::bench(&args).await,
        ["load-employers", ..] => employers::load_cmd(&args).await,
        ["bench-employers", ..] => employers::bench(&args).await,
        ["bench-requests", ..] => bench_requests::bench(&args).await,
        ["table", "create"] => match store().await.ensure_table().await {
            Ok(created) => {
                println!("{}", json!({"table": shared::context::table_name(), "created": created}));
                Ok(())
            }
            Err(e) => Err(e.to_string()),
        },
        ["seed-sandbox", ..] if !local_endpoint() && !words.contains(&"--allow-remote") => Err(
            "seed-sandbox writes the published sandbox keys (LIVELONGANDPROSPER), so it only runs \
             against a local emulator (AWS_ENDPOINT_URL_DYNAMODB on localhost). Pass \
             --allow-remote to seed a real sandbox table on purpose."
                .into(),
        ),
        ["seed-sandbox", ..] => store()
            .await
            .create_client(
                "Sandbox",
                Some((SANDBOX_CLIENT_ID, SANDBOX_API_KEY, SANDBOX_NEXUS_KEY)),
                ClientMode::Sandbox,
            )
            .await
            .map(|c| println!("{}", json!({"client_id": c.client_id, "seeded": true})))
            .map_err(|e| e.to_string()),
        ["create-client", name, mode] if *mode == "--live" || *mode == "--sandbox" => store()
            .await
            .create_client(
                name,
                None,
                if *mode == "--live" { ClientMode::Live } else { ClientMode::Sandbox },
            )
            .await
            .map(|c| println!("{}", serde_json::to_string_pretty(&c).unwrap_or_default()))
            .map_err(|e| e.to_string()),
        ["create-client", ..] => Err(
            "create-client NAME --sandbox | --live: say which. A sandbox client gets simulated \
             servicers and sandbox routes; a live one never does."
                .into(),
        ),
        ["set-nexus-key-sessions", client_id, on @ ("on" | "off")] => store()
            .await
            .set_nexus_key_sessions(client_id, *on == "on")
            .await
            .map(|()| println!("{}", json!({"client_id": client_id, "nexus_key_sessions": *on == "on"})))
            .map_err(|e| e.to_string()),
        ["set-origins", client_id, origins @ ..] => set_origins(client_id, origins).await,
        ["list-clients"] => store()
            .await
            .list_clients()
            .await
            .map(|all| {
                let list: Vec<_> = all
                    .into_iter()
                    .map(|(c, keys)| json!({"client_id": c.client_id, "name": c.name, "created_at": c.created_at, "keys": keys}))
                    .collect();
                println!("{}", serde_json::to_string_pretty(&list).unwrap_or_default());
            })
            .map_err(|e| e.to_string()),
        // Only a key id on the command line: a raw key there lands in `ps` and the shell
        // history. `revoke-key -` reads the key itself from standard input.
        ["revoke-key", arg] => match revoke_target(arg, &mut std::io::stdin().lock()) {
            Ok(target) => store()
                .await
                .revoke_key(&target)
                .await
                .map(|k| println!("{}", json!({"key_id": k.key_id, "client_id": k.client_id, "revoked": true})))
                .map_err(|e| e.to_string()),
            Err(e) => Err(e),
        },
        ["assess", file, rest @ ..] => assess(file, rest),
        ["gen-ssn-key"] => {
            println!("{}", shared::crypto::SsnCipher::generate_key_text());
            Ok(())
        }
        _ => return usage(),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("loanpath: {e}");
            ExitCode::FAILURE
        }
    }
}

/// What `revoke-key ARG` revokes: a key id (`key_...`) as given, or with `-` the key itself
/// read from `stdin`. A raw key on the command line is refused: it would land in `ps` and the
/// shell history.
fn revoke_target(arg: &str, stdin: &mut dyn std::io::BufRead) -> Result<String, String> {
    match arg {
        "-" => {
            let mut key = String::new();
            match stdin.read_line(&mut key) {
                Ok(_) if !key.trim().is_empty() => Ok(key.trim().to_string()),
                _ => Err("revoke-key -: no key on standard input".into()),
            }
        }
        id if id.starts_with("key_") => Ok(id.to_string()),
        _ => Err(
            "revoke-key takes a key id (key_...). To revoke by the key itself, pipe it in: \
             `scripts/admin revoke-key - < keyfile`, so it never lands in ps or the shell history"
                .into(),
        ),
    }
}

/// Resolves on SIGINT or SIGTERM.
async fn shutdown() {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .expect("installing the SIGTERM handler");
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
}

/// Runs the embedded dynoxide server until SIGINT or SIGTERM. Data persists in `--data`.
async fn serve_db(args: &[String]) -> Result<(), String> {
    let host = flag(args, "--host", "127.0.0.1");
    let port = flag(args, "--port", "8000");
    let data = flag(args, "--data", ".local/dynamodb.sqlite");
    if let Some(dir) = std::path::Path::new(&data).parent() {
        std::fs::create_dir_all(dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
    }
    let db = dynoxide::Database::new(&data).map_err(|e| format!("opening {data}: {e}"))?;
    let listener = tokio::net::TcpListener::bind(format!("{host}:{port}"))
        .await
        .map_err(|e| format!("binding {host}:{port}: {e}"))?;
    eprintln!("local DynamoDB (dynoxide) on http://{host}:{port}, data in {data}");
    dynoxide::server::serve_with_shutdown(listener, db, shutdown()).await
}

/// Prints the Repayment Options for a scenario file: one case object, a borrower-plus-loans
/// JSON, or a whole `official.json` (`{"cases": [...]}`; pick one with `--case ID`, or get an
/// object keyed by case id).
fn assess(file: &str, rest: &[&str]) -> Result<(), String> {
    let text = std::fs::read_to_string(file).map_err(|e| format!("{file}: {e}"))?;
    let doc: serde_json::Value = serde_json::from_str(&text).map_err(|e| format!("{file}: {e}"))?;
    let wanted = rest
        .iter()
        .position(|a| *a == "--case")
        .and_then(|i| rest.get(i + 1));
    let run = |case: &serde_json::Value| {
        shared::assessment::assess_scenario(case).map_err(|e| match e {
            shared::ApiError::Validation { detail, .. } => detail,
            other => other.to_string(),
        })
    };
    let out = match doc.get("cases").and_then(serde_json::Value::as_array) {
        Some(cases) => {
            let scenarios = cases
                .iter()
                .filter(|c| c.get("plan").is_some() || c.get("borrower").is_some());
            let mut all = serde_json::Map::new();
            for case in scenarios {
                let id = case["id"].as_str().unwrap_or_default();
                if wanted.is_none_or(|w| *w == id) {
                    all.insert(id.to_string(), run(case).map_err(|e| format!("{id}: {e}"))?);
                }
            }
            match (wanted, all.len()) {
                (Some(w), 0) => return Err(format!("no scenario case {w} in {file}")),
                (Some(_), _) => all.into_iter().next().map(|(_, v)| v).unwrap_or_default(),
                _ => serde_json::Value::Object(all),
            }
        }
        None => run(&doc)?,
    };
    println!("{}", serde_json::to_string_pretty(&out).unwrap_or_default());
    Ok(())
}

/// Replaces a client's allowed Nexus origins (`https://app.example.com`, or
/// `http://localhost:*` for any port). No origins clears the list.
async fn set_origins(client_id: &str, raw: &[&str]) -> Result<(), String> {
    let mut origins = Vec::new();
    for o in raw {
        origins.push(shared::nexus::origins::parse_pattern(o).ok_or_else(|| {
            format!("{o} is not an origin: write scheme://host[:port] or scheme://host:*")
        })?);
    }
    store()
        .await
        .set_allowed_origins(client_id, &origins)
        .await
        .map_err(|e| e.to_string())?;
    println!(
        "{}",
        json!({"client_id": client_id, "allowed_origins": origins})
    );
    Ok(())
}

/// `loanpath serve`: the API in one process over an embedded, in-memory dynoxide (see
/// gateway.rs), with the sandbox client seeded and the demo page on.
async fn serve_gateway(args: &[String]) -> Result<(), String> {
    shared::logging::init();
    // A local stack: sandbox webhooks may reach receivers on 127.0.0.1.
    std::env::set_var("LOANPATH_LOCAL_STACK", "1");
    let port = flag(args, "--port", "9100");
    let router = flag(
        args,
        "--router",
        concat!(env!("CARGO_MANIFEST_DIR"), "/../Cargo.toml"),
    );
    let routes = gateway::parse_router(
        &std::fs::read_to_string(&router).map_err(|e| format!("{router}: {e}"))?,
    );
    let db_listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| format!("binding the emulator: {e}"))?;
    let db_addr = db_listener.local_addr().map_err(|e| e.to_string())?;
    let db = dynoxide::Database::memory().map_err(|e| format!("emulator: {e}"))?;
    tokio::spawn(async move {
        let _ =
            dynoxide::server::serve_with_shutdown(db_listener, db, std::future::pending()).await;
    });
    let conf = aws_sdk_dynamodb::Config::builder()
        .behavior_version(aws_sdk_dynamodb::config::BehaviorVersion::latest())
        .http_client(shared::aws::http::client())
        .endpoint_url(format!("http://{db_addr}"))
        .region(aws_sdk_dynamodb::config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_dynamodb::config::Credentials::new(
            "local", "local", None, None, "local",
        ))
        .build();
    let key =
        std::env::var("SSN_KEY").unwrap_or_else(|_| shared::crypto::SsnCipher::generate_key_text());
    let cipher = shared::crypto::SsnCipher::from_key_text(&key).map_err(|e| e.to_string())?;
    let ctx: &'static shared::AppContext = Box::leak(Box::new(shared::AppContext::new(
        aws_sdk_dynamodb::Client::from_conf(conf),
        &shared::context::table_name(),
        cipher,
    )));
    ctx.store.ensure_table().await.map_err(|e| e.to_string())?;
    ctx.store
        .create_client(
            "Sandbox",
            Some((SANDBOX_CLIENT_ID, SANDBOX_API_KEY, SANDBOX_NEXUS_KEY)),
            ClientMode::Sandbox,
        )
        .await
        .map_err(|e| e.to_string())?;
    // The employer search works out of the box on the synthetic fixtures.
    employers::load_files(
        &ctx.store,
        &employers::fixture_files(),
        chrono::Utc::now().date_naive(),
        true,
        std::time::Duration::ZERO,
    )
    .await?;
    shared::nexus::assets::enable_demo();
    let ctx: &'static shared::AppContext = match args.iter().position(|a| a == "--aws") {
        Some(i) => {
            // One emulator (moto) serves SQS and S3.
            let endpoint = args
                .get(i + 1)
                .ok_or("--aws needs the emulator's endpoint URL")?;
            let client = worker::sqs_client(endpoint);
            let url = worker::ensure_queue(&client, worker::QUEUE_NAME).await?;
            let sync_url = worker::ensure_sync_queue(&client).await?;
            let s3 = worker::s3_client(endpoint);
            let bucket = worker::ensure_bucket(&s3).await?;
            let with = ctx
                .clone()
                .with_queue(shared::webhooks::queue::Queue::new(client.clone(), url))
                .with_sync_queue(shared::webhooks::queue::Queue::new(client, sync_url))
                .with_documents(shared::documents::DocumentStore::new(s3, bucket));
            let ctx: &'static shared::AppContext = Box::leak(Box::new(with));
            tokio::spawn(worker::run(ctx));
            ctx
        }
        None => ctx,
    };
    let gw: &'static gateway::Gateway = Box::leak(Box::new(gateway::Gateway {
        ctx,
        routes,
        handlers: gateway::handlers()
            .into_iter()
            .map(|(n, _, h)| (n, h))
            .collect(),
    }));
    let app = axum::Router::new().fallback(move |req: axum::extract::Request| gw.handle(req));
    let listener = tokio::net::TcpListener::bind(format!("127.0.0.1:{port}"))
        .await
        .map_err(|e| format!("binding 127.0.0.1:{port}: {e}"))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    eprintln!(
        "Loanpath gateway on http://{addr} (API at /api/v1, Nexus demo at /nexus/demo; DynamoDB emulator on {db_addr})"
    );
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown())
        .await
        .map_err(|e| e.to_string())
}

/// `loanpath worker`: what AWS runs for us, locally (the SQS event source of the delivery
/// worker, and the relay's schedule), until SIGINT or SIGTERM.
async fn run_worker() -> Result<(), String> {
    shared::logging::init();
    let ctx = shared::AppContext::from_default_chain()
        .await
        .map_err(|e| e.to_string())?;
    if ctx.queue().is_none() {
        return Err("WEBHOOK_QUEUE_URL is not set".into());
    }
    let ctx: &'static shared::AppContext = Box::leak(Box::new(ctx));
    eprintln!(
        "webhook worker polling {}",
        ctx.queue().map(|q| q.url()).unwrap_or_default()
    );
    tokio::select! {
        _ = worker::run(ctx) => Ok(()),
        _ = shutdown() => Ok(()),
    }
}

/// `loanpath migrate-documents`: see `shared::documents::migrate`.
/// `loanpath rotate-keys`: every sealed value re-sealed with the keyring's active key
/// (`shared::rotation`). Runs where the keyring is (`SSN_KEY` or `SSN_KEY_SECRET_ID`), with
/// `DOCUMENTS_BUCKET` for the documents.
async fn rotate_keys() -> Result<(), String> {
    let ctx = shared::AppContext::from_default_chain()
        .await
        .map_err(|e| e.to_string())?;
    let report = shared::rotation::rotate(&ctx)
        .await
        .map_err(|e| e.to_string())?;
    print_report(
        serde_json::to_string_pretty(&report),
        report.failed.len(),
        "value(s) open with no key of the ring; they were left as they are",
    )
}

/// Prints an operator job's JSON report; anything it could not do fails the command.
fn print_report(
    json: serde_json::Result<String>,
    failed: usize,
    problem: &str,
) -> Result<(), String> {
    println!("{}", json.unwrap_or_default());
    if failed == 0 {
        Ok(())
    } else {
        Err(format!("{failed} {problem}"))
    }
}

async fn migrate_documents() -> Result<(), String> {
    let ctx = shared::AppContext::from_default_chain()
        .await
        .map_err(|e| e.to_string())?;
    let report = shared::documents::migrate::run(&ctx)
        .await
        .map_err(|e| e.to_string())?;
    print_report(
        serde_json::to_string_pretty(&report),
        report.failed.len(),
        "documents could not be moved",
    )
}

#[cfg(test)]
mod revoke_tests {
    use super::revoke_target;

    #[test]
    fn a_key_comes_from_stdin_never_from_the_command_line() {
        let mut none: &[u8] = b"";
        assert_eq!(revoke_target("key_0123", &mut none), Ok("key_0123".into()));
        let mut piped: &[u8] = b"lp_live_secretsecret\n";
        assert_eq!(
            revoke_target("-", &mut piped),
            Ok("lp_live_secretsecret".into())
        );
        let mut empty: &[u8] = b"\n";
        assert!(revoke_target("-", &mut empty).is_err());
        let mut none: &[u8] = b"";
        let e = revoke_target("lp_live_secretsecret", &mut none).unwrap_err();
        assert!(e.contains("never lands in ps"), "{e}");
        assert!(
            !e.contains("lp_live_secretsecret"),
            "the refusal does not echo the key"
        );
    }
}
