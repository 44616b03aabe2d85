use super::*;

#[test]
fn every_job_state_round_trips_its_wire_string() {
    for &st in JobState::ALL {
        assert_eq!(JobState::parse(st.as_str()), Some(st));
        assert_eq!(serde_json::to_value(st).unwrap(), st.as_str());
        assert_eq!(st.is_final(), !matches!(st, JobState::Queued | JobState::Running));
    }
    assert_eq!(JobState::parse("Queued"), None);
    assert!(matches!(state_of("paused"), Err(StoreError::Corrupt(_))));
}

#[tokio::test]
async fn a_job_error_reads_as_its_kind_whatever_string_an_older_host_stored() {
    let (s, dir) = store().await;
    let id = match s.enqueue_job(&job("k", None), 10).await.unwrap() {
        Enqueued::Created(j) => j.id,
        other => panic!("{other:?}"),
    };
    let stored = |kind: &'static str| {
        let s = s.clone();
        let id = id.clone();
        async move {
            sqlx::query("UPDATE jobs SET error_kind = $2, error = 'x' WHERE id = $1").bind(&id).bind(kind).execute(s.pool()).await.unwrap();
            s.get_job(&id).await.unwrap().error_kind
        }
    };
    for &kind in JobErrorKind::ALL {
        assert_eq!(stored(kind.as_str()).await, Some(kind), "the wire string is the column's text");
    }
    assert_eq!(stored("dropped").await, Some(JobErrorKind::Error), "an unknown kind still reads");
    std::fs::remove_dir_all(dir).ok();
}

async fn store() -> (Store, crate::store::testing::Scratch) {
    crate::store::testing::scratch("jobs").await
}

fn job(kind: &str, key: Option<&str>) -> JobRow {
    JobRow { dedupe_key: key.map(str::to_owned), ..JobRow::queued(kind, "p", "{}".into(), "test", now_ms()) }
}

fn retry() -> Finish<'static> {
    Finish { to_state: QUEUED, result: None, error_kind: Some(JobErrorKind::Trap), error: Some("boom"), run_after: Some(now_ms()), detail: None }
}

#[tokio::test]
async fn dedupe_and_capacity_are_enforced_by_the_insert() {
    let (s, dir) = store().await;
    let first = match s.enqueue_job(&job("k", Some("a")), 2).await.unwrap() {
        Enqueued::Created(j) => j,
        other => panic!("{other:?}"),
    };
    match s.enqueue_job(&job("k", Some("a")), 2).await.unwrap() {
        Enqueued::Duplicate(j) => assert_eq!(j.id, first.id),
        other => panic!("{other:?}"),
    }
    assert!(matches!(s.enqueue_job(&job("other-kind", Some("a")), 2).await.unwrap(), Enqueued::Created(_)), "keys are per kind");
    assert!(matches!(s.enqueue_job(&job("k", None), 2).await.unwrap(), Enqueued::Full));
    assert_eq!(s.queue_counts().await.unwrap().queued, 2, "a full queue adds nothing");
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn only_the_current_lease_can_end_an_attempt_and_a_retry_asked_to_cancel_ends_canceled() {
    let (s, dir) = store().await;
    let j = job("k", None);
    s.enqueue_job(&j, 10).await.unwrap();
    let claimed = s.claim_job(&j.id, "host-a/1", now_ms() + 60_000, "p").await.unwrap().unwrap();
    assert_eq!((claimed.state, claimed.attempt), (RUNNING, 1));
    assert!(s.claim_job(&j.id, "host-a/2", now_ms() + 60_000, "p").await.unwrap().is_none(), "one claim at a time");
    assert!(!s.finish_job(&j.id, "host-a/other", &retry()).await.unwrap(), "another lease cannot finish it");
    assert!(s.renew_lease(&j.id, "host-a/other", now_ms()).await.unwrap().is_none());

    s.request_job_cancel(&j.id).await.unwrap();
    assert!(s.finish_job(&j.id, "host-a/1", &retry()).await.unwrap());
    let ended = s.get_job(&j.id).await.unwrap();
    assert_eq!((ended.state, ended.error_kind), (CANCELED, Some(JobErrorKind::Canceled)));
    let history = s.job_history(&j.id).await.unwrap();
    let states: Vec<JobState> = history.iter().map(|h| h.to_state).collect();
    assert_eq!(states, [QUEUED, RUNNING, CANCELED]);
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn expired_leases_are_recovered_unless_the_attempt_is_alive_here() {
    let (s, dir) = store().await;
    let (a, b) = (job("k", None), job("k", None));
    for j in [&a, &b] {
        s.enqueue_job(j, 10).await.unwrap();
        s.claim_job(&j.id, &format!("dead/{}", j.id), now_ms() - 1, "p").await.unwrap().unwrap();
    }
    let recovered = s.recover_expired_leases(now_ms(), std::slice::from_ref(&b.id)).await.unwrap();
    assert_eq!(recovered.len(), 1);
    assert_eq!((recovered[0].id.as_str(), recovered[0].state), (a.id.as_str(), QUEUED));
    assert_eq!(recovered[0].error_kind, Some(JobErrorKind::LeaseExpired));
    assert_eq!(s.get_job(&b.id).await.unwrap().state, RUNNING);
    // The dead attempt can no longer report.
    assert!(!s.finish_job(&a.id, &format!("dead/{}", a.id), &retry()).await.unwrap());
    let _ = std::fs::remove_dir_all(dir);
}

fn lanes(kind_concurrency: i64) -> Vec<KindLane> {
    vec![KindLane { kind: "k".into(), concurrency: kind_concurrency, plugin_id: "p".into() }]
}

fn succeeded() -> Finish<'static> {
    Finish { to_state: JobState::Succeeded, result: Some("{}"), error_kind: None, error: None, run_after: None, detail: None }
}

/// Claimers on two stores over one database (two pools, as two hosts have), several tasks each, drain N jobs
/// in 4 projects with a project lane of 1: every job is claimed exactly once, and no claim ever lands while
/// another job of its project is running (checked against the database right after each claim commits, and
/// against the claimers' own count while each job is held).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_claimers_take_each_job_once_and_never_overfill_a_project_lane() {
    use std::collections::HashMap;
    use std::sync::atomic::{AtomicI64, Ordering};
    use std::sync::{Arc, Mutex};
    const JOBS: usize = 48;
    const PROJECTS: usize = 4;
    let (a, scratch) = store().await;
    let b = scratch.db.open(scratch.as_ref()).await;
    for i in 0..JOBS {
        let j = JobRow { project_id: Some(format!("proj-{}", i % PROJECTS)), ..job("k", None) };
        assert!(matches!(a.enqueue_job(&j, 1_000).await.unwrap(), Enqueued::Created(_)));
    }
    let held: Arc<HashMap<String, AtomicI64>> = Arc::new((0..PROJECTS).map(|p| (format!("proj-{p}"), AtomicI64::new(0))).collect());
    let claims: Arc<Mutex<Vec<String>>> = Arc::default();
    let mut tasks = Vec::new();
    for t in 0..8 {
        let store = if t % 2 == 0 { a.clone() } else { b.clone() };
        let (held, claims) = (held.clone(), claims.clone());
        tasks.push(tokio::spawn(async move {
            let mut idle = 0;
            while idle < 50 {
                let lease = format!("claimer-{t}/{}", uuid::Uuid::now_v7());
                match store.claim_next_job("host", &lanes(8), 1, &lease, now_ms() + 60_000, now_ms()).await.unwrap() {
                    JobClaim::Claimed(job) => {
                        idle = 0;
                        let project = job.project_id.clone().unwrap();
                        let running: i64 = sqlx::query("SELECT COUNT(*) FROM jobs WHERE state = 'running' AND project_id = $1")
                            .bind(&project)
                            .fetch_one(store.pool())
                            .await
                            .unwrap()
                            .try_get(0)
                            .unwrap();
                        assert_eq!(running, 1, "{project} runs {running} jobs right after a claim");
                        assert_eq!(held[&project].fetch_add(1, Ordering::SeqCst), 0, "{project} was held by another claimer");
                        claims.lock().unwrap().push(job.id.clone());
                        // Hold it a moment, so that claims of other projects overlap with it.
                        tokio::time::sleep(std::time::Duration::from_millis(2)).await;
                        held[&project].fetch_sub(1, Ordering::SeqCst);
                        assert!(store.finish_job(&job.id, &lease, &succeeded()).await.unwrap());
                    }
                    JobClaim::Contended => {}
                    JobClaim::Idle => {
                        // Idle also while every project's lane is held by other claimers: wait, then look again.
                        idle += 1;
                        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
                    }
                }
                if store.queue_counts().await.unwrap().queued == 0 && idle > 0 {
                    break;
                }
            }
        }));
    }
    for t in tasks {
        t.await.expect("a claimer panicked");
    }
    let mut claimed = claims.lock().unwrap().clone();
    assert_eq!(claimed.len(), JOBS, "every job claimed");
    claimed.sort();
    claimed.dedup();
    assert_eq!(claimed.len(), JOBS, "no job claimed twice");
    let counts = a.queue_counts().await.unwrap();
    assert_eq!((counts.queued, counts.running), (0, 0));
    for id in &claimed {
        let runs = a.job_history(id).await.unwrap().iter().filter(|h| h.to_state == RUNNING).count();
        assert_eq!(runs, 1, "job {id} has one `running` in its history");
    }
    b.close().await;
}

/// A kind's lane counts the running jobs of every host: with a lane of 2, claims stop at 2 running, whoever
/// claims, and the next claim finds room only when one finishes.
#[tokio::test]
async fn a_kind_lane_counts_every_claimers_running_jobs() {
    let (a, scratch) = store().await;
    let b = scratch.db.open(scratch.as_ref()).await;
    for _ in 0..4 {
        a.enqueue_job(&job("k", None), 10).await.unwrap();
    }
    let take = |s: &Store, lease: &str| {
        let (s, lease) = (s.clone(), lease.to_string());
        async move { s.claim_next_job("host", &lanes(2), 1, &lease, now_ms() + 60_000, now_ms()).await.unwrap() }
    };
    let JobClaim::Claimed(first) = take(&a, "a/1").await else { panic!("the first claim takes a job") };
    assert!(matches!(take(&b, "b/1").await, JobClaim::Claimed(_)));
    assert!(matches!(take(&b, "b/2").await, JobClaim::Idle), "the kind's lane of 2 is full");
    assert!(a.finish_job(&first.id, "a/1", &succeeded()).await.unwrap());
    assert!(matches!(take(&b, "b/3").await, JobClaim::Claimed(_)), "room again once one finished");
    // A kind this host does not run is never claimed.
    let other = vec![KindLane { kind: "other".into(), concurrency: 8, plugin_id: "p".into() }];
    assert!(matches!(b.claim_next_job("host", &other, 1, "b/4", now_ms() + 60_000, now_ms()).await.unwrap(), JobClaim::Idle));
    b.close().await;
}

/// A job about a session is claimed only by the host that owns the session (its thread and its working
/// directory are there); a job about no session, or about a session no longer stored, by any host.
#[tokio::test]
async fn a_session_job_is_claimed_only_by_the_sessions_owner() {
    let (s, scratch) = store().await;
    s.insert_session(&crate::store::testing::new_session("on-a", Some("host-a"))).await.unwrap();
    let mine = JobRow { session_id: Some("on-a".into()), ..job("k", None) };
    s.enqueue_job(&mine, 10).await.unwrap();
    let take = |host: &'static str, lease: &'static str| {
        let s = s.clone();
        async move { s.claim_next_job(host, &lanes(8), 8, lease, now_ms() + 60_000, now_ms()).await.unwrap() }
    };
    assert!(matches!(take("host-b", "b/1").await, JobClaim::Idle), "host B passes over host A's session job");
    let JobClaim::Claimed(claimed) = take("host-a", "a/1").await else { panic!("the owner claims its session's job") };
    assert_eq!(claimed.id, mine.id);

    let free = job("k", None);
    s.enqueue_job(&free, 10).await.unwrap();
    let orphan = JobRow { session_id: Some("gone".into()), ..job("k", None) };
    s.enqueue_job(&orphan, 10).await.unwrap();
    let mut taken: Vec<String> = Vec::new();
    for lease in ["b/2", "b/3"] {
        let JobClaim::Claimed(j) = take("host-b", lease).await else { panic!("any host claims a job of no live session") };
        taken.push(j.id);
    }
    taken.sort();
    let mut expected = vec![free.id.clone(), orphan.id.clone()];
    expected.sort();
    assert_eq!(taken, expected);
    drop(scratch);
}

/// Two recoverers (two hosts' schedulers) racing over the same expired leases recover each job exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_recoverers_recover_each_expired_lease_once() {
    const JOBS: usize = 20;
    let (a, scratch) = store().await;
    let b = scratch.db.open(scratch.as_ref()).await;
    let mut ids = Vec::new();
    for _ in 0..JOBS {
        let j = job("k", None);
        a.enqueue_job(&j, 100).await.unwrap();
        a.claim_job(&j.id, &format!("dead/{}", j.id), now_ms() - 1, "p").await.unwrap().unwrap();
        ids.push(j.id);
    }
    let now = now_ms();
    let (ra, rb) = tokio::join!(
        tokio::spawn({
            let a = a.clone();
            async move { a.recover_expired_leases(now, &[]).await.unwrap() }
        }),
        tokio::spawn({
            let b = b.clone();
            async move { b.recover_expired_leases(now, &[]).await.unwrap() }
        }),
    );
    let mut recovered: Vec<String> = ra.unwrap().into_iter().chain(rb.unwrap()).map(|j| j.id).collect();
    assert_eq!(recovered.len(), JOBS, "each expired lease recovered by one of the two");
    recovered.sort();
    recovered.dedup();
    assert_eq!(recovered.len(), JOBS);
    for id in &ids {
        let job = a.get_job(id).await.unwrap();
        assert_eq!((job.state, job.error_kind), (QUEUED, Some(JobErrorKind::LeaseExpired)));
        let back = a.job_history(id).await.unwrap().iter().filter(|h| h.from_state == Some(RUNNING)).count();
        assert_eq!(back, 1, "job {id} left `running` once");
    }
    b.close().await;
}

/// Enqueues racing on two stores over one database (as two hosts) never overfill the queue: exactly `capacity`
/// jobs are created, every other enqueue answers Full.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_enqueues_on_two_hosts_stop_exactly_at_capacity() {
    const CAPACITY: i64 = 20;
    let (a, scratch) = store().await;
    let b = scratch.db.open(scratch.as_ref()).await;
    let mut tasks = Vec::new();
    for t in 0..8 {
        let store = if t % 2 == 0 { a.clone() } else { b.clone() };
        tasks.push(tokio::spawn(async move {
            let mut created = 0;
            for _ in 0..5 {
                match store.enqueue_job(&job("k", None), CAPACITY).await.unwrap() {
                    Enqueued::Created(_) => created += 1,
                    Enqueued::Full => {}
                    other => panic!("{other:?}"),
                }
            }
            created
        }));
    }
    let mut created = 0;
    for t in tasks {
        created += t.await.expect("an enqueuer panicked");
    }
    assert_eq!(created, CAPACITY, "exactly the capacity was created");
    assert_eq!(a.queue_counts().await.unwrap().queued, CAPACITY);
    b.close().await;
}
