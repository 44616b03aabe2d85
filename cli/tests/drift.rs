//! The drift guard inside the host, against the real app-server whose printed schema was deliberately edited: the
//! host names each broken fact in `/api/ready`, refuses only the route that depends on it, declines the requests it
//! could no longer answer correctly, and everything else keeps working.

mod support;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use serde_json::Value;
use support::*;

/// A `codex` that is the real one in every way but the schema it prints: `turn/steer`'s `expectedTurnId` renamed,
/// and the command approval's answer no longer taking `acceptForSession`.
fn codex_with_edited_schema(dir: &Path) -> PathBuf {
    codex_with_schema_edits(
        dir,
        "codex-edited-schema",
        &[
            r#"'s/"expectedTurnId"/"expectedTurn"/g' "$out/ClientRequest.json""#,
            r#"'s/"acceptForSession"/"acceptForThisSession"/g' "$out/CommandExecutionRequestApprovalResponse.json""#,
        ],
    )
}

/// A `codex` that is the real one in every way but the schema it prints: a Codex operation's method renamed
/// (`account/usage/read`), and a request app-server may now send that the host does not answer (`attestation/generate`,
/// which the host declines on purpose, under a new name).
fn codex_with_renamed_operation_and_new_request(dir: &Path) -> PathBuf {
    codex_with_schema_edits(
        dir,
        "codex-renamed-operation",
        &[
            r##"'s#"account/usage/read"#"account/usage/get"#g' "$out/ClientRequest.json""##,
            r##"'s#"attestation/generate"#"attestation/renew"#g' "$out/ServerRequest.json""##,
        ],
    )
}

/// A `codex` (named `name` in `dir`) that runs the real one, but edits the schema it prints: each of `edits` is the
/// arguments of one `sed -i` (`$out` is the schema dir).
fn codex_with_schema_edits(dir: &Path, name: &str, edits: &[&str]) -> PathBuf {
    let seds: String = edits.iter().map(|e| format!("  sed -i {e}\n")).collect();
    let script = format!(
        r#"#!/bin/sh
real='{real}'
if [ "$1" = app-server ] && [ "$2" = generate-json-schema ]; then
  "$real" "$@" || exit $?
  out=""; prev=""
  for a in "$@"; do [ "$prev" = --out ] && out="$a"; prev="$a"; done
{seds}  exit 0
fi
exec "$real" "$@"
"#,
        real = codex_bin().display()
    );
    let path = dir.join(name);
    std::fs::write(&path, script).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

/// The real codex, presenting itself as the next patch release: what a user gets from a patch release that changed
/// nothing in the protocol.
fn codex_as_next_patch_release(dir: &Path) -> (PathBuf, String) {
    let mut parts: Vec<u64> = codex_version().split('.').map(|p| p.parse().expect("a numeric release")).collect();
    parts[2] += 1;
    let patch = parts.iter().map(u64::to_string).collect::<Vec<_>>().join(".");
    (codex_presenting_as(dir, &patch, false), patch)
}

/// The real codex, presenting itself as `release` (`--version`, and the version in app-server's user agent rewritten
/// on the way out),
/// with, when `new_schema`, a schema no tested release printed (one more type file, which nothing reads).
fn codex_presenting_as(dir: &Path, release: &str, new_schema: bool) -> PathBuf {
    let real = codex_version();
    let schema_edit = if new_schema { r#"touch "$out/UnseenType.json""# } else { ":" };
    let script = format!(
        r#"#!/bin/sh
real='{bin}'
if [ "$1" = --version ]; then echo "codex-cli {release}"; exit 0; fi
if [ "$1" = app-server ] && [ "$2" = generate-json-schema ]; then
  "$real" "$@" || exit $?
  out=""; prev=""
  for a in "$@"; do [ "$prev" = --out ] && out="$a"; prev="$a"; done
  {schema_edit}
  exit 0
fi
if [ "$1" = app-server ]; then
  "$real" "$@" | sed -u 's#/{real_re} (#/{release} (#'
  exit
fi
exec "$real" "$@"
"#,
        bin = codex_bin().display(),
        real_re = real.replace('.', "\\."),
    );
    let path = dir.join(format!("codex-as-{release}"));
    std::fs::write(&path, script).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

async fn checked_protocol(host: &Host) -> Value {
    eventually("the drift guard's verdict", async || {
        let (_, ready) = host.get("/api/ready").await;
        (ready["protocol"]["checked"] == true).then(|| ready["protocol"].clone())
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broken_fact_is_named_and_turns_off_only_what_depends_on_it() {
    let scratch = TempDir::new("drift-bin");
    let codex = codex_with_edited_schema(scratch.path());
    let env = Env::start_with("drift", &[("CODEX_BIN", codex.to_str().unwrap())]).await;
    let host = env.host();

    let protocol = checked_protocol(host).await;
    let violations = protocol["violations"].as_array().unwrap();
    let named = |fact: &str| violations.iter().find(|v| v["fact"] == fact).unwrap_or_else(|| panic!("{fact} not named: {protocol:#}"));
    let steer = named("`turn/steer` params, expectedTurnId");
    assert_eq!((steer["method"].as_str(), steer["effect"].as_str()), (Some("turn/steer"), Some("refused")));
    assert!(steer["problem"].as_str().unwrap().contains("`expectedTurnId` is not there"), "{steer}");
    let answer = named("answer to `item/commandExecution/requestApproval` (CommandExecutionRequestApprovalResponse), decision");
    assert_eq!(answer["effect"], "declined");
    assert!(violations.iter().all(|v| v["method"] == "turn/steer" || v["method"] == "item/commandExecution/requestApproval"), "{protocol:#}");

    // Turns still run; steering one is refused with a clear error, without reaching app-server.
    let session = env.new_session().await;
    let mut ws = host.stream(&format!("since={}&sessions={session}", host.latest_seq().await)).await;
    let turn = host.send(&session, "hello scenario:slow").await;
    until(&mut ws, |e| e["type"] == "item.delta").await;
    let (status, body) = host.post(&format!("/api/sessions/{session}/steer"), serde_json::json!({"text": "faster"})).await;
    assert_eq!((status, code(&body)), (501, "codex_incompatible"), "{body}");
    assert_eq!(body["error"]["details"]["method"], "turn/steer");
    assert!(body["error"]["message"].as_str().unwrap().contains("expectedTurnId"), "{body}");
    let (status, body) = host.post(&format!("/api/sessions/{session}/interrupt"), serde_json::json!({})).await;
    assert_eq!(status, 200, "interrupting does not depend on the broken fact: {body}");
    let end = until(&mut ws, is_turn_end(&turn)).await.pop().unwrap();
    assert_eq!(end["data"]["turn"]["status"], "interrupted", "{end}");

    // A command approval it could not answer correctly is declined at once, saying why: nobody waits on it.
    let turn = host.send(&session, "run it scenario:approval").await;
    let events = until(&mut ws, is_turn_end(&turn)).await;
    assert!(!events.iter().any(|e| e["type"] == "approval.requested"), "no prompt a user could answer wrongly");
    let declined = events.iter().find(|e| e["type"] == "app_server.request_declined").expect("the request is declined");
    assert_eq!(declined["data"]["method"], "item/commandExecution/requestApproval");
    assert!(declined["data"]["reason"].as_str().unwrap().contains("acceptForSession"), "{declined}");
    let (_, pending) = host.get("/api/requests?status=pending").await;
    assert_eq!(pending.as_array().unwrap().len(), 0);

    // The capability report and status agree: the rest works.
    let (_, caps) = host.get("/api/capabilities").await;
    assert_eq!(caps["groups"]["models"], true, "{caps}");
    let (code, out, _) = host.cli(&["status"]).await;
    assert_eq!(code, 0);
    assert!(out.contains("broken by this codex; the rest works"), "{out}");
    assert!(out.contains("refused `turn/steer`"), "{out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_real_codex_breaks_nothing_the_host_relies_on() {
    let env = Env::start("drift-none").await;
    let protocol = checked_protocol(env.host()).await;
    assert_eq!(protocol["violations"], serde_json::json!([]), "{protocol:#}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_patch_release_with_a_tested_schema_is_compatible_without_a_warning() {
    let scratch = TempDir::new("patch-bin");
    let (codex, patch) = codex_as_next_patch_release(scratch.path());
    let env = Env::start_with("patch", &[("CODEX_BIN", codex.to_str().unwrap())]).await;
    let host = env.host();
    checked_protocol(host).await;
    let (_, ready) = host.get("/api/ready").await;
    let c = &ready["codex"];
    assert_eq!(c["running"], patch.as_str(), "{ready:#}");
    // What the rules say for this release and schema: on a tested release's schema (the pin, or any release in
    // TESTED) that is `compatible` with `sameSchemaAs` that release; on a schema not yet in TESTED (a candidate
    // `scripts/codex-release.sh` runs the suites on) whatever its version earns, advice included.
    let expected = expected_codex_verdict(&patch);
    assert_eq!(c["support"], expected.support.as_str(), "{c}");
    assert_eq!(c["sameSchemaAs"].as_str(), expected.same_schema_as.as_deref(), "{c}");
    assert_eq!((c["matches"].as_bool(), c["advice"].as_str()), (Some(expected.matches), expected.advice.as_deref()), "{c}");
    let (code, out, _) = host.cli(&["status"]).await;
    assert_eq!(code, 0);
    let Some(same) = expected.same_schema_as else {
        // An untested schema: `status` says what to do about it.
        assert!(out.contains(&format!("advice:      {}", expected.advice.unwrap_or_default())), "{out}");
        return;
    };
    assert_eq!(c["support"], "compatible", "{c}");
    assert!(c["advice"].is_null(), "{c}");
    let log = host.log_text();
    assert!(log.contains("codex is compatible: its protocol is the tested"), "{log}");
    let about_codex = |l: &&str| l.contains("services::codex") || l.contains("untested") || l.contains("drift");
    assert!(!log.lines().filter(about_codex).any(|l| l.contains("WARN") || l.contains("ERROR")), "no warning about codex: {log}");
    assert!(out.contains(&format!("{patch} (compatible: the same protocol as the tested {same}")), "{out}");
    assert!(!out.contains("advice:"), "nothing to do: {out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_release_outside_the_range_is_incompatible_and_status_says_what_to_do() {
    let scratch = TempDir::new("far-bin");
    let far = "9.0.0";
    let codex = codex_presenting_as(scratch.path(), far, true);
    let env = Env::start_with("far", &[("CODEX_BIN", codex.to_str().unwrap())]).await;
    let host = env.host();
    checked_protocol(host).await;
    let (_, ready) = host.get("/api/ready").await;
    let c = &ready["codex"];
    assert_eq!((c["running"].as_str(), c["support"].as_str()), (Some(far), Some("incompatible")), "{c}");
    let advice = c["advice"].as_str().unwrap_or_else(|| panic!("advice: {c}"));
    assert!(advice.contains("outside the supported range"), "{advice}");
    let (code, out, _) = host.cli(&["status"]).await;
    assert_eq!(code, 0, "{out}");
    let lines: Vec<&str> = out.lines().collect();
    let at = lines.iter().position(|l| l.starts_with("codex:")).unwrap_or_else(|| panic!("{out}"));
    assert!(lines[at].contains(&format!("{far} (incompatible: outside [")), "{out}");
    assert_eq!(lines[at + 1], format!("advice:      {advice}"), "the advice under the codex line: {out}");
}

/// `doctor` with no host to ask judges the codex a host would spawn as the host does: by its release and the
/// fingerprint of the schema it prints, so a patch release with a tested release's schema is no warning.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn doctor_without_a_host_judges_the_binary_by_its_schema_too() {
    let scratch = TempDir::new("doctor-bin");
    let nobody = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", nobody.local_addr().unwrap());
    drop(nobody);
    let (_, patch) = codex_as_next_patch_release(scratch.path());
    let expected = |schema: &str| {
        let v = codex_manager_host::appserver::version::assess_release(Some(&patch), Some(schema), 0);
        match (v.support.as_str(), v.same_schema_as.is_some()) {
            ("tested", _) | ("compatible", true) => "ok",
            ("incompatible", _) => "fail",
            _ => "warn",
        }
    };
    let tested_schema = codex_schema_fingerprint();
    for (new_schema, level) in [(false, expected(&tested_schema)), (true, expected("a schema no release printed"))] {
        let codex = codex_presenting_as(scratch.path(), &patch, new_schema);
        let data = scratch.path().join(format!("data-{new_schema}"));
        let run = tokio::process::Command::new(env!("CARGO_BIN_EXE_codex-manager"))
            .args(["--url", &url, "--data-dir", data.to_str().unwrap(), "--json", "doctor"])
            .env("CODEX_BIN", &codex)
            .env_remove("CODEX_MANAGER_TOKEN")
            .output()
            .await
            .unwrap();
        let out = String::from_utf8_lossy(&run.stdout);
        let report: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}{}", String::from_utf8_lossy(&run.stderr)));
        let check = |name: &str| report["checks"].as_array().unwrap().iter().find(|c| c["name"] == name).cloned().unwrap_or_else(|| panic!("{name}: {report}"));
        let codex_check = check("codex");
        assert_eq!(codex_check["level"], level, "new schema: {new_schema}: {report:#}");
        assert!(codex_check["detail"].as_str().unwrap().contains(&patch), "{codex_check}");
        if level == "ok" {
            assert!(codex_check["detail"].as_str().unwrap().contains("the same protocol as the tested"), "{codex_check}");
        }
        assert_eq!(check("protocol")["level"], "ok", "the schema breaks nothing: {report:#}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_renamed_operation_is_codex_incompatible_and_a_new_server_request_is_named() {
    let scratch = TempDir::new("rename-bin");
    let codex = codex_with_renamed_operation_and_new_request(scratch.path());
    let env = Env::start_with("rename", &[("CODEX_BIN", codex.to_str().unwrap())]).await;
    let host = env.host();
    let protocol = checked_protocol(host).await;
    let named: Vec<(&str, &str, &str)> = protocol["violations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| (v["fact"].as_str().unwrap(), v["method"].as_str().unwrap(), v["effect"].as_str().unwrap()))
        .collect();
    assert_eq!(
        named,
        vec![
            ("`attestation/renew` request from app-server", "attestation/renew", "declined"),
            ("`account/usage/read` params", "account/usage/read", "refused"),
        ],
        "{protocol:#}"
    );

    // The operation behind the renamed method: refused with the broken fact named, not a bare not_supported.
    let (status, body) = host.get("/api/account/usage").await;
    assert_eq!((status, code(&body)), (501, "codex_incompatible"), "{body}");
    assert_eq!(body["error"]["details"]["method"], "account/usage/read", "{body}");
    let facts = body["error"]["details"]["facts"].as_array().unwrap();
    assert!(facts.iter().any(|f| f.as_str().unwrap().contains("renamed or removed")), "{body}");
    let (_, caps) = host.get("/api/capabilities").await;
    assert_eq!((caps["groups"]["account"].as_bool(), caps["groups"]["models"].as_bool()), (Some(false), Some(true)), "{caps}");
    // The rest of the account surface still answers from app-server.
    let (status, body) = host.get("/api/account").await;
    assert_eq!(status, 200, "{body}");

    // The new request is named where an operator looks.
    let (code, out, _) = host.cli(&["status"]).await;
    assert_eq!(code, 0);
    assert!(out.contains("declined `attestation/renew`"), "{out}");
    assert!(out.contains("refused `account/usage/read`"), "{out}");
}
