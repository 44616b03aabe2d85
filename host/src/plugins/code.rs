//! A plugin's compiled code, mapped only while it is used.
//!
//! An installed plugin needs nothing but its manifest until an event it subscribes to, a job of its kind or a
//! call of its tool arrives: only then is its artifact mapped and pre-linked, and after [`IDLE_UNLOAD`] without a
//! call the pre-linked component is dropped again (the mapping goes with its last user, so a call in flight
//! keeps it). An idle host with six plugins then holds none of their code, their type information or their
//! pre-linked imports. Everything a plugin keeps between calls is in the store (`kv`, settings) or its data dir,
//! never in the instance (each call gets a fresh one), so unloading loses nothing.

use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use tokio::time::Instant;

use super::artifacts::Artifacts;
use super::bindings::PluginPre;
use super::engine::PluginEngine;
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
    me: Weak<PluginCode>,
}

#[derive(Default)]
struct Slot {
    pre: Option<Arc<PluginPre>>,
    last_used: Option<Instant>,
    /// A task is waiting to unload it.
    watched: bool,
    loads: u64,
}

impl PluginCode {
    /// Nothing is loaded yet, even right after an install (which checked the code and dropped it): the first call
    /// loads it.
    pub fn new(engine: Arc<PluginEngine>, artifacts: Arc<Artifacts>, digest: String, version: WitVersion, source: WasmSource) -> Arc<Self> {
        Arc::new_cyclic(|me| Self { engine, artifacts, digest, version, source, slot: Mutex::new(Slot::default()), me: me.clone() })
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

    /// Whether the code is loaded now.
    pub fn loaded(&self) -> bool {
        self.slot.lock().expect("plugin code poisoned").pre.is_some()
    }

    /// How many times the code was loaded (the first load included).
    pub fn loads(&self) -> u64 {
        self.slot.lock().expect("plugin code poisoned").loads
    }

    /// Drop the loaded code now (the idle unloader's job; tests call it to see a reload).
    pub fn unload(&self) {
        self.slot.lock().expect("plugin code poisoned").pre = None;
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
                        slot.pre = None;
                        slot.watched = false;
                        drop(slot);
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
