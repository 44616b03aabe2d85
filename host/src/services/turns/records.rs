//! Reading the host's turn record: every turn the host acknowledged, with its final state once it ended (see
//! `store/turns.rs`). Unlike the transcript, which app-server serves from Codex's history, this answers from the
//! host's own store, also while app-server is down and after a crash.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::Turns;
use crate::events::envelope_ts;
use crate::services::error::{ErrorCode, ServiceError, ServiceResult};
use crate::services::paging;
use crate::services::waits::MAX_WAIT;
use crate::store::{StoreError, TurnRow, TurnStatus};

/// Largest page of turn records.
pub const MAX_TURN_RECORDS_PAGE: i64 = 200;

#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct TurnRecordQuery {
    /// Turns per page, 1–200 (default 50), newest first.
    pub limit: Option<i64>,
    /// `nextCursor` from the previous page.
    pub cursor: Option<String>,
}

/// One turn as the host recorded it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TurnRecord {
    pub id: String,
    pub session_id: String,
    pub status: TurnStatus,
    /// Seq of the turn's `turn.started` event (null when the host never logged one, e.g. it died first).
    pub start_seq: Option<i64>,
    /// Seq of the `turn.completed` event that ended it (null while it runs).
    pub end_seq: Option<i64>,
    pub started_at: String,
    pub ended_at: Option<String>,
    /// The last assistant message of the turn (for a reply cut short, what it streamed before the end).
    pub final_text: Option<String>,
    /// Why it failed or was interrupted.
    pub error: Option<String>,
    /// The tokens it used, from app-server's `thread/tokenUsage/updated` (absent until one arrived).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tokens: Option<crate::services::limits::TokenCounts>,
}

impl From<TurnRow> for TurnRecord {
    fn from(r: TurnRow) -> Self {
        Self {
            id: r.id,
            session_id: r.session_id,
            status: r.status,
            start_seq: r.start_seq,
            end_seq: r.end_seq,
            started_at: envelope_ts(r.started_at),
            ended_at: r.ended_at.map(envelope_ts),
            final_text: r.final_text,
            error: r.error,
            tokens: None,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TurnRecordPage {
    pub turns: Vec<TurnRecord>,
    pub next_cursor: Option<String>,
}

impl Turns {
    /// A session's turn records, newest first.
    pub async fn list_turn_records(&self, session_id: &str, q: TurnRecordQuery) -> ServiceResult<TurnRecordPage> {
        let row = self.core.session_row(session_id).await?;
        let limit = q.limit.unwrap_or(50);
        if !(1..=MAX_TURN_RECORDS_PAGE).contains(&limit) {
            return Err(ServiceError::invalid(format!("`limit` must be between 1 and {MAX_TURN_RECORDS_PAGE}")));
        }
        let before = q.cursor.as_deref().map(paging::decode).transpose()?;
        let mut rows = self.core.store().session_turns(&row.id, before, limit + 1).await?;
        let next_cursor = if rows.len() as i64 > limit {
            rows.truncate(limit as usize);
            rows.last().map(|r| paging::encode(r.started_at, &r.id))
        } else {
            None
        };
        let mut turns = Vec::with_capacity(rows.len());
        for r in rows {
            turns.push(self.with_tokens(TurnRecord::from(r)).await?);
        }
        Ok(TurnRecordPage { turns, next_cursor })
    }

    /// One turn record of a session, after waiting up to `limit` for the turn to end.
    pub async fn get_turn_record(&self, session_id: &str, turn_id: &str, limit: Duration) -> ServiceResult<TurnRecord> {
        let record = self.wait_turn_record(session_id, turn_id, limit).await.map(TurnRecord::from)?;
        self.with_tokens(record).await
    }

    async fn with_tokens(&self, mut record: TurnRecord) -> ServiceResult<TurnRecord> {
        record.tokens = self.core.store().turn_tokens(&record.id).await?.map(Into::into);
        Ok(record)
    }

    /// One turn record of a session, once the turn ended or `limit` ran out (then still `inProgress`). Woken by the
    /// turn's end, never by polling; nothing is spawned, so a caller that goes away leaves nothing behind.
    pub(crate) async fn wait_turn_record(&self, session_id: &str, turn_id: &str, limit: Duration) -> ServiceResult<TurnRow> {
        let row = self.core.session_row(session_id).await?;
        let read = || async {
            match self.core.store().get_turn(turn_id).await {
                Ok(turn) if turn.session_id == row.id => Ok(turn),
                Ok(_) | Err(StoreError::NotFound) => {
                    Err(ServiceError::not_found(ErrorCode::TurnNotFound, format!("session `{}` has no turn `{turn_id}`", row.id)))
                }
                Err(e) => Err(e.into()),
            }
        };
        self.ends.wait_for_end(turn_id, limit, read, |turn: &TurnRow| turn.status.is_final()).await
    }

    /// The turn's record once it ended, however long that takes (the caller bounds it, e.g. a job's timeout).
    pub(crate) async fn wait_turn_end(&self, session_id: &str, turn_id: &str) -> ServiceResult<TurnRow> {
        loop {
            let turn = self.wait_turn_record(session_id, turn_id, MAX_WAIT).await?;
            if turn.status.is_final() {
                return Ok(turn);
            }
        }
    }
}
