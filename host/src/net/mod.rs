//! The HTTP listener: the host accepts and serves connections itself so that it can bound them.
//!
//! - A cap on open connections, with a reserve for loopback peers ([`admission`]). At the cap a newcomer takes the
//!   place of the oldest connection that never showed the token; when there is none it gets a canned 503
//!   `too_many_connections` and is closed at once: the accept loop never waits on a client.
//! - A request-head deadline (hyper's `header_read_timeout`): a connection that sends nothing, or half a request
//!   line, is closed when it runs out.
//! - A keep-alive deadline: a connection idle after its last response is closed.
//! - Memory given back once a flood drains: each closed connection counts as activity for the host's trimmer
//!   ([`crate::memory`]).
//!
//! Connections speak HTTP/1.1 and may upgrade to a websocket (`/api/stream`). Shutdown stops accepting, lets
//! requests in flight finish (bounded by [`SHUTDOWN_GRACE`]) and closes idle connections.

pub mod admission;
pub mod descriptors;

use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::http::StatusCode;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, Notify};
use tokio::time::Instant;

use crate::config::ConnectionLimits;
use admission::{Counted, Gate, PeerClass};

/// Descriptors kept back from connections for everything else the host opens: the store, app-server's pipes,
/// plugin data, the web UI's files.
pub const DESCRIPTOR_HEADROOM: usize = 256;

/// How long shutdown waits for requests in flight before it goes on without them.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// A pause after an accept error that is not about one connection (out of descriptors, say), so the loop does
/// not spin while the condition lasts.
const ACCEPT_ERROR_PAUSE: Duration = Duration::from_millis(100);

/// What a refused connection reads before it is closed: the error envelope every API error uses.
const REFUSAL: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\nconnection: close\r\n\
retry-after: 1\r\ncontent-length: 110\r\n\r\n\
{\"error\":{\"code\":\"too_many_connections\",\"message\":\"the host holds its maximum of connections\",\"details\":null}}";

/// The connection limits in force: the configured cap, lowered to what the descriptor limit allows.
pub fn effective_limits(limits: &ConnectionLimits) -> ConnectionLimits {
    let mut limits = limits.clone();
    let wanted = (limits.max_connections + DESCRIPTOR_HEADROOM) as u64;
    if let Some(soft) = descriptors::raise_descriptor_limit(wanted) {
        let budget = (soft as usize).saturating_sub(DESCRIPTOR_HEADROOM).max(1);
        if budget < limits.max_connections {
            tracing::warn!(
                configured = limits.max_connections,
                allowed = budget,
                descriptor_limit = soft,
                "lowering the connection cap to fit the descriptor limit (raise `ulimit -n` to allow more)"
            );
            limits.max_connections = budget;
        }
    }
    limits
}

/// Serve `app` on `listener` until `shutdown` resolves.
pub async fn serve(
    listener: TcpListener,
    app: axum::Router,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) {
    let gate = Gate::new(limits.max_connections, limits.local_reserve);
    let trimmer = crate::memory::spawn_trimmer();
    let mut builder = http1::Builder::new();
    builder.timer(TokioTimer::new()).header_read_timeout(limits.header_read_timeout).keep_alive(true);
    let (stop_tx, stop_rx) = watch::channel(false);
    // Every connection task holds a receiver; the sender sees all of them gone when the last connection ends.
    let (done_tx, done_rx) = watch::channel(());
    let refused = AtomicU64::new(0);
    let mut shutdown = pin!(shutdown);
    tracing::info!(
        max_connections = gate.max(),
        local_reserve = limits.local_reserve,
        header_read_timeout_ms = limits.header_read_timeout.as_millis() as u64,
        keep_alive_timeout_ms = limits.keep_alive_timeout.as_millis() as u64,
        "serving HTTP"
    );
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) if is_per_connection(&e) => continue,
                Err(e) => {
                    tracing::warn!(error = %e, open = gate.open(), "accept failed; pausing");
                    tokio::time::sleep(ACCEPT_ERROR_PAUSE).await;
                    continue;
                }
            },
            _ = &mut shutdown => break,
        };
        let Some(slot) = gate.admit(PeerClass::of(peer.ip())) else {
            refuse(stream, &refused, &gate);
            continue;
        };
        let _ = stream.set_nodelay(true);
        let io = TokioIo::new(Counted::new(stream, Arc::new(slot)));
        tokio::spawn(serve_connection(io, app.clone(), builder.clone(), limits.keep_alive_timeout, stop_rx.clone(), done_rx.clone()));
    }
    drop(listener);
    stop_tx.send_replace(true);
    drop(done_rx);
    if tokio::time::timeout(SHUTDOWN_GRACE, done_tx.closed()).await.is_err() {
        tracing::warn!(open = gate.open(), "connections still busy after the shutdown grace; going on without them");
    }
    trimmer.abort();
}

/// Errors that concern only the connection being accepted (it reset before we took it); the next accept is fine.
fn is_per_connection(e: &std::io::Error) -> bool {
    use std::io::ErrorKind::*;
    matches!(e.kind(), ConnectionAborted | ConnectionReset | ConnectionRefused | Interrupted | WouldBlock)
}

/// Answer 503 without waiting (a fresh socket's send buffer is empty, so the write completes or is skipped) and
/// close.
fn refuse(stream: TcpStream, refused: &AtomicU64, gate: &Gate) {
    let _ = stream.try_write(REFUSAL);
    drop(stream);
    let n = refused.fetch_add(1, Ordering::Relaxed);
    // The first refusal of a burst and then one in a thousand: a flood must not also flood the log.
    if n % 1000 == 0 {
        tracing::warn!(
            open = gate.open(),
            refused = n + 1,
            evicted = gate.evicted(),
            "connection refused: the host holds its maximum of connections, all of them authenticated"
        );
    }
}

/// What the keep-alive watch needs to know about a connection's requests.
struct Activity {
    in_flight: AtomicUsize,
    served: AtomicU64,
    last_done: Mutex<Instant>,
    changed: Notify,
}

impl Activity {
    fn new() -> Arc<Self> {
        Arc::new(Self { in_flight: AtomicUsize::new(0), served: AtomicU64::new(0), last_done: Mutex::new(Instant::now()), changed: Notify::new() })
    }

    /// When the connection, idle after a response, should be closed; None while a request runs or before the
    /// first one (the header deadline covers a connection that never sends a request).
    fn keep_alive_deadline(&self, keep_alive: Duration) -> Option<Instant> {
        if self.in_flight.load(Ordering::Acquire) > 0 || self.served.load(Ordering::Acquire) == 0 {
            return None;
        }
        Some(*self.last_done.lock().expect("activity poisoned") + keep_alive)
    }
}

/// Marks one request in flight until dropped (when its response is ready).
struct Busy(Arc<Activity>);

impl Busy {
    fn begin(activity: &Arc<Activity>) -> Self {
        crate::memory::note_activity();
        activity.in_flight.fetch_add(1, Ordering::AcqRel);
        Self(activity.clone())
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        *self.0.last_done.lock().expect("activity poisoned") = Instant::now();
        self.0.served.fetch_add(1, Ordering::AcqRel);
        self.0.in_flight.fetch_sub(1, Ordering::AcqRel);
        self.0.changed.notify_one();
        crate::memory::note_activity();
    }
}

async fn serve_connection(
    io: TokioIo<Counted>,
    app: axum::Router,
    builder: http1::Builder,
    keep_alive: Duration,
    mut stop: watch::Receiver<bool>,
    _done: watch::Receiver<()>,
) {
    let activity = Activity::new();
    let slot = io.inner().slot().clone();
    let evicted = slot.evicted();
    let router = TowerToHyperService::new(app);
    let service = {
        let activity = activity.clone();
        hyper::service::service_fn(move |req: hyper::Request<Incoming>| {
            let busy = Busy::begin(&activity);
            let answer = hyper::service::Service::call(&router, req);
            let slot = slot.clone();
            async move {
                let response = answer.await;
                if let Ok(r) = &response {
                    // Anything but the auth guard's refusals means the client holds the token or a login code.
                    if !matches!(r.status(), StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN) {
                        slot.prove();
                    }
                }
                drop(busy);
                response
            }
        })
    };
    let mut conn = pin!(builder.serve_connection(io, service).with_upgrades());
    let mut closing = false;
    loop {
        let deadline = if closing { None } else { activity.keep_alive_deadline(keep_alive) };
        tokio::select! {
            result = conn.as_mut() => {
                if let Err(e) = result {
                    // Header timeouts, resets and malformed requests end here; none is the host's fault.
                    tracing::debug!(error = %e, "connection ended with an error");
                }
                break;
            }
            _ = stop.wait_for(|s| *s), if !closing => {
                conn.as_mut().graceful_shutdown();
                closing = true;
            }
            _ = activity.changed.notified(), if !closing => {}
            // A newcomer took this unproven connection's place: drop it now, nothing of it is worth finishing.
            _ = evicted.notified() => break,
            _ = tokio::time::sleep_until(deadline.unwrap_or_else(Instant::now)), if deadline.is_some() => {
                // A request may have started and ended meanwhile: close only if the deadline still stands.
                if activity.keep_alive_deadline(keep_alive).is_some_and(|d| d <= Instant::now()) {
                    // Between requests this closes at once; a request arriving just now still gets its answer.
                    conn.as_mut().graceful_shutdown();
                    closing = true;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_refusal_is_a_complete_response_with_the_error_envelope() {
        let text = std::str::from_utf8(REFUSAL).unwrap();
        let (head, body) = text.split_once("\r\n\r\n").unwrap();
        let length: usize = head.lines().find_map(|l| l.strip_prefix("content-length: ")).unwrap().parse().unwrap();
        assert_eq!(length, body.len(), "content-length matches the body");
        let v: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(v["error"]["code"], "too_many_connections");
    }

    #[test]
    fn keep_alive_runs_from_the_last_response_and_not_while_busy() {
        let a = Activity::new();
        let keep = Duration::from_secs(5);
        assert_eq!(a.keep_alive_deadline(keep), None, "before the first request the header deadline governs");
        let busy = Busy::begin(&a);
        assert_eq!(a.keep_alive_deadline(keep), None, "a request in flight is never cut");
        let before_end = Instant::now();
        drop(busy);
        let d = a.keep_alive_deadline(keep).unwrap();
        assert!(d >= before_end + keep && d <= Instant::now() + keep, "counted from the end of the last request");
    }
}
