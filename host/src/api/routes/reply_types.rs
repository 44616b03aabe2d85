//! The reply types declared with their routes read back what they write (the CLI decodes replies through them).

use serde_json::json;

use super::events::EventPage;
use super::health::Health;
use super::login::LoginLink;
use super::projects::SessionIds;
use crate::testing::round_trips;

#[test]
fn route_replies_round_trip() {
    round_trips::<Health>(json!({"status": "ok", "version": "0.1.0"}));
    round_trips::<LoginLink>(json!({"url": "http://127.0.0.1:1/login?code=x"}));
    round_trips::<SessionIds>(json!({"sessionIds": ["s1", "s2"]}));
    round_trips::<EventPage>(json!({
        "events": [{
            "seq": 7, "ts": "2026-12-05T07:00:00.000Z", "type": "turn.started", "sessionId": "s1", "turnId": "u1",
            "projectId": null, "data": {"turn": {"id": "u1"}},
        }],
        "nextSince": 7, "latestSeq": 9, "reset": false,
    }));
}
