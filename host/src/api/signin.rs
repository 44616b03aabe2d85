//! The page a browser gets instead of a JSON 401: a person who opens the host's address, or a login link that was
//! already used or has expired, is told what happened and the one command that fixes it. Programs (anything that
//! does not ask for HTML, and every `/api/` path) keep the JSON error envelope.

use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::security::LOGIN_CODE_TTL;

/// Why the browser is not signed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignInReason {
    /// No cookie (or a stale one from an earlier token): the first visit, or after the token changed.
    NotSignedIn,
    /// The link's one-time code was used already or is past its lifetime.
    LinkSpent,
}

impl SignInReason {
    fn explanation(self) -> &'static str {
        match self {
            SignInReason::NotSignedIn => "This browser is not signed in to this host.",
            SignInReason::LinkSpent => "This sign-in link was already used or has expired.",
        }
    }
}

/// A page navigation: a GET (or HEAD) outside the API that accepts HTML, as browsers send when a person opens a URL.
pub fn wants_page(method: &Method, path: &str, headers: &HeaderMap) -> bool {
    let accepts_html = headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.split(',').any(|part| part.trim().starts_with("text/html")));
    (method == Method::GET || method == Method::HEAD) && !path.starts_with("/api/") && accepts_html
}

/// The sign-in page, answered with 401 so nothing mistakes it for the UI.
pub fn page(reason: SignInReason) -> Response {
    let html = include_str!("assets/signin.html")
        .replace("{{WHY}}", reason.explanation())
        .replace("{{TTL}}", &(LOGIN_CODE_TTL.as_secs() / 60).to_string());
    (
        StatusCode::UNAUTHORIZED,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8"), (header::CACHE_CONTROL, "no-store")],
        html,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn accept(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::ACCEPT, HeaderValue::from_str(value).unwrap());
        h
    }

    #[test]
    fn only_page_navigations_outside_the_api_get_the_page() {
        let browser = accept("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8");
        assert!(wants_page(&Method::GET, "/", &browser));
        assert!(wants_page(&Method::GET, "/login", &browser));
        assert!(wants_page(&Method::HEAD, "/sessions/x", &browser));
        assert!(!wants_page(&Method::GET, "/api/sessions", &browser), "the API always answers JSON");
        assert!(!wants_page(&Method::POST, "/", &browser));
        assert!(!wants_page(&Method::GET, "/", &accept("application/json")));
        assert!(!wants_page(&Method::GET, "/", &accept("*/*")), "curl's default is a program, not a person");
        assert!(!wants_page(&Method::GET, "/", &HeaderMap::new()));
    }

    #[test]
    fn the_page_says_what_happened_and_the_command_that_fixes_it() {
        for (reason, says) in [(SignInReason::NotSignedIn, "not signed in"), (SignInReason::LinkSpent, "already used or has expired")] {
            let response = page(reason);
            assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
            assert_eq!(response.headers()[header::CONTENT_TYPE], "text/html; charset=utf-8");
            let html = include_str!("assets/signin.html").replace("{{WHY}}", reason.explanation());
            assert!(html.contains(says) && html.contains("codex-manager login-link"));
            assert!(!html.replace("{{TTL}}", "15").contains("{{"), "every placeholder is filled");
        }
    }
}
