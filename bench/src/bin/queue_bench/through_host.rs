//! Through a real host: one job at a time, bursts, and jobs that events enqueue.

use super::api::Api;
use super::watch::{watch_stream, JobSeen};
use super::*;

/// Phases of a series of jobs run one at a time.
#[derive(Default)]
struct Phases {
    total: Vec<i64>,
    to_queued: Vec<i64>,
    queued_to_started: Vec<i64>,
    started_to_ended: Vec<i64>,
}

impl Phases {
    fn add(&mut self, from: Instant, job: &JobSeen) -> anyhow::Result<()> {
        let (Some(q), Some(s), Some(e)) = (job.queued, job.started, job.ended) else {
            bail!("a job without its queued/started/ended frames: {job:?}")
        };
        ensure!(job.state.as_deref() == Some("succeeded"), "a job ended {:?}: {job:?}", job.state);
        self.total.push(nanos(e - from));
        self.to_queued.push(nanos(q.saturating_duration_since(from)));
        self.queued_to_started.push(nanos(s.saturating_duration_since(q)));
        self.started_to_ended.push(nanos(e.saturating_duration_since(s)));
        Ok(())
    }

    fn note(&mut self, first: &str) -> String {
        let a = Summary::of(&mut self.to_queued);
        let b = Summary::of(&mut self.queued_to_started);
        let c = Summary::of(&mut self.started_to_ended);
        format!(
            "p50/p99: {first} → `job.queued` {}/{}; → `job.started` {}/{}; → `job.succeeded` {}/{}",
            fmt_ms(a.p50),
            fmt_ms(a.p99),
            fmt_ms(b.p50),
            fmt_ms(b.p99),
            fmt_ms(c.p50),
            fmt_ms(c.p99)
        )
    }
}

pub(super) async fn host_bench(args: &Args, counts: Counts, rows: &mut Vec<Row>) -> anyhow::Result<()> {
    let http = reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(60))
        .pool_idle_timeout(Duration::from_secs(300))
        .build()?;
    let host = HostProcess::spawn(&args.bins).await?;
    host.wait_ready(&http).await?;
    let api = Api::of(&http, &host);

    api.install(
        &args.dist.join("well-behaved"),
        &["log", "kv", "sessions-read", "jobs", "workers", "notes"],
        Some("[]"),
    )
    .await?;
    api.install(&args.dist.join("bench-trigger"), &["log", "jobs"], None).await?;
    let kinds = api.get("/api/jobs/kinds").await?;
    eprintln!("queue-bench: job kinds {}", kinds["kinds"]);

    // One websocket sees everything: job events and session.created, from now on.
    let (watch, reader) = watch_stream(host.addr, &host.token, "job.,session.created").await?;

    // a. API enqueue → job.succeeded, one at a time.
    let mut phases = Phases::default();
    let mut post_rtt = Vec::new();
    for i in 0..WARM_UP + counts.latency {
        let t = Instant::now();
        let id = api.enqueue("test.echo", json!({"i": i})).await?;
        let rtt = t.elapsed();
        let job = watch.until(JOB_TIMEOUT, "test.echo job.succeeded", |s| s.jobs.get(&id).filter(|j| j.ended.is_some()).cloned()).await?;
        if i >= WARM_UP {
            post_rtt.push(nanos(rtt));
            phases.add(t, &job)?;
        }
    }
    let note = phases.note("POST sent");
    rows.push(Row {
        measure: "host: `POST /api/jobs` (`test.echo`) sent → `job.succeeded` frame, one job at a time".into(),
        latency: Some(Summary::of(&mut phases.total)),
        rate: None,
        note,
    });
    rows.push(Row {
        measure: "host: `POST /api/jobs` round trip (201 received)".into(),
        latency: Some(Summary::of(&mut post_rtt)),
        rate: None,
        note: String::new(),
    });

    // b. Drain of a burst.
    for (kind, lane) in [("test.echo", "kind lane 1"), ("bench.noop", "kind lane 8, global 4")] {
        let before = watch.seen.lock().expect("seen poisoned").ended.get(kind).map_or(0, |e| e.0);
        let cpu_before = host::cpu_time(host.pid)?;
        let threads_before = thread_cpu(host.pid);
        let started = Instant::now();
        futures_util::stream::iter(0..counts.burst)
            .map(|i| {
                let api = api.clone();
                async move { api.enqueue(kind, json!({"burst": i})).await }
            })
            .buffer_unordered(BURST_IN_FLIGHT)
            .try_collect::<Vec<_>>()
            .await?;
        let enqueued = started.elapsed();
        let target = before + counts.burst;
        let last = watch.drained(kind, target).await?;
        let drain = last - started;
        let cpu = host::cpu_time(host.pid)?.saturating_sub(cpu_before);
        let by_thread = thread_cpu_delta(&threads_before, &thread_cpu(host.pid), counts.burst);
        rows.push(Row {
            measure: format!("host: drain of {} `{kind}` jobs ({lane}), first POST → last `job.succeeded`", counts.burst),
            latency: None,
            rate: Some(per_second(counts.burst, drain)),
            note: format!(
                "{:.2} s; enqueue phase {:.0} jobs/s (8 in flight); host CPU {:.0} µs/job ({} ms ticks), by thread: {by_thread}",
                drain.as_secs_f64(),
                per_second(counts.burst, enqueued),
                cpu.as_secs_f64() * 1e6 / counts.burst as f64,
                host::clock_tick().as_millis()
            ),
        });
    }

    // b'. A job of a free lane behind a backlog of a busy one: `backlog` test.echo (kind lane 1), then one
    // bench.noop (its lane empty). How long does it wait, and how many echo jobs end before it?
    let backlog = counts.burst / 4;
    let echo_start = watch.seen.lock().expect("seen poisoned").ended.get("test.echo").map_or(0, |e| e.0);
    futures_util::stream::iter(0..backlog)
        .map(|i| {
            let api = api.clone();
            async move { api.enqueue("test.echo", json!({"backlog": i})).await }
        })
        .buffer_unordered(BURST_IN_FLIGHT)
        .try_collect::<Vec<_>>()
        .await?;
    let echo_before = watch.seen.lock().expect("seen poisoned").ended.get("test.echo").map_or(0, |e| e.0);
    let t = Instant::now();
    let id = api.enqueue("bench.noop", json!({"behind": backlog})).await?;
    let (ended, echo_ended) = watch
        .until(BURST_TIMEOUT, "the job behind the backlog", |s| {
            let ended = s.jobs.get(&id)?.ended?;
            Some((ended, s.ended.get("test.echo").map_or(0, |e| e.0) - echo_before))
        })
        .await?;
    let waited = ended - t;
    watch
        .until(BURST_TIMEOUT, "backlog drained", |s| (s.ended.get("test.echo")?.0 >= echo_start + backlog).then_some(()))
        .await?;
    rows.push(Row {
        measure: format!("host: one `bench.noop` enqueued behind {backlog} queued `test.echo` (kind lane 1): POST → `job.succeeded`"),
        latency: Some(Summary::of(&mut [nanos(waited)])),
        rate: None,
        note: format!("{echo_ended} echo jobs ended between its POST and its `job.succeeded` (its own lane was empty throughout)"),
    });

    // c. Event-triggered: POST /api/sessions → session.created → bench-trigger enqueues → job.succeeded.
    let cwd = host.work_dir().to_path_buf();
    let mut from_post = Vec::new();
    let mut phases = Phases::default();
    for i in 0..WARM_UP + counts.sessions {
        let t = Instant::now();
        let (status, body) = api.post("/api/sessions", &json!({"cwd": cwd.display().to_string()})).await?;
        ensure!(status.is_success(), "POST /api/sessions answered {status}: {body}");
        let sid = body["id"].as_str().context("no session id")?.to_string();
        let (created, seq, job) = watch
            .until(JOB_TIMEOUT, "bench.noop job.succeeded of a session", |s| {
                let (created, seq) = *s.sessions.get(&sid)?;
                let job = s.jobs.get(s.job_of_session.get(&sid)?)?;
                job.ended.is_some().then(|| (created, seq, job.clone()))
            })
            .await?;
        ensure!(job.kind == "bench.noop", "the session's job is a {}", job.kind);
        ensure!(job.payload["seq"].as_i64() == Some(seq), "payload {} vs session.created seq {seq}", job.payload);
        if i >= WARM_UP {
            from_post.push(nanos(job.ended.unwrap_or(t) - t));
            phases.add(created, &job)?;
        }
    }
    let note = phases.note("`session.created`");
    rows.push(Row {
        measure: "host: event-triggered: `session.created` frame → its `bench.noop` `job.succeeded` frame".into(),
        latency: Some(Summary::of(&mut phases.total)),
        rate: None,
        note,
    });
    rows.push(Row {
        measure: "host: event-triggered: `POST /api/sessions` sent → `job.succeeded` frame".into(),
        latency: Some(Summary::of(&mut from_post)),
        rate: None,
        note: "includes `thread/start` on the fake app-server".into(),
    });

    let (frames, resets) = {
        let s = watch.seen.lock().expect("seen poisoned");
        (s.frames, s.resets)
    };
    ensure!(resets == 0, "the stream sent {resets} reset frames: some frames were not seen");
    eprintln!("queue-bench: {frames} frames, rss {} KiB", host::rss_kib(host.pid).unwrap_or(0));
    reader.abort();
    host.stop().await?;
    Ok(())
}

/// CPU time (user + system, clock ticks) of each thread of `pid`, summed by thread name.
fn thread_cpu(pid: u32) -> HashMap<String, u64> {
    let mut out = HashMap::new();
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else { return out };
    for task in tasks.flatten() {
        let Ok(stat) = std::fs::read_to_string(task.path().join("stat")) else { continue };
        let (Some(open), Some(close)) = (stat.find('('), stat.rfind(')')) else { continue };
        // Numbered threads (`tokio-runtime-w`, `sqlx-sqlite-worker-3`) pooled under one name.
        let name = stat[open + 1..close].trim_end_matches(|c: char| c.is_ascii_digit() || c == '-').to_string();
        let fields: Vec<&str> = stat[close + 1..].split_whitespace().collect();
        let ticks = fields.get(11).and_then(|u| u.parse::<u64>().ok()).unwrap_or(0)
            + fields.get(12).and_then(|s| s.parse::<u64>().ok()).unwrap_or(0);
        *out.entry(name).or_default() += ticks;
    }
    out
}

/// `name µs/job` for each thread name that used CPU between two readings, most first. Threads that exited in
/// between are not counted.
fn thread_cpu_delta(before: &HashMap<String, u64>, after: &HashMap<String, u64>, jobs: usize) -> String {
    let tick_us = host::clock_tick().as_secs_f64() * 1e6;
    let mut used: Vec<(String, u64)> = after
        .iter()
        .map(|(name, t)| (name.clone(), t.saturating_sub(before.get(name).copied().unwrap_or(0))))
        .filter(|(_, t)| *t > 0)
        .collect();
    used.sort_by_key(|u| std::cmp::Reverse(u.1));
    used.iter().map(|(name, t)| format!("`{name}` {:.0}", *t as f64 * tick_us / jobs as f64)).collect::<Vec<_>>().join(", ")
}
