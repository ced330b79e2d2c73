//! The daemon's HTTP endpoints: /healthz, /readyz, /metrics (Prometheus), /status (JSON).
//!
//! A deliberately small HTTP/1.1 server (GET only, one request per connection): four read-only endpoints on a
//! loopback address do not justify a web framework's weight in memory and build time.

use std::sync::Arc;
use std::time::Duration;

use reconciler_aws::Aws;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::telemetry::Telemetry;

/// Serves until the task is dropped.
pub async fn serve(listener: TcpListener, telemetry: Arc<Telemetry>, aws: Aws) {
    loop {
        let Ok((stream, _)) = listener.accept().await else { continue };
        let (telemetry, aws) = (telemetry.clone(), aws.clone());
        tokio::spawn(async move {
            // A client that never finishes its request must not hold a task forever.
            let _ = tokio::time::timeout(Duration::from_secs(10), answer(stream, &telemetry, &aws)).await;
        });
    }
}

async fn answer(mut stream: TcpStream, telemetry: &Telemetry, aws: &Aws) -> std::io::Result<()> {
    let mut request = Vec::with_capacity(1024);
    let mut buffer = [0u8; 1024];
    while !request.windows(4).any(|w| w == b"\r\n\r\n") && request.len() < 16 * 1024 {
        let n = stream.read(&mut buffer).await?;
        if n == 0 {
            break;
        }
        request.extend_from_slice(&buffer[..n]);
    }
    let request = String::from_utf8_lossy(&request);
    let mut words = request.lines().next().unwrap_or_default().split_whitespace();
    let (method, target) = (words.next().unwrap_or_default(), words.next().unwrap_or_default());
    let path = target.split('?').next().unwrap_or_default();

    let (status, content_type, body) = match (method, path) {
        ("GET", "/healthz") => ("200 OK", "text/plain", "ok\n".to_string()),
        ("GET", "/readyz") if telemetry.is_ready() => ("200 OK", "text/plain", "ready\n".to_string()),
        ("GET", "/readyz") => {
            ("503 Service Unavailable", "text/plain", "not ready: no pass has run to the end yet\n".to_string())
        }
        ("GET", "/metrics") => ("200 OK", "text/plain; version=0.0.4", telemetry.metrics(&aws.calls())),
        ("GET", "/status") => {
            let body = serde_json::to_string_pretty(&telemetry.status()).unwrap_or_default() + "\n";
            ("200 OK", "application/json", body)
        }
        ("GET", _) => ("404 Not Found", "text/plain", "endpoints: /healthz /readyz /metrics /status\n".to_string()),
        _ => ("405 Method Not Allowed", "text/plain", "only GET\n".to_string()),
    };
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await?;
    stream.write_all(body.as_bytes()).await?;
    stream.shutdown().await
}
