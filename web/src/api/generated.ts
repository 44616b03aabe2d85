// GENERATED from docs/openapi.json by `python3 scripts/gen_clients`. Do not edit by hand.
// The API's types (docs/openapi.json `components.schemas`) and its operations by operationId.

export type ApprovalPolicy = "untrusted" | "on-request" | "never";

/** A judgement attached to an approval request. */
export interface Assessment {
  /** Who attached it: `plugin:<id>`. */
  assessedBy: string;
  /** Who judged, as the assessor names itself: a model's name, `rules`, ... */
  assessor?: string | null;
  /** When (RFC 3339, UTC). */
  at: string;
  /** Why it is that risky (Markdown). */
  rationale: string;
  risk: Risk;
  /** What the command or change does, in a sentence. */
  summary: string;
}

/** A daily token budget and what today spent of it. */
export interface Budget {
  /** Tokens per UTC day; once today's turns used this many, automated turns there wait for the next day. */
  dailyTokens: number;
  /** The project it covers; absent: the host-wide budget (every turn counts). */
  projectId?: string | null;
  /** Tokens used today (answers only). */
  spentToday?: number | null;
}

/** Every budget. `PUT` replaces them all (an empty list removes every budget). */
export interface Budgets {
  budgets: Budget[];
  /** When today's spending starts again (the next UTC midnight; answers only). */
  renewsAt?: string | null;
}

export type Capability =
  | "log"
  | "kv"
  | "sessions-read"
  | "session-settings"
  | "sessions-write"
  | "turns"
  | "requests"
  | "http"
  | "jobs"
  | "workers"
  | "notes"
  | "data-dir"
  | "clock";

export interface CapabilityReport {
  codex: CodexVersion;
  /** Per group: whether its routes can work now (`exec` also needs `--enable-exec`). */
  groups: Record<string, boolean>;
  /** False until the installed codex's schema was read (shortly after app-server first starts). */
  known: boolean;
  /** Every client method the installed codex serves. */
  methods: string[];
}

/**
 * What happens to scheduled times missed while the host was down (or the routine paused): run once at start,
 * or skip to the next time.
 */
export type CatchUp = "once" | "skip";

/** How well this host knows the codex that runs. */
export type CodexSupport = "tested" | "compatible" | "incompatible" | "unknown";

export interface CodexVersion {
  /** What to do about it, in words (null when there is nothing to do). */
  advice?: string | null;
  /** The release the project installs and tests by default. */
  expected: string;
  /** True when the running release speaks a tested release's protocol: it is tested, or its schema is identical. */
  matches: boolean;
  /** From app-server's user agent, once initialized. */
  running?: string | null;
  /** The tested release whose schema the running one matches, when it is not that release itself. */
  sameSchemaAs?: string | null;
  support: CodexSupport;
  /** The supported range, `[from, to)`. */
  supported: string[];
}

export interface ConfigBatch {
  edits: ConfigEdit[];
  /** Reload the user config in the running app-server (default true). */
  reloadUserConfig?: boolean;
}

/** One config edit: `keyPath` like `model` or `model_providers.local.base_url`. */
export interface ConfigEdit {
  keyPath: string;
  mergeStrategy?: MergeStrategy;
  /**
   * Any TOML value: string, number, boolean, array or table (no `null` inside; app-server refuses what
   * config.toml cannot hold, a 422).
   */
  value: unknown;
}

/** A session's controls: its own, the defaults, and what the next turn will use. */
export interface ControlsView {
  defaults: SessionControls;
  effective: SessionControls;
  own: SessionControls;
}

export interface CreateProject {
  /** Absolute path of an existing directory. */
  cwd: string;
  /** Unique, 1–200 characters. */
  name: string;
}

/** A new routine: exactly one of `prompt` and `jobKind`, exactly one of `sessionId` and `projectId`. */
export interface CreateRoutine {
  catchUp?: CatchUp | null;
  jobKind?: string | null;
  name: string;
  /** JSON for the job (job routines only), at most 64 KiB. */
  payload?: Record<string, unknown> | null;
  projectId?: string | null;
  prompt?: string | null;
  schedule?: string | null;
  sessionId?: string | null;
  state?: RoutineState | null;
}

export interface CreateSession {
  controls?: SessionControls | null;
  /** Absolute working directory. Required without a project. */
  cwd?: string | null;
  /**
   * Tools this session offers Codex that an API client serves: each call becomes a pending `tool_call`
   * request the client answers.
   */
  dynamicTools?: DynamicTool[] | null;
  /** Project to create the session in; its working directory is used unless `cwd` is given. */
  projectId?: string | null;
  title?: string | null;
  /** How long a dynamic tool call waits for its answer before it fails back to Codex (1 s – 1 h; default 5 min). */
  toolCallTimeoutMs?: number | null;
}

export interface DayUsage {
  /** A UTC day, `YYYY-MM-DD`. */
  day: string;
  tokens: TokenCounts;
  /** Turns that used tokens that day. */
  turns: number;
}

/** What the host does while a fact about a method does not hold in the running codex's schema. */
export type DriftEffect = "refused" | "declined" | "degraded";

/** A tool an API client serves to Codex. */
export interface DynamicTool {
  description: string;
  /** JSON Schema of the tool's arguments. */
  inputSchema: Record<string, unknown>;
  /** 1–64 characters of letters, digits, `_` and `-`. */
  name: string;
}

/** A change to a queued follow-up: each field when given. */
export interface EditFollowup {
  mode?: TurnMode | null;
  text?: string | null;
}

/** A job to enqueue. */
export interface EnqueueJob {
  /** While a job of this kind with this key is queued or running, enqueueing returns it instead of a new one. */
  dedupeKey?: string | null;
  /** Run no earlier than this many milliseconds from now. */
  delayMs?: number | null;
  /** A kind an enabled plugin declares (see `GET /api/jobs/kinds`). */
  kind: string;
  /** JSON handed to the plugin (default `{}`), at most 256 KiB. */
  payload?: unknown;
  /** Lower runs first (default 100). */
  priority?: number | null;
  projectId?: string | null;
  /** The session the job is about; its project is taken from it. */
  sessionId?: string | null;
}

export interface ErrorBody {
  /** Stable, machine-readable code (`session_not_found`, `turn_in_progress`, ...). */
  code: ErrorCode;
  details?: Record<string, unknown> | null;
  /** What went wrong and what to do, for people. */
  message: string;
}

/** Stable, machine-readable error code; docs/api.md's error table says when each is sent. */
export type ErrorCode =
  | "unauthorized"
  | "host_not_allowed"
  | "origin_not_allowed"
  | "exec_disabled"
  | "route_not_found"
  | "method_not_allowed"
  | "invalid_json"
  | "invalid_path"
  | "reserved_client_label"
  | "invalid_query"
  | "websocket_required"
  | "invalid_idempotency_key"
  | "unsupported_media_type"
  | "body_too_large"
  | "invalid_body"
  | "invalid_request"
  | "invalid_cursor"
  | "cwd_not_found"
  | "message_too_large"
  | "setting_too_large"
  | "invalid_setting_key"
  | "unknown_plugin_setting"
  | "wrong_setting_type"
  | "idempotency_key_reused"
  | "model_unknown"
  | "wrong_answer_kind"
  | "invalid_decision"
  | "invalid_answer"
  | "invalid_plugin"
  | "incompatible_plugin"
  | "session_not_found"
  | "project_not_found"
  | "setting_not_found"
  | "request_not_found"
  | "login_not_found"
  | "model_provider_not_found"
  | "mcp_server_not_found"
  | "turn_not_found"
  | "plugin_not_found"
  | "job_not_found"
  | "followup_not_found"
  | "routine_not_found"
  | "not_found"
  | "account_required"
  | "project_name_taken"
  | "project_not_empty"
  | "turn_in_progress"
  | "no_active_turn"
  | "session_archived"
  | "idempotency_in_progress"
  | "request_already_resolved"
  | "plugin_exists"
  | "plugin_reload_in_progress"
  | "followup_not_queued"
  | "followups_paused"
  | "followups_not_paused"
  | "followup_order_mismatch"
  | "job_finished"
  | "job_busy"
  | "job_not_retryable"
  | "duplicate_job"
  | "unknown_job_kind"
  | "job_kind_unavailable"
  | "job_kind_taken"
  | "job_kind_not_owned"
  | "payload_too_large"
  | "queue_full"
  | "invalid_schedule"
  | "routine_paused"
  | "webhook_signature_invalid"
  | "webhook_timestamp_stale"
  | "webhook_replayed"
  | "usage_limited"
  | "mcp_login_unsupported"
  | "settings_full"
  | "conflict"
  | "request_expired"
  | "store_error"
  | "internal_error"
  | "plugin_internal"
  | "not_supported"
  | "app_server_error"
  | "app_server_protocol"
  | "runtime_unavailable"
  | "storage_unavailable"
  | "event_log_unavailable"
  | "owner_offline"
  | "owned_elsewhere"
  | "forward_failed"
  | "runtime_unresponsive"
  | "too_many_connections"
  | "job_cancel_pending"
  | "app_server_timeout"
  | "codex_incompatible";

/** The error body of every failed request. */
export interface ErrorResponse {
  error: ErrorBody;
}

/** The event envelope (documentation of what `/api/events` and `/api/stream` carry). */
export interface EventEnvelope {
  data: Record<string, unknown>;
  projectId?: string | null;
  /** Strictly increasing across the host. */
  seq: number;
  sessionId?: string | null;
  /** RFC 3339 UTC with milliseconds. */
  ts: string;
  turnId?: string | null;
  /** `session.*`, `turn.*`, `item.*`, `runtime.*`, `project.*`, ..., or `app_server.<method>`; `reset` on the stream. */
  type: string;
}

/** A page of events. */
export interface EventPage {
  events: EventEnvelope[];
  latestSeq: number;
  /** Pass as `since` for the next page (it moves past filtered-out events too). */
  nextSince: number;
  /** True when events after `since` were pruned: re-read state over REST, then continue from `nextSince`. */
  reset: boolean;
}

/** An event's `type`. Besides these, an app-server notification the host has no type for flows as `app_server.<method>` (see `x-event-catalog.passThrough`); clients must accept types they do not know. */
export type EventType =
  | "session.thread_started"
  | "session.status_changed"
  | "session.name_updated"
  | "session.token_usage"
  | "session.thread_closed"
  | "session.thread_archived"
  | "session.thread_unarchived"
  | "session.compacted"
  | "turn.started"
  | "turn.completed"
  | "turn.diff_updated"
  | "turn.plan_updated"
  | "turn.error"
  | "item.started"
  | "item.completed"
  | "item.delta"
  | "item.reasoning.delta"
  | "item.reasoning.part_added"
  | "item.reasoning.text_delta"
  | "item.command.output_delta"
  | "item.command.terminal_interaction"
  | "item.file_change.output_delta"
  | "item.file_change.patch_updated"
  | "item.plan.delta"
  | "item.mcp.progress"
  | "runtime.warning"
  | "runtime.rate_limits"
  | "session.created"
  | "session.updated"
  | "session.archived"
  | "session.unarchived"
  | "session.deleted"
  | "session.resumed"
  | "session.thread_replaced"
  | "session.controls_updated"
  | "session.setting_changed"
  | "session.setting_deleted"
  | "session.note_added"
  | "project.created"
  | "project.updated"
  | "project.deleted"
  | "controls.defaults_updated"
  | "runtime.ready"
  | "runtime.exited"
  | "runtime.unresponsive"
  | "runtime.responsive"
  | "runtime.stopped"
  | "runtime.protocol_error"
  | "approval.requested"
  | "approval.resolved"
  | "approval.expired"
  | "approval.assessed"
  | "tool_input.requested"
  | "tool_input.resolved"
  | "tool_input.expired"
  | "tool_call.requested"
  | "tool_call.resolved"
  | "tool_call.expired"
  | "app_server.request_declined"
  | "account.login_started"
  | "account.login_canceled"
  | "account.logged_out"
  | "config.updated"
  | "config.skill_changed"
  | "config.feature_changed"
  | "mcp.reloaded"
  | "mcp.login_started"
  | "session.review_started"
  | "session.compaction_started"
  | "session.reverted"
  | "session.background_terminals_cleaned"
  | "session.shell_command_started"
  | "exec.finished"
  | "feedback.uploaded"
  | "plugin.installed"
  | "plugin.upgraded"
  | "plugin.enabled"
  | "plugin.disabled"
  | "plugin.removed"
  | "plugin.settings_changed"
  | "followup.queued"
  | "followup.updated"
  | "followup.reordered"
  | "followup.removed"
  | "followup.starting"
  | "followup.started"
  | "followup.failed"
  | "followup.paused"
  | "followup.resumed"
  | "job.queued"
  | "job.started"
  | "job.retrying"
  | "job.succeeded"
  | "job.failed"
  | "job.canceled"
  | "job.waiting"
  | "limits.updated"
  | "reset"
  | "requests.pending";

export interface ExecRequest {
  /** argv, e.g. `["ls", "-la"]`. */
  command: string[];
  /** Absolute working directory. */
  cwd?: string | null;
  /** Network for a sandboxed command (default false). */
  networkAccess?: boolean | null;
  sandbox?: SandboxMode | null;
  /**
   * Stream output as `app_server.command/exec/outputDelta` events (base64 chunks) tagged with the answer's
   * `processId`, instead of collecting it in the answer.
   */
  stream?: boolean;
  /** Default app-server's own. */
  timeoutMs?: number | null;
}

export interface FeatureEnablement {
  enabled: boolean;
}

export interface Feedback {
  /** `bug`, `good_result`, `bad_result`, ... */
  classification: string;
  includeLogs?: boolean;
  reason?: string | null;
  /** Attach the session's thread. */
  sessionId?: string | null;
}

/** One queued message. */
export interface Followup {
  createdAt: string;
  /** Why it did not start (`failed`). */
  error?: string | null;
  id: string;
  mode?: TurnMode | null;
  /** The queue runs in ascending `position` (a reorder rewrites them); lists come in this order. */
  position: number;
  sessionId: string;
  status: FollowupStatus;
  text: string;
  /** The turn it started (`started`). */
  turnId?: string | null;
  updatedAt: string;
}

/** A session's follow-ups and its queue. */
export interface FollowupList {
  /**
   * With `history`, the latest finished ones (started, failed, removed) first; then the waiting ones in the order
   * they will start.
   */
  followups: Followup[];
  queue: FollowupQueue;
}

/** A session's follow-up queue in brief: what its view (`Session.followups`) and `followup.paused`/`resumed` carry. */
export interface FollowupQueue {
  /** Follow-ups waiting to start (queued, or starting now). */
  count: number;
  limit?: UsageLimit | null;
  /** The turn's error, or why a follow-up did not start. */
  message?: string | null;
  /** True while the queue starts nothing, until a resume. */
  paused: boolean;
  pausedAt?: string | null;
  reason?: PauseReason | null;
  /** The approval request that paused it (`approval`). */
  requestId?: string | null;
  /** The turn that paused it (`approval`, `turn_failed`, `interrupted`). */
  turnId?: string | null;
}

/** What `POST .../messages` with `ifBusy: queue` answers when the message was queued. */
export interface FollowupQueued {
  /** The queued message, as it is now (a replay reads it again: it may have started since). */
  followup: Followup;
  /** True when this answers a retry with an `Idempotency-Key` already used: nothing new was queued. */
  replayed?: boolean;
  sessionId: string;
}

/**
 * Where a follow-up is. `queued` may be edited, moved or removed; `starting` is claimed for `turn/start`;
 * `started` (with its turn), `failed` (with the error: it did not start) and `removed` are final.
 */
export type FollowupStatus = "queued" | "starting" | "started" | "failed" | "removed";

export interface Health {
  /** Always `ok` when the host answers. */
  status: string;
  version: string;
}

/** A hook's state, by the `key` `GET /api/hooks` lists. */
export interface HookState {
  enabled: boolean;
  key: string;
}

/** A host on the store (`GET /api/hosts`). */
export interface Host {
  id: string;
  /** Its last heartbeat (or its stop). */
  lastSeenAt: string;
  name: string;
  startedAt: string;
  state: HostState;
  /** Whether this is the host that answered. */
  thisHost: boolean;
  /** Where the other hosts forward its sessions' actions. */
  url: string;
  version: string;
}

export interface HostFacts {
  /** Where the host keeps its token, log and plugins, and its store when that is SQLite. */
  dataDir: string;
  /** This host's stable id (the owner of the sessions it creates; see `GET /api/hosts`). */
  id: string;
  /** Its display name. */
  name: string;
  /** When this process started (RFC 3339): a client that sees it change knows the host restarted. */
  startedAt: string;
  /** The database the store runs on. */
  store: StoreEngine;
  /** The codex-manager release. */
  version: string;
}

/** Every host on the store. */
export interface HostList {
  /** By name, then id. */
  hosts: Host[];
  /** The id of the host that answered. */
  thisHost: string;
}

/** Whether a host can act on its sessions now, as the others see it. */
export type HostState = "online" | "offline" | "stopped";

/** What `POST .../messages` does while the session is busy. */
export type IfBusy = "refuse" | "queue";

/** What an install would do, before it is done. */
export interface Inspection {
  description: string;
  events: string[];
  httpAllow: string[];
  id: string;
  jobs: string[];
  limits: Limits;
  /** An installed version this would replace. */
  replaces?: string | null;
  /** Capabilities the plugin asks for: the user grants these (or some) at install. */
  requested: Capability[];
  tools: string[];
  version: string;
  /** The WIT version requirement of the manifest, and the served version the plugin would be bound to. */
  wit: string;
  witVersion: string;
}

export interface InstallPlugin {
  component: string;
  /** The capabilities the user grants (a subset of what the manifest requests; others are ignored). */
  grant?: Capability[];
  manifest: string;
  /** Replace the installed version of the same id. */
  upgrade?: boolean;
}

export interface InterruptResult {
  /**
   * The turn's final status (`interrupted`, or `completed`/`failed` if it ended first), or `interrupting` if
   * app-server had not confirmed within 10 s.
   */
  status: InterruptStatus;
  turnId: string;
}

/** Where an interrupted turn stands when the interrupt answers. */
export type InterruptStatus = "interrupted" | "completed" | "failed" | "interrupting";

/** A job as the API shows it. */
export interface Job {
  /** Attempts started so far (the running one included). */
  attempt: number;
  /** A cancel was asked for and is being carried out. */
  cancelRequested: boolean;
  createdAt: string;
  /** Who enqueued it: a client label (`web`, `cli`, ...) or `plugin:<id>`. */
  createdBy: string;
  dedupeKey?: string | null;
  error?: JobError | null;
  finishedAt?: string | null;
  /** Every transition, oldest first (only on single-job reads). */
  history?: JobTransition[] | null;
  id: string;
  kind: string;
  maxAttempts: number;
  /** Any JSON value, as it was enqueued (`null` when none was given). */
  payload: unknown;
  /** The plugin that runs this kind. */
  pluginId: string;
  /** Lower runs first. */
  priority: number;
  projectId?: string | null;
  /** The plugin's output when it succeeded. */
  result?: Record<string, unknown> | null;
  /** Not run before this time. */
  runAfter: string;
  sessionId?: string | null;
  startedAt?: string | null;
  state: JobState;
  /** Wall time of one attempt. */
  timeoutMs: number;
  updatedAt: string;
  waiting?: UsageLimit | null;
}

export interface JobError {
  kind: JobErrorKind;
  message: string;
}

/** Why a job's last attempt did not succeed. */
export type JobErrorKind =
  | "trap"
  | "timeout"
  | "memory"
  | "bad_output"
  | "error"
  | "plugin_failed"
  | "retry_later"
  | "retries_exhausted"
  | "lease_expired"
  | "canceled";

/** A job kind's limits in force. */
export interface JobKind {
  concurrency: number;
  description: string;
  kind: string;
  maxAttempts: number;
  pluginId: string;
  timeoutMs: number;
}

export interface JobKinds {
  kinds: JobKind[];
}

export interface JobPage {
  jobs: Job[];
  nextCursor?: string | null;
}

/**
 * Where a job is. `queued` -> `running` -> `succeeded` | `failed` | `canceled` | `queued` (a retry); a client's
 * retry moves `failed` or `canceled` back to `queued`. Stored as the wire string.
 */
export type JobState = "queued" | "running" | "succeeded" | "failed" | "canceled";

export interface JobTransition {
  at: string;
  attempt: number;
  detail?: string | null;
  fromState?: JobState | null;
  toState: JobState;
}

/** What holds automated turns back. */
export type LimitKind = "usage_limit" | "budget";

/** Limits in force: the manifest's, within the host's ceilings. */
export interface Limits {
  callTimeoutMs: number;
  concurrency: number;
  /**
   * Up to this many events already queued for the plugin run one after another in one instance (each its own
   * call, with its own deadline and record); 1: every event gets a fresh instance.
   */
  eventsPerInstance: number;
  memoryBytes: number;
}

/** The limits block of `/api/ready` and `GET /api/limits`, and the data of `limits.updated`. */
export interface LimitsStatus {
  /** Budgets spent today (host-wide, per project): automated turns there wait for the next day. */
  budgets: UsageLimit[];
  /** The latest rate-limit snapshot app-server sent (`account/rateLimits/updated`, merged), as it came. */
  rateLimits?: Record<string, unknown> | null;
  usageLimit?: UsageLimit | null;
}

export interface LoginLink {
  /** Open in a browser on this machine; it works once. */
  url: string;
}

/** How to log in. `chatgpt` returns an `authUrl` to open; `chatgptDeviceCode` a code to enter elsewhere. */
export type LoginRequest = {
  apiKey: string;
  type: "apiKey";
} | {
  type: "chatgpt";
} | {
  type: "chatgptDeviceCode";
};

export interface McpLogin {
  scopes?: string[] | null;
  /** How long app-server waits for the login to complete: 1-86,400 seconds. */
  timeoutSecs?: number | null;
}

export type MergeStrategy = "replace" | "upsert";

export interface MoveSessions {
  /** Target project; null moves the sessions out of any project. */
  toProjectId?: string | null;
}

export interface NotePage {
  notes: SessionNote[];
}

/** Why a session's follow-up queue is paused. The queue starts nothing while paused, until a resume. */
export type PauseReason = "user" | "approval" | "turn_failed" | "interrupted" | "start_failed" | "usage_limit" | "budget";

/** A request as the API shows it. */
export interface PendingRequest {
  assessment?: Assessment | null;
  createdAt: string;
  /** Who decided: the client label (`web`, `cli`, `sdk`, `api`), `plugin:<id>`, or `host` for expiries. */
  decidedBy?: string | null;
  /** The decision as recorded (secret answers masked). */
  decision?: ("accept" | "acceptForSession" | "decline" | "cancel") | Record<string, unknown> | null;
  /** The event family. */
  family: RequestFamily;
  /** Host-stable id (not app-server's JSON-RPC id). */
  id: string;
  /** The item the request is about, as last seen (for file changes: the diff in `changes`). */
  item?: Record<string, unknown> | null;
  itemId?: string | null;
  kind: RequestKind;
  /** The app-server method that asked. */
  method: string;
  /** What app-server sent (command, cwd, reason, availableDecisions, questions, tool and arguments, ...). */
  params: Record<string, unknown>;
  projectId?: string | null;
  /** The decision's reason, or why the request expired. */
  reason?: string | null;
  resolvedAt?: string | null;
  sessionId?: string | null;
  status: RequestStatus;
  threadId?: string | null;
  turnId?: string | null;
}

/** One recorded call. */
export interface PluginCall {
  denials: string[];
  durationUs: number;
  error?: string | null;
  id: string;
  outcome: string;
  startedAt: string;
  /**
   * The last few KiB the guest wrote to stderr during a failed call (a traceback, a panic message); null when
   * the call succeeded or the guest wrote nothing.
   */
  stderr?: string | null;
  trigger: string;
}

/** A host that holds a plugin's component. */
export interface PluginHost {
  /** The host's id (see `GET /api/hosts`). */
  hostId: string;
  installedAt: string;
  /** The version of the component it holds. */
  version: string;
}

/** A plugin as the inventory shows it. */
export interface PluginInfo {
  consecutiveFailures: number;
  description: string;
  /** Why it is off (disabled by a user, or by the circuit breaker with the last error). */
  disabledReason?: string | null;
  enabled: boolean;
  events: string[];
  granted: Capability[];
  /** Every WIT version this host serves, oldest first. */
  hostWits: string[];
  /**
   * The hosts sharing this store that hold the plugin's component, and so run its jobs, tools and event
   * handlers (the plugin's row is every host's; its component is in one host's data dir).
   */
  hosts: PluginHost[];
  httpAllow: string[];
  id: string;
  installedAt: string;
  jobs: string[];
  limits: Limits;
  priority: number;
  requested: Capability[];
  tools: ToolSpec[];
  updatedAt: string;
  version: string;
  /** The WIT version requirement the plugin was built for (its manifest's `wit`). */
  wit: string;
  /** The WIT version it is bound to: the highest one this host serves that `wit` matches. */
  witVersion: string;
}

/** A plugin package: its manifest and its component. */
export interface PluginPackage {
  /** The `.wasm` component, base64. */
  component: string;
  /** The `plugin.toml` text. */
  manifest: string;
}

/** A plugin's settings: what is in force, the manifest's defaults, and what the user set. */
export interface PluginSettings {
  /** The defaults the manifest declares (`[settings]`): the settings there are. */
  defaults: Record<string, unknown>;
  id: string;
  /** In force: the user's value where there is one, else the default. What the plugin reads. */
  settings: Record<string, unknown>;
  /** What the user set (keys the manifest still declares). */
  user: Record<string, unknown>;
}

export interface Project {
  createdAt: string;
  /** Working directory for new sessions in this project. */
  cwd: string;
  id: string;
  name: string;
  sessionCount: number;
  updatedAt: string;
}

/** What the guard found in the running codex, for `/api/ready`. */
export interface ProtocolReport {
  /** False until the running codex's schema was read (shortly after app-server first starts). */
  checked: boolean;
  /** Every fact the host relies on that the running codex breaks, and what the host turned off for it. */
  violations: ProtocolViolation[];
}

/** One fact (or one of the checks beyond the list) that does not hold in a schema: named in `/api/ready`. */
export interface ProtocolViolation {
  effect: DriftEffect;
  /** Where in the protocol, and the path: "`turn/steer` params, expectedTurnId". */
  fact: string;
  /** The app-server method it belongs to. */
  method: string;
  /** What is wrong with it in the running codex's schema. */
  problem: string;
}

/** Queue depth, for readiness details and monitoring. */
export interface QueueStats {
  capacity: number;
  /**
   * How long the longest-waiting job has been due (since its `runAfter`), in milliseconds; 0 when none waits.
   * Delayed jobs and jobs waiting out a backoff are not counted until they are due.
   */
  oldestQueuedAgeMs: number;
  queued: number;
  running: number;
}

export interface Readiness {
  /** Whether turns can run: `{account, requiresOpenaiAuth}` from app-server, and a plain-words `notice` when not. */
  account?: Record<string, unknown> | null;
  /** The codex release running vs. the one this host was built against. */
  codex: CodexVersion;
  eventsOk: boolean;
  /** This host process: its version, when it started, its data dir and its store's engine. */
  host: HostFacts;
  lastSeq: number;
  /**
   * What holds automated turns back now: Codex's usage limit, spent budgets (with when each lifts), and the
   * latest rate-limit snapshot.
   */
  limits: LimitsStatus;
  /**
   * The drift guard's verdict on the running codex: every fact the host relies on that its schema breaks, and
   * what the host turned off for it (the rest works).
   */
  protocol: ProtocolReport;
  queue?: QueueStats | null;
  /** True when app-server is initialized and answering, and the store and event log work. */
  ready: boolean;
  /** Why the host is not ready, in words (null when ready). */
  reason?: string | null;
  /**
   * `starting`, `ready`, `unresponsive`, `restarting` or `stopped`, with the process generation, pid,
   * restarts, last exit and last error.
   */
  runtime: Record<string, unknown>;
  storeOk: boolean;
}

/** The queue's new order: every queued follow-up's id, exactly once. */
export interface ReorderFollowups {
  ids: string[];
}

/** Which event vocabulary a request belongs to: `approval.*`, `tool_input.*` or `tool_call.*`. */
export type RequestFamily = "approval" | "tool_input" | "tool_call";

export type RequestKind =
  | "command_approval"
  | "file_change_approval"
  | "permissions_approval"
  | "mcp_tool_approval"
  | "legacy_exec_approval"
  | "legacy_patch_approval"
  | "tool_input"
  | "elicitation"
  | "tool_call";

/**
 * Where a request is: `pending`, then once `resolved` (answered) or `expired` (no longer answerable). Stored as
 * the wire string.
 */
export type RequestStatus = "pending" | "resolved" | "expired";

/** An answer to a pending request. Which fields apply depends on the request's kind. */
export interface RespondToRequest {
  /** Elicitations: `accept`, `decline` or `cancel`. */
  action?: string | null;
  /** Tool input: question id → the chosen option label(s) or free text. */
  answers?: Record<string, unknown> | null;
  /** Elicitations: the form's content when accepting. */
  content?: Record<string, unknown> | null;
  /** Tool calls: the output as content items (`{"type":"inputText","text":...}` or `{"type":"inputImage","imageUrl":...}`). */
  contentItems?: Record<string, unknown>[] | null;
  /** Approvals: `accept`, `acceptForSession`, `decline` or `cancel`; or one of the amendment objects that app-server offered in `availableDecisions` (command approvals). */
  decision?: ("accept" | "acceptForSession" | "decline" | "cancel") | Record<string, unknown> | null;
  /** Why, in a few words (kept with the decision). */
  reason?: string | null;
  /** Tool calls: whether the tool succeeded (default true). */
  success?: boolean | null;
  /** Tool calls: the output as plain text (instead of `contentItems`). */
  text?: string | null;
}

export interface Revert {
  /** History is cut back to before this turn (files are not reverted). */
  beforeTurnId: string;
}

/** What to review. */
export type ReviewTarget = {
  type: "uncommittedChanges";
} | {
  branch: string;
  type: "baseBranch";
} | {
  sha: string;
  type: "commit";
} | {
  instructions: string;
  type: "custom";
};

/** How risky an approval is, as judged. */
export type Risk = "low" | "medium" | "high";

/** A routine as the API shows it. Its webhook secret is never shown again after creation (or a rotation). */
export interface Routine {
  catchUp: CatchUp;
  createdAt: string;
  createdBy: string;
  id: string;
  /** The plugin job kind each run enqueues (a job routine), with `payload`. */
  jobKind?: string | null;
  name: string;
  /** The next scheduled run (enabled routines with a schedule). */
  nextRunAt?: string | null;
  payload?: Record<string, unknown> | null;
  /** ...or a new session in this project each run. */
  projectId?: string | null;
  /** The prompt each run sends (a prompt routine). In a webhook run, `{{body}}` is replaced by the request body. */
  prompt?: string | null;
  /** Cron (5 fields: minute hour day-of-month month day-of-week), in `timeZone`; absent: no schedule. */
  schedule?: string | null;
  /** The target: this session... */
  sessionId?: string | null;
  state: RoutineState;
  /** The host's time zone, which schedules are read in. */
  timeZone: string;
  updatedAt: string;
  /** Where a signed webhook runs it (`POST`, see docs/automation.md). */
  webhookPath: string;
}

/** A created routine, with its webhook secret: shown this once. */
export interface RoutineCreated {
  routine: Routine;
  webhookSecret: string;
}

export interface RoutineList {
  routines: Routine[];
}

/** One run of a routine. */
export interface RoutineRun {
  createdAt: string;
  /** Why it failed, from the job or the turn record. */
  error?: string | null;
  /** The follow-up it queued while the session was busy. */
  followupId?: string | null;
  id: string;
  /** The queue job that carries it (`GET /api/jobs/{id}`: attempts, history). */
  jobId: string;
  jobState?: JobState | null;
  /** The latest scheduled time folded into it. */
  lastSkippedFor?: string | null;
  routineId: string;
  /** The scheduled time it stands for (`schedule`, `catch_up`: the first time missed). */
  scheduledFor?: string | null;
  sessionId?: string | null;
  /**
   * Scheduled times folded into this run while it waited for a limit (each would have been a run of its own):
   * the reset releases one run per routine, never a burst. 0 for most runs.
   */
  skippedTicks?: number;
  status: RunStatus;
  trigger: RunTrigger;
  /** The turn it started (`GET /api/sessions/{sessionId}/turns/{turnId}`: the turn record). */
  turnId?: string | null;
  waiting?: UsageLimit | null;
}

export interface RoutineRunList {
  /** Newest first. */
  runs: RoutineRun[];
}

/** A routine's new webhook secret (the old one stops working at once): shown this once. */
export interface RoutineSecret {
  routineId: string;
  webhookSecret: string;
}

/**
 * Whether a routine's triggers run it. A paused routine ignores its schedule and refuses webhooks; "run now"
 * still runs it.
 */
export type RoutineState = "enabled" | "paused";

/** Where a run stands, read from its job, its follow-up and its turn record. */
export type RunStatus =
  | "queued"
  | "running"
  | "followup_queued"
  | "turn_in_progress"
  | "completed"
  | "failed"
  | "interrupted"
  | "canceled";

/** What started a run. */
export type RunTrigger = "schedule" | "catch_up" | "webhook" | "manual";

export type SandboxMode = "read-only" | "workspace-write" | "danger-full-access";

/** The next times a schedule names. */
export interface SchedulePreview {
  next: string[];
  schedule: string;
  timeZone: string;
}

export interface SendMessage {
  ifBusy?: IfBusy | null;
  mode?: TurnMode | null;
  /** The user's message. */
  text: string;
}

/**
 * What `POST .../messages` did: started a turn (`TurnAccepted`, with `turnId`) or, with `ifBusy: queue` while the
 * session was busy, queued the message (`FollowupQueued`, with `followup`).
 */
export type SendOutcome = FollowupQueued | TurnAccepted;

export interface Session {
  activeTurnId?: string | null;
  archived: boolean;
  /** The session's own controls (unset ones inherit the defaults). */
  controls: SessionControls;
  createdAt: string;
  cwd: string;
  /** Names of the dynamic tools an API client serves for this session. */
  dynamicTools: string[];
  /** The session's follow-up queue: how many messages wait, and whether (and why) it is paused. */
  followups: FollowupQueue;
  forkedFrom?: string | null;
  id: string;
  lastActivityAt: string;
  lastError?: string | null;
  lastTurnStatus?: TurnStatus | null;
  /** Whether the running app-server has this thread loaded (if not, the next turn resumes it first). */
  loaded: boolean;
  /** The host whose app-server holds the thread; actions sent to any other host are forwarded to it. */
  owner: SessionOwner;
  /** Requests waiting for an answer in this session. */
  pendingRequests: number;
  projectId?: string | null;
  status: SessionStatus;
  /** The app-server thread behind this session. */
  threadId: string;
  title?: string | null;
  updatedAt: string;
  /** The plugin whose hidden worker session this is (worker sessions are left out of lists by default). */
  workerOf?: string | null;
}

/** Per-session (or default) controls. An absent field inherits: session → defaults → app-server's config. */
export interface SessionControls {
  approvalPolicy?: ApprovalPolicy | null;
  model?: string | null;
  /** Network access for sandboxed commands. */
  networkAccess?: boolean | null;
  /** A reasoning effort the model advertises (`low`, `medium`, `high`, ...). */
  reasoningEffort?: string | null;
  sandbox?: SandboxMode | null;
}

/** A session opened as a chat: the session, a page of its transcript and, while a turn runs, that turn's record. */
export interface SessionDetail {
  activeTurn?: TurnRecord | null;
  session: Session;
  transcript?: Transcript | null;
}

export interface SessionIds {
  sessionIds: string[];
}

export interface SessionNote {
  /** Markdown. */
  body: string;
  createdAt: string;
  data?: Record<string, unknown> | null;
  id: string;
  /** `turn-review`, `next-request`, ... */
  kind: string;
  /** The plugin that wrote it. */
  pluginId: string;
  sessionId: string;
  title: string;
  turnId?: string | null;
}

/** The host that owns a session, as a session view shows it. */
export interface SessionOwner {
  id: string;
  name: string;
  /** Whether it can act on the session now (actions sent to another host are forwarded to it). */
  online: boolean;
}

export interface SessionPage {
  /** Pass as `cursor` for the next page; null on the last page. */
  nextCursor?: string | null;
  /** Set when no turn can run (no account for a provider that needs one), with what to do. */
  notice?: string | null;
  sessions: Session[];
}

/** What a session is doing, plainly. */
export type SessionStatus = "idle" | "running" | "waiting_on_approval" | "waiting_on_input" | "waiting_on_tool" | "failed";

export interface Setting {
  key: string;
  updatedAt: string;
  /** Any JSON value, as it was set. */
  value: unknown;
}

export interface ShellCommand {
  /** Runs unsandboxed, as the user would type `!command`. */
  command: string;
  timeoutMs?: number | null;
}

export interface SkillEnablement {
  enabled: boolean;
  /** The skill's path (as `GET /api/skills` lists it), when the name is ambiguous. */
  path?: string | null;
}

export interface StartReview {
  /** `inline` (in this session, the default) or `detached` (a separate review thread). */
  delivery?: string | null;
  target: ReviewTarget;
}

export interface SteerMessage {
  /** Added to the running turn's input. */
  text: string;
}

/** The database engine behind the store. */
export type StoreEngine = "sqlite" | "postgres";

/** Token counts, in app-server's breakdown. */
export interface TokenCounts {
  cachedInput: number;
  input: number;
  output: number;
  reasoning: number;
  total: number;
}

export interface ToolSpec {
  description: string;
  /** `input_schema` in plugin.toml; `inputSchema` in the API, like every other field. */
  inputSchema: Record<string, unknown>;
  name: string;
}

export interface Transcript {
  nextCursor?: string | null;
  /** Turns with their items, as app-server reports them (`ThreadItem` objects in `items`). */
  turns: Record<string, unknown>[];
}

export interface TurnAccepted {
  /** Why the turn failed or was interrupted (replayed answers only). */
  error?: string | null;
  /** True when this answers a retry with an `Idempotency-Key` already used: no new turn was started. */
  replayed?: boolean;
  sessionId: string;
  /**
   * `inProgress` when accepted; follow the turn on the event stream. A replayed answer carries the turn's
   * status now, from the host's turn record (a final state once the turn ended, also after a host crash).
   */
  status: TurnStatus;
  turnId: string;
  warning?: UsageLimit | null;
}

export type TurnMode = "default" | "plan";

/** One turn as the host recorded it. */
export interface TurnRecord {
  /** Seq of the `turn.completed` event that ended it (null while it runs). */
  endSeq?: number | null;
  endedAt?: string | null;
  /** Why it failed or was interrupted. */
  error?: string | null;
  /** The last assistant message of the turn (for a reply cut short, what it streamed before the end). */
  finalText?: string | null;
  id: string;
  sessionId: string;
  /** Seq of the turn's `turn.started` event (null when the host never logged one, e.g. it died first). */
  startSeq?: number | null;
  startedAt: string;
  status: TurnStatus;
  tokens?: TokenCounts | null;
}

export interface TurnRecordPage {
  nextCursor?: string | null;
  turns: TurnRecord[];
}

/** Where a turn is. Only `inProgress` ever changes, once, to one of the final states. */
export type TurnStatus = "inProgress" | "completed" | "interrupted" | "failed";

export interface UpdateProject {
  cwd?: string | null;
  name?: string | null;
}

/**
 * A change to a routine: each field when given; `null` clears `schedule`, `prompt`, `jobKind`, `payload`,
 * `sessionId`, `projectId` (the result must still be a valid routine).
 */
export interface UpdateRoutine {
  catchUp?: CatchUp | null;
  jobKind?: string | null;
  name?: string | null;
  payload?: Record<string, unknown> | null;
  projectId?: string | null;
  prompt?: string | null;
  schedule?: string | null;
  sessionId?: string | null;
  state?: RoutineState | null;
}

export interface UpdateSession {
  archived?: boolean | null;
  /** Move to this project; `""` moves it out of any project. */
  projectId?: string | null;
  title?: string | null;
}

/** Why automation may not start a turn now, and until when. */
export interface UsageLimit {
  kind: LimitKind;
  /** The project whose budget is spent (`budget` per project); null for the host-wide ones. */
  projectId?: string | null;
  /** In words, for people. */
  reason: string;
  /**
   * When it lifts by itself (RFC 3339): the reset Codex named; when it named none, five minutes on, when the host
   * looks again (the reason says so).
   */
  resetsAt?: string | null;
}

/** Tokens used by the turns a query covers, per UTC day and in all. */
export interface UsageReport {
  /** Days with usage, oldest first. */
  days: DayUsage[];
  from: string;
  projectId?: string | null;
  sessionId?: string | null;
  to: string;
  tokens: TokenCounts;
  turns: number;
}

/** HTTP methods the API uses. */
export type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

/** Every operation: method, path template, and the names of its path and query parameters. */
export const OPERATIONS = {
  "account.cancel_login": { method: "DELETE", path: "/api/account/logins/{loginId}", pathParams: ["loginId"], query: [], body: false },
  "account.login": { method: "POST", path: "/api/account/logins", pathParams: [], query: [], body: true },
  "account.login_state": { method: "GET", path: "/api/account/logins/{loginId}", pathParams: ["loginId"], query: [], body: false },
  "account.logout": { method: "POST", path: "/api/account/logout", pathParams: [], query: [], body: false },
  "account.rate_limits": { method: "GET", path: "/api/account/rate-limits", pathParams: [], query: [], body: false },
  "account.read": { method: "GET", path: "/api/account", pathParams: [], query: [], body: false },
  "account.usage": { method: "GET", path: "/api/account/usage", pathParams: [], query: [], body: false },
  "auth.login": { method: "GET", path: "/login", pathParams: [], query: ["code"], body: false },
  "auth.new_link": { method: "POST", path: "/api/login-links", pathParams: [], query: [], body: false },
  "capabilities.capabilities": { method: "GET", path: "/api/capabilities", pathParams: [], query: [], body: false },
  "capabilities.feedback": { method: "POST", path: "/api/feedback", pathParams: [], query: [], body: true },
  "catalog.collaboration_modes": { method: "GET", path: "/api/collaboration-modes", pathParams: [], query: [], body: false },
  "catalog.feature_enable": { method: "PUT", path: "/api/features/{name}", pathParams: ["name"], query: [], body: true },
  "catalog.features": { method: "GET", path: "/api/features", pathParams: [], query: [], body: false },
  "catalog.hook_state": { method: "PUT", path: "/api/hooks/state", pathParams: [], query: [], body: true },
  "catalog.hooks": { method: "GET", path: "/api/hooks", pathParams: [], query: [], body: false },
  "catalog.mcp_login": { method: "POST", path: "/api/mcp/servers/{name}/login", pathParams: ["name"], query: [], body: true },
  "catalog.mcp_reload": { method: "POST", path: "/api/mcp/reload", pathParams: [], query: [], body: false },
  "catalog.mcp_servers": { method: "GET", path: "/api/mcp/servers", pathParams: [], query: [], body: false },
  "catalog.models": { method: "GET", path: "/api/models", pathParams: [], query: ["includeHidden", "modelProvider", "limit", "cursor"], body: false },
  "catalog.providers": { method: "GET", path: "/api/model-providers", pathParams: [], query: [], body: false },
  "catalog.skill_enable": { method: "PUT", path: "/api/skills/{name}/enabled", pathParams: ["name"], query: [], body: true },
  "catalog.skills": { method: "GET", path: "/api/skills", pathParams: [], query: [], body: false },
  "config.read": { method: "GET", path: "/api/config", pathParams: [], query: [], body: false },
  "config.requirements": { method: "GET", path: "/api/config/requirements", pathParams: [], query: [], body: false },
  "config.write_batch": { method: "POST", path: "/api/config/batch", pathParams: [], query: [], body: true },
  "config.write_value": { method: "PUT", path: "/api/config/value", pathParams: [], query: [], body: true },
  "controls.get_defaults": { method: "GET", path: "/api/controls/defaults", pathParams: [], query: [], body: false },
  "controls.get_session": { method: "GET", path: "/api/sessions/{id}/controls", pathParams: ["id"], query: [], body: false },
  "controls.put_defaults": { method: "PUT", path: "/api/controls/defaults", pathParams: [], query: [], body: true },
  "controls.put_session": { method: "PUT", path: "/api/sessions/{id}/controls", pathParams: ["id"], query: [], body: true },
  "events.list": { method: "GET", path: "/api/events", pathParams: [], query: ["since", "sessions", "projects", "types", "exclude", "limit"], body: false },
  "events.stream": { method: "GET", path: "/api/stream", pathParams: [], query: ["since", "sessions", "projects", "types", "exclude", "limit"], body: false },
  "exec.exec": { method: "POST", path: "/api/exec", pathParams: [], query: [], body: true },
  "followups.edit": { method: "PATCH", path: "/api/sessions/{id}/followups/{followupId}", pathParams: ["id", "followupId"], query: [], body: true },
  "followups.list": { method: "GET", path: "/api/sessions/{id}/followups", pathParams: ["id"], query: ["history"], body: false },
  "followups.pause": { method: "POST", path: "/api/sessions/{id}/followups/pause", pathParams: ["id"], query: [], body: false },
  "followups.remove": { method: "DELETE", path: "/api/sessions/{id}/followups/{followupId}", pathParams: ["id", "followupId"], query: [], body: false },
  "followups.reorder": { method: "PUT", path: "/api/sessions/{id}/followups/order", pathParams: ["id"], query: [], body: true },
  "followups.resume": { method: "POST", path: "/api/sessions/{id}/followups/resume", pathParams: ["id"], query: [], body: false },
  "health.health": { method: "GET", path: "/api/health", pathParams: [], query: [], body: false },
  "health.ready": { method: "GET", path: "/api/ready", pathParams: [], query: [], body: false },
  "hosts.list": { method: "GET", path: "/api/hosts", pathParams: [], query: [], body: false },
  "jobs.cancel": { method: "POST", path: "/api/jobs/{id}/cancel", pathParams: ["id"], query: [], body: false },
  "jobs.enqueue": { method: "POST", path: "/api/jobs", pathParams: [], query: [], body: true },
  "jobs.get": { method: "GET", path: "/api/jobs/{id}", pathParams: ["id"], query: ["wait"], body: false },
  "jobs.kinds": { method: "GET", path: "/api/jobs/kinds", pathParams: [], query: [], body: false },
  "jobs.list": { method: "GET", path: "/api/jobs", pathParams: [], query: ["state", "kind", "sessionId", "projectId", "limit", "cursor"], body: false },
  "jobs.retry": { method: "POST", path: "/api/jobs/{id}/retry", pathParams: ["id"], query: [], body: false },
  "jobs.stats": { method: "GET", path: "/api/jobs/stats", pathParams: [], query: [], body: false },
  "limits.get_budgets": { method: "GET", path: "/api/budgets", pathParams: [], query: [], body: false },
  "limits.set_budgets": { method: "PUT", path: "/api/budgets", pathParams: [], query: [], body: true },
  "limits.status": { method: "GET", path: "/api/limits", pathParams: [], query: [], body: false },
  "limits.usage": { method: "GET", path: "/api/usage", pathParams: [], query: ["sessionId", "projectId", "from", "to"], body: false },
  "notes.list": { method: "GET", path: "/api/sessions/{id}/notes", pathParams: ["id"], query: ["kind", "limit"], body: false },
  "plugins.calls": { method: "GET", path: "/api/plugins/{id}/calls", pathParams: ["id"], query: ["limit"], body: false },
  "plugins.disable": { method: "POST", path: "/api/plugins/{id}/disable", pathParams: ["id"], query: [], body: false },
  "plugins.enable": { method: "POST", path: "/api/plugins/{id}/enable", pathParams: ["id"], query: [], body: false },
  "plugins.get": { method: "GET", path: "/api/plugins/{id}", pathParams: ["id"], query: [], body: false },
  "plugins.get_settings": { method: "GET", path: "/api/plugins/{id}/settings", pathParams: ["id"], query: [], body: false },
  "plugins.inspect": { method: "POST", path: "/api/plugins/inspect", pathParams: [], query: [], body: true },
  "plugins.install": { method: "POST", path: "/api/plugins", pathParams: [], query: [], body: true },
  "plugins.list": { method: "GET", path: "/api/plugins", pathParams: [], query: [], body: false },
  "plugins.put_settings": { method: "PUT", path: "/api/plugins/{id}/settings", pathParams: ["id"], query: [], body: true },
  "plugins.remove": { method: "DELETE", path: "/api/plugins/{id}", pathParams: ["id"], query: [], body: false },
  "projects.create": { method: "POST", path: "/api/projects", pathParams: [], query: [], body: true },
  "projects.delete": { method: "DELETE", path: "/api/projects/{id}", pathParams: ["id"], query: [], body: false },
  "projects.delete_sessions": { method: "DELETE", path: "/api/projects/{id}/sessions", pathParams: ["id"], query: [], body: false },
  "projects.get": { method: "GET", path: "/api/projects/{id}", pathParams: ["id"], query: [], body: false },
  "projects.list": { method: "GET", path: "/api/projects", pathParams: [], query: [], body: false },
  "projects.move_sessions": { method: "POST", path: "/api/projects/{id}/move-sessions", pathParams: ["id"], query: [], body: true },
  "projects.update": { method: "PATCH", path: "/api/projects/{id}", pathParams: ["id"], query: [], body: true },
  "requests.get": { method: "GET", path: "/api/sessions/{id}/requests/{requestId}", pathParams: ["id", "requestId"], query: [], body: false },
  "requests.list_all": { method: "GET", path: "/api/requests", pathParams: [], query: ["status", "kind", "sessionId", "limit"], body: false },
  "requests.list_session": { method: "GET", path: "/api/sessions/{id}/requests", pathParams: ["id"], query: ["status", "kind", "sessionId", "limit"], body: false },
  "requests.respond": { method: "POST", path: "/api/sessions/{id}/requests/{requestId}/response", pathParams: ["id", "requestId"], query: [], body: true },
  "routines.create": { method: "POST", path: "/api/routines", pathParams: [], query: [], body: true },
  "routines.get": { method: "GET", path: "/api/routines/{id}", pathParams: ["id"], query: [], body: false },
  "routines.list": { method: "GET", path: "/api/routines", pathParams: [], query: [], body: false },
  "routines.preview": { method: "GET", path: "/api/routines/schedule-preview", pathParams: [], query: ["schedule", "count"], body: false },
  "routines.remove": { method: "DELETE", path: "/api/routines/{id}", pathParams: ["id"], query: [], body: false },
  "routines.rotate_secret": { method: "POST", path: "/api/routines/{id}/rotate-secret", pathParams: ["id"], query: [], body: false },
  "routines.run": { method: "POST", path: "/api/routines/{id}/run", pathParams: ["id"], query: [], body: false },
  "routines.runs": { method: "GET", path: "/api/routines/{id}/runs", pathParams: ["id"], query: ["limit"], body: false },
  "routines.update": { method: "PATCH", path: "/api/routines/{id}", pathParams: ["id"], query: [], body: true },
  "routines.webhook": { method: "POST", path: "/api/routines/{id}/webhook", pathParams: ["id"], query: [], body: true },
  "sessions.archive": { method: "POST", path: "/api/sessions/{id}/archive", pathParams: ["id"], query: [], body: false },
  "sessions.create": { method: "POST", path: "/api/sessions", pathParams: [], query: [], body: true },
  "sessions.delete": { method: "DELETE", path: "/api/sessions/{id}", pathParams: ["id"], query: [], body: false },
  "sessions.fork": { method: "POST", path: "/api/sessions/{id}/fork", pathParams: ["id"], query: [], body: false },
  "sessions.get": { method: "GET", path: "/api/sessions/{id}", pathParams: ["id"], query: ["limit", "cursor", "order"], body: false },
  "sessions.list": { method: "GET", path: "/api/sessions", pathParams: [], query: ["projectId", "archived", "q", "limit", "cursor", "workers"], body: false },
  "sessions.resume": { method: "POST", path: "/api/sessions/{id}/resume", pathParams: ["id"], query: [], body: false },
  "sessions.transcript": { method: "GET", path: "/api/sessions/{id}/transcript", pathParams: ["id"], query: ["limit", "cursor", "order"], body: false },
  "sessions.unarchive": { method: "POST", path: "/api/sessions/{id}/unarchive", pathParams: ["id"], query: [], body: false },
  "sessions.update": { method: "PATCH", path: "/api/sessions/{id}", pathParams: ["id"], query: [], body: true },
  "settings.delete": { method: "DELETE", path: "/api/sessions/{id}/settings/{key}", pathParams: ["id", "key"], query: [], body: false },
  "settings.get": { method: "GET", path: "/api/sessions/{id}/settings/{key}", pathParams: ["id", "key"], query: [], body: false },
  "settings.list": { method: "GET", path: "/api/sessions/{id}/settings", pathParams: ["id"], query: [], body: false },
  "settings.put": { method: "PUT", path: "/api/sessions/{id}/settings/{key}", pathParams: ["id", "key"], query: [], body: false },
  "thread.clean_background_terminals": { method: "POST", path: "/api/sessions/{id}/background-terminals/clean", pathParams: ["id"], query: [], body: false },
  "thread.compact": { method: "POST", path: "/api/sessions/{id}/compact", pathParams: ["id"], query: [], body: false },
  "thread.revert": { method: "POST", path: "/api/sessions/{id}/revert", pathParams: ["id"], query: [], body: true },
  "thread.review": { method: "POST", path: "/api/sessions/{id}/review", pathParams: ["id"], query: [], body: true },
  "thread.shell": { method: "POST", path: "/api/sessions/{id}/shell", pathParams: ["id"], query: [], body: true },
  "turns.get_turn": { method: "GET", path: "/api/sessions/{id}/turns/{turnId}", pathParams: ["id", "turnId"], query: ["wait"], body: false },
  "turns.interrupt": { method: "POST", path: "/api/sessions/{id}/interrupt", pathParams: ["id"], query: [], body: false },
  "turns.list_turns": { method: "GET", path: "/api/sessions/{id}/turns", pathParams: ["id"], query: ["limit", "cursor"], body: false },
  "turns.send": { method: "POST", path: "/api/sessions/{id}/messages", pathParams: ["id"], query: [], body: true },
  "turns.steer": { method: "POST", path: "/api/sessions/{id}/steer", pathParams: ["id"], query: [], body: true },
} as const;

export type OperationId = keyof typeof OPERATIONS;

/** Per operation: its JSON request body (`never` without one) and its success answer (`void` when empty). */
export interface OperationTypes {
  "account.cancel_login": { body: never; response: Record<string, unknown> };
  "account.login": { body: LoginRequest; response: Record<string, unknown> };
  "account.login_state": { body: never; response: Record<string, unknown> };
  "account.logout": { body: never; response: Record<string, unknown> };
  "account.rate_limits": { body: never; response: Record<string, unknown> };
  "account.read": { body: never; response: Record<string, unknown> };
  "account.usage": { body: never; response: Record<string, unknown> };
  "auth.login": { body: never; response: unknown };
  "auth.new_link": { body: never; response: LoginLink };
  "capabilities.capabilities": { body: never; response: CapabilityReport };
  "capabilities.feedback": { body: Feedback; response: Record<string, unknown> };
  "catalog.collaboration_modes": { body: never; response: Record<string, unknown> };
  "catalog.feature_enable": { body: FeatureEnablement; response: Record<string, unknown> };
  "catalog.features": { body: never; response: Record<string, unknown> };
  "catalog.hook_state": { body: HookState; response: Record<string, unknown> };
  "catalog.hooks": { body: never; response: Record<string, unknown> };
  "catalog.mcp_login": { body: McpLogin; response: Record<string, unknown> };
  "catalog.mcp_reload": { body: never; response: Record<string, unknown> };
  "catalog.mcp_servers": { body: never; response: Record<string, unknown> };
  "catalog.models": { body: never; response: Record<string, unknown> };
  "catalog.providers": { body: never; response: Record<string, unknown> };
  "catalog.skill_enable": { body: SkillEnablement; response: Record<string, unknown> };
  "catalog.skills": { body: never; response: Record<string, unknown> };
  "config.read": { body: never; response: Record<string, unknown> };
  "config.requirements": { body: never; response: Record<string, unknown> };
  "config.write_batch": { body: ConfigBatch; response: Record<string, unknown> };
  "config.write_value": { body: ConfigEdit; response: Record<string, unknown> };
  "controls.get_defaults": { body: never; response: SessionControls };
  "controls.get_session": { body: never; response: ControlsView };
  "controls.put_defaults": { body: SessionControls; response: SessionControls };
  "controls.put_session": { body: SessionControls; response: ControlsView };
  "events.list": { body: never; response: EventPage };
  "events.stream": { body: never; response: unknown };
  "exec.exec": { body: ExecRequest; response: Record<string, unknown> };
  "followups.edit": { body: EditFollowup; response: Followup };
  "followups.list": { body: never; response: FollowupList };
  "followups.pause": { body: never; response: FollowupQueue };
  "followups.remove": { body: never; response: Followup };
  "followups.reorder": { body: ReorderFollowups; response: FollowupList };
  "followups.resume": { body: never; response: FollowupQueue };
  "health.health": { body: never; response: Health };
  "health.ready": { body: never; response: Readiness };
  "hosts.list": { body: never; response: HostList };
  "jobs.cancel": { body: never; response: Job };
  "jobs.enqueue": { body: EnqueueJob; response: Job };
  "jobs.get": { body: never; response: Job };
  "jobs.kinds": { body: never; response: JobKinds };
  "jobs.list": { body: never; response: JobPage };
  "jobs.retry": { body: never; response: Job };
  "jobs.stats": { body: never; response: QueueStats };
  "limits.get_budgets": { body: never; response: Budgets };
  "limits.set_budgets": { body: Budgets; response: Budgets };
  "limits.status": { body: never; response: LimitsStatus };
  "limits.usage": { body: never; response: UsageReport };
  "notes.list": { body: never; response: NotePage };
  "plugins.calls": { body: never; response: PluginCall[] };
  "plugins.disable": { body: never; response: PluginInfo };
  "plugins.enable": { body: never; response: PluginInfo };
  "plugins.get": { body: never; response: PluginInfo };
  "plugins.get_settings": { body: never; response: PluginSettings };
  "plugins.inspect": { body: PluginPackage; response: Inspection };
  "plugins.install": { body: InstallPlugin; response: PluginInfo };
  "plugins.list": { body: never; response: PluginInfo[] };
  "plugins.put_settings": { body: Record<string, unknown>; response: PluginSettings };
  "plugins.remove": { body: never; response: void };
  "projects.create": { body: CreateProject; response: Project };
  "projects.delete": { body: never; response: void };
  "projects.delete_sessions": { body: never; response: SessionIds };
  "projects.get": { body: never; response: Project };
  "projects.list": { body: never; response: Project[] };
  "projects.move_sessions": { body: MoveSessions; response: SessionIds };
  "projects.update": { body: UpdateProject; response: Project };
  "requests.get": { body: never; response: PendingRequest };
  "requests.list_all": { body: never; response: PendingRequest[] };
  "requests.list_session": { body: never; response: PendingRequest[] };
  "requests.respond": { body: RespondToRequest; response: PendingRequest };
  "routines.create": { body: CreateRoutine; response: RoutineCreated };
  "routines.get": { body: never; response: Routine };
  "routines.list": { body: never; response: RoutineList };
  "routines.preview": { body: never; response: SchedulePreview };
  "routines.remove": { body: never; response: void };
  "routines.rotate_secret": { body: never; response: RoutineSecret };
  "routines.run": { body: never; response: RoutineRun };
  "routines.runs": { body: never; response: RoutineRunList };
  "routines.update": { body: UpdateRoutine; response: Routine };
  "routines.webhook": { body: Record<string, unknown>; response: RoutineRun };
  "sessions.archive": { body: never; response: Session };
  "sessions.create": { body: CreateSession; response: Session };
  "sessions.delete": { body: never; response: void };
  "sessions.fork": { body: never; response: Session };
  "sessions.get": { body: never; response: SessionDetail };
  "sessions.list": { body: never; response: SessionPage };
  "sessions.resume": { body: never; response: Session };
  "sessions.transcript": { body: never; response: Transcript };
  "sessions.unarchive": { body: never; response: Session };
  "sessions.update": { body: UpdateSession; response: Session };
  "settings.delete": { body: never; response: void };
  "settings.get": { body: never; response: Setting };
  "settings.list": { body: never; response: Setting[] };
  "settings.put": { body: never; response: Setting };
  "thread.clean_background_terminals": { body: never; response: Record<string, unknown> };
  "thread.compact": { body: never; response: Record<string, unknown> };
  "thread.revert": { body: Revert; response: Record<string, unknown> };
  "thread.review": { body: StartReview; response: Record<string, unknown> };
  "thread.shell": { body: ShellCommand; response: Record<string, unknown> };
  "turns.get_turn": { body: never; response: TurnRecord };
  "turns.interrupt": { body: never; response: InterruptResult };
  "turns.list_turns": { body: never; response: TurnRecordPage };
  "turns.send": { body: SendMessage; response: SendOutcome };
  "turns.steer": { body: SteerMessage; response: TurnAccepted };
}
