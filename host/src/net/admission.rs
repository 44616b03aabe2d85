//! Which connections the host takes: a count of open ones, a cap, and a reserve only loopback peers may use.
//!
//! A slot is held by the socket itself (see [`Counted`]), so a connection upgraded to a websocket still counts
//! until its socket closes, and no path can forget to give a slot back.

use std::net::IpAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::sync::Notify;

/// Where a peer connects from, as far as accept can tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PeerClass {
    /// This machine (loopback): the web UI and CLI the operator runs.
    Local,
    /// Anywhere else.
    Remote,
}

impl PeerClass {
    pub fn of(ip: IpAddr) -> Self {
        // An IPv4 peer on a dual-stack socket shows up as ::ffff:127.0.0.1.
        if ip.to_canonical().is_loopback() {
            Self::Local
        } else {
            Self::Remote
        }
    }
}

/// The connection count and the rule for taking one more.
#[derive(Debug)]
pub struct Gate {
    open: AtomicUsize,
    /// The most connections open since memory was last given back (see `memory`).
    peak: AtomicUsize,
    max: usize,
    remote_max: usize,
    /// Signalled when connections drop well below the peak.
    pub(super) drained: Notify,
}

/// Connections must have fallen by this many from their peak before freeing memory is worth a system call.
pub(super) const TRIM_AFTER_DROP: usize = 64;

impl Gate {
    pub fn new(max: usize, local_reserve: usize) -> Arc<Self> {
        let max = max.max(1);
        Arc::new(Self {
            open: AtomicUsize::new(0),
            peak: AtomicUsize::new(0),
            max,
            remote_max: max.saturating_sub(local_reserve),
            drained: Notify::new(),
        })
    }

    /// Take a slot for a peer of `class`, or None when its share is full. Never waits.
    pub fn admit(self: &Arc<Self>, class: PeerClass) -> Option<Slot> {
        let limit = match class {
            PeerClass::Local => self.max,
            PeerClass::Remote => self.remote_max,
        };
        let mut current = self.open.load(Ordering::Relaxed);
        loop {
            if current >= limit {
                return None;
            }
            match self.open.compare_exchange_weak(current, current + 1, Ordering::AcqRel, Ordering::Relaxed) {
                Ok(_) => break,
                Err(seen) => current = seen,
            }
        }
        self.peak.fetch_max(current + 1, Ordering::Relaxed);
        Some(Slot { gate: self.clone() })
    }

    pub fn open(&self) -> usize {
        self.open.load(Ordering::Relaxed)
    }

    pub fn max(&self) -> usize {
        self.max
    }

    /// Start a new peak window at the current count; returns the previous peak.
    pub(super) fn reset_peak(&self) -> usize {
        self.peak.swap(self.open(), Ordering::Relaxed)
    }
}

/// One admitted connection; gives its slot back when dropped.
#[derive(Debug)]
pub struct Slot {
    gate: Arc<Gate>,
}

impl Drop for Slot {
    fn drop(&mut self) {
        let now = self.gate.open.fetch_sub(1, Ordering::AcqRel) - 1;
        let peak = self.gate.peak.load(Ordering::Relaxed);
        // Wake the trimmer once the count is well down from a large peak (a flood ending), not on every close.
        if peak >= now + TRIM_AFTER_DROP && now <= peak / 2 {
            self.gate.drained.notify_one();
        }
    }
}

/// A socket that holds its slot for as long as it lives.
pub struct Counted {
    stream: TcpStream,
    _slot: Slot,
}

impl Counted {
    pub fn new(stream: TcpStream, slot: Slot) -> Self {
        Self { stream, _slot: slot }
    }
}

impl AsyncRead for Counted {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for Counted {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.get_mut().stream).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.get_mut().stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remote_peers_stop_at_the_reserve_local_ones_at_the_cap() {
        let gate = Gate::new(4, 2);
        let remote: Vec<_> = (0..2).map(|_| gate.admit(PeerClass::Remote).expect("remote share")).collect();
        assert!(gate.admit(PeerClass::Remote).is_none(), "the reserve is not for remote peers");
        let local: Vec<_> = (0..2).map(|_| gate.admit(PeerClass::Local).expect("the reserve")).collect();
        assert!(gate.admit(PeerClass::Local).is_none(), "the cap holds for everyone");
        assert_eq!(gate.open(), 4);
        drop(local);
        assert!(gate.admit(PeerClass::Remote).is_none(), "freed reserve slots do not widen the remote share");
        drop(remote);
        assert_eq!(gate.open(), 0);
        assert!(gate.admit(PeerClass::Remote).is_some());
    }

    #[test]
    fn a_reserve_as_large_as_the_cap_shuts_remote_peers_out() {
        let gate = Gate::new(3, 10);
        assert!(gate.admit(PeerClass::Remote).is_none());
        assert!(gate.admit(PeerClass::Local).is_some());
    }

    #[test]
    fn loopback_in_any_spelling_is_local() {
        assert_eq!(PeerClass::of("127.0.0.1".parse().unwrap()), PeerClass::Local);
        assert_eq!(PeerClass::of("127.3.2.1".parse().unwrap()), PeerClass::Local);
        assert_eq!(PeerClass::of("::1".parse().unwrap()), PeerClass::Local);
        assert_eq!(PeerClass::of("::ffff:127.0.0.1".parse().unwrap()), PeerClass::Local);
        assert_eq!(PeerClass::of("192.0.2.7".parse().unwrap()), PeerClass::Remote);
        assert_eq!(PeerClass::of("::ffff:192.0.2.7".parse().unwrap()), PeerClass::Remote);
    }

    #[test]
    fn a_flood_draining_wakes_the_trimmer_and_the_peak_resets() {
        let gate = Gate::new(10_000, 0);
        let slots: Vec<_> = (0..200).map(|_| gate.admit(PeerClass::Local).unwrap()).collect();
        drop(slots);
        // notify_one stores a permit when nobody waits: the trimmer, when it next waits, wakes at once.
        let woke = futures_util::FutureExt::now_or_never(gate.drained.notified());
        assert!(woke.is_some(), "closing 200 connections signals the trimmer");
        assert_eq!(gate.reset_peak(), 200);
        assert_eq!(gate.reset_peak(), 0);
    }
}
