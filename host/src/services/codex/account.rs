//! The account app-server uses: logging in (API key, ChatGPT, device code), following and cancelling a login,
//! logging out. Login requests become app-server's params here; the key never reaches an event.

use serde::Deserialize;
use serde_json::{json, Value};
use utoipa::ToSchema;

use super::CodexOp;
use crate::services::error::{ErrorCode, ServiceError, ServiceResult};
use super::Codex;

/// Longest API key accepted, in bytes.
const MAX_API_KEY_LEN: usize = 1024;

/// How to log in. `chatgpt` returns an `authUrl` to open; `chatgptDeviceCode` a code to enter elsewhere.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(tag = "type", rename_all = "camelCase", deny_unknown_fields)]
pub enum LoginRequest {
    /// An OpenAI API key (never echoed or recorded).
    #[serde(rename_all = "camelCase")]
    ApiKey { api_key: String },
    Chatgpt,
    ChatgptDeviceCode,
}

impl LoginRequest {
    /// `account/login/start`'s params and the event's data, which names the kind of login and nothing else.
    fn start(&self) -> ServiceResult<(Value, Value)> {
        let (params, kind) = match self {
            Self::ApiKey { api_key } => {
                if api_key.trim().is_empty() || api_key.len() > MAX_API_KEY_LEN {
                    return Err(ServiceError::invalid("`apiKey` must be 1-1024 characters"));
                }
                (json!({"type": "apiKey", "apiKey": api_key}), "apiKey")
            }
            Self::Chatgpt => (json!({"type": "chatgpt"}), "chatgpt"),
            Self::ChatgptDeviceCode => (json!({"type": "chatgptDeviceCode"}), "chatgptDeviceCode"),
        };
        Ok((params, json!({"type": kind})))
    }
}

impl Codex {
    /// Start a login; its state is `pending` until `account/login/completed` says otherwise.
    pub async fn start_login(&self, req: &LoginRequest) -> ServiceResult<Value> {
        let (params, event) = req.start()?;
        let result = self.call(CodexOp::AccountLoginStart, params, Some(event), None).await?;
        if let Some(id) = result.get("loginId").and_then(Value::as_str) {
            self.note_login_started(id);
        }
        Ok(result)
    }

    /// Cancel a login this host run started.
    pub async fn cancel_login(&self, login_id: &str) -> ServiceResult<Value> {
        self.login_state(login_id)?;
        let params = json!({"loginId": login_id});
        self.call(CodexOp::AccountLoginCancel, params.clone(), Some(params), None).await
    }

    pub async fn logout(&self) -> ServiceResult<Value> {
        self.call(CodexOp::AccountLogout, json!({}), None, None).await
    }

    /// The state of a login started with [`Codex::start_login`].
    pub fn login_state(&self, login_id: &str) -> ServiceResult<Value> {
        self
            .logins
            .lock()
            .expect("logins poisoned")
            .get(login_id)
            .cloned()
            .ok_or_else(|| ServiceError::not_found(ErrorCode::LoginNotFound, format!("no login `{login_id}` in this host run")))
    }

    fn note_login_started(&self, login_id: &str) {
        self.logins.lock().expect("logins poisoned").insert(login_id.to_string(), json!({"loginId": login_id, "status": "pending"}));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(body: Value) -> LoginRequest {
        serde_json::from_value(body).unwrap()
    }

    #[test]
    fn an_api_key_goes_to_app_server_but_never_into_the_event() {
        let (params, event) = request(json!({"type": "apiKey", "apiKey": "sk-secret"})).start().unwrap();
        assert_eq!(params, json!({"type": "apiKey", "apiKey": "sk-secret"}));
        assert_eq!(event, json!({"type": "apiKey"}));
    }

    #[test]
    fn a_chatgpt_login_is_spelled_as_app_server_takes_it() {
        assert_eq!(request(json!({"type": "chatgpt"})).start().unwrap(), (json!({"type": "chatgpt"}), json!({"type": "chatgpt"})));
        let device = json!({"type": "chatgptDeviceCode"});
        assert_eq!(request(device.clone()).start().unwrap(), (device.clone(), device));
    }

    #[test]
    fn a_blank_or_oversized_api_key_is_refused_before_app_server_sees_it() {
        for key in ["", "  \t", &"k".repeat(MAX_API_KEY_LEN + 1)] {
            let err = LoginRequest::ApiKey { api_key: key.into() }.start().unwrap_err();
            assert_eq!(err.code, ErrorCode::InvalidRequest, "{key:?}");
        }
        assert!(LoginRequest::ApiKey { api_key: "k".repeat(MAX_API_KEY_LEN) }.start().is_ok());
    }
}
