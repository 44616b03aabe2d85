//! Lines out, clocks and ids.
//!
//! Every line goes out whole, in one `write` under one lock, and is flushed at once, so a line is on the pipe
//! the moment its timestamp says it was written and lines of concurrent turns never interleave.

use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::Value;

/// Wall-clock time as nanoseconds since the Unix epoch.
pub fn unix_nanos() -> u128 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0)
}

/// Wall-clock time as milliseconds since the Unix epoch.
pub fn unix_millis() -> u64 {
    (unix_nanos() / 1_000_000) as u64
}

/// The one writer of the process's stdout.
pub struct Output {
    sink: Mutex<Box<dyn Write + Send>>,
}

impl Output {
    pub fn new(sink: Box<dyn Write + Send>) -> Self {
        Self { sink: Mutex::new(sink) }
    }

    /// Write `line` plus a newline as one write, then flush. A broken pipe means the host is gone: exit quietly.
    pub fn write_line(&self, line: &str) {
        let mut buf = Vec::with_capacity(line.len() + 1);
        buf.extend_from_slice(line.as_bytes());
        buf.push(b'\n');
        self.write_raw(&buf);
    }

    /// Write bytes that already end with a newline.
    pub fn write_raw(&self, buf: &[u8]) {
        let mut sink = self.sink.lock().unwrap_or_else(|p| p.into_inner());
        if sink.write_all(buf).and_then(|_| sink.flush()).is_err() {
            std::process::exit(0);
        }
    }

    /// Build a line with the lock held, so a timestamp taken inside `build` is taken right before the write.
    pub fn write_with(&self, build: impl FnOnce(&mut Vec<u8>)) {
        let mut sink = self.sink.lock().unwrap_or_else(|p| p.into_inner());
        let mut buf = Vec::with_capacity(256);
        build(&mut buf);
        buf.push(b'\n');
        if sink.write_all(&buf).and_then(|_| sink.flush()).is_err() {
            std::process::exit(0);
        }
    }

    /// A notification, with the top-level `emittedAtMs` the real app-server adds.
    pub fn notify(&self, method: &str, params: Value) {
        let line = serde_json::json!({"method": method, "params": params, "emittedAtMs": unix_millis()});
        self.write_line(&line.to_string());
    }

    /// The result of request `id`.
    pub fn result(&self, id: &Value, result: Value) {
        self.write_line(&serde_json::json!({"id": id, "result": result}).to_string());
    }

    /// An error answer to request `id`.
    pub fn error(&self, id: &Value, code: i64, message: &str) {
        self.write_line(&serde_json::json!({"id": id, "error": {"code": code, "message": message}}).to_string());
    }
}

/// Ids shaped like the real ones (UUID v7 text), unique within the process and unlikely to repeat across runs.
pub struct IdGen {
    counter: AtomicU64,
    salt: u64,
}

impl IdGen {
    pub fn new() -> Self {
        let salt = (unix_nanos() as u64) ^ (u64::from(std::process::id()) << 32);
        Self { counter: AtomicU64::new(0), salt }
    }

    /// `xxxxxxxx-xxxx-7xxx-8xxx-xxxxxxxxxxxx`.
    pub fn next(&self) -> String {
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        let ms = unix_millis();
        let mix = splitmix(self.salt ^ n);
        format!(
            "{:08x}-{:04x}-7{:03x}-8{:03x}-{:012x}",
            (ms >> 16) as u32,
            (ms & 0xffff) as u16,
            (mix >> 52) & 0xfff,
            (mix >> 40) & 0xfff,
            ((mix & 0xff_ffff_ffff) << 8 | (n & 0xff)) & 0xffff_ffff_ffff,
        )
    }
}

impl Default for IdGen {
    fn default() -> Self {
        Self::new()
    }
}

fn splitmix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_look_like_uuids_and_differ() {
        let ids = IdGen::new();
        let a = ids.next();
        let b = ids.next();
        assert_ne!(a, b);
        let parts: Vec<&str> = a.split('-').collect();
        assert_eq!(parts.iter().map(|p| p.len()).collect::<Vec<_>>(), vec![8, 4, 4, 4, 12]);
        assert!(parts[2].starts_with('7') && parts[3].starts_with('8'));
        assert!(a.chars().all(|c| c == '-' || c.is_ascii_hexdigit()));
    }
}
