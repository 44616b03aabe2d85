//! Protocol drift guard: every fact the host relies on (host/src/appserver/reliance.rs) must hold in the JSON
//! schema the installed codex (`CODEX_BIN`, else the pinned one) prints, with the guard's checks beyond the list.
//! Another test breaks a copy of that schema on purpose, once per kind of drift, and checks the guard names exactly
//! what broke. The host runs the same guard at start against the binary it spawns (`appserver::drift`).

use std::path::{Path, PathBuf};
use std::process::Command;

use codex_manager_host::appserver::drift::{self, ProtocolViolation};
use codex_manager_host::services::CodexOp;

fn codex_bin() -> PathBuf {
    if let Some(p) = std::env::var_os("CODEX_BIN") {
        return PathBuf::from(p);
    }
    let local = Path::new(env!("CARGO_MANIFEST_DIR")).join("../.tools/codex/node_modules/.bin/codex");
    assert!(local.exists(), "run scripts/setup.sh --test first (no codex at {})", local.display());
    local
}

/// The schema of the installed codex, experimental surface included, generated into a fresh directory.
fn generated_schema(tag: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("schema-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let home = dir.join("codex-home");
    std::fs::create_dir_all(&home).unwrap();
    let out = Command::new(codex_bin())
        .args(["app-server", "generate-json-schema", "--experimental", "--out"])
        .arg(&dir)
        .env("CODEX_HOME", &home)
        .output()
        .expect("codex runs");
    assert!(out.status.success(), "generate-json-schema failed: {}", String::from_utf8_lossy(&out.stderr));
    dir
}

/// The guard as the host runs it: the contract, plus every method the Codex operations call.
fn violations(dir: &Path) -> Vec<ProtocolViolation> {
    drift::check(dir, CodexOp::CALLS).unwrap()
}

#[test]
fn every_fact_the_host_relies_on_holds_in_the_installed_codex() {
    let dir = generated_schema("live");
    let violations = violations(&dir);
    assert!(
        violations.is_empty(),
        "the installed codex no longer matches what the host relies on:\n{}",
        violations.iter().map(|v| format!("  - {v}")).collect::<Vec<_>>().join("\n")
    );
    let _ = std::fs::remove_dir_all(&dir);
}

fn edit_json(path: &Path, edit: impl FnOnce(&mut serde_json::Value)) {
    let mut v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    edit(&mut v);
    std::fs::write(path, serde_json::to_string(&v).unwrap()).unwrap();
}

#[test]
fn a_deliberately_broken_schema_is_caught_precisely() {
    let dir = generated_schema("broken");
    // A renamed field in a notification the relay reads...
    edit_json(&dir.join("ServerNotification.json"), |v| {
        let turn = v["definitions"]["Turn"]["properties"].as_object_mut().expect("Turn has properties");
        let status = turn.remove("status").expect("Turn.status exists in the real schema");
        turn.insert("state".into(), status);
    });
    // ...an answer value app-server stopped accepting...
    edit_json(&dir.join("CommandExecutionRequestApprovalResponse.json"), |v| {
        let branches = v["definitions"]["CommandExecutionApprovalDecision"]["oneOf"].as_array_mut().unwrap();
        branches.retain(|b| b["enum"] != serde_json::json!(["decline"]));
    });
    edit_json(&dir.join("ClientRequest.json"), |v| {
        // ...a param of a request the host sends that became required...
        let params = &mut v["definitions"]["TurnStartParams"];
        params["properties"]["priority"] = serde_json::json!({"type": "string"});
        params["required"].as_array_mut().expect("TurnStartParams requires some params").push("priority".into());
        // ...and a renamed method behind one of the Codex operations' routes.
        let usage = v["oneOf"].as_array_mut().unwrap().iter_mut().find(|m| m["properties"]["method"]["enum"][0] == "account/usage/read");
        usage.expect("account/usage/read exists in the real schema")["properties"]["method"]["enum"] = serde_json::json!(["account/usage/get"]);
    });
    // ...and a request app-server may now send that the host would have to answer.
    edit_json(&dir.join("ServerRequest.json"), |v| {
        let requests = v["oneOf"].as_array_mut().unwrap();
        let mut new = requests[0].clone();
        new["properties"]["method"]["enum"] = serde_json::json!(["item/mcpToolCall/requestApproval"]);
        requests.push(new);
    });
    let found = violations(&dir);
    let named: Vec<(&str, &str, &str)> = found.iter().map(|v| (v.fact.as_str(), v.method.as_str(), v.effect.as_str())).collect();
    assert_eq!(
        named,
        vec![
            ("`turn/completed` notification, turn.status", "turn/completed", "degraded"),
            ("answer to `item/commandExecution/requestApproval` (CommandExecutionRequestApprovalResponse), decision", "item/commandExecution/requestApproval", "declined"),
            ("`turn/start` params, priority", "turn/start", "refused"),
            ("`item/mcpToolCall/requestApproval` request from app-server", "item/mcpToolCall/requestApproval", "declined"),
            ("`account/usage/read` params", "account/usage/read", "refused"),
        ],
        "{found:#?}"
    );
    assert!(found[0].problem.contains("`status` is not there"));
    assert!(found[1].problem.contains("decline"));
    assert!(found[2].problem.contains("requires it"));
    let _ = std::fs::remove_dir_all(&dir);
}

/// The facts beyond the first contract: each Codex operation's params (a param app-server now requires of an
/// operation the contract lists nowhere else), the reads of `thread/read`, a turn's root, rate limits, token usage,
/// the usage-limit error and a login's end. Each edit breaks one kind of fact; the guard names exactly those.
#[test]
fn every_operation_s_params_and_every_read_are_checked() {
    let dir = generated_schema("reads");
    edit_json(&dir.join("ClientRequest.json"), |v| {
        let defs = &mut v["definitions"];
        // An operation's param that became required, on operations whose params the contract does not list.
        for (params, field) in [("ReviewStartParams", "priority"), ("CommandExecParams", "tty"), ("GetAccountParams", "refreshToken")] {
            let p = &mut defs[params];
            p["properties"][field] = serde_json::json!({"type": "boolean"});
            match p["required"].as_array_mut() {
                Some(required) => required.push(field.into()),
                None => p["required"] = serde_json::json!([field]),
            }
        }
        // The thread the mistakes check reads, by another name.
        defs["ThreadReadParams"]["properties"].as_object_mut().unwrap().remove("threadId").expect("ThreadReadParams.threadId");
    });
    edit_json(&dir.join("v2/ThreadReadResponse.json"), |v| {
        for branch in v["definitions"]["ThreadStatus"]["oneOf"].as_array_mut().unwrap() {
            if branch["properties"]["type"]["enum"] == serde_json::json!(["active"]) {
                branch["properties"]["type"]["enum"] = serde_json::json!(["running"]);
            }
        }
    });
    edit_json(&dir.join("v2/GetAccountRateLimitsResponse.json"), |v| {
        v["definitions"]["RateLimitWindow"]["properties"]["usedPercent"] = serde_json::json!({"type": "string"});
    });
    edit_json(&dir.join("ServerNotification.json"), |v| {
        let defs = &mut v["definitions"];
        defs["Turn"]["properties"].as_object_mut().unwrap().remove("rootTurnId").expect("Turn.rootTurnId");
        for branch in defs["CodexErrorInfo"]["anyOf"].as_array_mut().unwrap() {
            if let Some(values) = branch["enum"].as_array_mut() {
                values.retain(|e| e != "usageLimitExceeded");
            }
        }
        let window = defs["RateLimitWindow"]["properties"].as_object_mut().unwrap();
        window.remove("windowDurationMins").expect("RateLimitWindow.windowDurationMins");
        window["usedPercent"] = serde_json::json!({"type": "string"});
        window["resetsAt"] = serde_json::json!({"type": "string"});
        let usage = defs["ThreadTokenUsageUpdatedNotification"]["properties"].as_object_mut().unwrap();
        usage["threadId"] = serde_json::json!({"type": "integer"});
        usage.remove("turnId").expect("ThreadTokenUsageUpdatedNotification.turnId");
        let tokens = usage.remove("tokenUsage").expect("ThreadTokenUsageUpdatedNotification.tokenUsage");
        usage.insert("usage".into(), tokens);
        let login = defs["AccountLoginCompletedNotification"]["properties"].as_object_mut().unwrap();
        login["loginId"] = serde_json::json!({"type": "integer"});
        login["success"] = serde_json::json!({"type": "string"});
        login.remove("error").expect("AccountLoginCompletedNotification.error");
    });
    let found = violations(&dir);
    let mut named: Vec<(&str, &str)> = found.iter().map(|v| (v.fact.as_str(), v.effect.as_str())).collect();
    named.sort_unstable();
    let mut expected = vec![
        ("`review/start` params, priority", "refused"),
        ("`command/exec` params, tty", "refused"),
        ("`account/read` params, refreshToken", "refused"),
        ("`thread/read` params, threadId", "refused"),
        ("`thread/read` result (ThreadReadResponse), thread.status.type", "refused"),
        ("`account/rateLimits/read` result (GetAccountRateLimitsResponse), rateLimits.primary.usedPercent", "refused"),
        ("`turn/started` notification, turn.rootTurnId", "degraded"),
        ("`turn/completed` notification, turn.error.codexErrorInfo", "degraded"),
        ("`account/rateLimits/updated` notification, rateLimits.primary.usedPercent", "degraded"),
        ("`account/rateLimits/updated` notification, rateLimits.primary.windowDurationMins", "degraded"),
        ("`account/rateLimits/updated` notification, rateLimits.primary.resetsAt", "degraded"),
        ("`account/rateLimits/updated` notification, rateLimits.secondary.usedPercent", "degraded"),
        ("`thread/tokenUsage/updated` notification, threadId", "degraded"),
        ("`thread/tokenUsage/updated` notification, turnId", "degraded"),
        ("`thread/tokenUsage/updated` notification, tokenUsage.total.totalTokens", "degraded"),
        ("`thread/tokenUsage/updated` notification, tokenUsage.total.inputTokens", "degraded"),
        ("`thread/tokenUsage/updated` notification, tokenUsage.total.cachedInputTokens", "degraded"),
        ("`thread/tokenUsage/updated` notification, tokenUsage.total.outputTokens", "degraded"),
        ("`thread/tokenUsage/updated` notification, tokenUsage.total.reasoningOutputTokens", "degraded"),
        ("`thread/tokenUsage/updated` notification, tokenUsage.last.totalTokens", "degraded"),
        ("`account/login/completed` notification, loginId", "degraded"),
        ("`account/login/completed` notification, success", "degraded"),
        ("`account/login/completed` notification, error", "degraded"),
    ];
    expected.sort_unstable();
    assert_eq!(named, expected, "{found:#?}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// The installed codex's version, from `codex --version` (`codex-cli 0.169.0`).
fn installed_version() -> String {
    let out = Command::new(codex_bin()).arg("--version").output().expect("codex runs");
    String::from_utf8_lossy(&out.stdout).split_whitespace().last().unwrap_or_default().to_string()
}

#[test]
fn a_tested_release_s_schema_fingerprint_is_the_one_the_host_knows() {
    use codex_manager_host::appserver::version::{schema_fingerprint, TESTED};
    let version = installed_version();
    let dir = generated_schema("fingerprint");
    let actual = schema_fingerprint(&dir).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    match TESTED.iter().find(|t| t.version == version) {
        Some(tested) => assert_eq!(
            tested.schema, actual,
            "host/src/appserver/version.rs's TESTED entry for {version} has a stale schema fingerprint: set it to {actual}"
        ),
        // Another codex (CODEX_BIN): its fingerprint decides whether the host calls it tested.
        None => eprintln!("codex {version} is not a tested release; its schema fingerprint is {actual}"),
    }
}
