//! The host's use cases, as components that each own their state, behind one facade for the API.
//!
//! Services own the rules (what may happen when, what it records) and speak to the store, the event log and the
//! app-server supervisor. They never know about HTTP: the API layer calls them through [`Services`]' accessors
//! and maps [`ServiceError`] to responses once.
//!
//! Construction order is the dependency graph (each component holds `Arc`s of the ones built before it):
//! [`Core`] → [`Codex`], [`Plugins`], [`Projects`], [`Settings`], [`Notes`] → [`Sessions`] → [`Requests`],
//! [`Followups`] → [`Turns`] → [`Dispatcher`], [`ThreadOps`], [`Queue`] → [`Routines`], [`Events`] → [`Relay`]
//! (app-server's output).
//! The follow-up board (each session's queue summary and the signals that move queues) is built before
//! [`Sessions`] and shared, like the live threads: a turn's end and an approval are posted to it, and the
//! [`Dispatcher`] reads them. One edge points up: [`Sessions`] reaches
//! [`Requests`] through a `Weak` (a list row shows its session's waiting requests; a deleted session's requests
//! expire). [`LiveThreads`](live::LiveThreads), the relay's view of what app-server runs now, is shared by `Arc`
//! with the components that read it.

mod relay;
mod codex;
mod core;
mod error;
mod events;
mod followups;
mod hosts;
mod index;
mod live;
mod limits;
mod liveness;
mod notes;
mod paging;
pub(crate) mod plugin_api;
mod plugins;
mod projects;
mod queue;
mod readiness;
mod requests;
mod routines;
mod sessions;
mod settings;
mod turns;
mod views;
mod waits;

use std::sync::Arc;

use serde_json::json;
use tokio::sync::mpsc;

// The components.
pub use self::core::Core;
pub use relay::Relay;
pub use codex::{Codex, ThreadOps};
pub use events::Events;
pub use limits::{Budget, Budgets, DayUsage, Hold, LimitKind, Limits, LimitsStatus, TokenCounts, UsageLimit, UsageQuery, UsageReport};
pub use followups::{Dispatcher, Followups};
pub use hosts::Hosts;
pub use notes::Notes;
pub use plugins::{PluginSettings, Plugins};
pub use projects::Projects;
pub use queue::Queue;
pub use requests::Requests;
pub use routines::Routines;
pub use routines::webhook as routines_webhook;
pub use sessions::Sessions;
pub use settings::Settings;
pub use turns::Turns;

// What they take and hand out.
pub use crate::store::TurnStatus;
pub use codex::{
    Capabilities, CapabilityGroup, CapabilityReport, CodexOp, ConfigBatch, ConfigEdit, ExecRequest, FeatureEnablement, Feedback, HookState,
    LoginRequest, McpLogin, MergeStrategy, ModelQuery, ReviewTarget, Revert, ShellCommand, SkillEnablement, StartReview,
};
pub use error::{ErrorCode, ErrorKind, ServiceError, ServiceResult};
pub use hosts::{Host, HostIdentity, HostList, HostState, IdentityConfig, Owner, OwnerHost, SessionOwner, HEARTBEAT_INTERVAL, HOST_ID_FILE, MISSED_HEARTBEATS};
pub use followups::{EditFollowup, Followup, FollowupList, FollowupQuery, FollowupQueue, FollowupQueued, ReorderFollowups};
pub use crate::store::{FollowupStatus, PauseReason};
pub use notes::{NotePage, NoteQuery, SessionNote};
pub use queue::{EnqueueJob, EnqueueResult, Job, JobError, JobKinds, JobPage, JobQuery, JobTransition, QueueStats};
pub use readiness::{Readiness, StoreEngine};
pub use routines::{
    CatchUp, CreateRoutine, PreviewQuery, Routine, RoutineCreated, RoutineList, RoutineRun, RoutineRunList, RoutineSecret, RoutineState, RunQuery,
    RunStatus, RunTrigger, SchedulePreview, UpdateRoutine,
};
pub use requests::{Assessment, NewAssessment, PendingRequest, RequestKind, RequestQuery, RespondToRequest, Risk};
pub use projects::{CreateProject, MoveSessions, UpdateProject};
pub use sessions::{ApprovalPolicy, ControlsView, SandboxMode, SessionControls};
pub use sessions::{CreateSession, DynamicTool, SessionDetail, SessionPage, SessionQuery, Transcript, TranscriptQuery, UpdateSession};
pub use settings::Setting;
pub use turns::{IfBusy, InterruptResult, InterruptStatus, SendMessage, SendOutcome, SteerMessage, TurnAccepted, TurnMode};
pub use turns::{TurnRecord, TurnRecordPage, TurnRecordQuery};
pub use waits::{WaitQuery, MAX_WAIT};
pub use views::{Project, Session, SessionStatus};

use crate::appserver::{ChildLauncher, Launch, AppServer, AppServerConfig};
use crate::events::{EventLog, EventType, NewEvent};
use crate::plugins::PluginRegistry;
use crate::store::Store;
use live::LiveThreads;

/// How long a finished idempotency key is remembered.
const IDEMPOTENCY_KEY_TTL_MS: i64 = 7 * 24 * 3600 * 1000;

/// Longest a stop waits for the event log to commit what is queued.
const SHUTDOWN_FLUSH_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

/// Queue between the app-server reader and the relay; a full queue slows the reader, never drops a line.
const INBOUND_CAPACITY: usize = 1024;

/// The facade: starts and stops the components and hands each to the API.
pub struct Services {
    core: Arc<Core>,
    codex: Arc<Codex>,
    plugins: Arc<Plugins>,
    projects: Arc<Projects>,
    sessions: Arc<Sessions>,
    settings: Arc<Settings>,
    notes: Arc<Notes>,
    requests: Arc<Requests>,
    turns: Arc<Turns>,
    followups: Arc<Followups>,
    limits: Arc<Limits>,
    /// Runs on its own tasks; held for tests, which drive it directly.
    #[cfg_attr(not(test), allow(dead_code))]
    dispatcher: Arc<Dispatcher>,
    queue: Arc<Queue>,
    routines: Arc<Routines>,
    thread_ops: Arc<ThreadOps>,
    events: Arc<Events>,
    relay: Arc<Relay>,
}

impl Services {
    /// Start app-server (the supervised `codex app-server`) and the relay over an open store and event log.
    pub async fn start(
        store: Store,
        events: EventLog,
        app_server: AppServerConfig,
        exec_enabled: bool,
        plugin_host: Arc<PluginRegistry>,
        queue: crate::config::QueueConfig,
        identity: HostIdentity,
    ) -> anyhow::Result<Arc<Self>> {
        let launcher = ChildLauncher::new(&app_server);
        Self::start_with(store, events, app_server, launcher, exec_enabled, plugin_host, queue, identity).await
    }

    /// [`Services::start`] with app-server started by `launcher` (unit tests run an in-memory peer: `crate::testing`).
    pub async fn start_with<L: Launch>(
        store: Store,
        events: EventLog,
        app_server: AppServerConfig,
        launcher: L,
        exec_enabled: bool,
        plugin_host: Arc<PluginRegistry>,
        queue: crate::config::QueueConfig,
        identity: HostIdentity,
    ) -> anyhow::Result<Arc<Self>> {
        // Before the sessions are read: the ones no host owned yet are this host's from here on.
        let hosts = Hosts::register(store.clone(), identity).await?;
        let rows = store.all_sessions().await?;
        let released = store.release_unfinished_idempotency_keys(&hosts.this().id).await? + store.expire_idempotency_keys(IDEMPOTENCY_KEY_TTL_MS).await?;
        if released > 0 {
            tracing::warn!(released, "released idempotency keys left unfinished by an unclean stop");
        }
        let (tx, rx) = mpsc::channel(INBOUND_CAPACITY);
        let (codex_bin, codex_home) = (app_server.program.clone(), app_server.codex_home.clone());
        let core = Arc::new(Core::new(store, events, AppServer::start_with(app_server, launcher, tx), hosts.clone()));
        core.record_liveness();
        let codex = Arc::new(Codex::new(core.clone(), exec_enabled));
        // Watch before app-server can say anything, so its first `ready` is seen.
        codex.watch(codex_bin, codex_home);
        let plugins = Arc::new(Plugins::new(core.clone(), plugin_host.clone()));
        let live = Arc::new(LiveThreads::default());
        let limits = Limits::new(core.clone());
        let projects = Arc::new(Projects::new(core.clone()));
        let (board, followup_inbox) = followups::FollowupBoard::new();
        let board = Arc::new(board);
        let sessions = Arc::new(Sessions::new(core.clone(), codex.clone(), plugins.clone(), projects.clone(), live.clone(), board.clone(), &rows));
        let settings = Arc::new(Settings::new(core.clone()));
        let notes = Arc::new(Notes::new(core.clone()));
        let requests = Requests::new(core.clone(), sessions.clone(), plugins.clone(), live.clone());
        sessions.attach_requests(Arc::downgrade(&requests));
        let followups = Arc::new(Followups::new(core.clone(), sessions.clone(), board));
        followups.load().await?;
        let turns = Arc::new(Turns::new(core.clone(), sessions.clone(), live.clone(), followups.clone(), limits.clone()));
        let dispatcher = Dispatcher::new(core.clone(), followups.clone(), turns.clone(), live.clone(), limits.clone());
        let job_queue = Queue::new(core.clone(), plugins.clone(), projects.clone(), sessions.clone(), turns.clone(), requests.clone(), limits.clone(), queue);
        let routines = Routines::new(core.clone(), plugins.clone(), sessions.clone(), turns.clone(), job_queue.clone(), limits.clone());
        let thread_ops = Arc::new(ThreadOps::new(sessions.clone(), codex.clone()));
        let events = Arc::new(Events::new(core.clone(), requests.clone()));
        let relay = Arc::new(Relay::new(core.clone(), sessions.clone(), requests.clone(), turns.clone(), live, limits.clone()));
        // What the last run left open is settled before app-server's output is read.
        // Only this host's sessions: the turns of another host's are running there, not left by a stop of ours.
        let own: Vec<_> = rows.iter().filter(|r| hosts.owns(r.owner_host.as_deref())).cloned().collect();
        turns.reconcile_after_stop(&own).await;
        requests.expire_requests_left_by_last_run().await;
        let services = Arc::new(Self {
            core,
            codex,
            plugins,
            projects,
            sessions,
            settings,
            notes,
            requests,
            turns,
            followups,
            limits: limits.clone(),
            dispatcher: dispatcher.clone(),
            queue: job_queue.clone(),
            routines: routines.clone(),
            thread_ops,
            events,
            relay: relay.clone(),
        });
        plugin_host.attach(Arc::new(plugin_api::ServicesForPlugins(Arc::downgrade(&services))));
        tokio::spawn(relay.run(rx));
        hosts.start();
        if services.store().engine() == crate::store::Engine::Postgres {
            services.turns.follow_other_hosts_turn_ends();
        }
        // After the reconciliation: turns the last run left running have ended (and paused their queues).
        limits.start();
        dispatcher.start(followup_inbox).await;
        job_queue.start();
        routines.start();
        Ok(services)
    }

    pub fn app_server(&self) -> &AppServer {
        self.core.app_server()
    }

    pub fn events(&self) -> &Events {
        &self.events
    }

    /// This host's identity, the hosts on the store and who owns a session.
    pub fn hosts(&self) -> &Hosts {
        self.core.hosts()
    }

    /// Who this host is.
    pub fn host(&self) -> &HostIdentity {
        self.core.hosts().this()
    }

    pub fn store(&self) -> &Store {
        self.core.store()
    }

    pub fn codex(&self) -> &Codex {
        &self.codex
    }

    pub fn projects(&self) -> &Projects {
        &self.projects
    }

    pub fn sessions(&self) -> &Sessions {
        &self.sessions
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    pub fn notes(&self) -> &Notes {
        &self.notes
    }

    pub fn requests(&self) -> &Requests {
        &self.requests
    }

    pub fn turns(&self) -> &Turns {
        &self.turns
    }

    pub fn followups(&self) -> &Followups {
        &self.followups
    }

    /// Usage limits and budgets; [`Limits::may_start_turn`] is the gate every automation asks before a turn.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    #[cfg(test)]
    pub(crate) fn dispatcher(&self) -> &Dispatcher {
        &self.dispatcher
    }

    pub fn routines(&self) -> &Routines {
        &self.routines
    }

    pub fn queue(&self) -> &Queue {
        &self.queue
    }

    pub fn plugins(&self) -> &Plugins {
        &self.plugins
    }

    pub fn thread_ops(&self) -> &ThreadOps {
        &self.thread_ops
    }

    /// Whether the host can serve (`/api/ready`): it spans the core, the Codex surface and the queue.
    pub async fn readiness(&self) -> Readiness {
        readiness::assess(&self.core, &self.codex, &self.queue, &self.limits).await
    }

    /// Stop app-server, end what it was running (turns, open items, pending requests) with the reason, and
    /// commit every event.
    pub async fn shutdown(&self) {
        // Nothing is lifted once the host stops: a queue a limit paused is resumed by the next run, from the store.
        self.limits.stop();
        // Jobs first: their worker turns are interrupted while app-server still runs, and they go back to the queue.
        self.queue.shutdown().await;
        let generation = self.core.app_server().state().generation;
        self.core.app_server().shutdown().await;
        self.relay.end_generation(generation, "the host shut down").await;
        self.core.events().publish_committed(NewEvent::new(EventType::RuntimeStopped, json!({"reason": "host shutdown"}))).await;
        // The records of the calls made so far are written before the stop (a call still running may lose its own).
        if tokio::time::timeout(SHUTDOWN_FLUSH_WAIT, self.plugins.flush_calls()).await.is_err() {
            tracing::error!("stopping with plugin call records not written: the store cannot write (disk full?)");
        }
        // A store that cannot write (disk full) must not hold the stop forever: what is not committed by then is
        // lost as in a crash, and the next start ends the turns it leaves open.
        if !self.core.events().flush_within(SHUTDOWN_FLUSH_WAIT).await {
            tracing::error!("stopping with events not committed: the store cannot write (disk full?)");
        }
        // Last: until here the host still answers for its sessions.
        self.core.hosts().stop().await;
    }
}

#[cfg(test)]
mod tests;
