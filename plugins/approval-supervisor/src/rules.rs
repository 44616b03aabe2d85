//! The supervisor's pure logic: the session setting, glob matching over commands, the workspace check for file
//! changes, and the verdict for one pending request. No host calls here, so all of it is unit-tested natively.

use codex_manager_plugin_sdk::serde_json::Value;

use crate::judge::{self, Mode, Overrides};

/// The session setting that configures the supervisor.
pub const SETTING: &str = "approval-supervisor";
/// The longest grace period honoured (an hour); a longer one is cut to this.
pub const MAX_GRACE_MS: u64 = 3_600_000;
/// The longest reason sent with a decision (the host takes at most 1000 characters).
const MAX_REASON_CHARS: usize = 1000;
/// Longer commands are never matched by a rule (the matcher is O(pattern × command)).
const MAX_COMMAND_CHARS: usize = 64 * 1024;
/// The longest message a steer rule sends to the turn.
pub const MAX_STEER_CHARS: usize = 4000;

/// What the supervisor decides: only ever `accept` or `decline` (never `cancel`, never for the session).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Choice {
    Accept,
    Decline,
}

impl Choice {
    /// The decision as app-server spells it in `availableDecisions`.
    pub fn as_str(self) -> &'static str {
        match self {
            Choice::Accept => "accept",
            Choice::Decline => "decline",
        }
    }

    pub fn parse(s: &str) -> Option<Choice> {
        match s {
            "accept" => Some(Choice::Accept),
            "decline" => Some(Choice::Decline),
            _ => None,
        }
    }
}

/// What happens to a request no rule decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Otherwise {
    /// Leave it to the user (the default).
    Ask,
    Decline,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    /// The glob as the user wrote it (for the reason).
    pub pattern: String,
    /// A steer rule declines (so its `*` matches like a decline rule's).
    pub decision: Choice,
    /// A steer rule's message: sent to the running turn before the request is declined.
    pub steer: Option<String>,
}

/// The session setting `approval-supervisor`, with its defaults filled in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    pub enabled: bool,
    pub rules: Vec<Rule>,
    /// `Some(Accept)`: accept a file change whose every path is inside the session's working directory.
    pub file_changes_in_workspace: Option<Choice>,
    pub otherwise: Otherwise,
    pub grace_ms: u64,
    /// `mode`, `accept_up_to`, `decline_at`: the session's own values over the plugin-wide settings.
    pub judge: Overrides,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            enabled: false,
            rules: Vec::new(),
            file_changes_in_workspace: None,
            otherwise: Otherwise::Ask,
            grace_ms: 0,
            judge: Overrides::default(),
        }
    }
}

/// Parses the setting's JSON value; `None` (not set) is the default, which is off. A bare `true`/`false` is taken
/// as `{"enabled": ...}`. Anything malformed is an error naming the field, so a typo never half-applies.
pub fn parse_settings(json: Option<&str>) -> Result<Settings, String> {
    let mut settings = Settings::default();
    let Some(json) = json else { return Ok(settings) };
    let value: Value = codex_manager_plugin_sdk::serde_json::from_str(json).map_err(|e| format!("not JSON: {e}"))?;
    let obj = match value {
        Value::Null => return Ok(settings),
        Value::Bool(enabled) => {
            settings.enabled = enabled;
            return Ok(settings);
        }
        Value::Object(obj) => obj,
        _ => return Err("expected an object like {\"enabled\": true, \"rules\": [...]}".into()),
    };
    for (key, v) in &obj {
        match key.as_str() {
            "enabled" => settings.enabled = v.as_bool().ok_or("`enabled` must be true or false")?,
            "rules" => settings.rules = parse_rules(v)?,
            "file_changes_in_workspace" => {
                settings.file_changes_in_workspace = match v {
                    Value::Null => None,
                    Value::String(s) if s == "accept" => Some(Choice::Accept),
                    _ => return Err("`file_changes_in_workspace` must be \"accept\" or null".into()),
                }
            }
            "otherwise" => {
                settings.otherwise = match v.as_str() {
                    Some("ask") => Otherwise::Ask,
                    Some("decline") => Otherwise::Decline,
                    _ => return Err("`otherwise` must be \"ask\" or \"decline\"".into()),
                }
            }
            "grace_ms" => {
                settings.grace_ms =
                    v.as_u64().ok_or("`grace_ms` must be a whole number of milliseconds")?.min(MAX_GRACE_MS)
            }
            "mode" => settings.judge.mode = Some(Mode::parse(v)?),
            "accept_up_to" => settings.judge.accept_up_to = Some(judge::parse_accept_up_to(v)?),
            "decline_at" => settings.judge.decline_at = Some(judge::parse_decline_at(v)?),
            other => return Err(format!("unknown field `{other}`")),
        }
    }
    Ok(settings)
}

/// A rule is `{"command": "<glob>", "decision": "accept"|"decline"}` or, the same with other names,
/// `{"pattern": "<glob>", "action": "accept"|"decline"|"steer", "message": "..."}`; `message` goes with `steer` only.
fn parse_rules(v: &Value) -> Result<Vec<Rule>, String> {
    let list = v.as_array().ok_or("`rules` must be a list of {\"command\": \"<glob>\", \"decision\": ...}")?;
    let mut rules = Vec::with_capacity(list.len());
    for (i, rule) in list.iter().enumerate() {
        let obj = rule.as_object().ok_or_else(|| format!("rules[{i}] must be an object"))?;
        if let Some(other) =
            obj.keys().find(|k| !matches!(k.as_str(), "command" | "pattern" | "decision" | "action" | "message"))
        {
            return Err(format!("rules[{i}]: unknown field `{other}`"));
        }
        let one_of = |a: &str, b: &str| match (obj.get(a), obj.get(b)) {
            (Some(_), Some(_)) => Err(format!("rules[{i}]: `{a}` and `{b}` are the same field; give one")),
            (x, y) => Ok(x.or(y)),
        };
        let pattern = one_of("command", "pattern")?
            .and_then(Value::as_str)
            .filter(|p| !p.trim().is_empty())
            .ok_or_else(|| format!("rules[{i}].command must be a non-empty string"))?;
        let action = one_of("decision", "action")?.and_then(Value::as_str);
        let message = obj.get("message");
        let (decision, steer) = match (action, message) {
            (Some("steer"), Some(Value::String(m))) if !m.trim().is_empty() => {
                if m.chars().count() > MAX_STEER_CHARS {
                    return Err(format!("rules[{i}].message is longer than {MAX_STEER_CHARS} characters"));
                }
                (Choice::Decline, Some(m.trim().to_string()))
            }
            (Some("steer"), _) => return Err(format!("rules[{i}]: a steer rule needs a non-empty `message`")),
            (_, Some(_)) => return Err(format!("rules[{i}]: `message` goes with `\"action\": \"steer\"` only")),
            (a, None) => (
                a.and_then(Choice::parse)
                    .ok_or_else(|| format!("rules[{i}].decision must be \"accept\", \"decline\" or \"steer\""))?,
                None,
            ),
        };
        rules.push(Rule { pattern: pattern.to_string(), decision, steer });
    }
    Ok(rules)
}

/// What to do with one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Decide {
        decision: Choice,
        reason: String,
    },
    /// Leave it to the user; the string says why (for the log).
    Ask(String),
    /// Send `message` to the running turn, then decline (a steer rule matched).
    Steer {
        message: String,
        reason: String,
    },
    /// Judging mode: no rule decided, so a worker turn assesses it; the string says why no rule did.
    Judge(String),
}

/// Whether the verdict on `request` depends on the session's working directory (a file change the settings
/// may accept): only then is the session read.
pub fn needs_cwd(settings: &Settings, request: &Value) -> bool {
    request.get("kind").and_then(Value::as_str) == Some("file_change_approval")
        && settings.file_changes_in_workspace.is_some()
}

/// The verdict on a pending request (the `PendingRequest` of an `approval.requested` event) under `settings`.
/// `cwd` is the session's working directory (needed only when [`needs_cwd`] says so).
#[cfg(test)]
pub fn evaluate(settings: &Settings, request: &Value, cwd: Option<&str>) -> Verdict {
    evaluate_in(Mode::Rules, settings, request, cwd)
}

/// [`evaluate`] in `mode`: in [`Mode::Judge`] what no rule decides is [`Verdict::Judge`] instead of `otherwise`.
pub fn evaluate_in(mode: Mode, settings: &Settings, request: &Value, cwd: Option<&str>) -> Verdict {
    let no_rule = |settings: &Settings, why: &str| match mode {
        Mode::Rules => otherwise(settings, why),
        Mode::Judge => Verdict::Judge(why.to_string()),
    };
    if !settings.enabled {
        return Verdict::Ask("the supervisor is off for this session".into());
    }
    if let Some(status) = request.get("status").and_then(Value::as_str) {
        if status != "pending" {
            return Verdict::Ask(format!("the request is {status}"));
        }
    }
    let params = request.get("params").unwrap_or(&Value::Null);
    let verdict = match request.get("kind").and_then(Value::as_str) {
        Some("command_approval") => {
            let Some(command) = command_text(params.get("command")) else {
                return Verdict::Ask("the request shows no command".into());
            };
            match settings.rules.iter().find(|rule| rule_matches(rule, &command)) {
                Some(Rule { pattern, steer: Some(message), .. }) => Verdict::Steer {
                    message: message.clone(),
                    reason: format!("rule \"{pattern}\" → decline and steer: {message}"),
                },
                Some(rule) => Verdict::Decide {
                    decision: rule.decision,
                    reason: format!("rule \"{}\" → {}", rule.pattern, rule.decision.as_str()),
                },
                None => no_rule(settings, "no rule matched the command"),
            }
        }
        Some("file_change_approval") => match (settings.file_changes_in_workspace, cwd) {
            (Some(choice), Some(cwd)) => match file_changes_inside(request, cwd) {
                Ok(()) => Verdict::Decide {
                    decision: choice,
                    reason: format!(
                        "file_changes_in_workspace: every changed file is inside {cwd} → {}",
                        choice.as_str()
                    ),
                },
                Err(why) => no_rule(settings, &why),
            },
            (Some(_), None) => no_rule(settings, "the session's working directory is unknown"),
            (None, _) => no_rule(settings, "file_changes_in_workspace is not set"),
        },
        Some(kind) => return Verdict::Ask(format!("the supervisor does not decide `{kind}` requests")),
        None => return Verdict::Ask("the request has no kind".into()),
    };
    match verdict {
        Verdict::Decide { decision, reason } if !offered(params, decision) => {
            Verdict::Ask(format!("{reason}, but `{}` is not among the decisions the request offers", decision.as_str()))
        }
        Verdict::Decide { decision, reason } => {
            Verdict::Decide { decision, reason: cap_chars(reason, MAX_REASON_CHARS) }
        }
        Verdict::Steer { reason, .. } if !steer_may_decline(params) => {
            Verdict::Ask(format!("{reason}, but the request offers neither `decline` nor `cancel`"))
        }
        Verdict::Steer { message, reason } => Verdict::Steer { message, reason: cap_chars(reason, MAX_REASON_CHARS) },
        other => other,
    }
}

fn otherwise(settings: &Settings, why: &str) -> Verdict {
    match settings.otherwise {
        Otherwise::Ask => Verdict::Ask(why.to_string()),
        Otherwise::Decline => {
            Verdict::Decide { decision: Choice::Decline, reason: format!("{why}; otherwise → decline") }
        }
    }
}

/// Whether the request offers `decision`: `params.availableDecisions`, when present, lists the plain decisions
/// as strings (amendments as objects). Without the list, both are taken as offered.
pub fn offered(params: &Value, decision: Choice) -> bool {
    match params.get("availableDecisions").and_then(Value::as_array) {
        Some(list) => list.iter().any(|d| d.as_str() == Some(decision.as_str())),
        None => true,
    }
}

/// A steer rule declines when the request offers `decline`, or offers `cancel` as its way of saying no (app-server
/// lists `accept`, an amendment and `cancel` for an escalated command, yet takes `decline`, which refuses the command
/// and lets the turn go on; `cancel` would end the turn, and the guidance with it).
pub fn steer_may_decline(params: &Value) -> bool {
    offered(params, Choice::Decline)
        || params
            .get("availableDecisions")
            .and_then(Value::as_array)
            .is_some_and(|list| list.iter().any(|d| d.as_str() == Some("cancel")))
}

pub fn cap_chars(s: String, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((cut, _)) => s[..cut].to_string(),
        None => s,
    }
}

// -------------------------------------------------------------------------------------------------------------
// Commands.

/// The characters a `*` of an `accept` rule never matches: the shell's command separators, pipes, redirections,
/// substitutions and subshells. So `git status*` accepts `git status --short` but not
/// `git status && rm -rf ~`, `git status > f` or `git status $(curl …)`.
const SHELL_OPERATORS: &[char] = &[';', '&', '|', '`', '$', '<', '>', '(', ')', '\n'];

/// The command a rule is matched against: app-server shows a command as `/bin/bash -lc '<script>'` (or `sh -c`,
/// `zsh -lc`, ...); that is unwrapped to `<script>`, unquoted. Anything else is taken as it is. A list (the legacy
/// protocol's argv) is joined with spaces first. Whitespace is then normalized: see [`normalize`].
pub fn command_text(command: Option<&Value>) -> Option<String> {
    let raw = match command? {
        Value::String(s) => s.clone(),
        Value::Array(parts) => {
            let parts: Vec<&str> = parts.iter().filter_map(Value::as_str).collect();
            if let Some(script) = shell_script(&parts) {
                return Some(normalize(script));
            }
            parts.join(" ")
        }
        _ => return None,
    };
    if raw.trim().is_empty() {
        return None;
    }
    let unwrapped = match shell_words(&raw) {
        Some(words) => {
            let words: Vec<&str> = words.iter().map(String::as_str).collect();
            shell_script(&words).map(str::to_string)
        }
        None => None,
    };
    Some(normalize(&unwrapped.unwrap_or(raw)))
}

/// `[<shell>, -c|-lc|-cl, script]` or `[<shell>, -l, -c, script]` → the script.
fn shell_script<'a>(words: &[&'a str]) -> Option<&'a str> {
    let (shell, flags, script) = match words {
        [shell, flag, script] => (*shell, vec![*flag], *script),
        [shell, a, b, script] => (*shell, vec![*a, *b], *script),
        _ => return None,
    };
    let name = shell.rsplit('/').next().unwrap_or(shell);
    if !matches!(name, "bash" | "sh" | "zsh" | "dash" | "ksh") {
        return None;
    }
    let ok = match flags.as_slice() {
        [f] => matches!(*f, "-c" | "-lc" | "-cl"),
        [a, b] => *a == "-l" && *b == "-c",
        _ => false,
    };
    ok.then_some(script)
}

/// Splits a command line into words as a POSIX shell would: `'...'` is literal, `"..."` keeps its text with `\"`,
/// `\\`, `\$` and `` \` `` unescaped, a bare `\` escapes the next character. `None` when a quote is not closed.
pub fn shell_words(line: &str) -> Option<Vec<String>> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                in_word = true;
                loop {
                    match chars.next()? {
                        '\'' => break,
                        c => word.push(c),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next()? {
                        '"' => break,
                        '\\' => match chars.next()? {
                            c @ ('"' | '\\' | '$' | '`') => word.push(c),
                            '\n' => {}
                            c => {
                                word.push('\\');
                                word.push(c);
                            }
                        },
                        c => word.push(c),
                    }
                }
            }
            '\\' => {
                in_word = true;
                match chars.next() {
                    Some('\n') | None => {}
                    Some(c) => word.push(c),
                }
            }
            c if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            c => {
                in_word = true;
                word.push(c);
            }
        }
    }
    if in_word {
        words.push(word);
    }
    Some(words)
}

/// Trims the text, and turns every run of spaces, tabs and carriage returns into one space; a line break (a
/// command separator to the shell) stays, without the blanks around it. Patterns and commands both go through it,
/// so `git  status` and `git status` are the same.
pub fn normalize(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut pending_space = false;
    for c in s.trim().chars() {
        match c {
            '\n' => {
                pending_space = false;
                while out.ends_with(' ') {
                    out.pop();
                }
                out.push('\n');
            }
            c if c.is_whitespace() => pending_space = !out.is_empty() && !out.ends_with('\n'),
            c => {
                if pending_space {
                    out.push(' ');
                    pending_space = false;
                }
                out.push(c);
            }
        }
    }
    out
}

fn rule_matches(rule: &Rule, command: &str) -> bool {
    if command.chars().count() > MAX_COMMAND_CHARS {
        return false;
    }
    // A `*` of an accept rule stops at shell operators, so an accepted prefix cannot smuggle a second command
    // in; a `*` of a decline rule matches anything, so a declined command stays declined whatever follows it.
    glob_match(&normalize(&rule.pattern), command, rule.decision == Choice::Decline)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Token {
    Star,
    Char(char),
}

/// Whether `pattern` matches the whole of `text`. `*` matches any run of characters (none included); with
/// `star_matches_operators` false it never matches one of the shell operators (`; & | ` $ < > ( )` and line
/// breaks). `\*` is a literal `*`, `\\` a literal `\`; every other character, `?` and `[` included, is itself.
/// Case matters.
pub fn glob_match(pattern: &str, text: &str, star_matches_operators: bool) -> bool {
    let mut tokens = Vec::new();
    let mut chars = pattern.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if matches!(chars.peek(), Some('*') | Some('\\')) => {
                tokens.push(Token::Char(chars.next().unwrap_or(c)))
            }
            '*' => {
                if tokens.last() != Some(&Token::Star) {
                    tokens.push(Token::Star);
                }
            }
            c => tokens.push(Token::Char(c)),
        }
    }
    // reach[i]: the first i tokens can match the text read so far.
    let mut reach = vec![false; tokens.len() + 1];
    reach[0] = true;
    close_stars(&tokens, &mut reach);
    for c in text.chars() {
        let star_ok = star_matches_operators || !SHELL_OPERATORS.contains(&c);
        let mut next = vec![false; tokens.len() + 1];
        for (i, token) in tokens.iter().enumerate() {
            if !reach[i] {
                continue;
            }
            match *token {
                Token::Char(p) if p == c => next[i + 1] = true,
                // The star consumes `c` and stays.
                Token::Star if star_ok => next[i] = true,
                _ => {}
            }
        }
        close_stars(&tokens, &mut next);
        if !next.iter().any(|&r| r) {
            return false;
        }
        reach = next;
    }
    reach[tokens.len()]
}

/// A star may match nothing: wherever the matcher can stand before a star, it can stand after it.
fn close_stars(tokens: &[Token], reach: &mut [bool]) {
    for i in 0..tokens.len() {
        if reach[i] && tokens[i] == Token::Star {
            reach[i + 1] = true;
        }
    }
}

// -------------------------------------------------------------------------------------------------------------
// File changes.

/// `Ok` when the request's file change touches only paths inside `cwd`: every `item.changes[].path` (and a move's
/// target, `kind.move_path`), and `params.grantRoot` when the request asks for one. Relative paths are taken
/// relative to `cwd`; `.` and `..` are resolved by their names (the plugin cannot see the file system, so a
/// symlink inside the workspace that points out of it is not caught: the sandbox is what holds that line).
pub fn file_changes_inside(request: &Value, cwd: &str) -> Result<(), String> {
    let Some(root) = normalize_path(cwd, None) else {
        return Err(format!("the working directory `{cwd}` is not an absolute path"));
    };
    let changes = request
        .get("item")
        .and_then(|item| item.get("changes"))
        .and_then(Value::as_array)
        .filter(|changes| !changes.is_empty())
        .ok_or("the request shows no changed files")?;
    let mut paths: Vec<&str> = Vec::new();
    for change in changes {
        let path = change.get("path").and_then(Value::as_str).ok_or("a change has no path")?;
        paths.push(path);
        let kind = change.get("kind");
        for key in ["move_path", "movePath"] {
            if let Some(target) = kind.and_then(|k| k.get(key)).and_then(Value::as_str) {
                paths.push(target);
            }
        }
    }
    if let Some(grant) = request.get("params").and_then(|p| p.get("grantRoot")).and_then(Value::as_str) {
        paths.push(grant);
    }
    for path in paths {
        if !inside(&root, path) {
            return Err(format!("`{path}` is outside the workspace {cwd}"));
        }
    }
    Ok(())
}

fn inside(root: &str, path: &str) -> bool {
    match normalize_path(path, Some(root)) {
        Some(p) => p == root || root == "/" || p.strip_prefix(root).is_some_and(|rest| rest.starts_with('/')),
        None => false,
    }
}

/// `path` made absolute against `base` (when relative), with `.`, `..` and repeated or trailing slashes resolved
/// by name. `None` for a relative path without a base, or an empty one.
pub fn normalize_path(path: &str, base: Option<&str>) -> Option<String> {
    if path.is_empty() {
        return None;
    }
    let full = if path.starts_with('/') {
        path.to_string()
    } else {
        let base = base?;
        format!("{base}/{path}")
    };
    let mut parts: Vec<&str> = Vec::new();
    for part in full.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    Some(format!("/{}", parts.join("/")))
}

#[cfg(test)]
mod tests;
