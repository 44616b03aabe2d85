//! The store level, in process: enqueues one after the other, then the scheduler's path per job.

use super::*;

fn job_row(i: usize) -> JobRow {
    let now = now_ms();
    JobRow { id: format!("bench-{i:08}"), ..JobRow::queued("bench.noop", "bench-trigger", format!("{{\"seq\":{i}}}"), "bench", now) }
}

pub(super) async fn store_bench(store: Store, engine: &str, n: usize, rows: &mut Vec<Row>) -> anyhow::Result<()> {
    // The host's default capacity: the enqueue counts the live jobs against it in the same statement.
    let capacity = 10_000;

    let mut enqueue = Vec::with_capacity(n);
    let started = Instant::now();
    for i in 0..n {
        let row = job_row(i);
        let t = Instant::now();
        let done = store.enqueue_job(&row, capacity).await?;
        enqueue.push(nanos(t.elapsed()));
        ensure!(matches!(done, Enqueued::Created(_)), "enqueue {i}: {done:?}");
    }
    let enqueue_wall = started.elapsed();
    let tenth = (n / 10).max(1);
    let first = Summary::of(&mut enqueue[..tenth].to_vec());
    let last = Summary::of(&mut enqueue[n - tenth..].to_vec());
    rows.push(Row {
        measure: format!("store ({engine}): `enqueue_job`, one after the other, into an empty queue growing to {n}"),
        latency: Some(Summary::of(&mut enqueue)),
        rate: Some(per_second(n, enqueue_wall)),
        note: format!(
            "p50 of the first tenth {} vs the last tenth {} (the capacity check counts the live jobs)",
            fmt_ms(first.p50),
            fmt_ms(last.p50)
        ),
    });

    // The scheduler's path, one job at a time, the queue draining from n to 0: the claim (pick + lanes + take, one
    // transaction), then the finish.
    let lanes = vec![KindLane { kind: "bench.noop".into(), concurrency: 8, plugin_id: "bench-trigger".into() }];
    let owner = "host-bench/lease";
    let (mut claim_finish, mut claim, mut finish) = (Vec::new(), Vec::new(), Vec::new());
    let started = Instant::now();
    for _ in 0..n {
        let t = Instant::now();
        let claimed = match store.claim_next_job("bench-host", &lanes, 2, owner, now_ms() + 30_000, now_ms()).await? {
            JobClaim::Claimed(job) => job,
            other => bail!("no job claimed: {other:?}"),
        };
        let c = t.elapsed();
        let outcome = claimed.payload.clone();
        let f = Finish { to_state: codex_manager_host::store::JobState::Succeeded, result: Some(&outcome), error_kind: None, error: None, run_after: None, detail: None };
        ensure!(store.finish_job(&claimed.id, owner, &f).await?, "finish lost");
        let both = t.elapsed();
        claim.push(nanos(c));
        finish.push(nanos(both - c));
        claim_finish.push(nanos(both));
    }
    let path_wall = started.elapsed();
    ensure!(store.queue_counts().await?.queued == 0, "jobs left queued");
    let c = Summary::of(&mut claim);
    let f = Summary::of(&mut finish);
    rows.push(Row {
        measure: format!("store ({engine}): `claim_next_job` + `finish_job` (succeeded), one job at a time, queue {n} → 0"),
        latency: Some(Summary::of(&mut claim_finish)),
        rate: Some(per_second(n, path_wall)),
        note: format!("claim p50 {} / finish p50 {}: two commits; jobs/s, no plugin, no events", fmt_ms(c.p50), fmt_ms(f.p50)),
    });
    store.close().await;
    Ok(())
}
