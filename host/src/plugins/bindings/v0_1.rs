//! WIT `codex-manager:plugin@0.1.0` (wit/0.1.0, frozen): bindings and thin conversions to the host's imports.

wasmtime::component::bindgen!({
    path: "../wit/0.1.0",
    world: "plugin",
    imports: { default: async },
    exports: { default: async },
});

use wasmtime::component::{HasSelf, Linker};

use self::codex_manager::plugin::types as wit;
use self::codex_manager::plugin::{http, jobs, kv, log, notes, requests, sessions, turns, workers};
use super::super::api::{self as host_api, Decided, HostCallError, TranscriptPage};
use super::super::imports::{Decision, HttpRequest, HttpResponse, LogLevel};
use super::super::state::PluginState;

/// The page 0.1.0's `sessions.transcript` always read: the oldest turns first.
const TRANSCRIPT_PAGE: u32 = 50;

pub fn linker(engine: &wasmtime::Engine) -> anyhow::Result<Linker<PluginState>> {
    let mut linker = Linker::new(engine);
    wasmtime_wasi::p2::add_to_linker_async(&mut linker)?;
    Plugin::add_to_linker::<PluginState, HasSelf<PluginState>>(&mut linker, |s| s)?;
    Ok(linker)
}

super::shared_conversions!();

impl From<super::ToolCall> for wit::ToolCall {
    fn from(c: super::ToolCall) -> Self {
        Self { session_id: c.session_id, tool: c.tool, arguments: c.arguments }
    }
}

impl kv::Host for PluginState {
    async fn get(&mut self, key: String) -> Result<Option<String>, wit::Error> {
        Ok(self.kv_get(key).await?)
    }
    async fn set(&mut self, key: String, value: String) -> Result<(), wit::Error> {
        Ok(self.kv_set(key, value).await?)
    }
    async fn delete(&mut self, key: String) -> Result<(), wit::Error> {
        Ok(self.kv_delete(key).await?)
    }
}

impl sessions::Host for PluginState {
    async fn get(&mut self, session_id: String) -> Result<String, wit::Error> {
        Ok(self.session_get(session_id).await?)
    }
    async fn transcript(&mut self, session_id: String) -> Result<String, wit::Error> {
        let page = TranscriptPage { limit: TRANSCRIPT_PAGE, cursor: None, newest_first: false };
        Ok(self.transcript_page(session_id, page, "sessions.transcript").await?)
    }
    async fn get_setting(&mut self, session_id: String, key: String) -> Result<Option<String>, wit::Error> {
        Ok(PluginState::get_setting(self, session_id, key).await?)
    }
    async fn set_setting(&mut self, session_id: String, key: String, value: String) -> Result<(), wit::Error> {
        Ok(PluginState::set_setting(self, session_id, key, value).await?)
    }
    async fn rename(&mut self, session_id: String, title: String) -> Result<(), wit::Error> {
        Ok(PluginState::rename(self, session_id, title).await?)
    }
}

impl turns::Host for PluginState {
    async fn create_session(&mut self, cwd: String, title: Option<String>) -> Result<String, wit::Error> {
        Ok(PluginState::create_session(self, cwd, title).await?)
    }
    async fn send_message(&mut self, session_id: String, text: String) -> Result<String, wit::Error> {
        Ok(PluginState::send_message(self, session_id, text).await?)
    }
    async fn interrupt(&mut self, session_id: String) -> Result<(), wit::Error> {
        Ok(PluginState::interrupt(self, session_id).await?)
    }
}

impl requests::Host for PluginState {
    async fn decide_approval(
        &mut self,
        session_id: String,
        request_id: String,
        decision: wit::Decision,
        reason: Option<String>,
    ) -> Result<wit::DecideOutcome, wit::Error> {
        Ok(outcome(PluginState::decide_approval(self, session_id, request_id, decision.into(), reason).await?))
    }
    async fn answer_tool_input(&mut self, session_id: String, request_id: String, answers: String) -> Result<wit::DecideOutcome, wit::Error> {
        Ok(outcome(PluginState::answer_tool_input(self, session_id, request_id, answers).await?))
    }
}
