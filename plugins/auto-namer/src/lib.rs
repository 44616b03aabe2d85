//! `auto-namer`: names an untitled session after the first words of its first user message.
//!
//! On `turn.completed` (or a job of kind `autonamer.name`), for a session that has no title, whose setting
//! `autonamer.enabled` is not `false`, and that this plugin never named before, it renames the session to the
//! first six words of the first user message (at most 60 characters, without trailing punctuation) and
//! remembers in its kv store that it did, so it never renames a session twice (even if the user later clears
//! the title).

use codex_manager_plugin_sdk::serde_json::{json, Value};
use codex_manager_plugin_sdk::{self as sdk, export_plugin, Error, Event, Job, JobOutcome, Plugin, TranscriptQuery};

/// The session setting that turns the plugin off for one session (`false`).
const SETTING_ENABLED: &str = "autonamer.enabled";
/// The job kind that names one session on demand.
const JOB_NAME: &str = "autonamer.name";
const MAX_WORDS: usize = 6;
/// The oldest turns read for the first user message (what 0.1.0's one transcript page held).
const FIRST_TURNS: u32 = 50;
const MAX_CHARS: usize = 60;
/// How long a job waits before trying again when the host is busy.
const RETRY_AFTER_MS: u64 = 5_000;

struct AutoNamer;

impl Plugin for AutoNamer {
    fn on_event(event: &Event) -> Result<(), String> {
        if !event.kind.starts_with("turn.completed") {
            return Ok(());
        }
        let Some(session_id) = event.session_id.as_deref() else {
            return Ok(());
        };
        match name_session(session_id) {
            Ok(Outcome::Renamed(title)) => {
                sdk::log::info(format!("named session {session_id}: {title}"));
                Ok(())
            }
            Ok(Outcome::Skipped(_)) => Ok(()),
            // The session went away between the event and now: nothing to name.
            Err(err) if err.is_not_found() => Ok(()),
            Err(err) => Err(err.into()),
        }
    }

    fn run_job(job: &Job) -> JobOutcome {
        if job.kind != JOB_NAME {
            return JobOutcome::failed(format!("auto-namer runs no jobs of kind `{}`", job.kind));
        }
        let payload: Value = match job.parse_payload() {
            Ok(payload) => payload,
            Err(err) => return JobOutcome::failed(err.message()),
        };
        let session_id = match payload.get("session_id").and_then(Value::as_str).or(job.session_id.as_deref()) {
            Some(id) => id.to_string(),
            None => return JobOutcome::failed("the payload names no session: expected {\"session_id\": \"...\"}"),
        };
        match name_session(&session_id) {
            Ok(Outcome::Renamed(title)) => {
                sdk::log::info(format!("named session {session_id}: {title}"));
                JobOutcome::succeeded_json(&json!({ "renamed": true, "title": title }))
            }
            Ok(Outcome::Skipped(reason)) => JobOutcome::succeeded_json(&json!({ "renamed": false, "reason": reason })),
            Err(err) => JobOutcome::from_error(&err, RETRY_AFTER_MS),
        }
    }
}

export_plugin!(AutoNamer);

enum Outcome {
    Renamed(String),
    Skipped(&'static str),
}

fn named_key(session_id: &str) -> String {
    format!("named:{session_id}")
}

fn name_session(session_id: &str) -> Result<Outcome, Error> {
    let key = named_key(session_id);
    if sdk::kv::get(&key)?.is_some() {
        return Ok(Outcome::Skipped("already named by auto-namer"));
    }
    if let Some(value) = sdk::sessions::get_setting(session_id, SETTING_ENABLED)? {
        if is_disabled(&value) {
            return Ok(Outcome::Skipped("disabled by the session setting autonamer.enabled"));
        }
    }
    let session: Value = sdk::parse_json(&sdk::sessions::get(session_id)?)?;
    if has_title(&session) {
        return Ok(Outcome::Skipped("the session has a title"));
    }
    // The first message is in the oldest turns.
    let transcript: Value = sdk::parse_json(&sdk::sessions::transcript_page(session_id, &TranscriptQuery::oldest(FIRST_TURNS))?)?;
    let Some(message) = first_user_message(&transcript) else {
        return Ok(Outcome::Skipped("no user message yet"));
    };
    let Some(title) = title_from(&message) else {
        return Ok(Outcome::Skipped("the first user message has no words"));
    };
    sdk::sessions::rename(session_id, &title)?;
    // The session now has a title, which keeps it from being renamed again even if this fails; the kv mark
    // is for a user who clears the title afterwards.
    if let Err(err) = sdk::kv::set(&key, &title) {
        sdk::log::warn(format!("named session {session_id} but could not remember it: {}", String::from(err)));
    }
    Ok(Outcome::Renamed(title))
}

/// The setting's JSON value turns the plugin off: `false` (or, leniently, the string `"false"`).
fn is_disabled(setting_json: &str) -> bool {
    match sdk::parse_json::<Value>(setting_json) {
        Ok(Value::Bool(enabled)) => !enabled,
        Ok(Value::String(s)) => s.trim().eq_ignore_ascii_case("false"),
        Ok(_) => false,
        Err(_) => setting_json.trim().eq_ignore_ascii_case("false"),
    }
}

fn has_title(session: &Value) -> bool {
    session.get("title").and_then(Value::as_str).is_some_and(|t| !t.trim().is_empty())
}

/// The text of the first user message of the transcript that has any.
fn first_user_message(transcript: &Value) -> Option<String> {
    let turns = transcript.get("turns")?.as_array()?;
    for turn in turns {
        let Some(items) = turn.get("items").and_then(Value::as_array) else { continue };
        for item in items {
            if item.get("type").and_then(Value::as_str) != Some("userMessage") {
                continue;
            }
            let Some(content) = item.get("content").and_then(Value::as_array) else { continue };
            let text: Vec<&str> = content
                .iter()
                .filter(|part| part.get("type").and_then(Value::as_str) == Some("text"))
                .filter_map(|part| part.get("text").and_then(Value::as_str))
                .collect();
            let text = text.join("\n");
            if !text.trim().is_empty() {
                return Some(text);
            }
        }
    }
    None
}

/// The title for a first message: its first words (skipping leading ones that are only punctuation, such
/// as a Markdown `#` or `-`), at most `MAX_WORDS` of them and `MAX_CHARS` characters, cut between words when
/// it can, without trailing punctuation. `None` if nothing is left.
fn title_from(message: &str) -> Option<String> {
    let mut title = String::new();
    let mut chars = 0;
    let words = message.split_whitespace().skip_while(|w| !w.chars().any(char::is_alphanumeric)).take(MAX_WORDS);
    for word in words {
        let len = word.chars().count();
        let sep = usize::from(!title.is_empty());
        if chars + sep + len > MAX_CHARS {
            if title.is_empty() {
                // One word longer than a title: cut it.
                title.extend(word.chars().take(MAX_CHARS));
            }
            break;
        }
        if sep == 1 {
            title.push(' ');
        }
        title.push_str(word);
        chars += sep + len;
    }
    let trimmed = trim_trailing_punctuation(&title);
    (!trimmed.is_empty()).then(|| trimmed.to_string())
}

fn trim_trailing_punctuation(mut s: &str) -> &str {
    while let Some(c) = s.chars().next_back() {
        let keep = match c {
            // A closer stays when it closes something in the title: `foo()`, `Vec<u8>`.
            ')' => s.contains('('),
            ']' => s.contains('['),
            '}' => s.contains('{'),
            '>' => s.contains('<'),
            // A quote stays when it closes one.
            '"' | '\'' | '`' => s.matches(c).count() % 2 == 0,
            c if c.is_whitespace() => false,
            '.' | ',' | ';' | ':' | '!' | '?' | '-' | '(' | '[' | '{' | '<' | '*' | '/' | '\\' | '|' | '&' | '='
            | '~' | '_' | '…' | '–' | '—' | '。' | '，' | '、' | '！' | '？' | '：' | '；' | '¿' | '¡' => {
                false
            }
            _ => true,
        };
        if keep {
            break;
        }
        s = &s[..s.len() - c.len_utf8()];
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_six_words() {
        assert_eq!(
            title_from("Please fix the failing test in the parser module.").as_deref(),
            Some("Please fix the failing test in")
        );
        assert_eq!(title_from("  Refactor   the\nstore  ").as_deref(), Some("Refactor the store"));
        assert_eq!(title_from("What does this do?").as_deref(), Some("What does this do"));
        assert_eq!(title_from("Hello, world!!!").as_deref(), Some("Hello, world"));
        assert_eq!(title_from("Add a test, then:").as_deref(), Some("Add a test, then"));
    }

    #[test]
    fn at_most_sixty_characters_cut_between_words() {
        let t = title_from("Internationalization considerations regarding pluralization rules everywhere").unwrap();
        assert!(t.chars().count() <= MAX_CHARS, "{t}");
        assert_eq!(t, "Internationalization considerations regarding pluralization");
        let long = "x".repeat(100);
        assert_eq!(title_from(&long).unwrap().chars().count(), MAX_CHARS);
        let wide = "é".repeat(100);
        assert_eq!(title_from(&wide).unwrap().chars().count(), MAX_CHARS);
    }

    #[test]
    fn punctuation() {
        assert_eq!(title_from("# Fix the build").as_deref(), Some("Fix the build"));
        assert_eq!(title_from("- ... ?").as_deref(), None);
        assert_eq!(title_from("Why does foo() fail").as_deref(), Some("Why does foo() fail"));
        assert_eq!(title_from("Call foo() then bar( now").as_deref(), Some("Call foo() then bar( now"));
        assert_eq!(title_from("Port it to C++").as_deref(), Some("Port it to C++"));
        assert_eq!(title_from("Rename \"a\" to \"b\"").as_deref(), Some("Rename \"a\" to \"b\""));
        assert_eq!(
            title_from("Say \"hello there my friend how are").as_deref(),
            Some("Say \"hello there my friend how")
        );
        assert_eq!(title_from("修复这个错误。").as_deref(), Some("修复这个错误"));
        assert_eq!(title_from("").as_deref(), None);
    }

    #[test]
    fn transcript_first_user_message() {
        let t: Value = sdk::parse_json(
            r#"{"turns":[
                {"items":[{"type":"userMessage","content":[{"type":"image","url":"x"}]}]},
                {"items":[
                    {"type":"agentMessage","text":"hi"},
                    {"type":"userMessage","content":[{"type":"text","text":"Make the tests pass"},{"type":"text","text":"please"}]}
                ]},
                {"items":[{"type":"userMessage","content":[{"type":"text","text":"second"}]}]}
            ]}"#,
        )
        .unwrap();
        assert_eq!(first_user_message(&t).as_deref(), Some("Make the tests pass\nplease"));
        assert_eq!(first_user_message(&json!({"turns": []})), None);
        assert_eq!(first_user_message(&json!({})), None);
    }

    #[test]
    fn titles_and_settings() {
        assert!(!has_title(&json!({"id": "s", "title": null})));
        assert!(!has_title(&json!({"id": "s"})));
        assert!(!has_title(&json!({"id": "s", "title": "  "})));
        assert!(has_title(&json!({"id": "s", "title": "Mine"})));
        assert!(is_disabled("false"));
        assert!(is_disabled("\"false\""));
        assert!(!is_disabled("true"));
        assert!(!is_disabled("null"));
        assert!(!is_disabled("{"));
    }
}
