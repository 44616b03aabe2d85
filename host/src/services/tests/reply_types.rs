//! The API's reply types read back what they write (the CLI decodes replies through them): one fixture per type,
//! shaped as the host sends it.

use serde_json::json;

use crate::appserver::version::CodexVersion;
use crate::plugins::{Inspection, JobKind, PluginCall, PluginInfo};
use crate::services::*;
use crate::testing::round_trips;

const TS: &str = "2026-12-05T07:00:00.000Z";

fn session() -> serde_json::Value {
    json!({
        "id": "s1", "threadId": "t1", "projectId": "p1", "title": "A chat", "cwd": "/w", "archived": false,
        "forkedFrom": null, "status": "waiting_on_approval", "activeTurnId": "u1", "lastTurnStatus": "inProgress",
        "lastError": null, "controls": {"model": "m", "approvalPolicy": "on-request", "sandbox": "workspace-write"},
        "loaded": true, "pendingRequests": 1, "dynamicTools": ["lookup"], "workerOf": null, "followups": followup_queue(),
        "owner": {"id": "h1", "name": "build-box", "online": false},
        "createdAt": TS, "updatedAt": TS, "lastActivityAt": TS,
    })
}

fn followup_queue() -> serde_json::Value {
    json!({"count": 2, "paused": true, "reason": "approval", "pausedAt": TS, "turnId": "u1", "requestId": "r1", "message": null})
}

fn followup() -> serde_json::Value {
    json!({
        "id": "f1", "sessionId": "s1", "position": 3, "text": "then this", "mode": "plan", "status": "started", "turnId": "u2",
        "error": null, "createdAt": TS, "updatedAt": TS,
    })
}

fn turn_record() -> serde_json::Value {
    json!({
        "id": "u1", "sessionId": "s1", "status": "interrupted", "startSeq": 3, "endSeq": 9, "startedAt": TS,
        "endedAt": TS, "finalText": "partial", "error": "interrupted by the user",
    })
}

fn job() -> serde_json::Value {
    json!({
        "id": "j1", "kind": "review", "pluginId": "reviewer", "state": "failed", "payload": {"a": 1},
        "sessionId": "s1", "projectId": null, "priority": 100, "dedupeKey": null, "attempt": 2, "maxAttempts": 2,
        "timeoutMs": 60000, "runAfter": TS, "result": null, "error": {"kind": "timeout", "message": "too slow"},
        "cancelRequested": false, "createdBy": "cli", "createdAt": TS, "updatedAt": TS, "startedAt": TS,
        "finishedAt": TS,
        "history": [
            {"at": TS, "fromState": null, "toState": "queued", "attempt": 0, "detail": null},
            {"at": TS, "fromState": "running", "toState": "failed", "attempt": 2, "detail": "timeout"},
        ],
    })
}

fn request() -> serde_json::Value {
    json!({
        "id": "r1", "sessionId": "s1", "projectId": null, "threadId": "t1", "turnId": "u1", "itemId": "i1",
        "kind": "command_approval", "family": "approval", "method": "item/commandExecution/requestApproval",
        "status": "resolved", "params": {"command": "ls"}, "item": {"type": "commandExecution"},
        "decision": {"decision": "accept"}, "decidedBy": "cli", "reason": null, "createdAt": TS, "resolvedAt": TS,
        "assessment": {"risk": "high", "summary": "Deletes the build", "rationale": "`rm -rf`", "assessor": "rules",
                       "assessedBy": "plugin:approval-supervisor", "at": TS},
    })
}

fn limits() -> serde_json::Value {
    json!({"memoryBytes": 1048576, "callTimeoutMs": 1000, "concurrency": 2, "eventsPerInstance": 8})
}

#[test]
fn sessions_and_projects() {
    round_trips::<Session>(session());
    round_trips::<SessionPage>(json!({"sessions": [session()], "nextCursor": "c", "notice": null}));
    round_trips::<SessionDetail>(json!({
        "session": session(),
        "transcript": {"turns": [{"id": "u1", "items": [{"type": "agentMessage", "text": "hi"}]}], "nextCursor": null},
        "activeTurn": turn_record(),
    }));
    round_trips::<SessionDetail>(json!({"session": session(), "transcript": null, "activeTurn": null}));
    round_trips::<Project>(json!({"id": "p1", "name": "P", "cwd": "/w", "sessionCount": 2, "createdAt": TS, "updatedAt": TS}));
    round_trips::<ControlsView>(json!({"own": {}, "defaults": {"networkAccess": true}, "effective": {"model": "m", "reasoningEffort": "high"}}));
    round_trips::<Setting>(json!({"key": "k", "value": [1, "two"], "updatedAt": TS}));
    round_trips::<NotePage>(json!({"notes": [{
        "id": "n1", "sessionId": "s1", "pluginId": "reviewer", "kind": "turn-review", "title": "T", "body": "**b**",
        "data": {"score": 3}, "turnId": "u1", "createdAt": TS,
    }]}));
}

#[test]
fn turns_and_requests() {
    round_trips::<TurnRecord>(turn_record());
    round_trips::<TurnRecordPage>(json!({"turns": [turn_record()], "nextCursor": null}));
    round_trips::<InterruptResult>(json!({"turnId": "u1", "status": "interrupting"}));
    round_trips::<PendingRequest>(request());
    round_trips::<Vec<PendingRequest>>(json!([request()]));
}

#[test]
fn followups() {
    round_trips::<Followup>(followup());
    round_trips::<FollowupQueue>(followup_queue());
    round_trips::<FollowupList>(json!({"queue": followup_queue(), "followups": [followup()]}));
    round_trips::<FollowupQueued>(json!({"sessionId": "s1", "followup": followup(), "replayed": false}));
    round_trips::<SendOutcome>(json!({"sessionId": "s1", "followup": followup(), "replayed": true}));
    round_trips::<SendOutcome>(json!({"sessionId": "s1", "turnId": "u1", "status": "inProgress", "replayed": false}));
    let queued: SendOutcome = serde_json::from_value(json!({"sessionId": "s1", "followup": followup(), "replayed": false})).unwrap();
    assert!(matches!(queued, SendOutcome::Queued(_)), "a queued answer reads as queued");
    let started: SendOutcome = serde_json::from_value(json!({"sessionId": "s1", "turnId": "u1", "status": "inProgress"})).unwrap();
    assert!(matches!(started, SendOutcome::Started(_)), "a started answer reads as started");
}

#[test]
fn jobs_and_plugins() {
    round_trips::<Job>(job());
    let mut listed = job();
    listed.as_object_mut().unwrap().remove("history");
    round_trips::<JobPage>(json!({"jobs": [listed], "nextCursor": "c"}));
    round_trips::<JobKinds>(json!({"kinds": [{
        "kind": "review", "pluginId": "reviewer", "description": "d", "concurrency": 1, "timeoutMs": 60000, "maxAttempts": 3,
    }]}));
    round_trips::<JobKind>(json!({"kind": "k", "pluginId": "p", "description": "", "concurrency": 1, "timeoutMs": 1, "maxAttempts": 1}));
    round_trips::<QueueStats>(json!({"queued": 1, "running": 2, "oldestQueuedAgeMs": 30, "capacity": 4}));
    round_trips::<PluginInfo>(json!({
        "id": "reviewer", "version": "1.0.0", "wit": "^0.3", "witVersion": "0.3.0", "hostWits": ["0.2.0", "0.3.0"], "description": "d", "priority": 100,
        "enabled": false, "disabledReason": "breaker", "consecutiveFailures": 5, "events": ["turn.completed"],
        "jobs": ["review"], "tools": [{"name": "t", "description": "d", "inputSchema": {"type": "object"}}],
        "requested": ["log", "sessions-read"], "granted": ["log"], "httpAllow": ["example.com"], "limits": limits(),
        "installedAt": TS, "updatedAt": TS, "hosts": [{"hostId": "build-1", "version": "1.0.0", "installedAt": TS}],
    }));
    round_trips::<Inspection>(json!({
        "id": "reviewer", "version": "1.0.0", "description": "d", "wit": "^0.2", "witVersion": "0.2.0", "requested": ["kv"], "httpAllow": [], "events": [],
        "jobs": [], "tools": ["t"], "limits": limits(), "replaces": "0.9.0",
    }));
    round_trips::<PluginSettings>(json!({
        "id": "reviewer", "settings": {"threshold": "high", "notes": true}, "defaults": {"threshold": "medium", "notes": true},
        "user": {"threshold": "high"},
    }));
    round_trips::<Vec<PluginCall>>(json!([{
        "id": "c1", "trigger": "turn.completed", "startedAt": TS, "durationUs": 120, "outcome": "ok", "error": null, "denials": [],
        "stderr": null,
    }, {
        "id": "c2", "trigger": "event:turn.completed#9", "startedAt": TS, "durationUs": 80, "outcome": "trap",
        "error": "wasm trap: wasm `unreachable` instruction executed", "denials": [], "stderr": "Traceback (most recent call last):\n",
    }]));
}

#[test]
fn readiness_and_capabilities() {
    let codex = json!({"expected": "0.169.0", "running": "0.169.1", "matches": true, "support": "compatible", "sameSchemaAs": "0.169.0",
                       "supported": ["0.169.0", "0.172.0"], "advice": null});
    round_trips::<CodexVersion>(codex.clone());
    round_trips::<Readiness>(json!({
        "ready": false, "reason": "app-server is starting", "runtime": {"status": "starting", "generation": 1},
        "storeOk": true, "eventsOk": true, "lastSeq": 42, "codex": codex,
        "account": {"notice": "log in"}, "queue": {"queued": 0, "running": 0, "oldestQueuedAgeMs": 0, "capacity": 4},
        "limits": {"usageLimit": {"kind": "usage_limit", "reason": "Codex's usage limit is reached", "resetsAt": "2026-12-05T12:00:00.000Z"},
                   "budgets": [], "rateLimits": null},
        "host": {"id": "h1", "name": "build-box", "version": "0.1.0", "startedAt": TS, "dataDir": "/data", "store": "sqlite"},
        "protocol": {"checked": true, "violations": [{
            "fact": "`turn/steer` params, expectedTurnId", "problem": "`expectedTurnId` is not there", "method": "turn/steer", "effect": "refused",
        }]},
    }));
    round_trips::<HostList>(json!({"thisHost": "h1", "hosts": [
        {"id": "h1", "name": "build-box", "url": "http://10.0.0.5:8417", "version": "0.1.0", "state": "online",
         "thisHost": true, "startedAt": TS, "lastSeenAt": TS},
        {"id": "h2", "name": "laptop", "url": "http://10.0.0.6:8417", "version": "0.1.0", "state": "stopped",
         "thisHost": false, "startedAt": TS, "lastSeenAt": TS},
    ]}));
    round_trips::<CapabilityReport>(json!({
        "codex": {"expected": "0.169.0", "running": null, "matches": false, "support": "unknown", "sameSchemaAs": null,
                  "supported": ["0.169.0", "0.172.0"], "advice": null}, "known": true,
        "groups": {"exec": false, "review": true}, "methods": ["review/start"],
    }));
}
