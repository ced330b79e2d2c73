//! The daemon's HTTP endpoints: /healthz, /readyz, /metrics (OpenMetrics), /status (JSON), served by hyper
//! (already in the build as the AWS SDK's HTTP client). Four read-only GET endpoints need no router.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::header::{ALLOW, CONTENT_TYPE, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use reconciler_aws::Aws;
use tokio::net::TcpListener;

use crate::telemetry::Telemetry;

/// A client that does not finish sending its request headers within this long is disconnected.
const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// Serves until the task is dropped.
pub async fn serve(listener: TcpListener, telemetry: Arc<Telemetry>, aws: Aws) {
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            Err(err) => {
                // Out of file descriptors, most likely: wait rather than spin.
                tracing::warn!(error = %err, "cannot accept an HTTP connection");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let (telemetry, aws) = (telemetry.clone(), aws.clone());
        tokio::spawn(async move {
            let service = service_fn(move |request| {
                let response = respond(&request, &telemetry, &aws);
                async move { Ok::<_, Infallible>(response) }
            });
            let connection = http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(HEADER_READ_TIMEOUT)
                .serve_connection(TokioIo::new(stream), service);
            if let Err(err) = connection.await {
                tracing::debug!(error = %err, "HTTP connection ended with an error");
            }
        });
    }
}

fn respond(request: &Request<Incoming>, telemetry: &Telemetry, aws: &Aws) -> Response<Full<Bytes>> {
    if request.method() != Method::GET && request.method() != Method::HEAD {
        let mut response = text(StatusCode::METHOD_NOT_ALLOWED, "only GET\n");
        response.headers_mut().insert(ALLOW, HeaderValue::from_static("GET, HEAD"));
        return response;
    }
    match request.uri().path() {
        "/healthz" => text(StatusCode::OK, "ok\n"),
        "/readyz" if telemetry.is_ready() => text(StatusCode::OK, "ready\n"),
        "/readyz" => text(StatusCode::SERVICE_UNAVAILABLE, "not ready: no pass has run to the end yet\n"),
        "/metrics" => body(StatusCode::OK, crate::metrics::CONTENT_TYPE, telemetry.metrics(&aws.calls())),
        "/status" => {
            let status = serde_json::to_string_pretty(&telemetry.status()).unwrap_or_default() + "\n";
            body(StatusCode::OK, "application/json", status)
        }
        _ => text(StatusCode::NOT_FOUND, "endpoints: /healthz /readyz /metrics /status\n"),
    }
}

fn text(status: StatusCode, message: &'static str) -> Response<Full<Bytes>> {
    body(status, "text/plain; charset=utf-8", message.to_string())
}

fn body(status: StatusCode, content_type: &'static str, body: String) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = status;
    response.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}
