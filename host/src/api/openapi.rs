//! The parts of the OpenAPI document that are not per route: info, security schemes, tags.

use std::collections::btree_map::Entry;

use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{ContentBuilder, OpenApi as OpenApiDoc, Ref, RefOr, ResponseBuilder};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Codex Manager API",
        description = "One API for the web UI, the CLI, the Python SDK and plugins. Every route needs the token \
                       (bearer header, or the cookie set by /login). Errors are `{\"error\":{\"code\",\"message\",\"details\"}}`."
    ),
    modifiers(&Security, &Catalogs),
    tags(
        (name = "health", description = "Liveness and readiness"),
        (name = "hosts", description = "The hosts sharing this store, whether each is online, and which one answered"),
        (name = "auth", description = "Browser login"),
        (name = "projects", description = "Projects group sessions under a working directory"),
        (name = "sessions", description = "Sessions (chats), each backed by a Codex thread"),
        (name = "turns", description = "Messages, steering and interrupts"),
        (name = "followups", description = "A session's follow-up queue: messages queued while a turn runs, started one by one"),
        (name = "requests", description = "Approvals, tool input, dynamic tool calls and elicitations waiting for an answer"),
        (name = "controls", description = "Model, reasoning effort, approval policy, sandbox, network"),
        (name = "settings", description = "Per-session key-value settings shared by every surface"),
        (name = "notes", description = "Notes on a session (from plugins and people), shown beside its transcript"),
        (name = "events", description = "The durable event log and its websocket stream"),
        (name = "thread operations", description = "Review, compact, revert, background terminals, user shell commands"),
        (name = "account", description = "Codex's account: read, log in, log out, rate limits, usage"),
        (name = "catalog", description = "Models, providers, MCP servers, skills, hooks, experimental features, collaboration modes"),
        (name = "config", description = "Codex's configuration"),
        (name = "exec", description = "One-off command execution outside threads (off unless enabled)"),
        (name = "capabilities", description = "What the connected codex supports; feedback"),
        (name = "plugins", description = "WebAssembly extensions: inventory, install, enable, disable, calls"),
        (name = "jobs", description = "The durable job queue: enqueue, list, cancel, retry; kinds belong to plugins"),
        (name = "routines", description = "Saved prompts or jobs run on a schedule, by a signed webhook, or by hand; their runs"),
        (name = "limits", description = "Usage limits and daily token budgets that hold automated turns back; token usage"),
    )
)]
struct BaseDoc;

struct Security;

impl Modify for Security {
    fn modify(&self, doc: &mut OpenApiDoc) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme("bearer", SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()));
        components.add_security_scheme("cookie", SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(super::auth::COOKIE_NAME))));
        doc.security = Some(vec![SecurityRequirement::new("bearer", Vec::<String>::new()), SecurityRequirement::new("cookie", Vec::<String>::new())]);
    }
}

/// The host's vocabularies that no route body names: the event types (with each one's `data`) and every error
/// code, so clients and docs read them from the document, not from prose.
struct Catalogs;

impl Modify for Catalogs {
    fn modify(&self, doc: &mut OpenApiDoc) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.schemas.insert("EventType".into(), RefOr::T(crate::events::event_type_schema()));
        components.schemas.insert("ErrorCode".into(), RefOr::T(crate::services::ErrorCode::openapi_schema()));
    }
}

pub fn base() -> OpenApiDoc {
    BaseDoc::openapi()
}

/// The path the auth guard lets through without the token (it checks its one-time code itself).
const PUBLIC_PATH: &str = "/login";

/// The tags of the Codex surface: each of their operations is one app-server call through
/// [`Services::codex`](crate::services::Services::codex), which can answer 501, 502, 503 and 504 whatever the route.
const CODEX_SURFACE_TAGS: [&str; 5] = ["account", "catalog", "config", "exec", "thread operations"];

/// The one operation under those tags that answers from the host's memory, without app-server.
const CODEX_SURFACE_LOCAL: (&str, &str) = ("/api/account/logins/{loginId}", "get");

/// Add the error responses every route gives without its handler's say — from the auth guard, the extractors and
/// the error mapping — to every operation of the assembled document, so no handler has to repeat them and none can
/// forget one. Which operation gets which follows what the code does: the guard answers 401/403 on every route
/// (401 not on the public login exchange), a JSON body ([`ApiJson`](super::extract::ApiJson)) can be malformed
/// (400), too large (413), of another content type (415) or of the wrong shape (422); query parameters
/// ([`ApiQuery`](super::extract::ApiQuery)) can fail to parse (400); a path parameter can fail to decode (400) or
/// name nothing (404); a store failure is a 500 anywhere; and a Codex-surface call can meet app-server missing the
/// method (501), failing (502), restarting (503) or not answering (504). A status a handler documents itself keeps
/// the handler's description.
pub fn add_common_responses(doc: &mut OpenApiDoc) {
    for (path, item) in doc.paths.paths.iter_mut() {
        let public = path == PUBLIC_PATH;
        let ops = [
            ("get", &mut item.get),
            ("put", &mut item.put),
            ("post", &mut item.post),
            ("delete", &mut item.delete),
            ("patch", &mut item.patch),
            ("head", &mut item.head),
            ("options", &mut item.options),
        ];
        for (method, op) in ops {
            let Some(op) = op else { continue };
            let codex_surface = op.tags.iter().flatten().any(|t| CODEX_SURFACE_TAGS.contains(&t.as_str()))
                && (path.as_str(), method) != CODEX_SURFACE_LOCAL;
            add_to_operation(op, public, codex_surface);
            name_operation(op);
        }
    }
}

/// Give an operation its id: `{group}.{handler}`, the group being the first word of its tag (`sessions.fork`,
/// `thread.compact`, `jobs.get`). Handlers are named for what they do within their tag's module, so ids are unique
/// across the document (a conformance test holds them to it) and stable: generated clients and the CLI's parity
/// gate key on them.
fn name_operation(op: &mut Operation) {
    let group = op.tags.iter().flatten().next().and_then(|t| t.split(' ').next()).unwrap_or("misc").to_string();
    if let Some(handler) = op.operation_id.take() {
        op.operation_id = Some(format!("{group}.{handler}"));
    }
}

fn add_to_operation(op: &mut Operation, public: bool, codex_surface: bool) {
    let takes = |place: ParameterIn| op.parameters.iter().flatten().any(|p| p.parameter_in == place);
    let (path_params, query_params, body) = (takes(ParameterIn::Path), takes(ParameterIn::Query), op.request_body.is_some());
    let mut bad_request = Vec::new();
    if body {
        bad_request.push("`invalid_json`: the body is not JSON");
    }
    if query_params {
        bad_request.push("`invalid_query`: a query parameter does not parse");
    }
    if path_params {
        bad_request.push("a path parameter does not decode (not UTF-8)");
    }
    let mut common: Vec<(&str, String)> = Vec::new();
    if !bad_request.is_empty() {
        common.push(("400", bad_request.join("; ")));
    }
    if !public {
        common.push(("401", "`unauthorized`: no token or a wrong one".into()));
    }
    common.push(("403", "`host_not_allowed`, `origin_not_allowed`: the request's Host or Origin is not this host's".into()));
    if path_params {
        common.push(("404", "Nothing by that id (`*_not_found`)".into()));
    }
    if body {
        common.push(("413", "`body_too_large`: the body is larger than the route's limit".into()));
        common.push(("415", "`unsupported_media_type`: the body is not sent as `application/json`".into()));
        common.push(("422", "`invalid_body`: the body does not have the documented shape".into()));
    }
    common.push(("500", "`store_error`, `plugin_internal`: the host failed (a bug or a broken data dir), not the request".into()));
    if codex_surface {
        common.push(("501", "`not_supported`: the connected codex does not serve this route's app-server method".into()));
        common.push(("502", "`app_server_error`, `app_server_protocol`: app-server failed the call".into()));
        common.push(("503", "`runtime_unavailable`: app-server is starting or restarting".into()));
        common.push(("504", "`app_server_timeout`: app-server did not answer in time".into()));
    }
    for (status, description) in common {
        match op.responses.responses.entry(status.to_string()) {
            Entry::Vacant(slot) => {
                slot.insert(error_response(description).into());
            }
            // The handler's own answer with this status (a 422 `invalid_request` beside the extractor's
            // `invalid_body`): both can happen, so the description names both, unless the handler's already names
            // the common one's codes. A 404 the handler describes is already the specific one.
            Entry::Occupied(mut slot) => {
                if let RefOr::T(own) = slot.get_mut() {
                    if own.description.is_empty() {
                        own.description = description;
                    } else if status != "404" && !own.description.contains(description.split(':').next().unwrap_or_default()) {
                        own.description = format!("{}; {description}", own.description);
                    }
                }
            }
        }
    }
}

fn error_response(description: String) -> utoipa::openapi::Response {
    ResponseBuilder::new()
        .description(description)
        .content("application/json", ContentBuilder::new().schema(Some(Ref::from_schema_name("ErrorResponse"))).build())
        .build()
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    /// The assembled document gives each operation exactly the common errors its extractors and the guard produce.
    #[test]
    fn every_operation_documents_the_errors_its_extractors_and_the_guard_give() {
        let doc: Value = serde_json::from_str(&crate::api::openapi_json()).unwrap();
        let mut checked = 0;
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, op) in item.as_object().unwrap() {
                let has = |status: &str| op["responses"].get(status).is_some();
                let takes = |place: &str| op["parameters"].as_array().into_iter().flatten().any(|p| p["in"] == place);
                let body = op.get("requestBody").is_some();
                let at = format!("{method} {path}");
                assert!(has("403") && has("500"), "{at}");
                assert!(has("401"), "{at}: the guard answers 401 (and /login itself does)");
                for status in ["413", "415"] {
                    assert_eq!(has(status), body, "{at}: {status} exactly when the operation takes a JSON body");
                }
                if body {
                    assert!(has("400") && has("422"), "{at}");
                }
                if takes("path") {
                    assert!(has("400") && has("404"), "{at}");
                }
                if takes("query") {
                    assert!(has("400"), "{at}");
                }
                let codex_surface = op["tags"].as_array().unwrap().iter().any(|t| super::CODEX_SURFACE_TAGS.contains(&t.as_str().unwrap()))
                    && (path.as_str(), method.as_str()) != super::CODEX_SURFACE_LOCAL;
                if codex_surface {
                    assert!(["501", "502", "503", "504"].into_iter().all(has), "{at}: a Codex-surface call");
                }
                if !body && !takes("path") && !takes("query") && path != "/api/stream" {
                    assert!(!has("400") || path == "/login", "{at}: nothing in it can be malformed");
                }
                checked += 1;
            }
        }
        assert!(checked > 80, "only {checked} operations");
    }
}
