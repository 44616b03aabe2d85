//! Host calls: one module per WIT import, each behind its capability.

/// The host's log (capability `log`, granted to every plugin). Lines carry the plugin's id.
pub mod log {
    use crate::bindings::codex_manager::plugin::log as host;
    use crate::LogLevel;

    /// Writes `message` at `level`.
    pub fn log(level: LogLevel, message: impl AsRef<str>) {
        host::log(level, message.as_ref());
    }

    /// Writes at level `debug`.
    pub fn debug(message: impl AsRef<str>) {
        log(LogLevel::Debug, message);
    }

    /// Writes at level `info`.
    pub fn info(message: impl AsRef<str>) {
        log(LogLevel::Info, message);
    }

    /// Writes at level `warn`.
    pub fn warn(message: impl AsRef<str>) {
        log(LogLevel::Warn, message);
    }

    /// Writes at level `error`.
    pub fn error(message: impl AsRef<str>) {
        log(LogLevel::Error, message);
    }
}

/// A small durable key-value store private to the plugin (capability `kv`).
pub mod kv {
    use crate::bindings::codex_manager::plugin::kv as host;
    use crate::Error;

    /// The value stored under `key`, if any.
    pub fn get(key: &str) -> Result<Option<String>, Error> {
        host::get(key)
    }

    /// Stores `value` under `key`, replacing what was there.
    pub fn set(key: &str, value: &str) -> Result<(), Error> {
        host::set(key, value)
    }

    /// Removes `key` (removing a key that is not there is not an error of the SDK's making; the host
    /// decides).
    pub fn delete(key: &str) -> Result<(), Error> {
        host::delete(key)
    }
}

/// Sessions: read them (capability `sessions-read`), read and write their settings (`session-settings`),
/// rename them (`sessions-write`).
pub mod sessions {
    use crate::bindings::codex_manager::plugin::sessions as host;
    use crate::Error;

    /// The session as the REST API shows it, as JSON (`sessions-read`).
    pub fn get(session_id: &str) -> Result<String, Error> {
        host::get(session_id)
    }

    /// A page of the session's transcript (turns with items), as JSON (`sessions-read`).
    pub fn transcript(session_id: &str) -> Result<String, Error> {
        host::transcript(session_id)
    }

    /// The JSON value of the session's setting `key`, if set (`session-settings`).
    pub fn get_setting(session_id: &str, key: &str) -> Result<Option<String>, Error> {
        host::get_setting(session_id, key)
    }

    /// Sets the session's setting `key` to `value_json`, a JSON value (`session-settings`).
    pub fn set_setting(session_id: &str, key: &str, value_json: &str) -> Result<(), Error> {
        host::set_setting(session_id, key, value_json)
    }

    /// Gives the session a new title (`sessions-write`).
    pub fn rename(session_id: &str, title: &str) -> Result<(), Error> {
        host::rename(session_id, title)
    }
}

/// Start and steer work (capability `turns`).
pub mod turns {
    use crate::bindings::codex_manager::plugin::turns as host;
    use crate::Error;

    /// Starts a new session in the working directory `cwd`; returns its id.
    pub fn create_session(cwd: &str, title: Option<&str>) -> Result<String, Error> {
        host::create_session(cwd, title)
    }

    /// Sends a user message to the session; returns the id of the turn it starts.
    pub fn send_message(session_id: &str, text: &str) -> Result<String, Error> {
        host::send_message(session_id, text)
    }

    /// Interrupts the session's running turn.
    pub fn interrupt(session_id: &str) -> Result<(), Error> {
        host::interrupt(session_id)
    }
}

/// Answer what Codex asks (capability `requests`). A user's decision always wins a race:
/// [`DecideOutcome::AlreadyResolved`](crate::DecideOutcome::AlreadyResolved) says someone decided first.
pub mod requests {
    use crate::bindings::codex_manager::plugin::requests as host;
    use crate::{DecideOutcome, Decision, Error};

    /// Decides an approval request (a command, a file change).
    pub fn decide_approval(
        session_id: &str,
        request_id: &str,
        decision: Decision,
        reason: Option<&str>,
    ) -> Result<DecideOutcome, Error> {
        host::decide_approval(session_id, request_id, decision, reason)
    }

    /// Answers a tool's request for user input; `answers_json` is a JSON object, question id → answer.
    pub fn answer_tool_input(session_id: &str, request_id: &str, answers_json: &str) -> Result<DecideOutcome, Error> {
        host::answer_tool_input(session_id, request_id, answers_json)
    }
}

/// Outbound HTTP to the hosts the user allowed (capability `http`, with `http_allow` in `plugin.toml`).
pub mod http {
    use crate::bindings::codex_manager::plugin::http as host;
    use crate::{Error, HttpRequest, HttpResponse};

    /// Sends `request` and waits for the whole response. A status of 4xx or 5xx is still `Ok`.
    pub fn fetch(request: &HttpRequest) -> Result<HttpResponse, Error> {
        host::fetch(request)
    }
}

/// Put work on the durable queue (capability `jobs`): only kinds the plugin declares in `plugin.toml`
/// (`[[jobs]]`); another kind is [`Error::Invalid`](crate::Error::Invalid) or [`Error::Denied`](crate::Error::Denied), as the host decides.
pub mod jobs {
    use crate::bindings::codex_manager::plugin::jobs as host;
    use crate::{Enqueued, Error, JobRequest};

    /// Enqueues `request`. With a dedupe key, a job of the same kind and key that is still queued or running is
    /// returned instead (`duplicate: true`) and no new job is made.
    pub fn enqueue(request: &JobRequest) -> Result<Enqueued, Error> {
        host::enqueue(request)
    }
}

/// Helper turns of Codex on the plugin's hidden worker session, one per plugin and working directory (capability `workers`).
pub mod workers {
    use crate::bindings::codex_manager::plugin::workers as host;
    use crate::{Error, WorkerReply, WorkerTurn};

    /// Runs `turn` and waits until it ends. Only inside [`Plugin::run_job`](crate::Plugin::run_job): the job's
    /// `timeout_ms` covers the wait, and canceling the job interrupts the turn. A turn that ran but did not
    /// complete is `Ok` with its `status` (`failed`, `interrupted`); see [`WorkerReply::is_completed`].
    pub fn run_turn(turn: &WorkerTurn) -> Result<WorkerReply, Error> {
        host::run_turn(turn)
    }
}

/// Notes on a session, shown beside its transcript (capability `notes`).
pub mod notes {
    use crate::bindings::codex_manager::plugin::notes as host;
    use crate::{Error, Note};

    /// Adds `note` to the session; returns the note's id.
    pub fn add(session_id: &str, note: &Note) -> Result<String, Error> {
        host::add(session_id, note)
    }
}
