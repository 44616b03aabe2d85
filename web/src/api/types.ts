// Shapes of the host's API (docs/api.md, docs/openapi.json). App-server payloads (items, turns) stay loosely
// typed: they are Codex's and move fast, so the UI reads the fields it knows and shows the rest as JSON.

export type Json = unknown;
export type Obj = Record<string, any>;

export interface Envelope {
  seq: number;
  ts: string;
  type: string;
  sessionId: string | null;
  turnId: string | null;
  projectId: string | null;
  data: any;
}

export type SessionStatus =
  | "idle"
  | "running"
  | "waiting_on_approval"
  | "waiting_on_input"
  | "waiting_on_tool"
  | "failed";

export interface SessionControls {
  model?: string | null;
  reasoningEffort?: string | null;
  approvalPolicy?: string | null;
  sandbox?: string | null;
  networkAccess?: boolean | null;
}

export interface Session {
  id: string;
  threadId: string;
  projectId: string | null;
  title: string | null;
  cwd: string;
  archived: boolean;
  forkedFrom: string | null;
  status: SessionStatus;
  activeTurnId: string | null;
  lastTurnStatus: string | null;
  lastError: string | null;
  controls: SessionControls;
  loaded: boolean;
  pendingRequests: number;
  dynamicTools: string[];
  /** The plugin whose hidden worker session this is; never shown as a chat. */
  workerOf?: string | null;
  createdAt: string;
  updatedAt: string;
  lastActivityAt: string;
}

/** A turn as the host recorded it (`GET /api/sessions/{id}/turns/{turnId}`). */
export interface TurnRecord {
  id: string;
  sessionId: string;
  status: "inProgress" | "completed" | "interrupted" | "failed";
  /** Seq of its `turn.started` (null when the host never logged one). */
  startSeq: number | null;
  endSeq: number | null;
  startedAt: string;
  endedAt: string | null;
  finalText: string | null;
  error: string | null;
}

/** `GET /api/sessions/{id}`: what opening a chat needs, in one call. */
export interface SessionDetail {
  session: Session;
  transcript: Transcript | null;
  /** The running turn's record, with where its events start. */
  activeTurn?: TurnRecord | null;
}

export interface SessionPage {
  sessions: Session[];
  nextCursor: string | null;
  notice: string | null;
}

export interface Project {
  id: string;
  name: string;
  cwd: string;
  sessionCount: number;
  createdAt: string;
  updatedAt: string;
}

export interface Turn {
  id: string;
  status: string;
  items: Obj[];
  error: { message?: string } | null;
  startedAt?: number | null;
  completedAt?: number | null;
  durationMs?: number | null;
}

export interface Transcript {
  turns: Turn[];
  nextCursor: string | null;
}

export interface PendingRequest {
  id: string;
  sessionId: string | null;
  projectId: string | null;
  threadId: string | null;
  turnId: string | null;
  itemId: string | null;
  kind: string;
  family: "approval" | "tool_input" | "tool_call";
  method: string;
  status: "pending" | "resolved" | "expired";
  params: Obj;
  item: Obj | null;
  decision: Json | null;
  decidedBy: string | null;
  reason: string | null;
  createdAt: string;
  resolvedAt: string | null;
}

export interface Ready {
  ready: boolean;
  lastSeq: number;
  runtime: { status: string; userAgent?: string | null; lastError?: string | null; restarts?: number };
  account?: { notice?: string | null } | null;
}

export interface PluginInfo {
  id: string;
  version: string;
  description: string;
  wit: string;
  hostWit: string;
  priority: number;
  enabled: boolean;
  disabledReason: string | null;
  consecutiveFailures: number;
  events: string[];
  jobs: string[];
  tools: Obj[];
  requested: string[];
  granted: string[];
  httpAllow: string[];
  limits: Obj;
  installedAt: string;
  updatedAt: string;
}

export interface Inspection {
  id: string;
  version: string;
  description: string;
  requested: string[];
  httpAllow: string[];
  events: string[];
  jobs: string[];
  tools: string[];
  limits: Obj;
  replaces: string | null;
}

export interface PluginCall {
  id: string | number;
  trigger: string;
  startedAt: string;
  durationUs: number;
  outcome: string;
  error: string | null;
  denials: string[];
}

export type JobState = "queued" | "running" | "succeeded" | "failed" | "canceled";

export interface Job {
  id: string;
  kind: string;
  pluginId: string | null;
  state: JobState;
  payload: Json;
  sessionId: string | null;
  projectId: string | null;
  priority: number;
  dedupeKey: string | null;
  attempt: number;
  maxAttempts: number;
  runAfter: string | null;
  createdAt: string;
  updatedAt: string;
  startedAt?: string | null;
  finishedAt?: string | null;
  createdBy?: string | null;
  cancelRequested?: boolean;
  result: Json;
  error: { kind: string; message: string } | null;
  history?: { at: string; fromState: string | null; toState: string; attempt: number; detail: string | null }[];
}

export interface SessionNote {
  id: string;
  sessionId: string;
  turnId?: string | null;
  pluginId: string | null;
  kind: string;
  title: string | null;
  body: string;
  data: Json;
  createdAt: string;
}

export interface JobStats {
  queued: number;
  running: number;
  oldestQueuedAgeMs: number | null;
  capacity: number;
}

export interface SessionSetting {
  key: string;
  value: Json;
  updatedAt?: string;
}
