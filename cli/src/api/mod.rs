//! The host's API as the CLI sees it: the generated operation table (`ops`, from docs/openapi.json) and the
//! operations the CLI deliberately has no command for (`EXEMPT`). The CLI parity gate
//! (conformance/tests/cli_parity.rs) reads both, and the `ops::` consts the commands name.

#[rustfmt::skip]
pub mod ops;

/// One API operation: what the generator read from the OpenAPI document.
#[derive(Debug, Clone, Copy)]
pub struct Op {
    /// The stable `group.handler` operationId.
    pub id: &'static str,
    pub method: &'static str,
    /// The path template, `{name}` for each path parameter.
    pub path: &'static str,
    pub path_params: &'static [&'static str],
    pub query: &'static [&'static str],
    pub headers: &'static [&'static str],
    /// The request body's schema name, for the reader.
    pub body: Option<&'static str>,
    /// The success body's schema name, for the reader.
    pub response: Option<&'static str>,
}

impl Op {
    /// The path with each `{name}` replaced, in order, by the percent-encoded `args`.
    pub fn url_path(&self, args: &[&str]) -> String {
        assert_eq!(args.len(), self.path_params.len(), "{} takes {} path arguments", self.id, self.path_params.len());
        let mut path = self.path.to_string();
        for (name, value) in self.path_params.iter().zip(args) {
            path = path.replace(&format!("{{{name}}}"), &encode(value));
        }
        path
    }

    /// Whether a concrete path (no query) is an instance of this operation's template.
    pub fn matches(&self, method: &str, path: &str) -> bool {
        if !self.method.eq_ignore_ascii_case(method) {
            return false;
        }
        let want: Vec<&str> = self.path.trim_matches('/').split('/').collect();
        let got: Vec<&str> = path.split('?').next().unwrap_or(path).trim_matches('/').split('/').collect();
        want.len() == got.len() && want.iter().zip(&got).all(|(w, g)| (w.starts_with('{') && !g.is_empty()) || w == g)
    }
}

/// Operations with no CLI command, each with the reason. The parity gate fails when an operation is neither called
/// by a command nor listed here, and when one listed here is called after all.
pub const EXEMPT: &[(&str, &str)] = &[
    (
        "auth.login",
        "the browser's sign-in page (a one-time code from `codex-manager login-link` set as a cookie); the CLI sends its token on every request instead",
    ),
    (
        "routines.webhook",
        "called by outside senders that sign each delivery with the routine's secret (docs/automation.md shows curl + openssl); `routines run` is the CLI's trigger",
    ),
];

/// Percent-encode a path segment or query value.
pub fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_fill_and_match_their_templates() {
        assert_eq!(ops::SETTINGS_GET.url_path(&["a b", "k/1"]), "/api/sessions/a%20b/settings/k%2F1");
        assert!(ops::SESSIONS_FORK.matches("post", "/api/sessions/x/fork"));
        assert!(!ops::SESSIONS_FORK.matches("GET", "/api/sessions/x/fork"));
        assert!(!ops::SESSIONS_GET.matches("GET", "/api/sessions/x/fork"));
        assert!(ops::EVENTS_LIST.matches("GET", "/api/events?since=3"));
    }

    #[test]
    fn every_exemption_names_an_operation() {
        for (id, reason) in EXEMPT {
            assert!(ops::ALL.iter().any(|op| op.id == *id), "{id} is not an operation");
            assert!(!reason.is_empty());
        }
    }
}
