//! A fault-injecting HTTP proxy between the reconciler (or an SDK client) and the emulator. The emulator has no
//! fault injection of its own (shared/EMULATOR.md), and this keeps the real SDK, the real binary and the real
//! emulator in the loop. Three ways to spoil a day:
//!
//! - a needle ([`FaultProxy::with_fault`]): requests containing a string get a [`Fault`]: an error, a delay, or
//!   a "ghost" (the emulator makes the change, the client gets a 500);
//! - a cut ([`FaultProxy::cut`]): from the N-th mutating request on, nothing is answered any more, as when the
//!   network goes away; the test then kills the reconciler;
//! - a random profile ([`FaultProxy::random`]): seeded shares of throttling, 5xx answers and latency.
//!
//! Requests the proxy leaves alone are forwarded as they came, but for `Connection: close`: one request per
//! connection, so the emulator's answer can be read to its end (moto closes after every answer anyway, so the SDK
//! never reuses a connection to it). The AWS operation of a request is its form body's `Action=` (EC2, IAM,
//! ELBv2) or its `X-Amz-Target` header (the JSON services); which requests are mutating: [`is_mutating`].
//! Every injected fault is logged on stderr, which the test runner shows for a failing test.

mod answer;
mod random;
mod request;

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use answer::Refusal;
use random::SplitMix64;
pub use request::is_mutating;
use request::{Protocol, Request};

/// What the proxy does to a request that contains the needle.
#[derive(Debug, Clone, Copy)]
pub enum Fault {
    /// Answer with a non-retryable error (EC2's `InvalidParameterValue`; `ValidationError` or
    /// `ValidationException` in the other protocols). It never reaches the emulator.
    Error,
    /// Forward it, but only after this long (an AWS call still in flight).
    Delay(Duration),
    /// Forward it, so it takes effect, then answer HTTP 500 (EC2's `InternalError`, elsewhere `InternalFailure`)
    /// instead of the emulator's answer: AWS made the change and the answer was lost.
    Ghost,
}

/// Where a cut falls: from the `from_mutating`-th mutating request on (counting from 1), or from the first
/// request for `from_operation`, no answer comes back.
#[derive(Debug, Clone, Copy)]
pub struct Cut {
    pub from_mutating: usize,
    /// If set, the cut falls at the first mutating request for this operation (e.g. `CreateInstanceProfile`)
    /// instead, wherever it comes in the pass.
    pub from_operation: Option<&'static str>,
    /// Whether the cut requests are forwarded first (they take effect; only the answer is lost) or never
    /// reach the emulator.
    pub reaches_aws: bool,
}

impl Cut {
    /// The cut requests never reach AWS.
    pub fn before_aws(from_mutating: usize) -> Cut {
        Cut { from_mutating, from_operation: None, reaches_aws: false }
    }

    /// The cut requests reach AWS and take effect; their answers never come back.
    pub fn after_aws(from_mutating: usize) -> Cut {
        Cut { from_mutating, from_operation: None, reaches_aws: true }
    }

    /// The cut falls at the first request for `operation`, which reaches AWS or not.
    pub fn at_first(operation: &'static str, reaches_aws: bool) -> Cut {
        Cut { from_mutating: 1, from_operation: Some(operation), reaches_aws }
    }
}

/// Shares (0.0 to 1.0, exclusive of each other) of AWS requests that get each fault; the rest pass untouched.
#[derive(Debug, Clone, Copy)]
pub struct RandomProfile {
    /// Replaying a seed replays the faults: the fate of a request depends on the seed, its operation and how many
    /// requests of that operation came before it.
    pub seed: u64,
    /// Answered with the protocol's throttling error (HTTP 400), not forwarded.
    pub throttled: f64,
    /// Answered HTTP 503 or 500 (one each in two), not forwarded.
    pub server_errors: f64,
    /// Forwarded after a delay of up to `max_latency`.
    pub delayed: f64,
    pub max_latency: Duration,
}

impl RandomProfile {
    /// A bad but survivable day: 10 % throttled, 5 % server errors, 20 % up to 300 ms late.
    pub fn bad_day(seed: u64) -> RandomProfile {
        RandomProfile {
            seed,
            throttled: 0.10,
            server_errors: 0.05,
            delayed: 0.20,
            max_latency: Duration::from_millis(300),
        }
    }

    /// Heavy weather: 30 % of calls throttled, 10 % answered 5xx (neither reaches AWS, so a retry is safe), 20 %
    /// up to 200 ms late.
    pub fn heavy(seed: u64) -> RandomProfile {
        RandomProfile {
            seed,
            throttled: 0.3,
            server_errors: 0.1,
            delayed: 0.2,
            max_latency: Duration::from_millis(200),
        }
    }
}

/// A seed for a random profile: `FAULT_PROXY_SEED` if set (to replay a failure), else a new one from the clock.
/// Printed either way, so a failing test's output says how to replay it.
pub fn seed_from_env() -> u64 {
    let seed = std::env::var("FAULT_PROXY_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or_else(|| {
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
        now.as_nanos() as u64
    });
    eprintln!("fault proxy seed {seed} (replay with FAULT_PROXY_SEED={seed})");
    seed
}

/// What the proxy has seen and done so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FaultCounts {
    /// Every request, AWS operation or not.
    pub requests: usize,
    /// Requests whose operation is mutating ([`is_mutating`]).
    pub mutating: usize,
    /// Answered with [`Fault::Error`].
    pub refused: usize,
    /// Forwarded late ([`Fault::Delay`], or the random profile's latency).
    pub delayed: usize,
    /// Forwarded, then answered 500 ([`Fault::Ghost`]).
    pub ghosted: usize,
    /// Never answered (a [`Cut`]).
    pub held: usize,
    /// Of those, the ones that reached the emulator before they were held (a cut after AWS).
    pub held_after_aws: usize,
    /// Answered with the throttling error (random profile).
    pub throttled: usize,
    /// Answered 503 or 500 without being forwarded (random profile).
    pub server_errors: usize,
}

impl FaultCounts {
    /// Requests that got any fault.
    pub fn injected(&self) -> usize {
        self.refused + self.delayed + self.ghosted + self.held + self.throttled + self.server_errors
    }
}

/// The proxy; stops when dropped (held connections are closed then).
pub struct FaultProxy {
    port: u16,
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

impl FaultProxy {
    /// Forwards to `upstream` (a loopback port); answers requests containing `needle` (e.g.
    /// `Action=CreateNatGateway` for EC2's query protocol) with a non-retryable error.
    pub fn start(upstream: u16, needle: &str) -> FaultProxy {
        FaultProxy::with_fault(upstream, needle, Fault::Error)
    }

    /// Forwards to `upstream`; requests containing `needle` anywhere (request line, headers, body) get `fault`.
    pub fn with_fault(upstream: u16, needle: &str, fault: Fault) -> FaultProxy {
        FaultProxy::spawn(upstream, Mode::Needle { needle: needle.to_string(), fault })
    }

    /// As [`FaultProxy::with_fault`], but the first `from - 1` matching requests pass untouched: the fault
    /// starts at the `from`-th (a connection to one service lost in the middle of a run).
    pub fn with_fault_from(upstream: u16, needle: &str, fault: Fault, from: usize) -> FaultProxy {
        FaultProxy::spawn(upstream, Mode::NeedleFrom { needle: needle.to_string(), fault, from })
    }

    /// Forwards to `upstream` until the cut; from then on, mutating requests are held open without an answer
    /// (reads still pass, as they would for a while on a real bad network: the point is the lost write).
    pub fn cut(upstream: u16, cut: Cut) -> FaultProxy {
        assert!(cut.from_mutating >= 1, "mutating requests are counted from 1");
        FaultProxy::spawn(upstream, Mode::Cut(cut))
    }

    /// Forwards to `upstream`, with faults drawn for each AWS request from `profile`.
    pub fn random(upstream: u16, profile: RandomProfile) -> FaultProxy {
        let shares = [profile.throttled, profile.server_errors, profile.delayed];
        assert!(shares.iter().all(|s| (0.0..=1.0).contains(s)) && shares.iter().sum::<f64>() <= 1.0, "{profile:?}");
        eprintln!("fault proxy: random profile {profile:?}");
        FaultProxy::spawn(upstream, Mode::Random(profile))
    }

    fn spawn(upstream: u16, mode: Mode) -> FaultProxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind proxy");
        listener.set_nonblocking(true).expect("nonblocking listener");
        let port = listener.local_addr().expect("proxy address").port();
        let shared = Arc::new(Shared { mode, stop: AtomicBool::new(false), state: Mutex::default() });
        let thread = {
            let shared = shared.clone();
            std::thread::spawn(move || accept_until_stopped(&listener, upstream, &shared))
        };
        FaultProxy { port, shared, thread: Some(thread) }
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// How many requests got a fault.
    pub fn injected(&self) -> usize {
        self.counts().injected()
    }

    pub fn counts(&self) -> FaultCounts {
        self.shared.state().counts
    }

    /// How many requests came through for one AWS service, by its signing name (`ec2`, `ecs`, ...).
    pub fn requests_to(&self, service: &str) -> usize {
        self.shared.state().per_service.get(service).copied().unwrap_or(0)
    }

    /// How many mutating requests came through for one AWS service.
    pub fn mutating_requests_to(&self, service: &str) -> usize {
        self.shared.state().mutating_per_service.get(service).copied().unwrap_or(0)
    }

    /// Every AWS request so far, in order.
    pub fn recorded(&self) -> Vec<RecordedCall> {
        self.shared.state().recorded.clone()
    }

    /// How many mutating requests came through (held ones included).
    pub fn mutating_seen(&self) -> usize {
        self.counts().mutating
    }

    /// Whether the cut has fallen: a request is held and, for a cut after AWS, it has taken effect there. A
    /// test kills the reconciler then, as a crash at that call would.
    pub fn cut_has_fallen(&self) -> bool {
        let counts = self.counts();
        match &self.shared.mode {
            Mode::Cut(Cut { reaches_aws: true, .. }) => counts.held_after_aws > 0,
            _ => counts.held > 0,
        }
    }

    /// The operation the cut fell on (the first request held), e.g. `CreateVpc`.
    pub fn cut_operation(&self) -> Option<String> {
        self.shared.state().cut_operation.clone()
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// How the proxy picks its faults.
enum Mode {
    Needle {
        needle: String,
        fault: Fault,
    },
    /// As `Needle`, from the `from`-th matching request on (counting from 1); the ones before pass.
    NeedleFrom {
        needle: String,
        fault: Fault,
        from: usize,
    },
    Cut(Cut),
    Random(RandomProfile),
}

/// What the proxy does with one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Plan {
    Forward,
    ForwardAfter(Duration),
    Answer(Refusal),
    ForwardThenAnswer(Refusal),
    Hold,
    ForwardThenHold,
}

struct Shared {
    mode: Mode,
    stop: AtomicBool,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    counts: FaultCounts,
    cut_operation: Option<String>,
    /// Requests seen per operation: the random profile's key.
    occurrences: HashMap<String, u64>,
    /// Requests seen per AWS service (the signing name: `ec2`, `ecs`, ...).
    per_service: HashMap<String, usize>,
    /// Mutating requests seen per AWS service.
    mutating_per_service: HashMap<String, usize>,
    /// Requests that matched a `NeedleFrom` needle.
    needle_matches: usize,
    /// Every AWS request, in the order it came.
    recorded: Vec<RecordedCall>,
}

/// One AWS request as the proxy saw it: for a test that checks the calls themselves (the IAM policy test).
#[derive(Debug, Clone)]
pub struct RecordedCall {
    /// The SigV4 signing name, e.g. `ec2`, `ecs`, `iam`.
    pub service: String,
    /// The operation, e.g. `CreateVpc`.
    pub operation: String,
    /// The body: a form (`A=1&B=2`, URL-encoded) for the query protocols, JSON for the others.
    pub body: String,
    pub json: bool,
}

impl Shared {
    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().expect("fault proxy state")
    }

    /// Counts the request and picks its plan, under one lock so that concurrent requests get distinct places in
    /// the count (exactly one of them is the N-th mutating request).
    fn decide(&self, request: &Request) -> Plan {
        let mut state = self.state();
        state.counts.requests += 1;
        *state.per_service.entry(request.service.clone().unwrap_or_default()).or_default() += 1;
        if let Some(operation) = &request.operation {
            state.recorded.push(RecordedCall {
                service: request.service.clone().unwrap_or_default(),
                operation: operation.clone(),
                body: String::from_utf8_lossy(&request.body).into_owned(),
                json: matches!(request.protocol, Protocol::AwsJson(_)),
            });
        }
        if request.is_mutating() {
            state.counts.mutating += 1;
            *state.mutating_per_service.entry(request.service.clone().unwrap_or_default()).or_default() += 1;
        }
        let plan = match &self.mode {
            Mode::Needle { needle, fault } => needle_plan(request.text().contains(needle.as_str()), *fault),
            Mode::NeedleFrom { needle, fault, from } => {
                let matches = request.text().contains(needle.as_str());
                state.needle_matches += usize::from(matches);
                needle_plan(matches && state.needle_matches >= *from, *fault)
            }
            Mode::Cut(cut) => cut_plan(&mut state, request, *cut),
            Mode::Random(profile) => random_plan(&mut state, request, profile),
        };
        state.counts.tally(plan);
        plan
    }
}

impl FaultCounts {
    fn tally(&mut self, plan: Plan) {
        match plan {
            Plan::Forward => {}
            Plan::ForwardAfter(_) => self.delayed += 1,
            Plan::Answer(Refusal::InvalidParameter) => self.refused += 1,
            Plan::Answer(Refusal::Throttling) => self.throttled += 1,
            Plan::Answer(Refusal::InternalError | Refusal::Unavailable) => self.server_errors += 1,
            Plan::ForwardThenAnswer(_) => self.ghosted += 1,
            Plan::Hold | Plan::ForwardThenHold => self.held += 1,
        }
    }
}

fn needle_plan(matches: bool, fault: Fault) -> Plan {
    match (matches, fault) {
        (false, _) => Plan::Forward,
        (true, Fault::Error) => Plan::Answer(Refusal::InvalidParameter),
        (true, Fault::Delay(delay)) => Plan::ForwardAfter(delay),
        (true, Fault::Ghost) => Plan::ForwardThenAnswer(Refusal::InternalError),
    }
}

/// Called after the request was counted: `counts.mutating` is its own place among the mutating requests.
fn cut_plan(state: &mut State, request: &Request, cut: Cut) -> Plan {
    if !request.is_mutating() || state.counts.mutating < cut.from_mutating {
        return Plan::Forward;
    }
    let falls_here = cut.from_operation.is_none_or(|op| request.operation.as_deref() == Some(op));
    if state.cut_operation.is_none() && !falls_here {
        return Plan::Forward;
    }
    if state.cut_operation.is_none() {
        state.cut_operation = request.operation.clone();
    }
    if cut.reaches_aws { Plan::ForwardThenHold } else { Plan::Hold }
}

fn random_plan(state: &mut State, request: &Request, profile: &RandomProfile) -> Plan {
    let Some(operation) = &request.operation else { return Plan::Forward };
    let occurrence = state.occurrences.entry(operation.clone()).or_default();
    let mut random = SplitMix64::for_request(profile.seed, operation, *occurrence);
    *occurrence += 1;
    draw_plan(&mut random, profile)
}

fn draw_plan(random: &mut SplitMix64, profile: &RandomProfile) -> Plan {
    let share = random.next_share();
    if share < profile.throttled {
        Plan::Answer(Refusal::Throttling)
    } else if share < profile.throttled + profile.server_errors {
        let unavailable = random.next_share() < 0.5;
        Plan::Answer(if unavailable { Refusal::Unavailable } else { Refusal::InternalError })
    } else if share < profile.throttled + profile.server_errors + profile.delayed {
        Plan::ForwardAfter(random.next_duration(profile.max_latency))
    } else {
        Plan::Forward
    }
}

fn accept_until_stopped(listener: &TcpListener, upstream: u16, shared: &Arc<Shared>) {
    while !shared.stop.load(Ordering::Relaxed) {
        match listener.accept() {
            Ok((client, _)) => {
                let shared = shared.clone();
                std::thread::spawn(move || {
                    let _ = serve(client, upstream, &shared);
                });
            }
            Err(_) => std::thread::sleep(Duration::from_millis(5)),
        }
    }
}

/// One request per connection: every answer says `Connection: close`, so the client opens a new one.
fn serve(client: TcpStream, upstream: u16, shared: &Shared) -> std::io::Result<()> {
    client.set_nonblocking(false)?;
    let Some(request) = Request::read(&client)? else { return Ok(()) };
    let plan = shared.decide(&request);
    if plan != Plan::Forward {
        let what = request.operation.as_deref().unwrap_or("(no operation)");
        eprintln!("fault proxy: {} {what}: {plan:?}", request.service.as_deref().unwrap_or("?"));
    }
    carry_out(plan, client, &request, upstream, shared)
}

fn carry_out(
    plan: Plan,
    mut client: TcpStream,
    request: &Request,
    upstream: u16,
    shared: &Shared,
) -> std::io::Result<()> {
    let stop = &shared.stop;
    match plan {
        Plan::Forward => relay(&mut client, &forward(request, upstream)?),
        Plan::ForwardAfter(delay) => {
            std::thread::sleep(delay);
            relay(&mut client, &forward(request, upstream)?)
        }
        Plan::Answer(refusal) => relay(&mut client, refusal.response(request.protocol).as_bytes()),
        Plan::ForwardThenAnswer(refusal) => {
            forward(request, upstream)?;
            relay(&mut client, refusal.response(request.protocol).as_bytes())
        }
        Plan::Hold => hold(client, stop),
        Plan::ForwardThenHold => {
            forward(request, upstream)?;
            shared.state().counts.held_after_aws += 1;
            hold(client, stop)
        }
    }
}

/// Sends the request to the emulator and reads its whole answer (the emulator closes after it).
fn forward(request: &Request, upstream: u16) -> std::io::Result<Vec<u8>> {
    let mut server = TcpStream::connect(("127.0.0.1", upstream))?;
    server.write_all(&request.head)?;
    server.write_all(&request.body)?;
    let mut response = Vec::new();
    server.read_to_end(&mut response)?;
    Ok(response)
}

fn relay(client: &mut TcpStream, response: &[u8]) -> std::io::Result<()> {
    client.write_all(response)?;
    client.flush()
}

/// Keeps the connection open and silent until the proxy stops: the client sees neither an answer nor a reset,
/// only its own timeout.
fn hold(client: TcpStream, stop: &AtomicBool) -> std::io::Result<()> {
    while !stop.load(Ordering::Relaxed) {
        std::thread::sleep(Duration::from_millis(50));
    }
    drop(client);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile(seed: u64) -> RandomProfile {
        RandomProfile {
            seed,
            throttled: 0.2,
            server_errors: 0.1,
            delayed: 0.2,
            max_latency: Duration::from_millis(100),
        }
    }

    fn plans(profile: &RandomProfile, operation: &str, n: u64) -> Vec<Plan> {
        (0..n).map(|i| draw_plan(&mut SplitMix64::for_request(profile.seed, operation, i), profile)).collect()
    }

    #[test]
    fn a_seed_replays_the_same_faults() {
        assert_eq!(plans(&profile(42), "DescribeVpcs", 50), plans(&profile(42), "DescribeVpcs", 50));
        assert_ne!(plans(&profile(42), "DescribeVpcs", 50), plans(&profile(43), "DescribeVpcs", 50));
    }

    #[test]
    fn every_kind_of_fault_is_drawn_in_about_its_share() {
        let mut counts = FaultCounts::default();
        plans(&profile(7), "CreateSubnet", 10_000).into_iter().for_each(|plan| counts.tally(plan));
        let near = |count: usize, share: f64| (count as f64 - 10_000.0 * share).abs() < 300.0;
        assert!(
            near(counts.throttled, 0.2) && near(counts.server_errors, 0.1) && near(counts.delayed, 0.2),
            "{counts:?}"
        );
    }
}
