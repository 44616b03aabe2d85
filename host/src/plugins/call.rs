//! One call into a plugin: a fresh instance from the pre-linked component, limits set (memory, epoch deadline,
//! and an async timeout for a guest stuck in a host call), the result classified. A trap, a timeout or a blown
//! memory limit ends that call only; the next call gets a new instance. The one exception is a plugin that asks
//! for it (`[limits] events_per_instance`): events already queued together then run one after another in one
//! instance, each still its own call, and an instance that trapped is never called again.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Serialize;
use utoipa::ToSchema;
use wasmtime::{Store, Trap};

use super::api::PluginHostApi;
use super::bindings::{Event, Job, JobOutcome, ToolCall, ToolResult};
use super::capability::Grants;
use super::engine::{PluginEngine, EPOCH_TICK};
use super::manifest::Limits;
use super::state::PluginState;

/// Largest output (job output, tool output, error text) accepted from a plugin.
pub const MAX_OUTPUT_BYTES: usize = 1024 * 1024;

/// How a call ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Ok,
    /// The plugin returned an error (a job that returns `failed` is an answer, recorded as `ok`).
    Error,
    /// The guest trapped (a panic, an unreachable, a bad state).
    Trap,
    /// It ran past its deadline.
    Timeout,
    /// It tried to grow past its memory limit.
    Memory,
    /// It returned something the host refuses (too large, not JSON where JSON is due).
    BadOutput,
    /// Not called: its queue was full (it is too slow for its subscriptions). Recorded, not held against it.
    Dropped,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::Error => "error",
            Self::Trap => "trap",
            Self::Timeout => "timeout",
            Self::Memory => "memory",
            Self::BadOutput => "bad_output",
            Self::Dropped => "dropped",
        }
    }

    /// Whether this counts against the circuit breaker.
    pub fn is_failure(self) -> bool {
        !matches!(self, Self::Ok)
    }
}

/// What a call produced, for the caller and for the call record.
#[derive(Debug)]
pub struct CallReport<T> {
    pub value: Option<T>,
    pub outcome: Outcome,
    pub error: Option<String>,
    pub denials: Vec<String>,
    /// The tail of what the guest wrote to stderr (an interpreter's traceback, a panic message); kept in the
    /// record only when the call failed.
    pub stderr: Option<String>,
    pub duration: Duration,
}

/// What is needed to call one plugin.
pub struct Callable {
    pub id: Arc<str>,
    /// Pre-linked against the world of the plugin's WIT version, loaded while calls need it: calls dispatch
    /// through it.
    pub code: Arc<super::code::PluginCode>,
    pub grants: Arc<Grants>,
    pub limits: Limits,
    /// The plugin's private directory, when it was granted `data-dir`.
    pub data_dir: Option<super::files::DataDir>,
}

enum Call {
    Event(Event),
    Job(Job),
    Tool(ToolCall),
}

enum Returned {
    Event(Result<(), String>),
    Job(JobOutcome),
    Tool(Result<ToolResult, String>),
}

impl Callable {
    /// Events that were waiting together, each its own call (deadline, record), run one after another in as few
    /// instances as they allow: one, unless a call ends its instance (a trap, a timeout, the memory limit) and the
    /// events after it go to a fresh one. The manifest's `[limits] events_per_instance` bounds how many the
    /// caller hands over at once (1 by default: a fresh instance per event). A report per event, in order.
    pub async fn on_events(&self, engine: &PluginEngine, api: &Arc<dyn PluginHostApi>, events: Vec<Event>) -> Vec<CallReport<()>> {
        let timeout = Duration::from_millis(self.limits.call_timeout_ms);
        let mut calls: VecDeque<Call> = events.into_iter().map(Call::Event).collect();
        let mut reports = Vec::with_capacity(calls.len());
        while !calls.is_empty() {
            self.in_one_instance(engine, api, &mut calls, timeout, &mut reports).await;
        }
        reports.into_iter().map(event_report).collect()
    }

    /// Run a job within `timeout` (the job kind's, which may be longer than the plugin's per-call limit: worker
    /// turns run inside it).
    pub async fn run_job(&self, engine: &PluginEngine, api: &Arc<dyn PluginHostApi>, job: Job, timeout: Duration) -> CallReport<JobOutcome> {
        let report = self.call_within(engine, api, Call::Job(job), timeout).await;
        map(report, |r| match r {
            Returned::Job(JobOutcome::Succeeded(out)) if out.len() > MAX_OUTPUT_BYTES => {
                Err((Outcome::BadOutput, format!("job output of {} bytes is over the {MAX_OUTPUT_BYTES}-byte limit", out.len())))
            }
            Returned::Job(JobOutcome::Succeeded(out)) if serde_json::from_str::<serde::de::IgnoredAny>(&out).is_err() => {
                Err((Outcome::BadOutput, "job output is not JSON".to_string()))
            }
            Returned::Job(o @ JobOutcome::Failed(_)) => Ok(o),
            Returned::Job(o) => Ok(o),
            _ => unreachable!("run-job returns a job outcome"),
        })
    }

    pub async fn call_tool(&self, engine: &PluginEngine, api: &Arc<dyn PluginHostApi>, call: ToolCall) -> CallReport<ToolResult> {
        let report = self.call(engine, api, Call::Tool(call)).await;
        map(report, |r| match r {
            Returned::Tool(Ok(result)) if result.output.len() > MAX_OUTPUT_BYTES => {
                Err((Outcome::BadOutput, format!("tool output of {} bytes is over the {MAX_OUTPUT_BYTES}-byte limit", result.output.len())))
            }
            Returned::Tool(Ok(result)) => Ok(result),
            Returned::Tool(Err(e)) => Err((Outcome::Error, e)),
            _ => unreachable!("call-tool returns a tool result"),
        })
    }

    async fn call(&self, engine: &PluginEngine, api: &Arc<dyn PluginHostApi>, call: Call) -> CallReport<Returned> {
        self.call_within(engine, api, call, Duration::from_millis(self.limits.call_timeout_ms)).await
    }

    async fn call_within(&self, engine: &PluginEngine, api: &Arc<dyn PluginHostApi>, call: Call, timeout: Duration) -> CallReport<Returned> {
        let mut calls = VecDeque::from([call]);
        let mut reports = Vec::with_capacity(1);
        self.in_one_instance(engine, api, &mut calls, timeout, &mut reports).await;
        reports.pop().expect("one call, one report")
    }

    /// Run `calls` one after another in one fresh instance, a report each, until they are done or one ends the
    /// instance (a trap, a timeout, the memory limit: the guest's state is not to be trusted after it); those left
    /// in `calls` then need another instance. Each call has its own deadline, record and stderr; the first one's
    /// duration includes loading the code and making the instance, as a single call's does.
    async fn in_one_instance(
        &self,
        engine: &PluginEngine,
        api: &Arc<dyn PluginHostApi>,
        calls: &mut VecDeque<Call>,
        timeout: Duration,
        reports: &mut Vec<CallReport<Returned>>,
    ) {
        let mut started = Instant::now();
        // The first call after an idle period maps the plugin's code again (see `code`).
        let pre = match self.code.pre().await {
            Ok(pre) => pre,
            Err(e) => {
                // Loading failed: the first call fails with it; the rest try again in their own instance.
                calls.pop_front();
                let error = Some(format!("could not load the plugin: {e}"));
                reports.push(CallReport { value: None, outcome: Outcome::Error, error, denials: Vec::new(), stderr: None, duration: started.elapsed() });
                return;
            }
        };
        let (mut store, mut instance) = match self.code.take_spare(&pre).await {
            Some(spare) => (spare.store, Some(spare.instance)),
            None => (self.new_store(engine, api), None),
        };
        let ran_in_spare = instance.is_some();
        // Epochs stop a guest that computes; the async timeout also stops one waiting in a host call.
        let _ticking = engine.ticking();
        let mut instantiated = None;
        let mut calls_here = 0u64;
        while let Some(call) = calls.pop_front() {
            store.data_mut().job_id = match &call {
                Call::Job(j) => Some(j.id.clone()),
                _ => None,
            };
            arm(&mut store, timeout);
            let run = async {
                if instance.is_none() {
                    let t = Instant::now();
                    instance = Some(pre.instantiate(&mut store).await?);
                    instantiated = Some(t.elapsed());
                }
                let instance = instance.as_ref().expect("made above");
                let returned = match call {
                    Call::Event(e) => Returned::Event(instance.on_event(&mut store, &e).await?),
                    Call::Job(j) => Returned::Job(instance.run_job(&mut store, &j).await?),
                    Call::Tool(t) => Returned::Tool(instance.call_tool(&mut store, &t).await?),
                };
                Ok::<_, wasmtime::Error>(returned)
            };
            let result = tokio::time::timeout(timeout + Duration::from_millis(100), run).await;
            calls_here += 1;
            let (memory_hit, denials, stderr) = {
                let data = store.data_mut();
                (std::mem::take(&mut data.limiter.hit), std::mem::take(&mut data.denials), data.stderr.take_text())
            };
            let instance_ended = !matches!(result, Ok(Ok(_)));
            let (value, outcome, error) = match result {
                Ok(Ok(v)) => (Some(v), Outcome::Ok, None),
                Err(_) => (None, Outcome::Timeout, Some(format!("no answer within {} ms", timeout.as_millis()))),
                Ok(Err(e)) => {
                    let outcome = if memory_hit {
                        Outcome::Memory
                    } else if matches!(e.downcast_ref::<Trap>(), Some(Trap::Interrupt)) {
                        Outcome::Timeout
                    } else {
                        Outcome::Trap
                    };
                    // The root cause ("wasm trap: ...") is what a reader needs; the guest backtrace goes to the log.
                    tracing::debug!(plugin = %self.id, error = %format!("{e:#}"), "plugin call failed");
                    let text = e.root_cause().to_string();
                    (None, outcome, Some(text.chars().take(2000).collect()))
                }
            };
            reports.push(CallReport { value, outcome, error, denials, stderr, duration: started.elapsed() });
            if instance_ended {
                break;
            }
            started = Instant::now();
        }
        self.code.ran_in_one_instance(calls_here);
        // Only after code that did instantiate (a spare's or this call's): one that cannot is not retried ahead.
        if (ran_in_spare || instantiated.is_some()) && self.code.wants_spare(instantiated) {
            self.make_spare(api, pre);
        }
    }

    /// A store for one instance of this plugin: its grants, memory limit and files; no job yet, no deadline yet.
    fn new_store(&self, engine: &PluginEngine, api: &Arc<dyn PluginHostApi>) -> Store<PluginState> {
        let state = PluginState::new(
            self.id.clone(),
            self.grants.clone(),
            api.clone(),
            self.limits.memory_bytes as usize,
            None,
            self.data_dir.as_ref().map(|d| d.preopen_path()).as_deref(),
        );
        let mut store = Store::new(engine.engine(), state);
        store.limiter(|s| &mut s.limiter);
        store
    }

    /// Make the next call's instance now, in a task of its own, under the same limits as a call's instantiation
    /// (its start functions run in it); [`PluginCode::spare_made`](super::code::PluginCode::spare_made) keeps it.
    fn make_spare(&self, api: &Arc<dyn PluginHostApi>, pre: Arc<super::bindings::PluginPre>) {
        let code = self.code.clone();
        let engine = code.engine().clone();
        let Some(reservation) = engine.reserve_spare() else {
            code.spare_made(None);
            return;
        };
        let mut store = self.new_store(&engine, api);
        let timeout = Duration::from_millis(self.limits.call_timeout_ms);
        tokio::spawn(async move {
            let ticking = engine.ticking();
            arm(&mut store, timeout);
            let started = Instant::now();
            let made = tokio::time::timeout(timeout + Duration::from_millis(100), pre.instantiate(&mut store)).await;
            let took = started.elapsed();
            drop(ticking);
            code.spare_made(match made {
                Ok(Ok(instance)) => Some((super::code::Spare { pre, store, instance, reservation }, took)),
                _ => None,
            });
        });
    }
}

/// Give `store` its deadline, `timeout` from now, in epochs.
fn arm(store: &mut Store<PluginState>, timeout: Duration) {
    store.set_epoch_deadline((timeout.as_millis() / EPOCH_TICK.as_millis()).max(1) as u64 + 1);
    store.epoch_deadline_trap();
}

fn event_report(report: CallReport<Returned>) -> CallReport<()> {
    map(report, |r| match r {
        Returned::Event(Ok(())) => Ok(()),
        Returned::Event(Err(e)) => Err((Outcome::Error, e)),
        _ => unreachable!("on-event returns an event result"),
    })
}

fn map<A, B>(r: CallReport<A>, f: impl FnOnce(A) -> Result<B, (Outcome, String)>) -> CallReport<B> {
    match r.value {
        Some(v) => match f(v) {
            Ok(b) => CallReport { value: Some(b), outcome: r.outcome, error: r.error, denials: r.denials, stderr: r.stderr, duration: r.duration },
            Err((outcome, e)) => CallReport {
                value: None,
                outcome,
                error: Some(e.chars().take(2000).collect()),
                denials: r.denials,
                stderr: r.stderr,
                duration: r.duration,
            },
        },
        None => CallReport { value: None, outcome: r.outcome, error: r.error, denials: r.denials, stderr: r.stderr, duration: r.duration },
    }
}
