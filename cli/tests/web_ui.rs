//! The web UI at `/`: the build is served with the SPA fallback for the UI's own paths, hashed assets are cached,
//! `/api/...` misses keep the API's JSON 404, paths cannot climb out of the build, and without a build `/` is the
//! status page with a line on how to build the UI.

mod support;

use reqwest::StatusCode;
use support::*;

async fn get(host: &Host, path: &str) -> (StatusCode, String, String, String) {
    let r = host.http.get(format!("{}{}", host.url, path)).bearer_auth(&host.token).send().await.unwrap();
    let status = r.status();
    let header = |name: &str| r.headers().get(name).map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
    let (ct, cache) = (header("content-type"), header("cache-control"));
    (status, ct, cache, r.text().await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serves_the_build_with_spa_fallback_and_keeps_api_404s() {
    let build = TempDir::new("web-build");
    std::fs::create_dir_all(build.path().join("assets")).unwrap();
    std::fs::write(build.path().join("index.html"), "<!doctype html><title>cm-ui-marker</title>").unwrap();
    std::fs::write(build.path().join("assets/app-abc123.js"), "console.log('asset')").unwrap();
    let dir = build.path().display().to_string();
    let mut env = Env::start_with("web-ui", &[("CODEX_MANAGER_WEB_DIR", &dir)]).await;
    let host = env.host();

    let (status, ct, cache, body) = get(host, "/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(ct.starts_with("text/html"), "{ct}");
    assert_eq!(cache, "no-cache");
    assert!(body.contains("cm-ui-marker"));

    // The UI's own paths get index.html.
    for path in ["/chats/01abc", "/plugins", "/settings"] {
        let (status, _, _, body) = get(host, path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert!(body.contains("cm-ui-marker"), "{path}");
    }

    let (status, ct, cache, body) = get(host, "/assets/app-abc123.js").await;
    assert_eq!(status, StatusCode::OK);
    assert!(ct.starts_with("text/javascript"), "{ct}");
    assert!(cache.contains("immutable"), "{cache}");
    assert_eq!(body, "console.log('asset')");

    // Missing files and escapes are 404s, never the app and never a file outside the build.
    for path in ["/assets/missing.js", "/favicon.ico", "/..%2f..%2fetc/passwd", "/assets/..%2f..%2fCargo.toml"] {
        let (status, _, _, body) = get(host, path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert!(!body.contains("cm-ui-marker") && !body.contains("root:"), "{path}");
    }

    // The API keeps its JSON 404: the SPA fallback does not swallow /api paths.
    let (status, body) = host.get("/api/no-such-route").await;
    assert_eq!((status, code(&body)), (404, "route_not_found"));
    let (status, body) = host.get("/api/sessions/x/no-such-thing").await;
    assert_eq!((status, code(&body)), (404, "route_not_found"));
    let (status, body) = host.post("/chats/x", serde_json::json!({})).await;
    assert_eq!((status, code(&body)), (404, "route_not_found"));

    // The UI needs the token like everything else: a program gets the JSON envelope ...
    let r = host.http.get(format!("{}/", host.url)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(code(&r.json().await.unwrap()), "unauthorized");
    // ... and a person's browser the sign-in page naming the fix, for the bare address and for a spent link alike.
    const BROWSER: &str = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";
    let page = |path: &str| {
        let url = format!("{}{}", host.url, path);
        let http = host.http.clone();
        async move {
            let r = http.get(url).header("accept", BROWSER).send().await.unwrap();
            let ct = r.headers()["content-type"].to_str().unwrap().to_string();
            (r.status(), ct, r.text().await.unwrap())
        }
    };
    let (status, ct, body) = page("/").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(ct.starts_with("text/html"), "{ct}");
    assert!(body.contains("not signed in") && body.contains("codex-manager login-link"), "{body}");
    let (status, body) = host.post("/api/login-links", serde_json::json!({})).await;
    assert_eq!(status, 201, "{body}");
    let link = body["url"].as_str().unwrap();
    let path = &link[link.find("/login").unwrap()..];
    let no_redirect = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).no_proxy().build().unwrap();
    let used = no_redirect.get(format!("{}{}", host.url, path)).send().await.unwrap();
    assert_eq!(used.status(), StatusCode::SEE_OTHER, "the first use signs in");
    let (status, ct, body) = page(path).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(ct.starts_with("text/html"), "{ct}");
    assert!(body.contains("already used or has expired") && body.contains("codex-manager login-link"), "{body}");
    let (status, body) = host.get(path).await;
    assert_eq!((status, code(&body)), (401, "unauthorized"), "a program redeeming a spent code keeps the envelope");
    // The API never answers a page, whatever the client accepts.
    let r = host.http.get(format!("{}/api/sessions", host.url)).header("accept", BROWSER).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(code(&r.json().await.unwrap()), "unauthorized");

    // Without a build, `/` is the status page and says how to build the UI.
    env.stop_host().await;
    let empty = TempDir::new("web-empty");
    env.host_env = vec![("CODEX_MANAGER_WEB_DIR".into(), empty.path().display().to_string())];
    env.start_host().await;
    let host = env.host();
    let (status, ct, _, body) = get(host, "/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(ct.starts_with("text/html"));
    assert!(body.contains("npm run build"), "{body}");
    let (status, body) = host.get("/api/no-such-route").await;
    assert_eq!((status, code(&body)), (404, "route_not_found"));
}
