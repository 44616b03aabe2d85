"""GENERATED from docs/openapi.json by `python3 scripts/gen_clients`. Do not edit by hand.

Every operation of the host's API, keyed by its stable operationId (``group.handler``). This is the ONLY module
of the package that spells ``/api/`` paths: both clients build every request from this table.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote


@dataclass(frozen=True)
class Route:
    id: str
    method: str
    path: str  # an OpenAPI path template, e.g. /api/sessions/{id}
    path_params: tuple[str, ...] = ()
    query_params: tuple[str, ...] = ()
    body: str | None = None  # the request body's schema name (`any`: any JSON), None without a body
    answer: str | None = None  # the success answer's schema name (`list[X]`, `object`), None when empty
    summary: str = ""

    @property
    def idempotent(self) -> bool:
        """Safe to send twice: GET, PUT and DELETE (a POST only with an ``Idempotency-Key``)."""
        return self.method in ("GET", "PUT", "DELETE")

    def url_path(self, **params: str) -> str:
        """The path with its ``{name}`` parameters filled in (each percent-encoded as one segment)."""
        out = self.path
        for key, value in params.items():
            out = out.replace("{" + key + "}", quote(str(value), safe=""))
        if "{" in out:
            raise ValueError(f"missing path parameter for {self.path}: {params}")
        return out


OPERATIONS: dict[str, Route] = {
    'account.cancel_login': Route('account.cancel_login', 'DELETE', '/api/account/logins/{loginId}', ('loginId',), (), None, 'object', ''),
    'account.login': Route('account.login', 'POST', '/api/account/logins', (), (), 'LoginRequest', 'object', 'Start a login. Follow it with `GET /api/account/logins/{loginId}` or the `app_server.account/login/completed` event.'),
    'account.login_state': Route('account.login_state', 'GET', '/api/account/logins/{loginId}', ('loginId',), (), None, 'object', "A login's state: `pending`, `succeeded` or `failed` (with app-server's error)."),
    'account.logout': Route('account.logout', 'POST', '/api/account/logout', (), (), None, 'object', ''),
    'account.rate_limits': Route('account.rate_limits', 'GET', '/api/account/rate-limits', (), (), None, 'object', ''),
    'account.read': Route('account.read', 'GET', '/api/account', (), (), None, 'object', 'The account app-server uses, and whether the configured provider needs one.'),
    'account.usage': Route('account.usage', 'GET', '/api/account/usage', (), (), None, 'object', ''),
    'auth.login': Route('auth.login', 'GET', '/login', (), ('code',), None, None, 'Exchange a one-time login code for the session cookie, then go to the web UI.'),
    'auth.new_link': Route('auth.new_link', 'POST', '/api/login-links', (), (), None, 'LoginLink', 'Issue a new one-time login link for the web UI (for `codex-manager login-link`).'),
    'capabilities.capabilities': Route('capabilities.capabilities', 'GET', '/api/capabilities', (), (), None, 'CapabilityReport', 'What the connected codex supports, by route group, so clients can grey out what is missing.'),
    'capabilities.feedback': Route('capabilities.feedback', 'POST', '/api/feedback', (), (), 'Feedback', 'object', "Send feedback (with logs, and the session's thread if named) to OpenAI through codex."),
    'catalog.collaboration_modes': Route('catalog.collaboration_modes', 'GET', '/api/collaboration-modes', (), (), None, 'object', 'Collaboration modes (for `mode` on a message).'),
    'catalog.feature_enable': Route('catalog.feature_enable', 'PUT', '/api/features/{name}', ('name',), (), 'FeatureEnablement', 'object', 'Turn an experimental feature on or off.'),
    'catalog.features': Route('catalog.features', 'GET', '/api/features', (), (), None, 'object', 'Experimental features and whether each is on.'),
    'catalog.hook_state': Route('catalog.hook_state', 'PUT', '/api/hooks/state', (), (), 'HookState', 'object', 'Enable or disable a hook. app-server 0.169 has no method for it; Codex keeps the state in its user config under'),
    'catalog.hooks': Route('catalog.hooks', 'GET', '/api/hooks', (), (), None, 'object', ''),
    'catalog.mcp_login': Route('catalog.mcp_login', 'POST', '/api/mcp/servers/{name}/login', ('name',), (), 'McpLogin', 'object', "Start an MCP server's OAuth login; the answer carries the URL to open."),
    'catalog.mcp_reload': Route('catalog.mcp_reload', 'POST', '/api/mcp/reload', (), (), None, 'object', 'Reload MCP server configuration.'),
    'catalog.mcp_servers': Route('catalog.mcp_servers', 'GET', '/api/mcp/servers', (), (), None, 'object', 'MCP servers with their status and tools.'),
    'catalog.models': Route('catalog.models', 'GET', '/api/models', (), ('includeHidden', 'modelProvider', 'limit', 'cursor'), None, 'object', 'Models, with their provider, reasoning efforts and defaults.'),
    'catalog.providers': Route('catalog.providers', 'GET', '/api/model-providers', (), (), None, 'object', ''),
    'catalog.skill_enable': Route('catalog.skill_enable', 'PUT', '/api/skills/{name}/enabled', ('name',), (), 'SkillEnablement', 'object', 'Enable or disable a skill.'),
    'catalog.skills': Route('catalog.skills', 'GET', '/api/skills', (), (), None, 'object', ''),
    'config.read': Route('config.read', 'GET', '/api/config', (), (), None, 'object', 'The effective, merged config app-server runs with.'),
    'config.requirements': Route('config.requirements', 'GET', '/api/config/requirements', (), (), None, 'object', 'Managed requirements (allow-lists and the like), or null.'),
    'config.write_batch': Route('config.write_batch', 'POST', '/api/config/batch', (), (), 'ConfigBatch', 'object', 'Write several values at once.'),
    'config.write_value': Route('config.write_value', 'PUT', '/api/config/value', (), (), 'ConfigEdit', 'object', 'Write one value.'),
    'controls.get_defaults': Route('controls.get_defaults', 'GET', '/api/controls/defaults', (), (), None, 'SessionControls', "Defaults for every session's unset controls."),
    'controls.get_session': Route('controls.get_session', 'GET', '/api/sessions/{id}/controls', ('id',), (), None, 'ControlsView', "The session's own controls, the defaults, and what its next turn will use."),
    'controls.put_defaults': Route('controls.put_defaults', 'PUT', '/api/controls/defaults', (), (), 'SessionControls', 'SessionControls', ''),
    'controls.put_session': Route('controls.put_session', 'PUT', '/api/sessions/{id}/controls', ('id',), (), 'SessionControls', 'ControlsView', "Replace the session's own controls; they apply from the next turn. Absent fields inherit the defaults."),
    'events.list': Route('events.list', 'GET', '/api/events', (), ('since', 'sessions', 'projects', 'types', 'exclude', 'limit'), None, 'EventPage', 'Events after `since`, oldest first, filtered.'),
    'events.stream': Route('events.stream', 'GET', '/api/stream', (), ('since', 'sessions', 'projects', 'types', 'exclude', 'limit'), None, None, 'Websocket of event envelopes (text frames). Reconnect with `since=<last seq>` to get exactly what you missed.'),
    'exec.exec': Route('exec.exec', 'POST', '/api/exec', (), (), 'ExecRequest', 'object', 'Run one command and wait for it.'),
    'followups.edit': Route('followups.edit', 'PATCH', '/api/sessions/{id}/followups/{followupId}', ('id', 'followupId'), (), 'EditFollowup', 'Followup', "Change a queued follow-up's text or mode (only while it is `queued`)."),
    'followups.list': Route('followups.list', 'GET', '/api/sessions/{id}/followups', ('id',), ('history',), None, 'FollowupList', "The session's follow-up queue: its state, and the follow-ups waiting, in the order they will start (with"),
    'followups.pause': Route('followups.pause', 'POST', '/api/sessions/{id}/followups/pause', ('id',), (), None, 'FollowupQueue', 'Pause the queue (reason `user`): nothing starts until it is resumed.'),
    'followups.remove': Route('followups.remove', 'DELETE', '/api/sessions/{id}/followups/{followupId}', ('id', 'followupId'), (), None, 'Followup', 'Take a queued follow-up out of the queue (it is kept as `removed`).'),
    'followups.reorder': Route('followups.reorder', 'PUT', '/api/sessions/{id}/followups/order', ('id',), (), 'ReorderFollowups', 'FollowupList', "Set the queue's order: `ids` names every queued follow-up exactly once, first to start first."),
    'followups.resume': Route('followups.resume', 'POST', '/api/sessions/{id}/followups/resume', ('id',), (), None, 'FollowupQueue', 'Resume a paused queue, whatever paused it: its next follow-up starts as soon as the session is idle.'),
    'health.health': Route('health.health', 'GET', '/api/health', (), (), None, 'Health', 'The host is alive (it answers). Says nothing about app-server: see `/api/ready`.'),
    'health.ready': Route('health.ready', 'GET', '/api/ready', (), (), None, 'Readiness', 'Whether the host can do work now: 200 when ready, 503 with the same body and a `reason` when not (for'),
    'hosts.list': Route('hosts.list', 'GET', '/api/hosts', (), (), None, 'HostList', 'Every host that runs on this store (several share a PostgreSQL database; SQLite has one), with whether each is'),
    'jobs.cancel': Route('jobs.cancel', 'POST', '/api/jobs/{id}/cancel', ('id',), (), None, 'Job', "Cancel a job. Answers with its final state once it has stopped: a running job's plugin call is dropped and"),
    'jobs.enqueue': Route('jobs.enqueue', 'POST', '/api/jobs', (), (), 'EnqueueJob', 'Job', 'Enqueue a job of a kind an enabled plugin declares. 201 with the new job; 200 with the existing one when a job'),
    'jobs.get': Route('jobs.get', 'GET', '/api/jobs/{id}', ('id',), ('wait',), None, 'Job', 'A job with its history of transitions; with `?wait=`, once it finished (or the wait ran out).'),
    'jobs.kinds': Route('jobs.kinds', 'GET', '/api/jobs/kinds', (), (), None, 'JobKinds', 'The job kinds enabled plugins run, with their limits.'),
    'jobs.list': Route('jobs.list', 'GET', '/api/jobs', (), ('state', 'kind', 'sessionId', 'projectId', 'limit', 'cursor'), None, 'JobPage', 'Jobs, newest first, filtered by state, kind, session or project.'),
    'jobs.retry': Route('jobs.retry', 'POST', '/api/jobs/{id}/retry', ('id',), (), None, 'Job', 'Queue a failed or canceled job again, from its first attempt.'),
    'jobs.stats': Route('jobs.stats', 'GET', '/api/jobs/stats', (), (), None, 'QueueStats', "Queue depth: queued and running jobs, the oldest queued job's age, the capacity."),
    'limits.get_budgets': Route('limits.get_budgets', 'GET', '/api/budgets', (), (), None, 'Budgets', 'Every daily token budget (host-wide and per project), with what today spent of each.'),
    'limits.set_budgets': Route('limits.set_budgets', 'PUT', '/api/budgets', (), (), 'Budgets', 'Budgets', "Replace every budget. Once a day's turns (UTC) used a budget's tokens, automated turns it covers wait for the next"),
    'limits.status': Route('limits.status', 'GET', '/api/limits', (), (), None, 'LimitsStatus', "What holds automated turns (follow-ups, worker turns, jobs, routines) back now: Codex's usage limit and spent"),
    'limits.usage': Route('limits.usage', 'GET', '/api/usage', (), ('sessionId', 'projectId', 'from', 'to'), None, 'UsageReport', 'Tokens used per UTC day and in all, by the turns of a session, a project, or the whole host.'),
    'notes.list': Route('notes.list', 'GET', '/api/sessions/{id}/notes', ('id',), ('kind', 'limit'), None, 'NotePage', "A session's notes (turn reviews, suggested next requests, ...), oldest first. New ones arrive as"),
    'plugins.calls': Route('plugins.calls', 'GET', '/api/plugins/{id}/calls', ('id',), ('limit',), None, 'list[PluginCall]', 'Recent calls, newest first: trigger, duration, outcome (`ok`, `error`, `trap`, `timeout`, `memory`,'),
    'plugins.disable': Route('plugins.disable', 'POST', '/api/plugins/{id}/disable', ('id',), (), None, 'PluginInfo', ''),
    'plugins.enable': Route('plugins.enable', 'POST', '/api/plugins/{id}/enable', ('id',), (), None, 'PluginInfo', 'Switch a plugin on (also after the circuit breaker switched it off).'),
    'plugins.get': Route('plugins.get', 'GET', '/api/plugins/{id}', ('id',), (), None, 'PluginInfo', ''),
    'plugins.get_settings': Route('plugins.get_settings', 'GET', '/api/plugins/{id}/settings', ('id',), (), None, 'PluginSettings', "A plugin's settings: the values in force (the user's over the manifest's `[settings]` defaults), the defaults,"),
    'plugins.inspect': Route('plugins.inspect', 'POST', '/api/plugins/inspect', (), (), 'PluginPackage', 'Inspection', 'Validate a package without installing it: what it is and which capabilities it asks for.'),
    'plugins.install': Route('plugins.install', 'POST', '/api/plugins', (), (), 'InstallPlugin', 'PluginInfo', 'Install (or with `upgrade`, replace) a plugin with the capabilities granted. Checked in full before it goes'),
    'plugins.list': Route('plugins.list', 'GET', '/api/plugins', (), (), None, 'list[PluginInfo]', 'Installed plugins: version, WIT version, capabilities requested and granted, state, failures.'),
    'plugins.put_settings': Route('plugins.put_settings', 'PUT', '/api/plugins/{id}/settings', ('id',), (), 'object', 'PluginSettings', "Change a plugin's settings: an object of keys to JSON values, each of its default's type; `null` goes back to"),
    'plugins.remove': Route('plugins.remove', 'DELETE', '/api/plugins/{id}', ('id',), (), None, None, ''),
    'projects.create': Route('projects.create', 'POST', '/api/projects', (), (), 'CreateProject', 'Project', 'Create a project (unique name, existing absolute working directory).'),
    'projects.delete': Route('projects.delete', 'DELETE', '/api/projects/{id}', ('id',), (), None, None, 'Delete a project; refused with 409 `project_not_empty` while it has sessions.'),
    'projects.delete_sessions': Route('projects.delete_sessions', 'DELETE', '/api/projects/{id}/sessions', ('id',), (), None, 'SessionIds', "Delete all of a project's sessions, with their Codex threads."),
    'projects.get': Route('projects.get', 'GET', '/api/projects/{id}', ('id',), (), None, 'Project', ''),
    'projects.list': Route('projects.list', 'GET', '/api/projects', (), (), None, 'list[Project]', 'All projects, by name.'),
    'projects.move_sessions': Route('projects.move_sessions', 'POST', '/api/projects/{id}/move-sessions', ('id',), (), 'MoveSessions', 'SessionIds', "Move all of a project's sessions to another project (or to none, with `toProjectId: null`)."),
    'projects.update': Route('projects.update', 'PATCH', '/api/projects/{id}', ('id',), (), 'UpdateProject', 'Project', 'Rename a project or change its working directory.'),
    'requests.get': Route('requests.get', 'GET', '/api/sessions/{id}/requests/{requestId}', ('id', 'requestId'), (), None, 'PendingRequest', ''),
    'requests.list_all': Route('requests.list_all', 'GET', '/api/requests', (), ('status', 'kind', 'sessionId', 'limit'), None, 'list[PendingRequest]', 'Requests across all sessions, newest first (`status=pending` for everything waiting on someone).'),
    'requests.list_session': Route('requests.list_session', 'GET', '/api/sessions/{id}/requests', ('id',), ('status', 'kind', 'sessionId', 'limit'), None, 'list[PendingRequest]', "A session's requests, newest first."),
    'requests.respond': Route('requests.respond', 'POST', '/api/sessions/{id}/requests/{requestId}/response', ('id', 'requestId'), (), 'RespondToRequest', 'PendingRequest', 'Answer a request: `decision` for approvals, `answers` for tool input, `text`/`contentItems` (+ `success`) for'),
    'routines.create': Route('routines.create', 'POST', '/api/routines', (), (), 'CreateRoutine', 'RoutineCreated', 'Create a routine. The answer carries its webhook secret: it is shown this once (rotate it to get a new one).'),
    'routines.get': Route('routines.get', 'GET', '/api/routines/{id}', ('id',), (), None, 'Routine', ''),
    'routines.list': Route('routines.list', 'GET', '/api/routines', (), (), None, 'RoutineList', 'Every routine, oldest first.'),
    'routines.preview': Route('routines.preview', 'GET', '/api/routines/schedule-preview', (), ('schedule', 'count'), None, 'SchedulePreview', "The next times a cron schedule names, in the host's time zone (what the schedule field shows while typing)."),
    'routines.remove': Route('routines.remove', 'DELETE', '/api/routines/{id}', ('id',), (), None, None, "Remove a routine and its run records (their jobs stay in the queue's history)."),
    'routines.rotate_secret': Route('routines.rotate_secret', 'POST', '/api/routines/{id}/rotate-secret', ('id',), (), None, 'RoutineSecret', 'A new webhook secret; the old one stops working at once. Shown this once.'),
    'routines.run': Route('routines.run', 'POST', '/api/routines/{id}/run', ('id',), (), None, 'RoutineRun', 'Run it now, whatever its state and schedule: a run queued as a job (202).'),
    'routines.runs': Route('routines.runs', 'GET', '/api/routines/{id}/runs', ('id',), ('limit',), None, 'RoutineRunList', "The routine's latest runs, newest first, each with its job, session, turn and status."),
    'routines.update': Route('routines.update', 'PATCH', '/api/routines/{id}', ('id',), (), 'UpdateRoutine', 'Routine', 'Change a routine (enable or pause it with `state`). A new schedule, or a resume, counts from now.'),
    'routines.webhook': Route('routines.webhook', 'POST', '/api/routines/{id}/webhook', ('id',), (), 'object', 'RoutineRun', 'A signed webhook delivery: runs the routine once. No token: `X-Codex-Manager-Signature: sha256=<hex>` is the'),
    'sessions.archive': Route('sessions.archive', 'POST', '/api/sessions/{id}/archive', ('id',), (), None, 'Session', ''),
    'sessions.create': Route('sessions.create', 'POST', '/api/sessions', (), (), 'CreateSession', 'Session', 'Start a new session (a new Codex thread) in a project or a working directory.'),
    'sessions.delete': Route('sessions.delete', 'DELETE', '/api/sessions/{id}', ('id',), (), None, None, 'Delete the session and its Codex thread (a running turn is interrupted first).'),
    'sessions.fork': Route('sessions.fork', 'POST', '/api/sessions/{id}/fork', ('id',), (), None, 'Session', "A new session with a copy of this one's history."),
    'sessions.get': Route('sessions.get', 'GET', '/api/sessions/{id}', ('id',), ('limit', 'cursor', 'order'), None, 'SessionDetail', 'A session with the first page of its transcript (`limit`, `cursor`, `order` as for `/transcript`) and, while a'),
    'sessions.list': Route('sessions.list', 'GET', '/api/sessions', (), ('projectId', 'archived', 'q', 'limit', 'cursor', 'workers'), None, 'SessionPage', 'Sessions, most recently active first, paged.'),
    'sessions.resume': Route('sessions.resume', 'POST', '/api/sessions/{id}/resume', ('id',), (), None, 'Session', "Load the session's thread into the running app-server now (sending a message does this by itself)."),
    'sessions.transcript': Route('sessions.transcript', 'GET', '/api/sessions/{id}/transcript', ('id',), ('limit', 'cursor', 'order'), None, 'Transcript', "The transcript, paged by turns, from Codex's own history."),
    'sessions.unarchive': Route('sessions.unarchive', 'POST', '/api/sessions/{id}/unarchive', ('id',), (), None, 'Session', ''),
    'sessions.update': Route('sessions.update', 'PATCH', '/api/sessions/{id}', ('id',), (), 'UpdateSession', 'Session', 'Rename, move to a project (`""` for none), archive or unarchive.'),
    'settings.delete': Route('settings.delete', 'DELETE', '/api/sessions/{id}/settings/{key}', ('id', 'key'), (), None, None, ''),
    'settings.get': Route('settings.get', 'GET', '/api/sessions/{id}/settings/{key}', ('id', 'key'), (), None, 'Setting', ''),
    'settings.list': Route('settings.list', 'GET', '/api/sessions/{id}/settings', ('id',), (), None, 'list[Setting]', ''),
    'settings.put': Route('settings.put', 'PUT', '/api/sessions/{id}/settings/{key}', ('id', 'key'), (), 'any', 'Setting', 'Set a key to any JSON value (at most 64 KiB; a session holds at most 100 keys and 1 MiB of values).'),
    'thread.clean_background_terminals': Route('thread.clean_background_terminals', 'POST', '/api/sessions/{id}/background-terminals/clean', ('id',), (), None, 'object', 'Stop commands that outlived their turn (an interrupt does not stop a running command).'),
    'thread.compact': Route('thread.compact', 'POST', '/api/sessions/{id}/compact', ('id',), (), None, 'object', "Compact the thread's history now (progress arrives as turn and item events)."),
    'thread.revert': Route('thread.revert', 'POST', '/api/sessions/{id}/revert', ('id',), (), 'Revert', 'object', "Cut the thread's history back to before a turn."),
    'thread.review': Route('thread.review', 'POST', '/api/sessions/{id}/review', ('id',), (), 'StartReview', 'object', 'Start a code review turn (the built-in reviewer).'),
    'thread.shell': Route('thread.shell', 'POST', '/api/sessions/{id}/shell', ('id',), (), 'ShellCommand', 'object', 'Run a user shell command in the session (unsandboxed; streams as a `commandExecution` item).'),
    'turns.get_turn': Route('turns.get_turn', 'GET', '/api/sessions/{id}/turns/{turnId}', ('id', 'turnId'), ('wait',), None, 'TurnRecord', 'One turn of the session as the host recorded it. With `wait`, the answer waits (at most 60 s) for the turn to'),
    'turns.interrupt': Route('turns.interrupt', 'POST', '/api/sessions/{id}/interrupt', ('id',), (), None, 'InterruptResult', 'Interrupt the running turn; answers once app-server confirms it ended (or `interrupting` after 10 s).'),
    'turns.list_turns': Route('turns.list_turns', 'GET', '/api/sessions/{id}/turns', ('id',), ('limit', 'cursor'), None, 'TurnRecordPage', "The session's turns as the host recorded them, newest first: status (a final one once the turn ended, also after"),
    'turns.send': Route('turns.send', 'POST', '/api/sessions/{id}/messages', ('id',), (), 'SendMessage', 'SendOutcome', 'Send a message: starts a turn (resuming the thread first if needed). While the session is busy (a turn runs, or'),
    'turns.steer': Route('turns.steer', 'POST', '/api/sessions/{id}/steer', ('id',), (), 'SteerMessage', 'TurnAccepted', 'Add input to the running turn.'),
}

#: The table's names before operationIds existed, for ``call(name)`` in older scripts.
ALIASES: dict[str, str] = {
    'capabilities': 'capabilities.capabilities',
    'controls.defaults': 'controls.get_defaults',
    'controls.get': 'controls.get_session',
    'controls.set': 'controls.put_session',
    'controls.set_defaults': 'controls.put_defaults',
    'health': 'health.health',
    'login_links.create': 'auth.new_link',
    'ready': 'health.ready',
    'requests.list': 'requests.list_all',
    'sessions.notes': 'notes.list',
    'settings.set': 'settings.put',
    'turns.get': 'turns.get_turn',
    'turns.list': 'turns.list_turns',
}

#: The old name of the table.
ROUTES = OPERATIONS


def route(op_id: str) -> Route:
    return OPERATIONS[ALIASES.get(op_id, op_id)]
