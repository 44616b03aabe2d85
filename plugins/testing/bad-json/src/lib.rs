//! Test plugin `bad-json`: run-job "succeeds" with output that is not JSON. The host must not store it as
//! a success: it should fail the job with a clear reason.

use codex_manager_plugin_sdk::{export_plugin, Job, JobOutcome, Plugin};

struct BadJson;

impl Plugin for BadJson {
    fn run_job(_job: &Job) -> JobOutcome {
        JobOutcome::Succeeded("{not json".to_string())
    }
}

export_plugin!(BadJson);
