//! One writer at a time across hosts: a lease in a DynamoDB table, taken and renewed with conditional writes,
//! and a fence that every mutating AWS call passes through.
//!
//! The table has one item per lease (`lease_id`, the owner id): who holds it (`holder`: host, pid and start
//! time), until when (`expires_at`, Unix milliseconds of the holder's clock) and a fencing token that grows at
//! every acquisition. A lease is taken when it is absent, expired, or already ours; renewed only while the item
//! still names us with our token; released by expiring it at once, so that a standby takes over without
//! waiting for the TTL.
//!
//! The fence is the holder's own view: open until `renewal sent + TTL - margin`, measured on this host's
//! monotonic clock from when the renewal was *sent* (an answer that comes late does not stretch it). A holder
//! that cannot renew (cut off from the table, its item taken over) closes its fence and makes no mutating call
//! after that, whatever it was doing: the check is an SDK interceptor on every client but DynamoDB's, run
//! before each attempt is sent. The margin (a third of the TTL) covers a rate-limit wait between the check and
//! the send, and clock skew between hosts of up to that much (their clocks decide expiry in the table). The
//! keeper renews every quarter of the TTL (crates/controller/src/lease.rs).

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, KeySchemaElement, KeyType, ReturnValue, ScalarAttributeType,
    TableStatus,
};
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextMut;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;

use crate::error::{AwsError, classify};
use crate::{Aws, is_read_only};

const KEY: &str = "lease_id";

/// Whether this process may make mutating calls now.
#[derive(Debug, Clone, Default)]
pub struct Fence {
    state: Arc<Mutex<Fenced>>,
}

#[derive(Debug, Clone, Copy, Default)]
struct Fenced {
    lease: FenceState,
    /// The token the pass in progress started under: writes go out only while the lease is still held under
    /// it. A lease lost and taken again (a new token) mid-pass does not reopen the fence for a plan made
    /// before someone else may have written.
    pass_token: Option<u64>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
enum FenceState {
    /// No lease is configured: one host only, as documented; every call may go.
    #[default]
    Open,
    /// A lease is held with `token` until `until` on the monotonic clock and `wall_until` on the wall clock.
    /// Both: the monotonic clock stands still while the host is suspended, the wall clock can be set back.
    Held { token: u64, until: Instant, wall_until: SystemTime },
    /// A lease is configured and not held.
    Closed,
}

impl FenceState {
    /// The token of a lease held now.
    fn held_token(self) -> Option<u64> {
        match self {
            FenceState::Held { token, until, wall_until } => {
                (Instant::now() < until && SystemTime::now() < wall_until).then_some(token)
            }
            FenceState::Open | FenceState::Closed => None,
        }
    }
}

impl Fence {
    fn set(&self, lease: FenceState) {
        self.state.lock().expect("fence lock").lease = lease;
    }

    /// Whether the lease is held now (or none is configured), whatever pass is running.
    pub fn lease_held(&self) -> bool {
        let fenced = *self.state.lock().expect("fence lock");
        fenced.lease == FenceState::Open || fenced.lease.held_token().is_some()
    }

    /// Binds the writes from now on to the lease as held now (its token); `false` if it is not held. A pass
    /// (or a `--once`) starts with this.
    pub fn begin_pass(&self) -> bool {
        let mut fenced = self.state.lock().expect("fence lock");
        if fenced.lease == FenceState::Open {
            return true;
        }
        fenced.pass_token = fenced.lease.held_token();
        fenced.pass_token.is_some()
    }

    /// Whether a mutating call may go out now.
    pub fn allows_writes(&self) -> bool {
        let fenced = *self.state.lock().expect("fence lock");
        match fenced.lease {
            FenceState::Open => true,
            held => held.held_token().is_some_and(|token| fenced.pass_token == Some(token)),
        }
    }
}

/// Marks a mutating request that passed the fence, so that the rate limiter checks the fence again after its
/// wait, right before the request is sent (crate::rate_limit).
#[derive(Debug, Clone)]
pub(crate) struct FencedWrite(pub(crate) Fence);

impl Intercept for Fence {
    fn name(&self) -> &'static str {
        "LeaseFence"
    }

    fn modify_before_transmit(
        &self,
        context: &mut BeforeTransmitInterceptorContextMut<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let operation = cfg.load::<Metadata>().map_or("unknown", |m| m.name());
        if is_read_only(operation) {
            return Ok(());
        }
        if !self.allows_writes() {
            return Err(refusal(operation).into());
        }
        context.request_mut().add_extension(FencedWrite(self.clone()));
        Ok(())
    }
}

/// Why a mutating call was not sent.
pub(crate) fn refusal(operation: &str) -> String {
    format!("{operation} not sent: this process does not hold the lease (lost, expired or never taken)")
}

/// Who asks for the lease: `host:pid:start` (start in Unix seconds and nanoseconds), unique per process.
pub fn holder_identity() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .ok()
        .filter(|h| !h.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "unknown-host".into());
    let started = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    // The nanoseconds tell apart two processes with one host name and pid started in one second (containers
    // sharing the host's name, each its own pid 1).
    format!("{host}:{}:{}.{:09}", std::process::id(), started.as_secs(), started.subsec_nanos())
}

/// Someone else holds the lease.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeldBy {
    pub holder: String,
    /// How long until it expires unless renewed (by the holder's clock).
    pub expires_in: Duration,
}

/// What asking for the lease came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Acquired {
    /// Ours, with this fencing token.
    Ours {
        token: u64,
    },
    Theirs(HeldBy),
}

/// A lease in `table`, asked for by `holder`.
#[derive(Debug)]
pub struct Lease {
    client: aws_sdk_dynamodb::Client,
    pub table: String,
    /// The item: the owner id (one writer per owner id).
    pub id: String,
    pub holder: String,
    pub ttl: Duration,
    fence: Fence,
    /// Our fencing token while we hold it.
    token: Option<u64>,
    /// Given up for good (the process is ending): never asked for or renewed again.
    retired: bool,
}

fn now_millis() -> i64 {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    i64::try_from(now.as_millis()).unwrap_or(i64::MAX)
}

fn number(n: impl ToString) -> AttributeValue {
    AttributeValue::N(n.to_string())
}

impl Lease {
    /// A lease for `aws`'s clients: holding it opens their fence, which is closed from now until then.
    pub fn new(aws: &Aws, table: &str, id: &str, ttl: Duration) -> Lease {
        aws.fence.set(FenceState::Closed);
        if ttl / 3 <= aws.connect_timeout {
            tracing::warn!(
                ttl_s = ttl.as_secs_f64(),
                connect_timeout_s = aws.connect_timeout.as_secs_f64(),
                "a third of the lease TTL is no longer than the connect timeout: a write checked just before the \
                 fence closes could still be connecting when a standby takes over; raise --lease-ttl"
            );
        }
        Lease {
            client: aws.dynamodb.clone(),
            table: table.to_string(),
            id: id.to_string(),
            holder: holder_identity(),
            ttl,
            fence: aws.fence.clone(),
            token: None,
            retired: false,
        }
    }

    /// Our fencing token while we hold the lease.
    pub fn token(&self) -> Option<u64> {
        self.token
    }

    pub fn is_held(&self) -> bool {
        self.token.is_some() && self.fence.lease_held()
    }

    /// The fence stays open until `sent + ttl - margin`, on both clocks.
    fn held_from(&mut self, (sent, wall_sent): (Instant, SystemTime), token: u64) {
        self.token = Some(token);
        let open_for = self.ttl - self.ttl / 3;
        self.fence.set(FenceState::Held { token, until: sent + open_for, wall_until: wall_sent + open_for });
    }

    fn lost(&mut self) {
        self.token = None;
        self.fence.set(FenceState::Closed);
    }

    /// An UpdateItem of our lease's item, with `:me` bound to us.
    fn update(&self) -> aws_sdk_dynamodb::operation::update_item::builders::UpdateItemFluentBuilder {
        self.client
            .update_item()
            .table_name(&self.table)
            .key(KEY, AttributeValue::S(self.id.clone()))
            .expression_attribute_values(":me", AttributeValue::S(self.holder.clone()))
    }

    /// When a write sent now is sent (both clocks), the wall clock now in milliseconds, and the expiry it
    /// writes.
    fn times(&self) -> ((Instant, SystemTime), i64, i64) {
        let now = now_millis();
        ((Instant::now(), SystemTime::now()), now, now + i64::try_from(self.ttl.as_millis()).unwrap_or(i64::MAX))
    }

    /// Takes the lease if it is free, expired or ours already.
    pub async fn acquire(&mut self) -> Result<Acquired, AwsError> {
        if self.retired {
            return Ok(Acquired::Theirs(HeldBy {
                holder: "nobody: this process gave the lease up".into(),
                expires_in: Duration::ZERO,
            }));
        }
        let (sent, now, expires) = self.times();
        let out = self
            .update()
            .update_expression("SET holder = :me, expires_at = :expires, acquired_at = :now ADD fencing_token :one")
            .condition_expression("attribute_not_exists(lease_id) OR expires_at < :now OR holder = :me")
            .expression_attribute_values(":expires", number(expires))
            .expression_attribute_values(":now", number(now))
            .expression_attribute_values(":one", number(1))
            .return_values(ReturnValue::AllNew)
            .send()
            .await;
        match out {
            Ok(out) => {
                let token = out.attributes().and_then(|a| a.get("fencing_token")).and_then(|v| v.as_n().ok());
                let token = token.and_then(|t| t.parse().ok()).unwrap_or(1);
                self.held_from(sent, token);
                Ok(Acquired::Ours { token })
            }
            Err(err) => {
                let err = classify("DynamoDB.UpdateItem", err);
                if err.code.as_deref() != Some("ConditionalCheckFailedException") {
                    return Err(err);
                }
                self.lost();
                Ok(Acquired::Theirs(self.holder_now().await?))
            }
        }
    }

    /// Who holds it now (a consistent read).
    async fn holder_now(&self) -> Result<HeldBy, AwsError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .key(KEY, AttributeValue::S(self.id.clone()))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| classify("DynamoDB.GetItem", e))?;
        let item = out.item();
        let text = |key: &str| item.and_then(|i| i.get(key)).and_then(|v| v.as_s().ok().or(v.as_n().ok()));
        let expires_at: i64 = text("expires_at").and_then(|e| e.parse().ok()).unwrap_or(0);
        let left = u64::try_from(expires_at - now_millis()).unwrap_or(0);
        Ok(HeldBy { holder: text("holder").cloned().unwrap_or_default(), expires_in: Duration::from_millis(left) })
    }

    /// Extends the lease while the item still names us with our token. `Ok(false)`: it is no longer ours (taken
    /// over after it expired); the fence is closed. An error leaves the fence to close at its time.
    pub async fn renew(&mut self) -> Result<bool, AwsError> {
        let Some(token) = self.token else { return Ok(false) };
        let (sent, _, expires) = self.times();
        let out = self
            .update()
            .update_expression("SET expires_at = :expires")
            .condition_expression("holder = :me AND fencing_token = :token")
            .expression_attribute_values(":token", number(token))
            .expression_attribute_values(":expires", number(expires))
            .send()
            .await;
        match out {
            Ok(_) => {
                self.held_from(sent, token);
                Ok(true)
            }
            Err(err) => {
                let err = classify("DynamoDB.UpdateItem", err);
                if err.code.as_deref() == Some("ConditionalCheckFailedException") {
                    self.lost();
                    return Ok(false);
                }
                Err(err)
            }
        }
    }

    /// Gives the lease up for good and at once (it expires now), so that a standby need not wait for the TTL.
    /// A keeper still running asks for it no more (it is not cancelled mid-call: a take whose answer it never
    /// read would leave the lease held by a process that is gone).
    pub async fn release(&mut self) -> Result<(), AwsError> {
        self.retired = true;
        let Some(token) = self.token else { return Ok(()) };
        self.lost();
        self.update()
            .update_expression("SET expires_at = :zero")
            .condition_expression("holder = :me AND fencing_token = :token")
            .expression_attribute_values(":token", number(token))
            .expression_attribute_values(":zero", number(0))
            .send()
            .await
            .map(|_| ())
            .or_else(|err| {
                let err = classify("DynamoDB.UpdateItem", err);
                // Taken over already: nothing of ours to give up.
                if err.code.as_deref() == Some("ConditionalCheckFailedException") { Ok(()) } else { Err(err) }
            })
    }
}

/// Creates the lease table (on request: `--create-lease-table`) and waits until it is ACTIVE. `Ok(false)`:
/// it existed already.
pub async fn create_table(aws: &Aws, table: &str) -> Result<bool, AwsError> {
    let created = aws
        .dynamodb
        .create_table()
        .table_name(table)
        .attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name(KEY)
                .attribute_type(ScalarAttributeType::S)
                .build()
                .map_err(|e| AwsError::invalid("DynamoDB.CreateTable", e.to_string()))?,
        )
        .key_schema(
            KeySchemaElement::builder()
                .attribute_name(KEY)
                .key_type(KeyType::Hash)
                .build()
                .map_err(|e| AwsError::invalid("DynamoDB.CreateTable", e.to_string()))?,
        )
        .billing_mode(BillingMode::PayPerRequest)
        .send()
        .await;
    let made = match created {
        Ok(_) => true,
        Err(err) => {
            let err = classify("DynamoDB.CreateTable", err);
            if err.code.as_deref() != Some("ResourceInUseException") {
                return Err(err);
            }
            false
        }
    };
    for _ in 0..120 {
        let out = aws
            .dynamodb
            .describe_table()
            .table_name(table)
            .send()
            .await
            .map_err(|e| classify("DynamoDB.DescribeTable", e))?;
        if out.table().and_then(|t| t.table_status()) == Some(&TableStatus::Active) {
            return Ok(made);
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    Err(AwsError::timeout("DynamoDB.DescribeTable", format!("table {table} is not ACTIVE after 2 minutes")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn held(token: u64, monotonic: Duration, wall: Duration) -> FenceState {
        FenceState::Held { token, until: Instant::now() + monotonic, wall_until: SystemTime::now() + wall }
    }

    const LONG: Duration = Duration::from_secs(60);

    #[test]
    fn without_a_lease_every_write_goes() {
        let fence = Fence::default();
        assert!(fence.allows_writes() && fence.begin_pass());
    }

    #[test]
    fn a_pass_writes_only_under_the_token_it_began_with() {
        let fence = Fence::default();
        fence.set(FenceState::Closed);
        assert!(!fence.begin_pass() && !fence.allows_writes(), "closed: no pass, no write");
        fence.set(held(1, LONG, LONG));
        assert!(!fence.allows_writes(), "held, but no pass bound to it yet");
        assert!(fence.begin_pass() && fence.allows_writes());
        // Lost and taken again mid-pass: someone else may have written meanwhile; this pass writes no more.
        fence.set(held(2, LONG, LONG));
        assert!(fence.lease_held() && !fence.allows_writes());
        assert!(fence.begin_pass() && fence.allows_writes(), "the next pass may");
    }

    #[test]
    fn either_clock_running_out_closes_the_fence() {
        let fence = Fence::default();
        fence.set(held(1, LONG, LONG));
        assert!(fence.begin_pass());
        // The wall clock past the end (a host resumed from suspend, whose monotonic clock stood still).
        fence.set(held(1, LONG, Duration::ZERO));
        assert!(!fence.allows_writes() && !fence.lease_held());
        fence.set(held(1, Duration::ZERO, LONG));
        assert!(!fence.allows_writes());
    }

    #[test]
    fn each_holder_identity_is_its_own_even_within_one_second_and_pid() {
        assert_ne!(holder_identity(), holder_identity());
    }
}
