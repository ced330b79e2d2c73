//! Creates that AWS cannot make idempotent. CreateVpc, CreateInternetGateway and AllocateAddress take no
//! client token: if such a call takes effect and its answer is lost (a 5xx, a timeout, a dropped connection),
//! sending it again makes a second resource. So the SDK does not retry these calls (its retries would resend
//! blindly); [`create_once`] does, and after a failure that may have taken effect it first looks for the
//! resource by our tags (every create tags in the same call, so a resource that exists carries them).
//!
//! AWS's reads are eventually consistent: a resource created a moment ago may not be listed yet, and would
//! then be created again. The look waits for the backoff first, and the planner's duplicate rule deletes a
//! copy that still gets through at the next pass. Calls with a token (RunInstances, CreateNatGateway,
//! CreateRouteTable, Cloud Map's CreatorRequestId, ECS CreateService) are safe to retry as they are.

use std::collections::BTreeMap;
use std::future::Future;
use std::time::Duration;

use reconciler_plan::Address;
use reconciler_plan::ownership::Owner;

use crate::error::{AwsError, ErrorKind};

/// Whether `tags` say the resource is ours at `address`: what a look must check before it takes a resource
/// found by name (not by our tags) for the one a lost answer made.
pub(crate) fn tagged_ours(owner_id: &str, address: &Address, tags: &BTreeMap<String, String>) -> bool {
    Owner::from_tags(owner_id, tags) == Owner::Us(address.clone())
}

/// The first wait between attempts; it doubles up to [`MAX_BACKOFF`], with jitter.
const FIRST_BACKOFF: Duration = Duration::from_millis(200);
const MAX_BACKOFF: Duration = Duration::from_secs(20);

/// Sends `send` (which must not be retried by the SDK) until it succeeds, at most `attempts` times. A
/// throttled attempt did nothing and is simply sent again; after an ambiguous failure `look` is asked first
/// whether the resource exists, and what it finds is the answer if it does (the same `T` the create answers:
/// an id, or the resource). Any other error is returned at once.
pub(crate) async fn create_once<T, S, SF, L, LF>(attempts: u32, send: S, look: L) -> Result<T, AwsError>
where
    S: Fn() -> SF,
    SF: Future<Output = Result<T, AwsError>>,
    L: Fn() -> LF,
    LF: Future<Output = Result<Option<T>, AwsError>>,
{
    let mut attempt = 1;
    loop {
        let error = match send().await {
            Ok(id) => return Ok(id),
            Err(error) => error,
        };
        let ambiguous = match error.kind {
            ErrorKind::Throttled => false,
            ErrorKind::Transient => true,
            _ => return Err(error),
        };
        if attempt >= attempts.max(1) {
            return Err(error);
        }
        tokio::time::sleep(backoff(attempt)).await;
        if ambiguous && let Some(found) = look().await? {
            tracing::info!(operation = %error.operation, "the answer was lost but the create took effect");
            return Ok(found);
        }
        attempt += 1;
    }
}

/// Exponential, capped, jittered between half and all of it.
fn backoff(attempt: u32) -> Duration {
    crate::jitter::half_to_full(FIRST_BACKOFF.saturating_mul(1 << attempt.min(16)).min(MAX_BACKOFF))
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};

    use super::*;

    fn error(kind: ErrorKind) -> AwsError {
        AwsError { kind, operation: "EC2.CreateVpc".into(), code: None, message: "lost".into() }
    }

    #[tokio::test(start_paused = true)]
    async fn a_lost_answer_is_found_by_looking_not_by_sending_again() {
        let sent = AtomicU32::new(0);
        let result = create_once(
            5,
            || async {
                sent.fetch_add(1, Ordering::Relaxed);
                Err(error(ErrorKind::Transient))
            },
            || async { Ok(Some("vpc-1".to_string())) },
        )
        .await;
        assert_eq!(result.unwrap(), "vpc-1");
        assert_eq!(sent.load(Ordering::Relaxed), 1, "sent once");
    }

    #[tokio::test(start_paused = true)]
    async fn throttling_is_sent_again_without_looking_and_other_errors_are_not_retried() {
        let sent = AtomicU32::new(0);
        let looked = AtomicU32::new(0);
        let result = create_once(
            5,
            || async {
                let n = sent.fetch_add(1, Ordering::Relaxed);
                if n < 2 { Err(error(ErrorKind::Throttled)) } else { Ok("vpc-2".to_string()) }
            },
            || async {
                looked.fetch_add(1, Ordering::Relaxed);
                Ok(None)
            },
        )
        .await;
        assert_eq!(
            (result.unwrap().as_str(), sent.load(Ordering::Relaxed), looked.load(Ordering::Relaxed)),
            ("vpc-2", 3, 0)
        );

        let sent = AtomicU32::new(0);
        let result = create_once(
            5,
            || async {
                sent.fetch_add(1, Ordering::Relaxed);
                Err(error(ErrorKind::Invalid))
            },
            || async { Ok(None::<String>) },
        )
        .await;
        assert_eq!((result.unwrap_err().kind, sent.load(Ordering::Relaxed)), (ErrorKind::Invalid, 1));
    }

    #[tokio::test(start_paused = true)]
    async fn nothing_found_after_a_lost_answer_is_sent_again_up_to_the_attempts() {
        let sent = AtomicU32::new(0);
        let result = create_once(
            3,
            || async {
                sent.fetch_add(1, Ordering::Relaxed);
                Err(error(ErrorKind::Transient))
            },
            || async { Ok(None::<String>) },
        )
        .await;
        assert_eq!((result.unwrap_err().kind, sent.load(Ordering::Relaxed)), (ErrorKind::Transient, 3));
    }
}
