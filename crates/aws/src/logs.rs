//! What `reconciler logs` reads: the events of a log group's streams under a prefix (FilterLogEvents). Read
//! only.

use crate::Aws;
use crate::error::{AwsError, classify};

/// One log event as FilterLogEvents returns it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogEvent {
    /// Unique within the log group: what tells two events of the same millisecond apart across polls.
    pub id: String,
    pub stream: String,
    /// When the container wrote it, in milliseconds since the epoch.
    pub timestamp: i64,
    pub message: String,
}

/// What to ask a log group for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventQuery<'a> {
    pub group: &'a str,
    /// `PREFIX/`: the streams the awslogs driver names `PREFIX/CONTAINER/TASKID`.
    pub stream_prefix: &'a str,
    /// Events from this time on (milliseconds since the epoch).
    pub start_ms: i64,
    /// A CloudWatch Logs filter pattern, if any.
    pub pattern: Option<&'a str>,
}

/// Every event of the query, all pages read. `None` when the log group does not exist (yet).
///
/// Where the emulator differs: moto ignores `logStreamNamePrefix` (it searches every stream of the group) and
/// understands only terms and quoted phrases in `filterPattern` (other patterns match everything); it also
/// returns events grouped by stream unless `interleaved` is set. AWS applies the prefix and the full pattern
/// syntax and always interleaves. Callers therefore match stream names themselves and sort.
pub async fn filter_events(aws: &Aws, query: &EventQuery<'_>) -> Result<Option<Vec<LogEvent>>, AwsError> {
    let mut pages = aws
        .logs
        .filter_log_events()
        .log_group_name(query.group)
        .log_stream_name_prefix(query.stream_prefix)
        .start_time(query.start_ms)
        .set_filter_pattern(query.pattern.map(str::to_string))
        // The API maximum: fewer calls per poll (FilterLogEvents has a low per-account rate quota).
        .limit(10_000)
        .into_paginator()
        .send();
    let mut events = Vec::new();
    // AWS may answer with empty pages and a next token while it searches: only a page without a token ends.
    while let Some(page) = pages.next().await {
        let page = match page.map_err(|e| classify("CloudWatchLogs.FilterLogEvents", e)) {
            Ok(page) => page,
            Err(err) if err.is_not_found() => return Ok(None),
            Err(err) => return Err(err),
        };
        events.extend(page.events().iter().map(|event| LogEvent {
            id: event.event_id().unwrap_or_default().to_string(),
            stream: event.log_stream_name().unwrap_or_default().to_string(),
            timestamp: event.timestamp().unwrap_or_default(),
            message: event.message().unwrap_or_default().to_string(),
        }));
    }
    Ok(Some(events))
}

/// `2026-12-04T02:41:31Z`: seconds since the epoch in RFC 3339, UTC.
pub fn utc_seconds(seconds: i64) -> String {
    use aws_smithy_types::date_time::{DateTime, Format};
    DateTime::from_secs(seconds).fmt(Format::DateTime).unwrap_or_else(|_| seconds.to_string())
}

/// `2026-12-04T02:41:31.123Z`: an event's time, always with milliseconds so that lines line up.
pub fn utc_millis(timestamp_ms: i64) -> String {
    let seconds = utc_seconds(timestamp_ms.div_euclid(1000));
    match seconds.strip_suffix('Z') {
        Some(seconds) => format!("{seconds}.{:03}Z", timestamp_ms.rem_euclid(1000)),
        None => timestamp_ms.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_have_milliseconds_even_when_they_are_zero() {
        assert_eq!(utc_millis(1_764_815_291_123), "2025-12-04T02:28:11.123Z");
        assert_eq!(utc_millis(1_764_815_291_000), "2025-12-04T02:28:11.000Z");
        assert_eq!(utc_millis(0), "1970-01-01T00:00:00.000Z");
    }
}
