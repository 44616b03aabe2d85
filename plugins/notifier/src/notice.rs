//! What the notifier decides and says, without host calls: the settings, which events deserve a notice, the notice's
//! text, and the HTTP request each target gets. All of it is unit-tested natively.

use codex_manager_plugin_sdk::serde_json::{json, Map, Value};
use codex_manager_plugin_sdk::HttpRequest;

/// The plugin-wide settings, read on every call (a change applies from the next one).
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    pub web_url: String,
    pub grace_ms: u64,
    pub on_pending: bool,
    pub on_turn_failed: bool,
    pub on_routine: bool,
    pub targets: Vec<Target>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            web_url: "http://127.0.0.1:8787".into(),
            grace_ms: 60_000,
            on_pending: true,
            on_turn_failed: true,
            on_routine: true,
            targets: Vec::new(),
        }
    }
}

/// Where a notice goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetKind {
    Ntfy,
    Webhook,
    Slack,
}

impl TargetKind {
    pub const ALL: [TargetKind; 3] = [TargetKind::Ntfy, TargetKind::Webhook, TargetKind::Slack];

    /// The setting that configures it, also its name in a `notifier.send` payload.
    pub fn as_str(self) -> &'static str {
        match self {
            TargetKind::Ntfy => "ntfy",
            TargetKind::Webhook => "webhook",
            TargetKind::Slack => "slack",
        }
    }

    pub fn parse(s: &str) -> Option<TargetKind> {
        TargetKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub kind: TargetKind,
    pub url: String,
}

/// The settings from `settings.all()`. A key missing or of the wrong shape keeps its default (the host already
/// checks each value's JSON type against the manifest's default); a target url that is not http(s) is an error, so
/// a typo is reported instead of silently posting nowhere.
pub fn parse_settings(all: &Map<String, Value>) -> Result<Settings, String> {
    let mut settings = Settings::default();
    if let Some(url) = all.get("web_url").and_then(Value::as_str) {
        settings.web_url = url.trim().trim_end_matches('/').to_string();
    }
    if let Some(grace) = all.get("grace_ms") {
        settings.grace_ms = grace
            .as_u64()
            .or_else(|| grace.as_f64().filter(|f| *f >= 0.0).map(|f| f as u64))
            .ok_or_else(|| format!("grace_ms must be a number of milliseconds >= 0, not {grace}"))?;
    }
    let flag = |key: &str, default: bool| all.get(key).and_then(Value::as_bool).unwrap_or(default);
    settings.on_pending = flag("on_pending", true);
    settings.on_turn_failed = flag("on_turn_failed", true);
    settings.on_routine = flag("on_routine", true);
    for kind in TargetKind::ALL {
        let url = match all.get(kind.as_str()) {
            Some(Value::Object(target)) => target.get("url").and_then(Value::as_str).unwrap_or("").trim(),
            // A bare string is what a user typing `ntfy=https://...` on the CLI means.
            Some(Value::String(url)) => url.trim(),
            _ => "",
        };
        if url.is_empty() {
            continue;
        }
        if !(url.starts_with("https://") || url.starts_with("http://")) {
            return Err(format!("{}.url must start with https:// or http://, not `{url}`", kind.as_str()));
        }
        settings.targets.push(Target { kind, url: url.to_string() });
    }
    Ok(settings)
}

/// What a notice is about; its name is the webhook's `kind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoticeKind {
    ApprovalPending,
    QuestionPending,
    TurnFailed,
    RoutineSucceeded,
    RoutineFailed,
}

impl NoticeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            NoticeKind::ApprovalPending => "approval_pending",
            NoticeKind::QuestionPending => "question_pending",
            NoticeKind::TurnFailed => "turn_failed",
            NoticeKind::RoutineSucceeded => "routine_succeeded",
            NoticeKind::RoutineFailed => "routine_failed",
        }
    }
}

/// One message, as every target gets it (each in its own format).
#[derive(Debug, Clone, PartialEq)]
pub struct Notice {
    pub kind: String,
    pub title: String,
    pub message: String,
    pub session_id: Option<String>,
    /// The chat in the web UI.
    pub url: Option<String>,
}

impl Notice {
    pub fn to_json(&self) -> Value {
        json!({
            "kind": self.kind,
            "title": self.title,
            "message": self.message,
            "sessionId": self.session_id,
            "url": self.url,
        })
    }

    pub fn from_json(value: &Value) -> Option<Notice> {
        let text = |name: &str| value.get(name).and_then(Value::as_str).map(str::to_string);
        Some(Notice {
            kind: text("kind")?,
            title: text("title")?,
            message: text("message")?,
            session_id: text("sessionId"),
            url: text("url"),
        })
    }
}

/// The chat's address in the web UI.
pub fn chat_url(web_url: &str, session_id: &str) -> Option<String> {
    let base = web_url.trim().trim_end_matches('/');
    (!base.is_empty()).then(|| format!("{base}/chats/{session_id}"))
}

/// At most `max` characters, with an ellipsis when cut (commands and errors can be long; a phone shows little).
pub fn clip(text: &str, max: usize) -> String {
    let text = text.trim();
    if text.chars().count() <= max {
        return text.to_string();
    }
    let cut: String = text.chars().take(max.saturating_sub(1)).collect();
    format!("{}…", cut.trim_end())
}

const DETAIL_CHARS: usize = 300;

/// The chat's name in a title: its title, else a short id.
fn chat_name(session_title: Option<&str>, session_id: &str) -> String {
    match session_title.map(str::trim).filter(|t| !t.is_empty()) {
        Some(title) => format!("“{}”", clip(title, 60)),
        None => format!("chat {}", session_id.chars().take(8).collect::<String>()),
    }
}

/// Whether a `PendingRequest` is an approval (else a question: `tool_input`, `elicitation`). Tool calls are answered
/// by plugins or clients, never by a human, and get no notice.
pub fn needs_human(request: &Value) -> Option<NoticeKind> {
    match request.get("family").and_then(Value::as_str) {
        Some("approval") => Some(NoticeKind::ApprovalPending),
        Some("tool_input") => Some(NoticeKind::QuestionPending),
        _ => None,
    }
}

/// What an approval or a question asks, in a line: the command, the file changes' reason, the questions.
fn request_detail(request: &Value) -> String {
    let params = request.get("params").unwrap_or(&Value::Null);
    fn text(v: Option<&Value>) -> Option<&str> {
        v.and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty())
    }
    let command = match params.get("command") {
        Some(Value::Array(parts)) => {
            let joined = parts.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(" ");
            (!joined.is_empty()).then_some(joined)
        }
        other => text(other).map(str::to_string),
    };
    if let Some(command) = command {
        return format!("Run `{}`", clip(&command, DETAIL_CHARS));
    }
    if let Some(questions) = params.get("questions").and_then(Value::as_array) {
        let asked: Vec<&str> = questions.iter().filter_map(|q| text(q.get("question"))).collect();
        if !asked.is_empty() {
            return clip(&asked.join(" / "), DETAIL_CHARS);
        }
    }
    if let Some(message) = text(params.get("message")) {
        return clip(message, DETAIL_CHARS);
    }
    if let Some(reason) = text(params.get("reason")) {
        return clip(reason, DETAIL_CHARS);
    }
    request.get("kind").and_then(Value::as_str).unwrap_or("a request").replace('_', " ")
}

/// An approval or question nobody answered within the grace period.
pub fn pending_notice(
    request: &Value,
    session_id: &str,
    session_title: Option<&str>,
    waited_ms: u64,
    web_url: &str,
) -> Option<Notice> {
    let kind = needs_human(request)?;
    let chat = chat_name(session_title, session_id);
    let what = match kind {
        NoticeKind::ApprovalPending => "needs your approval",
        _ => "has a question for you",
    };
    let waited = if waited_ms >= 60_000 && waited_ms % 60_000 == 0 {
        format!("{} min", waited_ms / 60_000)
    } else {
        format!("{} s", waited_ms.div_ceil(1000))
    };
    Some(Notice {
        kind: kind.as_str().into(),
        title: format!("Codex: {chat} {what}"),
        message: format!("{} (waiting for {waited}, nobody answered yet)", request_detail(request)),
        session_id: Some(session_id.into()),
        url: chat_url(web_url, session_id),
    })
}

/// `turn.completed` data: `{threadId, turn: {id, status, error: {message}?}}`. The error's text, when the turn
/// failed; `None` for any other status.
pub fn failed_turn(data: &Value) -> Option<String> {
    let turn = data.get("turn")?;
    if turn.get("status").and_then(Value::as_str) != Some("failed") {
        return None;
    }
    let error = turn.get("error");
    let message = error
        .and_then(|e| e.get("message").and_then(Value::as_str).or_else(|| e.as_str()))
        .map(str::trim)
        .filter(|m| !m.is_empty());
    Some(message.unwrap_or("no reason given").to_string())
}

pub fn turn_failed_notice(session_id: &str, session_title: Option<&str>, error: &str, web_url: &str) -> Notice {
    Notice {
        kind: NoticeKind::TurnFailed.as_str().into(),
        title: format!("Codex: a turn failed in {}", chat_name(session_title, session_id)),
        message: clip(error, DETAIL_CHARS),
        session_id: Some(session_id.into()),
        url: chat_url(web_url, session_id),
    }
}

/// The routine a job ran for (`createdBy: routine:<id>`), if it is a routine's run.
pub fn routine_of(job: &Value) -> Option<&str> {
    job.get("createdBy").and_then(Value::as_str)?.strip_prefix("routine:").filter(|id| !id.is_empty())
}

/// How a routine run ended, in words: `failed` with the reason, or the turn's status.
pub fn routine_notice(
    routine_id: &str,
    session_id: Option<&str>,
    session_title: Option<&str>,
    outcome: RoutineOutcome<'_>,
    web_url: &str,
) -> Notice {
    let (kind, what, detail) = match outcome {
        RoutineOutcome::JobFailed(reason) => (NoticeKind::RoutineFailed, "failed", clip(reason, DETAIL_CHARS)),
        RoutineOutcome::JobSucceeded => (NoticeKind::RoutineSucceeded, "finished", "The run's job succeeded.".into()),
        RoutineOutcome::Turn { status, error } => {
            if status == "completed" {
                (NoticeKind::RoutineSucceeded, "finished", "Its turn completed.".into())
            } else {
                let why = error.map(|e| format!(": {}", clip(e, DETAIL_CHARS))).unwrap_or_default();
                (NoticeKind::RoutineFailed, "failed", format!("Its turn ended {status}{why}"))
            }
        }
    };
    let place = session_id.map(|id| format!(" in {}", chat_name(session_title, id))).unwrap_or_default();
    Notice {
        kind: kind.as_str().into(),
        title: format!("Codex: routine run {what}{place}"),
        message: format!("Routine {routine_id}: {detail}"),
        session_id: session_id.map(str::to_string),
        url: session_id.and_then(|id| chat_url(web_url, id)),
    }
}

#[derive(Debug, Clone, Copy)]
pub enum RoutineOutcome<'a> {
    JobFailed(&'a str),
    /// A job routine's own job (no turn to wait for).
    JobSucceeded,
    /// A prompt routine's turn ended: `completed`, `failed`, `interrupted`.
    Turn {
        status: &'a str,
        error: Option<&'a str>,
    },
}

/// The request one target gets for a notice.
pub fn http_request(target: &Target, notice: &Notice) -> HttpRequest {
    match target.kind {
        TargetKind::Ntfy => {
            // ntfy takes the body as the message and the rest as headers; header values must be ASCII-safe, so the
            // title's quotes and any non-ASCII go, and the full title stays readable in the body's first line.
            let mut request = HttpRequest::post(&target.url, notice.message.clone().into_bytes())
                .with_header("Title", header_safe(&notice.title))
                .with_header("Tags", notice.kind.clone())
                .with_header("Content-Type", "text/plain; charset=utf-8");
            if let Some(url) = &notice.url {
                request = request.with_header("Click", url.clone());
            }
            request
        }
        TargetKind::Webhook => HttpRequest::post(&target.url, notice.to_json().to_string().into_bytes())
            .with_header("Content-Type", "application/json"),
        TargetKind::Slack => {
            let link = notice.url.as_ref().map(|url| format!("\n<{url}|Open the chat>")).unwrap_or_default();
            let text = format!("*{}*\n{}{link}", slack_escape(&notice.title), slack_escape(&notice.message));
            HttpRequest::post(&target.url, json!({ "text": text }).to_string().into_bytes())
                .with_header("Content-Type", "application/json")
        }
    }
}

/// A header value: printable ASCII only (the typographic quotes of a title become plain ones).
fn header_safe(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '“' | '”' => '"',
            '…' => '.',
            c if c.is_ascii_graphic() || c == ' ' => c,
            _ => '?',
        })
        .collect()
}

/// Slack's mrkdwn treats `<`, `>` and `&` as markup.
fn slack_escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(value: Value) -> Result<Settings, String> {
        parse_settings(value.as_object().expect("an object"))
    }

    fn approval() -> Value {
        json!({
            "id": "req-1", "sessionId": "sess-1234567890", "kind": "command_approval", "family": "approval",
            "status": "pending", "params": {"command": "rm -rf build", "cwd": "/w", "reason": "clean up"},
        })
    }

    #[test]
    fn the_manifest_defaults_send_nothing() {
        let parsed = settings(json!({
            "web_url": "http://127.0.0.1:8787", "grace_ms": 60000, "on_pending": true, "on_turn_failed": true,
            "on_routine": true, "ntfy": {"url": ""}, "webhook": {"url": ""}, "slack": {"url": ""},
        }))
        .unwrap();
        assert_eq!(parsed, Settings::default());
        assert!(parsed.targets.is_empty());
    }

    #[test]
    fn targets_are_read_from_objects_or_strings() {
        let parsed = settings(json!({
            "web_url": "http://host:8787/", "grace_ms": 1500.0, "on_routine": false,
            "ntfy": {"url": " https://ntfy.sh/mine "}, "webhook": "http://127.0.0.1:9/hook", "slack": {"url": ""},
        }))
        .unwrap();
        assert_eq!(parsed.web_url, "http://host:8787");
        assert_eq!(parsed.grace_ms, 1500);
        assert!(!parsed.on_routine && parsed.on_pending && parsed.on_turn_failed);
        assert_eq!(
            parsed.targets,
            vec![
                Target { kind: TargetKind::Ntfy, url: "https://ntfy.sh/mine".into() },
                Target { kind: TargetKind::Webhook, url: "http://127.0.0.1:9/hook".into() },
            ]
        );
    }

    #[test]
    fn a_bad_target_url_or_grace_is_an_error() {
        let err = settings(json!({"slack": {"url": "hooks.slack.com/services/x"}})).unwrap_err();
        assert!(err.contains("slack.url"), "{err}");
        assert!(settings(json!({"grace_ms": -5})).is_err());
    }

    #[test]
    fn a_pending_approval_names_the_command_and_links_the_chat() {
        let notice = pending_notice(&approval(), "sess-1234567890", None, 60_000, "http://127.0.0.1:8787").unwrap();
        assert_eq!(notice.kind, "approval_pending");
        assert_eq!(notice.title, "Codex: chat sess-123 needs your approval");
        assert_eq!(notice.message, "Run `rm -rf build` (waiting for 1 min, nobody answered yet)");
        assert_eq!(notice.url.as_deref(), Some("http://127.0.0.1:8787/chats/sess-1234567890"));
        assert_eq!(notice.session_id.as_deref(), Some("sess-1234567890"));
    }

    #[test]
    fn a_pending_question_quotes_the_questions_and_the_chat_title() {
        let request = json!({
            "id": "r", "family": "tool_input", "kind": "tool_input",
            "params": {"questions": [{"id": "a", "question": "Which branch?"}, {"id": "b", "question": "Push?"}]},
        });
        let notice = pending_notice(&request, "s", Some("Release prep"), 1500, "").unwrap();
        assert_eq!(notice.kind, "question_pending");
        assert_eq!(notice.title, "Codex: “Release prep” has a question for you");
        assert_eq!(notice.message, "Which branch? / Push? (waiting for 2 s, nobody answered yet)");
        assert_eq!(notice.url, None, "no web_url, no link");
    }

    #[test]
    fn tool_calls_never_need_a_human() {
        let call = json!({"id": "r", "family": "tool_call", "kind": "tool_call", "params": {}});
        assert_eq!(needs_human(&call), None);
        assert!(pending_notice(&call, "s", None, 1000, "http://x").is_none());
    }

    #[test]
    fn only_failed_turns_count_and_their_error_is_quoted() {
        let failed =
            json!({"threadId": "t", "turn": {"id": "u", "status": "failed", "error": {"message": "model broke"}}});
        assert_eq!(failed_turn(&failed).as_deref(), Some("model broke"));
        let bare = json!({"turn": {"id": "u", "status": "failed", "error": null}});
        assert_eq!(failed_turn(&bare).as_deref(), Some("no reason given"));
        for status in ["completed", "interrupted", "inProgress"] {
            assert_eq!(failed_turn(&json!({"turn": {"status": status}})), None, "{status}");
        }
        let notice = turn_failed_notice("s1", Some("T"), "model broke", "http://w");
        assert_eq!((notice.kind.as_str(), notice.title.as_str()), ("turn_failed", "Codex: a turn failed in “T”"));
        assert_eq!(notice.url.as_deref(), Some("http://w/chats/s1"));
    }

    #[test]
    fn a_routine_run_is_known_by_its_job_creator() {
        assert_eq!(routine_of(&json!({"createdBy": "routine:r-1"})), Some("r-1"));
        assert_eq!(routine_of(&json!({"createdBy": "plugin:notifier"})), None);
        assert_eq!(routine_of(&json!({"createdBy": "routine:"})), None);
        let done =
            routine_notice("r-1", Some("s"), None, RoutineOutcome::Turn { status: "completed", error: None }, "");
        assert_eq!(
            (done.kind.as_str(), done.title.as_str()),
            ("routine_succeeded", "Codex: routine run finished in chat s")
        );
        let failed = routine_notice("r-1", None, None, RoutineOutcome::JobFailed("retries exhausted"), "http://w");
        assert_eq!(failed.kind, "routine_failed");
        assert_eq!(failed.message, "Routine r-1: retries exhausted");
        assert_eq!(failed.url, None);
        let interrupted = routine_notice(
            "r",
            Some("s"),
            None,
            RoutineOutcome::Turn { status: "interrupted", error: Some("stopped") },
            "http://w",
        );
        assert_eq!(
            (interrupted.kind.as_str(), interrupted.message.as_str()),
            ("routine_failed", "Routine r: Its turn ended interrupted: stopped")
        );
    }

    #[test]
    fn each_target_gets_its_own_format() {
        let notice = pending_notice(&approval(), "sess-1", Some("Fix <CI> & ship"), 60_000, "http://w").unwrap();
        let ntfy = http_request(&Target { kind: TargetKind::Ntfy, url: "https://ntfy.sh/t".into() }, &notice);
        assert_eq!((ntfy.method.as_str(), ntfy.url.as_str()), ("POST", "https://ntfy.sh/t"));
        let header = |name: &str| ntfy.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str());
        assert_eq!(header("Title"), Some("Codex: \"Fix <CI> & ship\" needs your approval"));
        assert_eq!(header("Click"), Some("http://w/chats/sess-1"));
        assert_eq!(ntfy.body.as_deref(), Some(notice.message.as_bytes()));

        let hook = http_request(&Target { kind: TargetKind::Webhook, url: "http://127.0.0.1:1/h".into() }, &notice);
        let body: Value = codex_manager_plugin_sdk::serde_json::from_slice(hook.body.as_deref().unwrap()).unwrap();
        assert_eq!(body, notice.to_json());
        assert_eq!(Notice::from_json(&body), Some(notice.clone()));
        assert_eq!(body["sessionId"], "sess-1");

        let slack = http_request(&Target { kind: TargetKind::Slack, url: "https://hooks.slack.com/x".into() }, &notice);
        let body: Value = codex_manager_plugin_sdk::serde_json::from_slice(slack.body.as_deref().unwrap()).unwrap();
        let text = body["text"].as_str().unwrap();
        assert!(
            text.starts_with("*Codex: “Fix &lt;CI&gt; &amp; ship” needs your approval*\nRun `rm -rf build`"),
            "{text}"
        );
        assert!(text.ends_with("\n<http://w/chats/sess-1|Open the chat>"), "{text}");
    }

    #[test]
    fn long_details_are_clipped() {
        let long = "x".repeat(1000);
        let clipped = clip(&long, 10);
        assert_eq!(clipped.chars().count(), 10);
        assert!(clipped.ends_with('…'));
        assert_eq!(clip("  short ", 10), "short");
    }
}
