//! Ids the way people type them, resolved in one place for every command: a session by its full id, a unique id
//! prefix, its exact title, or `--last` (the most recently active session); a request by its full id or a unique
//! prefix. Everything is read from the API (the session and request lists), never guessed: no match is the host's
//! own `*_not_found` (exit 3); more than one is a usage error (exit 2) that lists the candidates.

use codex_manager_host::services::{ErrorCode, PendingRequest, Session, SessionPage};
use serde_json::json;

use crate::api::ops;
use crate::client::Client;
use crate::commands::one_line;
use crate::exit::{ApiFailure, Usage};
use crate::output::{ago, wire};

/// What stands for "the most recently active session" where a session id goes.
pub const LAST: &str = "--last";

/// The help of every session argument.
pub const SESSION_HELP: &str = "The session: its id, a unique id prefix, its exact title, or --last (the most recently active)";

/// Sessions read per page while matching (the API's maximum), and pages read at most.
const PAGE: i64 = 500;
const MAX_PAGES: usize = 20;

/// What a person names by id prefix: a session (also by its exact title) or a request.
pub trait Named {
    fn id(&self) -> &str;
    /// The title that names it too (requests have none).
    fn title(&self) -> Option<&str>;
    /// What it is and when it was last active, to tell candidates apart.
    fn gist(&self) -> (String, String);
}

impl Named for Session {
    fn id(&self) -> &str {
        &self.id
    }
    fn title(&self) -> Option<&str> {
        self.title.as_deref()
    }
    fn gist(&self) -> (String, String) {
        (self.title.clone().unwrap_or_else(|| "(untitled)".into()), ago(&self.last_activity_at))
    }
}

impl Named for PendingRequest {
    fn id(&self) -> &str {
        &self.id
    }
    fn title(&self) -> Option<&str> {
        None
    }
    fn gist(&self) -> (String, String) {
        (format!("{} in session {}", wire(&self.kind), self.session_id.as_deref().unwrap_or("-")), ago(&self.created_at))
    }
}

/// The one session (or request) `wanted` names among `candidates`, or why not.
#[derive(Debug, PartialEq)]
pub enum Match<'a, T> {
    One(&'a T),
    None,
    Many(Vec<&'a T>),
}

/// The sessions `wanted` names: the one whose id it is, else every session whose id starts with it or whose title
/// is exactly it (a title that happens to look like an id prefix is counted once).
pub fn match_session<'a>(wanted: &str, sessions: &'a [Session]) -> Match<'a, Session> {
    match_by(wanted, sessions)
}

/// The requests `wanted` names: the one whose id it is, else those whose id starts with it.
pub fn match_request<'a>(wanted: &str, requests: &'a [PendingRequest]) -> Match<'a, PendingRequest> {
    match_by(wanted, requests)
}

fn match_by<'a, T: Named>(wanted: &str, all: &'a [T]) -> Match<'a, T> {
    if wanted.is_empty() {
        return Match::None;
    }
    if let Some(exact) = all.iter().find(|v| v.id() == wanted) {
        return Match::One(exact);
    }
    // Ids are lower-case UUIDs; a prefix typed in capitals still names them.
    let prefix = wanted.to_ascii_lowercase();
    let found: Vec<&T> = all.iter().filter(|v| v.id().starts_with(&prefix) || v.title() == Some(wanted)).collect();
    match found.len() {
        0 => Match::None,
        1 => Match::One(found[0]),
        _ => Match::Many(found),
    }
}

/// Whether `s` is a whole id as the host makes them (a UUID), so no look-up is needed.
pub fn is_full_id(s: &str) -> bool {
    s.len() == 36
        && s.char_indices().all(|(i, c)| if matches!(i, 8 | 13 | 18 | 23) { c == '-' } else { c.is_ascii_hexdigit() })
}

/// The usage error for an ambiguous id: the candidates, one a line (id, title, last activity).
fn ambiguous<T: Named>(what: &str, wanted: &str, found: &[&T]) -> anyhow::Error {
    let lines: Vec<String> = found
        .iter()
        .map(|v| {
            let (gist, when) = v.gist();
            format!("  {}  {}  {}", v.id(), one_line(&gist, 50), when)
        })
        .collect();
    Usage(format!("`{wanted}` matches {} {what}s; give more of the id:\n{}", found.len(), lines.join("\n"))).into()
}

/// A not-found answer shaped like the host's, so the exit code (3) and `--json` envelope are the usual ones.
fn not_found(code: ErrorCode, message: String, wanted: &str) -> anyhow::Error {
    let body = json!({"error": {"code": code.as_str(), "message": message, "details": {"wanted": wanted}}});
    ApiFailure::from_reply(404, body.to_string().as_bytes()).into()
}

/// The full id of the session `wanted` names (see the module doc).
pub async fn session(client: &Client, wanted: &str) -> anyhow::Result<String> {
    if wanted == LAST {
        let page: SessionPage = client.call(&ops::SESSIONS_LIST, &[]).query("limit", 1).query("archived", false).get().await?;
        return match page.sessions.into_iter().next() {
            Some(s) => Ok(s.id),
            None => Err(not_found(ErrorCode::SessionNotFound, "there are no sessions yet (`--last` names the most recently active one)".into(), wanted)),
        };
    }
    if wanted.starts_with("--") {
        // Where a session goes, clap lets any `--word` through (so that `--last` can stand there).
        return Err(Usage(format!("unexpected flag `{wanted}` where a session goes (an id, id prefix, title or --last)")).into());
    }
    if is_full_id(wanted) {
        return Ok(wanted.to_string());
    }
    let sessions = all_sessions(client).await?;
    match match_session(wanted, &sessions) {
        Match::One(s) => Ok(s.id.clone()),
        Match::None => Err(not_found(
            ErrorCode::SessionNotFound,
            format!("no session has the id, id prefix or title `{wanted}` (see `codex-manager sessions list`)"),
            wanted,
        )),
        Match::Many(found) => Err(ambiguous("session", wanted, &found)),
    }
}

/// Resolve an optional session (a filter flag such as `--session`).
pub async fn session_opt(client: &Client, wanted: Option<String>) -> anyhow::Result<Option<String>> {
    match wanted {
        Some(w) => Ok(Some(session(client, &w).await?)),
        None => Ok(None),
    }
}

/// Every session, archived ones too (they can still be shown, renamed, unarchived), read page by page.
async fn all_sessions(client: &Client) -> anyhow::Result<Vec<Session>> {
    let mut all = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..MAX_PAGES {
        let page: SessionPage = client.call(&ops::SESSIONS_LIST, &[]).query("limit", PAGE).query_opt("cursor", cursor.take()).get().await?;
        all.extend(page.sessions);
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    Ok(all)
}

/// The session and full id of the request `wanted` names, searched in `session` when given, else in every
/// session (`GET /api/requests`). Pending requests are searched first, so a prefix that names one waiting request
/// is enough even when older, resolved ones share it.
pub async fn request(client: &Client, session: Option<&str>, wanted: &str) -> anyhow::Result<(String, String)> {
    for status in [Some("pending"), None] {
        let call = match session {
            Some(s) => client.call(&ops::REQUESTS_LIST_SESSION, &[s]),
            None => client.call(&ops::REQUESTS_LIST_ALL, &[]),
        };
        let list: Vec<PendingRequest> = call.query("limit", PAGE).query_opt("status", status).get().await?;
        match match_request(wanted, &list) {
            Match::One(r) => {
                let owner = r.session_id.clone().or_else(|| session.map(str::to_owned));
                let Some(owner) = owner else {
                    return Err(Usage(format!("request {} belongs to no session and cannot be answered here", r.id)).into());
                };
                return Ok((owner, r.id.clone()));
            }
            Match::Many(found) => return Err(ambiguous("request", wanted, &found)),
            Match::None => {}
        }
    }
    // A full id the lists did not show (an old one past the page): let the host say what it is.
    if let (Some(s), true) = (session, is_full_id(wanted)) {
        return Ok((s.to_string(), wanted.to_string()));
    }
    Err(not_found(ErrorCode::RequestNotFound, format!("no request has the id or id prefix `{wanted}` (see `codex-manager requests list --status all`)"), wanted))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(id: &str, title: Option<&str>) -> Session {
        serde_json::from_value(json!({
            "id": id, "threadId": "t", "projectId": null, "title": title, "cwd": "/w", "archived": false,
            "forkedFrom": null, "status": "idle", "activeTurnId": null, "lastTurnStatus": null, "lastError": null,
            "controls": {}, "loaded": false, "pendingRequests": 0, "dynamicTools": [], "workerOf": null,
            "owner": {"id": "h1", "name": "this-box", "online": true},
            "followups": {"count": 0, "paused": false, "reason": null, "pausedAt": null, "turnId": null, "requestId": null, "message": null},
            "createdAt": "2026-01-01T00:00:00Z", "updatedAt": "2026-01-01T00:00:00Z", "lastActivityAt": "2026-01-01T00:00:00Z",
        }))
        .expect("a session as the host sends it")
    }

    fn r(id: &str) -> PendingRequest {
        serde_json::from_value(json!({
            "id": id, "sessionId": "s", "projectId": null, "threadId": "t", "turnId": "u", "itemId": null,
            "kind": "command_approval", "family": "approval", "method": "item/commandExecution/requestApproval",
            "status": "pending", "params": {}, "item": null, "decision": null, "decidedBy": null, "reason": null,
            "createdAt": "2026-01-01T00:00:00Z", "resolvedAt": null,
        }))
        .expect("a request as the host sends it")
    }

    const A: &str = "019a0000-1111-7000-8000-000000000001";
    const B: &str = "019a0000-1111-7000-8000-000000000002";
    const C: &str = "019a0000-2222-7000-8000-000000000003";

    fn ids<T: Named>(m: Match<T>) -> Vec<String> {
        match m {
            Match::One(v) => vec![v.id().to_string()],
            Match::None => vec![],
            Match::Many(vs) => vs.iter().map(|v| v.id().to_string()).collect(),
        }
    }

    #[test]
    fn a_unique_prefix_names_one_session_and_a_shared_one_lists_them_all() {
        let all = [s(A, Some("alpha")), s(B, None), s(C, Some("gamma"))];
        assert_eq!(ids(match_session("019a0000-2", &all)), vec![C]);
        assert_eq!(ids(match_session("019A0000-2", &all)), vec![C], "prefixes are not case-sensitive");
        assert_eq!(ids(match_session("019a0000-1111", &all)), vec![A, B]);
        assert_eq!(ids(match_session("019a", &all)), vec![A, B, C]);
        assert_eq!(ids(match_session("ffff", &all)), Vec::<String>::new());
        assert_eq!(ids(match_session("", &all)), Vec::<String>::new(), "nothing typed names nothing");
    }

    #[test]
    fn an_exact_title_names_its_session_and_a_full_id_wins_outright() {
        let all = [s(A, Some("alpha")), s(B, Some("alpha beta")), s(C, Some("gamma"))];
        assert_eq!(ids(match_session("alpha", &all)), vec![A], "exact, not a prefix of another title");
        assert_eq!(ids(match_session("alph", &all)), Vec::<String>::new(), "titles match whole");
        assert_eq!(ids(match_session("Alpha", &all)), Vec::<String>::new(), "titles match exactly");
        let twins = [s(A, Some("same")), s(B, Some("same"))];
        assert_eq!(ids(match_session("same", &twins)), vec![A, B], "two sessions with one title are ambiguous");
        // A title that is another session's full id does not shadow it.
        let tricky = [s(A, Some(B)), s(B, None)];
        assert_eq!(ids(match_session(B, &tricky)), vec![B]);
    }

    #[test]
    fn a_title_that_is_also_an_id_prefix_counts_once() {
        let all = [s(A, Some("019a0000-1111-7000-8000-000000000001")), s(C, Some("019a"))];
        assert_eq!(ids(match_session("019a", &all)), vec![A, C]);
        let one = [s(A, Some("019a"))];
        assert_eq!(ids(match_session("019a", &one)), vec![A]);
    }

    #[test]
    fn requests_match_by_id_prefix_only() {
        let all = [r(A), r(C)];
        assert_eq!(ids(match_request("019a0000-1", &all)), vec![A]);
        assert_eq!(ids(match_request("x", &all)), Vec::<String>::new(), "requests have no titles to match");
        assert_eq!(ids(match_request("019a", &all)), vec![A, C]);
    }

    #[test]
    fn full_ids_are_recognised_without_a_look_up() {
        assert!(is_full_id(A));
        assert!(!is_full_id("019a0000"));
        assert!(!is_full_id("019a0000x1111-7000-8000-000000000001"));
        assert!(!is_full_id("a title of exactly thirty-six chars!"));
    }

    #[test]
    fn an_ambiguity_lists_each_candidate() {
        let all = [s(A, Some("alpha")), s(B, None)];
        let Match::Many(found) = match_session("019a", &all) else { panic!("ambiguous") };
        let e = ambiguous("session", "019a", &found);
        let msg = e.to_string();
        assert!(msg.contains(A) && msg.contains(B) && msg.contains("alpha") && msg.contains("matches 2 sessions"), "{msg}");
        assert_eq!(crate::exit::classify(&e).0, crate::exit::Exit::Usage);
    }
}
