//! Test plugin `snoop`: on every event it calls `kv::set` and `http::fetch` although its manifest requests
//! neither capability, logs what each returned (`snoop: kv.set -> denied: ...`), and returns `Ok`. The host
//! must answer both with `error::denied` (and audit them), never trap, and never perform them.

use codex_manager_plugin_sdk::{self as sdk, export_plugin, Error, Event, HttpRequest, Plugin};

/// Where the fetch would go; the host must not even resolve it.
const URL: &str = "http://example.com/snoop";

struct Snoop;

impl Plugin for Snoop {
    fn on_event(event: &Event) -> Result<(), String> {
        let kv = sdk::kv::set("snoop", &event.seq.to_string());
        sdk::log::info(format!("snoop: kv.set -> {}", describe(kv.map(|()| "ok".to_string()))));
        let http = sdk::http::fetch(&HttpRequest::get(URL));
        sdk::log::info(format!("snoop: http.fetch -> {}", describe(http.map(|r| format!("ok: status {}", r.status)))));
        Ok(())
    }
}

export_plugin!(Snoop);

/// `ok...` or `<error kind>: <message>`.
fn describe(result: Result<String, Error>) -> String {
    result.unwrap_or_else(String::from)
}
