//! What the host knows of the codex it runs, kept per release: a restart that brings another release whose schema
//! cannot be read leaves it unknown, not judged by the previous release's schema.

use std::os::unix::fs::PermissionsExt;
use std::time::Duration;

use serde_json::json;

use crate::appserver::version::CodexSupport;
use crate::testing::{ScriptedAppServer, Step, TempDir, TestHost, WAIT};

/// Bounded wait for `cond`.
async fn until(what: &str, cond: impl Fn() -> bool) {
    let waited = tokio::time::timeout(WAIT, async {
        while !cond() {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    });
    waited.await.unwrap_or_else(|_| panic!("waited for {what}"));
}

#[tokio::test]
async fn a_release_whose_schema_cannot_be_read_is_unchecked_not_judged_by_the_previous_one() {
    let dir = TempDir::new("watch");
    // The program the host inspects: prints a schema with no methods at all (every fact broken), until told to fail.
    let program = dir.0.join("no-codex-here");
    let script = r#"#!/bin/sh
[ -f "$(dirname "$0")/schema-fails" ] && exit 1
for a in "$@"; do out="$a"; done
mkdir -p "$out"
for f in ClientRequest ServerNotification ServerRequest; do echo '{"oneOf": []}' > "$out/$f.json"; done
"#;
    std::fs::write(&program, script).unwrap();
    std::fs::set_permissions(&program, std::fs::Permissions::from_mode(0o755)).unwrap();
    let app = ScriptedAppServer::default();
    let host = TestHost::start_in(dir, app.clone()).await;
    let gate = || host.services.app_server().protocol_gate().report();
    until("the first release's schema read", || gate().checked).await;
    assert!(!gate().violations.is_empty());
    assert!(host.services.codex().capabilities().is_some());

    // Another release, whose schema cannot be read.
    std::fs::write(host.dir.0.join("schema-fails"), "").unwrap();
    app.on("initialize", |_| vec![Step::Answer(json!({"userAgent": "in_memory_app_server/0.170.0", "platformOs": "linux"}))]);
    host.peer.exit(1).await;
    host.ready(2).await;
    until("the verdict reset to unchecked", || !gate().checked).await;
    assert!(gate().violations.is_empty(), "nothing of the previous release is refused or declined");
    assert!(host.services.codex().capabilities().is_none(), "its capabilities are unknown");
    let v = host.services.codex().codex_version();
    assert_eq!((v.running.as_deref(), v.support, v.same_schema_as), (Some("0.170.0"), CodexSupport::Compatible, None));
    assert!(v.advice.unwrap().contains("should work"));
}
