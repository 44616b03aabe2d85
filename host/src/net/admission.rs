//! Which connections the host takes: a count of open ones, a cap, a reserve only loopback peers may use, and
//! eviction of connections that never proved themselves.
//!
//! A connection is *unproven* until one of its requests is answered with something other than 401/403, i.e. until
//! it shows it holds the token (or a login code). At its limit a newcomer takes the slot of the oldest unproven
//! connection (a loopback newcomer any, a remote one only a remote one's) instead of being refused: a flood of
//! idle or half-written connections then only ever evicts itself, and the web UI or CLI, which send their request
//! at once, still get in. Only when every connection has proven itself is a newcomer refused.
//!
//! A slot is held by the socket itself (see [`Counted`]), so a connection upgraded to a websocket still counts
//! until its socket closes, and no path can forget to give a slot back.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
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
    max: usize,
    remote_max: usize,
    next_id: AtomicU64,
    /// Unproven connections by accept order, with what tells each to close.
    unproven: Mutex<BTreeMap<u64, (PeerClass, Arc<Notify>)>>,
    evicted: AtomicU64,
}

impl Gate {
    pub fn new(max: usize, local_reserve: usize) -> Arc<Self> {
        let max = max.max(1);
        Arc::new(Self {
            open: AtomicUsize::new(0),
            max,
            remote_max: max.saturating_sub(local_reserve),
            next_id: AtomicU64::new(0),
            unproven: Mutex::new(BTreeMap::new()),
            evicted: AtomicU64::new(0),
        })
    }

    /// Take a slot for a peer of `class`: a free one, else the oldest unproven connection's (which is told to
    /// close), else None. Never waits.
    pub fn admit(self: &Arc<Self>, class: PeerClass) -> Option<Slot> {
        let limit = match class {
            PeerClass::Local => self.max,
            PeerClass::Remote => self.remote_max,
        };
        let mut current = self.open.load(Ordering::Relaxed);
        loop {
            if current >= limit {
                if !self.evict_oldest_unproven(class) {
                    return None;
                }
                // The evicted connection gives its slot back as soon as its task runs; until then the count is over
                // the cap by the evictions in flight, which the descriptor headroom absorbs.
                self.open.fetch_add(1, Ordering::AcqRel);
                break;
            }
            match self.open.compare_exchange_weak(current, current + 1, Ordering::AcqRel, Ordering::Relaxed) {
                Ok(_) => break,
                Err(seen) => current = seen,
            }
        }
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let evict = Arc::new(Notify::new());
        self.unproven.lock().expect("unproven poisoned").insert(id, (class, evict.clone()));
        Some(Slot { gate: self.clone(), id, evict })
    }

    fn evict_oldest_unproven(&self, newcomer: PeerClass) -> bool {
        let mut unproven = self.unproven.lock().expect("unproven poisoned");
        let victim = unproven
            .iter()
            .find(|(_, (class, _))| newcomer == PeerClass::Local || *class == PeerClass::Remote)
            .map(|(id, _)| *id);
        let Some((_, evict)) = victim.and_then(|id| unproven.remove(&id)) else { return false };
        evict.notify_one();
        self.evicted.fetch_add(1, Ordering::Relaxed);
        true
    }

    /// Connections evicted so far.
    pub fn evicted(&self) -> u64 {
        self.evicted.load(Ordering::Relaxed)
    }

    pub fn open(&self) -> usize {
        self.open.load(Ordering::Relaxed)
    }

    pub fn max(&self) -> usize {
        self.max
    }
}

/// One admitted connection; gives its slot back when dropped.
#[derive(Debug)]
pub struct Slot {
    gate: Arc<Gate>,
    id: u64,
    evict: Arc<Notify>,
}

impl Slot {
    /// The connection showed it holds the token: it is never evicted.
    pub fn prove(&self) {
        self.gate.unproven.lock().expect("unproven poisoned").remove(&self.id);
    }

    /// Resolves when a newcomer took this connection's place.
    pub fn evicted(&self) -> Arc<Notify> {
        self.evict.clone()
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.prove();
        self.gate.open.fetch_sub(1, Ordering::AcqRel);
        // A closed connection freed its buffers and its task: trim once the closing is over (a flood ending).
        crate::memory::note_activity();
    }
}

/// A socket that holds its slot for as long as it lives.
pub struct Counted {
    stream: TcpStream,
    slot: Arc<Slot>,
}

impl Counted {
    pub fn new(stream: TcpStream, slot: Arc<Slot>) -> Self {
        Self { stream, slot }
    }

    pub fn slot(&self) -> &Arc<Slot> {
        &self.slot
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

    fn proven(gate: &Arc<Gate>, class: PeerClass) -> Option<Slot> {
        let slot = gate.admit(class)?;
        slot.prove();
        Some(slot)
    }

    #[test]
    fn remote_peers_stop_at_the_reserve_local_ones_at_the_cap() {
        let gate = Gate::new(4, 2);
        let remote: Vec<_> = (0..2).map(|_| proven(&gate, PeerClass::Remote).expect("remote share")).collect();
        assert!(gate.admit(PeerClass::Remote).is_none(), "the reserve is not for remote peers");
        let local: Vec<_> = (0..2).map(|_| proven(&gate, PeerClass::Local).expect("the reserve")).collect();
        assert!(gate.admit(PeerClass::Local).is_none(), "the cap holds for everyone");
        assert_eq!(gate.open(), 4);
        drop(local);
        assert!(gate.admit(PeerClass::Remote).is_none(), "freed reserve slots do not widen the remote share");
        drop(remote);
        assert_eq!(gate.open(), 0);
        assert!(gate.admit(PeerClass::Remote).is_some());
    }

    #[test]
    fn at_the_limit_the_oldest_unproven_connection_makes_room() {
        let gate = Gate::new(3, 1);
        let idle_local = gate.admit(PeerClass::Local).unwrap();
        let idle_remote = gate.admit(PeerClass::Remote).unwrap();
        let _ui = proven(&gate, PeerClass::Local).unwrap();
        let (local_gone, remote_gone) = (idle_local.evicted(), idle_remote.evicted());

        // A remote newcomer may only displace a remote connection, and does.
        let newcomer = gate.admit(PeerClass::Remote).expect("room made");
        assert!(futures_util::FutureExt::now_or_never(remote_gone.notified()).is_some(), "the idle remote one is told to go");
        assert!(futures_util::FutureExt::now_or_never(local_gone.notified()).is_none());
        drop(idle_remote);
        newcomer.prove();
        assert!(gate.admit(PeerClass::Remote).is_none(), "no unproven remote connection left to displace");

        // A local newcomer displaces the oldest unproven of any class.
        let _cli = gate.admit(PeerClass::Local).expect("room made");
        assert!(futures_util::FutureExt::now_or_never(local_gone.notified()).is_some());
        drop(idle_local);
        assert_eq!(gate.open(), 3, "the cap holds once the evicted connections are gone");
        assert_eq!(gate.evicted(), 2);
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
}
