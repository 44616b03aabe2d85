//! Reading the JSON of [`sessions::transcript_page`](crate::sessions::transcript_page): `{turns: [{id, status, items: [ThreadItem, ...]}], nextCursor}`,
//! where the items are app-server's `ThreadItem` objects (`userMessage`, `agentMessage`, `fileChange`, ...).
//! Pure functions over [`serde_json::Value`], so plugins can unit-test what they do with a transcript.

use crate::Error;
use serde_json::Value;

/// A page of a session's transcript, in the order asked for (oldest first unless the query said newest first).
#[derive(Debug, Clone, PartialEq)]
pub struct Transcript {
    /// The turns of this page.
    pub turns: Vec<Turn>,
    /// Set when there are more turns than this page holds.
    pub next_cursor: Option<String>,
}

/// One turn: its id, its status (`completed`, `interrupted`, `failed`, `inProgress`) and its items.
#[derive(Debug, Clone, PartialEq)]
pub struct Turn {
    /// The turn's id.
    pub id: String,
    /// The turn's status ("" when the transcript does not say).
    pub status: String,
    /// The turn's `ThreadItem` objects, as app-server gives them.
    pub items: Vec<Value>,
}

/// One file of a `fileChange` item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileChange {
    /// The file's path, as Codex gave it (normally absolute).
    pub path: String,
    /// `add`, `delete` or `update` (`kind.type`).
    pub kind: String,
    /// The new path of a moved file.
    pub move_path: Option<String>,
    /// The change as a unified diff (for `add`, the file's content).
    pub diff: String,
    /// The item's status: `completed` (applied), `inProgress`, `failed` or `declined`.
    pub status: String,
}

impl Transcript {
    /// Parses the JSON of [`sessions::transcript_page`](crate::sessions::transcript_page).
    pub fn parse(json: &str) -> Result<Transcript, Error> {
        let value: Value = crate::parse_json(json)?;
        Ok(Transcript::from_value(&value))
    }

    /// Reads a transcript from its JSON value; what is missing or of the wrong type is left out.
    pub fn from_value(value: &Value) -> Transcript {
        let turns = value.get("turns").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
        Transcript {
            turns: turns.iter().filter_map(Turn::from_value).collect(),
            next_cursor: value.get("nextCursor").and_then(Value::as_str).map(str::to_string),
        }
    }

    /// The same turns in the other order: a newest-first page (`TranscriptQuery::newest`) in reading order.
    pub fn reversed(mut self) -> Transcript {
        self.turns.reverse();
        self
    }

    /// The turn with this id, if this page has it.
    pub fn turn(&self, turn_id: &str) -> Option<&Turn> {
        self.turns.iter().find(|t| t.id == turn_id)
    }
}

impl Turn {
    /// A turn from its JSON value; `None` without an `id`.
    pub fn from_value(value: &Value) -> Option<Turn> {
        Some(Turn {
            id: value.get("id")?.as_str()?.to_string(),
            status: value.get("status").and_then(Value::as_str).unwrap_or_default().to_string(),
            items: value.get("items").and_then(Value::as_array).cloned().unwrap_or_default(),
        })
    }

    /// Whether the turn is still running.
    pub fn in_progress(&self) -> bool {
        self.status == "inProgress"
    }

    /// The items of one `type` (`userMessage`, `agentMessage`, `fileChange`, ...).
    pub fn items_of_type<'a>(&'a self, item_type: &'a str) -> impl Iterator<Item = &'a Value> + 'a {
        self.items.iter().filter(move |item| item_type_of(item) == Some(item_type))
    }

    /// The text of the turn's user messages, joined by blank lines; `None` when there is none.
    pub fn user_text(&self) -> Option<String> {
        let texts: Vec<String> = self.items_of_type("userMessage").filter_map(user_message_text).collect();
        (!texts.is_empty()).then(|| texts.join("\n\n"))
    }

    /// The text of the turn's last agent message that has any (its answer); `None` when there is none.
    pub fn agent_text(&self) -> Option<&str> {
        self.items_of_type("agentMessage")
            .filter_map(|item| item.get("text").and_then(Value::as_str))
            .filter(|text| !text.trim().is_empty())
            .last()
    }

    /// Every file of the turn's `fileChange` items, in order.
    pub fn file_changes(&self) -> Vec<FileChange> {
        let mut out = Vec::new();
        for item in self.items_of_type("fileChange") {
            let status = item.get("status").and_then(Value::as_str).unwrap_or_default();
            let Some(changes) = item.get("changes").and_then(Value::as_array) else { continue };
            for change in changes {
                let Some(path) = change.get("path").and_then(Value::as_str) else { continue };
                let kind = change.get("kind");
                let kind_name = match kind {
                    Some(Value::String(s)) => s.as_str(),
                    Some(k) => k.get("type").and_then(Value::as_str).unwrap_or_default(),
                    None => "",
                };
                let move_path = kind
                    .and_then(|k| k.get("move_path").or_else(|| k.get("movePath")))
                    .and_then(Value::as_str)
                    .map(str::to_string);
                out.push(FileChange {
                    path: path.to_string(),
                    kind: kind_name.to_string(),
                    move_path,
                    diff: change.get("diff").and_then(Value::as_str).unwrap_or_default().to_string(),
                    status: status.to_string(),
                });
            }
        }
        out
    }
}

/// An item's `type`.
pub fn item_type_of(item: &Value) -> Option<&str> {
    item.get("type").and_then(Value::as_str)
}

/// The text parts of a `userMessage` item (`content: [{type: "text", text}, ...]`), joined by line breaks;
/// `None` when it has no text (an image only, say).
pub fn user_message_text(item: &Value) -> Option<String> {
    let content = item.get("content")?.as_array()?;
    let texts: Vec<&str> = content
        .iter()
        .filter(|part| part.get("type").and_then(Value::as_str) == Some("text"))
        .filter_map(|part| part.get("text").and_then(Value::as_str))
        .filter(|text| !text.trim().is_empty())
        .collect();
    (!texts.is_empty()).then(|| texts.join("\n"))
}
