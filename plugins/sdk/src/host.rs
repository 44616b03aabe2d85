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

    /// Sets `key` to `value` (`None`: deletes it) only if it now holds `expected` (`None`: absent), atomically;
    /// true when it did. Of two calls racing on a key, exactly one wins: a lock, a counter without lost updates,
    /// a "first one does it" guard.
    pub fn compare_and_set(key: &str, expected: Option<&str>, value: Option<&str>) -> Result<bool, Error> {
        host::compare_and_set(key, expected, value)
    }

    /// The keys that start with `prefix`, sorted (at most 1,000).
    pub fn keys(prefix: &str) -> Result<Vec<String>, Error> {
        host::keys(prefix)
    }
}

/// The plugin's own settings: plugin-wide values the user sets (`codex-manager plugin settings`, the web UI's
/// plugin page) over the defaults `plugin.toml` declares under `[settings]`. Every plugin's: no capability.
pub mod settings {
    use serde::de::DeserializeOwned;

    use crate::bindings::codex_manager::plugin::settings as host;
    use crate::Error;

    /// The setting's JSON value: the user's, else the default; `None` when neither has it.
    pub fn get(key: &str) -> Result<Option<String>, Error> {
        host::get(key)
    }

    /// The setting read as `T`; `None` when neither the user nor the manifest has it.
    pub fn get_as<T: DeserializeOwned>(key: &str) -> Result<Option<T>, Error> {
        get(key)?.map(|json| crate::parse_json(&json)).transpose()
    }

    /// Every setting, defaults included, as one JSON object.
    pub fn all() -> Result<serde_json::Map<String, serde_json::Value>, Error> {
        crate::parse_json(&host::all()?)
    }
}

/// Sessions: read them (capability `sessions-read`), read and write their settings (`session-settings`),
/// rename them (`sessions-write`).
pub mod sessions {
    use crate::bindings::codex_manager::plugin::sessions as host;
    use crate::transcript::{Transcript, Turn};
    use crate::{Error, TranscriptQuery, TurnPage, TurnRecord};

    /// The session as the REST API shows it, as JSON (`sessions-read`).
    pub fn get(session_id: &str) -> Result<String, Error> {
        host::get(session_id)
    }

    /// A page of the session's transcript (turns with items) as the REST API shows it, as JSON
    /// (`{turns, nextCursor}`; `sessions-read`). [`TranscriptQuery::newest`] reads a long session from its end;
    /// parse it with [`Transcript::parse`](crate::transcript::Transcript::parse).
    pub fn transcript_page(session_id: &str, query: &TranscriptQuery) -> Result<String, Error> {
        host::transcript_page(session_id, query)
    }

    /// The host's turn records, newest first: `limit` 1-200 (default 50); pass `next_cursor` back for older ones
    /// (`sessions-read`). Kept by the host, also while app-server is down.
    pub fn list_turns(session_id: &str, limit: Option<u32>, cursor: Option<&str>) -> Result<TurnPage, Error> {
        host::list_turns(session_id, limit, cursor)
    }

    /// Turns per page [`find_turn`] reads, and how many pages back it looks.
    const FIND_PAGE: u32 = 20;
    const FIND_PAGES: usize = 10;

    /// One turn with all its items, looked for from the newest turn back (at most the newest 200 turns;
    /// `sessions-read`). `None` when the session has no such turn that recent.
    pub fn find_turn(session_id: &str, turn_id: &str) -> Result<Option<Turn>, Error> {
        let mut query = TranscriptQuery::newest(FIND_PAGE);
        for _ in 0..FIND_PAGES {
            let page = Transcript::parse(&transcript_page(session_id, &query)?)?;
            if let Some(turn) = page.turns.into_iter().find(|t| t.id == turn_id) {
                return Ok(Some(turn));
            }
            match page.next_cursor {
                Some(cursor) => query = query.cursor(cursor),
                None => return Ok(None),
            }
        }
        Ok(None)
    }

    /// One turn's record, as it is now (`sessions-read`).
    pub fn get_turn(session_id: &str, turn_id: &str) -> Result<TurnRecord, Error> {
        host::get_turn(session_id, turn_id)
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

    /// Adds `text` to the turn that is running; returns its id. [`Error::Conflict`](crate::Error::Conflict) when
    /// none runs.
    pub fn steer(session_id: &str, text: &str) -> Result<String, Error> {
        host::steer(session_id, text)
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
    use crate::{Assessment, DecideOutcome, Decision, Error};

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

    /// Attaches a judgement to a pending approval: every client shows it beside the decision buttons (the last one
    /// attached wins). It informs; decide with [`decide_approval`]. [`Error::Conflict`](crate::Error::Conflict)
    /// once the request is resolved.
    pub fn assess(session_id: &str, request_id: &str, assessment: &Assessment) -> Result<(), Error> {
        host::assess(session_id, request_id, assessment)
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
