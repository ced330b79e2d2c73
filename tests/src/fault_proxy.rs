//! A fault-injecting HTTP proxy between the reconciler and the emulator: requests that mention a given
//! operation get an AWS error response; everything else is forwarded unchanged. The emulator has no fault
//! injection of its own (shared/EMULATOR.md), and this keeps the real SDK, the real binary and the real
//! emulator in the loop.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

/// What the proxy does to a matching request.
#[derive(Debug, Clone, Copy)]
pub enum Fault {
    /// Answer with a non-retryable EC2 error (`InvalidParameterValue`).
    Error,
    /// Forward it, but only after this long (an AWS call still in flight).
    Delay(Duration),
}

/// The proxy; stops when dropped.
pub struct FaultProxy {
    port: u16,
    stop: Arc<AtomicBool>,
    injected: Arc<AtomicUsize>,
    thread: Option<JoinHandle<()>>,
}

impl FaultProxy {
    /// Forwards to `upstream` (a loopback port); answers requests containing `needle` (e.g.
    /// `Action=CreateNatGateway` for EC2's query protocol) with a non-retryable EC2 error.
    pub fn start(upstream: u16, needle: &str) -> FaultProxy {
        FaultProxy::with_fault(upstream, needle, Fault::Error)
    }

    /// Forwards to `upstream`; requests containing `needle` get `fault`.
    pub fn with_fault(upstream: u16, needle: &str, fault: Fault) -> FaultProxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind proxy");
        listener.set_nonblocking(true).expect("nonblocking listener");
        let port = listener.local_addr().expect("proxy address").port();
        let stop = Arc::new(AtomicBool::new(false));
        let injected = Arc::new(AtomicUsize::new(0));
        let needle = needle.to_string();
        let thread = {
            let (stop, injected) = (stop.clone(), injected.clone());
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    match listener.accept() {
                        Ok((client, _)) => {
                            let (needle, injected) = (needle.clone(), injected.clone());
                            std::thread::spawn(move || {
                                let _ = serve(client, upstream, &needle, fault, &injected);
                            });
                        }
                        Err(_) => std::thread::sleep(Duration::from_millis(5)),
                    }
                }
            })
        };
        FaultProxy { port, stop, injected, thread: Some(thread) }
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// How many requests got the fault.
    pub fn injected(&self) -> usize {
        self.injected.load(Ordering::Relaxed)
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// One request per connection: the response says `Connection: close`, so the client opens a new one.
fn serve(client: TcpStream, upstream: u16, needle: &str, fault: Fault, injected: &AtomicUsize) -> std::io::Result<()> {
    client.set_nonblocking(false)?;
    let mut reader = BufReader::new(client.try_clone()?);
    let mut head = Vec::new();
    let mut content_length = 0usize;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            return Ok(());
        }
        if line == "\r\n" {
            break;
        }
        let lower = line.to_ascii_lowercase();
        if let Some(value) = lower.strip_prefix("content-length:") {
            content_length = value.trim().parse().unwrap_or(0);
        }
        if lower.starts_with("connection:") {
            continue;
        }
        head.extend_from_slice(line.as_bytes());
    }
    head.extend_from_slice(b"Connection: close\r\n\r\n");
    let mut body = vec![0; content_length];
    reader.read_exact(&mut body)?;

    let mut client = client;
    let request_text = String::from_utf8_lossy(&head).into_owned() + &String::from_utf8_lossy(&body);
    let matches = request_text.contains(needle);
    if matches {
        injected.fetch_add(1, Ordering::Relaxed);
    }
    if let (true, Fault::Delay(delay)) = (matches, fault) {
        std::thread::sleep(delay);
    }
    if matches && matches!(fault, Fault::Error) {
        let xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Errors><Error><Code>InvalidParameterValue</Code>\
                   <Message>injected by the test's fault proxy</Message></Error></Errors><RequestID>fault-proxy</RequestID></Response>";
        write!(
            client,
            "HTTP/1.1 400 Bad Request\r\nContent-Type: text/xml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{xml}",
            xml.len()
        )?;
        return client.flush();
    }

    let mut server = TcpStream::connect(("127.0.0.1", upstream))?;
    server.write_all(&head)?;
    server.write_all(&body)?;
    let mut response = Vec::new();
    server.read_to_end(&mut response)?;
    client.write_all(&response)?;
    client.flush()
}
