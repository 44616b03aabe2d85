//! `plugin.toml`: who a plugin is, what it listens to and offers, what it asks for, and its limits.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::capability::Capability;
use super::PluginError;

/// The WIT package versions this host serves, oldest first (one binding module each, `bindings/v0_*.rs`).
pub const WIT_VERSIONS: [&str; 2] = ["0.1.0", "0.2.0"];

/// A WIT package version this host serves: a plugin is bound to the highest one its `wit` requirement matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum WitVersion {
    V0_1,
    V0_2,
}

impl WitVersion {
    /// Oldest first, as [`WIT_VERSIONS`].
    pub const ALL: [WitVersion; 2] = [Self::V0_1, Self::V0_2];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::V0_1 => WIT_VERSIONS[0],
            Self::V0_2 => WIT_VERSIONS[1],
        }
    }

    /// The highest served version `req` matches.
    pub fn matching(req: &semver::VersionReq) -> Option<Self> {
        Self::ALL.into_iter().rev().find(|v| req.matches(&semver::Version::parse(v.as_str()).expect("served versions are semver")))
    }
}

/// Settings a manifest may declare, and the size of one default (JSON).
pub const MAX_SETTINGS: usize = 64;
pub const MAX_SETTING_BYTES: usize = 8 * 1024;

/// Limits a plugin may set, with the host's defaults and ceilings.
pub const DEFAULT_MEMORY_MB: u32 = 32;
pub const MAX_MEMORY_MB: u32 = 256;
pub const DEFAULT_CALL_TIMEOUT_MS: u64 = 2_000;
pub const MAX_CALL_TIMEOUT_MS: u64 = 60_000;
pub const DEFAULT_CONCURRENCY: u32 = 1;
pub const MAX_CONCURRENCY: u32 = 8;
/// Events one instance may handle, one after another, when they are already waiting: 1 is a fresh instance per
/// event. An interpreter's instance costs ~1 ms to make; sharing it between the events of a burst is what lets a
/// Python or JavaScript plugin keep up with a stream (see `[limits] events_per_instance` in docs/extensions.md).
pub const DEFAULT_EVENTS_PER_INSTANCE: u32 = 1;
pub const MAX_EVENTS_PER_INSTANCE: u32 = 64;
/// Priority when a manifest gives none; lower runs first.
pub const DEFAULT_PRIORITY: i32 = 100;
/// Job kind limits: defaults and ceilings.
pub const DEFAULT_JOB_CONCURRENCY: u32 = 1;
pub const MAX_JOB_CONCURRENCY: u32 = 8;
pub const DEFAULT_JOB_TIMEOUT_MS: u64 = 120_000;
pub const MAX_JOB_TIMEOUT_MS: u64 = 1_800_000;
pub const DEFAULT_JOB_MAX_ATTEMPTS: u32 = 3;
pub const MAX_JOB_MAX_ATTEMPTS: u32 = 20;

/// Ceilings on what one manifest declares. Each declared tool goes into the model request of every new session's
/// turns (10,000 tools made each turn's request 3.5 MB and ~5 s), and every subscription and job kind is matched
/// against each event or job: a real plugin needs a handful, so these leave room while bounding the cost.
pub const MAX_TOOLS: usize = 64;
/// A tool's `input_schema`, as JSON text.
pub const MAX_TOOL_SCHEMA_BYTES: usize = 8 * 1024;
/// A tool's description, in characters.
pub const MAX_TOOL_DESCRIPTION_CHARS: usize = 1024;
/// Event type prefixes in `[subscriptions] events`.
pub const MAX_EVENT_SUBSCRIPTIONS: usize = 64;
/// Job kinds: `[subscriptions] jobs` and `[[jobs]]` together.
pub const MAX_JOB_KINDS: usize = 32;
/// A job kind's description, in characters.
pub const MAX_JOB_DESCRIPTION_CHARS: usize = 1000;
/// Host names in `[capabilities] http_allow`.
pub const MAX_HTTP_ALLOW: usize = 64;

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub id: String,
    pub version: String,
    /// A semver requirement on the WIT package version, e.g. `^0.1`.
    pub wit: String,
    #[serde(default)]
    pub description: String,
    #[serde(default = "default_priority")]
    pub priority: i32,
    #[serde(default)]
    pub subscriptions: Subscriptions,
    #[serde(default)]
    pub tools: Vec<ToolSpec>,
    /// Job kinds this plugin runs, with their limits.
    #[serde(default)]
    pub jobs: Vec<JobSpec>,
    #[serde(default)]
    pub capabilities: Requested,
    #[serde(default)]
    pub limits: RequestedLimits,
    /// Plugin-wide settings and their defaults (`[settings]`): the user sets them, the plugin reads them
    /// (`settings` in WIT 0.2.0). A value the user sets must have its default's JSON type.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub settings: serde_json::Map<String, serde_json::Value>,
}

fn default_priority() -> i32 {
    DEFAULT_PRIORITY
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Subscriptions {
    /// Event type prefixes; `*` or `""` for every event.
    #[serde(default)]
    pub events: Vec<String>,
    /// Job kinds this plugin runs, with the default limits (shorthand for `[[jobs]]` tables).
    #[serde(default)]
    pub jobs: Vec<String>,
}

/// A job kind a plugin runs (`[[jobs]]` in plugin.toml).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct JobSpec {
    /// 1-64 of `[a-z0-9._-]`, unique among installed plugins.
    pub kind: String,
    #[serde(default)]
    pub description: String,
    /// At most this many jobs of this kind run at once.
    pub concurrency: Option<u32>,
    /// Wall time of one attempt, worker turns included.
    pub timeout_ms: Option<u64>,
    pub max_attempts: Option<u32>,
}

/// A job kind's limits in force.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct JobKind {
    pub kind: String,
    pub plugin_id: String,
    pub description: String,
    pub concurrency: u32,
    pub timeout_ms: u64,
    pub max_attempts: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ToolSpec {
    pub name: String,
    pub description: String,
    /// `input_schema` in plugin.toml; `inputSchema` in the API, like every other field.
    #[serde(rename = "inputSchema", alias = "input_schema")]
    #[schema(value_type = Object)]
    pub input_schema: serde_json::Value,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Requested {
    #[serde(default)]
    pub request: Vec<String>,
    /// Hosts the `http` capability may reach.
    #[serde(default)]
    pub http_allow: Vec<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RequestedLimits {
    pub memory_mb: Option<u32>,
    pub call_timeout_ms: Option<u64>,
    pub concurrency: Option<u32>,
    pub events_per_instance: Option<u32>,
}

/// Limits in force: the manifest's, within the host's ceilings.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Limits {
    pub memory_bytes: u64,
    pub call_timeout_ms: u64,
    pub concurrency: u32,
    /// Up to this many events already queued for the plugin run one after another in one instance (each its own
    /// call, with its own deadline and record); 1: every event gets a fresh instance.
    pub events_per_instance: u32,
}

impl Manifest {
    pub fn parse(text: &str) -> Result<Self, PluginError> {
        let manifest: Manifest = toml::from_str(text).map_err(|e| PluginError::Invalid(format!("plugin.toml: {e}")))?;
        manifest.validate()?;
        Ok(manifest)
    }

    fn validate(&self) -> Result<(), PluginError> {
        let bad = |m: String| Err(PluginError::Invalid(m));
        let id_ok = !self.id.is_empty()
            && self.id.len() <= 64
            && self.id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            && !self.id.starts_with('-');
        if !id_ok {
            return bad(format!("id `{}` must be 1-64 of [a-z0-9-], not starting with `-`", self.id));
        }
        semver::Version::parse(&self.version).map_err(|e| PluginError::Invalid(format!("version `{}`: {e}", self.version)))?;
        let req = semver::VersionReq::parse(&self.wit).map_err(|e| PluginError::Invalid(format!("wit `{}`: {e}", self.wit)))?;
        if WitVersion::matching(&req).is_none() {
            let newest = WIT_VERSIONS[WIT_VERSIONS.len() - 1];
            return Err(PluginError::Incompatible(format!(
                "the plugin needs WIT {} but this host serves {}; rebuild it against one of them (the newest is \
                 codex-manager:plugin@{newest})",
                self.wit,
                WIT_VERSIONS.join(", ")
            )));
        }
        if self.settings.len() > MAX_SETTINGS {
            return bad(format!("settings: at most {MAX_SETTINGS}, not {}", self.settings.len()));
        }
        for (key, value) in &self.settings {
            if !is_setting_key(key) {
                return bad(format!("settings: key `{key}` must be 1-64 of [a-z0-9_.-]"));
            }
            if value.to_string().len() > MAX_SETTING_BYTES {
                return bad(format!("settings: `{key}`'s default is over {MAX_SETTING_BYTES} bytes of JSON"));
            }
        }
        if self.description.chars().count() > 1000 {
            return bad("description must be at most 1000 characters".into());
        }
        if self.tools.len() > MAX_TOOLS {
            return bad(format!("at most {MAX_TOOLS} tools, not {}", self.tools.len()));
        }
        if self.subscriptions.events.len() > MAX_EVENT_SUBSCRIPTIONS {
            return bad(format!("subscriptions.events: at most {MAX_EVENT_SUBSCRIPTIONS} prefixes, not {}", self.subscriptions.events.len()));
        }
        for prefix in &self.subscriptions.events {
            if prefix.len() > 128 || prefix.chars().any(char::is_control) {
                return bad(format!("subscriptions.events: `{prefix}` must be an event type prefix of at most 128 characters"));
            }
        }
        let job_kinds = self.subscriptions.jobs.len() + self.jobs.len();
        if job_kinds > MAX_JOB_KINDS {
            return bad(format!("at most {MAX_JOB_KINDS} job kinds (subscriptions.jobs and [[jobs]] together), not {job_kinds}"));
        }
        if self.capabilities.http_allow.len() > MAX_HTTP_ALLOW {
            return bad(format!("http_allow: at most {MAX_HTTP_ALLOW} hosts, not {}", self.capabilities.http_allow.len()));
        }
        let mut names = BTreeSet::new();
        for t in &self.tools {
            let ok = !t.name.is_empty() && t.name.len() <= 64 && t.name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
            if !ok || !names.insert(t.name.as_str()) {
                return bad(format!("tool name `{}` must be unique and 1-64 of [A-Za-z0-9_-]", t.name));
            }
            if !t.input_schema.is_object() {
                return bad(format!("tool `{}` needs an object input_schema", t.name));
            }
            if t.input_schema.to_string().len() > MAX_TOOL_SCHEMA_BYTES {
                return bad(format!("tool `{}`: input_schema is over {MAX_TOOL_SCHEMA_BYTES} bytes of JSON", t.name));
            }
            if t.description.chars().count() > MAX_TOOL_DESCRIPTION_CHARS {
                return bad(format!("tool `{}`: description is over {MAX_TOOL_DESCRIPTION_CHARS} characters", t.name));
            }
        }
        let mut kinds = BTreeSet::new();
        for kind in self.subscriptions.jobs.iter().chain(self.jobs.iter().map(|j| &j.kind)) {
            let ok = !kind.is_empty()
                && kind.len() <= 64
                && kind.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'));
            if !ok || !kinds.insert(kind.as_str()) {
                return bad(format!("job kind `{kind}` must be unique and 1-64 of [a-z0-9._-]"));
            }
        }
        for j in &self.jobs {
            if j.description.chars().count() > MAX_JOB_DESCRIPTION_CHARS {
                return bad(format!("jobs `{}`: description is over {MAX_JOB_DESCRIPTION_CHARS} characters", j.kind));
            }
            if j.concurrency.is_some_and(|c| c == 0 || c > MAX_JOB_CONCURRENCY) {
                return bad(format!("jobs `{}`: concurrency must be 1-{MAX_JOB_CONCURRENCY}", j.kind));
            }
            if j.timeout_ms.is_some_and(|t| t == 0 || t > MAX_JOB_TIMEOUT_MS) {
                return bad(format!("jobs `{}`: timeout_ms must be 1-{MAX_JOB_TIMEOUT_MS}", j.kind));
            }
            if j.max_attempts.is_some_and(|a| a == 0 || a > MAX_JOB_MAX_ATTEMPTS) {
                return bad(format!("jobs `{}`: max_attempts must be 1-{MAX_JOB_MAX_ATTEMPTS}", j.kind));
            }
        }
        for c in &self.capabilities.request {
            Capability::parse(c).ok_or_else(|| PluginError::Invalid(format!("unknown capability `{c}`")))?;
        }
        if !self.capabilities.http_allow.is_empty() && !self.capabilities.request.iter().any(|c| c == "http") {
            return bad("http_allow needs the `http` capability".into());
        }
        for entry in &self.capabilities.http_allow {
            if !is_exact_host(entry) {
                return bad(format!(
                    "http_allow: `{entry}` is not a host name or IP address; entries match a URL's host exactly \
                     (no wildcards, ports, schemes or paths): list each host, e.g. `api.example.com`"
                ));
            }
        }
        let limits = &self.limits;
        if limits.memory_mb.is_some_and(|m| m == 0 || m > MAX_MEMORY_MB) {
            return bad(format!("limits.memory_mb must be 1-{MAX_MEMORY_MB}"));
        }
        if limits.call_timeout_ms.is_some_and(|t| t == 0 || t > MAX_CALL_TIMEOUT_MS) {
            return bad(format!("limits.call_timeout_ms must be 1-{MAX_CALL_TIMEOUT_MS}"));
        }
        if limits.concurrency.is_some_and(|c| c == 0 || c > MAX_CONCURRENCY) {
            return bad(format!("limits.concurrency must be 1-{MAX_CONCURRENCY}"));
        }
        if limits.events_per_instance.is_some_and(|n| n == 0 || n > MAX_EVENTS_PER_INSTANCE) {
            return bad(format!("limits.events_per_instance must be 1-{MAX_EVENTS_PER_INSTANCE}"));
        }
        Ok(())
    }

    /// The WIT version this plugin is bound to: the highest served one its requirement matches.
    pub fn wit_version(&self) -> WitVersion {
        semver::VersionReq::parse(&self.wit).ok().and_then(|r| WitVersion::matching(&r)).expect("validated at parse")
    }

    pub fn requested(&self) -> BTreeSet<Capability> {
        self.capabilities.request.iter().filter_map(|c| Capability::parse(c)).collect()
    }

    pub fn limits(&self) -> Limits {
        Limits {
            memory_bytes: u64::from(self.limits.memory_mb.unwrap_or(DEFAULT_MEMORY_MB)) * 1024 * 1024,
            call_timeout_ms: self.limits.call_timeout_ms.unwrap_or(DEFAULT_CALL_TIMEOUT_MS),
            concurrency: self.limits.concurrency.unwrap_or(DEFAULT_CONCURRENCY),
            events_per_instance: self.limits.events_per_instance.unwrap_or(DEFAULT_EVENTS_PER_INSTANCE),
        }
    }

    /// Every job kind this plugin runs, with its limits in force.
    pub fn job_kinds(&self) -> Vec<JobKind> {
        let listed = self.subscriptions.jobs.iter().map(|kind| JobSpec {
            kind: kind.clone(),
            description: String::new(),
            concurrency: None,
            timeout_ms: None,
            max_attempts: None,
        });
        listed
            .chain(self.jobs.iter().cloned())
            .map(|j| JobKind {
                kind: j.kind,
                plugin_id: self.id.clone(),
                description: j.description,
                concurrency: j.concurrency.unwrap_or(DEFAULT_JOB_CONCURRENCY),
                timeout_ms: j.timeout_ms.unwrap_or(DEFAULT_JOB_TIMEOUT_MS),
                max_attempts: j.max_attempts.unwrap_or(DEFAULT_JOB_MAX_ATTEMPTS),
            })
            .collect()
    }

    /// Whether this plugin wants an event of this type.
    pub fn subscribes_to(&self, kind: &str) -> bool {
        self.subscriptions.events.iter().any(|p| p.is_empty() || p == "*" || kind.starts_with(p.as_str()))
    }
}

/// A setting's key: 1-64 of `[a-z0-9_.-]`.
pub fn is_setting_key(key: &str) -> bool {
    !key.is_empty() && key.len() <= 64 && key.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '_' | '.' | '-'))
}

/// Whether an `http_allow` entry can ever equal a URL's host as the `http` capability compares them: a DNS name
/// (labels of letters, digits, `-` and `_`), an IPv4 address, or an IPv6 address in brackets, already in the form a
/// parsed URL gives (so `*`, `*.example.com`, `https://x`, `x:443` and `x/y`, which never match, are refused).
pub fn is_exact_host(entry: &str) -> bool {
    let lower = entry.to_ascii_lowercase();
    let parsed = reqwest::Url::parse(&format!("http://{lower}/")).ok();
    let same = parsed.as_ref().is_some_and(|u| u.host_str() == Some(lower.as_str()) && u.port().is_none() && u.path() == "/");
    if !same || lower.len() > 253 {
        return false;
    }
    if lower.starts_with('[') || lower.parse::<std::net::Ipv4Addr>().is_ok() {
        return true;
    }
    lower.split('.').all(|label| {
        !label.is_empty()
            && label.len() <= 63
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
id = "auto-namer"
version = "0.1.0"
wit = "^0.1"
description = "Names chats"
[subscriptions]
events = ["turn.completed"]
jobs = ["autonamer.name"]
[[tools]]
name = "count_words"
description = "Counts"
input_schema = { type = "object" }
[capabilities]
request = ["log", "kv"]
[limits]
memory_mb = 16
"#;

    #[test]
    fn a_good_manifest_parses_with_limits_inside_the_ceilings() {
        let m = Manifest::parse(GOOD).unwrap();
        assert_eq!(m.priority, DEFAULT_PRIORITY);
        assert!(m.subscribes_to("turn.completed"));
        assert!(!m.subscribes_to("turn.started"));
        assert_eq!(m.limits().memory_bytes, 16 * 1024 * 1024);
        assert_eq!(m.limits().call_timeout_ms, DEFAULT_CALL_TIMEOUT_MS);
        assert_eq!(m.limits().events_per_instance, DEFAULT_EVENTS_PER_INSTANCE, "a fresh instance per event unless asked");
        let shared = Manifest::parse(&GOOD.replace("memory_mb = 16", "memory_mb = 16\nevents_per_instance = 16")).unwrap();
        assert_eq!(shared.limits().events_per_instance, 16);
        let kinds = m.job_kinds();
        assert_eq!(kinds.len(), 1);
        assert_eq!((kinds[0].concurrency, kinds[0].max_attempts), (DEFAULT_JOB_CONCURRENCY, DEFAULT_JOB_MAX_ATTEMPTS));
    }

    #[test]
    fn bad_manifests_are_refused_with_the_reason() {
        let cases = [
            (GOOD.replace("auto-namer", "Auto Namer"), "id"),
            (GOOD.replace("^0.1", "^0.3"), "this host serves 0.1.0, 0.2.0"),
            (format!("{GOOD}\n[settings]\n\"Bad Key\" = 1"), "settings: key"),
            (GOOD.replace("\"kv\"", "\"root\""), "unknown capability"),
            (GOOD.replace("memory_mb = 16", "memory_mb = 100000"), "memory_mb"),
            (GOOD.replace("memory_mb = 16", "events_per_instance = 0"), "limits.events_per_instance must be 1-64"),
            (GOOD.replace("memory_mb = 16", "events_per_instance = 65"), "limits.events_per_instance must be 1-64"),
            (GOOD.replace("version = \"0.1.0\"", "version = \"one\""), "version"),
            (format!("{GOOD}\nsurprise = 1"), "unknown field"),
            (format!("{GOOD}\n[[jobs]]\nkind = \"Bad Kind\""), "job kind"),
            (format!("{GOOD}\n[[jobs]]\nkind = \"x\"\ntimeout_ms = 99999999"), "timeout_ms"),
            (format!("{GOOD}\n[[jobs]]\nkind = \"autonamer.name\""), "unique"),
            (GOOD.replace("input_schema = { type = \"object\" }", &format!("input_schema = {{ type = \"object\", description = \"{}\" }}", "x".repeat(MAX_TOOL_SCHEMA_BYTES))), "input_schema is over"),
            (GOOD.replace("description = \"Counts\"", &format!("description = \"{}\"", "x".repeat(MAX_TOOL_DESCRIPTION_CHARS + 1))), "description is over"),
        ];
        for (text, needle) in cases {
            let err = Manifest::parse(&text).unwrap_err().to_string();
            assert!(err.contains(needle), "{needle}: {err}");
        }
    }

    #[test]
    fn a_plugin_is_bound_to_the_highest_served_version_its_requirement_matches() {
        let cases = [("^0.1", WitVersion::V0_1), ("0.1.0", WitVersion::V0_1), ("^0.2", WitVersion::V0_2), (">=0.1", WitVersion::V0_2)];
        for (req, version) in cases {
            assert_eq!(Manifest::parse(&GOOD.replace("^0.1", req)).unwrap().wit_version(), version, "{req}");
        }
        assert_eq!(WitVersion::ALL.map(WitVersion::as_str), WIT_VERSIONS);
    }

    #[test]
    fn settings_defaults_are_read_from_the_manifest() {
        let m = Manifest::parse(&format!("{GOOD}\n[settings]\nthreshold = \"medium\"\nmax_turns = 3\nrules = [\"a\"]\n")).unwrap();
        assert_eq!(serde_json::Value::Object(m.settings), serde_json::json!({"threshold": "medium", "max_turns": 3, "rules": ["a"]}));
    }

    fn with_tools(n: usize) -> String {
        let mut text = GOOD.to_string();
        for i in 0..n {
            text.push_str(&format!("\n[[tools]]\nname = \"t{i}\"\ndescription = \"d\"\ninput_schema = {{ type = \"object\" }}\n"));
        }
        text
    }

    #[test]
    fn what_a_manifest_declares_is_capped() {
        // GOOD has one tool, one event prefix and one job kind already.
        assert!(Manifest::parse(&with_tools(MAX_TOOLS - 1)).is_ok());
        let err = Manifest::parse(&with_tools(MAX_TOOLS)).unwrap_err().to_string();
        assert!(err.contains(&format!("at most {MAX_TOOLS} tools")), "{err}");

        let events: Vec<String> = (0..=MAX_EVENT_SUBSCRIPTIONS).map(|i| format!("\"e{i}.\"")).collect();
        let text = GOOD.replace("events = [\"turn.completed\"]", &format!("events = [{}]", events.join(",")));
        let err = Manifest::parse(&text).unwrap_err().to_string();
        assert!(err.contains("subscriptions.events: at most"), "{err}");

        let kinds: Vec<String> = (0..MAX_JOB_KINDS).map(|i| format!("\"k{i}\"")).collect();
        let text = GOOD.replace("jobs = [\"autonamer.name\"]", &format!("jobs = [{}]", kinds.join(",")));
        assert!(Manifest::parse(&text).is_ok(), "exactly the ceiling is fine");
        let err = Manifest::parse(&format!("{text}\n[[jobs]]\nkind = \"one-more\"")).unwrap_err().to_string();
        assert!(err.contains(&format!("at most {MAX_JOB_KINDS} job kinds")), "{err}");

        let hosts: Vec<String> = (0..=MAX_HTTP_ALLOW).map(|i| format!("\"h{i}.example.com\"")).collect();
        let text = GOOD.replace("request = [\"log\", \"kv\"]", &format!("request = [\"log\", \"http\"]\nhttp_allow = [{}]", hosts.join(",")));
        let err = Manifest::parse(&text).unwrap_err().to_string();
        assert!(err.contains("http_allow: at most"), "{err}");
    }

    #[test]
    fn http_allow_entries_must_be_able_to_match() {
        for good in ["api.github.com", "API.Example.COM", "localhost", "127.0.0.1", "[::1]", "my_host.lan", "xn--bcher-kva.example"] {
            assert!(is_exact_host(good), "{good}");
            let text = GOOD.replace("request = [\"log\", \"kv\"]", &format!("request = [\"log\", \"http\"]\nhttp_allow = [\"{good}\"]"));
            assert!(Manifest::parse(&text).is_ok(), "{good}");
        }
        for bad in ["*", "*.example.com", "https://api.example.com", "api.example.com:443", "api.example.com/v1", "", "a..b", "-a.com",
            "::1", "user@host", "bücher.example", "exa mple.com", "%41.com"] {
            assert!(!is_exact_host(bad), "{bad}");
            let text = GOOD.replace("request = [\"log\", \"kv\"]", &format!("request = [\"log\", \"http\"]\nhttp_allow = [\"{bad}\"]"));
            let err = Manifest::parse(&text).unwrap_err().to_string();
            assert!(err.contains("http_allow") && err.contains("no wildcards"), "{bad}: {err}");
        }
    }
}
