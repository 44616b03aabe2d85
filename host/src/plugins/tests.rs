//! The WIT 0.2.0 imports against the real services (the in-memory app-server, the real store): each host call as
//! a plugin makes it, through `imports.rs` (capability first) and `ServicesForPlugins`.

use std::collections::BTreeSet;
use std::sync::Arc;

use serde_json::json;

use super::api::{Assessment, HostCallError, PluginHostApi, Risk, TranscriptPage, TurnState};
use super::capability::{Capability, Grants};
use super::state::PluginState;
use crate::services::plugin_api::ServicesForPlugins;
use crate::services::{ErrorCode, ErrorKind};
use crate::testing::{command, TestHost};

const PLUGIN: &str = "judge";

const MANIFEST: &str = r#"
id = "judge"
version = "1.0.0"
wit = "^0.2"
[capabilities]
request = ["kv", "sessions-read", "turns", "requests"]
[settings]
threshold = "medium"
max_turns = 3
notify = true
"#;

fn api(host: &TestHost) -> Arc<dyn PluginHostApi> {
    Arc::new(ServicesForPlugins(Arc::downgrade(&host.services)))
}

/// A call's state for the plugin, granted `caps`.
fn state(host: &TestHost, caps: &[Capability]) -> PluginState {
    let caps: BTreeSet<Capability> = caps.iter().copied().collect();
    let grants = Grants::new(&caps, &caps, &[]);
    PluginState::new(PLUGIN.into(), Arc::new(grants), api(host), 1 << 20, None, None)
}

fn all(host: &TestHost) -> PluginState {
    state(host, &[Capability::Kv, Capability::SessionsRead, Capability::Turns, Capability::Requests])
}

async fn install_record(host: &TestHost) {
    host.services.store().put_plugin(PLUGIN, "1.0.0", MANIFEST, "[]").await.unwrap();
}

fn is_denied<T: std::fmt::Debug>(r: Result<T, HostCallError>) -> bool {
    matches!(r, Err(HostCallError::Denied(_)))
}

#[tokio::test]
async fn each_new_import_needs_its_capability_and_a_refusal_is_recorded() {
    let host = TestHost::start().await;
    let s = host.session().await;
    let mut p = state(&host, &[]);
    assert!(is_denied(p.kv_compare_and_set("k".into(), None, Some("v".into())).await));
    assert!(is_denied(p.kv_keys("".into()).await));
    assert!(is_denied(p.list_turns(s.id.clone(), None, None).await));
    assert!(is_denied(p.get_turn(s.id.clone(), "t".into()).await));
    let page = TranscriptPage { limit: 20, cursor: None, newest_first: true };
    assert!(is_denied(p.transcript_page(s.id.clone(), page, "sessions.transcript-page").await));
    assert!(is_denied(p.steer(s.id.clone(), "more".into()).await));
    let a = Assessment { risk: Risk::Low, summary: "s".into(), rationale: "r".into(), assessor: None };
    assert!(is_denied(p.assess(s.id.clone(), "r".into(), a).await));
    assert_eq!(
        p.denials,
        ["kv: kv.compare-and-set", "kv: kv.keys", "sessions-read: sessions.list-turns", "sessions-read: sessions.get-turn",
         "sessions-read: sessions.transcript-page", "turns: turns.steer", "requests: requests.assess"]
    );
    // Settings are every plugin's own: no capability.
    install_record(&host).await;
    assert_eq!(p.settings_get("threshold".into()).await.unwrap().as_deref(), Some("\"medium\""));
}

#[tokio::test]
async fn compare_and_set_lets_exactly_one_of_racing_calls_win() {
    let host = TestHost::start().await;
    let racers: Vec<_> = (0..16)
        .map(|i| {
            let mut p = all(&host);
            tokio::spawn(async move { p.kv_compare_and_set("lock".into(), None, Some(format!("owner-{i}"))).await.unwrap() })
        })
        .collect();
    let mut won = 0;
    for r in racers {
        won += usize::from(r.await.unwrap());
    }
    assert_eq!(won, 1, "of racing creates, one wins");
    let mut p = all(&host);
    let owner = p.kv_get("lock".into()).await.unwrap().expect("the winner's value is there");

    // Racing swaps from the same expected value: one wins.
    let racers: Vec<_> = (0..16)
        .map(|i| {
            let mut p = all(&host);
            let owner = owner.clone();
            tokio::spawn(async move { p.kv_compare_and_set("lock".into(), Some(owner), Some(format!("next-{i}"))).await.unwrap() })
        })
        .collect();
    let mut won = 0;
    for r in racers {
        won += usize::from(r.await.unwrap());
    }
    assert_eq!(won, 1, "of racing swaps, one wins");
    let now = p.kv_get("lock".into()).await.unwrap().unwrap();
    assert!(now.starts_with("next-"), "{now}");
    assert!(!p.kv_compare_and_set("lock".into(), Some(owner), None).await.unwrap(), "a stale expected value loses");
    assert!(!p.kv_compare_and_set("lock".into(), None, Some("x".into())).await.unwrap(), "present is not absent");
    assert!(p.kv_compare_and_set("lock".into(), Some(now), None).await.unwrap(), "the holder deletes it");
    assert_eq!(p.kv_get("lock".into()).await.unwrap(), None);
    assert!(p.kv_compare_and_set("lock".into(), None, None).await.unwrap(), "absent stays absent");
    let too_big = p.kv_compare_and_set("k".into(), None, Some("x".repeat(super::imports::MAX_KV_VALUE + 1))).await;
    assert!(matches!(too_big, Err(HostCallError::Invalid(_))));
}

#[tokio::test]
async fn keys_are_listed_by_prefix_sorted_and_only_the_plugin_s_own() {
    let host = TestHost::start().await;
    let mut p = all(&host);
    for k in ["note:b", "note:a", "note%", "notes", "other"] {
        p.kv_set(k.into(), "1".into()).await.unwrap();
    }
    host.services.store().plugin_kv_set("someone-else", "note:z", "1").await.unwrap();
    assert_eq!(p.kv_keys("note:".into()).await.unwrap(), ["note:a", "note:b"]);
    assert_eq!(p.kv_keys("note%".into()).await.unwrap(), ["note%"], "a wildcard in a prefix is a plain character");
    assert_eq!(p.kv_keys("".into()).await.unwrap(), ["note%", "note:a", "note:b", "notes", "other"]);
}

#[tokio::test]
async fn turn_records_are_read_newest_first_and_one_by_id() {
    let host = TestHost::start().await;
    let s = host.session().await;
    let mut turns = Vec::new();
    for i in 0..3 {
        let turn = host.send(&s, &format!("turn {i}")).await.turn_id;
        host.peer.turn_started(&s.thread_id, &turn).await;
        host.peer.item_completed(&s.thread_id, &turn, crate::testing::agent_message(&format!("m{i}"), &format!("answer {i}"))).await;
        host.peer.turn_completed(&s.thread_id, &turn, "completed", None).await;
        host.turn_event("turn.completed", &turn).await;
        host.processed().await;
        turns.push(turn);
    }
    let mut p = all(&host);
    let page = p.list_turns(s.id.clone(), Some(2), None).await.unwrap();
    assert_eq!(page.turns.iter().map(|t| t.id.as_str()).collect::<Vec<_>>(), [turns[2].as_str(), turns[1].as_str()]);
    let rest = p.list_turns(s.id.clone(), Some(2), page.next_cursor.clone()).await.unwrap();
    assert_eq!(rest.turns.iter().map(|t| t.id.as_str()).collect::<Vec<_>>(), [turns[0].as_str()]);
    assert!(rest.next_cursor.is_none());
    let one = p.get_turn(s.id.clone(), turns[2].clone()).await.unwrap();
    assert_eq!((one.status, one.final_text.as_deref()), (TurnState::Completed, Some("answer 2")));
    assert!(matches!(p.get_turn(s.id.clone(), "nope".into()).await, Err(HostCallError::NotFound(_))));
    assert!(matches!(p.list_turns(s.id.clone(), Some(500), None).await, Err(HostCallError::Invalid(_))));
}

#[tokio::test]
async fn the_transcript_is_paged_from_the_newest_turn_when_asked() {
    let host = TestHost::start().await;
    let s = host.session().await;
    let mut p = all(&host);
    let page = TranscriptPage { limit: 5, cursor: Some("c1".into()), newest_first: true };
    let json: serde_json::Value = serde_json::from_str(&p.transcript_page(s.id.clone(), page, "sessions.transcript-page").await.unwrap()).unwrap();
    assert_eq!(json, json!({"turns": [], "nextCursor": null}));
    let asked = host.peer.received_nth("thread/turns/list", 0).await;
    assert_eq!((asked["sortDirection"].as_str(), asked["limit"].as_u64()), (Some("desc"), Some(5)));
    assert_eq!(asked["cursor"], "c1");
    let too_big = TranscriptPage { limit: 101, cursor: None, newest_first: false };
    assert!(matches!(p.transcript_page(s.id.clone(), too_big, "sessions.transcript-page").await, Err(HostCallError::Invalid(_))));
}

#[tokio::test]
async fn steer_adds_to_the_running_turn_and_is_a_conflict_when_none_runs() {
    let host = TestHost::start().await;
    let s = host.session().await;
    let mut p = all(&host);
    assert!(matches!(p.steer(s.id.clone(), "also".into()).await, Err(HostCallError::Conflict(_))));
    let turn = host.send(&s, "go").await.turn_id;
    host.peer.turn_started(&s.thread_id, &turn).await;
    host.processed().await;
    assert_eq!(p.steer(s.id.clone(), "also this".into()).await.unwrap(), turn);
    let steered = host.peer.received_nth("turn/steer", 0).await;
    assert_eq!(steered["expectedTurnId"], turn.as_str());
}

#[tokio::test]
async fn settings_are_the_defaults_under_the_user_s_values_and_a_change_is_announced() {
    let host = TestHost::start().await;
    install_record(&host).await;
    let plugins = host.services.plugins();
    let mut p = all(&host);
    assert_eq!(serde_json::from_str::<serde_json::Value>(&p.settings_all().await.unwrap()).unwrap(), json!({"threshold": "medium", "max_turns": 3, "notify": true}));

    let changed = plugins.put_settings(PLUGIN, json!({"threshold": "high", "max_turns": 5}).as_object().unwrap().clone()).await.unwrap();
    assert_eq!(changed.user, *json!({"threshold": "high", "max_turns": 5}).as_object().unwrap());
    assert_eq!(p.settings_get("threshold".into()).await.unwrap().as_deref(), Some("\"high\""));
    assert_eq!(p.settings_get("missing".into()).await.unwrap(), None);
    let event = host.event(|e| e.kind == "plugin.settings_changed").await;
    assert_eq!(event.data()["settings"]["max_turns"], 5);

    let unknown = plugins.put_settings(PLUGIN, json!({"nope": 1}).as_object().unwrap().clone()).await.unwrap_err();
    assert_eq!((unknown.kind, unknown.code), (ErrorKind::Invalid, ErrorCode::UnknownPluginSetting));
    let wrong = plugins.put_settings(PLUGIN, json!({"notify": "yes", "threshold": "low"}).as_object().unwrap().clone()).await.unwrap_err();
    assert_eq!((wrong.kind, wrong.code), (ErrorKind::Invalid, ErrorCode::WrongSettingType));
    assert_eq!(plugins.settings(PLUGIN).await.unwrap().settings["threshold"], "high", "a refused change changes nothing");

    let reset = plugins.put_settings(PLUGIN, json!({"threshold": null}).as_object().unwrap().clone()).await.unwrap();
    assert_eq!(reset.settings["threshold"], "medium", "null goes back to the default");
    assert_eq!(reset.user, *json!({"max_turns": 5}).as_object().unwrap());
}

#[tokio::test]
async fn an_assessment_is_shown_on_the_pending_approval_and_refused_once_it_is_resolved() {
    let host = TestHost::start().await;
    let s = host.session().await;
    let turn = host.send(&s, "rm it").await.turn_id;
    host.peer.turn_started(&s.thread_id, &turn).await;
    host.peer.item_started(&s.thread_id, &turn, command("cmd-1", "rm -rf build")).await;
    let _answer = host
        .peer
        .request("item/commandExecution/requestApproval", json!({"threadId": s.thread_id, "turnId": turn, "itemId": "cmd-1", "command": "rm -rf build"}))
        .await;
    let asked = host.event(|e| e.kind == "approval.requested").await;
    let id = asked.data()["id"].as_str().unwrap().to_string();

    let mut p = all(&host);
    let judge = |risk, summary: &str| Assessment { risk, summary: summary.into(), rationale: "`rm -rf` of a build dir".into(), assessor: Some("rules".into()) };
    p.assess(s.id.clone(), id.clone(), judge(Risk::Medium, "Deletes the build")).await.unwrap();
    p.assess(s.id.clone(), id.clone(), judge(Risk::High, "Deletes the build directory")).await.unwrap();
    let shown = host.services.requests().get_request(&s.id, &id).await.unwrap().assessment.expect("assessed");
    assert_eq!((shown.risk, shown.summary.as_str()), (crate::services::Risk::High, "Deletes the build directory"), "the last one is shown");
    assert_eq!((shown.assessor.as_deref(), shown.assessed_by.as_str()), (Some("rules"), "plugin:judge"));
    let announced = host.event(|e| e.kind == "approval.assessed" && e.data()["assessment"]["risk"] == "high").await;
    assert_eq!(announced.data()["id"], id.as_str());

    let empty = p.assess(s.id.clone(), id.clone(), judge(Risk::Low, " ")).await;
    assert!(matches!(empty, Err(HostCallError::Invalid(_))), "a summary is required");

    let body = serde_json::from_value(json!({"decision": "decline"})).unwrap();
    host.services.requests().respond_to_request(&s.id, &id, body, "test").await.unwrap();
    let late = p.assess(s.id.clone(), id.clone(), judge(Risk::Low, "late")).await;
    assert!(matches!(late, Err(HostCallError::Conflict(_))), "{late:?}");
    let kept = host.services.requests().get_request(&s.id, &id).await.unwrap().assessment.unwrap();
    assert_eq!(kept.summary, "Deletes the build directory", "a resolved request keeps the assessment it was decided with");
}
