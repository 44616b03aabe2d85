//! A guest's stderr, kept per call: the last [`STDERR_TAIL_BYTES`] only, so a plugin that writes without end costs
//! a bounded buffer, while the end of a Python traceback, a JS `Error` or a Rust panic message (the part that says
//! what went wrong) survives to the failed call's record. stdout is not kept: a plugin reports through the `log`
//! capability, and interpreters print chatter there.

use std::collections::VecDeque;
use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use bytes::Bytes;
use tokio::io::AsyncWrite;
use wasmtime_wasi::cli::{IsTerminal, StdoutStream};
use wasmtime_wasi::p2::{OutputStream, Pollable, StreamResult};

/// How much of a call's stderr is kept (its end).
pub const STDERR_TAIL_BYTES: usize = 8 * 1024;

/// Accepts every write at once and keeps only the tail. Clones share the buffer: the WASI context holds one, the
/// call keeps another to read after the guest is done.
#[derive(Clone)]
pub struct TailPipe {
    buf: Arc<Mutex<VecDeque<u8>>>,
    cap: usize,
}

impl TailPipe {
    pub fn new(cap: usize) -> Self {
        Self { buf: Arc::new(Mutex::new(VecDeque::with_capacity(0))), cap }
    }

    fn push(&self, bytes: &[u8]) {
        let mut buf = self.buf.lock().expect("tail pipe poisoned");
        let bytes = &bytes[bytes.len().saturating_sub(self.cap)..];
        let overflow = (buf.len() + bytes.len()).saturating_sub(self.cap);
        buf.drain(..overflow);
        buf.extend(bytes);
    }

    /// What was kept, as text (invalid UTF-8 replaced; a tail cut inside a character starts with a replacement
    /// character), emptying the pipe for the next call in the same instance; `None` when the guest wrote nothing.
    pub fn take_text(&self) -> Option<String> {
        let mut buf = self.buf.lock().expect("tail pipe poisoned");
        if buf.is_empty() {
            return None;
        }
        let (a, b) = buf.as_slices();
        let text = String::from_utf8_lossy(&[a, b].concat()).into_owned();
        buf.clear();
        Some(text)
    }
}

impl OutputStream for TailPipe {
    fn write(&mut self, bytes: Bytes) -> StreamResult<()> {
        self.push(&bytes);
        Ok(())
    }

    fn flush(&mut self) -> StreamResult<()> {
        Ok(())
    }

    fn check_write(&mut self) -> StreamResult<usize> {
        // Never full: older bytes make room.
        Ok(64 * 1024)
    }
}

#[async_trait::async_trait]
impl Pollable for TailPipe {
    async fn ready(&mut self) {}
}

impl AsyncWrite for TailPipe {
    fn poll_write(self: Pin<&mut Self>, _cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.push(buf);
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

impl IsTerminal for TailPipe {
    fn is_terminal(&self) -> bool {
        false
    }
}

impl StdoutStream for TailPipe {
    fn p2_stream(&self) -> Box<dyn OutputStream> {
        Box::new(self.clone())
    }

    fn async_stream(&self) -> Box<dyn AsyncWrite + Send + Sync> {
        Box::new(self.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_last_bytes_across_writes() {
        let pipe = TailPipe::new(8);
        assert_eq!(pipe.take_text(), None);
        pipe.push(b"hello ");
        pipe.push(b"world");
        assert_eq!(pipe.take_text().as_deref(), Some("lo world"));
        pipe.push(b"0123456789abcdef");
        pipe.clone().push(b"!");
        assert_eq!(pipe.take_text().as_deref(), Some("9abcdef!"), "clones share the buffer");
    }

    #[test]
    fn taking_the_text_empties_it_for_the_next_call() {
        let pipe = TailPipe::new(8);
        pipe.push(b"first");
        assert_eq!(pipe.take_text().as_deref(), Some("first"));
        assert_eq!(pipe.take_text(), None);
        pipe.push(b"second");
        assert_eq!(pipe.take_text().as_deref(), Some("second"));
    }
}
