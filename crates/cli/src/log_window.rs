//! The pure half of `reconciler logs`: which log streams belong to which service, which events of a poll are
//! new, and the order they are printed in. No AWS here: tested as plain code.

use std::collections::{BTreeMap, HashMap};

use reconciler_aws::logs::LogEvent;
use reconciler_spec::{Desired, Logs};

/// How far behind the newest event seen a follow keeps looking for events that arrive late. The awslogs
/// driver sends in batches (every 5 s by default) and each task on its own schedule, so an event can reach
/// CloudWatch Logs after a newer one of another task. Longer catches later arrivals and re-reads more each
/// poll (the re-read events are recognised by id and not printed again).
pub const LATE_ARRIVAL_MS: i64 = 30_000;

/// One FilterLogEvents query: a log group and a stream prefix, and whose containers write there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    pub group: String,
    /// The awslogs stream prefix, without the `/` that follows it in stream names.
    pub stream_prefix: String,
    /// Container name -> whose it is.
    pub containers: BTreeMap<String, Writer>,
}

/// The container that writes a stream: of which service, and whether it is a sidecar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Writer {
    /// The service's declaration name.
    pub service: String,
    pub sidecar: bool,
}

/// Where an event came from, as a person reads it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Origin {
    /// The service's declaration name.
    pub service: String,
    /// The sidecar's name; `None` for the main container.
    pub sidecar: Option<String>,
    /// The full task id (the last part of the stream name).
    pub task: String,
}

/// The log sources of `services` (declaration names; none: every service that sends logs), one per log
/// group and stream prefix. Checked before any AWS call: `Err` names the unknown service and the declared
/// ones, or the service that has no `logs` section.
pub fn sources(desired: &Desired, services: &[String]) -> Result<Vec<Source>, String> {
    if let Some(unknown) = services.iter().find(|s| !desired.services.contains_key(*s)) {
        let known: Vec<&String> = desired.services.keys().collect();
        return Err(format!("no service `{unknown}` is declared; the declared ones: {known:?}"));
    }
    let mut by_destination: BTreeMap<(String, String), BTreeMap<String, Writer>> = BTreeMap::new();
    for (name, declared) in &desired.services {
        if !services.is_empty() && !services.contains(name) {
            continue;
        }
        let service = &declared.spec;
        // The main container is named after the ECS service (as the planner builds the task definition).
        let main = service.logs.as_ref().map(|logs| (service.service_name.as_str(), false, logs));
        // A sidecar logs where the service does unless it says otherwise.
        let sidecars = service.sidecars.iter().filter_map(|(container, s)| {
            s.logs.as_ref().or(service.logs.as_ref()).map(|l| (container.as_str(), true, l))
        });
        let containers: Vec<(&str, bool, &Logs)> = main.into_iter().chain(sidecars).collect();
        if containers.is_empty() && !services.is_empty() {
            return Err(format!(
                "service `{name}` ({}) sends no logs to CloudWatch Logs: it has no `logs` section",
                declared.location
            ));
        }
        for (container, sidecar, logs) in containers {
            let group = desired.log_groups.get(&logs.log_group).map_or(&logs.log_group, |g| &g.spec.group_name);
            let key = (group.clone(), logs.stream_prefix.clone());
            by_destination
                .entry(key)
                .or_default()
                .insert(container.to_string(), Writer { service: name.clone(), sidecar });
        }
    }
    if by_destination.is_empty() {
        return Err("no declared service sends logs to CloudWatch Logs (none has a `logs` section)".into());
    }
    let sources = by_destination.into_iter();
    Ok(sources.map(|((group, stream_prefix), containers)| Source { group, stream_prefix, containers }).collect())
}

impl Source {
    /// The prefix FilterLogEvents is given: the awslogs driver names streams `PREFIX/CONTAINER/TASKID`.
    pub fn query_prefix(&self) -> String {
        format!("{}/", self.stream_prefix)
    }

    /// Whose stream `stream` is; `None` for a stream of something else in the same log group (the emulator
    /// ignores the stream prefix and returns those too).
    pub fn origin(&self, stream: &str) -> Option<Origin> {
        let rest = stream.strip_prefix(&self.query_prefix())?;
        let (container, task) = rest.rsplit_once('/')?;
        let writer = self.containers.get(container)?;
        let sidecar = writer.sidecar.then(|| container.to_string());
        Some(Origin { service: writer.service.clone(), sidecar, task: task.to_string() })
    }
}

/// The events of one source already shown, and where its next query starts. A follow re-reads the last
/// [`LATE_ARRIVAL_MS`] before the newest event each poll, so that an event arriving late is not missed and
/// one at the same millisecond as an event already shown is not dropped; ids keep each from printing twice.
#[derive(Debug, Clone)]
pub struct Window {
    start_ms: i64,
    /// Event id -> timestamp, of the events shown at or after `start_ms` (older ones cannot come back).
    seen: HashMap<String, i64>,
}

impl Window {
    /// A window that starts at `since_ms`.
    pub fn new(since_ms: i64) -> Window {
        Window { start_ms: since_ms, seen: HashMap::new() }
    }

    /// Where the next query starts (milliseconds since the epoch).
    pub fn start_ms(&self) -> i64 {
        self.start_ms
    }

    /// Whether `event` is new (not shown before); it is remembered either way.
    pub fn record(&mut self, event: &LogEvent) -> bool {
        self.seen.insert(event.id.clone(), event.timestamp).is_none()
    }

    /// After a poll: moves the start on to [`LATE_ARRIVAL_MS`] before the newest event, and forgets the ids
    /// before it. `now_ms` caps how far: an event stamped in the future (a producer's clock ahead) must not
    /// carry the window past events still to come. The start never moves back, so forgotten ids cannot
    /// return.
    pub fn advance(&mut self, now_ms: i64) {
        if let Some(newest) = self.seen.values().max() {
            self.start_ms = self.start_ms.max(newest.min(&now_ms) - LATE_ARRIVAL_MS);
        }
        let start = self.start_ms;
        self.seen.retain(|_, timestamp| *timestamp >= start);
    }

    #[cfg(test)]
    fn remembered(&self) -> usize {
        self.seen.len()
    }
}

/// The events of several sources as one stream: in time order, ties broken by service, task and event id so
/// that the order does not depend on which answer came first.
pub fn interleave(batches: Vec<Vec<(Origin, LogEvent)>>) -> Vec<(Origin, LogEvent)> {
    let mut all: Vec<(Origin, LogEvent)> = batches.into_iter().flatten().collect();
    all.sort_by(|(a, x), (b, y)| (x.timestamp, a, &x.id).cmp(&(y.timestamp, b, &y.id)));
    all
}

/// `ecsdemo-frontend/3f2a4b1c` (the main container) or `ecsdemo-frontend/3f2a4b1c/otel` (a sidecar): the
/// service and the first 8 characters of the task id, as `copilot svc logs` shortens them.
pub fn label(origin: &Origin) -> String {
    let short: String = origin.task.chars().take(8).collect();
    match &origin.sidecar {
        None => format!("{}/{short}", origin.service),
        Some(sidecar) => format!("{}/{short}/{sidecar}", origin.service),
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    fn event(id: &str, timestamp: i64) -> LogEvent {
        LogEvent { id: id.into(), stream: "s".into(), timestamp, message: format!("m{id}") }
    }

    /// One poll's answer through the window: the ids it shows.
    fn admit(window: &mut Window, events: &[LogEvent], now_ms: i64) -> Vec<String> {
        let fresh = events.iter().filter(|e| window.record(e)).map(|e| e.id.clone()).collect();
        window.advance(now_ms);
        fresh
    }

    fn workshop() -> Desired {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config");
        reconciler_spec::load_dir(&dir).expect("the shipped workshop is valid")
    }

    #[test]
    fn an_event_at_the_same_millisecond_as_one_shown_is_shown_once_and_the_other_not_dropped() {
        let mut window = Window::new(0);
        assert_eq!(admit(&mut window, &[event("a", 1_000)], 1_000), ["a"]);
        // The next poll starts at or before 1 000 ms: `a` comes back with `b`, written the same millisecond.
        assert!(window.start_ms() <= 1_000);
        assert_eq!(admit(&mut window, &[event("a", 1_000), event("b", 1_000)], 2_000), ["b"]);
        assert_eq!(admit(&mut window, &[event("a", 1_000), event("b", 1_000)], 3_000), Vec::<String>::new());
    }

    #[test]
    fn an_event_arriving_after_a_newer_one_is_still_found() {
        let mut window = Window::new(0);
        admit(&mut window, &[event("new", 100_000)], 100_000);
        // Another task's batch arrives late with an older event: the next query still covers its time.
        assert!(window.start_ms() <= 100_000 - LATE_ARRIVAL_MS);
        assert_eq!(admit(&mut window, &[event("new", 100_000), event("late", 80_000)], 102_000), ["late"]);
    }

    #[test]
    fn the_window_starts_at_since_moves_with_the_events_and_never_back() {
        let mut window = Window::new(50_000);
        assert_eq!(window.start_ms(), 50_000);
        admit(&mut window, &[event("a", 60_000)], 60_000);
        assert_eq!(window.start_ms(), 50_000, "not before --since");
        admit(&mut window, &[event("b", 200_000)], 200_000);
        assert_eq!(window.start_ms(), 200_000 - LATE_ARRIVAL_MS);
        admit(&mut window, &[], 10_000);
        assert_eq!(window.start_ms(), 200_000 - LATE_ARRIVAL_MS, "a clock stepping back does not reopen it");
        assert_eq!(window.remembered(), 1, "ids before the start are forgotten: `a` can no longer come back");
    }

    #[test]
    fn an_event_stamped_in_the_future_does_not_carry_the_window_past_events_to_come() {
        let mut window = Window::new(0);
        admit(&mut window, &[event("ahead", 10_000_000)], 100_000);
        assert_eq!(window.start_ms(), 100_000 - LATE_ARRIVAL_MS);
        assert_eq!(admit(&mut window, &[event("now", 101_000)], 101_000), ["now"]);
    }

    #[test]
    fn services_are_interleaved_in_time_order() {
        let origin = |service: &str| Origin { service: service.into(), sidecar: None, task: "t".into() };
        let a = vec![(origin("a"), event("1", 10)), (origin("a"), event("3", 30))];
        let b = vec![(origin("b"), event("2", 20)), (origin("b"), event("4", 30))];
        let merged = interleave(vec![b, a]);
        let order: Vec<(&str, &str)> = merged.iter().map(|(o, e)| (o.service.as_str(), e.id.as_str())).collect();
        assert_eq!(order, [("a", "1"), ("b", "2"), ("a", "3"), ("b", "4")]);
    }

    #[test]
    fn each_workshop_service_is_one_source_and_its_streams_are_recognised() {
        let sources = sources(&workshop(), &["ecsdemo-frontend".into(), "ecsdemo-nodejs".into()]).unwrap();
        let groups: Vec<(&str, &str)> = sources.iter().map(|s| (s.group.as_str(), s.stream_prefix.as_str())).collect();
        assert_eq!(groups, [("/ecs/ecsdemo-frontend", "ecsdemo-frontend"), ("/ecs/ecsdemo-nodejs", "ecsdemo-nodejs")]);
        let frontend = &sources[0];
        let origin = frontend.origin("ecsdemo-frontend/ecsdemo-frontend/3f2a4b1c9d8e").unwrap();
        assert_eq!((origin.service.as_str(), origin.task.as_str()), ("ecsdemo-frontend", "3f2a4b1c9d8e"));
        assert_eq!(label(&origin), "ecsdemo-frontend/3f2a4b1c");
        assert_eq!(frontend.origin("ecsdemo-nodejs/ecsdemo-nodejs/3f2a"), None, "another service's stream");
        assert_eq!(frontend.origin("ecsdemo-frontend/other/3f2a"), None, "a container not of this service");
    }

    #[test]
    fn a_sidecar_is_labelled_with_its_container() {
        let origin = Origin { service: "api".into(), sidecar: Some("otel".into()), task: "0123456789abcdef".into() };
        assert_eq!(label(&origin), "api/01234567/otel");
    }

    #[test]
    fn an_unknown_service_is_refused_naming_the_declared_ones() {
        let err = sources(&workshop(), &["nope".into()]).unwrap_err();
        assert!(err.contains("no service `nope` is declared"), "{err}");
        assert!(err.contains("\"ecsdemo-crystal\", \"ecsdemo-frontend\", \"ecsdemo-nodejs\""), "{err}");
    }
}
