//! A client-side rate limit per AWS service, so that one pass cannot spend an account's whole API budget:
//! AWS throttles per account and region, and the same budget serves the console, CI and every other tool.
//!
//! It sits where the SDK hands a request to HTTP (a wrapped [`HttpClient`]), so every attempt counts,
//! retries included, and no call site can forget it. It is a token bucket: `rate` calls per second on
//! average, in bursts of up to [`BURST_SECONDS`] worth. A caller over the rate waits its turn (waits queue in
//! order of arrival), which also counts against the call's attempt timeout. Not the SDK's adaptive retry
//! mode: that limiter reacts to throttling by slowing everything, and measured on the bad-day profile it
//! starved the pass (see `ClientOptions::retries`).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_smithy_http_client::proxy::ProxyConfig;
use aws_smithy_http_client::{ConnectorBuilder, tls};
use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient, SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use tokio::time::Instant;

/// A burst may use this many seconds' worth of calls at once: a whole no-change pass of the workshop fits.
const BURST_SECONDS: f64 = 2.0;

/// Calls per second, on average, in bursts.
#[derive(Debug)]
pub(crate) struct Bucket {
    rate: f64,
    burst: f64,
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    /// May go below zero: each waiting caller has reserved its token.
    tokens: f64,
    refilled: Instant,
}

impl Bucket {
    pub(crate) fn new(calls_per_second: u32) -> Bucket {
        let rate = f64::from(calls_per_second.max(1));
        let burst = (rate * BURST_SECONDS).max(1.0);
        Bucket { rate, burst, state: Mutex::new(State { tokens: burst, refilled: Instant::now() }) }
    }

    /// Takes one token, waiting until it is there.
    pub(crate) async fn take(&self) {
        let wait = {
            let mut state = self.state.lock().expect("rate limit state");
            let now = Instant::now();
            let refill = now.duration_since(state.refilled).as_secs_f64() * self.rate;
            state.tokens = (state.tokens + refill).min(self.burst) - 1.0;
            state.refilled = now;
            (state.tokens < 0.0).then(|| Duration::from_secs_f64(-state.tokens / self.rate))
        };
        if let Some(wait) = wait {
            tokio::time::sleep(wait).await;
        }
    }
}

/// The SDK's own HTTPS client (rustls, proxies from `HTTPS_PROXY`/`NO_PROXY`) with every request waiting for
/// a token of `bucket` first. (The loaded SDK config carries no client to wrap: each SDK client makes its
/// default only when it is built, so ours is made here, the way the SDK makes it.)
pub(crate) fn limited(bucket: Arc<Bucket>) -> SharedHttpClient {
    SharedHttpClient::new(LimitedClient { inner: https_client(), bucket })
}

fn https_client() -> SharedHttpClient {
    aws_smithy_http_client::Builder::new().build_with_connector_fn(|settings, components| {
        let tls = tls::Provider::Rustls(tls::rustls_provider::CryptoMode::AwsLc);
        let mut connector = ConnectorBuilder::default().tls_provider(tls);
        connector.set_connector_settings(settings.cloned());
        if let Some(components) = components {
            connector.set_sleep_impl(components.sleep_impl());
        }
        connector.set_proxy_config(Some(ProxyConfig::from_env()));
        connector.build()
    })
}

#[derive(Debug)]
struct LimitedClient {
    inner: SharedHttpClient,
    bucket: Arc<Bucket>,
}

impl HttpClient for LimitedClient {
    fn http_connector(&self, settings: &HttpConnectorSettings, components: &RuntimeComponents) -> SharedHttpConnector {
        let inner = self.inner.http_connector(settings, components);
        SharedHttpConnector::new(LimitedConnector { inner, bucket: self.bucket.clone() })
    }

    fn connector_metadata(&self) -> Option<aws_smithy_runtime_api::client::connector_metadata::ConnectorMetadata> {
        self.inner.connector_metadata()
    }
}

#[derive(Debug)]
struct LimitedConnector {
    inner: SharedHttpConnector,
    bucket: Arc<Bucket>,
}

impl HttpConnector for LimitedConnector {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let (inner, bucket) = (self.inner.clone(), self.bucket.clone());
        HttpConnectorFuture::new(async move {
            bucket.take().await;
            // The wait can be long: a write that passed the lease's fence before it is checked again now.
            if let Some(crate::lease::FencedWrite(fence)) = request.extension::<crate::lease::FencedWrite>()
                && !fence.allows_writes()
            {
                let refusal = crate::lease::refusal("a mutating call");
                return Err(aws_smithy_runtime_api::client::result::ConnectorError::other(refusal.into(), None));
            }
            inner.call(request).await
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_burst_passes_at_once_and_the_rest_at_the_rate() {
        let bucket = Bucket::new(10);
        let started = Instant::now();
        for _ in 0..20 {
            bucket.take().await;
        }
        assert_eq!(started.elapsed(), Duration::ZERO, "two seconds' worth pass at once");
        for _ in 0..10 {
            bucket.take().await;
        }
        let elapsed = started.elapsed().as_secs_f64();
        assert!((0.99..=1.01).contains(&elapsed), "ten more take a second at 10/s: {elapsed}");
    }

    #[tokio::test(start_paused = true)]
    async fn an_idle_bucket_refills_only_up_to_its_burst() {
        let bucket = Bucket::new(5);
        tokio::time::sleep(Duration::from_secs(60)).await;
        let started = Instant::now();
        for _ in 0..11 {
            bucket.take().await;
        }
        let elapsed = started.elapsed().as_secs_f64();
        assert!((0.19..=0.21).contains(&elapsed), "10 banked, the 11th waits 1/5 s: {elapsed}");
    }
}
