//! WIT `codex-manager:plugin@0.2.0` (wit/0.2.0): bindings and thin conversions to the host's imports.

wasmtime::component::bindgen!({
    path: "../wit/0.2.0",
    world: "plugin",
    imports: { default: async },
    exports: { default: async },
});

use wasmtime::component::{HasSelf, Linker};

use self::codex_manager::plugin::types as wit;
use self::codex_manager::plugin::{http, jobs, kv, log, notes, requests, sessions, settings, turns, workers};
use super::super::api::{self as host_api, Assessment, Decided, HostCallError, Risk, TranscriptPage, TurnState};
use super::super::imports::{Decision, HttpRequest, HttpResponse, LogLevel};
use super::super::state::PluginState;

/// Turns per transcript page when the plugin names no limit.
const DEFAULT_TRANSCRIPT_PAGE: u32 = 20;

pub fn linker(engine: &wasmtime::Engine) -> anyhow::Result<Linker<PluginState>> {
    let mut linker = Linker::new(engine);
    wasmtime_wasi::p2::add_to_linker_async(&mut linker)?;
    Plugin::add_to_linker::<PluginState, HasSelf<PluginState>>(&mut linker, |s| s)?;
    Ok(linker)
}

super::shared_conversions!();

impl From<super::ToolCall> for wit::ToolCall {
    fn from(c: super::ToolCall) -> Self {
        Self { session_id: c.session_id, tool: c.tool, arguments: c.arguments, job_id: c.job_id }
    }
}

impl From<host_api::TurnRecord> for wit::TurnRecord {
    fn from(t: host_api::TurnRecord) -> Self {
        Self {
            id: t.id,
            session_id: t.session_id,
            status: match t.status {
                TurnState::InProgress => wit::TurnStatus::InProgress,
                TurnState::Completed => wit::TurnStatus::Completed,
                TurnState::Interrupted => wit::TurnStatus::Interrupted,
                TurnState::Failed => wit::TurnStatus::Failed,
            },
            start_seq: t.start_seq,
            end_seq: t.end_seq,
            started_at: t.started_at,
            ended_at: t.ended_at,
            final_text: t.final_text,
            error: t.error,
        }
    }
}

impl From<wit::Assessment> for Assessment {
    fn from(a: wit::Assessment) -> Self {
        Self {
            risk: match a.risk {
                wit::Risk::Low => Risk::Low,
                wit::Risk::Medium => Risk::Medium,
                wit::Risk::High => Risk::High,
            },
            summary: a.summary,
            rationale: a.rationale,
            assessor: a.assessor,
        }
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
    async fn compare_and_set(&mut self, key: String, expected: Option<String>, value: Option<String>) -> Result<bool, wit::Error> {
        Ok(self.kv_compare_and_set(key, expected, value).await?)
    }
    async fn keys(&mut self, prefix: String) -> Result<Vec<String>, wit::Error> {
        Ok(self.kv_keys(prefix).await?)
    }
}

impl settings::Host for PluginState {
    async fn get(&mut self, key: String) -> Result<Option<String>, wit::Error> {
        Ok(self.settings_get(key).await?)
    }
    async fn all(&mut self) -> Result<String, wit::Error> {
        Ok(self.settings_all().await?)
    }
}

impl sessions::Host for PluginState {
    async fn get(&mut self, session_id: String) -> Result<String, wit::Error> {
        Ok(self.session_get(session_id).await?)
    }
    async fn transcript_page(&mut self, session_id: String, query: wit::TranscriptQuery) -> Result<String, wit::Error> {
        let page = TranscriptPage {
            limit: query.limit.unwrap_or(DEFAULT_TRANSCRIPT_PAGE),
            cursor: query.cursor,
            newest_first: query.newest_first,
        };
        Ok(PluginState::transcript_page(self, session_id, page, "sessions.transcript-page").await?)
    }
    async fn list_turns(&mut self, session_id: String, limit: Option<u32>, cursor: Option<String>) -> Result<wit::TurnPage, wit::Error> {
        let page = PluginState::list_turns(self, session_id, limit, cursor).await?;
        Ok(wit::TurnPage { turns: page.turns.into_iter().map(Into::into).collect(), next_cursor: page.next_cursor })
    }
    async fn get_turn(&mut self, session_id: String, turn_id: String) -> Result<wit::TurnRecord, wit::Error> {
        Ok(PluginState::get_turn(self, session_id, turn_id).await?.into())
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
    async fn steer(&mut self, session_id: String, text: String) -> Result<String, wit::Error> {
        Ok(PluginState::steer(self, session_id, text).await?)
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
    async fn assess(&mut self, session_id: String, request_id: String, assessment: wit::Assessment) -> Result<(), wit::Error> {
        Ok(PluginState::assess(self, session_id, request_id, assessment.into()).await?)
    }
}
