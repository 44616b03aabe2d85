//! The job queue on an idle host: with no job queued or running the scheduler does not look at the store until
//! something gives it work, and work given to it then still starts at once.

use std::sync::Arc;
use std::time::Duration;

use crate::plugins::{JobCall, JobKind, JobOutcome};
use crate::services::queue::{HostJob, HostJobRunner, HOST_PLUGIN_ID};
use crate::store::JobState;
use crate::testing::TestHost;

const KIND: &str = "test.idle-echo";

/// Answers every attempt with its payload.
struct Echo;

#[async_trait::async_trait]
impl HostJobRunner for Echo {
    async fn run(&self, job: &JobCall) -> Result<JobOutcome, String> {
        Ok(JobOutcome::Succeeded(job.payload.clone()))
    }
}

fn job(id: &str) -> HostJob<'_> {
    HostJob { id: id.into(), kind: KIND, payload: serde_json::json!({"id": id}), session_id: None, project_id: None, dedupe_key: None, created_by: "test" }
}

/// The scheduler's looks once none came for a second and a half (after those of the start, of a job just run); a
/// scheduler that keeps looking fails here.
async fn settled(host: &TestHost) -> u64 {
    let queue = host.services.queue();
    let mut looks = queue.scheduler_looks();
    for _ in 0..10 {
        tokio::time::sleep(Duration::from_millis(1500)).await;
        let now = queue.scheduler_looks();
        if now == looks {
            return looks;
        }
        looks = now;
    }
    panic!("the scheduler kept looking at an empty queue: {looks} looks");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_empty_queue_is_not_polled_and_a_job_enqueued_then_runs_at_once() {
    let host = TestHost::start().await;
    let runner: Arc<dyn HostJobRunner> = Arc::new(Echo);
    let kind = JobKind { kind: KIND.into(), plugin_id: HOST_PLUGIN_ID.into(), description: "echo".into(), concurrency: 2, timeout_ms: 10_000, max_attempts: 1 };
    let queue = host.services.queue();
    queue.register_host_kind(kind, Arc::downgrade(&runner));

    let looks = settled(&host).await;
    assert!(looks >= 1, "the scheduler looked at the queue at start");
    // Idle for three seconds: the one-second poll looked three times here; an empty queue is not looked at.
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(queue.scheduler_looks(), looks, "no look at an empty queue while nothing happens");

    // A job enqueued now is claimed on the enqueue's wake-up, not at the next look (30 s away): it is done well
    // within the 20 s this waits.
    let (queued, _) = queue.enqueue_host_job(job("idle-1")).await.expect("enqueued");
    let done = queue.get_job(&queued.id, Duration::from_secs(20)).await.expect("the job");
    assert_eq!(done.state, JobState::Succeeded, "{done:?}");

    // The queue is empty again: quiet again.
    let looks = settled(&host).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(queue.scheduler_looks(), looks, "quiet again once the queue is empty");
    drop(runner);
}
