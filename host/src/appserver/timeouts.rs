//! Per-method timeouts for requests to app-server.
//!
//! Most methods answer in milliseconds; the ones that touch disk history or start a model turn can take longer on a
//! cold cache, so they get more room. A timeout fails the caller only: the connection stays up. A
//! process that stopped answering altogether is noticed sooner by the liveness probe (`probe`), after which new
//! requests fail at once.

use std::time::Duration;

/// Default for any method not listed below.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Longest wait to hand app-server a notification or an answer (only a process that stopped reading makes it wait).
pub const WRITE_TIMEOUT: Duration = DEFAULT_REQUEST_TIMEOUT;

/// How long the host waits for app-server to answer `method`, writing the request included.
pub fn timeout_for(method: &str) -> Duration {
    match method {
        "initialize" => Duration::from_secs(60),
        "turn/interrupt" | "turn/steer" | "thread/name/set" => Duration::from_secs(10),
        "thread/resume" | "thread/fork" | "thread/turns/list" | "thread/items/list" | "thread/read" => {
            Duration::from_secs(60)
        }
        _ => DEFAULT_REQUEST_TIMEOUT,
    }
}
