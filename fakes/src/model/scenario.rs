//! Scenario selection and the step model shared by built-in and scripted scenarios.

use std::collections::HashMap;
use std::path::Path;

use anyhow::Context as _;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// One step of a model response. A response is a list of steps; a scenario is a list of responses.
///
/// Script JSON uses the same shape, e.g. `{"type":"text","text":"hi","chunks":2}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Step {
    /// An assistant message. Streamed as `chunks` nearly equal deltas, or one delta per word (with its
    /// trailing whitespace) when absent. `delay_ms` overrides the server's pause between deltas.
    Text {
        text: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        chunks: Option<usize>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        delay_ms: Option<u64>,
    },
    /// A reasoning item with one summary part, streamed word by word.
    Reasoning { text: String },
    /// A `function_call` output item. `arguments` may be any JSON; a string is sent verbatim.
    FunctionCall {
        name: String,
        #[serde(default)]
        arguments: Value,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        namespace: Option<String>,
    },
    /// A `custom_tool_call` (freeform tool such as `apply_patch`).
    CustomToolCall { name: String, input: String },
    /// Answer with this HTTP status and a JSON error body instead of a stream. Only honoured as the
    /// first step (after any `sleep`s); later it is ignored.
    HttpError { status: u16 },
    /// Until `resets_at` (Unix seconds): HTTP 429 with the body codex reads as a usage limit
    /// (`{"error":{"type":"usage_limit_reached","resets_at":…,"resets_in_seconds":…}}`) and the
    /// `x-codex-primary-*` rate-limit headers at 100 %. From `resets_at` on it is skipped and the
    /// following steps are sent. Honoured as the first step (after any `sleep`s).
    UsageLimit { resets_at: i64 },
    /// `response.failed` with this error code; ends the stream.
    Failed {
        code: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        message: Option<String>,
    },
    /// Close the connection mid-stream (after `response.created`), without `response.completed`.
    Disconnect,
    /// Pause. Leading sleeps before an `http_error` delay the status line; otherwise the stream
    /// has already started (`response.created` sent) and the sleep is mid-stream silence.
    Sleep { ms: u64 },
}

/// Scripted scenarios: scenario name → responses → steps. Overrides built-ins of the same name;
/// the key `default` overrides the behaviour for messages without a `scenario:` token.
pub type Script = HashMap<String, Vec<Vec<Step>>>;

/// Loads a script file (see [`Script`]).
pub fn load_script(path: &Path) -> anyhow::Result<Script> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading script {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("parsing script {}", path.display()))
}

/// Item types that carry a tool's result back to the model; each one advances the step index.
const OUTPUT_TYPES: &[&str] = &[
    "function_call_output",
    "custom_tool_call_output",
    "tool_search_output",
    "mcp_tool_call_output",
];

/// What the fake derives from one `/responses` request body.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TurnView {
    /// The `scenario:<name>` token of the newest real user message, if any.
    pub scenario: Option<String>,
    /// That message's text with the scenario token removed, trimmed.
    pub user_text: String,
    /// Tool outputs after that message: which response of the scenario to send.
    pub step: usize,
    /// Index of that message in `input` (0 if none); distinguishes turns in generated ids.
    pub user_index: usize,
    /// Text of the last tool output in `input`, if any.
    pub last_output: Option<String>,
    /// Whether the request offers an `apply_patch` tool.
    pub has_apply_patch: bool,
}

impl TurnView {
    /// Analyses a Responses API request body.
    pub fn from_body(body: &Value) -> Self {
        let empty = Vec::new();
        let input = body
            .get("input")
            .and_then(Value::as_array)
            .unwrap_or(&empty);
        let newest_user = input.iter().enumerate().rev().find_map(|(i, item)| {
            let text = user_text(item)?;
            (!text.trim_start().starts_with('<')).then_some((i, text))
        });
        let (user_index, text, after) = match newest_user {
            Some((i, text)) => (i, text, &input[i + 1..]),
            None => (0, String::new(), &input[..]),
        };
        let outputs: Vec<&Value> = after
            .iter()
            .filter(|item| item_type(item).is_some_and(|t| OUTPUT_TYPES.contains(&t)))
            .collect();
        let (scenario, user_text) = split_token(&text, "scenario:");
        let has_apply_patch = body
            .get("tools")
            .and_then(Value::as_array)
            .is_some_and(|tools| {
                tools
                    .iter()
                    .any(|t| t.get("name").and_then(Value::as_str) == Some("apply_patch"))
            });
        Self {
            scenario,
            user_text,
            step: outputs.len(),
            user_index,
            last_output: outputs.last().map(|item| output_text(item)),
            has_apply_patch,
        }
    }

    /// The responses of the selected scenario: the script's if it has one, else the built-in.
    pub fn responses(&self, script: &Script) -> Vec<Vec<Step>> {
        let name = self.scenario.as_deref().unwrap_or("default");
        match script.get(name) {
            Some(responses) => responses.clone(),
            None => builtin(name, self),
        }
    }

    /// The response to send for this request.
    pub fn response(&self, script: &Script) -> Vec<Step> {
        self.responses(script)
            .into_iter()
            .nth(self.step)
            .unwrap_or_else(|| vec![text("(fake: scenario finished)")])
    }
}

/// The default reply: an echo, except for a helper's request that quotes a conversation between `<<<CONVERSATION`
/// and `CONVERSATION>>>` (the shipped plugins' worker prompts), which gets what a helper would answer: a follow-up
/// to the developer's last request. An echo of the whole prompt looked broken in the demo.
fn default_reply(user_text: &str) -> String {
    let quoted = user_text
        .split_once("<<<CONVERSATION")
        .and_then(|(_, rest)| rest.split_once("CONVERSATION>>>"))
        .map(|(conversation, _)| conversation);
    let last_request = quoted.and_then(|c| c.rsplit("## Developer").next().filter(|_| c.contains("## Developer")));
    match last_request {
        Some(block) => {
            let request = block.split("## Agent").next().unwrap_or_default().trim();
            format!("Now add tests for this: {request}")
        }
        None => format!("You said: {user_text}"),
    }
}

fn item_type(item: &Value) -> Option<&str> {
    item.get("type").and_then(Value::as_str)
}

/// The text of a user message item, or `None` for anything else.
fn user_text(item: &Value) -> Option<String> {
    if item.get("role").and_then(Value::as_str) != Some("user")
        || item_type(item).is_some_and(|t| t != "message")
    {
        return None;
    }
    Some(content_text(item.get("content")?))
}

/// Concatenates the text of a string or an array of content parts.
fn content_text(content: &Value) -> String {
    match content {
        Value::String(s) => s.clone(),
        Value::Array(parts) => parts
            .iter()
            .filter_map(|p| p.get("text").and_then(Value::as_str))
            .collect::<Vec<_>>()
            .join(""),
        _ => String::new(),
    }
}

fn output_text(item: &Value) -> String {
    match item.get("output") {
        Some(Value::Object(o)) if o.contains_key("content") => content_text(&o["content"]),
        Some(Value::String(s)) => s.clone(),
        Some(other @ Value::Array(_)) => content_text(other),
        Some(other) => other.to_string(),
        None => String::new(),
    }
}

/// Finds the first whitespace-delimited word starting with `prefix`; returns its remainder and
/// the text without that word.
fn split_token(text: &str, prefix: &str) -> (Option<String>, String) {
    let mut found = None;
    let rest: Vec<&str> = text
        .split_whitespace()
        .filter(|word| match word.strip_prefix(prefix) {
            Some(value) if found.is_none() => {
                found = Some(value.to_owned());
                false
            }
            _ => true,
        })
        .collect();
    match found {
        Some(value) => (Some(value), rest.join(" ")),
        None => (None, text.trim().to_owned()),
    }
}

fn text(s: impl Into<String>) -> Step {
    Step::Text {
        text: s.into(),
        chunks: None,
        delay_ms: None,
    }
}

fn exec(cmd: impl Into<String>, escalate: bool) -> Step {
    let mut arguments = json!({ "cmd": cmd.into(), "yield_time_ms": 10000 });
    if escalate {
        arguments["sandbox_permissions"] = json!("require_escalated");
        arguments["justification"] = json!("fake: needs approval");
    }
    Step::FunctionCall {
        name: "exec_command".into(),
        arguments,
        namespace: None,
    }
}

/// `apply_patch` adding `path`: the freeform tool when offered, else the shell form codex intercepts.
fn add_file_patch(view: &TurnView, path: &str) -> Step {
    let patch = format!(
        "*** Begin Patch\n*** Add File: {path}\n+hello from the fake model\n*** End Patch\n"
    );
    if view.has_apply_patch {
        Step::CustomToolCall {
            name: "apply_patch".into(),
            input: patch,
        }
    } else {
        exec(format!("apply_patch <<'EOF'\n{patch}EOF\n"), false)
    }
}

fn last_output(view: &TurnView) -> &str {
    view.last_output.as_deref().unwrap_or("")
}

/// The built-in scenarios (see the crate docs for the list).
fn builtin(name: &str, view: &TurnView) -> Vec<Vec<Step>> {
    if let Some(n) = name
        .strip_prefix("deltas=")
        .and_then(|n| n.parse::<usize>().ok())
    {
        return vec![vec![text(
            (0..n).map(|i| format!("d{i} ")).collect::<String>(),
        )]];
    }
    if let Some(ms) = name
        .strip_prefix("sleep=")
        .and_then(|n| n.parse::<u64>().ok())
    {
        return vec![vec![Step::Sleep { ms }, text(format!("Slept {ms} ms."))]];
    }
    if let Some(spec) = name.strip_prefix("usage_limit=") {
        // `usage_limit=<unix seconds>[,sleep=<ms>]`: the sleep holds the answer back, so that a test can queue
        // work behind the turn before it fails.
        let mut parts = spec.split(',');
        if let Some(resets_at) = parts.next().and_then(|t| t.parse::<i64>().ok()) {
            let sleep = parts
                .find_map(|p| p.strip_prefix("sleep=")?.parse::<u64>().ok())
                .unwrap_or(0);
            let mut steps = Vec::new();
            if sleep > 0 {
                steps.push(Step::Sleep { ms: sleep });
            }
            steps.push(Step::UsageLimit { resets_at });
            steps.push(text(default_reply(&view.user_text)));
            return vec![steps];
        }
    }
    if let Some(tool) = name.strip_prefix("tool:") {
        let call = Step::FunctionCall {
            name: tool.to_owned(),
            // Both spellings tools commonly take: `input` (the tests' own tools) and `text` (word-tools).
            arguments: json!({ "input": view.user_text, "text": view.user_text }),
            namespace: None,
        };
        return vec![
            vec![call],
            vec![text(format!("Tool said: {}", last_output(view)))],
        ];
    }
    match name {
        "default" => vec![vec![
            Step::Reasoning {
                text: "Thinking about the request.".into(),
            },
            text(default_reply(&view.user_text)),
        ]],
        "slow" => vec![vec![Step::Text {
            text: (0..100).map(|i| format!("s{i} ")).collect(),
            chunks: None,
            delay_ms: Some(100),
        }]],
        "approval" => vec![
            vec![exec("echo approved-output", true)],
            vec![text("Command finished.")],
        ],
        "patch" => vec![
            vec![add_file_patch(view, "hello.txt")],
            vec![text("Patch applied.")],
        ],
        "outside_patch" => match split_token(&view.user_text, "path:").0 {
            Some(path) => vec![
                vec![add_file_patch(view, &path)],
                vec![text("Patch applied.")],
            ],
            None => vec![vec![text(
                "(fake: outside_patch needs a path:<absolute path> token)",
            )]],
        },
        "user_input" => vec![
            vec![Step::FunctionCall {
                name: "request_user_input".into(),
                arguments: json!({ "questions": [{
                    "id": "color",
                    "header": "Color",
                    "question": "Pick a color",
                    "options": [
                        { "label": "Red", "description": "warm" },
                        { "label": "Blue", "description": "cool" },
                    ],
                }]}),
                namespace: None,
            }],
            vec![text(format!("Got: {}", last_output(view)))],
        ],
        "fail" => vec![vec![Step::HttpError { status: 500 }]],
        "failed" => vec![vec![Step::Failed {
            code: "server_error".into(),
            message: None,
        }]],
        "disconnect" => vec![vec![Step::Disconnect]],
        other => vec![vec![text(format!("(fake: unknown scenario `{other}`)"))]],
    }
}
