//! A judgement of a pending approval (a plugin's, through `requests.assess` in WIT 0.2.0): stored on the request,
//! shown beside it in every client, announced by `approval.assessed`. It informs; it never decides.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::kind::RequestFamily;
use super::{already_settled, PendingRequest, RequestKind, Requests};
use crate::events::{envelope_ts, EventType, NewEvent};
use crate::services::error::{ServiceError, ServiceResult};
use crate::store::{now_ms, RequestStatus};

/// How risky an approval is, as judged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Risk {
    Low,
    Medium,
    High,
}

/// A judgement attached to an approval request.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Assessment {
    pub risk: Risk,
    /// What the command or change does, in a sentence.
    pub summary: String,
    /// Why it is that risky (Markdown).
    pub rationale: String,
    /// Who judged, as the assessor names itself: a model's name, `rules`, ...
    pub assessor: Option<String>,
    /// Who attached it: `plugin:<id>`.
    pub assessed_by: String,
    /// When (RFC 3339, UTC).
    pub at: String,
}

/// What an assessor says; the host adds who attached it and when.
#[derive(Debug, Clone)]
pub struct NewAssessment {
    pub risk: Risk,
    pub summary: String,
    pub rationale: String,
    pub assessor: Option<String>,
}

impl Requests {
    /// Attach `assessment` to a pending approval of the session (replacing an earlier one). A request that was
    /// answered or expired is refused like a late decision (409 / 410).
    pub async fn assess_request(
        &self,
        session_id: &str,
        request_id: &str,
        assessment: NewAssessment,
        assessed_by: &str,
    ) -> ServiceResult<PendingRequest> {
        self.core.session_row(session_id).await?;
        let row = self.request_in_session(session_id, request_id).await?;
        let kind = RequestKind::parse(&row.kind).ok_or_else(|| ServiceError::invalid("unknown request kind"))?;
        if kind.family() != RequestFamily::Approval {
            return Err(ServiceError::invalid("only approval requests take an assessment"));
        }
        if row.status != RequestStatus::Pending {
            return Err(already_settled(row));
        }
        let stored = Assessment {
            risk: assessment.risk,
            summary: assessment.summary,
            rationale: assessment.rationale,
            assessor: assessment.assessor,
            assessed_by: assessed_by.to_string(),
            at: envelope_ts(now_ms()),
        };
        let json = serde_json::to_string(&stored).expect("an assessment serializes");
        if !self.core.store().assess_request(request_id, &json).await? {
            return Err(already_settled(self.core.store().get_request(request_id).await?));
        }
        let row = self.core.store().get_request(request_id).await?;
        let view = PendingRequest::from(row.clone());
        let event = NewEvent::new(EventType::ApprovalAssessed, &view)
            .session(row.session_id.as_deref().map(Into::into), row.project_id.as_deref().map(Into::into))
            .turn(row.turn_id.clone());
        self.core.events().publish_committed(event).await;
        Ok(view)
    }
}
