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
use aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextRef;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;

use crate::error::{AwsError, classify};
use crate::{Aws, is_read_only};

const KEY: &str = "lease_id";

/// Whether this process may make mutating calls now.
#[derive(Debug, Clone, Default)]
pub struct Fence {
    state: Arc<Mutex<FenceState>>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
enum FenceState {
    /// No lease is configured: one host only, as documented; every call may go.
    #[default]
    Open,
    /// A lease is held until this instant.
    HeldUntil(Instant),
    /// A lease is configured and not held.
    Closed,
}

impl Fence {
    fn set(&self, state: FenceState) {
        *self.state.lock().expect("fence lock") = state;
    }

    /// Whether a mutating call may go out now.
    pub fn allows_writes(&self) -> bool {
        match *self.state.lock().expect("fence lock") {
            FenceState::Open => true,
            FenceState::HeldUntil(until) => Instant::now() < until,
            FenceState::Closed => false,
        }
    }
}

impl Intercept for Fence {
    fn name(&self) -> &'static str {
        "LeaseFence"
    }

    fn read_before_transmit(
        &self,
        _context: &BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let operation = cfg.load::<Metadata>().map_or("unknown", |m| m.name());
        if is_read_only(operation) || self.allows_writes() {
            return Ok(());
        }
        Err(format!("{operation} not sent: this process does not hold the lease (lost, expired or never taken)").into())
    }
}

/// Who asks for the lease: `host:pid:start` (start in Unix seconds), unique per process.
pub fn holder_identity() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .ok()
        .filter(|h| !h.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "unknown-host".into());
    let started = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default().as_secs();
    format!("{host}:{}:{started}", std::process::id())
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
        Lease {
            client: aws.dynamodb.clone(),
            table: table.to_string(),
            id: id.to_string(),
            holder: holder_identity(),
            ttl,
            fence: aws.fence.clone(),
            token: None,
        }
    }

    /// Our fencing token while we hold the lease.
    pub fn token(&self) -> Option<u64> {
        self.token
    }

    pub fn is_held(&self) -> bool {
        self.token.is_some() && self.fence.allows_writes()
    }

    /// The fence stays open until `sent + ttl - margin`.
    fn held_from(&mut self, sent: Instant, token: u64) {
        self.token = Some(token);
        self.fence.set(FenceState::HeldUntil(sent + self.ttl - self.ttl / 3));
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

    /// When a write sent now is sent (monotonic), the wall clock now, and the expiry it writes.
    fn times(&self) -> (Instant, i64, i64) {
        let now = now_millis();
        (Instant::now(), now, now + i64::try_from(self.ttl.as_millis()).unwrap_or(i64::MAX))
    }

    /// Takes the lease if it is free, expired or ours already.
    pub async fn acquire(&mut self) -> Result<Acquired, AwsError> {
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

    /// Gives the lease up at once (it expires now), so that a standby need not wait for the TTL.
    pub async fn release(&mut self) -> Result<(), AwsError> {
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
