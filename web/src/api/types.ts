// The API's shapes, as the UI names them: the generated types (generated.ts, from docs/openapi.json) re-exported
// or aliased. Where the document leaves a field an open object (app-server's payloads: items, turns, event data,
// runtime and account details, whose shapes are Codex's and move fast), the alias narrows it to what the UI reads
// and the rest is shown as JSON.
import type * as G from "./generated";

export type {
  Assessment,
  ControlsView,
  Followup,
  FollowupList,
  FollowupQueue,
  FollowupQueued,
  PauseReason,
  SendOutcome,
  Inspection,
  Job,
  JobError,
  JobKind,
  JobState,
  JobTransition,
  OperationId,
  PluginCall,
  PluginInfo,
  PluginSettings,
  Project,
  ReviewTarget,
  Routine,
  RoutineCreated,
  RoutineRun,
  RunStatus,
  SchedulePreview,
  Session,
  SessionOwner,
  SessionControls,
  SessionNote,
  SessionPage,
  SessionStatus,
  TurnRecord,
  TurnRecordPage,
  TurnStatus,
} from "./generated";

export type Json = unknown;
export type Obj = Record<string, any>;

/** A pending (or settled) request: `params`, `item` and `decision` are app-server's shapes, read field by field. */
export type PendingRequest = Omit<G.PendingRequest, "params" | "item" | "decision"> & { params: Obj; item?: Obj | null; decision?: any };

/** An event as the event log and the stream carry it; `data` is the host's or app-server's payload. */
export type Envelope = Omit<G.EventEnvelope, "data"> & { data: any };

/** A turn as app-server reports it in a transcript (the document leaves it an open object). */
export interface Turn {
  id: string;
  status: string;
  items: Obj[];
  error: { message?: string } | null;
  startedAt?: number | null;
  completedAt?: number | null;
  durationMs?: number | null;
}

export type Transcript = Omit<G.Transcript, "turns"> & { turns: Turn[] };

export type SessionDetail = Omit<G.SessionDetail, "transcript"> & { transcript?: Transcript | null };

/** `GET /api/ready`: `runtime` and `account` are open objects in the document; these are the fields shown. */
export type Ready = Omit<G.Readiness, "runtime" | "account"> & {
  runtime: { status: string; userAgent?: string | null; lastError?: string | null; restarts?: number };
  account?: { notice?: string | null } | null;
};

export type JobStats = G.QueueStats;
export type SessionSetting = G.Setting;

/** `thread/tokenUsage/updated` (the `session.token_usage` event's data): app-server's shape. */
export interface TokenBreakdown {
  totalTokens: number;
  inputTokens: number;
  cachedInputTokens: number;
  outputTokens: number;
  reasoningOutputTokens: number;
}
export interface TokenUsage {
  total: TokenBreakdown;
  last: TokenBreakdown;
  modelContextWindow?: number | null;
}

/** One window of `GET /api/account/rate-limits` (app-server's `account/rateLimits/read`). */
export interface RateLimitWindow {
  usedPercent: number;
  windowDurationMins?: number | null;
  resetsAt?: number | null;
}
export interface RateLimitSnapshot {
  limitId?: string | null;
  limitName?: string | null;
  primary?: RateLimitWindow | null;
  secondary?: RateLimitWindow | null;
  planType?: string | null;
  credits?: { hasCredits: boolean; unlimited: boolean; balance?: string | null } | null;
}
export interface RateLimits {
  rateLimits?: RateLimitSnapshot | null;
  rateLimitsByLimitId?: Record<string, RateLimitSnapshot> | null;
}

/** `GET /api/mcp/servers` (app-server's `mcpServerStatus/list`). */
export interface McpServerStatus {
  name: string;
  authStatus?: "unknown" | "unsupported" | "notLoggedIn" | "bearerToken" | "oAuth" | string;
  runtimeStatus?: string | null;
  tools?: Record<string, unknown>;
  toolsError?: string | null;
}

/** `GET /api/skills` (app-server's `skills/list`): per working directory, its skills. */
export interface Skill {
  name: string;
  description: string;
  enabled: boolean;
  path: string;
  scope: string;
  shortDescription?: string | null;
}
export interface SkillsList {
  data: { cwd: string; skills: Skill[]; errors: { message: string; path: string }[] }[];
}

/** `GET /api/features` (app-server's `experimentalFeature/list`). */
export interface Feature {
  name: string;
  enabled: boolean;
  defaultEnabled: boolean;
  stage: string;
  displayName?: string | null;
  description?: string | null;
}
export interface FeatureList {
  data: Feature[];
  nextCursor?: string | null;
}
