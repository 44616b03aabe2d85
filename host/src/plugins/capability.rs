//! Capabilities: what a plugin may ask the host to do. A call is allowed only when the manifest requested the
//! capability AND the user granted it at install; the check lives here, in one place.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Capability {
    /// Write to the host's log.
    Log,
    /// A private durable key-value store.
    Kv,
    /// Read sessions and transcripts.
    SessionsRead,
    /// Read and write session settings.
    SessionSettings,
    /// Rename sessions.
    SessionsWrite,
    /// Create sessions, send messages, interrupt.
    Turns,
    /// Decide approvals and answer tool input.
    Requests,
    /// Outbound HTTP to allow-listed hosts.
    Http,
    /// Put jobs of the plugin's own kinds on the queue.
    Jobs,
    /// Run helper turns on the plugin's hidden worker sessions.
    Workers,
    /// Leave notes on sessions.
    Notes,
    /// A private directory, `/data` inside the plugin (WASI files), kept across upgrades and removed with the
    /// plugin. Without it a plugin has no filesystem at all.
    DataDir,
    /// Read the real time (WASI clocks). Without it a plugin's clocks are frozen at the Unix epoch; event
    /// timestamps still tell it when things happened.
    Clock,
}

impl Capability {
    pub const ALL: [Capability; 13] = [
        Self::Log,
        Self::Kv,
        Self::SessionsRead,
        Self::SessionSettings,
        Self::SessionsWrite,
        Self::Turns,
        Self::Requests,
        Self::Http,
        Self::Jobs,
        Self::Workers,
        Self::Notes,
        Self::DataDir,
        Self::Clock,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Log => "log",
            Self::Kv => "kv",
            Self::SessionsRead => "sessions-read",
            Self::SessionSettings => "session-settings",
            Self::SessionsWrite => "sessions-write",
            Self::Turns => "turns",
            Self::Requests => "requests",
            Self::Http => "http",
            Self::Jobs => "jobs",
            Self::Workers => "workers",
            Self::Notes => "notes",
            Self::DataDir => "data-dir",
            Self::Clock => "clock",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

/// What one plugin may do: requested ∩ granted, plus its HTTP allow-list.
#[derive(Debug, Clone, Default)]
pub struct Grants {
    allowed: BTreeSet<Capability>,
    http_allow: Vec<String>,
}

impl Grants {
    pub fn new(requested: &BTreeSet<Capability>, granted: &BTreeSet<Capability>, http_allow: &[String]) -> Self {
        Self {
            allowed: requested.intersection(granted).copied().collect(),
            http_allow: http_allow.iter().map(|h| h.to_ascii_lowercase()).collect(),
        }
    }

    /// `log` is every plugin's (as the WIT says); everything else needs the request and the grant.
    pub fn allows(&self, c: Capability) -> bool {
        c == Capability::Log || self.allowed.contains(&c)
    }

    /// HTTP needs the capability and a host on the allow-list (exact name match).
    pub fn allows_host(&self, host: &str) -> bool {
        self.allows(Capability::Http) && self.http_allow.iter().any(|h| h == &host.to_ascii_lowercase())
    }

    pub fn allowed(&self) -> &BTreeSet<Capability> {
        &self.allowed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_capability_needs_both_the_request_and_the_grant() {
        let requested: BTreeSet<_> = [Capability::Kv, Capability::Http].into();
        let granted: BTreeSet<_> = [Capability::Kv, Capability::Turns].into();
        let g = Grants::new(&requested, &granted, &["api.example.com".into()]);
        assert!(g.allows(Capability::Kv));
        assert!(!g.allows(Capability::Turns), "granted but not requested");
        assert!(!g.allows(Capability::Http), "requested but not granted");
        assert!(!g.allows_host("api.example.com"));
    }
}
