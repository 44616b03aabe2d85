//! Host bindings of every WIT version this host serves (one module each, generated from `wit/<version>`), and the
//! one dispatch across them. A plugin is pre-linked against the world of the version its manifest asks for (the
//! highest served version its `wit` requirement matches, see [`WitVersion`]); calls into it go through
//! [`PluginPre`] and [`Instance`], enums over the versions, so the rest of the runtime speaks only the host types
//! below. Imports are implemented once on host types (`imports.rs`); each version's `Host` traits convert.

pub mod v0_1;
pub mod v0_2;

use wasmtime::component::{Component, Linker};
use wasmtime::{Engine, Store};

pub use super::manifest::WitVersion;
use super::state::PluginState;
use super::PluginError;

/// One event of the host's log, as handed to `on-event`.
#[derive(Debug, Clone)]
pub struct Event {
    pub seq: i64,
    pub ts: String,
    pub kind: String,
    pub session_id: Option<String>,
    pub turn_id: Option<String>,
    pub project_id: Option<String>,
    pub data: String,
}

/// A job handed to `run-job`.
#[derive(Debug, Clone)]
pub struct Job {
    pub id: String,
    pub kind: String,
    pub payload: String,
    pub attempt: u32,
    pub session_id: Option<String>,
    pub project_id: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Retry {
    pub after_ms: u64,
    pub reason: String,
}

/// What `run-job` answered.
#[derive(Debug, Clone)]
pub enum JobOutcome {
    Succeeded(String),
    RetryLater(Retry),
    Failed(String),
}

/// A call of a tool the plugin offers.
#[derive(Debug, Clone)]
pub struct ToolCall {
    pub session_id: Option<String>,
    pub tool: String,
    pub arguments: String,
    /// The job of this plugin whose worker turn called the tool (0.2.0 on; older versions do not see it).
    pub job_id: Option<String>,
}

#[derive(Debug, Clone)]
pub struct ToolResult {
    pub output: String,
    pub success: bool,
}

/// A linker per served version: WASI (nothing granted) and that version's host interfaces. A component is checked
/// against exactly the world its manifest names, so a plugin cannot mix interfaces of two versions.
pub struct Linkers {
    v0_1: Linker<PluginState>,
    v0_2: Linker<PluginState>,
}

impl Linkers {
    pub fn new(engine: &Engine) -> anyhow::Result<Self> {
        Ok(Self { v0_1: v0_1::linker(engine)?, v0_2: v0_2::linker(engine)? })
    }

    /// Type-check a component against `version`'s world and pre-link it: imports resolved once, instances cheap.
    pub fn prelink(&self, component: &Component, version: WitVersion) -> Result<PluginPre, PluginError> {
        let world = format!("codex-manager:plugin@{}", version.as_str());
        let unfit = |e: wasmtime::Error| PluginError::Incompatible(format!("the component does not fit the world {world}: {e:#}"));
        let no_handler =
            |e: wasmtime::Error| PluginError::Incompatible(format!("the component does not export `handler` as the world {world} says: {e:#}"));
        Ok(match version {
            WitVersion::V0_1 => PluginPre::V0_1(v0_1::PluginPre::new(self.v0_1.instantiate_pre(component).map_err(unfit)?).map_err(no_handler)?),
            WitVersion::V0_2 => PluginPre::V0_2(v0_2::PluginPre::new(self.v0_2.instantiate_pre(component).map_err(unfit)?).map_err(no_handler)?),
        })
    }
}

/// A component pre-linked against the world of its version.
pub enum PluginPre {
    V0_1(v0_1::PluginPre<PluginState>),
    V0_2(v0_2::PluginPre<PluginState>),
}

impl PluginPre {
    pub fn version(&self) -> WitVersion {
        match self {
            Self::V0_1(_) => WitVersion::V0_1,
            Self::V0_2(_) => WitVersion::V0_2,
        }
    }

    pub async fn instantiate(&self, store: &mut Store<PluginState>) -> wasmtime::Result<Instance> {
        Ok(match self {
            Self::V0_1(pre) => Instance::V0_1(pre.instantiate_async(store).await?),
            Self::V0_2(pre) => Instance::V0_2(pre.instantiate_async(store).await?),
        })
    }
}

/// One instance of a plugin, for one call.
pub enum Instance {
    V0_1(v0_1::Plugin),
    V0_2(v0_2::Plugin),
}

impl Instance {
    pub async fn on_event(&self, store: &mut Store<PluginState>, event: &Event) -> wasmtime::Result<Result<(), String>> {
        match self {
            Self::V0_1(p) => p.codex_manager_plugin_handler().call_on_event(store, &event.clone().into()).await,
            Self::V0_2(p) => p.codex_manager_plugin_handler().call_on_event(store, &event.clone().into()).await,
        }
    }

    pub async fn run_job(&self, store: &mut Store<PluginState>, job: &Job) -> wasmtime::Result<JobOutcome> {
        Ok(match self {
            Self::V0_1(p) => p.codex_manager_plugin_handler().call_run_job(store, &job.clone().into()).await?.into(),
            Self::V0_2(p) => p.codex_manager_plugin_handler().call_run_job(store, &job.clone().into()).await?.into(),
        })
    }

    pub async fn call_tool(&self, store: &mut Store<PluginState>, call: &ToolCall) -> wasmtime::Result<Result<ToolResult, String>> {
        Ok(match self {
            Self::V0_1(p) => p.codex_manager_plugin_handler().call_call_tool(store, &call.clone().into()).await?.map(Into::into),
            Self::V0_2(p) => p.codex_manager_plugin_handler().call_call_tool(store, &call.clone().into()).await?.map(Into::into),
        })
    }
}

/// What every version so far shares (the same records, the same interfaces): each version module expands this
/// beside its own conversions, inside a module that names its generated `types` interface `wit` and imports the
/// host types used here.
macro_rules! shared_conversions {
    () => {
        impl From<super::Event> for wit::Event {
            fn from(e: super::Event) -> Self {
                Self { seq: e.seq, ts: e.ts, kind: e.kind, session_id: e.session_id, turn_id: e.turn_id, project_id: e.project_id, data: e.data }
            }
        }

        impl From<super::Job> for wit::Job {
            fn from(j: super::Job) -> Self {
                Self { id: j.id, kind: j.kind, payload: j.payload, attempt: j.attempt, session_id: j.session_id, project_id: j.project_id }
            }
        }

        impl From<wit::JobOutcome> for super::JobOutcome {
            fn from(o: wit::JobOutcome) -> Self {
                match o {
                    wit::JobOutcome::Succeeded(out) => Self::Succeeded(out),
                    wit::JobOutcome::RetryLater(r) => Self::RetryLater(super::Retry { after_ms: r.after_ms, reason: r.reason }),
                    wit::JobOutcome::Failed(reason) => Self::Failed(reason),
                }
            }
        }

        impl From<wit::ToolResult> for super::ToolResult {
            fn from(r: wit::ToolResult) -> Self {
                Self { output: r.output, success: r.success }
            }
        }

        impl From<HostCallError> for wit::Error {
            fn from(e: HostCallError) -> Self {
                match e {
                    HostCallError::Denied(m) => Self::Denied(m),
                    HostCallError::NotFound(m) => Self::NotFound(m),
                    HostCallError::Conflict(m) => Self::Conflict(m),
                    HostCallError::Invalid(m) => Self::Invalid(m),
                    HostCallError::Unavailable(m) => Self::Unavailable(m),
                }
            }
        }

        impl From<wit::LogLevel> for LogLevel {
            fn from(l: wit::LogLevel) -> Self {
                match l {
                    wit::LogLevel::Debug => Self::Debug,
                    wit::LogLevel::Info => Self::Info,
                    wit::LogLevel::Warn => Self::Warn,
                    wit::LogLevel::Error => Self::Error,
                }
            }
        }

        impl From<wit::Decision> for Decision {
            fn from(d: wit::Decision) -> Self {
                match d {
                    wit::Decision::Accept => Self::Accept,
                    wit::Decision::AcceptForSession => Self::AcceptForSession,
                    wit::Decision::Decline => Self::Decline,
                    wit::Decision::Cancel => Self::Cancel,
                }
            }
        }

        fn outcome(d: Decided) -> wit::DecideOutcome {
            match d {
                Decided::Applied => wit::DecideOutcome::Applied,
                Decided::AlreadyResolved => wit::DecideOutcome::AlreadyResolved,
            }
        }

        impl From<wit::HttpRequest> for HttpRequest {
            fn from(r: wit::HttpRequest) -> Self {
                Self { method: r.method, url: r.url, headers: r.headers, body: r.body }
            }
        }

        impl From<HttpResponse> for wit::HttpResponse {
            fn from(r: HttpResponse) -> Self {
                Self { status: r.status, headers: r.headers, body: r.body }
            }
        }

        impl From<wit::JobRequest> for host_api::JobRequest {
            fn from(r: wit::JobRequest) -> Self {
                Self {
                    kind: r.kind,
                    payload: r.payload,
                    session_id: r.session_id,
                    project_id: r.project_id,
                    dedupe_key: r.dedupe_key,
                    priority: r.priority,
                    delay_ms: r.delay_ms,
                }
            }
        }

        impl From<wit::WorkerTurn> for host_api::WorkerTurn {
            fn from(t: wit::WorkerTurn) -> Self {
                Self {
                    session_id: t.session_id,
                    project_id: t.project_id,
                    prompt: t.prompt,
                    workspace_write: matches!(t.sandbox, Some(wit::WorkerSandbox::WorkspaceWrite)),
                    network: t.network.unwrap_or(false),
                    model: t.model,
                    accept_requests: matches!(t.approvals, Some(wit::WorkerApprovals::Accept)),
                }
            }
        }

        impl From<host_api::WorkerReply> for wit::WorkerReply {
            fn from(r: host_api::WorkerReply) -> Self {
                Self { session_id: r.session_id, turn_id: r.turn_id, status: r.status, text: r.text, error: r.error }
            }
        }

        impl From<wit::Note> for host_api::Note {
            fn from(n: wit::Note) -> Self {
                Self { kind: n.kind, title: n.title, body: n.body, data: n.data, turn_id: n.turn_id }
            }
        }

        impl wit::Host for PluginState {}

        impl log::Host for PluginState {
            async fn log(&mut self, level: wit::LogLevel, message: String) {
                PluginState::log(self, level.into(), message)
            }
        }

        impl http::Host for PluginState {
            async fn fetch(&mut self, request: wit::HttpRequest) -> Result<wit::HttpResponse, wit::Error> {
                Ok(PluginState::fetch(self, request.into()).await?.into())
            }
        }

        impl jobs::Host for PluginState {
            async fn enqueue(&mut self, request: wit::JobRequest) -> Result<wit::Enqueued, wit::Error> {
                let (job_id, duplicate) = PluginState::enqueue(self, request.into()).await?;
                Ok(wit::Enqueued { job_id, duplicate })
            }
        }

        impl workers::Host for PluginState {
            async fn run_turn(&mut self, turn: wit::WorkerTurn) -> Result<wit::WorkerReply, wit::Error> {
                Ok(PluginState::run_turn(self, turn.into()).await?.into())
            }
        }

        impl notes::Host for PluginState {
            async fn add(&mut self, session_id: String, note: wit::Note) -> Result<String, wit::Error> {
                Ok(PluginState::add_note(self, session_id, note.into()).await?)
            }
        }
    };
}

pub(crate) use shared_conversions;
