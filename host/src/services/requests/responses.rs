//! A user's answer, checked against what was asked, becomes the exact result app-server expects — plus the copy
//! the host keeps and shows, with secret answers masked.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::{json, Value};
use utoipa::ToSchema;

use super::kind::RequestKind;
use crate::services::error::{ErrorCode, ErrorKind, ServiceError, ServiceResult};

/// What stands in for a secret answer in the store, events and API answers.
pub const MASK: &str = "••••••";

/// An answer to a pending request. Which fields apply depends on the request's kind.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RespondToRequest {
    /// Approvals: `accept`, `acceptForSession`, `decline` or `cancel`; or one of the amendment objects that
    /// app-server offered in `availableDecisions` (command approvals).
    #[serde(default)]
    #[schema(schema_with = decision_schema)]
    pub decision: Option<Value>,
    /// Tool input: question id → the chosen option label(s) or free text.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub answers: Option<BTreeMap<String, Value>>,
    /// Tool calls: the output as content items (`{"type":"inputText","text":...}` or `{"type":"inputImage","imageUrl":...}`).
    #[serde(default)]
    #[schema(value_type = Option<Vec<Object>>)]
    pub content_items: Option<Vec<Value>>,
    /// Tool calls: the output as plain text (instead of `contentItems`).
    #[serde(default)]
    pub text: Option<String>,
    /// Tool calls: whether the tool succeeded (default true).
    #[serde(default)]
    pub success: Option<bool>,
    /// Elicitations: `accept`, `decline` or `cancel`.
    #[serde(default)]
    pub action: Option<String>,
    /// Elicitations: the form's content when accepting.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub content: Option<Value>,
    /// Why, in a few words (kept with the decision).
    #[serde(default)]
    pub reason: Option<String>,
}

/// The result to send app-server, and the decision as the host records it.
pub struct Prepared {
    pub result: Value,
    pub recorded: Value,
}

fn invalid(code: ErrorCode, message: impl Into<String>) -> ServiceError {
    ServiceError::new(ErrorKind::Invalid, code, message)
}

const BASIC_DECISIONS: [&str; 4] = ["accept", "acceptForSession", "decline", "cancel"];

/// The OpenAPI schema of a decision: one of [`BASIC_DECISIONS`], or an object (an amendment app-server offered in
/// `availableDecisions`; a recorded answer), or null. Generated clients type the field from it.
fn decision_schema_described(description: &str) -> utoipa::openapi::Schema {
    use utoipa::openapi::schema::{ObjectBuilder, OneOfBuilder, SchemaType, Type};
    OneOfBuilder::new()
        .description(Some(description))
        .item(ObjectBuilder::new().schema_type(SchemaType::Type(Type::String)).enum_values(Some(BASIC_DECISIONS)))
        .item(ObjectBuilder::new().schema_type(SchemaType::Type(Type::Object)))
        .item(ObjectBuilder::new().schema_type(SchemaType::Type(Type::Null)))
        .into()
}

/// [`RespondToRequest::decision`]'s schema.
fn decision_schema() -> utoipa::openapi::Schema {
    decision_schema_described(
        "Approvals: `accept`, `acceptForSession`, `decline` or `cancel`; or one of the amendment objects that app-server \
         offered in `availableDecisions` (command approvals).",
    )
}

/// [`PendingRequest::decision`](super::PendingRequest)'s schema.
pub(super) fn recorded_decision_schema() -> utoipa::openapi::Schema {
    decision_schema_described("The decision as recorded (secret answers masked).")
}

/// Check `body` against the request and build app-server's result.
pub fn prepare(kind: RequestKind, params: &Value, body: &RespondToRequest) -> ServiceResult<Prepared> {
    if body.reason.as_deref().is_some_and(|r| r.chars().count() > 1000) {
        return Err(ServiceError::invalid("`reason` must be at most 1000 characters"));
    }
    match kind {
        RequestKind::CommandApproval | RequestKind::FileChangeApproval => {
            let decision = approval_decision(kind, params, body)?;
            Ok(Prepared { result: json!({"decision": decision}), recorded: decision })
        }
        RequestKind::LegacyExecApproval | RequestKind::LegacyPatchApproval => {
            let decision = basic_decision(body)?;
            // v1 has no plain "denied": a decline carries its rejection text.
            let legacy = match decision {
                "accept" => json!("approved"),
                "acceptForSession" => json!("approved_for_session"),
                "decline" => json!({"denied": {"rejection": body.reason.clone().unwrap_or_else(|| "declined by the user".into())}}),
                _ => json!("abort"),
            };
            Ok(Prepared { result: json!({"decision": legacy}), recorded: json!(decision) })
        }
        RequestKind::PermissionsApproval => {
            let decision = basic_decision(body)?;
            let requested = params.get("permissions").cloned().unwrap_or_else(|| json!({}));
            let result = match decision {
                "accept" => json!({"permissions": requested, "scope": "turn"}),
                "acceptForSession" => json!({"permissions": requested, "scope": "session"}),
                _ => json!({"permissions": {}, "scope": "turn"}),
            };
            Ok(Prepared { result, recorded: json!(decision) })
        }
        RequestKind::McpToolApproval => {
            let decision = basic_decision(body)?;
            let result = match decision {
                "accept" => json!({"action": "accept", "content": null}),
                "acceptForSession" => json!({"action": "accept", "content": null, "_meta": {"persist": "session"}}),
                "decline" => json!({"action": "decline", "content": null}),
                _ => json!({"action": "cancel", "content": null}),
            };
            Ok(Prepared { result, recorded: json!(decision) })
        }
        RequestKind::ToolInput => tool_input(params, body),
        RequestKind::Elicitation => {
            let action = body.action.as_deref().ok_or_else(|| invalid(ErrorCode::WrongAnswerKind, "an elicitation takes `action` (accept, decline or cancel)"))?;
            if !["accept", "decline", "cancel"].contains(&action) {
                return Err(invalid(ErrorCode::InvalidDecision, format!("unknown action `{action}`: use accept, decline or cancel")));
            }
            let content = if action == "accept" { body.content.clone().unwrap_or(Value::Null) } else { Value::Null };
            if action == "accept" && !(content.is_object() || content.is_null()) {
                return Err(invalid(ErrorCode::InvalidDecision, "`content` must be an object"));
            }
            Ok(Prepared { result: json!({"action": action, "content": content}), recorded: json!({"action": action}) })
        }
        RequestKind::ToolCall => tool_call(body),
    }
}

fn basic_decision(body: &RespondToRequest) -> ServiceResult<&str> {
    let d = body.decision.as_ref().ok_or_else(|| invalid(ErrorCode::WrongAnswerKind, "an approval takes `decision`"))?;
    match d.as_str() {
        Some(s) if BASIC_DECISIONS.contains(&s) => Ok(BASIC_DECISIONS.into_iter().find(|b| *b == s).expect("listed")),
        _ => Err(invalid(ErrorCode::InvalidDecision, format!("unknown decision {d}: use accept, acceptForSession, decline or cancel"))),
    }
}

/// Plain decisions always; an amendment object only exactly as app-server offered it (so no client can widen
/// an exec policy beyond what was proposed).
fn approval_decision(kind: RequestKind, params: &Value, body: &RespondToRequest) -> ServiceResult<Value> {
    let d = body.decision.as_ref().ok_or_else(|| invalid(ErrorCode::WrongAnswerKind, "an approval takes `decision`"))?;
    if d.as_str().is_some() {
        return Ok(json!(basic_decision(body)?));
    }
    let offered = params.get("availableDecisions").and_then(Value::as_array).cloned().unwrap_or_default();
    if kind == RequestKind::CommandApproval && d.is_object() && offered.contains(d) {
        Ok(d.clone())
    } else {
        Err(invalid(ErrorCode::InvalidDecision, format!("decision {d} was not offered for this request")))
    }
}

fn tool_input(params: &Value, body: &RespondToRequest) -> ServiceResult<Prepared> {
    let answers = body.answers.as_ref().ok_or_else(|| invalid(ErrorCode::WrongAnswerKind, "tool input takes `answers` (question id → answer)"))?;
    let questions = params.get("questions").and_then(Value::as_array).cloned().unwrap_or_default();
    let mut result = serde_json::Map::new();
    let mut recorded = serde_json::Map::new();
    for q in &questions {
        let id = q.get("id").and_then(Value::as_str).unwrap_or_default();
        let given = answers.get(id).ok_or_else(|| invalid(ErrorCode::InvalidAnswer, format!("question `{id}` has no answer")))?;
        let list: Vec<String> = match given {
            Value::String(s) => vec![s.clone()],
            Value::Array(items) if !items.is_empty() && items.iter().all(Value::is_string) => {
                items.iter().map(|v| v.as_str().expect("checked").to_string()).collect()
            }
            _ => return Err(invalid(ErrorCode::InvalidAnswer, format!("the answer to `{id}` must be a string or a non-empty list of strings"))),
        };
        if list.iter().any(|a| a.len() > 10_000) {
            return Err(invalid(ErrorCode::InvalidAnswer, "answers are at most 10,000 bytes"));
        }
        let secret = q.get("isSecret").and_then(Value::as_bool).unwrap_or(false);
        recorded.insert(id.to_string(), if secret { json!([MASK]) } else { json!(list) });
        result.insert(id.to_string(), json!({"answers": list}));
    }
    if let Some(unknown) = answers.keys().find(|k| !questions.iter().any(|q| q.get("id").and_then(Value::as_str) == Some(k.as_str()))) {
        return Err(invalid(ErrorCode::InvalidAnswer, format!("no question `{unknown}` was asked")));
    }
    Ok(Prepared { result: json!({"answers": result}), recorded: json!({"answers": recorded}) })
}

fn tool_call(body: &RespondToRequest) -> ServiceResult<Prepared> {
    let items = match (&body.content_items, &body.text) {
        (Some(items), None) => {
            for item in items {
                let ok = match item.get("type").and_then(Value::as_str) {
                    Some("inputText") => item.get("text").is_some_and(Value::is_string),
                    Some("inputImage") => item.get("imageUrl").is_some_and(Value::is_string),
                    _ => false,
                };
                if !ok {
                    return Err(invalid(ErrorCode::InvalidAnswer, format!("content item {item} must be inputText with text or inputImage with imageUrl")));
                }
            }
            items.clone()
        }
        (None, Some(text)) => vec![json!({"type": "inputText", "text": text})],
        _ => return Err(invalid(ErrorCode::WrongAnswerKind, "a tool call takes either `contentItems` or `text`")),
    };
    let success = body.success.unwrap_or(true);
    let result = json!({"contentItems": items, "success": success});
    Ok(Prepared { recorded: result.clone(), result })
}

/// The result sent when nobody answered a tool call in time: a clean failure the model can read.
pub fn tool_call_timeout(timeout_ms: u64) -> Value {
    json!({"contentItems": [{"type": "inputText", "text": format!("The tool call was not answered within {timeout_ms} ms.")}], "success": false})
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(v: Value) -> RespondToRequest {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn approvals_take_known_decisions_only() {
        let p = json!({"availableDecisions": ["accept", {"acceptWithExecpolicyAmendment": {"execpolicy_amendment": ["echo"]}}, "cancel"]});
        let ok = prepare(RequestKind::CommandApproval, &p, &body(json!({"decision": "decline"}))).unwrap();
        assert_eq!(ok.result, json!({"decision": "decline"}));
        let amend = json!({"acceptWithExecpolicyAmendment": {"execpolicy_amendment": ["echo"]}});
        assert!(prepare(RequestKind::CommandApproval, &p, &body(json!({"decision": amend}))).is_ok());
        let widened = json!({"acceptWithExecpolicyAmendment": {"execpolicy_amendment": ["rm"]}});
        assert_eq!(prepare(RequestKind::CommandApproval, &p, &body(json!({"decision": widened}))).err().unwrap().code, ErrorCode::InvalidDecision);
        let bad = prepare(RequestKind::CommandApproval, &p, &body(json!({"decision": "yolo"}))).err().unwrap();
        assert_eq!(bad.code, ErrorCode::InvalidDecision);
        let wrong = prepare(RequestKind::CommandApproval, &p, &body(json!({"answers": {}}))).err().unwrap();
        assert_eq!(wrong.code, ErrorCode::WrongAnswerKind);
        let legacy = prepare(RequestKind::LegacyExecApproval, &p, &body(json!({"decision": "acceptForSession"}))).unwrap();
        assert_eq!(legacy.result, json!({"decision": "approved_for_session"}));
        let denied = prepare(RequestKind::LegacyPatchApproval, &p, &body(json!({"decision": "decline", "reason": "no"}))).unwrap();
        assert_eq!(denied.result, json!({"decision": {"denied": {"rejection": "no"}}}));
    }

    #[test]
    fn secret_answers_are_sent_but_never_recorded() {
        let p = json!({"questions": [{"id": "pw", "isSecret": true}, {"id": "color"}]});
        let prepared = prepare(RequestKind::ToolInput, &p, &body(json!({"answers": {"pw": "hunter2", "color": ["Red"]}}))).unwrap();
        assert_eq!(prepared.result["answers"]["pw"]["answers"], json!(["hunter2"]));
        assert!(!prepared.recorded.to_string().contains("hunter2"));
        assert_eq!(prepared.recorded["answers"]["color"], json!(["Red"]));
        let missing = prepare(RequestKind::ToolInput, &p, &body(json!({"answers": {"pw": "x"}}))).err().unwrap();
        assert_eq!(missing.code, ErrorCode::InvalidAnswer);
        let extra = prepare(RequestKind::ToolInput, &p, &body(json!({"answers": {"pw": "x", "color": "y", "z": "w"}}))).err().unwrap();
        assert_eq!(extra.code, ErrorCode::InvalidAnswer);
    }

    #[test]
    fn tool_calls_take_text_or_content_items() {
        let r = prepare(RequestKind::ToolCall, &json!({}), &body(json!({"text": "42"}))).unwrap();
        assert_eq!(r.result, json!({"contentItems": [{"type": "inputText", "text": "42"}], "success": true}));
        assert!(prepare(RequestKind::ToolCall, &json!({}), &body(json!({"contentItems": [{"type": "bogus"}]}))).is_err());
        assert!(prepare(RequestKind::ToolCall, &json!({}), &body(json!({}))).is_err());
    }
}
