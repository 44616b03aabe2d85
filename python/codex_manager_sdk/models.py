"""GENERATED from docs/openapi.json by `python3 scripts/gen_clients`. Do not edit by hand.

A dataclass per object schema of the API (fields in snake_case, the answer kept whole in ``raw``, unknown fields
tolerated) and a ``StrEnum`` per string enum (a value this SDK version does not know stays a plain ``str``).
Regenerate with ``python3 scripts/gen_clients``. Import them from ``codex_manager_sdk`` or ``codex_manager_sdk.types``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, ClassVar

from ._mixins import EventMixin, EventPageMixin, JobMixin, PendingRequestMixin, TurnRecordMixin
from ._model import Model, dict_of, enum_of, list_of, model


class ApprovalPolicy(StrEnum):
    """The values of `ApprovalPolicy`."""

    UNTRUSTED = 'untrusted'
    ON_REQUEST = 'on-request'
    NEVER = 'never'


class Capability(StrEnum):
    """The values of `Capability`."""

    LOG = 'log'
    KV = 'kv'
    SESSIONS_READ = 'sessions-read'
    SESSION_SETTINGS = 'session-settings'
    SESSIONS_WRITE = 'sessions-write'
    TURNS = 'turns'
    REQUESTS = 'requests'
    HTTP = 'http'
    JOBS = 'jobs'
    WORKERS = 'workers'
    NOTES = 'notes'
    DATA_DIR = 'data-dir'
    CLOCK = 'clock'


class CatchUp(StrEnum):
    """What happens to scheduled times missed while the host was down (or the routine paused): run once at start,
    or skip to the next time.
    """

    ONCE = 'once'
    SKIP = 'skip'


class CodexSupport(StrEnum):
    """How well this host knows the codex that runs."""

    TESTED = 'tested'
    COMPATIBLE = 'compatible'
    INCOMPATIBLE = 'incompatible'
    UNKNOWN = 'unknown'


class DriftEffect(StrEnum):
    """What the host does while a fact about a method does not hold in the running codex's schema."""

    REFUSED = 'refused'
    DECLINED = 'declined'
    DEGRADED = 'degraded'


class ErrorCode(StrEnum):
    """Stable, machine-readable error code; docs/api.md's error table says when each is sent."""

    UNAUTHORIZED = 'unauthorized'
    HOST_NOT_ALLOWED = 'host_not_allowed'
    ORIGIN_NOT_ALLOWED = 'origin_not_allowed'
    EXEC_DISABLED = 'exec_disabled'
    ROUTE_NOT_FOUND = 'route_not_found'
    METHOD_NOT_ALLOWED = 'method_not_allowed'
    INVALID_JSON = 'invalid_json'
    INVALID_PATH = 'invalid_path'
    RESERVED_CLIENT_LABEL = 'reserved_client_label'
    INVALID_QUERY = 'invalid_query'
    WEBSOCKET_REQUIRED = 'websocket_required'
    INVALID_IDEMPOTENCY_KEY = 'invalid_idempotency_key'
    UNSUPPORTED_MEDIA_TYPE = 'unsupported_media_type'
    BODY_TOO_LARGE = 'body_too_large'
    INVALID_BODY = 'invalid_body'
    INVALID_REQUEST = 'invalid_request'
    INVALID_CURSOR = 'invalid_cursor'
    CWD_NOT_FOUND = 'cwd_not_found'
    MESSAGE_TOO_LARGE = 'message_too_large'
    SETTING_TOO_LARGE = 'setting_too_large'
    INVALID_SETTING_KEY = 'invalid_setting_key'
    UNKNOWN_PLUGIN_SETTING = 'unknown_plugin_setting'
    WRONG_SETTING_TYPE = 'wrong_setting_type'
    IDEMPOTENCY_KEY_REUSED = 'idempotency_key_reused'
    MODEL_UNKNOWN = 'model_unknown'
    WRONG_ANSWER_KIND = 'wrong_answer_kind'
    INVALID_DECISION = 'invalid_decision'
    INVALID_ANSWER = 'invalid_answer'
    INVALID_PLUGIN = 'invalid_plugin'
    INCOMPATIBLE_PLUGIN = 'incompatible_plugin'
    SESSION_NOT_FOUND = 'session_not_found'
    PROJECT_NOT_FOUND = 'project_not_found'
    SETTING_NOT_FOUND = 'setting_not_found'
    REQUEST_NOT_FOUND = 'request_not_found'
    LOGIN_NOT_FOUND = 'login_not_found'
    MODEL_PROVIDER_NOT_FOUND = 'model_provider_not_found'
    MCP_SERVER_NOT_FOUND = 'mcp_server_not_found'
    TURN_NOT_FOUND = 'turn_not_found'
    PLUGIN_NOT_FOUND = 'plugin_not_found'
    JOB_NOT_FOUND = 'job_not_found'
    FOLLOWUP_NOT_FOUND = 'followup_not_found'
    ROUTINE_NOT_FOUND = 'routine_not_found'
    NOT_FOUND = 'not_found'
    ACCOUNT_REQUIRED = 'account_required'
    PROJECT_NAME_TAKEN = 'project_name_taken'
    PROJECT_NOT_EMPTY = 'project_not_empty'
    TURN_IN_PROGRESS = 'turn_in_progress'
    NO_ACTIVE_TURN = 'no_active_turn'
    SESSION_ARCHIVED = 'session_archived'
    IDEMPOTENCY_IN_PROGRESS = 'idempotency_in_progress'
    REQUEST_ALREADY_RESOLVED = 'request_already_resolved'
    PLUGIN_EXISTS = 'plugin_exists'
    PLUGIN_RELOAD_IN_PROGRESS = 'plugin_reload_in_progress'
    FOLLOWUP_NOT_QUEUED = 'followup_not_queued'
    FOLLOWUPS_PAUSED = 'followups_paused'
    FOLLOWUPS_NOT_PAUSED = 'followups_not_paused'
    FOLLOWUP_ORDER_MISMATCH = 'followup_order_mismatch'
    JOB_FINISHED = 'job_finished'
    JOB_BUSY = 'job_busy'
    JOB_NOT_RETRYABLE = 'job_not_retryable'
    DUPLICATE_JOB = 'duplicate_job'
    UNKNOWN_JOB_KIND = 'unknown_job_kind'
    JOB_KIND_UNAVAILABLE = 'job_kind_unavailable'
    JOB_KIND_TAKEN = 'job_kind_taken'
    JOB_KIND_NOT_OWNED = 'job_kind_not_owned'
    PAYLOAD_TOO_LARGE = 'payload_too_large'
    QUEUE_FULL = 'queue_full'
    INVALID_SCHEDULE = 'invalid_schedule'
    ROUTINE_PAUSED = 'routine_paused'
    WEBHOOK_SIGNATURE_INVALID = 'webhook_signature_invalid'
    WEBHOOK_TIMESTAMP_STALE = 'webhook_timestamp_stale'
    WEBHOOK_REPLAYED = 'webhook_replayed'
    USAGE_LIMITED = 'usage_limited'
    MCP_LOGIN_UNSUPPORTED = 'mcp_login_unsupported'
    SETTINGS_FULL = 'settings_full'
    CONFLICT = 'conflict'
    REQUEST_EXPIRED = 'request_expired'
    STORE_ERROR = 'store_error'
    INTERNAL_ERROR = 'internal_error'
    PLUGIN_INTERNAL = 'plugin_internal'
    NOT_SUPPORTED = 'not_supported'
    APP_SERVER_ERROR = 'app_server_error'
    APP_SERVER_PROTOCOL = 'app_server_protocol'
    RUNTIME_UNAVAILABLE = 'runtime_unavailable'
    STORAGE_UNAVAILABLE = 'storage_unavailable'
    EVENT_LOG_UNAVAILABLE = 'event_log_unavailable'
    OWNER_OFFLINE = 'owner_offline'
    OWNED_ELSEWHERE = 'owned_elsewhere'
    FORWARD_FAILED = 'forward_failed'
    RUNTIME_UNRESPONSIVE = 'runtime_unresponsive'
    TOO_MANY_CONNECTIONS = 'too_many_connections'
    JOB_CANCEL_PENDING = 'job_cancel_pending'
    APP_SERVER_TIMEOUT = 'app_server_timeout'
    CODEX_INCOMPATIBLE = 'codex_incompatible'


class EventType(StrEnum):
    """An event's `type`. Besides these, an app-server notification the host has no type for flows as `app_server.<method>` (see `x-event-catalog.passThrough`); clients must accept types they do not know."""

    SESSION_THREAD_STARTED = 'session.thread_started'
    SESSION_STATUS_CHANGED = 'session.status_changed'
    SESSION_NAME_UPDATED = 'session.name_updated'
    SESSION_TOKEN_USAGE = 'session.token_usage'
    SESSION_THREAD_CLOSED = 'session.thread_closed'
    SESSION_THREAD_ARCHIVED = 'session.thread_archived'
    SESSION_THREAD_UNARCHIVED = 'session.thread_unarchived'
    SESSION_COMPACTED = 'session.compacted'
    TURN_STARTED = 'turn.started'
    TURN_COMPLETED = 'turn.completed'
    TURN_DIFF_UPDATED = 'turn.diff_updated'
    TURN_PLAN_UPDATED = 'turn.plan_updated'
    TURN_ERROR = 'turn.error'
    ITEM_STARTED = 'item.started'
    ITEM_COMPLETED = 'item.completed'
    ITEM_DELTA = 'item.delta'
    ITEM_REASONING_DELTA = 'item.reasoning.delta'
    ITEM_REASONING_PART_ADDED = 'item.reasoning.part_added'
    ITEM_REASONING_TEXT_DELTA = 'item.reasoning.text_delta'
    ITEM_COMMAND_OUTPUT_DELTA = 'item.command.output_delta'
    ITEM_COMMAND_TERMINAL_INTERACTION = 'item.command.terminal_interaction'
    ITEM_FILE_CHANGE_OUTPUT_DELTA = 'item.file_change.output_delta'
    ITEM_FILE_CHANGE_PATCH_UPDATED = 'item.file_change.patch_updated'
    ITEM_PLAN_DELTA = 'item.plan.delta'
    ITEM_MCP_PROGRESS = 'item.mcp.progress'
    RUNTIME_WARNING = 'runtime.warning'
    RUNTIME_RATE_LIMITS = 'runtime.rate_limits'
    SESSION_CREATED = 'session.created'
    SESSION_UPDATED = 'session.updated'
    SESSION_ARCHIVED = 'session.archived'
    SESSION_UNARCHIVED = 'session.unarchived'
    SESSION_DELETED = 'session.deleted'
    SESSION_RESUMED = 'session.resumed'
    SESSION_THREAD_REPLACED = 'session.thread_replaced'
    SESSION_CONTROLS_UPDATED = 'session.controls_updated'
    SESSION_SETTING_CHANGED = 'session.setting_changed'
    SESSION_SETTING_DELETED = 'session.setting_deleted'
    SESSION_NOTE_ADDED = 'session.note_added'
    PROJECT_CREATED = 'project.created'
    PROJECT_UPDATED = 'project.updated'
    PROJECT_DELETED = 'project.deleted'
    CONTROLS_DEFAULTS_UPDATED = 'controls.defaults_updated'
    RUNTIME_READY = 'runtime.ready'
    RUNTIME_EXITED = 'runtime.exited'
    RUNTIME_UNRESPONSIVE = 'runtime.unresponsive'
    RUNTIME_RESPONSIVE = 'runtime.responsive'
    RUNTIME_STOPPED = 'runtime.stopped'
    RUNTIME_PROTOCOL_ERROR = 'runtime.protocol_error'
    APPROVAL_REQUESTED = 'approval.requested'
    APPROVAL_RESOLVED = 'approval.resolved'
    APPROVAL_EXPIRED = 'approval.expired'
    APPROVAL_ASSESSED = 'approval.assessed'
    TOOL_INPUT_REQUESTED = 'tool_input.requested'
    TOOL_INPUT_RESOLVED = 'tool_input.resolved'
    TOOL_INPUT_EXPIRED = 'tool_input.expired'
    TOOL_CALL_REQUESTED = 'tool_call.requested'
    TOOL_CALL_RESOLVED = 'tool_call.resolved'
    TOOL_CALL_EXPIRED = 'tool_call.expired'
    APP_SERVER_REQUEST_DECLINED = 'app_server.request_declined'
    ACCOUNT_LOGIN_STARTED = 'account.login_started'
    ACCOUNT_LOGIN_CANCELED = 'account.login_canceled'
    ACCOUNT_LOGGED_OUT = 'account.logged_out'
    CONFIG_UPDATED = 'config.updated'
    CONFIG_SKILL_CHANGED = 'config.skill_changed'
    CONFIG_FEATURE_CHANGED = 'config.feature_changed'
    MCP_RELOADED = 'mcp.reloaded'
    MCP_LOGIN_STARTED = 'mcp.login_started'
    SESSION_REVIEW_STARTED = 'session.review_started'
    SESSION_COMPACTION_STARTED = 'session.compaction_started'
    SESSION_REVERTED = 'session.reverted'
    SESSION_BACKGROUND_TERMINALS_CLEANED = 'session.background_terminals_cleaned'
    SESSION_SHELL_COMMAND_STARTED = 'session.shell_command_started'
    EXEC_FINISHED = 'exec.finished'
    FEEDBACK_UPLOADED = 'feedback.uploaded'
    PLUGIN_INSTALLED = 'plugin.installed'
    PLUGIN_UPGRADED = 'plugin.upgraded'
    PLUGIN_ENABLED = 'plugin.enabled'
    PLUGIN_DISABLED = 'plugin.disabled'
    PLUGIN_REMOVED = 'plugin.removed'
    PLUGIN_SETTINGS_CHANGED = 'plugin.settings_changed'
    FOLLOWUP_QUEUED = 'followup.queued'
    FOLLOWUP_UPDATED = 'followup.updated'
    FOLLOWUP_REORDERED = 'followup.reordered'
    FOLLOWUP_REMOVED = 'followup.removed'
    FOLLOWUP_STARTING = 'followup.starting'
    FOLLOWUP_STARTED = 'followup.started'
    FOLLOWUP_FAILED = 'followup.failed'
    FOLLOWUP_PAUSED = 'followup.paused'
    FOLLOWUP_RESUMED = 'followup.resumed'
    JOB_QUEUED = 'job.queued'
    JOB_STARTED = 'job.started'
    JOB_RETRYING = 'job.retrying'
    JOB_SUCCEEDED = 'job.succeeded'
    JOB_FAILED = 'job.failed'
    JOB_CANCELED = 'job.canceled'
    JOB_WAITING = 'job.waiting'
    LIMITS_UPDATED = 'limits.updated'
    RESET = 'reset'
    REQUESTS_PENDING = 'requests.pending'


class FollowupStatus(StrEnum):
    """Where a follow-up is. `queued` may be edited, moved or removed; `starting` is claimed for `turn/start`;
    `started` (with its turn), `failed` (with the error: it did not start) and `removed` are final.
    """

    QUEUED = 'queued'
    STARTING = 'starting'
    STARTED = 'started'
    FAILED = 'failed'
    REMOVED = 'removed'


class HostState(StrEnum):
    """Whether a host can act on its sessions now, as the others see it."""

    ONLINE = 'online'
    OFFLINE = 'offline'
    STOPPED = 'stopped'


class IfBusy(StrEnum):
    """What `POST .../messages` does while the session is busy."""

    REFUSE = 'refuse'
    QUEUE = 'queue'


class InterruptStatus(StrEnum):
    """Where an interrupted turn stands when the interrupt answers."""

    INTERRUPTED = 'interrupted'
    COMPLETED = 'completed'
    FAILED = 'failed'
    INTERRUPTING = 'interrupting'


class JobErrorKind(StrEnum):
    """Why a job's last attempt did not succeed."""

    TRAP = 'trap'
    TIMEOUT = 'timeout'
    MEMORY = 'memory'
    BAD_OUTPUT = 'bad_output'
    ERROR = 'error'
    PLUGIN_FAILED = 'plugin_failed'
    RETRY_LATER = 'retry_later'
    RETRIES_EXHAUSTED = 'retries_exhausted'
    LEASE_EXPIRED = 'lease_expired'
    CANCELED = 'canceled'


class JobState(StrEnum):
    """Where a job is. `queued` -> `running` -> `succeeded` | `failed` | `canceled` | `queued` (a retry); a client's
    retry moves `failed` or `canceled` back to `queued`. Stored as the wire string.
    """

    QUEUED = 'queued'
    RUNNING = 'running'
    SUCCEEDED = 'succeeded'
    FAILED = 'failed'
    CANCELED = 'canceled'


class LimitKind(StrEnum):
    """What holds automated turns back."""

    USAGE_LIMIT = 'usage_limit'
    BUDGET = 'budget'


class MergeStrategy(StrEnum):
    """The values of `MergeStrategy`."""

    REPLACE = 'replace'
    UPSERT = 'upsert'


class PauseReason(StrEnum):
    """Why a session's follow-up queue is paused. The queue starts nothing while paused, until a resume."""

    USER = 'user'
    APPROVAL = 'approval'
    TURN_FAILED = 'turn_failed'
    INTERRUPTED = 'interrupted'
    START_FAILED = 'start_failed'
    USAGE_LIMIT = 'usage_limit'
    BUDGET = 'budget'


class RequestFamily(StrEnum):
    """Which event vocabulary a request belongs to: `approval.*`, `tool_input.*` or `tool_call.*`."""

    APPROVAL = 'approval'
    TOOL_INPUT = 'tool_input'
    TOOL_CALL = 'tool_call'


class RequestKind(StrEnum):
    """The values of `RequestKind`."""

    COMMAND_APPROVAL = 'command_approval'
    FILE_CHANGE_APPROVAL = 'file_change_approval'
    PERMISSIONS_APPROVAL = 'permissions_approval'
    MCP_TOOL_APPROVAL = 'mcp_tool_approval'
    LEGACY_EXEC_APPROVAL = 'legacy_exec_approval'
    LEGACY_PATCH_APPROVAL = 'legacy_patch_approval'
    TOOL_INPUT = 'tool_input'
    ELICITATION = 'elicitation'
    TOOL_CALL = 'tool_call'


class RequestStatus(StrEnum):
    """Where a request is: `pending`, then once `resolved` (answered) or `expired` (no longer answerable). Stored as
    the wire string.
    """

    PENDING = 'pending'
    RESOLVED = 'resolved'
    EXPIRED = 'expired'


class Risk(StrEnum):
    """How risky an approval is, as judged."""

    LOW = 'low'
    MEDIUM = 'medium'
    HIGH = 'high'


class RoutineState(StrEnum):
    """Whether a routine's triggers run it. A paused routine ignores its schedule and refuses webhooks; "run now"
    still runs it.
    """

    ENABLED = 'enabled'
    PAUSED = 'paused'


class RunStatus(StrEnum):
    """Where a run stands, read from its job, its follow-up and its turn record."""

    QUEUED = 'queued'
    RUNNING = 'running'
    FOLLOWUP_QUEUED = 'followup_queued'
    TURN_IN_PROGRESS = 'turn_in_progress'
    COMPLETED = 'completed'
    FAILED = 'failed'
    INTERRUPTED = 'interrupted'
    CANCELED = 'canceled'


class RunTrigger(StrEnum):
    """What started a run."""

    SCHEDULE = 'schedule'
    CATCH_UP = 'catch_up'
    WEBHOOK = 'webhook'
    MANUAL = 'manual'


class SandboxMode(StrEnum):
    """The values of `SandboxMode`."""

    READ_ONLY = 'read-only'
    WORKSPACE_WRITE = 'workspace-write'
    DANGER_FULL_ACCESS = 'danger-full-access'


class SessionStatus(StrEnum):
    """What a session is doing, plainly."""

    IDLE = 'idle'
    RUNNING = 'running'
    WAITING_ON_APPROVAL = 'waiting_on_approval'
    WAITING_ON_INPUT = 'waiting_on_input'
    WAITING_ON_TOOL = 'waiting_on_tool'
    FAILED = 'failed'


class StoreEngine(StrEnum):
    """The database engine behind the store."""

    SQLITE = 'sqlite'
    POSTGRES = 'postgres'


class TurnMode(StrEnum):
    """The values of `TurnMode`."""

    DEFAULT = 'default'
    PLAN = 'plan'


class TurnStatus(StrEnum):
    """Where a turn is. Only `inProgress` ever changes, once, to one of the final states."""

    IN_PROGRESS = 'inProgress'
    COMPLETED = 'completed'
    INTERRUPTED = 'interrupted'
    FAILED = 'failed'


#: `LoginRequest`: one of several JSON object shapes (see docs/api.md); sent and received as a dict.
#: How to log in. `chatgpt` returns an `authUrl` to open; `chatgptDeviceCode` a code to enter elsewhere.
LoginRequest = dict[str, Any]


#: `ReviewTarget`: one of several JSON object shapes (see docs/api.md); sent and received as a dict.
#: What to review.
ReviewTarget = dict[str, Any]


#: `SendOutcome`: one of several JSON object shapes (see docs/api.md); sent and received as a dict.
#: What `POST .../messages` did: started a turn (`TurnAccepted`, with `turnId`) or, with `ifBusy: queue` while the
#: session was busy, queued the message (`FollowupQueued`, with `followup`).
SendOutcome = dict[str, Any]


@dataclass(eq=False)
class Assessment(Model):
    """A judgement attached to an approval request."""

    #: Who attached it: `plugin:<id>`.
    assessed_by: str = ""
    #: Who judged, as the assessor names itself: a model's name, `rules`, ...
    assessor: str | None = None
    #: When (RFC 3339, UTC).
    at: str = ""
    #: Why it is that risky (Markdown).
    rationale: str = ""
    risk: Risk | str = ""
    #: What the command or change does, in a sentence.
    summary: str = ""
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    _wire: ClassVar[dict[str, str]] = {'assessed_by': 'assessedBy', 'assessor': 'assessor', 'at': 'at', 'rationale': 'rationale', 'risk': 'risk', 'summary': 'summary'}


@dataclass(eq=False)
class Budget(Model):
    """A daily token budget and what today spent of it."""

    #: Tokens per UTC day; once today's turns used this many, automated turns there wait for the next day.
    daily_tokens: int = 0
    #: The project it covers; absent: the host-wide budget (every turn counts).
    project_id: str | None = None
    #: Tokens used today (answers only).
    spent_today: int | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    _wire: ClassVar[dict[str, str]] = {'daily_tokens': 'dailyTokens', 'project_id': 'projectId', 'spent_today': 'spentToday'}


@dataclass(eq=False)
class Budgets(Model):
    """Every budget. `PUT` replaces them all (an empty list removes every budget)."""

    budgets: list[Budget] = field(default_factory=list)
    #: When today's spending starts again (the next UTC midnight; answers only).
    renews_at: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    _wire: ClassVar[dict[str, str]] = {'budgets': 'budgets', 'renews_at': 'renewsAt'}


@dataclass(eq=False)
class CapabilityReport(Model):
    """`CapabilityReport` of the API."""

    codex: CodexVersion = field(default_factory=lambda: CodexVersion())
    #: Per group: whether its routes can work now (`exec` also needs `--enable-exec`).
    groups: dict[str, bool] = field(default_factory=dict)
    #: False until the installed codex's schema was read (shortly after app-server first starts).
    known: bool = False
    #: Every client method the installed codex serves.
    methods: list[str] = field(default_factory=list)
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    _wire: ClassVar[dict[str, str]] = {'codex': 'codex', 'groups': 'groups', 'known': 'known', 'methods': 'methods'}


@dataclass(eq=False)
class CodexVersion(Model):
    """`CodexVersion` of the API."""

    #: What to do about it, in words (null when there is nothing to do).
    advice: str | None = None
    #: The release the project installs and tests by default.
    expected: str = ""
    #: True when the running release speaks a tested release's protocol: it is tested, or its schema is identical.
    matches: bool = False
    #: From app-server's user agent, once initialized.
    running: str | None = None
    #: The tested release whose schema the running one matches, when it is not that release itself.
    same_schema_as: str | None = None
    support: CodexSupport | str = ""
    #: The supported range, `[from, to)`.
    supported: list[str] = field(default_factory=list)
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    _wire: ClassVar[dict[str, str]] = {'advice': 'advice', 'expected': 'expected', 'matches': 'matches', 'running': 'running', 'same_schema_as': 'sameSchemaAs', 'support': 'support', 'supported': 'supported'}


@dataclass(eq=False)
class ConfigBatch(Model):
    """`ConfigBatch` of the API."""

    edits: list[ConfigEdit] = field(default_factory=list)
    #: Reload the user config in the running app-server (default true).
    reload_user_config: bool = False
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    _wire: ClassVar[dict[str, str]] = {'edits': 'edits', 'reload_user_config': 'reloadUserConfig'}


@dataclass(eq=False)
class ConfigEdit(Model):
    """One config edit: `keyPath` like `model` or `model_providers.local.base_url`."""

    key_path: str = ""
    merge_strategy: MergeStrategy | str | None = None
    #: Any TOML value: string, number, boolean, array or table (no `null` inside; app-server refuses what
    #: config.toml cannot hold, a 422).
    value: Any = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    _wire: ClassVar[dict[str, str]] = {'key_path': 'keyPath', 'merge_strategy': 'mergeStrategy', 'value': 'value'}


@dataclass(eq=False)
class ControlsView(Model):
    """A session's controls: its own, the defaults, and what the next turn will use."""

    defaults: SessionControls = field(default_factory=lambda: SessionControls())
    effective: SessionControls = field(default_factory=lambda: SessionControls())
    own: SessionControls = field(default_factory=lambda: SessionControls())
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    _wire: ClassVar[dict[str, str]] = {'defaults': 'defaults', 'effective': 'effective', 'own': 'own'}


@dataclass(eq=False)
class CreateProject(Model):
    """`CreateProject` of the API."""

    #: Absolute path of an existing directory.
    cwd: str = ""
    #: Unique, 1–200 characters.
    name: str = ""
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    _wire: ClassVar[dict[str, str]] = {'cwd': 'cwd', 'name': 'name'}


@dataclass(eq=False)
class CreateRoutine(Model):
    """A new routine: exactly one of `prompt` and `jobKind`, exactly one of `sessionId` and `projectId`."""

    #: Default `once`.
    catch_up: CatchUp | str | None = None
    job_kind: str | None = None
    name: str = ""
    #: JSON for the job (job routines only), at most 64 KiB.
    payload: dict[str, Any] | None = None
    project_id: str | None = None
    prompt: str | None = None
    schedule: str | None = None
    session_id: str | None = None
    #: Default `enabled`.
    state: RoutineState | str | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    _wire: ClassVar[dict[str, str]] = {'catch_up': 'catchUp', 'job_kind': 'jobKind', 'name': 'name', 'payload': 'payload', 'project_id': 'projectId', 'prompt': 'prompt', 'schedule': 'schedule', 'session_id': 'sessionId', 'state': 'state'}


@dataclass(eq=False)
class CreateSession(Model):
    """`CreateSession` of the API."""

    controls: SessionControls | None = None
    #: Absolute working directory. Required without a project.
    cwd: str | None = None
    #: Tools this session offers Codex that an API client serves: each call becomes a pending `tool_call`
    #: request the client answers.
    dynamic_tools: list[DynamicTool] | None = None
    #: Project to create the session in; its working directory is used unless `cwd` is given.
    project_id: str | None = None
    title: str | None = None
    #: How long a dynamic tool call waits for its answer before it fails back to Codex (1 s – 1 h; default 5 min).
    tool_call_timeout_ms: int | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    _wire: ClassVar[dict[str, str]] = {'controls': 'controls', 'cwd': 'cwd', 'dynamic_tools': 'dynamicTools', 'project_id': 'projectId', 'title': 'title', 'tool_call_timeout_ms': 'toolCallTimeoutMs'}


@dataclass(eq=False)
class DayUsage(Model):
    """`DayUsage` of the API."""

    #: A UTC day, `YYYY-MM-DD`.
    day: str = ""
    tokens: TokenCounts = field(default_factory=lambda: TokenCounts())
    #: Turns that used tokens that day.
    turns: int = 0
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    _wire: ClassVar[dict[str, str]] = {'day': 'day', 'tokens': 'tokens', 'turns': 'turns'}


@dataclass(eq=False)
class DynamicTool(Model):
    """A tool an API client serves to Codex."""

    description: str = ""
    #: JSON Schema of the tool's arguments.
    input_schema: dict[str, Any] = field(default_factory=dict)
    #: 1–64 characters of letters, digits, `_` and `-`.
    name: str = ""
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    _wire: ClassVar[dict[str, str]] = {'description': 'description', 'input_schema': 'inputSchema', 'name': 'name'}


@dataclass(eq=False)
class EditFollowup(Model):
    """A change to a queued follow-up: each field when given."""

    mode: TurnMode | str | None = None
    text: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    _wire: ClassVar[dict[str, str]] = {'mode': 'mode', 'text': 'text'}


@dataclass(eq=False)
class EnqueueJob(Model):
    """A job to enqueue."""

    #: While a job of this kind with this key is queued or running, enqueueing returns it instead of a new one.
    dedupe_key: str | None = None
    #: Run no earlier than this many milliseconds from now.
    delay_ms: int | None = None
    #: A kind an enabled plugin declares (see `GET /api/jobs/kinds`).
    kind: str = ""
    #: JSON handed to the plugin (default `{}`), at most 256 KiB.
    payload: Any = None
    #: Lower runs first (default 100).
    priority: int | None = None
    project_id: str | None = None
    #: The session the job is about; its project is taken from it.
    session_id: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    _wire: ClassVar[dict[str, str]] = {'dedupe_key': 'dedupeKey', 'delay_ms': 'delayMs', 'kind': 'kind', 'payload': 'payload', 'priority': 'priority', 'project_id': 'projectId', 'session_id': 'sessionId'}


@dataclass(eq=False)
class ErrorBody(Model):
    """`ErrorBody` of the API."""

    #: Stable, machine-readable code (`session_not_found`, `turn_in_progress`, ...).
    code: ErrorCode | str = ""
    details: dict[str, Any] | None = None
    #: What went wrong and what to do, for people.
    message: str = ""
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    _wire: ClassVar[dict[str, str]] = {'code': 'code', 'details': 'details', 'message': 'message'}


@dataclass(eq=False)
class ErrorResponse(Model):
    """The error body of every failed request."""

    error: ErrorBody = field(default_factory=lambda: ErrorBody())
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    _wire: ClassVar[dict[str, str]] = {'error': 'error'}


@dataclass(eq=False)
class EventEnvelope(EventMixin, Model):
    """The event envelope (documentation of what `/api/events` and `/api/stream` carry)."""

    data: dict[str, Any] = field(default_factory=dict)
    project_id: str | None = None
    #: Strictly increasing across the host.
    seq: int = 0
    session_id: str | None = None
    #: RFC 3339 UTC with milliseconds.
    ts: str = ""
    turn_id: str | None = None
    #: `session.*`, `turn.*`, `item.*`, `runtime.*`, `project.*`, ..., or `app_server.<method>`; `reset` on the stream.
    type: str = ""
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    _wire: ClassVar[dict[str, str]] = {'data': 'data', 'project_id': 'projectId', 'seq': 'seq', 'session_id': 'sessionId', 'ts': 'ts', 'turn_id': 'turnId', 'type': 'type'}


@dataclass(eq=False)
class EventPage(EventPageMixin, Model):
    """A page of events."""

    events: list[EventEnvelope] = field(default_factory=list)
    latest_seq: int = 0
    #: Pass as `since` for the next page (it moves past filtered-out events too).
    next_since: int = 0
    #: True when events after `since` were pruned: re-read state over REST, then continue from `nextSince`.
    reset: bool = False
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    _wire: ClassVar[dict[str, str]] = {'events': 'events', 'latest_seq': 'latestSeq', 'next_since': 'nextSince', 'reset': 'reset'}


@dataclass(eq=False)
class ExecRequest(Model):
    """`ExecRequest` of the API."""

    #: argv, e.g. `["ls", "-la"]`.
    command: list[str] = field(default_factory=list)
    #: Absolute working directory.
    cwd: str | None = None
    #: Network for a sandboxed command (default false).
    network_access: bool | None = None
    #: Default `read-only`.
    sandbox: SandboxMode | str | None = None
    #: Stream output as `app_server.command/exec/outputDelta` events (base64 chunks) tagged with the answer's
    #: `processId`, instead of collecting it in the answer.
    stream: bool = False
    #: Default app-server's own.
    timeout_ms: int | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    _wire: ClassVar[dict[str, str]] = {'command': 'command', 'cwd': 'cwd', 'network_access': 'networkAccess', 'sandbox': 'sandbox', 'stream': 'stream', 'timeout_ms': 'timeoutMs'}


@dataclass(eq=False)
class FeatureEnablement(Model):
    """`FeatureEnablement` of the API."""

    enabled: bool = False
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    _wire: ClassVar[dict[str, str]] = {'enabled': 'enabled'}


@dataclass(eq=False)
class Feedback(Model):
    """`Feedback` of the API."""

    #: `bug`, `good_result`, `bad_result`, ...
    classification: str = ""
    include_logs: bool = False
    reason: str | None = None
    #: Attach the session's thread.
    session_id: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    _wire: ClassVar[dict[str, str]] = {'classification': 'classification', 'include_logs': 'includeLogs', 'reason': 'reason', 'session_id': 'sessionId'}


@dataclass(eq=False)
class Followup(Model):
    """One queued message."""

    created_at: str = ""
    #: Why it did not start (`failed`).
    error: str | None = None
    id: str = ""
    #: The turn mode it starts with (`plan` or `default`); absent: the default.
    mode: TurnMode | str | None = None
    #: The queue runs in ascending `position` (a reorder rewrites them); lists come in this order.
    position: int = 0
    session_id: str = ""
    status: FollowupStatus | str = ""
    text: str = ""
    #: The turn it started (`started`).
    turn_id: str | None = None
    updated_at: str = ""
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    _wire: ClassVar[dict[str, str]] = {'created_at': 'createdAt', 'error': 'error', 'id': 'id', 'mode': 'mode', 'position': 'position', 'session_id': 'sessionId', 'status': 'status', 'text': 'text', 'turn_id': 'turnId', 'updated_at': 'updatedAt'}


@dataclass(eq=False)
class FollowupList(Model):
    """A session's follow-ups and its queue."""

    #: With `history`, the latest finished ones (started, failed, removed) first; then the waiting ones in the order
    #: they will start.
    followups: list[Followup] = field(default_factory=list)
    queue: FollowupQueue = field(default_factory=lambda: FollowupQueue())
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    _wire: ClassVar[dict[str, str]] = {'followups': 'followups', 'queue': 'queue'}


@dataclass(eq=False)
class FollowupQueue(Model):
    """A session's follow-up queue in brief: what its view (`Session.followups`) and `followup.paused`/`resumed` carry."""

    #: Follow-ups waiting to start (queued, or starting now).
    count: int = 0
    #: The usage limit or budget it waits for (`usage_limit`, `budget`): it resumes by itself at `resetsAt`.
    limit: UsageLimit | None = None
    #: The turn's error, or why a follow-up did not start.
    message: str | None = None
    #: True while the queue starts nothing, until a resume.
    paused: bool = False
    paused_at: str | None = None
    #: Why it is paused.
    reason: PauseReason | str | None = None
    #: The approval request that paused it (`approval`).
    request_id: str | None = None
    #: The turn that paused it (`approval`, `turn_failed`, `interrupted`).
    turn_id: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    _wire: ClassVar[dict[str, str]] = {'count': 'count', 'limit': 'limit', 'message': 'message', 'paused': 'paused', 'paused_at': 'pausedAt', 'reason': 'reason', 'request_id': 'requestId', 'turn_id': 'turnId'}


@dataclass(eq=False)
class FollowupQueued(Model):
    """What `POST .../messages` with `ifBusy: queue` answers when the message was queued."""

    #: The queued message, as it is now (a replay reads it again: it may have started since).
    followup: Followup = field(default_factory=lambda: Followup())
    #: True when this answers a retry with an `Idempotency-Key` already used: nothing new was queued.
    replayed: bool = False
    session_id: str = ""
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    _wire: ClassVar[dict[str, str]] = {'followup': 'followup', 'replayed': 'replayed', 'session_id': 'sessionId'}


@dataclass(eq=False)
class Health(Model):
    """`Health` of the API."""

    #: Always `ok` when the host answers.
    status: str = ""
    version: str = ""
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    _wire: ClassVar[dict[str, str]] = {'status': 'status', 'version': 'version'}


@dataclass(eq=False)
class HookState(Model):
    """A hook's state, by the `key` `GET /api/hooks` lists."""

    enabled: bool = False
    key: str = ""
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    _wire: ClassVar[dict[str, str]] = {'enabled': 'enabled', 'key': 'key'}


@dataclass(eq=False)
class Host(Model):
    """A host on the store (`GET /api/hosts`)."""

    id: str = ""
    #: Its last heartbeat (or its stop).
    last_seen_at: str = ""
    name: str = ""
    started_at: str = ""
    state: HostState | str = ""
    #: Whether this is the host that answered.
    this_host: bool = False
    #: Where the other hosts forward its sessions' actions.
    url: str = ""
    version: str = ""
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    _wire: ClassVar[dict[str, str]] = {'id': 'id', 'last_seen_at': 'lastSeenAt', 'name': 'name', 'started_at': 'startedAt', 'state': 'state', 'this_host': 'thisHost', 'url': 'url', 'version': 'version'}


@dataclass(eq=False)
class HostFacts(Model):
    """`HostFacts` of the API."""

    #: Where the host keeps its token, log and plugins, and its store when that is SQLite.
    data_dir: str = ""
    #: This host's stable id (the owner of the sessions it creates; see `GET /api/hosts`).
    id: str = ""
    #: Its display name.
    name: str = ""
    #: When this process started (RFC 3339): a client that sees it change knows the host restarted.
    started_at: str = ""
    #: The database the store runs on.
    store: StoreEngine | str = ""
    #: The codex-manager release.
    version: str = ""
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    _wire: ClassVar[dict[str, str]] = {'data_dir': 'dataDir', 'id': 'id', 'name': 'name', 'started_at': 'startedAt', 'store': 'store', 'version': 'version'}


@dataclass(eq=False)
class HostList(Model):
    """Every host on the store."""

    #: By name, then id.
    hosts: list[Host] = field(default_factory=list)
    #: The id of the host that answered.
    this_host: str = ""
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    _wire: ClassVar[dict[str, str]] = {'hosts': 'hosts', 'this_host': 'thisHost'}


@dataclass(eq=False)
class Inspection(Model):
    """What an install would do, before it is done."""

    description: str = ""
    events: list[str] = field(default_factory=list)
    http_allow: list[str] = field(default_factory=list)
    id: str = ""
    jobs: list[str] = field(default_factory=list)
    limits: Limits = field(default_factory=lambda: Limits())
    #: An installed version this would replace.
    replaces: str | None = None
    #: Capabilities the plugin asks for: the user grants these (or some) at install.
    requested: list[Capability | str] = field(default_factory=list)
    tools: list[str] = field(default_factory=list)
    version: str = ""
    #: The WIT version requirement of the manifest, and the served version the plugin would be bound to.
    wit: str = ""
    wit_version: str = ""
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    _wire: ClassVar[dict[str, str]] = {'description': 'description', 'events': 'events', 'http_allow': 'httpAllow', 'id': 'id', 'jobs': 'jobs', 'limits': 'limits', 'replaces': 'replaces', 'requested': 'requested', 'tools': 'tools', 'version': 'version', 'wit': 'wit', 'wit_version': 'witVersion'}


@dataclass(eq=False)
class InstallPlugin(Model):
    """`InstallPlugin` of the API."""

    component: str = ""
    #: The capabilities the user grants (a subset of what the manifest requests; others are ignored).
    grant: list[Capability | str] | None = None
    manifest: str = ""
    #: Replace the installed version of the same id.
    upgrade: bool = False
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    _wire: ClassVar[dict[str, str]] = {'component': 'component', 'grant': 'grant', 'manifest': 'manifest', 'upgrade': 'upgrade'}


@dataclass(eq=False)
class InterruptResult(Model):
    """`InterruptResult` of the API."""

    #: The turn's final status (`interrupted`, or `completed`/`failed` if it ended first), or `interrupting` if
    #: app-server had not confirmed within 10 s.
    status: InterruptStatus | str = ""
    turn_id: str = ""
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    _wire: ClassVar[dict[str, str]] = {'status': 'status', 'turn_id': 'turnId'}


@dataclass(eq=False)
class Job(JobMixin, Model):
    """A job as the API shows it."""

    #: Attempts started so far (the running one included).
    attempt: int = 0
    #: A cancel was asked for and is being carried out.
    cancel_requested: bool = False
    created_at: str = ""
    #: Who enqueued it: a client label (`web`, `cli`, ...) or `plugin:<id>`.
    created_by: str = ""
    dedupe_key: str | None = None
    #: Why the last attempt failed (also set while a retry waits).
    error: JobError | None = None
    finished_at: str | None = None
    #: Every transition, oldest first (only on single-job reads).
    history: list[JobTransition] | None = None
    id: str = ""
    kind: str = ""
    max_attempts: int = 0
    #: Any JSON value, as it was enqueued (`null` when none was given).
    payload: Any = None
    #: The plugin that runs this kind.
    plugin_id: str = ""
    #: Lower runs first.
    priority: int = 0
    project_id: str | None = None
    #: The plugin's output when it succeeded.
    result: dict[str, Any] | None = None
    #: Not run before this time.
    run_after: str = ""
    session_id: str | None = None
    started_at: str | None = None
    state: JobState | str = ""
    #: Wall time of one attempt.
    timeout_ms: int = 0
    updated_at: str = ""
    #: What a queued job waits for (a usage limit, a spent budget) and when it lifts: the job is not due before
    #: then, and the wait burns no attempt.
    waiting: UsageLimit | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    _wire: ClassVar[dict[str, str]] = {'attempt': 'attempt', 'cancel_requested': 'cancelRequested', 'created_at': 'createdAt', 'created_by': 'createdBy', 'dedupe_key': 'dedupeKey', 'error': 'error', 'finished_at': 'finishedAt', 'history': 'history', 'id': 'id', 'kind': 'kind', 'max_attempts': 'maxAttempts', 'payload': 'payload', 'plugin_id': 'pluginId', 'priority': 'priority', 'project_id': 'projectId', 'result': 'result', 'run_after': 'runAfter', 'session_id': 'sessionId', 'started_at': 'startedAt', 'state': 'state', 'timeout_ms': 'timeoutMs', 'updated_at': 'updatedAt', 'waiting': 'waiting'}


@dataclass(eq=False)
class JobError(Model):
    """`JobError` of the API."""

    kind: JobErrorKind | str = ""
    message: str = ""
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    _wire: ClassVar[dict[str, str]] = {'kind': 'kind', 'message': 'message'}


@dataclass(eq=False)
class JobKind(Model):
    """A job kind's limits in force."""

    concurrency: int = 0
    description: str = ""
    kind: str = ""
    max_attempts: int = 0
    plugin_id: str = ""
    timeout_ms: int = 0
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    _wire: ClassVar[dict[str, str]] = {'concurrency': 'concurrency', 'description': 'description', 'kind': 'kind', 'max_attempts': 'maxAttempts', 'plugin_id': 'pluginId', 'timeout_ms': 'timeoutMs'}


@dataclass(eq=False)
class JobKinds(Model):
    """`JobKinds` of the API."""

    kinds: list[JobKind] = field(default_factory=list)
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    _wire: ClassVar[dict[str, str]] = {'kinds': 'kinds'}


@dataclass(eq=False)
class JobPage(Model):
    """`JobPage` of the API."""

    jobs: list[Job] = field(default_factory=list)
    next_cursor: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    _wire: ClassVar[dict[str, str]] = {'jobs': 'jobs', 'next_cursor': 'nextCursor'}


@dataclass(eq=False)
class JobTransition(Model):
    """`JobTransition` of the API."""

    at: str = ""
    attempt: int = 0
    detail: str | None = None
    from_state: JobState | str | None = None
    to_state: JobState | str = ""
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    _wire: ClassVar[dict[str, str]] = {'at': 'at', 'attempt': 'attempt', 'detail': 'detail', 'from_state': 'fromState', 'to_state': 'toState'}


@dataclass(eq=False)
class Limits(Model):
    """Limits in force: the manifest's, within the host's ceilings."""

    call_timeout_ms: int = 0
    concurrency: int = 0
    #: Up to this many events already queued for the plugin run one after another in one instance (each its own
    #: call, with its own deadline and record); 1: every event gets a fresh instance.
    events_per_instance: int = 0
    memory_bytes: int = 0
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    _wire: ClassVar[dict[str, str]] = {'call_timeout_ms': 'callTimeoutMs', 'concurrency': 'concurrency', 'events_per_instance': 'eventsPerInstance', 'memory_bytes': 'memoryBytes'}


@dataclass(eq=False)
class LimitsStatus(Model):
    """The limits block of `/api/ready` and `GET /api/limits`, and the data of `limits.updated`."""

    #: Budgets spent today (host-wide, per project): automated turns there wait for the next day.
    budgets: list[UsageLimit] = field(default_factory=list)
    #: The latest rate-limit snapshot app-server sent (`account/rateLimits/updated`, merged), as it came.
    rate_limits: dict[str, Any] | None = None
    #: Codex's usage limit, while reached: automated turns wait for `resetsAt`.
    usage_limit: UsageLimit | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    _wire: ClassVar[dict[str, str]] = {'budgets': 'budgets', 'rate_limits': 'rateLimits', 'usage_limit': 'usageLimit'}


@dataclass(eq=False)
class LoginLink(Model):
    """`LoginLink` of the API."""

    #: Open in a browser on this machine; it works once.
    url: str = ""
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    _wire: ClassVar[dict[str, str]] = {'url': 'url'}


@dataclass(eq=False)
class McpLogin(Model):
    """`McpLogin` of the API."""

    scopes: list[str] | None = None
    #: How long app-server waits for the login to complete: 1-86,400 seconds.
    timeout_secs: int | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    _wire: ClassVar[dict[str, str]] = {'scopes': 'scopes', 'timeout_secs': 'timeoutSecs'}


@dataclass(eq=False)
class MoveSessions(Model):
    """`MoveSessions` of the API."""

    #: Target project; null moves the sessions out of any project.
    to_project_id: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    _wire: ClassVar[dict[str, str]] = {'to_project_id': 'toProjectId'}


@dataclass(eq=False)
class NotePage(Model):
    """`NotePage` of the API."""

    notes: list[SessionNote] = field(default_factory=list)
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    _wire: ClassVar[dict[str, str]] = {'notes': 'notes'}


@dataclass(eq=False)
class PendingRequest(PendingRequestMixin, Model):
    """A request as the API shows it."""

    #: The last judgement a plugin attached while the request was pending (approvals only), shown beside it.
    assessment: Assessment | None = None
    created_at: str = ""
    #: Who decided: the client label (`web`, `cli`, `sdk`, `api`), `plugin:<id>`, or `host` for expiries.
    decided_by: str | None = None
    #: The decision as recorded (secret answers masked).
    decision: str | dict[str, Any] | None = None
    #: The event family.
    family: RequestFamily | str = ""
    #: Host-stable id (not app-server's JSON-RPC id).
    id: str = ""
    #: The item the request is about, as last seen (for file changes: the diff in `changes`).
    item: dict[str, Any] | None = None
    item_id: str | None = None
    kind: RequestKind | str = ""
    #: The app-server method that asked.
    method: str = ""
    #: What app-server sent (command, cwd, reason, availableDecisions, questions, tool and arguments, ...).
    params: dict[str, Any] = field(default_factory=dict)
    project_id: str | None = None
    #: The decision's reason, or why the request expired.
    reason: str | None = None
    resolved_at: str | None = None
    session_id: str | None = None
    status: RequestStatus | str = ""
    thread_id: str | None = None
    turn_id: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    _wire: ClassVar[dict[str, str]] = {'assessment': 'assessment', 'created_at': 'createdAt', 'decided_by': 'decidedBy', 'decision': 'decision', 'family': 'family', 'id': 'id', 'item': 'item', 'item_id': 'itemId', 'kind': 'kind', 'method': 'method', 'params': 'params', 'project_id': 'projectId', 'reason': 'reason', 'resolved_at': 'resolvedAt', 'session_id': 'sessionId', 'status': 'status', 'thread_id': 'threadId', 'turn_id': 'turnId'}


@dataclass(eq=False)
class PluginCall(Model):
    """One recorded call."""

    denials: list[str] = field(default_factory=list)
    duration_us: int = 0
    error: str | None = None
    id: str = ""
    outcome: str = ""
    started_at: str = ""
    #: The last few KiB the guest wrote to stderr during a failed call (a traceback, a panic message); null when
    #: the call succeeded or the guest wrote nothing.
    stderr: str | None = None
    trigger: str = ""
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    _wire: ClassVar[dict[str, str]] = {'denials': 'denials', 'duration_us': 'durationUs', 'error': 'error', 'id': 'id', 'outcome': 'outcome', 'started_at': 'startedAt', 'stderr': 'stderr', 'trigger': 'trigger'}


@dataclass(eq=False)
class PluginHost(Model):
    """A host that holds a plugin's component."""

    #: The host's id (see `GET /api/hosts`).
    host_id: str = ""
    installed_at: str = ""
    #: The version of the component it holds.
    version: str = ""
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    _wire: ClassVar[dict[str, str]] = {'host_id': 'hostId', 'installed_at': 'installedAt', 'version': 'version'}


@dataclass(eq=False)
class PluginInfo(Model):
    """A plugin as the inventory shows it."""

    consecutive_failures: int = 0
    description: str = ""
    #: Why it is off (disabled by a user, or by the circuit breaker with the last error).
    disabled_reason: str | None = None
    enabled: bool = False
    events: list[str] = field(default_factory=list)
    granted: list[Capability | str] = field(default_factory=list)
    #: Every WIT version this host serves, oldest first.
    host_wits: list[str] = field(default_factory=list)
    #: The hosts sharing this store that hold the plugin's component, and so run its jobs, tools and event
    #: handlers (the plugin's row is every host's; its component is in one host's data dir).
    hosts: list[PluginHost] = field(default_factory=list)
    http_allow: list[str] = field(default_factory=list)
    id: str = ""
    installed_at: str = ""
    jobs: list[str] = field(default_factory=list)
    limits: Limits = field(default_factory=lambda: Limits())
    priority: int = 0
    requested: list[Capability | str] = field(default_factory=list)
    tools: list[ToolSpec] = field(default_factory=list)
    updated_at: str = ""
    version: str = ""
    #: The WIT version requirement the plugin was built for (its manifest's `wit`).
    wit: str = ""
    #: The WIT version it is bound to: the highest one this host serves that `wit` matches.
    wit_version: str = ""
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    _wire: ClassVar[dict[str, str]] = {'consecutive_failures': 'consecutiveFailures', 'description': 'description', 'disabled_reason': 'disabledReason', 'enabled': 'enabled', 'events': 'events', 'granted': 'granted', 'host_wits': 'hostWits', 'hosts': 'hosts', 'http_allow': 'httpAllow', 'id': 'id', 'installed_at': 'installedAt', 'jobs': 'jobs', 'limits': 'limits', 'priority': 'priority', 'requested': 'requested', 'tools': 'tools', 'updated_at': 'updatedAt', 'version': 'version', 'wit': 'wit', 'wit_version': 'witVersion'}


@dataclass(eq=False)
class PluginPackage(Model):
    """A plugin package: its manifest and its component."""

    #: The `.wasm` component, base64.
    component: str = ""
    #: The `plugin.toml` text.
    manifest: str = ""
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    _wire: ClassVar[dict[str, str]] = {'component': 'component', 'manifest': 'manifest'}


@dataclass(eq=False)
class PluginSettings(Model):
    """A plugin's settings: what is in force, the manifest's defaults, and what the user set."""

    #: The defaults the manifest declares (`[settings]`): the settings there are.
    defaults: dict[str, Any] = field(default_factory=dict)
    id: str = ""
    #: In force: the user's value where there is one, else the default. What the plugin reads.
    settings: dict[str, Any] = field(default_factory=dict)
    #: What the user set (keys the manifest still declares).
    user: dict[str, Any] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    _wire: ClassVar[dict[str, str]] = {'defaults': 'defaults', 'id': 'id', 'settings': 'settings', 'user': 'user'}


@dataclass(eq=False)
class Project(Model):
    """`Project` of the API."""

    created_at: str = ""
    #: Working directory for new sessions in this project.
    cwd: str = ""
    id: str = ""
    name: str = ""
    session_count: int = 0
    updated_at: str = ""
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    _wire: ClassVar[dict[str, str]] = {'created_at': 'createdAt', 'cwd': 'cwd', 'id': 'id', 'name': 'name', 'session_count': 'sessionCount', 'updated_at': 'updatedAt'}


@dataclass(eq=False)
class ProtocolReport(Model):
    """What the guard found in the running codex, for `/api/ready`."""

    #: False until the running codex's schema was read (shortly after app-server first starts).
    checked: bool = False
    #: Every fact the host relies on that the running codex breaks, and what the host turned off for it.
    violations: list[ProtocolViolation] = field(default_factory=list)
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    _wire: ClassVar[dict[str, str]] = {'checked': 'checked', 'violations': 'violations'}


@dataclass(eq=False)
class ProtocolViolation(Model):
    """One fact (or one of the checks beyond the list) that does not hold in a schema: named in `/api/ready`."""

    effect: DriftEffect | str = ""
    #: Where in the protocol, and the path: "`turn/steer` params, expectedTurnId".
    fact: str = ""
    #: The app-server method it belongs to.
    method: str = ""
    #: What is wrong with it in the running codex's schema.
    problem: str = ""
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    _wire: ClassVar[dict[str, str]] = {'effect': 'effect', 'fact': 'fact', 'method': 'method', 'problem': 'problem'}


@dataclass(eq=False)
class QueueStats(Model):
    """Queue depth, for readiness details and monitoring."""

    capacity: int = 0
    #: How long the longest-waiting job has been due (since its `runAfter`), in milliseconds; 0 when none waits.
    #: Delayed jobs and jobs waiting out a backoff are not counted until they are due.
    oldest_queued_age_ms: int = 0
    queued: int = 0
    running: int = 0
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    _wire: ClassVar[dict[str, str]] = {'capacity': 'capacity', 'oldest_queued_age_ms': 'oldestQueuedAgeMs', 'queued': 'queued', 'running': 'running'}


@dataclass(eq=False)
class Readiness(Model):
    """`Readiness` of the API."""

    #: Whether turns can run: `{account, requiresOpenaiAuth}` from app-server, and a plain-words `notice` when not.
    account: dict[str, Any] | None = None
    #: The codex release running vs. the one this host was built against.
    codex: CodexVersion = field(default_factory=lambda: CodexVersion())
    events_ok: bool = False
    #: This host process: its version, when it started, its data dir and its store's engine.
    host: HostFacts = field(default_factory=lambda: HostFacts())
    last_seq: int = 0
    #: What holds automated turns back now: Codex's usage limit, spent budgets (with when each lifts), and the
    #: latest rate-limit snapshot.
    limits: LimitsStatus = field(default_factory=lambda: LimitsStatus())
    #: The drift guard's verdict on the running codex: every fact the host relies on that its schema breaks, and
    #: what the host turned off for it (the rest works).
    protocol: ProtocolReport = field(default_factory=lambda: ProtocolReport())
    #: Job queue depth (absent when the store cannot say).
    queue: QueueStats | None = None
    #: True when app-server is initialized and answering, and the store and event log work.
    ready: bool = False
    #: Why the host is not ready, in words (null when ready).
    reason: str | None = None
    #: `starting`, `ready`, `unresponsive`, `restarting` or `stopped`, with the process generation, pid,
    #: restarts, last exit and last error.
    runtime: dict[str, Any] = field(default_factory=dict)
    store_ok: bool = False
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    _wire: ClassVar[dict[str, str]] = {'account': 'account', 'codex': 'codex', 'events_ok': 'eventsOk', 'host': 'host', 'last_seq': 'lastSeq', 'limits': 'limits', 'protocol': 'protocol', 'queue': 'queue', 'ready': 'ready', 'reason': 'reason', 'runtime': 'runtime', 'store_ok': 'storeOk'}


@dataclass(eq=False)
class ReorderFollowups(Model):
    """The queue's new order: every queued follow-up's id, exactly once."""

    ids: list[str] = field(default_factory=list)
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    _wire: ClassVar[dict[str, str]] = {'ids': 'ids'}


@dataclass(eq=False)
class RespondToRequest(Model):
    """An answer to a pending request. Which fields apply depends on the request's kind."""

    #: Elicitations: `accept`, `decline` or `cancel`.
    action: str | None = None
    #: Tool input: question id → the chosen option label(s) or free text.
    answers: dict[str, Any] | None = None
    #: Elicitations: the form's content when accepting.
    content: dict[str, Any] | None = None
    #: Tool calls: the output as content items (`{"type":"inputText","text":...}` or `{"type":"inputImage","imageUrl":...}`).
    content_items: list[dict[str, Any]] | None = None
    #: Approvals: `accept`, `acceptForSession`, `decline` or `cancel`; or one of the amendment objects that app-server offered in `availableDecisions` (command approvals).
    decision: str | dict[str, Any] | None = None
    #: Why, in a few words (kept with the decision).
    reason: str | None = None
    #: Tool calls: whether the tool succeeded (default true).
    success: bool | None = None
    #: Tool calls: the output as plain text (instead of `contentItems`).
    text: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    _wire: ClassVar[dict[str, str]] = {'action': 'action', 'answers': 'answers', 'content': 'content', 'content_items': 'contentItems', 'decision': 'decision', 'reason': 'reason', 'success': 'success', 'text': 'text'}


@dataclass(eq=False)
class Revert(Model):
    """`Revert` of the API."""

    #: History is cut back to before this turn (files are not reverted).
    before_turn_id: str = ""
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    _wire: ClassVar[dict[str, str]] = {'before_turn_id': 'beforeTurnId'}


@dataclass(eq=False)
class Routine(Model):
    """A routine as the API shows it. Its webhook secret is never shown again after creation (or a rotation)."""

    catch_up: CatchUp | str = ""
    created_at: str = ""
    created_by: str = ""
    id: str = ""
    #: The plugin job kind each run enqueues (a job routine), with `payload`.
    job_kind: str | None = None
    name: str = ""
    #: The next scheduled run (enabled routines with a schedule).
    next_run_at: str | None = None
    payload: dict[str, Any] | None = None
    #: ...or a new session in this project each run.
    project_id: str | None = None
    #: The prompt each run sends (a prompt routine). In a webhook run, `{{body}}` is replaced by the request body.
    prompt: str | None = None
    #: Cron (5 fields: minute hour day-of-month month day-of-week), in `timeZone`; absent: no schedule.
    schedule: str | None = None
    #: The target: this session...
    session_id: str | None = None
    state: RoutineState | str = ""
    #: The host's time zone, which schedules are read in.
    time_zone: str = ""
    updated_at: str = ""
    #: Where a signed webhook runs it (`POST`, see docs/automation.md).
    webhook_path: str = ""
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    _wire: ClassVar[dict[str, str]] = {'catch_up': 'catchUp', 'created_at': 'createdAt', 'created_by': 'createdBy', 'id': 'id', 'job_kind': 'jobKind', 'name': 'name', 'next_run_at': 'nextRunAt', 'payload': 'payload', 'project_id': 'projectId', 'prompt': 'prompt', 'schedule': 'schedule', 'session_id': 'sessionId', 'state': 'state', 'time_zone': 'timeZone', 'updated_at': 'updatedAt', 'webhook_path': 'webhookPath'}


@dataclass(eq=False)
class RoutineCreated(Model):
    """A created routine, with its webhook secret: shown this once."""

    routine: Routine = field(default_factory=lambda: Routine())
    webhook_secret: str = ""
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    _wire: ClassVar[dict[str, str]] = {'routine': 'routine', 'webhook_secret': 'webhookSecret'}


@dataclass(eq=False)
class RoutineList(Model):
    """`RoutineList` of the API."""

    routines: list[Routine] = field(default_factory=list)
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    _wire: ClassVar[dict[str, str]] = {'routines': 'routines'}


@dataclass(eq=False)
class RoutineRun(Model):
    """One run of a routine."""

    created_at: str = ""
    #: Why it failed, from the job or the turn record.
    error: str | None = None
    #: The follow-up it queued while the session was busy.
    followup_id: str | None = None
    id: str = ""
    #: The queue job that carries it (`GET /api/jobs/{id}`: attempts, history).
    job_id: str = ""
    job_state: JobState | str | None = None
    #: The latest scheduled time folded into it.
    last_skipped_for: str | None = None
    routine_id: str = ""
    #: The scheduled time it stands for (`schedule`, `catch_up`: the first time missed).
    scheduled_for: str | None = None
    session_id: str | None = None
    #: Scheduled times folded into this run while it waited for a limit (each would have been a run of its own):
    #: the reset releases one run per routine, never a burst. 0 for most runs.
    skipped_ticks: int = 0
    status: RunStatus | str = ""
    trigger: RunTrigger | str = ""
    #: The turn it started (`GET /api/sessions/{sessionId}/turns/{turnId}`: the turn record).
    turn_id: str | None = None
    #: What its job waits for while queued (a usage limit, a spent budget) and when that lifts: the job's own
    #: `waiting` (`GET /api/jobs/{jobId}`), read from the job row.
    waiting: UsageLimit | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    _wire: ClassVar[dict[str, str]] = {'created_at': 'createdAt', 'error': 'error', 'followup_id': 'followupId', 'id': 'id', 'job_id': 'jobId', 'job_state': 'jobState', 'last_skipped_for': 'lastSkippedFor', 'routine_id': 'routineId', 'scheduled_for': 'scheduledFor', 'session_id': 'sessionId', 'skipped_ticks': 'skippedTicks', 'status': 'status', 'trigger': 'trigger', 'turn_id': 'turnId', 'waiting': 'waiting'}


@dataclass(eq=False)
class RoutineRunList(Model):
    """`RoutineRunList` of the API."""

    #: Newest first.
    runs: list[RoutineRun] = field(default_factory=list)
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    _wire: ClassVar[dict[str, str]] = {'runs': 'runs'}


@dataclass(eq=False)
class RoutineSecret(Model):
    """A routine's new webhook secret (the old one stops working at once): shown this once."""

    routine_id: str = ""
    webhook_secret: str = ""
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    _wire: ClassVar[dict[str, str]] = {'routine_id': 'routineId', 'webhook_secret': 'webhookSecret'}


@dataclass(eq=False)
class SchedulePreview(Model):
    """The next times a schedule names."""

    next: list[str] = field(default_factory=list)
    schedule: str = ""
    time_zone: str = ""
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    _wire: ClassVar[dict[str, str]] = {'next': 'next', 'schedule': 'schedule', 'time_zone': 'timeZone'}


@dataclass(eq=False)
class SendMessage(Model):
    """`SendMessage` of the API."""

    #: What to do while the session is busy (a turn runs, or follow-ups wait): `refuse` (the default) answers 409
    #: `turn_in_progress`; `queue` appends the message to the session's follow-up queue (202 with the follow-up).
    if_busy: IfBusy | str | None = None
    #: `plan` runs this turn in Codex's Plan mode (where it may ask questions: tool input); default `default`.
    mode: TurnMode | str | None = None
    #: The user's message.
    text: str = ""
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    _wire: ClassVar[dict[str, str]] = {'if_busy': 'ifBusy', 'mode': 'mode', 'text': 'text'}


@dataclass(eq=False)
class Session(Model):
    """`Session` of the API."""

    active_turn_id: str | None = None
    archived: bool = False
    #: The session's own controls (unset ones inherit the defaults).
    controls: SessionControls = field(default_factory=lambda: SessionControls())
    created_at: str = ""
    cwd: str = ""
    #: Names of the dynamic tools an API client serves for this session.
    dynamic_tools: list[str] = field(default_factory=list)
    #: The session's follow-up queue: how many messages wait, and whether (and why) it is paused.
    followups: FollowupQueue = field(default_factory=lambda: FollowupQueue())
    forked_from: str | None = None
    id: str = ""
    last_activity_at: str = ""
    last_error: str | None = None
    #: `completed`, `interrupted`, `failed` or `inProgress`.
    last_turn_status: TurnStatus | str | None = None
    #: Whether the running app-server has this thread loaded (if not, the next turn resumes it first).
    loaded: bool = False
    #: The host whose app-server holds the thread; actions sent to any other host are forwarded to it.
    owner: SessionOwner = field(default_factory=lambda: SessionOwner())
    #: Requests waiting for an answer in this session.
    pending_requests: int = 0
    project_id: str | None = None
    status: SessionStatus | str = ""
    #: The app-server thread behind this session.
    thread_id: str = ""
    title: str | None = None
    updated_at: str = ""
    #: The plugin whose hidden worker session this is (worker sessions are left out of lists by default).
    worker_of: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    _wire: ClassVar[dict[str, str]] = {'active_turn_id': 'activeTurnId', 'archived': 'archived', 'controls': 'controls', 'created_at': 'createdAt', 'cwd': 'cwd', 'dynamic_tools': 'dynamicTools', 'followups': 'followups', 'forked_from': 'forkedFrom', 'id': 'id', 'last_activity_at': 'lastActivityAt', 'last_error': 'lastError', 'last_turn_status': 'lastTurnStatus', 'loaded': 'loaded', 'owner': 'owner', 'pending_requests': 'pendingRequests', 'project_id': 'projectId', 'status': 'status', 'thread_id': 'threadId', 'title': 'title', 'updated_at': 'updatedAt', 'worker_of': 'workerOf'}


@dataclass(eq=False)
class SessionControls(Model):
    """Per-session (or default) controls. An absent field inherits: session → defaults → app-server's config."""

    approval_policy: ApprovalPolicy | str | None = None
    model: str | None = None
    #: Network access for sandboxed commands.
    network_access: bool | None = None
    #: A reasoning effort the model advertises (`low`, `medium`, `high`, ...).
    reasoning_effort: str | None = None
    sandbox: SandboxMode | str | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    _wire: ClassVar[dict[str, str]] = {'approval_policy': 'approvalPolicy', 'model': 'model', 'network_access': 'networkAccess', 'reasoning_effort': 'reasoningEffort', 'sandbox': 'sandbox'}


@dataclass(eq=False)
class SessionDetail(Model):
    """A session opened as a chat: the session, a page of its transcript and, while a turn runs, that turn's record."""

    #: The running turn's record (null when no turn runs): its `startSeq` is where a client reads the turn's events
    #: from to show what streamed so far (`GET /api/events?since=startSeq-1&sessions=id`), with no search of the log.
    active_turn: TurnRecord | None = None
    session: Session = field(default_factory=lambda: Session())
    #: Null when app-server is not running (the session itself is still readable).
    transcript: Transcript | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    _wire: ClassVar[dict[str, str]] = {'active_turn': 'activeTurn', 'session': 'session', 'transcript': 'transcript'}


@dataclass(eq=False)
class SessionIds(Model):
    """`SessionIds` of the API."""

    session_ids: list[str] = field(default_factory=list)
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    _wire: ClassVar[dict[str, str]] = {'session_ids': 'sessionIds'}


@dataclass(eq=False)
class SessionNote(Model):
    """`SessionNote` of the API."""

    #: Markdown.
    body: str = ""
    created_at: str = ""
    data: dict[str, Any] | None = None
    id: str = ""
    #: `turn-review`, `next-request`, ...
    kind: str = ""
    #: The plugin that wrote it.
    plugin_id: str = ""
    session_id: str = ""
    title: str = ""
    turn_id: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    _wire: ClassVar[dict[str, str]] = {'body': 'body', 'created_at': 'createdAt', 'data': 'data', 'id': 'id', 'kind': 'kind', 'plugin_id': 'pluginId', 'session_id': 'sessionId', 'title': 'title', 'turn_id': 'turnId'}


@dataclass(eq=False)
class SessionOwner(Model):
    """The host that owns a session, as a session view shows it."""

    id: str = ""
    name: str = ""
    #: Whether it can act on the session now (actions sent to another host are forwarded to it).
    online: bool = False
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    _wire: ClassVar[dict[str, str]] = {'id': 'id', 'name': 'name', 'online': 'online'}


@dataclass(eq=False)
class SessionPage(Model):
    """`SessionPage` of the API."""

    #: Pass as `cursor` for the next page; null on the last page.
    next_cursor: str | None = None
    #: Set when no turn can run (no account for a provider that needs one), with what to do.
    notice: str | None = None
    sessions: list[Session] = field(default_factory=list)
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    _wire: ClassVar[dict[str, str]] = {'next_cursor': 'nextCursor', 'notice': 'notice', 'sessions': 'sessions'}


@dataclass(eq=False)
class Setting(Model):
    """`Setting` of the API."""

    key: str = ""
    updated_at: str = ""
    #: Any JSON value, as it was set.
    value: Any = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    _wire: ClassVar[dict[str, str]] = {'key': 'key', 'updated_at': 'updatedAt', 'value': 'value'}


@dataclass(eq=False)
class ShellCommand(Model):
    """`ShellCommand` of the API."""

    #: Runs unsandboxed, as the user would type `!command`.
    command: str = ""
    timeout_ms: int | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    _wire: ClassVar[dict[str, str]] = {'command': 'command', 'timeout_ms': 'timeoutMs'}


@dataclass(eq=False)
class SkillEnablement(Model):
    """`SkillEnablement` of the API."""

    enabled: bool = False
    #: The skill's path (as `GET /api/skills` lists it), when the name is ambiguous.
    path: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    _wire: ClassVar[dict[str, str]] = {'enabled': 'enabled', 'path': 'path'}


@dataclass(eq=False)
class StartReview(Model):
    """`StartReview` of the API."""

    #: `inline` (in this session, the default) or `detached` (a separate review thread).
    delivery: str | None = None
    target: ReviewTarget = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    _wire: ClassVar[dict[str, str]] = {'delivery': 'delivery', 'target': 'target'}


@dataclass(eq=False)
class SteerMessage(Model):
    """`SteerMessage` of the API."""

    #: Added to the running turn's input.
    text: str = ""
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    _wire: ClassVar[dict[str, str]] = {'text': 'text'}


@dataclass(eq=False)
class TokenCounts(Model):
    """Token counts, in app-server's breakdown."""

    cached_input: int = 0
    input: int = 0
    output: int = 0
    reasoning: int = 0
    total: int = 0
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    _wire: ClassVar[dict[str, str]] = {'cached_input': 'cachedInput', 'input': 'input', 'output': 'output', 'reasoning': 'reasoning', 'total': 'total'}


@dataclass(eq=False)
class ToolSpec(Model):
    """`ToolSpec` of the API."""

    description: str = ""
    #: `input_schema` in plugin.toml; `inputSchema` in the API, like every other field.
    input_schema: dict[str, Any] = field(default_factory=dict)
    name: str = ""
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    _wire: ClassVar[dict[str, str]] = {'description': 'description', 'input_schema': 'inputSchema', 'name': 'name'}


@dataclass(eq=False)
class Transcript(Model):
    """`Transcript` of the API."""

    next_cursor: str | None = None
    #: Turns with their items, as app-server reports them (`ThreadItem` objects in `items`).
    turns: list[dict[str, Any]] = field(default_factory=list)
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    _wire: ClassVar[dict[str, str]] = {'next_cursor': 'nextCursor', 'turns': 'turns'}


@dataclass(eq=False)
class TurnAccepted(Model):
    """`TurnAccepted` of the API."""

    #: Why the turn failed or was interrupted (replayed answers only).
    error: str | None = None
    #: True when this answers a retry with an `Idempotency-Key` already used: no new turn was started.
    replayed: bool = False
    session_id: str = ""
    #: `inProgress` when accepted; follow the turn on the event stream. A replayed answer carries the turn's
    #: status now, from the host's turn record (a final state once the turn ended, also after a host crash).
    status: TurnStatus | str = ""
    turn_id: str = ""
    #: The turn went to Codex, but a budget is spent (or Codex's usage limit is reached): automated turns wait,
    #: and this one may be refused by Codex or go over the budget.
    warning: UsageLimit | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    _wire: ClassVar[dict[str, str]] = {'error': 'error', 'replayed': 'replayed', 'session_id': 'sessionId', 'status': 'status', 'turn_id': 'turnId', 'warning': 'warning'}


@dataclass(eq=False)
class TurnRecord(TurnRecordMixin, Model):
    """One turn as the host recorded it."""

    #: Seq of the `turn.completed` event that ended it (null while it runs).
    end_seq: int | None = None
    ended_at: str | None = None
    #: Why it failed or was interrupted.
    error: str | None = None
    #: The last assistant message of the turn (for a reply cut short, what it streamed before the end).
    final_text: str | None = None
    id: str = ""
    session_id: str = ""
    #: Seq of the turn's `turn.started` event (null when the host never logged one, e.g. it died first).
    start_seq: int | None = None
    started_at: str = ""
    status: TurnStatus | str = ""
    #: The tokens it used, from app-server's `thread/tokenUsage/updated` (absent until one arrived).
    tokens: TokenCounts | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    _wire: ClassVar[dict[str, str]] = {'end_seq': 'endSeq', 'ended_at': 'endedAt', 'error': 'error', 'final_text': 'finalText', 'id': 'id', 'session_id': 'sessionId', 'start_seq': 'startSeq', 'started_at': 'startedAt', 'status': 'status', 'tokens': 'tokens'}


@dataclass(eq=False)
class TurnRecordPage(Model):
    """`TurnRecordPage` of the API."""

    next_cursor: str | None = None
    turns: list[TurnRecord] = field(default_factory=list)
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    _wire: ClassVar[dict[str, str]] = {'next_cursor': 'nextCursor', 'turns': 'turns'}


@dataclass(eq=False)
class UpdateProject(Model):
    """`UpdateProject` of the API."""

    cwd: str | None = None
    name: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    _wire: ClassVar[dict[str, str]] = {'cwd': 'cwd', 'name': 'name'}


@dataclass(eq=False)
class UpdateRoutine(Model):
    """A change to a routine: each field when given; `null` clears `schedule`, `prompt`, `jobKind`, `payload`,
    `sessionId`, `projectId` (the result must still be a valid routine).
    """

    catch_up: CatchUp | str | None = None
    job_kind: str | None = None
    name: str | None = None
    payload: dict[str, Any] | None = None
    project_id: str | None = None
    prompt: str | None = None
    schedule: str | None = None
    session_id: str | None = None
    state: RoutineState | str | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    _wire: ClassVar[dict[str, str]] = {'catch_up': 'catchUp', 'job_kind': 'jobKind', 'name': 'name', 'payload': 'payload', 'project_id': 'projectId', 'prompt': 'prompt', 'schedule': 'schedule', 'session_id': 'sessionId', 'state': 'state'}


@dataclass(eq=False)
class UpdateSession(Model):
    """`UpdateSession` of the API."""

    archived: bool | None = None
    #: Move to this project; `""` moves it out of any project.
    project_id: str | None = None
    title: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    _wire: ClassVar[dict[str, str]] = {'archived': 'archived', 'project_id': 'projectId', 'title': 'title'}


@dataclass(eq=False)
class UsageLimit(Model):
    """Why automation may not start a turn now, and until when."""

    kind: LimitKind | str = ""
    #: The project whose budget is spent (`budget` per project); null for the host-wide ones.
    project_id: str | None = None
    #: In words, for people.
    reason: str = ""
    #: When it lifts by itself (RFC 3339): the reset Codex named; when it named none, five minutes on, when the host
    #: looks again (the reason says so).
    resets_at: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    _wire: ClassVar[dict[str, str]] = {'kind': 'kind', 'project_id': 'projectId', 'reason': 'reason', 'resets_at': 'resetsAt'}


@dataclass(eq=False)
class UsageReport(Model):
    """Tokens used by the turns a query covers, per UTC day and in all."""

    #: Days with usage, oldest first.
    days: list[DayUsage] = field(default_factory=list)
    from_: str = ""
    project_id: str | None = None
    session_id: str | None = None
    to: str = ""
    tokens: TokenCounts = field(default_factory=lambda: TokenCounts())
    turns: int = 0
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    _wire: ClassVar[dict[str, str]] = {'days': 'days', 'from_': 'from', 'project_id': 'projectId', 'session_id': 'sessionId', 'to': 'to', 'tokens': 'tokens', 'turns': 'turns'}


# Nested models, lists of them and enums, decoded field by field.
Assessment._conv = {'risk': enum_of(Risk)}
Budgets._conv = {'budgets': list_of(model(Budget))}
CapabilityReport._conv = {'codex': model(CodexVersion)}
CodexVersion._conv = {'support': enum_of(CodexSupport)}
ConfigBatch._conv = {'edits': list_of(model(ConfigEdit))}
ConfigEdit._conv = {'merge_strategy': enum_of(MergeStrategy)}
ControlsView._conv = {'defaults': model(SessionControls), 'effective': model(SessionControls), 'own': model(SessionControls)}
CreateRoutine._conv = {'catch_up': enum_of(CatchUp), 'state': enum_of(RoutineState)}
CreateSession._conv = {'controls': model(SessionControls), 'dynamic_tools': list_of(model(DynamicTool))}
DayUsage._conv = {'tokens': model(TokenCounts)}
EditFollowup._conv = {'mode': enum_of(TurnMode)}
ErrorBody._conv = {'code': enum_of(ErrorCode)}
ErrorResponse._conv = {'error': model(ErrorBody)}
EventPage._conv = {'events': list_of(model(EventEnvelope))}
ExecRequest._conv = {'sandbox': enum_of(SandboxMode)}
Followup._conv = {'mode': enum_of(TurnMode), 'status': enum_of(FollowupStatus)}
FollowupList._conv = {'followups': list_of(model(Followup)), 'queue': model(FollowupQueue)}
FollowupQueue._conv = {'limit': model(UsageLimit), 'reason': enum_of(PauseReason)}
FollowupQueued._conv = {'followup': model(Followup)}
Host._conv = {'state': enum_of(HostState)}
HostFacts._conv = {'store': enum_of(StoreEngine)}
HostList._conv = {'hosts': list_of(model(Host))}
Inspection._conv = {'limits': model(Limits), 'requested': list_of(enum_of(Capability))}
InstallPlugin._conv = {'grant': list_of(enum_of(Capability))}
InterruptResult._conv = {'status': enum_of(InterruptStatus)}
Job._conv = {'error': model(JobError), 'history': list_of(model(JobTransition)), 'state': enum_of(JobState), 'waiting': model(UsageLimit)}
JobError._conv = {'kind': enum_of(JobErrorKind)}
JobKinds._conv = {'kinds': list_of(model(JobKind))}
JobPage._conv = {'jobs': list_of(model(Job))}
JobTransition._conv = {'from_state': enum_of(JobState), 'to_state': enum_of(JobState)}
LimitsStatus._conv = {'budgets': list_of(model(UsageLimit)), 'usage_limit': model(UsageLimit)}
NotePage._conv = {'notes': list_of(model(SessionNote))}
PendingRequest._conv = {'assessment': model(Assessment), 'family': enum_of(RequestFamily), 'kind': enum_of(RequestKind), 'status': enum_of(RequestStatus)}
PluginInfo._conv = {'granted': list_of(enum_of(Capability)), 'hosts': list_of(model(PluginHost)), 'limits': model(Limits), 'requested': list_of(enum_of(Capability)), 'tools': list_of(model(ToolSpec))}
ProtocolReport._conv = {'violations': list_of(model(ProtocolViolation))}
ProtocolViolation._conv = {'effect': enum_of(DriftEffect)}
Readiness._conv = {'codex': model(CodexVersion), 'host': model(HostFacts), 'limits': model(LimitsStatus), 'protocol': model(ProtocolReport), 'queue': model(QueueStats)}
Routine._conv = {'catch_up': enum_of(CatchUp), 'state': enum_of(RoutineState)}
RoutineCreated._conv = {'routine': model(Routine)}
RoutineList._conv = {'routines': list_of(model(Routine))}
RoutineRun._conv = {'job_state': enum_of(JobState), 'status': enum_of(RunStatus), 'trigger': enum_of(RunTrigger), 'waiting': model(UsageLimit)}
RoutineRunList._conv = {'runs': list_of(model(RoutineRun))}
SendMessage._conv = {'if_busy': enum_of(IfBusy), 'mode': enum_of(TurnMode)}
Session._conv = {'controls': model(SessionControls), 'followups': model(FollowupQueue), 'last_turn_status': enum_of(TurnStatus), 'owner': model(SessionOwner), 'status': enum_of(SessionStatus)}
SessionControls._conv = {'approval_policy': enum_of(ApprovalPolicy), 'sandbox': enum_of(SandboxMode)}
SessionDetail._conv = {'active_turn': model(TurnRecord), 'session': model(Session), 'transcript': model(Transcript)}
SessionPage._conv = {'sessions': list_of(model(Session))}
TurnAccepted._conv = {'status': enum_of(TurnStatus), 'warning': model(UsageLimit)}
TurnRecord._conv = {'status': enum_of(TurnStatus), 'tokens': model(TokenCounts)}
TurnRecordPage._conv = {'turns': list_of(model(TurnRecord))}
UpdateRoutine._conv = {'catch_up': enum_of(CatchUp), 'state': enum_of(RoutineState)}
UsageLimit._conv = {'kind': enum_of(LimitKind)}
UsageReport._conv = {'days': list_of(model(DayUsage)), 'tokens': model(TokenCounts)}

__all__ = [
    'ApprovalPolicy',
    'Assessment',
    'Budget',
    'Budgets',
    'Capability',
    'CapabilityReport',
    'CatchUp',
    'CodexSupport',
    'CodexVersion',
    'ConfigBatch',
    'ConfigEdit',
    'ControlsView',
    'CreateProject',
    'CreateRoutine',
    'CreateSession',
    'DayUsage',
    'DriftEffect',
    'DynamicTool',
    'EditFollowup',
    'EnqueueJob',
    'ErrorBody',
    'ErrorCode',
    'ErrorResponse',
    'EventEnvelope',
    'EventPage',
    'EventType',
    'ExecRequest',
    'FeatureEnablement',
    'Feedback',
    'Followup',
    'FollowupList',
    'FollowupQueue',
    'FollowupQueued',
    'FollowupStatus',
    'Health',
    'HookState',
    'Host',
    'HostFacts',
    'HostList',
    'HostState',
    'IfBusy',
    'Inspection',
    'InstallPlugin',
    'InterruptResult',
    'InterruptStatus',
    'Job',
    'JobError',
    'JobErrorKind',
    'JobKind',
    'JobKinds',
    'JobPage',
    'JobState',
    'JobTransition',
    'LimitKind',
    'Limits',
    'LimitsStatus',
    'LoginLink',
    'LoginRequest',
    'McpLogin',
    'MergeStrategy',
    'MoveSessions',
    'NotePage',
    'PauseReason',
    'PendingRequest',
    'PluginCall',
    'PluginHost',
    'PluginInfo',
    'PluginPackage',
    'PluginSettings',
    'Project',
    'ProtocolReport',
    'ProtocolViolation',
    'QueueStats',
    'Readiness',
    'ReorderFollowups',
    'RequestFamily',
    'RequestKind',
    'RequestStatus',
    'RespondToRequest',
    'Revert',
    'ReviewTarget',
    'Risk',
    'Routine',
    'RoutineCreated',
    'RoutineList',
    'RoutineRun',
    'RoutineRunList',
    'RoutineSecret',
    'RoutineState',
    'RunStatus',
    'RunTrigger',
    'SandboxMode',
    'SchedulePreview',
    'SendMessage',
    'SendOutcome',
    'Session',
    'SessionControls',
    'SessionDetail',
    'SessionIds',
    'SessionNote',
    'SessionOwner',
    'SessionPage',
    'SessionStatus',
    'Setting',
    'ShellCommand',
    'SkillEnablement',
    'StartReview',
    'SteerMessage',
    'StoreEngine',
    'TokenCounts',
    'ToolSpec',
    'Transcript',
    'TurnAccepted',
    'TurnMode',
    'TurnRecord',
    'TurnRecordPage',
    'TurnStatus',
    'UpdateProject',
    'UpdateRoutine',
    'UpdateSession',
    'UsageLimit',
    'UsageReport',
]
