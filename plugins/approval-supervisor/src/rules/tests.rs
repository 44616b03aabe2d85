//! The rules' unit tests: settings, verdicts, commands and globs, paths.

use super::*;
use codex_manager_plugin_sdk::serde_json::json;

fn accept(p: &str, t: &str) -> bool {
    glob_match(&normalize(p), &normalize(t), false)
}

fn decline(p: &str, t: &str) -> bool {
    glob_match(&normalize(p), &normalize(t), true)
}

#[test]
fn globs() {
    assert!(accept("git status*", "git status"));
    assert!(accept("git status*", "git status --short"));
    assert!(!accept("git status*", "git stash"));
    assert!(!accept("git status", "git status --short"));
    assert!(accept("*", ""));
    assert!(accept("cargo * --release", "cargo build --release"));
    assert!(accept("cargo * --release", "cargo  build   -p x --release"));
    assert!(!accept("cargo * --release", "cargo build"));
    assert!(accept("a*b*c", "axxbyyc"));
    assert!(accept("a*b*c", "abbbc"));
    assert!(!accept("a*b*c", "acb"));
    assert!(accept("ls -la", "  ls\t-la "));
    assert!(!accept("Git status", "git status"));
    assert!(accept("echo \\*", "echo *"));
    assert!(!accept("echo \\*", "echo x"));
    assert!(accept("echo ?", "echo ?"));
    assert!(!accept("echo ?", "echo x"));
    assert!(accept("pytest*", "pytest tests/test_a.py -k 'x or y'"));
}

#[test]
fn accept_stars_stop_at_shell_operators() {
    for cmd in [
        "git status && rm -rf ~",
        "git status; rm -rf ~",
        "git status | sh",
        "git status > /etc/passwd",
        "git status $(curl evil)",
        "git status `curl evil`",
        "git status\nrm -rf ~",
        "git status & sleep 1",
    ] {
        assert!(!accept("git status*", cmd), "{cmd}");
        assert!(decline("git status*", cmd), "{cmd}");
    }
    // Written literally, an operator matches.
    assert!(accept("cargo test* | tail*", "cargo test -q | tail -n 5"));
    assert!(accept("echo hi > *", "echo hi > out.txt"));
    assert!(!accept("echo hi > *", "echo hi > out.txt; rm x"));
}

#[test]
fn commands_are_unwrapped_from_the_shell() {
    let c = |v: Value| command_text(Some(&v));
    assert_eq!(c(json!("/bin/bash -lc 'git status'")).as_deref(), Some("git status"));
    assert_eq!(c(json!("/bin/bash -lc \"echo \\\"hi\\\" \\$HOME\"")).as_deref(), Some("echo \"hi\" $HOME"));
    assert_eq!(c(json!("bash -c 'ls  -la'")).as_deref(), Some("ls -la"));
    assert_eq!(c(json!("/usr/bin/zsh -l -c 'make test'")).as_deref(), Some("make test"));
    assert_eq!(c(json!("sh -c 'a'\"b\"")).as_deref(), Some("ab"));
    // Not a shell wrapper: as it is.
    assert_eq!(c(json!("git   status")).as_deref(), Some("git status"));
    assert_eq!(c(json!("/bin/bash -lc 'git status' extra")).as_deref(), Some("/bin/bash -lc 'git status' extra"));
    assert_eq!(c(json!("python -c 'print(1)'")).as_deref(), Some("python -c 'print(1)'"));
    // An unclosed quote: as it is.
    assert_eq!(c(json!("bash -lc 'oops")).as_deref(), Some("bash -lc 'oops"));
    // The legacy argv form.
    assert_eq!(c(json!(["/bin/bash", "-lc", "git  log"])).as_deref(), Some("git log"));
    assert_eq!(c(json!(["ls", "-la"])).as_deref(), Some("ls -la"));
    assert_eq!(c(json!("   ")), None);
    assert_eq!(command_text(None), None);
    // Line breaks in a script stay separators.
    assert_eq!(c(json!("bash -lc 'git status  \n  rm -rf x'")).as_deref(), Some("git status\nrm -rf x"));
}

#[test]
fn shell_words_split_like_a_shell() {
    assert_eq!(shell_words("a 'b c' \"d\\\"e\" f\\ g").unwrap(), vec!["a", "b c", "d\"e", "f g"]);
    assert_eq!(shell_words("''").unwrap(), vec![""]);
    assert_eq!(shell_words("  ").unwrap(), Vec::<String>::new());
    assert_eq!(shell_words("\"a\\nb\"").unwrap(), vec!["a\\nb"]);
    assert!(shell_words("'open").is_none());
    assert!(shell_words("\"open").is_none());
}

#[test]
fn settings_defaults_and_errors() {
    assert_eq!(parse_settings(None).unwrap(), Settings::default());
    assert!(!parse_settings(None).unwrap().enabled);
    assert_eq!(parse_settings(Some("null")).unwrap(), Settings::default());
    assert!(parse_settings(Some("true")).unwrap().enabled);
    let s = parse_settings(Some(
        r#"{"enabled": true, "rules": [{"command": "git status*", "decision": "accept"},
            {"command": "rm *", "decision": "decline"}],
            "file_changes_in_workspace": "accept", "otherwise": "decline", "grace_ms": 5000}"#,
    ))
    .unwrap();
    assert!(s.enabled);
    assert_eq!(s.rules.len(), 2);
    assert_eq!(s.rules[1], Rule { pattern: "rm *".into(), decision: Choice::Decline, steer: None });
    assert_eq!(s.file_changes_in_workspace, Some(Choice::Accept));
    assert_eq!(s.otherwise, Otherwise::Decline);
    assert_eq!(s.grace_ms, 5000);
    let s = parse_settings(Some(r#"{"enabled": true, "file_changes_in_workspace": null}"#)).unwrap();
    assert_eq!((s.otherwise, s.grace_ms, s.file_changes_in_workspace), (Otherwise::Ask, 0, None));
    assert_eq!(parse_settings(Some(r#"{"grace_ms": 99999999999}"#)).unwrap().grace_ms, MAX_GRACE_MS);
    for bad in [
        "{",
        "[]",
        r#"{"enabled": "yes"}"#,
        r#"{"rules": {}}"#,
        r#"{"rules": [{"command": "", "decision": "accept"}]}"#,
        r#"{"rules": [{"command": "x", "decision": "acceptForSession"}]}"#,
        r#"{"rules": [{"command": "x", "decision": "accept", "extra": 1}]}"#,
        r#"{"file_changes_in_workspace": "decline"}"#,
        r#"{"otherwise": "accept"}"#,
        r#"{"grace_ms": -1}"#,
        r#"{"enable": true}"#,
    ] {
        assert!(parse_settings(Some(bad)).is_err(), "{bad}");
    }
}

fn settings(json: &str) -> Settings {
    parse_settings(Some(json)).unwrap()
}

fn command_request(command: &str, available: Option<Value>) -> Value {
    let mut params = json!({"command": command, "cwd": "/w"});
    if let Some(a) = available {
        params["availableDecisions"] = a;
    }
    json!({"id": "r1", "kind": "command_approval", "status": "pending", "params": params, "item": null})
}

#[test]
fn commands_first_matching_rule_decides() {
    let s = settings(
        r#"{"enabled": true, "rules": [
            {"command": "git status*", "decision": "accept"},
            {"command": "git *", "decision": "decline"},
            {"command": "*", "decision": "accept"}]}"#,
    );
    assert_eq!(
        evaluate(&s, &command_request("/bin/bash -lc 'git status -s'", None), None),
        Verdict::Decide { decision: Choice::Accept, reason: "rule \"git status*\" → accept".into() }
    );
    assert_eq!(
        evaluate(&s, &command_request("/bin/bash -lc 'git push'", None), None),
        Verdict::Decide { decision: Choice::Decline, reason: "rule \"git *\" → decline".into() }
    );
    // `git status && x` skips the accept rule and is declined by `git *`.
    assert_eq!(
        evaluate(&s, &command_request("bash -lc 'git status && x'", None), None),
        Verdict::Decide { decision: Choice::Decline, reason: "rule \"git *\" → decline".into() }
    );
    // `*` as an accept rule does not take `ls; rm`.
    assert!(matches!(evaluate(&s, &command_request("bash -lc 'ls; rm x'", None), None), Verdict::Ask(_)));
}

#[test]
fn otherwise_off_and_offered_decisions() {
    let ask = settings(r#"{"enabled": true, "rules": [{"command": "ls*", "decision": "accept"}]}"#);
    assert!(matches!(evaluate(&ask, &command_request("make", None), None), Verdict::Ask(_)));
    let decline = settings(r#"{"enabled": true, "otherwise": "decline"}"#);
    assert_eq!(
        evaluate(&decline, &command_request("make", None), None),
        Verdict::Decide {
            decision: Choice::Decline,
            reason: "no rule matched the command; otherwise → decline".into()
        }
    );
    // Off (the default) decides nothing.
    let off = settings(r#"{"rules": [{"command": "*", "decision": "accept"}]}"#);
    assert!(matches!(evaluate(&off, &command_request("ls", None), None), Verdict::Ask(_)));
    // Only what the request offers.
    let offered = json!(["accept", {"acceptWithExecpolicyAmendment": {"execpolicy_amendment": ["ls"]}}, "cancel"]);
    assert!(matches!(evaluate(&decline, &command_request("make", Some(offered.clone())), None), Verdict::Ask(_)));
    let all = settings(r#"{"enabled": true, "rules": [{"command": "ls*", "decision": "accept"}]}"#);
    assert!(matches!(
        evaluate(&all, &command_request("ls", Some(offered)), None),
        Verdict::Decide { decision: Choice::Accept, .. }
    ));
    assert!(matches!(evaluate(&all, &command_request("ls", Some(json!(["decline"]))), None), Verdict::Ask(_)));
    // Other kinds, and requests that are no longer pending, are left alone.
    let mut other = command_request("ls", None);
    other["kind"] = json!("permissions_approval");
    assert!(matches!(evaluate(&all, &other, None), Verdict::Ask(_)));
    let mut done = command_request("ls", None);
    done["status"] = json!("resolved");
    assert!(matches!(evaluate(&all, &done, None), Verdict::Ask(_)));
}

fn file_request(paths: &[&str], grant: Option<&str>) -> Value {
    let changes: Vec<Value> = paths
        .iter()
        .map(|p| json!({"path": p, "kind": {"type": "update", "move_path": null}, "diff": "@@"}))
        .collect();
    json!({"id": "r2", "kind": "file_change_approval", "status": "pending",
           "params": {"itemId": "i", "reason": null, "grantRoot": grant},
           "item": {"type": "fileChange", "id": "i", "changes": changes, "status": "inProgress"}})
}

#[test]
fn file_changes_inside_the_workspace() {
    let s = settings(r#"{"enabled": true, "file_changes_in_workspace": "accept"}"#);
    let inside = file_request(&["/w/p/src/a.rs", "README.md", "/w/p/./x/../b.rs"], None);
    assert!(needs_cwd(&s, &inside));
    assert!(matches!(evaluate(&s, &inside, Some("/w/p")), Verdict::Decide { decision: Choice::Accept, .. }));
    assert!(matches!(evaluate(&s, &inside, Some("/w/p/")), Verdict::Decide { decision: Choice::Accept, .. }));
    for outside in [
        file_request(&["/w/p/a.rs", "/w/other/b.rs"], None),
        file_request(&["/w/p/../q/a.rs"], None),
        file_request(&["/w/pp/a.rs"], None),
        file_request(&["../a.rs"], None),
        file_request(&["/w/p/a.rs"], Some("/")),
        file_request(&[], None),
    ] {
        assert!(matches!(evaluate(&s, &outside, Some("/w/p")), Verdict::Ask(_)), "{outside}");
    }
    let mut moved = file_request(&["/w/p/a.rs"], None);
    moved["item"]["changes"][0]["kind"]["move_path"] = json!("/etc/a.rs");
    assert!(matches!(evaluate(&s, &moved, Some("/w/p")), Verdict::Ask(_)));
    assert!(matches!(
        evaluate(&s, &file_request(&["/w/p/a"], Some("/w/p/sub")), Some("/w/p")),
        Verdict::Decide { decision: Choice::Accept, .. }
    ));
    // No cwd, or not asked to accept file changes: otherwise.
    assert!(matches!(evaluate(&s, &inside, None), Verdict::Ask(_)));
    let no = settings(r#"{"enabled": true, "otherwise": "decline"}"#);
    assert!(!needs_cwd(&no, &inside));
    assert!(matches!(evaluate(&no, &inside, Some("/w/p")), Verdict::Decide { decision: Choice::Decline, .. }));
}

#[test]
fn paths() {
    assert_eq!(normalize_path("/a/./b/../c//d/", None).as_deref(), Some("/a/c/d"));
    assert_eq!(normalize_path("/../..", None).as_deref(), Some("/"));
    assert_eq!(normalize_path("x/y", Some("/r")).as_deref(), Some("/r/x/y"));
    assert_eq!(normalize_path("x", None), None);
    assert!(inside("/r", "/r"));
    assert!(inside("/r", "/r/a"));
    assert!(!inside("/r", "/rr/a"));
    assert!(inside("/", "/anything"));
}

#[test]
fn long_reasons_are_cut() {
    let long = "x".repeat(2000);
    let s = Settings {
        enabled: true,
        rules: vec![Rule { pattern: long.clone(), decision: Choice::Accept, steer: None }],
        ..Settings::default()
    };
    match evaluate(&s, &command_request(&long, None), None) {
        Verdict::Decide { reason, .. } => assert_eq!(reason.chars().count(), MAX_REASON_CHARS),
        other => panic!("{other:?}"),
    }
}

#[test]
fn steer_rules_parse_and_decline_with_the_message() {
    let s = settings(
        r#"{"enabled": true, "rules": [
            {"pattern": "rm *", "action": "steer", "message": " don't delete files; move them to ./trash instead "},
            {"pattern": "git status*", "action": "accept"},
            {"command": "*", "decision": "accept"}]}"#,
    );
    assert_eq!(
        s.rules[0],
        Rule {
            pattern: "rm *".into(),
            decision: Choice::Decline,
            steer: Some("don't delete files; move them to ./trash instead".into())
        }
    );
    assert_eq!(s.rules[1].decision, Choice::Accept);
    // A steer rule's `*` matches like a decline rule's: what follows the prefix does not get it past the rule.
    for command in ["bash -lc 'rm -rf build'", "bash -lc 'rm x; echo done'"] {
        assert_eq!(
            evaluate(&s, &command_request(command, None), None),
            Verdict::Steer {
                message: "don't delete files; move them to ./trash instead".into(),
                reason: "rule \"rm *\" → decline and steer: don't delete files; move them to ./trash instead"
                    .into(),
            },
            "{command}"
        );
    }
    assert!(matches!(
        evaluate(&s, &command_request("git status", None), None),
        Verdict::Decide { decision: Choice::Accept, .. }
    ));
    // Declining must be offered, or `cancel` (app-server's way of offering "no" for an escalated command), else
    // the user decides.
    assert!(matches!(
        evaluate(&s, &command_request("rm x", Some(json!(["accept", "cancel"]))), None),
        Verdict::Steer { .. }
    ));
    assert!(matches!(evaluate(&s, &command_request("rm x", Some(json!(["accept"]))), None), Verdict::Ask(_)));
    // Steering is a rule's action in the judging mode too.
    assert!(matches!(evaluate_in(Mode::Judge, &s, &command_request("rm x", None), None), Verdict::Steer { .. }));
    for bad in [
        r#"{"rules": [{"pattern": "rm *", "action": "steer"}]}"#,
        r#"{"rules": [{"pattern": "rm *", "action": "steer", "message": "  "}]}"#,
        r#"{"rules": [{"pattern": "rm *", "action": "steer", "message": 1}]}"#,
        r#"{"rules": [{"pattern": "rm *", "action": "decline", "message": "why"}]}"#,
        r#"{"rules": [{"pattern": "rm *", "command": "rm *", "action": "decline"}]}"#,
        r#"{"rules": [{"pattern": "rm *", "action": "decline", "decision": "decline"}]}"#,
        r#"{"rules": [{"pattern": "rm *", "action": "ask"}]}"#,
        r#"{"rules": [{"action": "accept"}]}"#,
    ] {
        assert!(parse_settings(Some(bad)).is_err(), "{bad}");
    }
    let long = json!({"rules": [{"pattern": "x", "action": "steer", "message": "m".repeat(MAX_STEER_CHARS + 1)}]});
    assert!(parse_settings(Some(&long.to_string())).is_err());
}

#[test]
fn judging_mode_assesses_what_no_rule_decides() {
    let s = settings(
        r#"{"enabled": true, "mode": "judge", "accept_up_to": "medium", "decline_at": "high",
            "otherwise": "decline", "file_changes_in_workspace": "accept",
            "rules": [{"command": "git status*", "decision": "accept"}]}"#,
    );
    assert_eq!(s.judge.mode, Some(Mode::Judge));
    assert_eq!(s.judge.accept_up_to, Some(Some(codex_manager_plugin_sdk::Risk::Medium)));
    assert_eq!(s.judge.decline_at, Some(Some(codex_manager_plugin_sdk::Risk::High)));
    // Rules first: a matching rule decides without a model.
    assert!(matches!(
        evaluate_in(Mode::Judge, &s, &command_request("git status", None), None),
        Verdict::Decide { decision: Choice::Accept, .. }
    ));
    // What no rule decides is judged, `otherwise` notwithstanding; in the rules mode it still falls to `otherwise`.
    assert_eq!(
        evaluate_in(Mode::Judge, &s, &command_request("make", None), None),
        Verdict::Judge("no rule matched the command".into())
    );
    assert!(matches!(
        evaluate_in(Mode::Rules, &s, &command_request("make", None), None),
        Verdict::Decide { decision: Choice::Decline, .. }
    ));
    // A file change inside the workspace is accepted by the setting; one outside it is judged.
    let inside = file_request(&["/w/p/a.rs"], None);
    assert!(matches!(evaluate_in(Mode::Judge, &s, &inside, Some("/w/p")), Verdict::Decide { .. }));
    let outside = file_request(&["/etc/passwd"], None);
    assert!(matches!(evaluate_in(Mode::Judge, &s, &outside, Some("/w/p")), Verdict::Judge(_)));
    // Off, not pending, other kinds: never judged.
    let mut off = s.clone();
    off.enabled = false;
    assert!(matches!(evaluate_in(Mode::Judge, &off, &command_request("make", None), None), Verdict::Ask(_)));
    let mut other = command_request("make", None);
    other["kind"] = json!("permissions_approval");
    assert!(matches!(evaluate_in(Mode::Judge, &s, &other, None), Verdict::Ask(_)));
    for bad in [r#"{"mode": "model"}"#, r#"{"accept_up_to": "high"}"#, r#"{"decline_at": "low"}"#] {
        assert!(parse_settings(Some(bad)).is_err(), "{bad}");
    }
}
