//! Test plugin `bench-trigger`: the event-triggered job of the queue benchmark (`queue-bench`).
//!
//! - on-event `session.created`: enqueues a `bench.noop` job, payload `{"seq": <event seq>}`, for the event's
//!   session, through `jobs::enqueue`;
//! - run-job `bench.noop`: succeeds with its payload, as given.
//!
//! A failed enqueue is the event call's error (the host records it against the plugin).

use codex_manager_plugin_sdk::{self as sdk, export_plugin, Event, Job, JobOutcome, JobRequest, Plugin};

/// The job kind this plugin declares and runs.
const KIND: &str = "bench.noop";

struct BenchTrigger;

impl Plugin for BenchTrigger {
    fn on_event(event: &Event) -> Result<(), String> {
        if event.kind != "session.created" {
            return Ok(());
        }
        let mut request = JobRequest::new(KIND, payload(event.seq));
        request.session_id = event.session_id.clone();
        sdk::jobs::enqueue(&request)?;
        Ok(())
    }

    fn run_job(job: &Job) -> JobOutcome {
        if job.kind == KIND {
            JobOutcome::Succeeded(job.payload.clone())
        } else {
            let mut reason = String::from("bench-trigger runs no jobs of kind `");
            reason.push_str(&job.kind);
            reason.push('`');
            JobOutcome::Failed(reason)
        }
    }
}

export_plugin!(BenchTrigger);

/// `{"seq":N}`.
fn payload(seq: i64) -> String {
    let mut out = String::from("{\"seq\":");
    out.push_str(&seq.to_string());
    out.push('}');
    out
}

#[cfg(test)]
mod tests {
    use super::payload;

    #[test]
    fn payload_is_the_seq_as_json() {
        assert_eq!(payload(42), r#"{"seq":42}"#);
        assert_eq!(payload(-1), r#"{"seq":-1}"#);
    }
}
