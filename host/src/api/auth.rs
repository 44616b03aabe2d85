//! Who may call the API: a token (bearer header or the login cookie), from an allowed Host, and — when a browser
//! sends an Origin — from this host's own origin. The checks guard against other local users, DNS rebinding and
//! cross-site requests (including cross-site websockets).

use std::collections::HashSet;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::error::ApiError;
use crate::services::ErrorCode;
use crate::security::constant_time_eq;

/// Name of the cookie that carries the token for the web UI.
pub const COOKIE_NAME: &str = "cm_token";

pub struct AuthConfig {
    pub token: String,
    /// Accepted host names (without port), lower case.
    pub hosts: HashSet<String>,
    pub port: u16,
}

impl AuthConfig {
    pub fn new(token: String, bind: SocketAddr, extra_hosts: &[String]) -> Self {
        let mut hosts: HashSet<String> = ["localhost", "127.0.0.1", "[::1]", "::1"].iter().map(|s| s.to_string()).collect();
        if !bind.ip().is_unspecified() {
            hosts.insert(match bind.ip() {
                std::net::IpAddr::V6(v6) => format!("[{v6}]"),
                v4 => v4.to_string(),
            });
        }
        hosts.extend(extra_hosts.iter().map(|h| h.to_ascii_lowercase()));
        Self { token, hosts, port: bind.port() }
    }

    /// Split `name[:port]` (IPv6 names in brackets).
    fn split_host(host: &str) -> (String, Option<u16>) {
        let host = host.to_ascii_lowercase();
        match host.rsplit_once(':') {
            // `[::1]:8417`, `localhost:8417`; a bare `::1` has colons but no brackets.
            Some((name, port)) if (!name.contains(':') || name.ends_with(']')) && port.parse::<u16>().is_ok() => {
                (name.to_string(), port.parse().ok())
            }
            _ => (host, None),
        }
    }

    fn host_allowed(&self, host_header: &str) -> bool {
        self.hosts.contains(&Self::split_host(host_header).0)
    }

    /// A browser origin must be this host exactly: an allowed name AND this port. Another local port is another
    /// site (any page served on localhost:3000 could otherwise use the cookie).
    fn origin_allowed(&self, origin: &str) -> bool {
        let (rest, default_port) = match (origin.strip_prefix("http://"), origin.strip_prefix("https://")) {
            (Some(r), _) => (r, 80),
            (_, Some(r)) => (r, 443),
            _ => return false,
        };
        let (name, port) = Self::split_host(rest.trim_end_matches('/'));
        self.hosts.contains(&name) && port.unwrap_or(default_port) == self.port
    }

    fn token_ok(&self, headers: &HeaderMap) -> bool {
        if let Some(value) = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()) {
            // The scheme is case-insensitive (RFC 7235).
            if let Some((scheme, t)) = value.split_once(' ') {
                if scheme.eq_ignore_ascii_case("bearer") {
                    return constant_time_eq(t.trim(), &self.token);
                }
            }
        }
        cookie(headers, COOKIE_NAME).is_some_and(|t| constant_time_eq(&t, &self.token))
    }
}

/// Header a client names itself with (`web`, `cli`, `sdk`, ...); recorded as who decided, enqueued, canceled.
pub const CLIENT_HEADER: &str = "x-codex-manager-client";

/// Labels the host records for its own decisions (`host`: an expiry), which no client may claim. The other labels
/// the host writes (`plugin:<id>`, `worker-policy:<id>`) hold a `:` that no client label can.
pub const RESERVED_CLIENT_LABELS: &[&str] = &["host"];

/// The header's value as a label, when it is a well-formed one: 1–32 characters of `[a-z0-9_-]`, lower-cased.
fn parse_client_label(headers: &HeaderMap) -> Option<String> {
    headers
        .get(CLIENT_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.trim().to_ascii_lowercase())
        .filter(|v| !v.is_empty() && v.len() <= 32 && v.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'))
}

/// The client's label, else `api`. A reserved label never gets here: [`guard`] refuses the request.
pub fn client_label(headers: &HeaderMap) -> String {
    parse_client_label(headers).unwrap_or_else(|| "api".to_string())
}

pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

/// Host and Origin checks for every request; the token check for everything but the login exchange.
pub async fn guard(State(auth): State<Arc<AuthConfig>>, request: Request, next: Next) -> Response {
    let headers = request.headers();
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("");
    if !auth.host_allowed(host) {
        return ApiError::forbidden(ErrorCode::HostNotAllowed, format!("Host `{host}` is not allowed (see --allowed-host)")).into_response();
    }
    if let Some(origin) = headers.get(header::ORIGIN) {
        let origin = origin.to_str().unwrap_or("");
        if !auth.origin_allowed(origin) {
            return ApiError::forbidden(ErrorCode::OriginNotAllowed, format!("Origin `{origin}` is not allowed")).into_response();
        }
    }
    let path = request.uri().path();
    // A webhook delivery proves itself by its signature (checked by the route), not the token.
    let public = path == "/login" || super::routes::routines::is_webhook(request.method(), path);
    if !public && !auth.token_ok(headers) {
        if super::signin::wants_page(request.method(), path, headers) {
            return super::signin::page(super::signin::SignInReason::NotSignedIn);
        }
        return ApiError::unauthorized(
            "missing or wrong token: send `Authorization: Bearer <token>` (the data dir's `token` file, or the token the host was started with)",
        )
            .into_response();
    }
    if let Some(label) = parse_client_label(headers).filter(|l| RESERVED_CLIENT_LABELS.contains(&l.as_str())) {
        return ApiError::bad_request(
            ErrorCode::ReservedClientLabel,
            format!("`X-Codex-Manager-Client: {label}` is reserved for the host's own decisions: name your client otherwise"),
        )
        .into_response();
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg() -> AuthConfig {
        AuthConfig::new("t".into(), "127.0.0.1:8417".parse().unwrap(), &["box.local".into()])
    }

    #[test]
    fn hosts_and_origins() {
        let c = cfg();
        assert!(c.host_allowed("127.0.0.1:8417"));
        assert!(c.host_allowed("LOCALHOST:1"));
        assert!(c.host_allowed("[::1]:8417"));
        assert!(c.host_allowed("box.local"));
        assert!(!c.host_allowed("evil.example:8417"));
        assert!(!c.host_allowed(""));
        assert!(c.origin_allowed("http://localhost:8417"));
        assert!(c.origin_allowed("http://[::1]:8417"));
        assert!(!c.origin_allowed("http://localhost:3000"), "another local port is another site");
        assert!(!c.origin_allowed("http://localhost"));
        assert!(!c.origin_allowed("http://evil.example"));
        assert!(!c.origin_allowed("null"));
    }

    #[test]
    fn client_labels() {
        let mut h = HeaderMap::new();
        assert_eq!(client_label(&h), "api");
        for (value, label) in [(" Web ", "web"), ("a b", "api"), ("plugin:x", "api"), (&"x".repeat(33)[..], "api"), ("HOST", "host")] {
            h.insert(CLIENT_HEADER, value.parse().unwrap());
            assert_eq!(client_label(&h), label, "{value}");
        }
        h.insert(CLIENT_HEADER, " Host".parse().unwrap());
        assert!(parse_client_label(&h).is_some_and(|l| RESERVED_CLIENT_LABELS.contains(&l.as_str())), "the guard sees it reserved");
    }

    #[test]
    fn token_from_header_or_cookie() {
        let c = cfg();
        let mut h = HeaderMap::new();
        assert!(!c.token_ok(&h));
        h.insert(header::AUTHORIZATION, "Bearer t".parse().unwrap());
        assert!(c.token_ok(&h));
        h.insert(header::AUTHORIZATION, "bearer t".parse().unwrap());
        assert!(c.token_ok(&h));
        let mut h = HeaderMap::new();
        h.insert(header::COOKIE, "a=b; cm_token=t".parse().unwrap());
        assert!(c.token_ok(&h));
        h.insert(header::AUTHORIZATION, "Bearer wrong".parse().unwrap());
        assert!(!c.token_ok(&h));
    }
}
