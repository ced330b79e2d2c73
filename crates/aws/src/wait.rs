//! Waiting for AWS to finish something it does asynchronously (a NAT gateway becoming available, a Cloud
//! Map operation completing): poll with growing, jittered delays until done, failed, or out of time.

use std::future::Future;
use std::time::Duration;

use crate::error::AwsError;

/// What one look at the resource found.
pub enum Progress<T> {
    Done(T),
    /// Still in progress; the text says in which state (for the timeout message).
    Pending(String),
}

/// Calls `check` until it reports done, returns an error, or `timeout` passes.
pub async fn until<T, F, Fut>(what: &str, timeout: Duration, mut check: F) -> Result<T, AwsError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Progress<T>, AwsError>>,
{
    let deadline = tokio::time::Instant::now() + timeout;
    let mut delay = Duration::from_millis(500);
    loop {
        let state = match check().await? {
            Progress::Done(value) => return Ok(value),
            Progress::Pending(state) => state,
        };
        let now = tokio::time::Instant::now();
        if now >= deadline {
            return Err(AwsError::timeout(what, format!("still {state} after {} s", timeout.as_secs())));
        }
        tokio::time::sleep(crate::jitter::half_to_full(delay).min(deadline - now)).await;
        delay = (delay * 2).min(Duration::from_secs(15));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    #[tokio::test(start_paused = true)]
    async fn returns_as_soon_as_the_resource_is_done() {
        let looks = Cell::new(0);
        let result = until("wait", Duration::from_secs(60), || {
            looks.set(looks.get() + 1);
            let n = looks.get();
            async move { Ok(if n < 3 { Progress::Pending("pending".into()) } else { Progress::Done(n) }) }
        })
        .await
        .unwrap();
        assert_eq!(result, 3);
    }

    #[tokio::test(start_paused = true)]
    async fn gives_up_at_the_deadline_with_the_last_state() {
        let start = tokio::time::Instant::now();
        let err = until::<(), _, _>("EC2.NatGatewayAvailable", Duration::from_secs(30), || async {
            Ok(Progress::Pending("pending".into()))
        })
        .await
        .unwrap_err();
        assert_eq!(err.kind, crate::error::ErrorKind::Timeout);
        assert!(err.to_string().contains("still pending after 30 s"), "{err}");
        assert!(start.elapsed() >= Duration::from_secs(30) && start.elapsed() < Duration::from_secs(31));
    }
}
