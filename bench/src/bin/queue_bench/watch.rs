//! The host's websocket, watched: when each job's frames arrived, and the sessions' `session.created`.

use super::*;

/// What the websocket showed of one job: frame receive times.
#[derive(Debug, Default, Clone)]
pub(super) struct JobSeen {
    pub(super) kind: String,
    pub(super) session_id: Option<String>,
    pub(super) payload: Value,
    pub(super) queued: Option<Instant>,
    pub(super) started: Option<Instant>,
    pub(super) ended: Option<Instant>,
    pub(super) state: Option<String>,
}

#[derive(Default)]
pub(super) struct Seen {
    pub(super) jobs: HashMap<String, JobSeen>,
    /// session id → (receive time, seq) of its `session.created`.
    pub(super) sessions: HashMap<String, (Instant, i64)>,
    /// session id → the id of the job enqueued for it.
    pub(super) job_of_session: HashMap<String, String>,
    /// kind → (succeeded, failed or canceled, last `job.succeeded` receive time).
    pub(super) ended: HashMap<String, (usize, usize, Option<Instant>)>,
    pub(super) resets: usize,
    pub(super) frames: usize,
}

pub(super) struct Watch {
    pub(super) seen: Mutex<Seen>,
    pub(super) changed: Notify,
}

impl Watch {
    /// Wait until `cond` holds on what was seen (checked after every frame), at most `timeout`.
    pub(super) async fn until<T>(&self, timeout: Duration, what: &str, mut cond: impl FnMut(&Seen) -> Option<T>) -> anyhow::Result<T> {
        let wait = async {
            loop {
                let notified = self.changed.notified();
                tokio::pin!(notified);
                notified.as_mut().enable();
                if let Some(v) = cond(&self.seen.lock().expect("seen poisoned")) {
                    return v;
                }
                notified.await;
            }
        };
        match tokio::time::timeout(timeout, wait).await {
            Ok(v) => Ok(v),
            Err(_) => {
                let s = self.seen.lock().expect("seen poisoned");
                bail!("{what}: not seen within {timeout:?} ({} frames, {} resets, ended {:?})", s.frames, s.resets, s.ended)
            }
        }
    }

    /// Wait until `succeeded` jobs of `kind` have succeeded in all (at most [`BURST_TIMEOUT`]): when the last of them
    /// was seen. An error as soon as one of that kind failed.
    pub(super) async fn drained(&self, kind: &str, succeeded: usize) -> anyhow::Result<Instant> {
        self.until(BURST_TIMEOUT, "burst drained", |s| {
            let (ok, failed, last) = *s.ended.get(kind)?;
            if failed > 0 {
                return Some(None);
            }
            (ok >= succeeded).then_some(last)
        })
        .await?
        .with_context(|| format!("some `{kind}` jobs failed"))
    }
}

/// Open the event stream of the host at `addr` for `types` and read it in a task of its own into a [`Watch`], each
/// frame stamped when it arrived.
pub(super) async fn watch_stream(addr: std::net::SocketAddr, token: &str, types: &str) -> anyhow::Result<(Arc<Watch>, tokio::task::JoinHandle<()>)> {
    let url = format!("ws://{addr}/api/stream?types={types}");
    let mut request = url.as_str().into_client_request()?;
    request.headers_mut().insert("Authorization", format!("Bearer {token}").parse()?);
    let (ws, _) = tokio_tungstenite::connect_async(request).await.context("opening the stream")?;
    let watch = Arc::new(Watch { seen: Mutex::new(Seen::default()), changed: Notify::new() });
    let reader = {
        let watch = watch.clone();
        tokio::spawn(async move {
            let (_tx, mut rx) = ws.split();
            while let Some(Ok(frame)) = rx.next().await {
                let at = Instant::now();
                if let Message::Text(text) = frame {
                    read_frame(&watch, text.as_str(), at);
                }
            }
        })
    };
    Ok((watch, reader))
}

fn read_frame(watch: &Watch, text: &str, at: Instant) {
    let Ok(v) = serde_json::from_str::<Value>(text) else { return };
    let kind = v["type"].as_str().unwrap_or_default();
    let mut s = watch.seen.lock().expect("seen poisoned");
    s.frames += 1;
    match kind {
        "reset" => s.resets += 1,
        "session.created" => {
            if let Some(id) = v["sessionId"].as_str() {
                let seq = v["seq"].as_i64().unwrap_or(-1);
                s.sessions.insert(id.to_string(), (at, seq));
            }
        }
        k if k.starts_with("job.") => {
            let data = &v["data"];
            let Some(id) = data["id"].as_str() else { return };
            let job_kind = data["kind"].as_str().unwrap_or_default().to_string();
            let session = data["sessionId"].as_str().map(str::to_owned);
            if let (Some(sid), "job.queued") = (&session, k) {
                s.job_of_session.entry(sid.clone()).or_insert_with(|| id.to_string());
            }
            let job = s.jobs.entry(id.to_string()).or_default();
            job.kind.clone_from(&job_kind);
            job.session_id = session;
            job.payload = data["payload"].clone();
            match k {
                "job.queued" => job.queued = job.queued.or(Some(at)),
                "job.started" => job.started = Some(at),
                "job.succeeded" | "job.failed" | "job.canceled" => {
                    job.ended = Some(at);
                    job.state = Some(k.trim_start_matches("job.").to_string());
                    let e = s.ended.entry(job_kind).or_default();
                    if k == "job.succeeded" {
                        e.0 += 1;
                        e.2 = Some(at);
                    } else {
                        e.1 += 1;
                    }
                }
                _ => {}
            }
        }
        _ => {}
    }
    drop(s);
    watch.changed.notify_waiters();
}
