//! What the connected codex supports, read from the schema the installed binary prints, so clients can grey out
//! what is not there instead of failing.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::CodexOp;
use crate::appserver::drift::{self, ProtocolViolation};
use crate::appserver::version::{self, CodexVersion};
use super::Codex;

// What `/api/capabilities` answers (no doc comment: it would become the schema's description).
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CapabilityReport {
    pub codex: CodexVersion,
    /// False until the installed codex's schema was read (shortly after app-server first starts).
    pub known: bool,
    /// Per group: whether its routes can work now (`exec` also needs `--enable-exec`).
    pub groups: BTreeMap<String, bool>,
    /// Every client method the installed codex serves.
    pub methods: Vec<String>,
}

/// A group of routes that stands or falls with the methods it needs (the groups of [`CodexOp::ALL`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub enum CapabilityGroup {
    Account,
    AccountLogin,
    Models,
    Config,
    Mcp,
    Skills,
    Hooks,
    Features,
    CollaborationModes,
    Review,
    Compact,
    Revert,
    BackgroundTerminals,
    ShellCommand,
    Exec,
    Feedback,
}

/// What the installed codex serves, read from its schema.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Capabilities {
    /// Client request methods in the installed codex's schema (experimental ones included).
    pub methods: BTreeSet<String>,
    /// The schema's fingerprint ([`version::schema_fingerprint`]): a release with a tested release's schema counts as tested.
    pub schema: Option<String>,
    /// The release whose schema this is (from app-server's user agent when it was read): read again when another runs.
    pub release: Option<String>,
}

impl Capabilities {
    pub fn supports(&self, method: &str) -> bool {
        self.methods.contains(method)
    }

    /// Read the installed codex's schema: what it serves, and what of the host's protocol contract it breaks (the
    /// drift guard's violations, which the caller hands to the app-server's gate).
    pub async fn detect(codex_bin: &Path, codex_home: &Path, release: Option<String>) -> anyhow::Result<(Self, Vec<ProtocolViolation>)> {
        let found = drift::inspect(codex_bin, codex_home, CodexOp::CALLS).await?;
        Ok((Self { methods: found.methods, schema: Some(found.fingerprint), release }, found.violations))
    }
}

/// Per capability group, whether its routes can work now: every method its operations call is served (`caps`,
/// unknown until the schema was read) and not `refused` by the drift guard, and exec is allowed. The groups are
/// those of [`CodexOp::ALL`].
fn group_report(caps: Option<&Capabilities>, refused: &BTreeSet<String>, exec_enabled: bool) -> BTreeMap<String, bool> {
    let mut groups = BTreeMap::new();
    for op in CodexOp::ALL {
        let (method, group, _) = op.spec();
        let works = caps.is_some_and(|c| c.supports(method)) && !refused.contains(method) && (group != CapabilityGroup::Exec || exec_enabled);
        let name = serde_json::to_value(group).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default();
        *groups.entry(name).or_insert(true) &= works;
    }
    groups
}

impl Codex {
    /// How this host stands to the running codex: its release, and its schema once read (this release's: after a
    /// restart brought another release, the previous one's schema says nothing about it), with what the drift guard
    /// found broken in it.
    pub fn codex_version(&self) -> CodexVersion {
        let user_agent = self.core.app_server().state().user_agent;
        let release = user_agent.as_deref().and_then(version::version_from_user_agent);
        let schema = self.capabilities().filter(|c| c.release.as_deref() == release).and_then(|c| c.schema);
        let broken = self.core.app_server().protocol_gate().report().violations.len();
        version::assess(user_agent.as_deref(), schema.as_deref(), broken)
    }

    /// Which parts of the Codex surface the connected codex supports, by route group.
    pub fn capability_report(&self) -> CapabilityReport {
        let caps = self.capabilities();
        CapabilityReport {
            codex: self.codex_version(),
            known: caps.is_some(),
            groups: group_report(caps.as_ref(), &self.core.app_server().protocol_gate().refused_methods(), self.exec_enabled()),
            methods: caps.map(|c| c.methods.into_iter().collect()).unwrap_or_default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caps(methods: &[&str]) -> Capabilities {
        Capabilities { methods: methods.iter().map(|m| m.to_string()).collect(), schema: None, release: None }
    }

    #[test]
    fn every_group_is_reported_and_stands_or_falls_with_all_its_methods() {
        let all = CodexOp::METHODS.to_vec();
        let report = group_report(Some(&caps(&all)), &BTreeSet::new(), true);
        assert_eq!(report.len(), 16, "{report:?}");
        assert!(report.values().all(|works| *works));
        assert_eq!(report.get("collaborationModes"), Some(&true), "group names are the API's spelling");

        // One of the account group's methods missing takes the group down, and only it.
        let without: Vec<&str> = all.iter().copied().filter(|m| *m != "account/usage/read").collect();
        let report = group_report(Some(&caps(&without)), &BTreeSet::new(), true);
        assert_eq!(report["account"], false);
        assert_eq!(report.values().filter(|works| !**works).count(), 1);
    }

    #[test]
    fn exec_needs_its_switch_and_nothing_works_before_the_schema_is_known() {
        let all = CodexOp::METHODS.to_vec();
        let report = group_report(Some(&caps(&all)), &BTreeSet::new(), false);
        assert_eq!(report["exec"], false);
        assert_eq!(report.values().filter(|works| !**works).count(), 1);
        let unknown = group_report(None, &BTreeSet::new(), true);
        assert_eq!(unknown.len(), 16);
        assert!(unknown.values().all(|works| !*works));
    }

    #[test]
    fn a_method_the_drift_guard_refuses_takes_its_group_down_and_only_it() {
        let all = CodexOp::METHODS.to_vec();
        let refused = BTreeSet::from(["review/start".to_string()]);
        let report = group_report(Some(&caps(&all)), &refused, true);
        assert_eq!(report["review"], false);
        assert_eq!(report.values().filter(|works| !**works).count(), 1);
    }
}
