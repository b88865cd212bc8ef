//! Response bodies are read with a limit of 1 MiB, from a streaming HTTP server on
//! loopback: a body at the limit is read, a longer one is a `Malformed` answer whatever its
//! status, and a huge one is cut off without being read in full.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crate::support::static_credential;
use apim_capacity::azure::{ApimApi, ArmClient, ArmConfig, AzureError, ErrorReason, ServiceRef};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const LIMIT: usize = 1024 * 1024;

/// How the body of the one answer is sent.
#[derive(Clone)]
enum Body {
    /// With `content-length`.
    Sized(Vec<u8>),
    /// Chunked, without a length, in 64 KiB chunks.
    Chunked(Vec<u8>),
    /// Chunked, 64 MiB of spaces: far more than a client should read.
    Huge,
}

struct Server {
    base: String,
    /// Body bytes written so far.
    written: Arc<AtomicUsize>,
}

async fn read_head(socket: &mut TcpStream) -> bool {
    let mut head = Vec::new();
    let mut buf = [0u8; 4096];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        match socket.read(&mut buf).await {
            Ok(0) | Err(_) => return false,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
    }
    true
}

async fn write_chunk(socket: &mut TcpStream, chunk: &[u8]) -> bool {
    let mut framed = format!("{:x}\r\n", chunk.len()).into_bytes();
    framed.extend_from_slice(chunk);
    framed.extend_from_slice(b"\r\n");
    socket.write_all(&framed).await.is_ok()
}

/// Answers every request with `status` and `body`.
async fn serve(status: &'static str, body: Body) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("address"));
    let written = Arc::new(AtomicUsize::new(0));
    let count = Arc::clone(&written);
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let (body, count) = (body.clone(), Arc::clone(&count));
            tokio::spawn(async move {
                if !read_head(&mut socket).await {
                    return;
                }
                let head = format!("HTTP/1.1 {status}\r\ncontent-type: application/json\r\n");
                let _ = socket.write_all(head.as_bytes()).await;
                match body {
                    Body::Sized(bytes) => {
                        let length = format!("content-length: {}\r\n\r\n", bytes.len());
                        let _ = socket.write_all(length.as_bytes()).await;
                        if socket.write_all(&bytes).await.is_ok() {
                            count.fetch_add(bytes.len(), Ordering::SeqCst);
                        }
                    }
                    Body::Chunked(bytes) => {
                        let _ = socket
                            .write_all(b"transfer-encoding: chunked\r\n\r\n")
                            .await;
                        for chunk in bytes.chunks(64 * 1024) {
                            if !write_chunk(&mut socket, chunk).await {
                                return;
                            }
                            count.fetch_add(chunk.len(), Ordering::SeqCst);
                        }
                        let _ = socket.write_all(b"0\r\n\r\n").await;
                    }
                    Body::Huge => {
                        let _ = socket
                            .write_all(b"transfer-encoding: chunked\r\n\r\n")
                            .await;
                        let chunk = vec![b' '; 64 * 1024];
                        for _ in 0..1024 {
                            if !write_chunk(&mut socket, &chunk).await {
                                return;
                            }
                            count.fetch_add(chunk.len(), Ordering::SeqCst);
                        }
                        let _ = socket.write_all(b"0\r\n\r\n").await;
                    }
                }
                let _ = socket.shutdown().await;
            });
        }
    });
    Server { base, written }
}

fn client(server: &Server) -> ArmClient {
    let mut config = ArmConfig::custom(
        server.base.parse().expect("URL"),
        "https://management.azure.com/.default",
    );
    config.request_timeout = Duration::from_secs(30);
    config.retry.max_attempts = 1;
    ArmClient::new(config, static_credential()).expect("client")
}

fn service() -> ServiceRef {
    ServiceRef::new("sub", "rg", "apim")
}

/// A valid service body of exactly `len` bytes (padded with spaces inside the JSON).
fn service_body(len: usize) -> Vec<u8> {
    let json = br#"{"location": "westeurope", "sku": {"name": "Standard", "capacity": 1}}"#;
    let mut body = json[..json.len() - 1].to_vec();
    body.resize(len - 1, b' ');
    body.push(b'}');
    body
}

fn assert_too_large(error: &AzureError) {
    assert!(matches!(error, AzureError::Malformed { .. }), "{error:?}");
    assert_eq!(error.reason(), ErrorReason::MalformedResponse);
    assert!(
        error
            .to_string()
            .contains(&format!("body larger than {LIMIT} bytes")),
        "{error}"
    );
}

#[tokio::test]
async fn a_body_of_exactly_one_mebibyte_is_read() {
    for body in [
        Body::Sized(service_body(LIMIT)),
        Body::Chunked(service_body(LIMIT)),
    ] {
        let server = serve("200 OK", body).await;
        let service = client(&server).get_service(&service()).await;
        assert!(service.is_ok(), "{service:?}");
    }
}

#[tokio::test]
async fn a_longer_body_is_a_malformed_answer_whatever_the_status() {
    for status in ["200 OK", "400 Bad Request", "503 Service Unavailable"] {
        for body in [
            Body::Sized(service_body(LIMIT + 1)),
            Body::Chunked(service_body(LIMIT + 1)),
        ] {
            let server = serve(status, body).await;
            let error = client(&server)
                .get_service(&service())
                .await
                .expect_err("too large");
            assert_too_large(&error);
        }
    }
}

#[tokio::test]
async fn a_huge_body_is_cut_off_without_being_read_in_full() {
    let server = serve("200 OK", Body::Huge).await;
    let started = Instant::now();
    let error = client(&server)
        .get_service(&service())
        .await
        .expect_err("huge");
    assert_too_large(&error);
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "gave up after {:?}, not at the limit",
        started.elapsed()
    );
    // What the server could write: the limit plus what the socket buffers hold.
    let written = server.written.load(Ordering::SeqCst);
    assert!(written < 32 * LIMIT, "{written} bytes written");
}
