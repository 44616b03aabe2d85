//! The services as plugins see them: [`PluginHostApi`] implemented over the same use cases the REST API calls,
//! so a plugin can do nothing a client could not.

use std::sync::{Arc, Weak};

use async_trait::async_trait;
use serde_json::Value;

use super::error::{ErrorCode, ErrorKind, ServiceError};
use super::requests::{NewAssessment, RespondToRequest, Risk};
use super::turns::{SteerMessage, TurnRecord as ServiceTurnRecord, TurnRecordQuery};
use super::{SendMessage, Services, TranscriptQuery, UpdateSession};
use crate::plugins::api::{
    Assessment, Decided, HostCallError, HostResult, JobRequest, Note, PluginHostApi, TranscriptPage, TurnPage, TurnRecord, TurnState,
    WorkerReply, WorkerTurn,
};
use crate::store::TurnStatus;

pub struct ServicesForPlugins(pub Weak<Services>);

fn map(e: ServiceError) -> HostCallError {
    match e.kind {
        ErrorKind::NotFound => HostCallError::NotFound(e.message),
        ErrorKind::Conflict | ErrorKind::Gone => HostCallError::Conflict(e.message),
        ErrorKind::Invalid | ErrorKind::Forbidden | ErrorKind::NotSupported => HostCallError::Invalid(e.message),
        _ => HostCallError::Unavailable(e.message),
    }
}

impl ServicesForPlugins {
    fn services(&self) -> HostResult<Arc<Services>> {
        self.0.upgrade().ok_or_else(|| HostCallError::Unavailable("the host is shutting down".into()))
    }
}

fn turn_record(t: ServiceTurnRecord) -> TurnRecord {
    TurnRecord {
        id: t.id,
        session_id: t.session_id,
        status: match t.status {
            TurnStatus::InProgress => TurnState::InProgress,
            TurnStatus::Completed => TurnState::Completed,
            TurnStatus::Interrupted => TurnState::Interrupted,
            TurnStatus::Failed => TurnState::Failed,
        },
        start_seq: t.start_seq,
        end_seq: t.end_seq,
        started_at: t.started_at,
        ended_at: t.ended_at,
        final_text: t.final_text,
        error: t.error,
    }
}

fn json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "null".into())
}

#[async_trait]
impl PluginHostApi for ServicesForPlugins {
    async fn owns_session(&self, session_id: &str) -> bool {
        match self.services() {
            Ok(services) => services.sessions().owned_here(session_id).await,
            Err(_) => false,
        }
    }

    async fn session(&self, session_id: &str) -> HostResult<String> {
        Ok(json(&self.services()?.sessions().get_session(session_id).await.map_err(map)?))
    }

    async fn transcript_page(&self, session_id: &str, page: TranscriptPage) -> HostResult<String> {
        let q = TranscriptQuery {
            limit: Some(page.limit),
            cursor: page.cursor,
            order: Some(if page.newest_first { "desc" } else { "asc" }.to_string()),
        };
        Ok(json(&self.services()?.sessions().transcript(session_id, q).await.map_err(map)?))
    }

    async fn list_turns(&self, session_id: &str, limit: Option<u32>, cursor: Option<String>) -> HostResult<TurnPage> {
        let q = TurnRecordQuery { limit: limit.map(i64::from), cursor };
        let page = self.services()?.turns().list_turn_records(session_id, q).await.map_err(map)?;
        Ok(TurnPage { turns: page.turns.into_iter().map(turn_record).collect(), next_cursor: page.next_cursor })
    }

    async fn get_turn(&self, session_id: &str, turn_id: &str) -> HostResult<TurnRecord> {
        // As it is now: a plugin call must not sit waiting for a turn to end.
        let turn = self.services()?.turns().get_turn_record(session_id, turn_id, std::time::Duration::ZERO).await.map_err(map)?;
        Ok(turn_record(turn))
    }

    async fn get_setting(&self, session_id: &str, key: &str) -> HostResult<Option<String>> {
        match self.services()?.settings().get_setting(session_id, key).await {
            Ok(s) => Ok(Some(s.value.to_string())),
            Err(ServiceError { code: ErrorCode::SettingNotFound, .. }) => Ok(None),
            Err(e) => Err(map(e)),
        }
    }

    async fn set_setting(&self, session_id: &str, key: &str, value: &str) -> HostResult<()> {
        let value: Value = serde_json::from_str(value).map_err(|e| HostCallError::Invalid(format!("value must be JSON: {e}")))?;
        self.services()?.settings().put_setting(session_id, key, value).await.map(|_| ()).map_err(map)
    }

    async fn rename(&self, session_id: &str, title: &str) -> HostResult<()> {
        let update = UpdateSession { title: Some(title.to_string()), ..Default::default() };
        self.services()?.sessions().update_session(session_id, update).await.map(|_| ()).map_err(map)
    }

    async fn create_session(&self, cwd: &str, title: Option<String>) -> HostResult<String> {
        let req = super::CreateSession { cwd: Some(cwd.to_string()), title, ..Default::default() };
        Ok(self.services()?.sessions().create_session(req).await.map_err(map)?.id)
    }

    async fn send_message(&self, job_id: Option<&str>, session_id: &str, text: &str) -> HostResult<String> {
        let services = self.services()?;
        // A plugin's message is automation, not a person's: the same gate as follow-ups and worker turns.
        services.queue().gate_plugin_message(job_id, session_id).await.map_err(map)?;
        let req = SendMessage { text: text.to_string(), mode: None, if_busy: None };
        Ok(services.turns().send_message(session_id, req, None).await.map_err(map)?.turn_id)
    }

    async fn steer(&self, session_id: &str, text: &str) -> HostResult<String> {
        let req = SteerMessage { text: text.to_string() };
        Ok(self.services()?.turns().steer(session_id, req).await.map_err(map)?.turn_id)
    }

    async fn interrupt(&self, session_id: &str) -> HostResult<()> {
        self.services()?.turns().interrupt(session_id).await.map(|_| ()).map_err(map)
    }

    async fn kv_get(&self, plugin_id: &str, key: &str) -> HostResult<Option<String>> {
        self.services()?.plugins().kv_get(plugin_id, key).await.map_err(map)
    }

    async fn kv_set(&self, plugin_id: &str, key: &str, value: &str) -> HostResult<()> {
        self.services()?.plugins().kv_set(plugin_id, key, value).await.map_err(map)
    }

    async fn kv_delete(&self, plugin_id: &str, key: &str) -> HostResult<()> {
        self.services()?.plugins().kv_delete(plugin_id, key).await.map_err(map)
    }

    async fn kv_compare_and_set(&self, plugin_id: &str, key: &str, expected: Option<&str>, value: Option<&str>) -> HostResult<bool> {
        self.services()?.plugins().kv_compare_and_set(plugin_id, key, expected, value).await.map_err(map)
    }

    async fn kv_keys(&self, plugin_id: &str, prefix: &str, limit: u32) -> HostResult<Vec<String>> {
        self.services()?.plugins().kv_keys(plugin_id, prefix, limit).await.map_err(map)
    }

    async fn plugin_settings(&self, plugin_id: &str) -> HostResult<serde_json::Map<String, Value>> {
        Ok(self.services()?.plugins().settings(plugin_id).await.map_err(map)?.settings)
    }

    async fn assess(&self, session_id: &str, request_id: &str, assessment: Assessment, assessed_by: &str) -> HostResult<()> {
        let assessment = NewAssessment {
            risk: match assessment.risk {
                crate::plugins::api::Risk::Low => Risk::Low,
                crate::plugins::api::Risk::Medium => Risk::Medium,
                crate::plugins::api::Risk::High => Risk::High,
            },
            summary: assessment.summary,
            rationale: assessment.rationale,
            assessor: assessment.assessor,
        };
        self.services()?.requests().assess_request(session_id, request_id, assessment, assessed_by).await.map(|_| ()).map_err(map)
    }

    async fn respond(&self, session_id: &str, request_id: &str, body: Value, decided_by: &str) -> HostResult<Decided> {
        let body: RespondToRequest = serde_json::from_value(body).map_err(|e| HostCallError::Invalid(e.to_string()))?;
        match self.services()?.requests().respond_to_request(session_id, request_id, body, decided_by).await {
            Ok(_) => Ok(Decided::Applied),
            // User decisions stay authoritative: losing the race is an outcome, not an error.
            Err(ServiceError { code: ErrorCode::RequestAlreadyResolved | ErrorCode::RequestExpired, .. }) => Ok(Decided::AlreadyResolved),
            Err(e) => Err(map(e)),
        }
    }

    async fn enqueue_job(&self, plugin_id: &str, request: JobRequest) -> HostResult<(String, bool)> {
        let payload: Value = serde_json::from_str(&request.payload).map_err(|e| HostCallError::Invalid(format!("payload must be JSON: {e}")))?;
        let req = super::EnqueueJob {
            kind: request.kind,
            payload: Some(payload),
            session_id: request.session_id,
            project_id: request.project_id,
            dedupe_key: request.dedupe_key,
            priority: request.priority,
            delay_ms: request.delay_ms,
        };
        let done = self.services()?.queue().enqueue_job(req, &format!("plugin:{plugin_id}")).await.map_err(map)?;
        Ok((done.job.id, done.duplicate))
    }

    async fn run_worker_turn(&self, plugin_id: &str, job_id: &str, turn: WorkerTurn) -> HostResult<WorkerReply> {
        self.services()?.queue().run_worker_turn(plugin_id, job_id, turn).await.map_err(map)
    }

    async fn add_note(&self, plugin_id: &str, session_id: &str, note: Note) -> HostResult<String> {
        Ok(self.services()?.notes().add_note(plugin_id, session_id, note).await.map_err(map)?.id)
    }
}
