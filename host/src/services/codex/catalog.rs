//! What codex offers — models and providers, MCP servers, skills, hooks, experimental features, collaboration
//! modes — and the switches over it, with their requests turned into app-server's params here.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use utoipa::{IntoParams, ToSchema};

use super::CodexOp;
use crate::services::error::{ServiceError, ServiceResult};
use super::Codex;

/// Longest MCP OAuth login wait a caller may ask for (a day).
const MAX_MCP_LOGIN_SECS: u64 = 86_400;

#[derive(Debug, Default, Deserialize, Serialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct ModelQuery {
    /// Include hidden models.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub include_hidden: Option<bool>,
    /// Only this provider's models.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model_provider: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SkillEnablement {
    pub enabled: bool,
    /// The skill's path (as `GET /api/skills` lists it), when the name is ambiguous.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FeatureEnablement {
    pub enabled: bool,
}

/// A hook's state, by the `key` `GET /api/hooks` lists.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HookState {
    pub key: String,
    pub enabled: bool,
}

#[derive(Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct McpLogin {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scopes: Option<Vec<String>>,
    /// How long app-server waits for the login to complete: 1-86,400 seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_secs: Option<u64>,
}

impl HookState {
    /// `config/value/write`'s params and the event's data. app-server 0.169 has no method for a hook's state;
    /// Codex keeps it in its user config under `hooks.state."<key>".enabled`.
    fn write(&self) -> ServiceResult<(Value, Value)> {
        if self.key.is_empty() || self.key.len() > 2048 || self.key.chars().any(char::is_control) {
            return Err(ServiceError::invalid("`key` must be a hook key as GET /api/hooks lists it"));
        }
        // The key holds dots, slashes and colons: it goes in as one quoted TOML key.
        let quoted = format!("\"{}\"", self.key.replace('\\', "\\\\").replace('"', "\\\""));
        let key_path = format!("hooks.state.{quoted}.enabled");
        let params = json!({"keyPath": key_path, "value": self.enabled, "mergeStrategy": "upsert"});
        let event = json!({"keyPaths": [key_path], "hook": self.key, "enabled": self.enabled});
        Ok((params, event))
    }
}

/// A request already spelled the way app-server takes it.
fn params<T: Serialize>(v: &T) -> Value {
    serde_json::to_value(v).unwrap_or_else(|_| json!({}))
}

impl Codex {
    /// A read of the catalog that takes no parameters.
    pub async fn codex_list(&self, op: CodexOp) -> ServiceResult<Value> {
        debug_assert!(op.spec().2.is_none(), "a list records no event");
        self.call(op, json!({}), None, None).await
    }

    pub async fn models(&self, q: &ModelQuery) -> ServiceResult<Value> {
        self.call(CodexOp::ModelList, params(q), None, None).await
    }

    pub async fn mcp_reload(&self) -> ServiceResult<Value> {
        self.call(CodexOp::McpReload, json!({}), None, None).await
    }

    pub async fn mcp_login(&self, name: &str, req: &McpLogin) -> ServiceResult<Value> {
        if req.timeout_secs.is_some_and(|t| !(1..=MAX_MCP_LOGIN_SECS).contains(&t)) {
            return Err(ServiceError::invalid(format!("`timeoutSecs` must be 1-{MAX_MCP_LOGIN_SECS}")));
        }
        let mut p = params(req);
        p["name"] = json!(name);
        self.call(CodexOp::McpOauthLogin, p, Some(json!({"name": name})), None).await
    }

    pub async fn set_skill_enabled(&self, name: &str, req: &SkillEnablement) -> ServiceResult<Value> {
        if req.path.as_deref().is_some_and(|p| !std::path::Path::new(p).is_absolute()) {
            return Err(ServiceError::invalid("`path` must be the skill's absolute path, as GET /api/skills lists it"));
        }
        // app-server takes exactly one of the two: the path when given (it is unambiguous), else the name.
        let p = match &req.path {
            Some(path) => json!({"path": path, "enabled": req.enabled}),
            None => json!({"name": name, "enabled": req.enabled}),
        };
        let event = json!({"name": name, "enabled": req.enabled});
        self.call(CodexOp::SkillsConfigWrite, p, Some(event), None).await
    }

    pub async fn set_hook_state(&self, req: &HookState) -> ServiceResult<Value> {
        let (params, event) = req.write()?;
        self.call(CodexOp::ConfigValueWrite, params, Some(event), None).await
    }

    pub async fn set_feature_enabled(&self, name: &str, req: &FeatureEnablement) -> ServiceResult<Value> {
        let p = json!({"enablement": {name: req.enabled}});
        self.call(CodexOp::FeatureEnablementSet, p, Some(json!({"name": name, "enabled": req.enabled})), None).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::services::ErrorCode;

    #[test]
    fn a_hook_key_is_written_as_one_quoted_toml_key() {
        let req = HookState { key: r#"plugin:a.b/c"d\e"#.into(), enabled: false };
        let (params, event) = req.write().unwrap();
        let path = r#"hooks.state."plugin:a.b/c\"d\\e".enabled"#;
        assert_eq!(params, json!({"keyPath": path, "value": false, "mergeStrategy": "upsert"}));
        assert_eq!(event, json!({"keyPaths": [path], "hook": req.key, "enabled": false}));
    }

    #[test]
    fn an_empty_or_control_character_hook_key_is_refused() {
        for key in ["", "a\nb", &"k".repeat(2049)] {
            let req = HookState { key: key.into(), enabled: true };
            assert_eq!(req.write().unwrap_err().code, ErrorCode::InvalidRequest, "{key:?}");
        }
    }
}
