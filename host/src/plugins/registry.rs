//! The installed set and its lifecycle: load at start, inspect, install or upgrade (validated before it goes
//! live), enable, disable, remove — each change swaps the active set whole, so a failed install leaves the
//! previous set running — and the fan-out of events to the plugins that subscribed.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, OnceLock, RwLock, Weak};

use serde_json::json;
use tokio::sync::{mpsc, watch, Semaphore};

use super::api::PluginHostApi;
use super::artifacts::{self, Artifacts, UNUSED_ARTIFACT_GRACE};
use super::files::PluginFiles;
use super::bindings::Event as WitEvent;
use super::capability::{Capability, Grants};
use super::compiler::Compiler;
use super::engine::PluginEngine;
use super::bindings::{Job as WitJob, JobOutcome};
use super::manifest::{JobKind, Manifest, ToolSpec};
use super::call::{CallReport, Callable, Outcome};
use super::code::{PluginCode, WasmSource};
use super::views::{info_of, Inspection, PluginCall, PluginInfo};
use super::PluginError;
use crate::events::{Event, EventFilter, EventLog, EventType, NewEvent, Subscription, envelope_ts};
use crate::store::{now_ms, CallRecorder, PluginCallRow, PluginRow, Store};

/// Consecutive failed calls after which a plugin is switched off.
pub const BREAKER_THRESHOLD: u32 = 5;
/// Events waiting for one plugin; past this they are dropped for that plugin (and the drop is recorded).
const QUEUE_PER_PLUGIN: usize = 1024;
/// Beside `plugin.wasm`: the SHA-256 that names its compiled artifact.
const DIGEST_FILE: &str = "plugin.wasm.sha256";

struct Loaded {
    manifest: Manifest,
    callable: Arc<Callable>,
    enabled: bool,
    failures: Arc<AtomicU32>,
    /// Set when this version leaves the active set: its worker skips what is still queued.
    retired: Arc<std::sync::atomic::AtomicBool>,
    /// The plugin's concurrency limit, shared by its event calls and its tool calls.
    permits: Arc<Semaphore>,
    /// Events for this plugin's worker; dropping it ends the worker.
    queue: Option<mpsc::Sender<Arc<Event>>>,
}

#[derive(Default)]
struct ActiveSet {
    /// Ordered by priority, then id: the dispatch order.
    plugins: Vec<Arc<Loaded>>,
}

pub struct PluginRegistry {
    engine: Arc<PluginEngine>,
    artifacts: Arc<Artifacts>,
    store: Store,
    /// Writes call records in batches, off the call path.
    recorder: CallRecorder,
    events: EventLog,
    /// The plugins directory, as a handle every install, data dir and cache path is resolved in.
    files: Arc<PluginFiles>,
    api: OnceLock<Arc<dyn PluginHostApi>>,
    active: RwLock<Arc<ActiveSet>>,
    /// Whether an enabled plugin subscribes to a piece of a stream (a delta): the dispatcher reads every event then,
    /// and the settled feed otherwise, so a stream no plugin wants does not wake it once per delta.
    stream_pieces_wanted: watch::Sender<bool>,
    reload: tokio::sync::Mutex<()>,
    me: Weak<PluginRegistry>,
    /// This host's id, once known ([`PluginRegistry::attach_host`]): whose components `plugin_hosts` records.
    host_id: OnceLock<String>,
}

fn plugin_error(e: crate::store::StoreError) -> PluginError {
    PluginError::Internal(format!("store: {e}"))
}

impl PluginRegistry {
    /// Build the engine and load the installed plugins. A plugin that cannot be loaded is switched off with the
    /// reason; it does not stop the host.
    pub async fn start(store: Store, events: EventLog, data_dir: &std::path::Path, compiler: Compiler) -> anyhow::Result<Arc<Self>> {
        let engine = Arc::new(PluginEngine::new(compiler)?);
        let files = Arc::new(PluginFiles::open(data_dir.join("plugins"))?);
        // Plugin ids are `[a-z0-9-]`: a dot-folder cannot be one.
        let artifacts = Arc::new(Artifacts::open(files.subdir(".compiled")?, engine.clone()));
        let host = Arc::new_cyclic(|me| Self {
            engine,
            artifacts,
            recorder: CallRecorder::start(store.clone()),
            store,
            events,
            files,
            api: OnceLock::new(),
            active: RwLock::new(Arc::new(ActiveSet::default())),
            stream_pieces_wanted: watch::Sender::new(false),
            reload: tokio::sync::Mutex::new(()),
            me: me.clone(),
            host_id: OnceLock::new(),
        });
        let mut set = Vec::new();
        for row in host.store.list_plugins().await? {
            // A plugin another host sharing the store installed: its component is not here, so this host does not
            // run it (nor its jobs). Nothing is wrong with it: its shared row is left as it is, not switched off
            // for every host.
            if host.files.read(&row.id, &row.version, "plugin.toml").is_err_and(|e| e.kind() == std::io::ErrorKind::NotFound) {
                tracing::info!(plugin = %row.id, version = %row.version, "a plugin installed on another host is not installed here; not loaded");
                continue;
            }
            match host.load(&row) {
                Ok(loaded) => set.push(loaded),
                Err(e) => {
                    tracing::error!(plugin = %row.id, error = %e, "could not load an installed plugin; it is switched off");
                    let _ = host.store.set_plugin_enabled(&row.id, false, Some(&format!("could not load: {e}"))).await;
                }
            }
        }
        host.swap(set);
        host.sweep_artifacts().await;
        Ok(host)
    }

    /// This host's id, known once the host's identity is: record every plugin loaded here as held by this host
    /// (an install made before hosts had ids is recorded at the next start), and every install from now on.
    pub async fn attach_host(&self, host_id: &str) {
        if self.host_id.set(host_id.to_string()).is_err() {
            return;
        }
        for plugin in self.snapshot().plugins.iter() {
            if let Err(e) = self.store.record_plugin_host(&plugin.manifest.id, host_id, &plugin.manifest.version).await {
                tracing::warn!(plugin = %plugin.manifest.id, error = %e, "could not record that this host holds a plugin");
            }
        }
    }

    /// Connect the plugins to the rest of the host and start delivering events.
    pub fn attach(&self, api: Arc<dyn PluginHostApi>) {
        if self.api.set(api).is_ok() {
            self.spawn_dispatcher();
        }
    }

    pub fn pooled_allocator(&self) -> bool {
        self.engine.pooled()
    }

    /// Whether a plugin's code is loaded now, how many times it was loaded, and its spare instance: None when no
    /// such plugin is in the active set. For tests and diagnostics.
    pub fn code_state(&self, id: &str) -> Option<super::code::CodeState> {
        let plugin = self.active(id)?;
        Some(plugin.callable.code.state())
    }

    /// How slow a plugin's instantiation must be for the host to make the next instance ahead of its call
    /// (`engine::SPARE_WHEN_INSTANTIATION_OVER` by default, `Duration::MAX` for never): plugin-bench measures both
    /// ways, tests give every plugin a spare.
    pub fn set_spare_threshold(&self, over: std::time::Duration) {
        self.engine.set_spare_threshold(over);
    }

    /// Take every one of a plugin's call permits, waiting for calls in flight, and hold them until the guard drops:
    /// its events queue up meanwhile and are handed over together (tests of `events_per_instance`). None when no
    /// such plugin is in the active set.
    pub async fn hold_calls(&self, id: &str) -> Option<tokio::sync::OwnedSemaphorePermit> {
        let plugin = self.active(id)?;
        plugin.permits.clone().acquire_many_owned(plugin.manifest.limits().concurrency).await.ok()
    }

    /// Events waiting in a plugin's queue, not yet taken by its worker (the one the worker holds while it waits
    /// for a permit is not counted). None when the plugin is not in the active set or not enabled.
    pub fn queued_events(&self, id: &str) -> Option<usize> {
        let plugin = self.active(id)?;
        let queue = plugin.queue.as_ref()?;
        Some(queue.max_capacity() - queue.capacity())
    }

    /// Drop a plugin's loaded code now instead of after its idle period (tests: the next call loads it again).
    pub fn unload_code(&self, id: &str) {
        if let Some(plugin) = self.active(id) {
            plugin.callable.code.unload();
        }
    }

    /// The digest naming an installed version's compiled artifact.
    fn installed_digest(&self, id: &str, version: &str) -> Option<String> {
        let d = self.files.read_to_string(id, version, DIGEST_FILE).ok()?;
        let d = d.trim();
        artifacts::is_digest(d).then(|| d.to_string())
    }

    fn load(&self, row: &PluginRow) -> Result<Arc<Loaded>, PluginError> {
        let manifest = Manifest::parse(&row.manifest)?;
        let read_wasm = || self.files.read(&row.id, &row.version, "plugin.wasm").map_err(|e| PluginError::Internal(format!("plugin.wasm: {e}")));
        // Installs before the shared artifact cache kept no digest, and their artifact beside the component:
        // hash the component once, remember it, and drop the old artifact.
        let digest = match self.installed_digest(&row.id, &row.version) {
            Some(d) => d,
            None => {
                let d = artifacts::digest(&read_wasm()?);
                let _ = self.files.write(&row.id, &row.version, DIGEST_FILE, d.as_bytes());
                let _ = self.files.remove_file(&row.id, &row.version, &format!("{}.cwasm", self.engine.artifact_key()));
                d
            }
        };
        // Compiled now if it never was (a new engine, a cache cleared by hand); mapped when a call needs it.
        self.artifacts.ensure(&digest, read_wasm)?;
        let granted: BTreeSet<Capability> = serde_json::from_str::<Vec<Capability>>(&row.granted).unwrap_or_default().into_iter().collect();
        let source = WasmSource { files: self.files.clone(), id: row.id.clone(), version: row.version.clone() };
        let code = PluginCode::new(self.engine.clone(), self.artifacts.clone(), digest, manifest.wit_version(), source);
        self.loaded(manifest, code, &granted, row.enabled)
    }

    fn loaded(&self, manifest: Manifest, code: Arc<PluginCode>, granted: &BTreeSet<Capability>, enabled: bool) -> Result<Arc<Loaded>, PluginError> {
        let grants = Grants::new(&manifest.requested(), granted, &manifest.capabilities.http_allow);
        // Beside the versions, so an upgrade keeps it; `remove` deletes it with the plugin.
        let data_dir = if grants.allows(Capability::DataDir) {
            Some(self.files.data_dir(&manifest.id).map_err(|e| PluginError::Internal(format!("opening the plugin's data dir: {e}")))?)
        } else {
            None
        };
        let callable =
            Arc::new(Callable { id: manifest.id.as_str().into(), code, grants: Arc::new(grants), limits: manifest.limits(), data_dir });
        let failures = Arc::new(AtomicU32::new(0));
        let retired = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let permits = Arc::new(Semaphore::new(manifest.limits().concurrency as usize));
        let queue = enabled.then(|| self.spawn_worker(callable.clone(), permits.clone(), failures.clone(), retired.clone()));
        Ok(Arc::new(Loaded { manifest, callable, enabled, failures, retired, permits, queue }))
    }

    /// Drop compiled artifacts no installed version uses (after their grace period) and those of another engine.
    async fn sweep_artifacts(&self) {
        let Ok(rows) = self.store.list_plugins().await else { return };
        let keep: std::collections::HashSet<String> = rows
            .iter()
            .filter_map(|r| self.installed_digest(&r.id, &r.version))
            .collect();
        let artifacts = self.artifacts.clone();
        let _ = tokio::task::spawn_blocking(move || artifacts.sweep(&keep, UNUSED_ARTIFACT_GRACE)).await;
    }

    /// The compiled component for `wasm` and its digest, from the artifact cache or compiled into it, off the
    /// async workers.
    async fn component(&self, wasm: &[u8]) -> Result<(String, wasmtime::component::Component), PluginError> {
        let wasm = wasm.to_vec();
        let artifacts = self.artifacts.clone();
        tokio::task::spawn_blocking(move || {
            let digest = artifacts::digest(&wasm);
            let component = artifacts.component(&digest, move || Ok(wasm))?;
            Ok((digest, component))
        })
        .await
        .map_err(|e| PluginError::Internal(e.to_string()))?
    }

    fn swap(&self, mut plugins: Vec<Arc<Loaded>>) {
        plugins.sort_by(|a, b| (a.manifest.priority, &a.manifest.id).cmp(&(b.manifest.priority, &b.manifest.id)));
        let wanted = plugins.iter().any(|p| p.enabled && EventType::STREAM_PIECES.iter().any(|t| p.manifest.subscribes_to(t.as_str())));
        let old = std::mem::replace(&mut *self.active.write().expect("plugin set poisoned"), Arc::new(ActiveSet { plugins }));
        self.stream_pieces_wanted.send_if_modified(|now| std::mem::replace(now, wanted) != wanted);
        let now = self.snapshot();
        for gone in old.plugins.iter().filter(|o| !now.plugins.iter().any(|n| Arc::ptr_eq(n, o))) {
            gone.retired.store(true, Ordering::Relaxed);
        }
    }

    /// The plugin `id` in the active set, if it is there.
    fn active(&self, id: &str) -> Option<Arc<Loaded>> {
        self.snapshot().plugins.iter().find(|p| p.manifest.id == id).cloned()
    }

    fn snapshot(&self) -> Arc<ActiveSet> {
        self.active.read().expect("plugin set poisoned").clone()
    }

    /// Check a package without installing it: manifest, WIT compatibility, and the component against the world.
    /// The compiled artifact stays in the cache for the install that usually follows; the rest is given back.
    pub async fn inspect(&self, manifest_text: &str, wasm: &[u8]) -> Result<Inspection, PluginError> {
        let result = self.inspect_package(manifest_text, wasm).await;
        // The package's buffers and a compile's are freed by now or soon: give them back once the host is quiet.
        crate::memory::note_activity();
        result
    }

    async fn inspect_package(&self, manifest_text: &str, wasm: &[u8]) -> Result<Inspection, PluginError> {
        let manifest = Manifest::parse(manifest_text)?;
        super::preflight::check_imports(wasm)?;
        let (_, component) = self.component(wasm).await?;
        self.engine.prelink(&component, manifest.wit_version())?;
        drop(component);
        let replaces = self.store.get_plugin(&manifest.id).await.ok().map(|r| r.version);
        Ok(Inspection {
            id: manifest.id.clone(),
            version: manifest.version.clone(),
            description: manifest.description.clone(),
            wit: manifest.wit.clone(),
            wit_version: manifest.wit_version().as_str().to_string(),
            requested: manifest.requested().into_iter().collect(),
            http_allow: manifest.capabilities.http_allow.clone(),
            events: manifest.subscriptions.events.clone(),
            jobs: manifest.job_kinds().into_iter().map(|k| k.kind).collect(),
            tools: manifest.tools.iter().map(|t| t.name.clone()).collect(),
            limits: manifest.limits(),
            replaces,
        })
    }

    /// Install (or, with `upgrade`, replace) a plugin. Everything is checked before anything goes live; a
    /// concurrent install or reload is refused, not queued.
    pub async fn install(&self, manifest_text: &str, wasm: &[u8], grant: &[Capability], upgrade: bool) -> Result<PluginInfo, PluginError> {
        let result = self.install_package(manifest_text, wasm, grant, upgrade).await;
        // Accepted or refused, the package's buffers (and a compile's) are freed by now or soon.
        crate::memory::note_activity();
        result
    }

    async fn install_package(&self, manifest_text: &str, wasm: &[u8], grant: &[Capability], upgrade: bool) -> Result<PluginInfo, PluginError> {
        let _reload = self.reload.try_lock().map_err(|_| PluginError::Busy)?;
        let manifest = Manifest::parse(manifest_text)?;
        super::preflight::check_imports(wasm)?;
        let existing = self.store.get_plugin(&manifest.id).await.ok();
        match (&existing, upgrade) {
            (Some(row), false) => {
                return Err(PluginError::Conflict(format!(
                    "`{}` {} is installed: upgrade it instead",
                    manifest.id, row.version
                )))
            }
            (None, true) => return Err(PluginError::NotFound(manifest.id.clone())),
            _ => {}
        }
        let taken: Vec<String> = self
            .store
            .list_plugins()
            .await
            .map_err(plugin_error)?
            .iter()
            .filter(|r| r.id != manifest.id)
            .filter_map(|r| Manifest::parse(&r.manifest).ok())
            .flat_map(|m| m.job_kinds().into_iter().map(|k| format!("{} (by {})", k.kind, k.plugin_id)))
            .collect();
        if let Some(clash) = manifest.job_kinds().iter().find_map(|k| taken.iter().find(|t| t.starts_with(&format!("{} (", k.kind)))) {
            return Err(PluginError::JobKindTaken(format!("job kind {clash} is already declared by another plugin")));
        }
        let requested = manifest.requested();
        let granted: BTreeSet<Capability> = grant.iter().copied().filter(|c| requested.contains(c)).collect();
        let (digest, component) = self.component(wasm).await?;
        // The type check against the world; what it built is dropped with the mapping, as after any idle period: an
        // installed plugin holds no code until a call needs it.
        drop(self.engine.prelink(&component, manifest.wit_version())?);
        drop(component);
        let source = WasmSource { files: self.files.clone(), id: manifest.id.clone(), version: manifest.version.clone() };
        let code = PluginCode::new(self.engine.clone(), self.artifacts.clone(), digest.clone(), manifest.wit_version(), source);
        let loaded = self.loaded(manifest.clone(), code, &granted, true)?;

        self.files
            .write_version(&manifest.id, &manifest.version, &[("plugin.wasm", wasm), ("plugin.toml", manifest_text.as_bytes()), (DIGEST_FILE, digest.as_bytes())])
            .map_err(|e| PluginError::Internal(format!("writing the plugin's files: {e}")))?;
        let granted_json = serde_json::to_string(&granted.iter().collect::<Vec<_>>()).expect("capabilities serialize");
        self.store.put_plugin(&manifest.id, &manifest.version, manifest_text, &granted_json).await.map_err(plugin_error)?;
        if let Some(host_id) = self.host_id.get() {
            self.store.record_plugin_host(&manifest.id, host_id, &manifest.version).await.map_err(plugin_error)?;
        }

        let mut set: Vec<Arc<Loaded>> = self.snapshot().plugins.iter().filter(|p| p.manifest.id != manifest.id).cloned().collect();
        set.push(loaded);
        self.swap(set);
        if let Some(old) = existing.filter(|o| o.version != manifest.version) {
            let _ = self.files.remove_version(&old.id, &old.version);
        }
        self.sweep_artifacts().await;
        let kind = if upgrade { EventType::PluginUpgraded } else { EventType::PluginInstalled };
        let info = self.info(&manifest.id).await?;
        self.events.publish_committed(NewEvent::new(kind, &info)).await;
        Ok(info)
    }

    pub async fn set_enabled(&self, id: &str, enabled: bool, reason: Option<&str>) -> Result<PluginInfo, PluginError> {
        let _reload = self.reload.lock().await;
        let row = self.store.get_plugin(id).await.map_err(|_| PluginError::NotFound(id.to_string()))?;
        let reason = if enabled { None } else { Some(reason.unwrap_or("disabled by a user")) };
        // Load first: if it cannot run, nothing is recorded as enabled.
        let reloaded = self.load(&PluginRow { enabled, ..row })?;
        self.store.set_plugin_enabled(id, enabled, reason).await.map_err(plugin_error)?;
        let mut set: Vec<Arc<Loaded>> = self.snapshot().plugins.iter().filter(|p| p.manifest.id != id).cloned().collect();
        set.push(reloaded);
        self.swap(set);
        let info = self.info(id).await?;
        let kind = if enabled { EventType::PluginEnabled } else { EventType::PluginDisabled };
        self.events.publish_committed(NewEvent::new(kind, &info)).await;
        Ok(info)
    }

    pub async fn remove(&self, id: &str) -> Result<(), PluginError> {
        let _reload = self.reload.lock().await;
        let row = self.store.get_plugin(id).await.map_err(|_| PluginError::NotFound(id.to_string()))?;
        let set: Vec<Arc<Loaded>> = self.snapshot().plugins.iter().filter(|p| p.manifest.id != id).cloned().collect();
        self.swap(set);
        self.store.delete_plugin(id).await.map_err(plugin_error)?;
        let _ = self.files.remove_plugin(&row.id);
        self.sweep_artifacts().await;
        self.events.publish_committed(NewEvent::new(EventType::PluginRemoved, json!({"id": id, "version": row.version}))).await;
        Ok(())
    }

    pub async fn list(&self) -> Result<Vec<PluginInfo>, PluginError> {
        let rows = self.store.list_plugins().await.map_err(plugin_error)?;
        let hosts = self.store.plugin_hosts().await.map_err(plugin_error)?;
        Ok(rows.into_iter().filter_map(|r| info_of(r, &hosts).ok()).collect())
    }

    pub async fn info(&self, id: &str) -> Result<PluginInfo, PluginError> {
        let row = self.store.get_plugin(id).await.map_err(|_| PluginError::NotFound(id.to_string()))?;
        let hosts = self.store.plugin_hosts().await.map_err(plugin_error)?;
        info_of(row, &hosts)
    }

    pub async fn calls(&self, id: &str, limit: i64) -> Result<Vec<PluginCall>, PluginError> {
        // A call reported done has its record queued: the listing includes it.
        self.recorder.flush().await;
        self.store.get_plugin(id).await.map_err(|_| PluginError::NotFound(id.to_string()))?;
        let rows = self.store.plugin_calls(id, limit).await.map_err(plugin_error)?;
        Ok(rows
            .into_iter()
            .map(|c| PluginCall {
                id: c.id,
                trigger: c.trigger,
                started_at: envelope_ts(c.started_at),
                duration_us: c.duration_us,
                outcome: c.outcome,
                error: c.error,
                denials: c.denials.and_then(|d| serde_json::from_str(&d).ok()).unwrap_or_default(),
                stderr: c.stderr,
            })
            .collect())
    }

    /// Call a dynamic tool a plugin offers. `None` when no enabled plugin offers `tool`. `worker_job` is the
    /// (plugin, job) whose worker turn called it, when one did: the plugin sees the job only when it is its own.
    pub async fn call_tool(
        &self,
        tool: &str,
        arguments: &str,
        session_id: Option<&str>,
        worker_job: Option<(&str, &str)>,
    ) -> Option<Result<String, String>> {
        let plugin = self.snapshot().plugins.iter().find(|p| p.enabled && p.manifest.tools.iter().any(|t| t.name == tool)).cloned()?;
        let api = self.api.get()?.clone();
        let call = super::bindings::ToolCall {
            session_id: session_id.map(str::to_owned),
            tool: tool.to_string(),
            arguments: arguments.to_string(),
            job_id: worker_job.filter(|(p, _)| *p == plugin.manifest.id).map(|(_, j)| j.to_string()),
        };
        let permit = plugin.permits.clone().acquire_owned().await.ok()?;
        let report = plugin.callable.call_tool(&self.engine, &api, call).await;
        drop(permit);
        let result = match (&report.value, &report.error) {
            (Some(r), _) if r.success => Ok(r.output.clone()),
            (Some(r), _) => Err(r.output.clone()),
            (None, e) => Err(e.clone().unwrap_or_else(|| "the tool failed".into())),
        };
        // Queued before Codex gets the answer, so a listing made after it includes the call; the failure count
        // (a store write when it changes) is kept beside it.
        self.record_call(&plugin.manifest.id, &format!("tool:{tool}"), &report).await;
        if report.outcome.is_failure() || plugin.failures.load(Ordering::Relaxed) > 0 {
            if let Some(host) = self.me.upgrade() {
                tokio::spawn(async move {
                    host.count_outcome(&plugin.manifest.id, &plugin.failures, &report).await;
                });
            }
        }
        Some(result)
    }

    /// Job kinds the enabled plugins run.
    pub fn job_kinds(&self) -> Vec<JobKind> {
        self.snapshot().plugins.iter().filter(|p| p.enabled).flat_map(|p| p.manifest.job_kinds()).collect()
    }

    /// The enabled plugin that runs `kind`, and the kind's limits.
    pub fn job_kind(&self, kind: &str) -> Option<JobKind> {
        self.job_kinds().into_iter().find(|k| k.kind == kind)
    }

    /// A kind an enabled plugin runs on another host sharing the store, whose component is not here (the shared
    /// `plugins` row declares it and `plugin_hosts` names a host that holds it): a job of it may be enqueued here,
    /// for that host to claim.
    pub async fn job_kind_elsewhere(&self, kind: &str) -> Option<JobKind> {
        let rows = self.store.list_plugins().await.ok()?;
        let hosts = self.store.plugin_hosts().await.ok()?;
        rows.iter()
            .filter(|r| r.enabled && hosts.iter().any(|h| h.plugin_id == r.id))
            .filter_map(|r| Manifest::parse(&r.manifest).ok())
            .flat_map(|m| m.job_kinds())
            .find(|k| k.kind == kind)
    }

    /// Run one attempt of a job in the plugin that declares its kind, within `timeout`. None when no enabled
    /// plugin runs the kind (it was disabled or removed since the job was claimed).
    pub async fn run_job(&self, job: WitJob, timeout: std::time::Duration) -> Option<CallReport<JobOutcome>> {
        let plugin = self
            .snapshot()
            .plugins
            .iter()
            .find(|p| p.enabled && p.manifest.job_kinds().iter().any(|k| k.kind == job.kind))
            .cloned()?;
        let api = self.api.get()?.clone();
        let trigger = format!("job:{}#{}", job.kind, job.id);
        let report = plugin.callable.run_job(&self.engine, &api, job, timeout).await;
        self.after_call(&plugin.manifest.id, &plugin.failures, &trigger, &report).await;
        Some(report)
    }

    /// Tools the enabled plugins offer, for registering with new Codex threads; with `only`, one plugin's (a worker
    /// session gets its own plugin's tools, so a tool call tells the plugin which job's turn made it).
    pub fn tools(&self, only: Option<&str>) -> Vec<ToolSpec> {
        self.snapshot()
            .plugins
            .iter()
            .filter(|p| p.enabled && only.is_none_or(|id| p.manifest.id == id))
            .flat_map(|p| p.manifest.tools.clone())
            .collect()
    }

    fn spawn_worker(
        &self,
        callable: Arc<Callable>,
        permits: Arc<Semaphore>,
        failures: Arc<AtomicU32>,
        retired: Arc<std::sync::atomic::AtomicBool>,
    ) -> mpsc::Sender<Arc<Event>> {
        let (tx, mut rx) = mpsc::channel::<Arc<Event>>(QUEUE_PER_PLUGIN);
        let me = self.me.clone();
        let per_instance = callable.limits.events_per_instance.max(1) as usize;
        tokio::spawn(async move {
            while let Some(event) = rx.recv().await {
                if retired.load(Ordering::Relaxed) {
                    continue;
                }
                let Ok(permit) = permits.clone().acquire_owned().await else { return };
                // What queued up behind it while it waited goes along, up to the plugin's `events_per_instance`.
                let mut batch = vec![event];
                while batch.len() < per_instance {
                    match rx.try_recv() {
                        Ok(next) => batch.push(next),
                        Err(_) => break,
                    }
                }
                let Some(host) = me.upgrade() else { return };
                let callable = callable.clone();
                let failures = failures.clone();
                tokio::spawn(async move {
                    let Some(api) = host.api.get().cloned() else { return };
                    let reports = callable.on_events(&host.engine, &api, batch.iter().map(|e| wit_event(e)).collect()).await;
                    // The next call may start while these are recorded.
                    drop(permit);
                    for (event, report) in batch.iter().zip(&reports) {
                        host.after_call(&callable.id, &failures, &format!("event:{}#{}", event.kind, event.seq), report).await;
                    }
                });
            }
        });
        tx
    }

    /// Record the call; count failures and switch the plugin off when the breaker trips.
    async fn after_call<T>(&self, id: &str, failures: &AtomicU32, trigger: &str, report: &CallReport<T>) {
        self.record_call(id, trigger, report).await;
        self.count_outcome(id, failures, report).await;
    }

    /// Hand the call's record to the writer: it is listed from now on, and written with the next batch.
    async fn record_call<T>(&self, id: &str, trigger: &str, report: &CallReport<T>) {
        let row = PluginCallRow {
            id: uuid::Uuid::now_v7().to_string(),
            plugin_id: id.to_string(),
            trigger: trigger.to_string(),
            started_at: now_ms() - report.duration.as_millis() as i64,
            duration_us: report.duration.as_micros() as i64,
            outcome: report.outcome.as_str().to_string(),
            error: report.error.clone(),
            denials: (!report.denials.is_empty()).then(|| serde_json::to_string(&report.denials).expect("strings serialize")),
            stderr: report.stderr.clone().filter(|_| report.outcome.is_failure()),
        };
        self.recorder.record(row).await;
    }

    /// Wait until every call record handed over so far is written: before the host stops.
    pub async fn flush_calls(&self) {
        self.recorder.flush().await;
    }

    async fn count_outcome<T>(&self, id: &str, failures: &AtomicU32, report: &CallReport<T>) {
        if !report.denials.is_empty() {
            tracing::warn!(plugin = id, denials = ?report.denials, "plugin used capabilities it was not granted");
        }
        if report.outcome.is_failure() && report.outcome != Outcome::Dropped {
            let n = failures.fetch_add(1, Ordering::Relaxed) + 1;
            tracing::warn!(
                plugin = id,
                outcome = report.outcome.as_str(),
                failures = n,
                error = report.error.as_deref().unwrap_or(""),
                stderr = report.stderr.as_deref().unwrap_or(""),
                "plugin call failed"
            );
            let _ = self.store.set_plugin_failures(id, i64::from(n)).await;
            if n == BREAKER_THRESHOLD {
                let reason = format!(
                    "circuit breaker: {n} failed calls in a row; last: {} ({})",
                    report.outcome.as_str(),
                    report.error.as_deref().unwrap_or("")
                );
                if let Some(host) = self.me.upgrade() {
                    let id = id.to_string();
                    tokio::spawn(async move {
                        if let Err(e) = host.set_enabled(&id, false, Some(&reason)).await {
                            tracing::error!(plugin = %id, error = %e, "could not switch off a failing plugin");
                        }
                    });
                }
            }
        } else if failures.swap(0, Ordering::Relaxed) > 0 {
            let _ = self.store.set_plugin_failures(id, 0).await;
        }
    }

    /// Every event goes to every enabled plugin that subscribed to it, in priority-then-id order. Each plugin's
    /// queue is its own, so a slow one only falls behind itself. The dispatcher reads through a replaying
    /// subscription: if it lags, it catches up from the log rather than skipping events. It leaves out the pieces
    /// of streams while no enabled plugin subscribes to one; when that changes it follows the other feed from where
    /// it stands (what came after is read from the store).
    fn spawn_dispatcher(&self) {
        let me = self.me.clone();
        let events = self.events.clone();
        let follow = move |since: Option<i64>, pieces: bool| {
            if pieces {
                Subscription::new(events.clone(), since, EventFilter::default())
            } else {
                Subscription::without_stream_pieces(events.clone(), since, EventFilter::default())
            }
        };
        let mut wanted = self.stream_pieces_wanted.subscribe();
        let mut sub = follow(None, *wanted.borrow_and_update());
        tokio::spawn(async move {
            loop {
                let next = tokio::select! {
                    next = sub.next() => next,
                    changed = wanted.changed() => {
                        // The registry is gone.
                        if changed.is_err() {
                            return;
                        }
                        sub = follow(Some(sub.position()), *wanted.borrow_and_update());
                        continue;
                    }
                };
                let item = match next {
                    Ok(crate::events::StreamItem::Event(e)) => e,
                    Ok(_) => continue,
                    Err(e) => {
                        tracing::error!(error = %e, "plugin dispatch could not read events");
                        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                        continue;
                    }
                };
                let Some(host) = me.upgrade() else { return };
                // Plugin lifecycle events go to subscribers too. A plugin's host calls (a rename, a setting) do
                // publish events that may reach it again: avoiding a loop of its own making is the plugin's job.
                // Asked once per event, and only when a plugin wants it.
                let mut ours: Option<bool> = None;
                for plugin in host.snapshot().plugins.iter() {
                    if !plugin.enabled || !plugin.manifest.subscribes_to(&item.kind) {
                        continue;
                    }
                    // An event about no session (a job's, a project's) sets off the plugins of the host that wrote
                    // it, not those of every host that relays it.
                    if item.session_id.is_none() && item.from_another_host {
                        continue;
                    }
                    if let (Some(session), Some(api)) = (item.session_id.as_deref(), host.api.get()) {
                        let here = match ours {
                            Some(here) => here,
                            None => *ours.insert(api.owns_session(session).await),
                        };
                        if !here {
                            continue;
                        }
                    }
                    if let Some(queue) = &plugin.queue {
                        if queue.try_send(item.clone()).is_err() {
                            tracing::warn!(plugin = %plugin.manifest.id, seq = item.seq, "plugin queue full; event dropped for it");
                            let report: CallReport<()> = CallReport {
                                value: None,
                                outcome: Outcome::Dropped,
                                error: Some("queue full: the plugin is too slow for its subscriptions".into()),
                                denials: Vec::new(),
                                stderr: None,
                                duration: std::time::Duration::ZERO,
                            };
                            host.after_call(&plugin.manifest.id, &plugin.failures, &format!("event:{}#{}", item.kind, item.seq), &report).await;
                        }
                    }
                }
            }
        });
    }
}

fn wit_event(e: &Event) -> WitEvent {
    WitEvent {
        seq: e.seq,
        ts: envelope_ts(e.ts),
        kind: e.kind.clone(),
        session_id: e.session_id.as_deref().map(str::to_owned),
        turn_id: e.turn_id.clone(),
        project_id: e.project_id.as_deref().map(str::to_owned),
        data: e.data_text().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::DEFAULT_RETENTION;

    const MANIFEST: &str = r#"
id = "elsewhere"
version = "1.0.0"
wit = "^0.2"
[[jobs]]
kind = "test.elsewhere"
description = "runs on another host"
"#;

    /// On a store another host shares, a plugin that host installed (its row, its `plugin_hosts` row) but whose
    /// component is not in this data dir: the start skips it without switching it off for everyone, this host
    /// neither runs its kind nor records itself as holding it, and still knows that another host runs the kind.
    #[tokio::test]
    async fn a_plugin_installed_only_on_another_host_is_not_loaded_here_and_stays_enabled() {
        let (store, scratch) = crate::store::testing::scratch("registry-elsewhere").await;
        store.put_plugin("elsewhere", "1.0.0", MANIFEST, "[]").await.unwrap();
        store.record_plugin_host("elsewhere", "other-host", "1.0.0").await.unwrap();
        let events = EventLog::start(store.clone(), DEFAULT_RETENTION).await.unwrap();
        let registry = PluginRegistry::start(store.clone(), events, scratch.as_ref(), Compiler::InProcess).await.expect("the start does not fail");
        registry.attach_host("this-host").await;

        assert!(registry.job_kind("test.elsewhere").is_none(), "not run here");
        let row = store.get_plugin("elsewhere").await.unwrap();
        assert!(row.enabled && row.disabled_reason.is_none(), "not switched off for the host that holds it: {row:?}");
        let info = registry.info("elsewhere").await.unwrap();
        let holders: Vec<&str> = info.hosts.iter().map(|h| h.host_id.as_str()).collect();
        assert_eq!(holders, ["other-host"]);
        let kind = registry.job_kind_elsewhere("test.elsewhere").await.expect("another host runs it");
        assert_eq!(kind.plugin_id, "elsewhere");
        assert!(registry.job_kind_elsewhere("test.nowhere").await.is_none());
    }
}
