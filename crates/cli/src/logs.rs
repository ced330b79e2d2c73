//! `reconciler logs [SERVICE...] [--follow] [--since DURATION] [--filter PATTERN]`: the services' CloudWatch
//! Logs, interleaved in time order, each line prefixed with its service and task as `copilot svc logs` shows
//! them. Where the logs are comes from the desired state (each container's awslogs group and stream prefix),
//! so an unknown service fails before any AWS call. Read only: one FilterLogEvents (paginated) per log group
//! and stream prefix per poll.

use std::io::Write;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use reconciler_aws::Aws;
use reconciler_aws::logs::{EventQuery, LogEvent, filter_events, utc_millis};
use serde_json::json;
use tokio::signal::unix::{SignalKind, signal};

use crate::args::{LogsArgs, Output};
use crate::exit;
use crate::log_window::{Origin, Source, Window, interleave, label, sources};

/// How often --follow asks again. FilterLogEvents has a low per-account rate quota (5 a second by default,
/// shared with every other reader of the account's logs): one call per source every 2 s leaves room.
const POLL_INTERVAL: Duration = Duration::from_secs(2);

pub async fn run(args: &LogsArgs, client: &reconciler_aws::ClientOptions) -> i32 {
    let (desired, aws) = match crate::validate::desired_and_aws(&args.config_dir, client).await {
        Ok(both) => both,
        Err(code) => return code,
    };
    let sources = match sources(&desired, &args.services) {
        Ok(sources) => sources,
        Err(err) => {
            eprintln!("error: {err}");
            return exit::ERROR;
        }
    };
    let since_ms = now_ms() - i64::try_from(args.since.as_millis()).unwrap_or(i64::MAX);
    let mut printer = Printer::new(args.output, &sources);
    tokio::select! {
        code = show(&aws, &sources, args, since_ms, &mut printer) => code,
        // Between polls or during one: nothing is half printed (printing never waits).
        () = stop_signal() => exit::OK,
    }
}

/// Reads and prints until done (without --follow: one poll), the pipe closes, or a call fails.
async fn show(aws: &Aws, sources: &[Source], args: &LogsArgs, since_ms: i64, printer: &mut Printer) -> i32 {
    let pattern = args.filter.as_deref().filter(|p| !p.trim().is_empty());
    let mut windows: Vec<Window> = sources.iter().map(|_| Window::new(since_ms)).collect();
    let mut missing_groups_told = false;
    loop {
        let (lines, missing) = match poll(aws, sources, &mut windows, pattern).await {
            Ok(polled) => polled,
            Err(err) => {
                eprintln!("error: {err}");
                return exit::ERROR;
            }
        };
        if !missing.is_empty() && !missing_groups_told {
            eprintln!("warning: no log group {} yet: nothing to show from it", missing.join(", "));
            missing_groups_told = true;
        }
        match printer.print(&lines) {
            Ok(()) => {}
            // `reconciler logs ... | head`: the reader has what it wanted.
            Err(err) if err.kind() == std::io::ErrorKind::BrokenPipe => return exit::OK,
            Err(err) => {
                eprintln!("error: writing the logs: {err}");
                return exit::ERROR;
            }
        }
        if !args.follow {
            return exit::OK;
        }
        tokio::time::sleep(POLL_INTERVAL).await;
    }
}

/// One query per source, the new events of all of them in time order; and the log groups that do not exist.
async fn poll(
    aws: &Aws,
    sources: &[Source],
    windows: &mut [Window],
    pattern: Option<&str>,
) -> Result<(Vec<(Origin, LogEvent)>, Vec<String>), reconciler_aws::AwsError> {
    let polled_at = now_ms();
    let queries = sources.iter().zip(windows.iter()).map(|(source, window)| async move {
        let prefix = source.query_prefix();
        let query = EventQuery { group: &source.group, stream_prefix: &prefix, start_ms: window.start_ms(), pattern };
        filter_events(aws, &query).await
    });
    let answers = futures::future::join_all(queries).await;
    let mut batches = Vec::new();
    let mut missing = Vec::new();
    for ((source, window), answer) in sources.iter().zip(windows.iter_mut()).zip(answers) {
        let Some(events) = answer? else {
            missing.push(source.group.clone());
            continue;
        };
        let fresh = events
            .into_iter()
            .filter_map(|event| Some((source.origin(&event.stream)?, event)))
            .filter(|(_, event)| window.record(event))
            .collect();
        window.advance(polled_at);
        batches.push(fresh);
    }
    Ok((interleave(batches), missing))
}

/// Prints lines as text (`SERVICE/TASK  TIME  MESSAGE`, the prefixes padded to one width) or one JSON object
/// a line.
struct Printer {
    output: Output,
    width: usize,
}

impl Printer {
    fn new(output: Output, sources: &[Source]) -> Printer {
        // The longest main-container label: a service name, `/` and 8 characters of task id.
        let width = sources.iter().flat_map(|s| s.containers.values()).map(|w| w.service.len() + 9).max();
        Printer { output, width: width.unwrap_or(0) }
    }

    fn print(&mut self, lines: &[(Origin, LogEvent)]) -> std::io::Result<()> {
        if lines.is_empty() {
            return Ok(());
        }
        let mut out = std::io::BufWriter::new(std::io::stdout().lock());
        for (origin, event) in lines {
            let message = event.message.trim_end_matches(['\n', '\r']);
            match self.output {
                Output::Text => {
                    let width = self.width;
                    writeln!(out, "{:<width$}  {}  {message}", label(origin), utc_millis(event.timestamp))?
                }
                Output::Json => writeln!(out, "{}", json_line(origin, event, message))?,
            }
        }
        out.flush()
    }
}

fn json_line(origin: &Origin, event: &LogEvent, message: &str) -> serde_json::Value {
    json!({
        "service": origin.service,
        "sidecar": origin.sidecar,
        "task": origin.task,
        "stream": event.stream,
        "timestamp": utc_millis(event.timestamp),
        "timestamp_ms": event.timestamp,
        "message": message,
    })
}

/// Ctrl-C or SIGTERM (as from systemd or `timeout`).
async fn stop_signal() {
    let (Ok(mut terminate), Ok(mut interrupt)) = (signal(SignalKind::terminate()), signal(SignalKind::interrupt()))
    else {
        // Without handlers the default action (exit) still stops the command.
        return std::future::pending().await;
    };
    tokio::select! {
        _ = terminate.recv() => {}
        _ = interrupt.recv() => {}
    }
}

fn now_ms() -> i64 {
    let since_epoch = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    i64::try_from(since_epoch.as_millis()).unwrap_or(i64::MAX)
}
