// GENERATED from docs/openapi.json by `python3 scripts/gen_clients`. Do not edit by hand.
//! Every operation of the host's API, by its stable operationId: the only place the CLI spells a route.

use super::Op;

/// `DELETE /api/account/logins/{loginId}`
pub const ACCOUNT_CANCEL_LOGIN: Op = Op { id: "account.cancel_login", method: "DELETE", path: "/api/account/logins/{loginId}", path_params: &["loginId"], query: &[], headers: &[], body: None, response: Some("object") };

/// `POST /api/account/logins`: Start a login. Follow it with `GET /api/account/logins/{loginId}` or the `app_server.account/login/completed` event.
pub const ACCOUNT_LOGIN: Op = Op { id: "account.login", method: "POST", path: "/api/account/logins", path_params: &[], query: &[], headers: &[], body: Some("LoginRequest"), response: Some("object") };

/// `GET /api/account/logins/{loginId}`: A login's state: `pending`, `succeeded` or `failed` (with app-server's error).
pub const ACCOUNT_LOGIN_STATE: Op = Op { id: "account.login_state", method: "GET", path: "/api/account/logins/{loginId}", path_params: &["loginId"], query: &[], headers: &[], body: None, response: Some("object") };

/// `POST /api/account/logout`
pub const ACCOUNT_LOGOUT: Op = Op { id: "account.logout", method: "POST", path: "/api/account/logout", path_params: &[], query: &[], headers: &[], body: None, response: Some("object") };

/// `GET /api/account/rate-limits`
pub const ACCOUNT_RATE_LIMITS: Op = Op { id: "account.rate_limits", method: "GET", path: "/api/account/rate-limits", path_params: &[], query: &[], headers: &[], body: None, response: Some("object") };

/// `GET /api/account`: The account app-server uses, and whether the configured provider needs one.
pub const ACCOUNT_READ: Op = Op { id: "account.read", method: "GET", path: "/api/account", path_params: &[], query: &[], headers: &[], body: None, response: Some("object") };

/// `GET /api/account/usage`
pub const ACCOUNT_USAGE: Op = Op { id: "account.usage", method: "GET", path: "/api/account/usage", path_params: &[], query: &[], headers: &[], body: None, response: Some("object") };

/// `GET /login`: Exchange a one-time login code for the session cookie, then go to the web UI.
pub const AUTH_LOGIN: Op = Op { id: "auth.login", method: "GET", path: "/login", path_params: &[], query: &["code"], headers: &[], body: None, response: None };

/// `POST /api/login-links`: Issue a new one-time login link for the web UI (for `codex-manager login-link`).
pub const AUTH_NEW_LINK: Op = Op { id: "auth.new_link", method: "POST", path: "/api/login-links", path_params: &[], query: &[], headers: &[], body: None, response: Some("LoginLink") };

/// `GET /api/capabilities`: What the connected codex supports, by route group, so clients can grey out what is missing.
pub const CAPABILITIES_CAPABILITIES: Op = Op { id: "capabilities.capabilities", method: "GET", path: "/api/capabilities", path_params: &[], query: &[], headers: &[], body: None, response: Some("CapabilityReport") };

/// `POST /api/feedback`: Send feedback (with logs, and the session's thread if named) to OpenAI through codex.
pub const CAPABILITIES_FEEDBACK: Op = Op { id: "capabilities.feedback", method: "POST", path: "/api/feedback", path_params: &[], query: &[], headers: &[], body: Some("Feedback"), response: Some("object") };

/// `GET /api/collaboration-modes`: Collaboration modes (for `mode` on a message).
pub const CATALOG_COLLABORATION_MODES: Op = Op { id: "catalog.collaboration_modes", method: "GET", path: "/api/collaboration-modes", path_params: &[], query: &[], headers: &[], body: None, response: Some("object") };

/// `PUT /api/features/{name}`: Turn an experimental feature on or off.
pub const CATALOG_FEATURE_ENABLE: Op = Op { id: "catalog.feature_enable", method: "PUT", path: "/api/features/{name}", path_params: &["name"], query: &[], headers: &[], body: Some("FeatureEnablement"), response: Some("object") };

/// `GET /api/features`: Experimental features and whether each is on.
pub const CATALOG_FEATURES: Op = Op { id: "catalog.features", method: "GET", path: "/api/features", path_params: &[], query: &[], headers: &[], body: None, response: Some("object") };

/// `PUT /api/hooks/state`: Enable or disable a hook. app-server 0.169 has no method for it; Codex keeps the state in its user config under
pub const CATALOG_HOOK_STATE: Op = Op { id: "catalog.hook_state", method: "PUT", path: "/api/hooks/state", path_params: &[], query: &[], headers: &[], body: Some("HookState"), response: Some("object") };

/// `GET /api/hooks`
pub const CATALOG_HOOKS: Op = Op { id: "catalog.hooks", method: "GET", path: "/api/hooks", path_params: &[], query: &[], headers: &[], body: None, response: Some("object") };

/// `POST /api/mcp/servers/{name}/login`: Start an MCP server's OAuth login; the answer carries the URL to open.
pub const CATALOG_MCP_LOGIN: Op = Op { id: "catalog.mcp_login", method: "POST", path: "/api/mcp/servers/{name}/login", path_params: &["name"], query: &[], headers: &[], body: Some("McpLogin"), response: Some("object") };

/// `POST /api/mcp/reload`: Reload MCP server configuration.
pub const CATALOG_MCP_RELOAD: Op = Op { id: "catalog.mcp_reload", method: "POST", path: "/api/mcp/reload", path_params: &[], query: &[], headers: &[], body: None, response: Some("object") };

/// `GET /api/mcp/servers`: MCP servers with their status and tools.
pub const CATALOG_MCP_SERVERS: Op = Op { id: "catalog.mcp_servers", method: "GET", path: "/api/mcp/servers", path_params: &[], query: &[], headers: &[], body: None, response: Some("object") };

/// `GET /api/models`: Models, with their provider, reasoning efforts and defaults.
pub const CATALOG_MODELS: Op = Op { id: "catalog.models", method: "GET", path: "/api/models", path_params: &[], query: &["includeHidden", "modelProvider", "limit", "cursor"], headers: &[], body: None, response: Some("object") };

/// `GET /api/model-providers`
pub const CATALOG_PROVIDERS: Op = Op { id: "catalog.providers", method: "GET", path: "/api/model-providers", path_params: &[], query: &[], headers: &[], body: None, response: Some("object") };

/// `PUT /api/skills/{name}/enabled`: Enable or disable a skill.
pub const CATALOG_SKILL_ENABLE: Op = Op { id: "catalog.skill_enable", method: "PUT", path: "/api/skills/{name}/enabled", path_params: &["name"], query: &[], headers: &[], body: Some("SkillEnablement"), response: Some("object") };

/// `GET /api/skills`
pub const CATALOG_SKILLS: Op = Op { id: "catalog.skills", method: "GET", path: "/api/skills", path_params: &[], query: &[], headers: &[], body: None, response: Some("object") };

/// `GET /api/config`: The effective, merged config app-server runs with.
pub const CONFIG_READ: Op = Op { id: "config.read", method: "GET", path: "/api/config", path_params: &[], query: &[], headers: &[], body: None, response: Some("object") };

/// `GET /api/config/requirements`: Managed requirements (allow-lists and the like), or null.
pub const CONFIG_REQUIREMENTS: Op = Op { id: "config.requirements", method: "GET", path: "/api/config/requirements", path_params: &[], query: &[], headers: &[], body: None, response: Some("object") };

/// `POST /api/config/batch`: Write several values at once.
pub const CONFIG_WRITE_BATCH: Op = Op { id: "config.write_batch", method: "POST", path: "/api/config/batch", path_params: &[], query: &[], headers: &[], body: Some("ConfigBatch"), response: Some("object") };

/// `PUT /api/config/value`: Write one value.
pub const CONFIG_WRITE_VALUE: Op = Op { id: "config.write_value", method: "PUT", path: "/api/config/value", path_params: &[], query: &[], headers: &[], body: Some("ConfigEdit"), response: Some("object") };

/// `GET /api/controls/defaults`: Defaults for every session's unset controls.
pub const CONTROLS_GET_DEFAULTS: Op = Op { id: "controls.get_defaults", method: "GET", path: "/api/controls/defaults", path_params: &[], query: &[], headers: &[], body: None, response: Some("SessionControls") };

/// `GET /api/sessions/{id}/controls`: The session's own controls, the defaults, and what its next turn will use.
pub const CONTROLS_GET_SESSION: Op = Op { id: "controls.get_session", method: "GET", path: "/api/sessions/{id}/controls", path_params: &["id"], query: &[], headers: &[], body: None, response: Some("ControlsView") };

/// `PUT /api/controls/defaults`
pub const CONTROLS_PUT_DEFAULTS: Op = Op { id: "controls.put_defaults", method: "PUT", path: "/api/controls/defaults", path_params: &[], query: &[], headers: &[], body: Some("SessionControls"), response: Some("SessionControls") };

/// `PUT /api/sessions/{id}/controls`: Replace the session's own controls; they apply from the next turn. Absent fields inherit the defaults.
pub const CONTROLS_PUT_SESSION: Op = Op { id: "controls.put_session", method: "PUT", path: "/api/sessions/{id}/controls", path_params: &["id"], query: &[], headers: &[], body: Some("SessionControls"), response: Some("ControlsView") };

/// `GET /api/events`: Events after `since`, oldest first, filtered.
pub const EVENTS_LIST: Op = Op { id: "events.list", method: "GET", path: "/api/events", path_params: &[], query: &["since", "sessions", "projects", "types", "exclude", "limit"], headers: &[], body: None, response: Some("EventPage") };

/// `GET /api/stream`: Websocket of event envelopes (text frames). Reconnect with `since=<last seq>` to get exactly what you missed.
pub const EVENTS_STREAM: Op = Op { id: "events.stream", method: "GET", path: "/api/stream", path_params: &[], query: &["since", "sessions", "projects", "types", "exclude", "limit"], headers: &[], body: None, response: None };

/// `POST /api/exec`: Run one command and wait for it.
pub const EXEC_EXEC: Op = Op { id: "exec.exec", method: "POST", path: "/api/exec", path_params: &[], query: &[], headers: &[], body: Some("ExecRequest"), response: Some("object") };

/// `PATCH /api/sessions/{id}/followups/{followupId}`: Change a queued follow-up's text or mode (only while it is `queued`).
pub const FOLLOWUPS_EDIT: Op = Op { id: "followups.edit", method: "PATCH", path: "/api/sessions/{id}/followups/{followupId}", path_params: &["id", "followupId"], query: &[], headers: &[], body: Some("EditFollowup"), response: Some("Followup") };

/// `GET /api/sessions/{id}/followups`: The session's follow-up queue: its state, and the follow-ups waiting, in the order they will start (with
pub const FOLLOWUPS_LIST: Op = Op { id: "followups.list", method: "GET", path: "/api/sessions/{id}/followups", path_params: &["id"], query: &["history"], headers: &[], body: None, response: Some("FollowupList") };

/// `POST /api/sessions/{id}/followups/pause`: Pause the queue (reason `user`): nothing starts until it is resumed.
pub const FOLLOWUPS_PAUSE: Op = Op { id: "followups.pause", method: "POST", path: "/api/sessions/{id}/followups/pause", path_params: &["id"], query: &[], headers: &[], body: None, response: Some("FollowupQueue") };

/// `DELETE /api/sessions/{id}/followups/{followupId}`: Take a queued follow-up out of the queue (it is kept as `removed`).
pub const FOLLOWUPS_REMOVE: Op = Op { id: "followups.remove", method: "DELETE", path: "/api/sessions/{id}/followups/{followupId}", path_params: &["id", "followupId"], query: &[], headers: &[], body: None, response: Some("Followup") };

/// `PUT /api/sessions/{id}/followups/order`: Set the queue's order: `ids` names every queued follow-up exactly once, first to start first.
pub const FOLLOWUPS_REORDER: Op = Op { id: "followups.reorder", method: "PUT", path: "/api/sessions/{id}/followups/order", path_params: &["id"], query: &[], headers: &[], body: Some("ReorderFollowups"), response: Some("FollowupList") };

/// `POST /api/sessions/{id}/followups/resume`: Resume a paused queue, whatever paused it: its next follow-up starts as soon as the session is idle.
pub const FOLLOWUPS_RESUME: Op = Op { id: "followups.resume", method: "POST", path: "/api/sessions/{id}/followups/resume", path_params: &["id"], query: &[], headers: &[], body: None, response: Some("FollowupQueue") };

/// `GET /api/health`: The host is alive (it answers). Says nothing about app-server: see `/api/ready`.
pub const HEALTH_HEALTH: Op = Op { id: "health.health", method: "GET", path: "/api/health", path_params: &[], query: &[], headers: &[], body: None, response: Some("Health") };

/// `GET /api/ready`: Whether the host can do work now: 200 when ready, 503 with the same body and a `reason` when not (for
pub const HEALTH_READY: Op = Op { id: "health.ready", method: "GET", path: "/api/ready", path_params: &[], query: &[], headers: &[], body: None, response: Some("Readiness") };

/// `GET /api/hosts`: Every host that runs on this store (several share a PostgreSQL database; SQLite has one), with whether each is
pub const HOSTS_LIST: Op = Op { id: "hosts.list", method: "GET", path: "/api/hosts", path_params: &[], query: &[], headers: &[], body: None, response: Some("HostList") };

/// `POST /api/jobs/{id}/cancel`: Cancel a job. Answers with its final state once it has stopped: a running job's plugin call is dropped and
pub const JOBS_CANCEL: Op = Op { id: "jobs.cancel", method: "POST", path: "/api/jobs/{id}/cancel", path_params: &["id"], query: &[], headers: &["X-Codex-Manager-Client"], body: None, response: Some("Job") };

/// `POST /api/jobs`: Enqueue a job of a kind an enabled plugin declares. 201 with the new job; 200 with the existing one when a job
pub const JOBS_ENQUEUE: Op = Op { id: "jobs.enqueue", method: "POST", path: "/api/jobs", path_params: &[], query: &[], headers: &["X-Codex-Manager-Client"], body: Some("EnqueueJob"), response: Some("Job") };

/// `GET /api/jobs/{id}`: A job with its history of transitions; with `?wait=`, once it finished (or the wait ran out).
pub const JOBS_GET: Op = Op { id: "jobs.get", method: "GET", path: "/api/jobs/{id}", path_params: &["id"], query: &["wait"], headers: &[], body: None, response: Some("Job") };

/// `GET /api/jobs/kinds`: The job kinds enabled plugins run, with their limits.
pub const JOBS_KINDS: Op = Op { id: "jobs.kinds", method: "GET", path: "/api/jobs/kinds", path_params: &[], query: &[], headers: &[], body: None, response: Some("JobKinds") };

/// `GET /api/jobs`: Jobs, newest first, filtered by state, kind, session or project.
pub const JOBS_LIST: Op = Op { id: "jobs.list", method: "GET", path: "/api/jobs", path_params: &[], query: &["state", "kind", "sessionId", "projectId", "limit", "cursor"], headers: &[], body: None, response: Some("JobPage") };

/// `POST /api/jobs/{id}/retry`: Queue a failed or canceled job again, from its first attempt.
pub const JOBS_RETRY: Op = Op { id: "jobs.retry", method: "POST", path: "/api/jobs/{id}/retry", path_params: &["id"], query: &[], headers: &["X-Codex-Manager-Client"], body: None, response: Some("Job") };

/// `GET /api/jobs/stats`: Queue depth: queued and running jobs, the oldest queued job's age, the capacity.
pub const JOBS_STATS: Op = Op { id: "jobs.stats", method: "GET", path: "/api/jobs/stats", path_params: &[], query: &[], headers: &[], body: None, response: Some("QueueStats") };

/// `GET /api/budgets`: Every daily token budget (host-wide and per project), with what today spent of each.
pub const LIMITS_GET_BUDGETS: Op = Op { id: "limits.get_budgets", method: "GET", path: "/api/budgets", path_params: &[], query: &[], headers: &[], body: None, response: Some("Budgets") };

/// `PUT /api/budgets`: Replace every budget. Once a day's turns (UTC) used a budget's tokens, automated turns it covers wait for the next
pub const LIMITS_SET_BUDGETS: Op = Op { id: "limits.set_budgets", method: "PUT", path: "/api/budgets", path_params: &[], query: &[], headers: &[], body: Some("Budgets"), response: Some("Budgets") };

/// `GET /api/limits`: What holds automated turns (follow-ups, worker turns, jobs, routines) back now: Codex's usage limit and spent
pub const LIMITS_STATUS: Op = Op { id: "limits.status", method: "GET", path: "/api/limits", path_params: &[], query: &[], headers: &[], body: None, response: Some("LimitsStatus") };

/// `GET /api/usage`: Tokens used per UTC day and in all, by the turns of a session, a project, or the whole host.
pub const LIMITS_USAGE: Op = Op { id: "limits.usage", method: "GET", path: "/api/usage", path_params: &[], query: &["sessionId", "projectId", "from", "to"], headers: &[], body: None, response: Some("UsageReport") };

/// `GET /api/sessions/{id}/notes`: A session's notes (turn reviews, suggested next requests, ...), oldest first. New ones arrive as
pub const NOTES_LIST: Op = Op { id: "notes.list", method: "GET", path: "/api/sessions/{id}/notes", path_params: &["id"], query: &["kind", "limit"], headers: &[], body: None, response: Some("NotePage") };

/// `GET /api/plugins/{id}/calls`: Recent calls, newest first: trigger, duration, outcome (`ok`, `error`, `trap`, `timeout`, `memory`,
pub const PLUGINS_CALLS: Op = Op { id: "plugins.calls", method: "GET", path: "/api/plugins/{id}/calls", path_params: &["id"], query: &["limit"], headers: &[], body: None, response: Some("[PluginCall]") };

/// `POST /api/plugins/{id}/disable`
pub const PLUGINS_DISABLE: Op = Op { id: "plugins.disable", method: "POST", path: "/api/plugins/{id}/disable", path_params: &["id"], query: &[], headers: &[], body: None, response: Some("PluginInfo") };

/// `POST /api/plugins/{id}/enable`: Switch a plugin on (also after the circuit breaker switched it off).
pub const PLUGINS_ENABLE: Op = Op { id: "plugins.enable", method: "POST", path: "/api/plugins/{id}/enable", path_params: &["id"], query: &[], headers: &[], body: None, response: Some("PluginInfo") };

/// `GET /api/plugins/{id}`
pub const PLUGINS_GET: Op = Op { id: "plugins.get", method: "GET", path: "/api/plugins/{id}", path_params: &["id"], query: &[], headers: &[], body: None, response: Some("PluginInfo") };

/// `GET /api/plugins/{id}/settings`: A plugin's settings: the values in force (the user's over the manifest's `[settings]` defaults), the defaults,
pub const PLUGINS_GET_SETTINGS: Op = Op { id: "plugins.get_settings", method: "GET", path: "/api/plugins/{id}/settings", path_params: &["id"], query: &[], headers: &[], body: None, response: Some("PluginSettings") };

/// `POST /api/plugins/inspect`: Validate a package without installing it: what it is and which capabilities it asks for.
pub const PLUGINS_INSPECT: Op = Op { id: "plugins.inspect", method: "POST", path: "/api/plugins/inspect", path_params: &[], query: &[], headers: &[], body: Some("PluginPackage"), response: Some("Inspection") };

/// `POST /api/plugins`: Install (or with `upgrade`, replace) a plugin with the capabilities granted. Checked in full before it goes
pub const PLUGINS_INSTALL: Op = Op { id: "plugins.install", method: "POST", path: "/api/plugins", path_params: &[], query: &[], headers: &[], body: Some("InstallPlugin"), response: Some("PluginInfo") };

/// `GET /api/plugins`: Installed plugins: version, WIT version, capabilities requested and granted, state, failures.
pub const PLUGINS_LIST: Op = Op { id: "plugins.list", method: "GET", path: "/api/plugins", path_params: &[], query: &[], headers: &[], body: None, response: Some("[PluginInfo]") };

/// `PUT /api/plugins/{id}/settings`: Change a plugin's settings: an object of keys to JSON values, each of its default's type; `null` goes back to
pub const PLUGINS_PUT_SETTINGS: Op = Op { id: "plugins.put_settings", method: "PUT", path: "/api/plugins/{id}/settings", path_params: &["id"], query: &[], headers: &[], body: Some("object"), response: Some("PluginSettings") };

/// `DELETE /api/plugins/{id}`
pub const PLUGINS_REMOVE: Op = Op { id: "plugins.remove", method: "DELETE", path: "/api/plugins/{id}", path_params: &["id"], query: &[], headers: &[], body: None, response: None };

/// `POST /api/projects`: Create a project (unique name, existing absolute working directory).
pub const PROJECTS_CREATE: Op = Op { id: "projects.create", method: "POST", path: "/api/projects", path_params: &[], query: &[], headers: &[], body: Some("CreateProject"), response: Some("Project") };

/// `DELETE /api/projects/{id}`: Delete a project; refused with 409 `project_not_empty` while it has sessions.
pub const PROJECTS_DELETE: Op = Op { id: "projects.delete", method: "DELETE", path: "/api/projects/{id}", path_params: &["id"], query: &[], headers: &[], body: None, response: None };

/// `DELETE /api/projects/{id}/sessions`: Delete all of a project's sessions, with their Codex threads.
pub const PROJECTS_DELETE_SESSIONS: Op = Op { id: "projects.delete_sessions", method: "DELETE", path: "/api/projects/{id}/sessions", path_params: &["id"], query: &[], headers: &[], body: None, response: Some("SessionIds") };

/// `GET /api/projects/{id}`
pub const PROJECTS_GET: Op = Op { id: "projects.get", method: "GET", path: "/api/projects/{id}", path_params: &["id"], query: &[], headers: &[], body: None, response: Some("Project") };

/// `GET /api/projects`: All projects, by name.
pub const PROJECTS_LIST: Op = Op { id: "projects.list", method: "GET", path: "/api/projects", path_params: &[], query: &[], headers: &[], body: None, response: Some("[Project]") };

/// `POST /api/projects/{id}/move-sessions`: Move all of a project's sessions to another project (or to none, with `toProjectId: null`).
pub const PROJECTS_MOVE_SESSIONS: Op = Op { id: "projects.move_sessions", method: "POST", path: "/api/projects/{id}/move-sessions", path_params: &["id"], query: &[], headers: &[], body: Some("MoveSessions"), response: Some("SessionIds") };

/// `PATCH /api/projects/{id}`: Rename a project or change its working directory.
pub const PROJECTS_UPDATE: Op = Op { id: "projects.update", method: "PATCH", path: "/api/projects/{id}", path_params: &["id"], query: &[], headers: &[], body: Some("UpdateProject"), response: Some("Project") };

/// `GET /api/sessions/{id}/requests/{requestId}`
pub const REQUESTS_GET: Op = Op { id: "requests.get", method: "GET", path: "/api/sessions/{id}/requests/{requestId}", path_params: &["id", "requestId"], query: &[], headers: &[], body: None, response: Some("PendingRequest") };

/// `GET /api/requests`: Requests across all sessions, newest first (`status=pending` for everything waiting on someone).
pub const REQUESTS_LIST_ALL: Op = Op { id: "requests.list_all", method: "GET", path: "/api/requests", path_params: &[], query: &["status", "kind", "sessionId", "limit"], headers: &[], body: None, response: Some("[PendingRequest]") };

/// `GET /api/sessions/{id}/requests`: A session's requests, newest first.
pub const REQUESTS_LIST_SESSION: Op = Op { id: "requests.list_session", method: "GET", path: "/api/sessions/{id}/requests", path_params: &["id"], query: &["status", "kind", "sessionId", "limit"], headers: &[], body: None, response: Some("[PendingRequest]") };

/// `POST /api/sessions/{id}/requests/{requestId}/response`: Answer a request: `decision` for approvals, `answers` for tool input, `text`/`contentItems` (+ `success`) for
pub const REQUESTS_RESPOND: Op = Op { id: "requests.respond", method: "POST", path: "/api/sessions/{id}/requests/{requestId}/response", path_params: &["id", "requestId"], query: &[], headers: &["X-Codex-Manager-Client"], body: Some("RespondToRequest"), response: Some("PendingRequest") };

/// `POST /api/routines`: Create a routine. The answer carries its webhook secret: it is shown this once (rotate it to get a new one).
pub const ROUTINES_CREATE: Op = Op { id: "routines.create", method: "POST", path: "/api/routines", path_params: &[], query: &[], headers: &["X-Codex-Manager-Client"], body: Some("CreateRoutine"), response: Some("RoutineCreated") };

/// `GET /api/routines/{id}`
pub const ROUTINES_GET: Op = Op { id: "routines.get", method: "GET", path: "/api/routines/{id}", path_params: &["id"], query: &[], headers: &[], body: None, response: Some("Routine") };

/// `GET /api/routines`: Every routine, oldest first.
pub const ROUTINES_LIST: Op = Op { id: "routines.list", method: "GET", path: "/api/routines", path_params: &[], query: &[], headers: &[], body: None, response: Some("RoutineList") };

/// `GET /api/routines/schedule-preview`: The next times a cron schedule names, in the host's time zone (what the schedule field shows while typing).
pub const ROUTINES_PREVIEW: Op = Op { id: "routines.preview", method: "GET", path: "/api/routines/schedule-preview", path_params: &[], query: &["schedule", "count"], headers: &[], body: None, response: Some("SchedulePreview") };

/// `DELETE /api/routines/{id}`: Remove a routine and its run records (their jobs stay in the queue's history).
pub const ROUTINES_REMOVE: Op = Op { id: "routines.remove", method: "DELETE", path: "/api/routines/{id}", path_params: &["id"], query: &[], headers: &[], body: None, response: None };

/// `POST /api/routines/{id}/rotate-secret`: A new webhook secret; the old one stops working at once. Shown this once.
pub const ROUTINES_ROTATE_SECRET: Op = Op { id: "routines.rotate_secret", method: "POST", path: "/api/routines/{id}/rotate-secret", path_params: &["id"], query: &[], headers: &[], body: None, response: Some("RoutineSecret") };

/// `POST /api/routines/{id}/run`: Run it now, whatever its state and schedule: a run queued as a job (202).
pub const ROUTINES_RUN: Op = Op { id: "routines.run", method: "POST", path: "/api/routines/{id}/run", path_params: &["id"], query: &[], headers: &["X-Codex-Manager-Client"], body: None, response: Some("RoutineRun") };

/// `GET /api/routines/{id}/runs`: The routine's latest runs, newest first, each with its job, session, turn and status.
pub const ROUTINES_RUNS: Op = Op { id: "routines.runs", method: "GET", path: "/api/routines/{id}/runs", path_params: &["id"], query: &["limit"], headers: &[], body: None, response: Some("RoutineRunList") };

/// `PATCH /api/routines/{id}`: Change a routine (enable or pause it with `state`). A new schedule, or a resume, counts from now.
pub const ROUTINES_UPDATE: Op = Op { id: "routines.update", method: "PATCH", path: "/api/routines/{id}", path_params: &["id"], query: &[], headers: &[], body: Some("UpdateRoutine"), response: Some("Routine") };

/// `POST /api/routines/{id}/webhook`: A signed webhook delivery: runs the routine once. No token: `X-Codex-Manager-Signature: sha256=<hex>` is the
pub const ROUTINES_WEBHOOK: Op = Op { id: "routines.webhook", method: "POST", path: "/api/routines/{id}/webhook", path_params: &["id"], query: &[], headers: &["X-Codex-Manager-Signature", "X-Codex-Manager-Timestamp"], body: Some("object"), response: Some("RoutineRun") };

/// `POST /api/sessions/{id}/archive`
pub const SESSIONS_ARCHIVE: Op = Op { id: "sessions.archive", method: "POST", path: "/api/sessions/{id}/archive", path_params: &["id"], query: &[], headers: &[], body: None, response: Some("Session") };

/// `POST /api/sessions`: Start a new session (a new Codex thread) in a project or a working directory.
pub const SESSIONS_CREATE: Op = Op { id: "sessions.create", method: "POST", path: "/api/sessions", path_params: &[], query: &[], headers: &[], body: Some("CreateSession"), response: Some("Session") };

/// `DELETE /api/sessions/{id}`: Delete the session and its Codex thread (a running turn is interrupted first).
pub const SESSIONS_DELETE: Op = Op { id: "sessions.delete", method: "DELETE", path: "/api/sessions/{id}", path_params: &["id"], query: &[], headers: &[], body: None, response: None };

/// `POST /api/sessions/{id}/fork`: A new session with a copy of this one's history.
pub const SESSIONS_FORK: Op = Op { id: "sessions.fork", method: "POST", path: "/api/sessions/{id}/fork", path_params: &["id"], query: &[], headers: &[], body: None, response: Some("Session") };

/// `GET /api/sessions/{id}`: A session with the first page of its transcript (`limit`, `cursor`, `order` as for `/transcript`) and, while a
pub const SESSIONS_GET: Op = Op { id: "sessions.get", method: "GET", path: "/api/sessions/{id}", path_params: &["id"], query: &["limit", "cursor", "order"], headers: &[], body: None, response: Some("SessionDetail") };

/// `GET /api/sessions`: Sessions, most recently active first, paged.
pub const SESSIONS_LIST: Op = Op { id: "sessions.list", method: "GET", path: "/api/sessions", path_params: &[], query: &["projectId", "archived", "q", "limit", "cursor", "workers"], headers: &[], body: None, response: Some("SessionPage") };

/// `POST /api/sessions/{id}/resume`: Load the session's thread into the running app-server now (sending a message does this by itself).
pub const SESSIONS_RESUME: Op = Op { id: "sessions.resume", method: "POST", path: "/api/sessions/{id}/resume", path_params: &["id"], query: &[], headers: &[], body: None, response: Some("Session") };

/// `GET /api/sessions/{id}/transcript`: The transcript, paged by turns, from Codex's own history.
pub const SESSIONS_TRANSCRIPT: Op = Op { id: "sessions.transcript", method: "GET", path: "/api/sessions/{id}/transcript", path_params: &["id"], query: &["limit", "cursor", "order"], headers: &[], body: None, response: Some("Transcript") };

/// `POST /api/sessions/{id}/unarchive`
pub const SESSIONS_UNARCHIVE: Op = Op { id: "sessions.unarchive", method: "POST", path: "/api/sessions/{id}/unarchive", path_params: &["id"], query: &[], headers: &[], body: None, response: Some("Session") };

/// `PATCH /api/sessions/{id}`: Rename, move to a project (`""` for none), archive or unarchive.
pub const SESSIONS_UPDATE: Op = Op { id: "sessions.update", method: "PATCH", path: "/api/sessions/{id}", path_params: &["id"], query: &[], headers: &[], body: Some("UpdateSession"), response: Some("Session") };

/// `DELETE /api/sessions/{id}/settings/{key}`
pub const SETTINGS_DELETE: Op = Op { id: "settings.delete", method: "DELETE", path: "/api/sessions/{id}/settings/{key}", path_params: &["id", "key"], query: &[], headers: &[], body: None, response: None };

/// `GET /api/sessions/{id}/settings/{key}`
pub const SETTINGS_GET: Op = Op { id: "settings.get", method: "GET", path: "/api/sessions/{id}/settings/{key}", path_params: &["id", "key"], query: &[], headers: &[], body: None, response: Some("Setting") };

/// `GET /api/sessions/{id}/settings`
pub const SETTINGS_LIST: Op = Op { id: "settings.list", method: "GET", path: "/api/sessions/{id}/settings", path_params: &["id"], query: &[], headers: &[], body: None, response: Some("[Setting]") };

/// `PUT /api/sessions/{id}/settings/{key}`: Set a key to any JSON value (at most 64 KiB; a session holds at most 100 keys and 1 MiB of values).
pub const SETTINGS_PUT: Op = Op { id: "settings.put", method: "PUT", path: "/api/sessions/{id}/settings/{key}", path_params: &["id", "key"], query: &[], headers: &[], body: Some("any"), response: Some("Setting") };

/// `POST /api/sessions/{id}/background-terminals/clean`: Stop commands that outlived their turn (an interrupt does not stop a running command).
pub const THREAD_CLEAN_BACKGROUND_TERMINALS: Op = Op { id: "thread.clean_background_terminals", method: "POST", path: "/api/sessions/{id}/background-terminals/clean", path_params: &["id"], query: &[], headers: &[], body: None, response: Some("object") };

/// `POST /api/sessions/{id}/compact`: Compact the thread's history now (progress arrives as turn and item events).
pub const THREAD_COMPACT: Op = Op { id: "thread.compact", method: "POST", path: "/api/sessions/{id}/compact", path_params: &["id"], query: &[], headers: &[], body: None, response: Some("object") };

/// `POST /api/sessions/{id}/revert`: Cut the thread's history back to before a turn.
pub const THREAD_REVERT: Op = Op { id: "thread.revert", method: "POST", path: "/api/sessions/{id}/revert", path_params: &["id"], query: &[], headers: &[], body: Some("Revert"), response: Some("object") };

/// `POST /api/sessions/{id}/review`: Start a code review turn (the built-in reviewer).
pub const THREAD_REVIEW: Op = Op { id: "thread.review", method: "POST", path: "/api/sessions/{id}/review", path_params: &["id"], query: &[], headers: &[], body: Some("StartReview"), response: Some("object") };

/// `POST /api/sessions/{id}/shell`: Run a user shell command in the session (unsandboxed; streams as a `commandExecution` item).
pub const THREAD_SHELL: Op = Op { id: "thread.shell", method: "POST", path: "/api/sessions/{id}/shell", path_params: &["id"], query: &[], headers: &[], body: Some("ShellCommand"), response: Some("object") };

/// `GET /api/sessions/{id}/turns/{turnId}`: One turn of the session as the host recorded it. With `wait`, the answer waits (at most 60 s) for the turn to
pub const TURNS_GET_TURN: Op = Op { id: "turns.get_turn", method: "GET", path: "/api/sessions/{id}/turns/{turnId}", path_params: &["id", "turnId"], query: &["wait"], headers: &[], body: None, response: Some("TurnRecord") };

/// `POST /api/sessions/{id}/interrupt`: Interrupt the running turn; answers once app-server confirms it ended (or `interrupting` after 10 s).
pub const TURNS_INTERRUPT: Op = Op { id: "turns.interrupt", method: "POST", path: "/api/sessions/{id}/interrupt", path_params: &["id"], query: &[], headers: &[], body: None, response: Some("InterruptResult") };

/// `GET /api/sessions/{id}/turns`: The session's turns as the host recorded them, newest first: status (a final one once the turn ended, also after
pub const TURNS_LIST_TURNS: Op = Op { id: "turns.list_turns", method: "GET", path: "/api/sessions/{id}/turns", path_params: &["id"], query: &["limit", "cursor"], headers: &[], body: None, response: Some("TurnRecordPage") };

/// `POST /api/sessions/{id}/messages`: Send a message: starts a turn (resuming the thread first if needed). While the session is busy (a turn runs, or
pub const TURNS_SEND: Op = Op { id: "turns.send", method: "POST", path: "/api/sessions/{id}/messages", path_params: &["id"], query: &[], headers: &["Idempotency-Key"], body: Some("SendMessage"), response: Some("SendOutcome") };

/// `POST /api/sessions/{id}/steer`: Add input to the running turn.
pub const TURNS_STEER: Op = Op { id: "turns.steer", method: "POST", path: "/api/sessions/{id}/steer", path_params: &["id"], query: &[], headers: &[], body: Some("SteerMessage"), response: Some("TurnAccepted") };

/// Every operation, in operationId order.
pub const ALL: &[Op] = &[
    ACCOUNT_CANCEL_LOGIN,
    ACCOUNT_LOGIN,
    ACCOUNT_LOGIN_STATE,
    ACCOUNT_LOGOUT,
    ACCOUNT_RATE_LIMITS,
    ACCOUNT_READ,
    ACCOUNT_USAGE,
    AUTH_LOGIN,
    AUTH_NEW_LINK,
    CAPABILITIES_CAPABILITIES,
    CAPABILITIES_FEEDBACK,
    CATALOG_COLLABORATION_MODES,
    CATALOG_FEATURE_ENABLE,
    CATALOG_FEATURES,
    CATALOG_HOOK_STATE,
    CATALOG_HOOKS,
    CATALOG_MCP_LOGIN,
    CATALOG_MCP_RELOAD,
    CATALOG_MCP_SERVERS,
    CATALOG_MODELS,
    CATALOG_PROVIDERS,
    CATALOG_SKILL_ENABLE,
    CATALOG_SKILLS,
    CONFIG_READ,
    CONFIG_REQUIREMENTS,
    CONFIG_WRITE_BATCH,
    CONFIG_WRITE_VALUE,
    CONTROLS_GET_DEFAULTS,
    CONTROLS_GET_SESSION,
    CONTROLS_PUT_DEFAULTS,
    CONTROLS_PUT_SESSION,
    EVENTS_LIST,
    EVENTS_STREAM,
    EXEC_EXEC,
    FOLLOWUPS_EDIT,
    FOLLOWUPS_LIST,
    FOLLOWUPS_PAUSE,
    FOLLOWUPS_REMOVE,
    FOLLOWUPS_REORDER,
    FOLLOWUPS_RESUME,
    HEALTH_HEALTH,
    HEALTH_READY,
    HOSTS_LIST,
    JOBS_CANCEL,
    JOBS_ENQUEUE,
    JOBS_GET,
    JOBS_KINDS,
    JOBS_LIST,
    JOBS_RETRY,
    JOBS_STATS,
    LIMITS_GET_BUDGETS,
    LIMITS_SET_BUDGETS,
    LIMITS_STATUS,
    LIMITS_USAGE,
    NOTES_LIST,
    PLUGINS_CALLS,
    PLUGINS_DISABLE,
    PLUGINS_ENABLE,
    PLUGINS_GET,
    PLUGINS_GET_SETTINGS,
    PLUGINS_INSPECT,
    PLUGINS_INSTALL,
    PLUGINS_LIST,
    PLUGINS_PUT_SETTINGS,
    PLUGINS_REMOVE,
    PROJECTS_CREATE,
    PROJECTS_DELETE,
    PROJECTS_DELETE_SESSIONS,
    PROJECTS_GET,
    PROJECTS_LIST,
    PROJECTS_MOVE_SESSIONS,
    PROJECTS_UPDATE,
    REQUESTS_GET,
    REQUESTS_LIST_ALL,
    REQUESTS_LIST_SESSION,
    REQUESTS_RESPOND,
    ROUTINES_CREATE,
    ROUTINES_GET,
    ROUTINES_LIST,
    ROUTINES_PREVIEW,
    ROUTINES_REMOVE,
    ROUTINES_ROTATE_SECRET,
    ROUTINES_RUN,
    ROUTINES_RUNS,
    ROUTINES_UPDATE,
    ROUTINES_WEBHOOK,
    SESSIONS_ARCHIVE,
    SESSIONS_CREATE,
    SESSIONS_DELETE,
    SESSIONS_FORK,
    SESSIONS_GET,
    SESSIONS_LIST,
    SESSIONS_RESUME,
    SESSIONS_TRANSCRIPT,
    SESSIONS_UNARCHIVE,
    SESSIONS_UPDATE,
    SETTINGS_DELETE,
    SETTINGS_GET,
    SETTINGS_LIST,
    SETTINGS_PUT,
    THREAD_CLEAN_BACKGROUND_TERMINALS,
    THREAD_COMPACT,
    THREAD_REVERT,
    THREAD_REVIEW,
    THREAD_SHELL,
    TURNS_GET_TURN,
    TURNS_INTERRUPT,
    TURNS_LIST_TURNS,
    TURNS_SEND,
    TURNS_STEER,
];
