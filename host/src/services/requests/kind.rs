//! What app-server is asking, classified: which host vocabulary (`approval.*`, `tool_input.*`, `tool_call.*`) it
//! belongs to, and which answers make sense for it.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use crate::events::EventType;
use crate::store::RequestStatus;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RequestKind {
    /// `item/commandExecution/requestApproval`
    CommandApproval,
    /// `item/fileChange/requestApproval`
    FileChangeApproval,
    /// `item/permissions/requestApproval`
    PermissionsApproval,
    /// `mcpServer/elicitation/request` for an MCP tool call (`_meta.codex_approval_kind = mcp_tool_call`)
    McpToolApproval,
    /// legacy v1 `execCommandApproval`
    LegacyExecApproval,
    /// legacy v1 `applyPatchApproval`
    LegacyPatchApproval,
    /// `item/tool/requestUserInput`
    ToolInput,
    /// `mcpServer/elicitation/request` (a form or a URL)
    Elicitation,
    /// `item/tool/call` (a dynamic tool an API client serves)
    ToolCall,
}

impl RequestKind {
    /// The kind of a server request, or None for requests that are not the user's to answer.
    pub fn classify(method: &str, params: &Value) -> Option<Self> {
        Some(match method {
            "item/commandExecution/requestApproval" => Self::CommandApproval,
            "item/fileChange/requestApproval" => Self::FileChangeApproval,
            "item/permissions/requestApproval" => Self::PermissionsApproval,
            "execCommandApproval" => Self::LegacyExecApproval,
            "applyPatchApproval" => Self::LegacyPatchApproval,
            "item/tool/requestUserInput" => Self::ToolInput,
            "item/tool/call" => Self::ToolCall,
            "mcpServer/elicitation/request" => {
                if params.pointer("/_meta/codex_approval_kind").and_then(Value::as_str) == Some("mcp_tool_call") {
                    Self::McpToolApproval
                } else {
                    Self::Elicitation
                }
            }
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::CommandApproval => "command_approval",
            Self::FileChangeApproval => "file_change_approval",
            Self::PermissionsApproval => "permissions_approval",
            Self::McpToolApproval => "mcp_tool_approval",
            Self::LegacyExecApproval => "legacy_exec_approval",
            Self::LegacyPatchApproval => "legacy_patch_approval",
            Self::ToolInput => "tool_input",
            Self::Elicitation => "elicitation",
            Self::ToolCall => "tool_call",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            Self::CommandApproval,
            Self::FileChangeApproval,
            Self::PermissionsApproval,
            Self::McpToolApproval,
            Self::LegacyExecApproval,
            Self::LegacyPatchApproval,
            Self::ToolInput,
            Self::Elicitation,
            Self::ToolCall,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }

    /// The event family: `approval`, `tool_input` or `tool_call`.
    pub fn family(self) -> RequestFamily {
        match self {
            Self::ToolInput | Self::Elicitation => RequestFamily::ToolInput,
            Self::ToolCall => RequestFamily::ToolCall,
            _ => RequestFamily::Approval,
        }
    }
}

crate::wire::wire_enum! {
    /// Which event vocabulary a request belongs to: `approval.*`, `tool_input.*` or `tool_call.*`.
    pub enum RequestFamily {
        Approval = "approval",
        ToolInput = "tool_input",
        ToolCall = "tool_call",
    }
}

impl RequestFamily {
    /// The event that says a request of this family is now in `status`: `pending` is `<family>.requested`.
    pub const fn event(self, status: RequestStatus) -> EventType {
        use EventType as E;
        use RequestStatus as S;
        match (self, status) {
            (Self::Approval, S::Pending) => E::ApprovalRequested,
            (Self::Approval, S::Resolved) => E::ApprovalResolved,
            (Self::Approval, S::Expired) => E::ApprovalExpired,
            (Self::ToolInput, S::Pending) => E::ToolInputRequested,
            (Self::ToolInput, S::Resolved) => E::ToolInputResolved,
            (Self::ToolInput, S::Expired) => E::ToolInputExpired,
            (Self::ToolCall, S::Pending) => E::ToolCallRequested,
            (Self::ToolCall, S::Resolved) => E::ToolCallResolved,
            (Self::ToolCall, S::Expired) => E::ToolCallExpired,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn elicitations_for_mcp_tool_calls_are_approvals() {
        let meta = json!({"_meta": {"codex_approval_kind": "mcp_tool_call"}});
        assert_eq!(RequestKind::classify("mcpServer/elicitation/request", &meta), Some(RequestKind::McpToolApproval));
        assert_eq!(RequestKind::classify("mcpServer/elicitation/request", &json!({})), Some(RequestKind::Elicitation));
        assert_eq!(RequestKind::classify("attestation/generate", &json!({})), None);
        for k in [RequestKind::ToolCall, RequestKind::LegacyPatchApproval] {
            assert_eq!(RequestKind::parse(k.as_str()), Some(k));
        }
        assert_eq!(RequestKind::ToolInput.family(), RequestFamily::ToolInput);
    }

    #[test]
    fn every_kind_family_and_status_round_trips_its_wire_string() {
        for k in [
            RequestKind::CommandApproval,
            RequestKind::FileChangeApproval,
            RequestKind::PermissionsApproval,
            RequestKind::McpToolApproval,
            RequestKind::LegacyExecApproval,
            RequestKind::LegacyPatchApproval,
            RequestKind::ToolInput,
            RequestKind::Elicitation,
            RequestKind::ToolCall,
        ] {
            assert_eq!(RequestKind::parse(k.as_str()), Some(k));
            assert_eq!(serde_json::to_value(k).unwrap(), k.as_str());
        }
        for &f in RequestFamily::ALL {
            assert_eq!(RequestFamily::parse(f.as_str()), Some(f));
            assert_eq!(serde_json::to_value(f).unwrap(), f.as_str());
        }
        for &s in RequestStatus::ALL {
            assert_eq!(RequestStatus::parse(s.as_str()), Some(s));
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
        }
        assert_eq!(RequestFamily::parse("approvals"), None);
        assert_eq!(RequestStatus::parse("Pending"), None);
    }

    #[test]
    fn a_family_s_events_are_its_vocabulary_with_pending_as_requested() {
        let verbs = [(RequestStatus::Pending, "requested"), (RequestStatus::Resolved, "resolved"), (RequestStatus::Expired, "expired")];
        for &f in RequestFamily::ALL {
            for (status, verb) in verbs {
                assert_eq!(f.event(status).as_str(), format!("{}.{verb}", f.as_str()));
            }
        }
    }
}
