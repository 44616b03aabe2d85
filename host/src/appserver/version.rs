//! Which codex release is running, compared with the one the host was built and tested against.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The codex release whose protocol this host was built against (and that the project installs and tests).
pub const EXPECTED_CODEX_VERSION: &str = "0.169.0";

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CodexVersion {
    pub expected: String,
    /// From app-server's user agent, once initialized.
    pub running: Option<String>,
    /// False when another release runs: the host may fail in odd places; `conformance/` says where.
    pub matches: bool,
}

/// `codex_manager/0.169.0 (Debian 12.0.0; x86_64) ...` → `0.169.0`.
pub fn version_from_user_agent(user_agent: &str) -> Option<&str> {
    let after_slash = user_agent.split_once('/')?.1;
    let version = after_slash.split(|c: char| c.is_whitespace() || c == '(').next()?;
    (!version.is_empty()).then_some(version)
}

pub fn compare(user_agent: Option<&str>) -> CodexVersion {
    let running = user_agent.and_then(version_from_user_agent).map(str::to_owned);
    let matches = running.as_deref().is_none_or(|v| v == EXPECTED_CODEX_VERSION);
    CodexVersion { expected: EXPECTED_CODEX_VERSION.to_string(), running, matches }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_version_from_the_user_agent() {
        assert_eq!(version_from_user_agent("codex_manager/0.169.0 (Debian 12.0.0; x86_64) xterm"), Some("0.169.0"));
        assert_eq!(version_from_user_agent("nothing"), None);
        assert!(!compare(Some("x/0.170.1 (y)")).matches);
        assert!(compare(Some("x/0.169.0 (y)")).matches);
    }
}
