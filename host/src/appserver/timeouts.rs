//! Per-method timeouts for requests to app-server.
//!
//! Most methods answer in milliseconds; the ones that touch disk history or start a model turn can take longer on a
//! cold cache, so they get more room. A timeout fails the caller only: the connection stays up.

use std::time::Duration;

/// Default for any method not listed below.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// How long the host waits for app-server to answer `method`.
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
