//! A plugin's compiled code, mapped only while it is used.
//!
//! An installed plugin needs nothing but its manifest until an event it subscribes to, a job of its kind or a
//! call of its tool arrives: only then is its artifact mapped and pre-linked, and after [`IDLE_UNLOAD`] without a
//! call the pre-linked component is dropped again (the mapping goes with its last user, so a call in flight
//! keeps it). An idle host with six plugins then holds none of their code, their type information or their
//! pre-linked imports. Everything a plugin keeps between calls is in the store (`kv`, settings) or its data dir,
//! never in the instance (each call gets a fresh one), so unloading loses nothing.
//!
//! While the code is loaded, a plugin whose instantiation is slow (an interpreter's snapshot) also keeps one
//! [`Spare`]: a fresh instance made after a call, off any call's path, that the next call takes instead of
//! instantiating. It goes with the code when the code unloads.

use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use tokio::time::Instant;

use super::artifacts::Artifacts;
use super::bindings::{Instance, PluginPre};
use super::engine::{PluginEngine, SpareReservation};
use super::files::PluginFiles;
use super::manifest::WitVersion;
use super::PluginError;

/// How long a plugin's code stays loaded after its last call. Loading it again costs a mapping and a pre-link
/// (a call after an unload: ~0.4 ms more for a shipped plugin in `plugin-bench`); keeping it costs its pages and its
/// metadata (~0.5 MiB a shipped plugin). A stream's events keep a subscriber loaded; between turns its memory goes
/// back within seconds, which is the host's promise after any burst.
pub const IDLE_UNLOAD: Duration = Duration::from_secs(2);

/// An installed plugin's `plugin.wasm`: the plugin's files, its id and version.
#[derive(Clone)]
pub struct WasmSource {
    pub files: Arc<PluginFiles>,
    pub id: String,
    pub version: String,
}

pub struct PluginCode {
    engine: Arc<PluginEngine>,
    artifacts: Arc<Artifacts>,
    digest: String,
    version: WitVersion,
    /// Where `plugin.wasm` is, to compile it again if its artifact went missing.
    source: WasmSource,
    slot: Mutex<Slot>,
    /// Told when a spare being made is kept or given up.
    spare_done: tokio::sync::Notify,
    me: Weak<PluginCode>,
}

#[derive(Default)]
struct Slot {
    pre: Option<Arc<PluginPre>>,
    last_used: Option<Instant>,
    /// A task is waiting to unload it.
    watched: bool,
    loads: u64,
    spare: Option<Spare>,
    /// A spare is being made (one at a time).
    making_spare: bool,
    /// A call waits for the spare being made (one at a time; others instantiate on their way).
    awaiting_spare: bool,
    /// The fastest instantiation of this code seen (on a call's path or a spare's): what decides whether spares are
    /// worth making. The fastest, because a slow one may be the machine's (a cold cache, a busy core), not the code's.
    fastest_instantiation: Option<Duration>,
    spares_taken: u64,
    /// Calls that ran in an instance an earlier call of the same batch had run in (`events_per_instance`).
    calls_in_shared_instances: u64,
}

/// A fresh instance of the loaded code, made ahead of the next call (`Callable` makes it after a call, in a task of
/// its own): nothing of the guest has run in it but its instantiation, as in an instance made on a call's path.
/// Its store was set up for this plugin (grants, limits, files), which do not change while this `PluginCode`
/// lives: a new install or grant makes a new one.
pub struct Spare {
    /// The pre-linked code it was made from: a spare of code since unloaded is not used.
    pub pre: Arc<PluginPre>,
    pub store: wasmtime::Store<super::state::PluginState>,
    pub instance: Instance,
    pub reservation: SpareReservation,
}

impl Slot {
    fn saw_instantiation(&mut self, took: Option<Duration>) {
        if let Some(took) = took {
            self.fastest_instantiation = Some(self.fastest_instantiation.map_or(took, |t| t.min(took)));
        }
    }
}

/// Held by the one call waiting for a spare being made.
struct Awaiting<'a>(&'a PluginCode);

impl Drop for Awaiting<'_> {
    fn drop(&mut self) {
        self.0.slot.lock().expect("plugin code poisoned").awaiting_spare = false;
    }
}

/// What a test or a benchmark can see of the loaded code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CodeState {
    pub loaded: bool,
    /// Loads so far, the first included.
    pub loads: u64,
    /// A spare instance is ready for the next call.
    pub spare_ready: bool,
    /// Calls that ran in a spare instead of instantiating.
    pub spares_taken: u64,
    /// The fastest instantiation of this code seen (loaded or not since).
    pub fastest_instantiation: Option<Duration>,
    /// Calls that ran in an instance an earlier call had run in: events handed over together
    /// (`[limits] events_per_instance`), every one after the first of its instance.
    pub calls_in_shared_instances: u64,
}

impl PluginCode {
    /// Nothing is loaded yet, even right after an install (which checked the code and dropped it): the first call
    /// loads it.
    pub fn new(engine: Arc<PluginEngine>, artifacts: Arc<Artifacts>, digest: String, version: WitVersion, source: WasmSource) -> Arc<Self> {
        Arc::new_cyclic(|me| Self { engine, artifacts, digest, version, source, slot: Mutex::new(Slot::default()), spare_done: tokio::sync::Notify::new(), me: me.clone() })
    }

    /// The pre-linked component, loaded from the artifact cache if it is not loaded.
    pub async fn pre(&self) -> Result<Arc<PluginPre>, PluginError> {
        if let Some(pre) = self.touch() {
            return Ok(pre);
        }
        let (engine, artifacts, digest, version) = (self.engine.clone(), self.artifacts.clone(), self.digest.clone(), self.version);
        let WasmSource { files, id, version: plugin_version } = self.source.clone();
        // Mapping reads the artifact's header and type information: a blocking file read (and a compile, if the
        // artifact was deleted under a running host).
        let pre = tokio::task::spawn_blocking(move || {
            let wasm = || files.read(&id, &plugin_version, "plugin.wasm").map_err(|e| PluginError::Internal(format!("plugin.wasm: {e}")));
            let component = artifacts.component(&digest, wasm)?;
            engine.prelink(&component, version)
        })
        .await
        .map_err(|e| PluginError::Internal(format!("loading the plugin: {e}")))??;
        Ok(self.keep(Arc::new(pre)))
    }

    pub fn engine(&self) -> &Arc<PluginEngine> {
        &self.engine
    }

    pub fn state(&self) -> CodeState {
        let slot = self.slot.lock().expect("plugin code poisoned");
        CodeState {
            loaded: slot.pre.is_some(),
            loads: slot.loads,
            spare_ready: slot.spare.is_some(),
            spares_taken: slot.spares_taken,
            fastest_instantiation: slot.fastest_instantiation,
            calls_in_shared_instances: slot.calls_in_shared_instances,
        }
    }

    /// Drop the loaded code now (the idle unloader's job; tests call it to see a reload).
    pub fn unload(&self) {
        let mut slot = self.slot.lock().expect("plugin code poisoned");
        let dropped = (slot.pre.take(), slot.spare.take());
        // A spare's store gives its pool slot back as it drops (page resets): not under the lock.
        drop(slot);
        drop(dropped);
    }

    /// The spare made from `pre`: the one ready, else the one being made, waited for (it started before this call,
    /// so it is done sooner than an instantiation this call would start now, and calls back to back never
    /// instantiate twice at once). `None` when there is neither, or another call already waits.
    pub async fn take_spare(&self, pre: &Arc<PluginPre>) -> Option<Spare> {
        let done = self.spare_done.notified();
        tokio::pin!(done);
        let waiting = {
            let mut slot = self.slot.lock().expect("plugin code poisoned");
            if slot.spare.is_some() {
                None
            } else if slot.making_spare && !slot.awaiting_spare {
                slot.awaiting_spare = true;
                // Registered before the lock is released: a spare kept in between still wakes this call.
                done.as_mut().enable();
                Some(Awaiting(self))
            } else {
                return None;
            }
        };
        if waiting.is_some() {
            done.await;
        }
        // Done waiting (or the call was dropped while it waited): the next call may wait.
        drop(waiting);
        let mut slot = self.slot.lock().expect("plugin code poisoned");
        let spare = slot.spare.take()?;
        if Arc::ptr_eq(&spare.pre, pre) {
            slot.spares_taken += 1;
            return Some(spare);
        }
        drop(slot);
        None
    }

    /// `calls` ran one after another in one instance (an instance that made no call counts none).
    pub fn ran_in_one_instance(&self, calls: u64) {
        self.slot.lock().expect("plugin code poisoned").calls_in_shared_instances += calls.saturating_sub(1);
    }

    /// Whether to make a spare now, after a call that instantiated on its way in `instantiated` (`None`: it ran in
    /// a spare). A `true` claims the making: the caller hands the result to [`Self::spare_made`].
    pub fn wants_spare(&self, instantiated: Option<Duration>) -> bool {
        let mut slot = self.slot.lock().expect("plugin code poisoned");
        slot.saw_instantiation(instantiated);
        let slow = slot.fastest_instantiation.is_some_and(|t| self.engine.wants_spare_after(t));
        let wanted = slow && slot.pre.is_some() && slot.spare.is_none() && !slot.making_spare;
        slot.making_spare |= wanted;
        wanted
    }

    /// Keep a spare just made in `took` (`None`: making it failed or found no place), unless its code was unloaded
    /// meanwhile; a call waiting for it is woken either way.
    pub fn spare_made(&self, spare: Option<(Spare, Duration)>) {
        let mut slot = self.slot.lock().expect("plugin code poisoned");
        slot.making_spare = false;
        slot.saw_instantiation(spare.as_ref().map(|(_, took)| *took));
        let unused = match spare {
            Some((s, _)) if slot.spare.is_none() && slot.pre.as_ref().is_some_and(|pre| Arc::ptr_eq(pre, &s.pre)) => {
                slot.spare = Some(s);
                None
            }
            other => other,
        };
        drop(slot);
        self.spare_done.notify_waiters();
        drop(unused);
    }

    fn touch(&self) -> Option<Arc<PluginPre>> {
        let mut slot = self.slot.lock().expect("plugin code poisoned");
        let pre = slot.pre.clone()?;
        slot.last_used = Some(Instant::now());
        Some(pre)
    }

    /// Keep `pre` (unless a concurrent load kept one first) and make sure an unloader watches it.
    fn keep(&self, pre: Arc<PluginPre>) -> Arc<PluginPre> {
        let mut slot = self.slot.lock().expect("plugin code poisoned");
        slot.last_used = Some(Instant::now());
        let pre = match &slot.pre {
            Some(first) => first.clone(),
            None => {
                slot.loads += 1;
                slot.pre = Some(pre.clone());
                pre
            }
        };
        if !slot.watched {
            slot.watched = true;
            self.spawn_unloader();
        }
        pre
    }

    /// Sleeps until the code has been idle for [`IDLE_UNLOAD`], unloads it and ends: nothing runs for a plugin
    /// whose code is not loaded.
    fn spawn_unloader(&self) {
        let me = self.me.clone();
        tokio::spawn(async move {
            loop {
                let Some(code) = me.upgrade() else { return };
                let due = {
                    let mut slot = code.slot.lock().expect("plugin code poisoned");
                    let due = slot.last_used.map_or_else(Instant::now, |t| t + IDLE_UNLOAD);
                    if due <= Instant::now() {
                        let dropped = (slot.pre.take(), slot.spare.take());
                        slot.watched = false;
                        drop(slot);
                        drop(dropped);
                        crate::memory::note_activity();
                        return;
                    }
                    due
                };
                drop(code);
                tokio::time::sleep_until(due).await;
            }
        });
    }
}
