//! The AWS SDK's HTTP client: HTTP/1.1 over hyper and rustls (with ring), the stack the
//! webhook sender already builds.
//!
//! The SDK's default client (`default-https-client`) always links HTTP/2 (`h2`) and the aws-lc
//! C library, though DynamoDB, SQS, S3 and Secrets Manager are all spoken over HTTP/1.1; they
//! were about a fifth of every function's code (docs/benchmarks.md, "Cold start"). This is the
//! SDK's own extension point (`HttpClient`), not a protocol implementation: hyper speaks HTTP,
//! rustls speaks TLS, and the SDK keeps doing signing, retries and timeouts.
//!
//! What it does, as the default client does:
//! * one connection pool per SDK configuration (idle connections kept 90 s), TCP_NODELAY, HTTPS
//!   with the system's root certificates (read at cold start) and plain HTTP for local
//!   emulators;
//! * the connect timeout of the SDK's settings (3.1 s by default) over DNS, TCP and the TLS
//!   handshake together, and its read timeout;
//! * the connection capture that lets the SDK poison a connection after a transient error;
//! * errors classified for the SDK's retry policy: a timeout is a timeout, a connection that
//!   could not be made or broke is I/O (both retried), an unusable request is the caller's.

use std::error::Error as StdError;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use aws_smithy_runtime_api::client::connection::{CaptureSmithyConnection, ConnectionMetadata};
use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient,
    SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, HttpResponse};
use aws_smithy_runtime_api::client::result::ConnectorError;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::body::SdkBody;
use hyper_util::client::legacy::connect::{
    capture_connection, CaptureConnection, HttpConnector as TcpConnector, HttpInfo,
};
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioTimer};

type Pool = Client<Bounded<hyper_rustls::HttpsConnector<TcpConnector>>, SdkBody>;

type BoxError = Box<dyn StdError + Send + Sync>;

/// How long an idle connection is kept (the SDK default client's figure).
pub const POOL_IDLE: Duration = Duration::from_secs(90);

/// A new client. A function builds one at cold start, in its SDK configuration, and every SDK
/// client built from that configuration shares its pool. Its connections belong to the Tokio
/// runtime that opened them, so it is not a process-wide static. The system's root
/// certificates are read here, at cold start, not on the first request.
pub fn client() -> SharedHttpClient {
    let _ = tls();
    SharedHttpClient::new(Http1Client::default())
}

/// The SDK's `HttpClient`: one connector (and pool) per distinct timeout settings; in practice
/// one per process.
#[derive(Debug, Default)]
pub struct Http1Client {
    connectors: Mutex<Vec<(Timeouts, SharedHttpConnector)>>,
}

type Timeouts = (Option<Duration>, Option<Duration>);

impl HttpClient for Http1Client {
    fn http_connector(
        &self,
        settings: &HttpConnectorSettings,
        _components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        let key = (settings.connect_timeout(), settings.read_timeout());
        let mut connectors = self.connectors.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((_, c)) = connectors.iter().find(|(k, _)| *k == key) {
            return c.clone();
        }
        let c = SharedHttpConnector::new(Connector {
            pool: pool(key.0, tls()),
            read_timeout: key.1,
        });
        connectors.push((key, c.clone()));
        c
    }
}

/// The TLS configuration, built once: the system's roots (read at cold start), TLS 1.2 and 1.3.
fn tls() -> Arc<rustls::ClientConfig> {
    static TLS: OnceLock<Arc<rustls::ClientConfig>> = OnceLock::new();
    TLS.get_or_init(|| {
        let mut roots = rustls::RootCertStore::empty();
        let found = rustls_native_certs::load_native_certs();
        for e in &found.errors {
            tracing::warn!(error = %e, "reading the system's root certificates");
        }
        for cert in found.certs {
            let _ = roots.add(cert);
        }
        if roots.is_empty() {
            // Plain-HTTP emulators still work; an HTTPS request will fail its handshake.
            tracing::warn!("no system root certificates found: HTTPS to AWS will fail");
        }
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        // No ALPN: the connector below enables HTTP/1.1 only, which needs no negotiation.
        let config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("ring supports the default protocol versions")
            .with_root_certificates(roots)
            .with_no_client_auth();
        Arc::new(config)
    })
    .clone()
}

fn pool(connect_timeout: Option<Duration>, tls: Arc<rustls::ClientConfig>) -> Pool {
    let mut tcp = TcpConnector::new();
    tcp.enforce_http(false);
    tcp.set_nodelay(true);
    let https = hyper_rustls::HttpsConnectorBuilder::new()
        .with_tls_config((*tls).clone())
        .https_or_http()
        .enable_http1()
        .wrap_connector(tcp);
    Client::builder(TokioExecutor::new())
        .pool_timer(TokioTimer::new())
        .timer(TokioTimer::new())
        .pool_idle_timeout(POOL_IDLE)
        .build(Bounded {
            inner: https,
            limit: connect_timeout,
        })
}

/// The SDK's connect timeout over the whole connection: DNS, TCP and the TLS handshake (as the
/// SDK's default client bounds it), not the TCP connect alone.
#[derive(Clone, Debug)]
struct Bounded<C> {
    inner: C,
    limit: Option<Duration>,
}

impl<C> tower_service::Service<lambda_http::http::Uri> for Bounded<C>
where
    C: tower_service::Service<lambda_http::http::Uri>,
    C::Future: Send + 'static,
    C::Error: Into<BoxError>,
{
    type Response = C::Response;
    type Error = BoxError;
    type Future =
        std::pin::Pin<Box<dyn std::future::Future<Output = Result<C::Response, BoxError>> + Send>>;

    fn poll_ready(
        &mut self,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), BoxError>> {
        self.inner.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, uri: lambda_http::http::Uri) -> Self::Future {
        let connecting = self.inner.call(uri);
        let limit = self.limit;
        Box::pin(async move {
            let Some(limit) = limit else {
                return connecting.await.map_err(Into::into);
            };
            match tokio::time::timeout(limit, connecting).await {
                Ok(r) => r.map_err(Into::into),
                Err(_) => Err(Box::new(std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    format!("no connection within {} ms", limit.as_millis()),
                )) as BoxError),
            }
        })
    }
}

/// What the SDK's connection-poisoning interceptor needs: after a transient error it closes
/// the connection that carried it, so a retry never reuses it (as the SDK's default client).
fn connection_metadata(capture: &CaptureConnection) -> Option<ConnectionMetadata> {
    let connected = capture.connection_metadata();
    let conn = connected.as_ref()?;
    let mut extras = lambda_http::http::Extensions::new();
    conn.get_extras(&mut extras);
    let info = extras.get::<HttpInfo>();
    let poison = capture.clone();
    let mut b = ConnectionMetadata::builder()
        .proxied(false)
        .poison_fn(move || {
            if let Some(c) = poison.connection_metadata().as_ref() {
                c.poison();
            }
        });
    b.set_local_addr(info.map(|i| i.local_addr()))
        .set_remote_addr(info.map(|i| i.remote_addr()));
    Some(b.build())
}

#[derive(Debug, Clone)]
struct Connector {
    pool: Pool,
    read_timeout: Option<Duration>,
}

impl HttpConnector for Connector {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let mut request = match request.try_into_http1x() {
            Ok(r) => r,
            Err(e) => return HttpConnectorFuture::ready(Err(ConnectorError::user(e.into()))),
        };
        let capture = capture_connection(&mut request);
        if let Some(smithy) = request.extensions().get::<CaptureSmithyConnection>() {
            smithy.set_connection_retriever(move || connection_metadata(&capture));
        }
        let pool = self.pool.clone();
        let read_timeout = self.read_timeout;
        HttpConnectorFuture::new(async move {
            let sent = pool.request(request);
            let response = match read_timeout {
                None => sent.await,
                Some(limit) => match tokio::time::timeout(limit, sent).await {
                    Ok(r) => r,
                    Err(_) => {
                        return Err(ConnectorError::timeout(
                            format!("no response within {} ms", limit.as_millis()).into(),
                        ))
                    }
                },
            }
            .map_err(classify)?;
            HttpResponse::try_from(response.map(SdkBody::from_body_1_x))
                .map_err(|e| ConnectorError::other(e.into(), None))
        })
    }
}

/// Maps hyper's error to the SDK's kinds, which its retry policy reads.
fn classify(err: hyper_util::client::legacy::Error) -> ConnectorError {
    let timed_out = chain(&err).any(|e| {
        e.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::TimedOut)
    });
    if timed_out {
        return ConnectorError::timeout(err.into());
    }
    if err.is_connect() {
        return ConnectorError::io(err.into());
    }
    let hyper_err = chain(&err).find_map(|e| e.downcast_ref::<hyper::Error>());
    if let Some(h) = hyper_err {
        if h.is_user() {
            return ConnectorError::user(err.into());
        }
        if h.is_closed() || h.is_canceled() || h.is_incomplete_message() {
            return ConnectorError::io(err.into());
        }
    }
    if chain(&err).any(|e| e.is::<std::io::Error>()) {
        return ConnectorError::io(err.into());
    }
    ConnectorError::other(err.into(), None)
}

fn chain<'a>(
    err: &'a (dyn StdError + 'static),
) -> impl Iterator<Item = &'a (dyn StdError + 'static)> {
    std::iter::successors(Some(err), |e| (*e).source())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A server that accepts one connection and never writes a byte.
    async fn silent_server() -> (u16, tokio::task::JoinHandle<()>) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let hold = tokio::spawn(async move {
            let (_socket, _) = listener.accept().await.unwrap();
            tokio::time::sleep(Duration::from_secs(5)).await;
        });
        (port, hold)
    }

    fn get(port: u16) -> HttpRequest {
        let req = lambda_http::http::Request::get(format!("http://127.0.0.1:{port}/"));
        HttpRequest::try_from(req.body(SdkBody::empty()).unwrap()).unwrap()
    }

    /// A port nothing listens on: the error is I/O (so the SDK retries it), not "other".
    #[tokio::test]
    async fn a_refused_connection_is_io() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        drop(listener);
        let pool = pool(Some(Duration::from_secs(1)), tls());
        let req = lambda_http::http::Request::get(format!("http://127.0.0.1:{port}/"))
            .body(SdkBody::empty())
            .unwrap();
        let err = pool.request(req).await.unwrap_err();
        let e = classify(err);
        assert!(e.is_io(), "{e:?}");
    }

    /// A server that accepts and never answers: the read timeout is a timeout.
    #[tokio::test]
    async fn a_silent_server_is_a_timeout() {
        let (port, hold) = silent_server().await;
        let connector = Connector {
            pool: pool(Some(Duration::from_secs(1)), tls()),
            read_timeout: Some(Duration::from_millis(200)),
        };
        let e = connector.call(get(port)).await.unwrap_err();
        assert!(e.is_timeout(), "{e:?}");
        hold.abort();
    }

    /// A server that closes the connection without answering: I/O, retried by the SDK.
    #[tokio::test]
    async fn a_dropped_connection_is_io() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move {
            let (socket, _) = listener.accept().await.unwrap();
            drop(socket);
        });
        let connector = Connector {
            pool: pool(Some(Duration::from_secs(1)), tls()),
            read_timeout: None,
        };
        let e = connector.call(get(port)).await.unwrap_err();
        assert!(e.is_io(), "{e:?}");
    }

    /// The TLS configuration loads (ring, the system's roots) and a pool can be built on it.
    #[tokio::test]
    async fn the_tls_configuration_has_the_system_roots() {
        assert!(tls().alpn_protocols.is_empty());
        let _ = pool(None, tls());
    }

    /// A real HTTPS exchange through the connector: a TLS server on loopback with a test
    /// certificate (testdata/), the client trusting only its test CA. The handshake uses ring,
    /// no ALPN is offered (so HTTP/1.1), and the SDK body goes out and comes back whole.
    #[tokio::test]
    async fn https_round_trip_over_http1() {
        use rustls::pki_types::pem::PemObject;
        use rustls::pki_types::{CertificateDer, PrivateKeyDer};
        use tokio::io::{AsyncReadExt, AsyncWriteExt};

        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let cert =
            CertificateDer::from_pem_slice(include_bytes!("testdata/localhost.pem")).unwrap();
        let key = PrivateKeyDer::from_pem_slice(include_bytes!("testdata/localhost.key")).unwrap();
        let mut server = rustls::ServerConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(vec![cert], key)
            .unwrap();
        server.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(server));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let served = tokio::spawn(async move {
            let (socket, _) = listener.accept().await.unwrap();
            let mut tls = acceptor.accept(socket).await.unwrap();
            let alpn = tls.get_ref().1.alpn_protocol().map(|p| p.to_vec());
            let mut buf = vec![0u8; 4096];
            let mut got = Vec::new();
            while !got.windows(7).any(|w| w == b"payload") {
                let n = tls.read(&mut buf).await.unwrap();
                assert!(n > 0, "the request ended early");
                got.extend_from_slice(&buf[..n]);
            }
            let body = b"{\"ok\":true}";
            let head = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
                body.len()
            );
            tls.write_all(head.as_bytes()).await.unwrap();
            tls.write_all(body).await.unwrap();
            tls.flush().await.unwrap();
            (alpn, String::from_utf8_lossy(&got).to_string())
        });

        let mut roots = rustls::RootCertStore::empty();
        roots
            .add(CertificateDer::from_pem_slice(include_bytes!("testdata/test-ca.pem")).unwrap())
            .unwrap();
        let client = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth();
        let connector = Connector {
            pool: pool(Some(Duration::from_secs(2)), Arc::new(client)),
            read_timeout: Some(Duration::from_secs(5)),
        };
        let req = HttpRequest::try_from(
            lambda_http::http::Request::post(format!("https://localhost:{port}/"))
                .header("content-type", "application/x-amz-json-1.0")
                .body(SdkBody::from("payload"))
                .unwrap(),
        )
        .unwrap();
        let resp = connector.call(req).await.unwrap();
        assert_eq!(resp.status().as_u16(), 200);
        let body = http_body_util::BodyExt::collect(resp.into_body())
            .await
            .unwrap()
            .to_bytes();
        assert_eq!(&body[..], b"{\"ok\":true}");
        let (alpn, request) = served.await.unwrap();
        // No protocol offered, so none negotiated: HTTP/1.1, even with a server that speaks h2.
        assert_eq!(alpn, None);
        assert!(request.starts_with("POST / HTTP/1.1\r\n"), "{request}");
    }

    /// A server that accepts TCP and never answers the TLS handshake: the connect timeout
    /// bounds the handshake too (a timeout, which the SDK retries), not just the TCP connect.
    #[tokio::test]
    async fn a_stalled_tls_handshake_is_a_timeout() {
        let (port, hold) = silent_server().await;
        let connector = Connector {
            pool: pool(Some(Duration::from_millis(200)), tls()),
            read_timeout: None,
        };
        let req = lambda_http::http::Request::get(format!("https://localhost:{port}/"));
        let req = HttpRequest::try_from(req.body(SdkBody::empty()).unwrap()).unwrap();
        let started = std::time::Instant::now();
        let e = connector.call(req).await.unwrap_err();
        assert!(e.is_timeout(), "{e:?}");
        assert!(started.elapsed() < Duration::from_secs(2));
        hold.abort();
    }

    /// The SDK's interceptor can find the connection a request used and poison it: the next
    /// request opens a new connection instead of reusing it.
    #[tokio::test]
    async fn the_connection_of_a_request_can_be_poisoned() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let accepted = Arc::new(AtomicUsize::new(0));
        let count = accepted.clone();
        tokio::spawn(async move {
            loop {
                let (mut socket, _) = listener.accept().await.unwrap();
                count.fetch_add(1, Ordering::SeqCst);
                tokio::spawn(async move {
                    let mut buf = vec![0u8; 4096];
                    while let Ok(n) = socket.read(&mut buf).await {
                        if n == 0 {
                            break;
                        }
                        let reply = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok";
                        if socket.write_all(reply).await.is_err() {
                            break;
                        }
                    }
                });
            }
        });
        let connector = Connector {
            pool: pool(Some(Duration::from_secs(1)), tls()),
            read_timeout: None,
        };
        let send = |capture: Option<CaptureSmithyConnection>| {
            let mut req = get(addr.port());
            if let Some(c) = capture {
                req.add_extension(c);
            }
            let call = connector.call(req);
            async move {
                let resp = call.await.unwrap();
                http_body_util::BodyExt::collect(resp.into_body())
                    .await
                    .unwrap();
            }
        };
        send(None).await;
        send(None).await;
        assert_eq!(
            accepted.load(Ordering::SeqCst),
            1,
            "the pool reuses a connection"
        );
        let capture = CaptureSmithyConnection::new();
        send(Some(capture.clone())).await;
        let meta = capture.get().expect("the connection was captured");
        assert_eq!(meta.remote_addr(), Some(addr));
        meta.poison();
        send(None).await;
        assert_eq!(
            accepted.load(Ordering::SeqCst),
            2,
            "a poisoned connection is not reused"
        );
    }
}
