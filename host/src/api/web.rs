//! The web UI: the built `web/dist` served at `/`, with the single-page-app fallback.
//!
//! - `GET /` and any GET/HEAD path outside `/api` that is not a file of the build answer `index.html` (the UI
//!   routes itself), with `Cache-Control: no-cache` so a new build is picked up at once;
//! - files under `assets/` have content-hashed names and are cached for a year (`immutable`);
//! - `/api/...` paths and other methods are never answered by the fallback: they keep the API's JSON 404/405;
//! - a path with `..`, a backslash, a NUL or an encoded separator is refused with 404, and symlinks that leave the
//!   directory are not followed out of it (the resolved path must stay under the canonical root);
//! - without a build (no `index.html` in the directory), `/` serves the small status page, with a line that says
//!   how to build the UI.
//!
//! Like every route, these need the token (the login link sets the cookie).

use crate::services::ErrorCode;
use std::path::{Component, Path, PathBuf};

use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};

use super::error::ApiError;
use super::ApiState;

/// The web UI's build directory, if it has been built.
#[derive(Debug, Clone)]
pub struct WebUi {
    root: Option<PathBuf>,
    configured: PathBuf,
}

/// Where the build is unless `--web-dir` says otherwise: the repository's `web/dist`.
pub fn default_web_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../web/dist"))
}

impl WebUi {
    /// Serve `dir` when it holds an `index.html`; otherwise the fallback page.
    pub fn new(dir: Option<PathBuf>) -> Self {
        let configured = dir.unwrap_or_else(default_web_dir);
        let root = configured.canonicalize().ok().filter(|d| d.join("index.html").is_file());
        Self { root, configured }
    }

    /// The directory being served, when there is a build.
    pub fn root(&self) -> Option<&Path> {
        self.root.as_deref()
    }

    /// A file of the build for a URL path, or None (missing, or a path that is not safe).
    fn resolve(&self, url_path: &str) -> Option<PathBuf> {
        let root = self.root.as_ref()?;
        let rel = url_path.trim_start_matches('/');
        if rel.is_empty()
            || rel.contains('\\')
            || rel.contains('\0')
            || rel.to_ascii_lowercase().contains("%2f")
            || rel.to_ascii_lowercase().contains("%5c")
            || rel.contains("%2e%2e")
            || rel.contains("%2E%2E")
        {
            return None;
        }
        let rel_path = Path::new(rel);
        if rel_path.components().any(|c| !matches!(c, Component::Normal(_))) {
            return None;
        }
        let full = root.join(rel_path).canonicalize().ok()?;
        (full.starts_with(root) && full.is_file()).then_some(full)
    }
}

fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase().as_str() {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" | "map" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "woff" => "font/woff",
        "wasm" => "application/wasm",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

fn file_response(path: &Path, bytes: Vec<u8>, cache: &'static str, head: bool) -> Response {
    let len = bytes.len();
    let body = if head { Body::empty() } else { Body::from(bytes) };
    let mut res = Response::new(body);
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type(path)));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(len));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    res
}

/// The fallback page when the UI is not built.
fn not_built(web: &WebUi) -> Response {
    let hint = format!(
        "<p class=\"status\">The web UI is not built (no index.html in <code>{}</code>). Build it with <code>npm ci &amp;&amp; \
         npm run build</code> in <code>web/</code> (<code>scripts/run.sh</code> does it), or point <code>serve --web-dir</code> at \
         a build.</p>\n<h2>Sessions</h2>",
        html_escape(&web.configured.display().to_string())
    );
    let page = include_str!("assets/index.html").replacen("<h2>Sessions</h2>", &hint, 1);
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8"), (header::CACHE_CONTROL, "no-store")], page).into_response()
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

async fn index(web: &WebUi, head: bool) -> Response {
    let Some(root) = web.root() else { return not_built(web) };
    let path = root.join("index.html");
    match tokio::fs::read(&path).await {
        Ok(bytes) => file_response(&path, bytes, "no-cache", head),
        Err(_) => not_built(web),
    }
}

/// `GET /`.
pub async fn root(State(state): State<ApiState>, method: Method) -> Response {
    index(&state.web, method == Method::HEAD).await
}

/// Every path no route matched: the API's JSON 404 under `/api` (and for other methods); otherwise a file of the
/// build, or `index.html` for the UI's own paths.
pub async fn fallback(State(state): State<ApiState>, method: Method, uri: Uri) -> Response {
    let path = uri.path();
    let api_path = path == "/api" || path.starts_with("/api/");
    if api_path || (method != Method::GET && method != Method::HEAD) {
        return ApiError::new(StatusCode::NOT_FOUND, ErrorCode::RouteNotFound, "no such route").into_response();
    }
    let head = method == Method::HEAD;
    if let Some(file) = state.web.resolve(path) {
        let cache = if path.starts_with("/assets/") { "public, max-age=31536000, immutable" } else { "no-cache" };
        return match tokio::fs::read(&file).await {
            Ok(bytes) => file_response(&file, bytes, cache, head),
            Err(_) => ApiError::new(StatusCode::NOT_FOUND, ErrorCode::RouteNotFound, "no such route").into_response(),
        };
    }
    // A missing asset (a name with an extension, or anything under assets/) is a 404, not the app.
    let last = path.rsplit('/').next().unwrap_or("");
    if path.starts_with("/assets/") || last.contains('.') || path.contains("..") {
        return (StatusCode::NOT_FOUND, [(header::CACHE_CONTROL, "no-store")], "not found").into_response();
    }
    index(&state.web, head).await
}

#[cfg(test)]
mod tests {
    use super::*;

    struct TempDir(PathBuf);
    impl TempDir {
        fn path(&self) -> &Path {
            &self.0
        }
    }
    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
    fn tempdir() -> TempDir {
        use std::sync::atomic::{AtomicU32, Ordering};
        static N: AtomicU32 = AtomicU32::new(0);
        let p = std::env::temp_dir().join(format!("cm-web-{}-{}", std::process::id(), N.fetch_add(1, Ordering::Relaxed)));
        std::fs::create_dir_all(&p).unwrap();
        TempDir(p)
    }

    fn build() -> (TempDir, WebUi) {
        let dir = tempdir();
        std::fs::write(dir.path().join("index.html"), "<!doctype html><title>ui</title>").unwrap();
        std::fs::create_dir(dir.path().join("assets")).unwrap();
        std::fs::write(dir.path().join("assets/app-1234.js"), "console.log(1)").unwrap();
        let web = WebUi::new(Some(dir.path().to_path_buf()));
        (dir, web)
    }

    #[test]
    fn resolves_files_and_refuses_escapes() {
        let (dir, web) = build();
        assert!(web.root().is_some());
        assert!(web.resolve("/assets/app-1234.js").is_some());
        assert!(web.resolve("/index.html").is_some());
        assert!(web.resolve("/assets/missing.js").is_none());
        assert!(web.resolve("/../Cargo.toml").is_none());
        assert!(web.resolve("/assets/../../etc/passwd").is_none());
        assert!(web.resolve("/assets/..%2f..%2fetc/passwd").is_none());
        assert!(web.resolve("/assets\\..\\x").is_none());
        // A symlink out of the build is not followed.
        let outside = tempdir();
        std::fs::write(outside.path().join("secret.txt"), "s").unwrap();
        std::os::unix::fs::symlink(outside.path().join("secret.txt"), dir.path().join("link.txt")).unwrap();
        assert!(web.resolve("/link.txt").is_none());
    }

    #[test]
    fn no_build_means_no_root() {
        let dir = tempdir();
        assert!(WebUi::new(Some(dir.path().to_path_buf())).root().is_none());
    }

    #[test]
    fn content_types() {
        assert_eq!(content_type(Path::new("a.js")), "text/javascript; charset=utf-8");
        assert_eq!(content_type(Path::new("a.css")), "text/css; charset=utf-8");
        assert_eq!(content_type(Path::new("index.html")), "text/html; charset=utf-8");
        assert_eq!(content_type(Path::new("x.svg")), "image/svg+xml");
    }
}
