//! Actions on another host's session, forwarded to that host: the one place where the API proxies.
//!
//! Several hosts share a store; a session's thread lives in its owner's app-server, so only the owner can act on
//! it. Which host that is, and whether it is online, the services say ([`Owner`]); this layer only moves the
//! request: the same method, path, query, body and headers (the `Idempotency-Key` too, so a retry through either
//! host replays the owner's first answer), this host's token in place of the caller's credentials, and a mark
//! ([`FORWARDED_HEADER`]) so that a forwarded request is never forwarded again. The owner's answer comes back as it
//! is, status and body. The owner offline: 503 `owner_offline` here, and nothing is done.
//!
//! Forwarded: every write under `/api/sessions/{id}` except the session's key-value settings (a store write any
//! host makes), and the transcript (Codex's own history, which only the owner's app-server can read). The session
//! with its transcript (`GET /api/sessions/{id}`) is forwarded while the owner is online and answered here without
//! the transcript when it is not. Reads of the store (turns, requests, follow-ups, notes, events) are answered here.

use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderName, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::error::ApiError;
use super::{ApiState, MAX_BODY_BYTES};
use crate::services::{ErrorCode, Owner, OwnerHost, ServiceError, MAX_WAIT};

/// Marks a request one host forwarded to another (its value: the forwarding host's id). A request that carries it
/// is answered where it arrives, never forwarded again: two hosts that disagree about an owner cannot loop.
pub const FORWARDED_HEADER: &str = "x-codex-manager-forwarded-by";

/// The longest a forwarded action may take: the longest wait a route offers, and room for the owner's own work.
const FORWARD_TIMEOUT: Duration = Duration::from_secs(MAX_WAIT.as_secs() + 30);

/// How long the owner has to accept the connection; an owner that heartbeats but cannot be reached is offline.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Headers never passed on: the hop's own (RFC 9110 §7.6.1), the caller's credentials (replaced by this host's
/// token), and what names the caller's site to the owner (its Origin checks are against its own name).
const DROPPED: &[&str] = &[
    "connection",
    "keep-alive",
    "proxy-connection",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "host",
    "content-length",
    "authorization",
    "cookie",
    "origin",
    "referer",
];

/// How a request about another host's session is served.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Route {
    /// It needs the owner's app-server: forwarded, or refused while the owner is offline.
    Action,
    /// The session with its transcript: forwarded while the owner is online (only it can read the transcript),
    /// else answered here from the store, without the transcript.
    Detail,
}

/// The session a request is about and how it is served, when the owner matters; else None (answered here).
fn route<'a>(method: &Method, path: &'a str) -> Option<(&'a str, Route)> {
    let rest = path.strip_prefix("/api/sessions/")?;
    let (id, tail) = rest.split_once('/').map_or((rest, ""), |(id, tail)| (id, tail));
    if id.is_empty() {
        return None;
    }
    let route = match *method {
        Method::GET | Method::HEAD if tail.is_empty() => Route::Detail,
        Method::GET | Method::HEAD if tail == "transcript" => Route::Action,
        Method::GET | Method::HEAD | Method::OPTIONS => return None,
        _ if tail == "settings" || tail.starts_with("settings/") => return None,
        _ => Route::Action,
    };
    Some((id, route))
}

/// The middleware: act here, forward to the owner, or refuse (owner offline).
pub async fn guard(State(state): State<ApiState>, request: Request, next: Next) -> Response {
    if request.headers().contains_key(FORWARDED_HEADER) {
        // Forwarded once already: the services refuse it (`owned_elsewhere`) if this host is not the owner either.
        return next.run(request).await;
    }
    let Some((session_id, route)) = route(request.method(), request.uri().path()) else {
        return next.run(request).await;
    };
    match (state.services.sessions().owner(session_id).await, route) {
        // No such session: the route answers its own 404.
        (Ok(None) | Ok(Some(Owner::Here)), _) => next.run(request).await,
        (Ok(Some(Owner::Remote(host))), Route::Action) => forward(&state, &host, request).await.unwrap_or_else(|e| failed(&host, &e)),
        (Ok(Some(Owner::Remote(host))), Route::Detail) => {
            // A read has no body: kept, to answer it here if the owner does not (killed, its heartbeats not yet old).
            let (parts, _) = request.into_parts();
            let again = Request::from_parts(parts.clone(), Body::empty());
            match forward(&state, &host, Request::from_parts(parts, Body::empty())).await {
                Ok(answer) => answer,
                Err(e) if e.is_connect() => next.run(again).await,
                Err(e) => failed(&host, &e),
            }
        }
        (Ok(Some(Owner::Offline { .. })), Route::Detail) => next.run(request).await,
        (Ok(Some(Owner::Offline { id, host })), Route::Action) => ApiError::from(ServiceError::owner_offline(&id, host.as_ref())).into_response(),
        (Err(e), _) => ApiError::from(e).into_response(),
    }
}

/// Send the request to the owner and return its answer as it is; the error when it could not be sent or its answer
/// did not come back.
async fn forward(state: &ApiState, owner: &OwnerHost, request: Request) -> Result<Response, reqwest::Error> {
    let (parts, body) = request.into_parts();
    let target = format!("{}{}", owner.url, parts.uri.path_and_query().map_or(parts.uri.path(), |p| p.as_str()));
    let body = match axum::body::to_bytes(body, MAX_BODY_BYTES).await {
        Ok(body) => body,
        Err(_) => {
            let error = ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, ErrorCode::BodyTooLarge, "the request body is larger than this route's limit (see docs/api.md, limits)");
            return Ok(error.into_response());
        }
    };
    let mut headers = HeaderMap::new();
    for (name, value) in parts.headers.iter().filter(|(name, _)| !DROPPED.contains(&name.as_str())) {
        headers.append(name.clone(), value.clone());
    }
    let me = state.services.host();
    let mark = HeaderName::from_static(FORWARDED_HEADER);
    headers.insert(mark, me.id.parse().expect("a host id is a header value"));
    let sent = client()
        .request(parts.method.clone(), &target)
        .headers(headers)
        .bearer_auth(&state.auth.token)
        .body(body)
        .send()
        .await;
    let answer = sent?;
    let status = answer.status();
    let mut back = HeaderMap::new();
    for (name, value) in answer.headers().iter().filter(|(name, _)| !DROPPED.contains(&name.as_str())) {
        back.append(name.clone(), value.clone());
    }
    let bytes = answer.bytes().await?;
    tracing::debug!(owner = %owner.id, %status, method = %parts.method, path = parts.uri.path(), "forwarded a session action to its owner");
    let mut response = Response::new(Body::from(bytes));
    *response.status_mut() = status;
    *response.headers_mut() = back;
    Ok(response)
}

/// The owner could not be reached (offline as far as this action goes: nothing was sent), or it was sent and no
/// answer came back (the action may have happened).
fn failed(owner: &OwnerHost, e: &reqwest::Error) -> Response {
    tracing::warn!(owner = %owner.id, url = %owner.url, error = %e, "could not forward a session action to its owner");
    let details = serde_json::json!({"hostId": owner.id, "hostName": owner.name, "url": owner.url});
    let error = if e.is_connect() {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::OwnerOffline,
            format!("the session belongs to host `{}` ({}), which does not answer at {}; nothing was done", owner.name, owner.id, owner.url),
        )
    } else {
        ApiError::new(
            StatusCode::BAD_GATEWAY,
            ErrorCode::ForwardFailed,
            format!(
                "the action was sent to host `{}` ({}), the session's owner, but its answer did not come back ({}); read the session to see whether it happened",
                owner.name,
                owner.id,
                if e.is_timeout() { "it took too long" } else { "the connection failed" }
            ),
        )
    };
    ApiError { details: Some(details), ..error }.into_response()
}

/// One client for every forward (its connection pool is reused across them).
fn client() -> &'static reqwest::Client {
    static CLIENT: std::sync::OnceLock<reqwest::Client> = std::sync::OnceLock::new();
    CLIENT.get_or_init(|| {
        reqwest::Client::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(FORWARD_TIMEOUT)
            // Hosts reach each other directly: a proxy from the environment is for the outside world.
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("the forwarding client builds")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_under_a_session_and_its_transcript_are_forwarded_store_reads_are_not() {
        let forwarded = [
            (Method::POST, "/api/sessions/s1/messages"),
            (Method::POST, "/api/sessions/s1/requests/r1/response"),
            (Method::PATCH, "/api/sessions/s1"),
            (Method::DELETE, "/api/sessions/s1"),
            (Method::PUT, "/api/sessions/s1/followups/order"),
            (Method::GET, "/api/sessions/s1/transcript"),
        ];
        for (method, path) in forwarded {
            assert_eq!(route(&method, path), Some(("s1", Route::Action)), "{method} {path}");
        }
        assert_eq!(route(&Method::GET, "/api/sessions/s1"), Some(("s1", Route::Detail)));
        let local = [
            (Method::GET, "/api/sessions/s1/turns/t1"),
            (Method::GET, "/api/sessions/s1/requests"),
            (Method::PUT, "/api/sessions/s1/settings/k"),
            (Method::DELETE, "/api/sessions/s1/settings/k"),
            (Method::POST, "/api/sessions"),
            (Method::POST, "/api/sessions/"),
            (Method::POST, "/api/jobs"),
        ];
        for (method, path) in local {
            assert_eq!(route(&method, path), None, "{method} {path}");
        }
    }
}
