//! A scripted fake of `codex app-server` 0.169 over stdio, for benchmarks and for fault cases the real one
//! cannot produce.
//!
//! It speaks what the host needs of the real protocol: newline-delimited JSON-RPC without a `"jsonrpc"` field,
//! `initialize` (refusing anything before it, like the real one), `thread/start` (+ `thread/started`),
//! `thread/resume`, `thread/fork`, `thread/name/set`, `thread/archive`, `thread/unarchive`, `thread/delete`,
//! `thread/turns/list` (the turns this process ran on the thread, paged like the real one: `limit`, `cursor`,
//! `sortDirection`), `turn/start`, `turn/steer`, `turn/interrupt`. Any other method gets
//! error `-32600 "unknown method"`. Every notification carries a top-level `emittedAtMs`, like the real one.
//!
//! A turn streams `turn/started`, `item/started` (an `agentMessage`), N × `item/agentMessage/delta`,
//! `item/completed` and `turn/completed`; what it does is chosen by directives in the user's text (see
//! [`directives`]): `bench:deltas=N,rate=R,items=N`, `fault:crash_after=K`, `fault:malformed`, `fault:hang`.
//!
//! A turn that ends is kept in its thread's history (in memory, for the life of the process): a `userMessage`
//! with the text sent, the `reasoning` items of `bench:items`, and the `agentMessage` with the text streamed (an
//! interrupted turn keeps only the user's message, like the real one), so transcript reads have something to page.
//!
//! # Timestamps for measuring a client
//!
//! - Each delta's text is `t=<unix nanos>;`, the wall-clock time taken with the output lock held right before
//!   the line is written (one `write` + flush per line), so `receive time − t` is what everything after the
//!   pipe added.
//! - `turn/started` params carry `fakeReceivedAtNs`: when the `turn/start` line was read from stdin.
//! - `turn/completed` params carry `fakeEmittedAtNs`: when that line was built, right before it was written.
//!
//! # Recording
//!
//! With `FAKE_APP_SERVER_RECORD=<file>`, every line received is appended to that file as it arrives, so a test
//! can check what the host sent (the file is opened in append mode; restarts keep appending).
//!
//! stdin EOF exits 0 at once (even mid-turn), as the real one does; `fault:crash_after` exits 1.

pub mod directives;
mod server;
mod turn;
mod wire;

#[cfg(test)]
mod tests;

use std::io::{BufRead, Write};

pub use directives::TurnPlan;
pub use server::{CrashHook, Server, FAKE_VERSION, INVALID_REQUEST};
pub use turn::MALFORMED_LINE;
pub use wire::{unix_nanos, Output};

/// Environment variable naming a file to append every received line to.
pub const RECORD_ENV: &str = "FAKE_APP_SERVER_RECORD";

/// Serve stdin/stdout until stdin closes, then exit the process with 0.
pub fn run_stdio() -> ! {
    use std::os::fd::AsFd;
    // Our own handle on fd 1, without std's line buffer: each line is exactly one write.
    let stdout = std::io::stdout().as_fd().try_clone_to_owned().map(std::fs::File::from).unwrap_or_else(|e| {
        eprintln!("fake-app-server: cannot use stdout: {e}");
        std::process::exit(2)
    });
    let codex_home = std::env::var("CODEX_HOME").unwrap_or_default();
    let crash: CrashHook = std::sync::Arc::new(|| std::process::exit(1));
    let server = Server::new(Output::new(Box::new(stdout)), codex_home, crash);

    let mut record = std::env::var_os(RECORD_ENV).filter(|p| !p.is_empty()).map(|path| {
        std::fs::OpenOptions::new().create(true).append(true).open(&path).unwrap_or_else(|e| {
            eprintln!("fake-app-server: cannot open {RECORD_ENV}={}: {e}", path.to_string_lossy());
            std::process::exit(2)
        })
    });

    let mut input = std::io::BufReader::with_capacity(64 * 1024, std::io::stdin().lock());
    let mut buf = Vec::with_capacity(64 * 1024);
    loop {
        buf.clear();
        match input.read_until(b'\n', &mut buf) {
            Ok(0) | Err(_) => std::process::exit(0),
            Ok(_) => {}
        }
        let received_at_ns = unix_nanos();
        if let Some(file) = record.as_mut() {
            let mut line = buf.clone();
            if line.last() != Some(&b'\n') {
                line.push(b'\n');
            }
            let _ = file.write_all(&line);
        }
        let line = String::from_utf8_lossy(&buf);
        let line = line.trim();
        if !line.is_empty() {
            server.handle_line(line, received_at_ns);
        }
    }
}
