//! Client mistakes that app-server reports as JSON-RPC errors.
//!
//! app-server 0.169 answers every failure with code -32600, and its messages are prose that may change between
//! releases: neither says whether the client or the server was wrong. So after a failed call, the host asks
//! app-server for the facts the request depended on — is that model provider configured, that MCP server known (and
//! able to take an OAuth login), that turn in the thread, does the page load without the cursor — and answers 4xx with a stable code when the client's
//! input was the problem. Everything else stays a 502: a genuine upstream failure. The checks run only on the failure
//! path (but for a revert target, see [`check_before`]), so a good request costs nothing extra.

use serde_json::{json, Value};

use super::CodexOp;
use crate::appserver::{Connection, RpcError};
use crate::services::error::{ErrorCode, ServiceError};

/// How many pages of a list are read to look for one entry (a thread's turns come 200 a page).
const MAX_LIST_PAGES: usize = 50;

/// Something in a request that app-server may have refused, with what is needed to check it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Suspect {
    ModelProvider(String),
    /// The call's params without the cursor: if that works, the cursor was the problem.
    Cursor { method: &'static str, params: Value },
    McpServer(String),
    Turn { thread_id: String, turn_id: String },
    /// A steer or interrupt aimed at a turn the host saw running: it may have ended before app-server got the call.
    RunningTurn { thread_id: String },
}

/// What in these params the client chose and app-server might refuse, most specific first.
pub(super) fn suspects(op: CodexOp, params: &Value) -> Vec<Suspect> {
    let text = |key: &str| params.get(key).and_then(Value::as_str).map(str::to_owned);
    let mut out = Vec::new();
    match op {
        CodexOp::ModelList => {
            if let Some(p) = text("modelProvider") {
                out.push(Suspect::ModelProvider(p));
            }
            if params.get("cursor").is_some_and(|c| !c.is_null()) {
                out.push(without_cursor(op.spec().0, params));
            }
        }
        CodexOp::McpOauthLogin => out.extend(text("name").map(Suspect::McpServer)),
        CodexOp::Revert => {
            if let (Some(thread_id), Some(turn_id)) = (text("threadId"), text("beforeTurnId")) {
                out.push(Suspect::Turn { thread_id, turn_id });
            }
        }
        _ => {}
    }
    out
}

/// A suspect cursor: the same call from the first page.
pub(crate) fn without_cursor(method: &'static str, params: &Value) -> Suspect {
    let mut params = params.clone();
    if let Some(map) = params.as_object_mut() {
        map.remove("cursor");
        map.insert("limit".into(), json!(1));
    }
    Suspect::Cursor { method, params }
}

/// Checks that must run before the call: `thread/revert` to a turn the thread does not have is not a harmless
/// failure (seen with 0.169 on a thread without history: the session's next `turn/start` answered "thread not
/// found"), so the target turn is looked up first.
pub(super) async fn check_before(conn: &Connection, suspects: &[Suspect]) -> Option<ServiceError> {
    for suspect in suspects.iter().filter(|s| matches!(s, Suspect::Turn { .. })) {
        if let Some(mistake) = check(conn, suspect, None).await {
            return Some(mistake);
        }
    }
    None
}

/// The client's mistake behind `error`, if a suspect turns out to be one; else `error` as an upstream failure.
pub(crate) async fn diagnose(conn: &Connection, suspects: &[Suspect], error: RpcError) -> ServiceError {
    for suspect in suspects.iter().filter(|s| !matches!(s, Suspect::Turn { .. })) {
        // A check that itself fails proves nothing: the original error stands.
        if let Some(mistake) = check(conn, suspect, Some(&error)).await {
            return mistake;
        }
    }
    error.into()
}

async fn check(conn: &Connection, suspect: &Suspect, error: Option<&RpcError>) -> Option<ServiceError> {
    match suspect {
        Suspect::ModelProvider(name) => {
            let flagged = matches!(error, Some(RpcError::Server { data: Some(d), .. })
                if d.get("type").and_then(Value::as_str) == Some("modelProviderNotConfigured"));
            let listed = conn.request("modelProvider/list", json!({})).await.ok();
            let known = listed.as_ref().map(|r| ids(r, "id").any(|id| id == name));
            (flagged || known == Some(false)).then(|| {
                ServiceError::not_found(
                    ErrorCode::ModelProviderNotFound,
                    format!("no model provider `{name}` is configured (GET /api/model-providers lists them)"),
                )
            })
        }
        Suspect::Cursor { method, params } => conn.request(method, params.clone()).await.ok().map(|_| {
            crate::services::paging::invalid_cursor()
        }),
        Suspect::McpServer(name) => match mcp_server(conn, name).await? {
            None => Some(ServiceError::not_found(
                ErrorCode::McpServerNotFound,
                format!("no MCP server `{name}` is configured (GET /api/mcp/servers lists them)"),
            )),
            Some(server) if server.get("authStatus").and_then(Value::as_str) == Some("unsupported") => Some(ServiceError::conflict(
                ErrorCode::McpLoginUnsupported,
                format!("MCP server `{name}` does not take an OAuth login (only streamable HTTP servers do)"),
            )),
            Some(_) => None,
        },
        Suspect::RunningTurn { thread_id } => {
            let read = conn.request("thread/read", json!({"threadId": thread_id})).await.ok()?;
            let status = read.pointer("/thread/status/type").and_then(Value::as_str)?;
            (status != "active").then(|| ServiceError::conflict(ErrorCode::NoActiveTurn, "the session's turn already ended"))
        }
        Suspect::Turn { thread_id, turn_id } => (!thread_has_turn(conn, thread_id, turn_id).await?).then(|| {
            ServiceError::not_found(ErrorCode::TurnNotFound, format!("this session has no turn `{turn_id}` (its transcript lists the turns)"))
        }),
    }
}

/// Values of `field` in a list answer's `data`.
fn ids<'a>(result: &'a Value, field: &'a str) -> impl Iterator<Item = &'a str> + 'a {
    result.get("data").and_then(Value::as_array).into_iter().flatten().filter_map(move |e| e.get(field).and_then(Value::as_str))
}

/// Codex's MCP server of this name (`Some(None)`: there is none); `None` when that cannot be told. The list is paged;
/// only names and auth are asked for, not each server's inventory.
async fn mcp_server(conn: &Connection, name: &str) -> Option<Option<Value>> {
    let mut cursor: Option<String> = None;
    for _ in 0..MAX_LIST_PAGES {
        let page = conn.request("mcpServerStatus/list", json!({"cursor": cursor, "detail": "toolsAndAuthOnly"})).await.ok()?;
        let entries = page.get("data").and_then(Value::as_array).into_iter().flatten();
        if let Some(server) = entries.into_iter().find(|e| e.get("name").and_then(Value::as_str) == Some(name)) {
            return Some(Some(server.clone()));
        }
        match page.get("nextCursor").and_then(Value::as_str) {
            Some(next) => cursor = Some(next.to_owned()),
            None => return Some(None),
        }
    }
    None
}

/// Whether the thread's persisted history has this turn; `None` when that cannot be told.
async fn thread_has_turn(conn: &Connection, thread_id: &str, turn_id: &str) -> Option<bool> {
    let mut cursor: Option<String> = None;
    for _ in 0..MAX_LIST_PAGES {
        let params = json!({"threadId": thread_id, "limit": 200, "cursor": cursor});
        let page = match conn.request("thread/turns/list", params).await {
            Ok(page) => page,
            // No history yet: no turn at all.
            Err(RpcError::Server { message, .. }) if crate::services::sessions::is_missing_history(&message) => return Some(false),
            Err(_) => return None,
        };
        if ids(&page, "id").any(|id| id == turn_id) {
            return Some(true);
        }
        match page.get("nextCursor").and_then(Value::as_str) {
            Some(next) => cursor = Some(next.to_owned()),
            None => return Some(false),
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suspects_are_what_the_client_chose() {
        let s = suspects(CodexOp::ModelList, &json!({"modelProvider": "nope", "cursor": "x", "limit": 5}));
        assert_eq!(s[0], Suspect::ModelProvider("nope".into()));
        assert_eq!(s[1], Suspect::Cursor { method: "model/list", params: json!({"modelProvider": "nope", "limit": 1}) });
        assert!(suspects(CodexOp::ModelList, &json!({"includeHidden": true})).is_empty(), "nothing chosen, nothing suspect");
        assert_eq!(suspects(CodexOp::McpOauthLogin, &json!({"name": "gh"})), vec![Suspect::McpServer("gh".into())]);
        assert_eq!(
            suspects(CodexOp::Revert, &json!({"threadId": "t", "beforeTurnId": "u"})),
            vec![Suspect::Turn { thread_id: "t".into(), turn_id: "u".into() }]
        );
        assert!(suspects(CodexOp::ConfigRead, &json!({})).is_empty());
    }
}
