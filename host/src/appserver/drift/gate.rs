//! Where the guard's verdict lives while the host runs: every call to app-server and every request it sends
//! consults it.

use std::collections::BTreeSet;
use std::sync::RwLock;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{DriftEffect, ProtocolViolation};

/// What the guard found in the running codex, for `/api/ready`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProtocolReport {
    /// False until the running codex's schema was read (shortly after app-server first starts).
    pub checked: bool,
    /// Every fact the host relies on that the running codex breaks, and what the host turned off for it.
    pub violations: Vec<ProtocolViolation>,
}

/// The guard's last verdict, consulted by every call to app-server and every request it sends.
#[derive(Debug, Default)]
pub struct ProtocolGate {
    report: RwLock<ProtocolReport>,
}

impl ProtocolGate {
    /// Adopt what the guard found in the running codex's schema.
    pub fn set(&self, violations: Vec<ProtocolViolation>) {
        *self.report.write().expect("protocol gate poisoned") = ProtocolReport { checked: true, violations };
    }

    /// Back to unchecked: the running codex's schema could not be read, so no earlier verdict (another release's)
    /// stands for it.
    pub fn reset(&self) {
        *self.report.write().expect("protocol gate poisoned") = ProtocolReport::default();
    }

    pub fn report(&self) -> ProtocolReport {
        self.report.read().expect("protocol gate poisoned").clone()
    }

    /// The broken facts that make the host refuse to call `method` (empty: go ahead).
    pub fn refused_call(&self, method: &str) -> Vec<ProtocolViolation> {
        self.broken(method, DriftEffect::Refused)
    }

    /// The broken facts that make the host decline app-server's `method` requests (empty: serve them).
    pub fn declined_request(&self, method: &str) -> Vec<ProtocolViolation> {
        self.broken(method, DriftEffect::Declined)
    }

    /// Every method the host refuses to call.
    pub fn refused_methods(&self) -> BTreeSet<String> {
        let report = self.report.read().expect("protocol gate poisoned");
        report.violations.iter().filter(|v| v.effect == DriftEffect::Refused).map(|v| v.method.clone()).collect()
    }

    fn broken(&self, method: &str, effect: DriftEffect) -> Vec<ProtocolViolation> {
        let report = self.report.read().expect("protocol gate poisoned");
        report.violations.iter().filter(|v| v.method == method && v.effect == effect).cloned().collect()
    }
}
