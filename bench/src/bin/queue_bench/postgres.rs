//! On PostgreSQL: a schema per part, one host or two sharing it.

use super::api::Api;
use super::watch::watch_stream;
use super::*;

/// A schema of the run's own on the server, dropped at the end of its part.
pub(super) struct PgSchema {
    server: String,
    name: String,
}

impl PgSchema {
    pub(super) async fn create(server: &str) -> anyhow::Result<Self> {
        use sqlx::Connection;
        sqlx::any::install_default_drivers();
        let name = format!("queue_bench_{}_{}", std::process::id(), now_ms());
        let mut conn = sqlx::AnyConnection::connect(server).await.context("connecting to --database-url")?;
        sqlx::raw_sql(&format!("CREATE SCHEMA {name}")).execute(&mut conn).await.context("creating the run's schema")?;
        Ok(Self { server: server.to_string(), name })
    }

    /// The server's URL with this schema first on the search path (and the connections named after it).
    pub(super) fn url(&self) -> String {
        let sep = if self.server.contains('?') { '&' } else { '?' };
        format!("{}{sep}options[search_path]={name}&application_name={name}", self.server, name = self.name)
    }

    pub(super) async fn drop_now(self) -> anyhow::Result<()> {
        use sqlx::Connection;
        let mut conn = sqlx::AnyConnection::connect(&self.server).await?;
        sqlx::raw_sql(&format!("DROP SCHEMA {} CASCADE", self.name)).execute(&mut conn).await?;
        Ok(())
    }
}

/// How many jobs of `kind` each host claimed, from the history rows' lease tokens (`host-<start id>/<claim id>`).
async fn claims_per_host(schema: &PgSchema, kind: &str) -> anyhow::Result<Vec<usize>> {
    use sqlx::{Connection, Row as _};
    let mut conn = sqlx::AnyConnection::connect(&schema.url()).await?;
    let rows = sqlx::query(
        "SELECT h.detail FROM job_history h JOIN jobs j ON j.id = h.job_id WHERE h.to_state = 'running' AND j.kind = $1",
    )
    .bind(kind)
    .fetch_all(&mut conn)
    .await?;
    let mut per: HashMap<String, usize> = HashMap::new();
    for r in &rows {
        let detail: Option<String> = r.try_get(0)?;
        let owner = detail.as_deref().and_then(|d| d.split("lease ").nth(1)).and_then(|l| l.split('/').next()).unwrap_or("?");
        *per.entry(owner.to_string()).or_default() += 1;
    }
    let mut counts: Vec<usize> = per.into_values().collect();
    counts.sort_unstable_by(|a, b| b.cmp(a));
    Ok(counts)
}

/// Drains of a burst of `bench.noop` (kind lane 8: each host's 4 worker slots are the limit) and of `test.echo`
/// (kind lane 1, shared: more hosts cannot add to it) through `hosts` hosts on one schema, every job enqueued through
/// the first host and watched on its stream (which carries every host's events).
pub(super) async fn hosts_bench(args: &Args, server: &str, hosts: usize, burst: usize, rows: &mut Vec<Row>) -> anyhow::Result<()> {
    let http = reqwest::Client::builder().no_proxy().timeout(Duration::from_secs(60)).build()?;
    let schema = PgSchema::create(server).await?;
    let opts = host::HostOptions { env: vec![("CODEX_MANAGER_DATABASE_URL".into(), schema.url())], ..Default::default() };
    let mut procs = Vec::new();
    for _ in 0..hosts {
        let p = HostProcess::spawn_opts(&args.bins, &opts).await?;
        p.wait_ready(&http).await?;
        procs.push(p);
    }
    for (i, p) in procs.iter().enumerate() {
        let api = Api::of(&http, p);
        // The first host installs (the shared `plugins` row); the others install their own copy of the component.
        let upgrade = i > 0;
        api.install_as(&args.dist.join("well-behaved"), &["log", "kv", "sessions-read", "jobs", "workers", "notes"], Some("[]"), upgrade).await?;
        api.install_as(&args.dist.join("bench-trigger"), &["log", "jobs"], None, upgrade).await?;
    }
    let first = &procs[0];
    let api = Api::of(&http, first);
    let (watch, reader) = watch_stream(first.addr, &first.token, "job.").await?;
    // Every job of a burst becomes due at one instant after the enqueue phase (`delayMs`), so the drain measures
    // the hosts' claims and runs, not the rate of POSTs, and every host's scheduler wakes for it at once.
    let delay = Duration::from_millis(5 * burst as u64 + 2_000);
    for (kind, lane) in [("bench.noop", "kind lane 8, 4 worker slots per host"), ("test.echo", "kind lane 1 across hosts")] {
        let started = Instant::now();
        futures_util::stream::iter(0..burst)
            .map(|i| {
                let api = api.clone();
                async move {
                    let (status, body) =
                        api.post("/api/jobs", &json!({"kind": kind, "payload": {"burst": i}, "delayMs": delay.as_millis() as u64})).await?;
                    ensure!(status == reqwest::StatusCode::CREATED, "POST /api/jobs answered {status}: {body}");
                    Ok::<_, anyhow::Error>(())
                }
            })
            .buffer_unordered(BURST_IN_FLIGHT)
            .try_collect::<Vec<_>>()
            .await?;
        let enqueued = started.elapsed();
        ensure!(enqueued < delay, "the enqueue phase ({enqueued:?}) outlasted the delay ({delay:?})");
        let due = started + delay;
        let last = watch.drained(kind, burst).await?;
        let drain = last.saturating_duration_since(due);
        let split = claims_per_host(&schema, kind).await?;
        rows.push(Row {
            measure: format!("PostgreSQL, {hosts} host(s) on one schema: drain of {burst} `{kind}` jobs ({lane}) due at once → last `job.succeeded`"),
            latency: None,
            rate: Some(per_second(burst, drain)),
            note: format!("{:.2} s; claims per host {split:?}; enqueue phase {:.0} jobs/s (8 in flight)", drain.as_secs_f64(), per_second(burst, enqueued)),
        });
    }
    reader.abort();
    for p in procs {
        p.stop().await?;
    }
    schema.drop_now().await?;
    Ok(())
}
