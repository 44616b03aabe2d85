//! The parts of the OpenAPI document that are not per route: info, security schemes, tags.

use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
use utoipa::openapi::OpenApi as OpenApiDoc;
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Codex Manager API",
        description = "One API for the web UI, the CLI, the Python SDK and plugins. Every route needs the token \
                       (bearer header, or the cookie set by /login). Errors are `{\"error\":{\"code\",\"message\",\"details\"}}`."
    ),
    modifiers(&Security),
    tags(
        (name = "health", description = "Liveness and readiness"),
        (name = "auth", description = "Browser login"),
        (name = "projects", description = "Projects group sessions under a working directory"),
        (name = "sessions", description = "Sessions (chats), each backed by a Codex thread"),
        (name = "turns", description = "Messages, steering and interrupts"),
        (name = "requests", description = "Approvals, tool input, dynamic tool calls and elicitations waiting for an answer"),
        (name = "controls", description = "Model, reasoning effort, approval policy, sandbox, network"),
        (name = "settings", description = "Per-session key-value settings shared by every surface"),
        (name = "events", description = "The durable event log and its websocket stream"),
        (name = "thread operations", description = "Review, compact, revert, background terminals, user shell commands"),
        (name = "account", description = "Codex's account: read, log in, log out, rate limits, usage"),
        (name = "catalog", description = "Models, providers, MCP servers, skills, hooks, experimental features, collaboration modes"),
        (name = "config", description = "Codex's configuration"),
        (name = "exec", description = "One-off command execution outside threads (off unless enabled)"),
        (name = "capabilities", description = "What the connected codex supports; feedback"),
        (name = "plugins", description = "WebAssembly extensions: inventory, install, enable, disable, calls"),
        (name = "jobs", description = "The durable job queue: enqueue, list, cancel, retry; kinds belong to plugins"),
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

pub fn base() -> OpenApiDoc {
    BaseDoc::openapi()
}
