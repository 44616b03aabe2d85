//! Big-data reads: what the host's read paths cost once there is a lot to read. Seeded through the API against
//! the fake app-server (which keeps the history of the turns it ran and pages it like the real one), so the same
//! seeding works for any host binary in a comparison:
//!
//! - **sessions**: `Counts::sessions` sessions created (`POST /api/sessions`, 8 in flight); the list the web UI
//!   asks for first (`GET /api/sessions?limit=500`), and every page of it.
//! - **opening a chat mid-turn**: a session with `Counts::chat_turns` finished turns and one running (a slow paced
//!   reply at 500 deltas/s, opened once `Counts::streamed_before_open` deltas streamed); the requests the web UI makes when a chat opens (`web/src/lib/store.ts` `openChat`, `loader.ts`
//!   `loadChat`), one after the other: the session with its newest 30 turns and the running turn's record, the
//!   pending requests, the notes, the follow-ups, the running turn's events from its start, the turn records.
//! - **transcript**: a session whose turns hold `Counts::transcript_items` items in all (100 items a turn), read
//!   as one page (`GET /api/sessions/{id}/transcript?limit=…`).
//!
//! Every time is a request's wall time on a warm keep-alive loopback connection, until the whole body arrived: the
//! host's time plus a loopback round trip (the fake app-server answers `thread/turns/list` from memory).

use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use futures_util::{stream, StreamExt, TryStreamExt};
use serde_json::{json, Value};

use crate::client::{wait_frame, Api, Ws};
use crate::host::{Binaries, HostProcess};
use crate::report::{ns_ms, thousands, Metric, Report, Unit};
use crate::stats::Summary;
use crate::Setup;

const TURN_TIMEOUT: Duration = Duration::from_secs(60);
/// Deltas per second of the turn running while the chat is opened: a model streaming at a brisk pace.
const RUNNING_RATE: u64 = 500;
/// Items of each turn of the transcript session (the user's message, 98 reasoning items, the reply).
const ITEMS_PER_TURN: usize = 100;

pub async fn run(setup: &Setup, bins: &Binaries) -> anyhow::Result<Report> {
    let c = &setup.counts;
    let host = HostProcess::spawn(bins).await?;
    host.wait_ready(&setup.http).await?;
    let api = Api::new(setup.http.clone(), &host);
    let cwd = host.work_dir().display().to_string();
    let mut report = Report::default();

    // The chat: N finished turns, then one running.
    let seeded = Instant::now();
    let chat = api.create_session(host.work_dir()).await?;
    let mut ws = api.open_stream(api.last_seq().await?, &chat).await?;
    for i in 0..c.chat_turns {
        run_turn(&api, &mut ws, &chat, &format!("turn {i} bench:deltas=3")).await?;
    }
    let chat_seeding = seeded.elapsed();

    // The transcript session: turns of 100 items.
    let seeded = Instant::now();
    let big = api.create_session(host.work_dir()).await?;
    let mut big_ws = api.open_stream(api.last_seq().await?, &big).await?;
    let big_turns = c.transcript_items.div_ceil(ITEMS_PER_TURN);
    for i in 0..big_turns {
        let text = format!("step {i} bench:deltas=3,items={}", ITEMS_PER_TURN - 2);
        run_turn(&api, &mut big_ws, &big, &text).await?;
    }
    drop(big_ws);
    let transcript_seeding = seeded.elapsed();

    // The rest of the sessions, 8 creations in flight.
    let seeded = Instant::now();
    let others = c.sessions.saturating_sub(2);
    stream::iter(0..others)
        .map(|_| {
            let api = api.clone();
            let cwd = cwd.clone();
            async move { api.timed_post("/api/sessions", &json!({"cwd": cwd})).await }
        })
        .buffer_unordered(8)
        .try_for_each(|_| async { Ok(()) })
        .await?;
    let sessions_seeding = seeded.elapsed();
    report.details.push(format!(
        "big-data reads seeded through the API: {} sessions in {:.1} s, a chat of {} turns in {:.1} s, {} turns of {} items in {:.1} s",
        thousands(c.sessions as u64),
        sessions_seeding.as_secs_f64(),
        c.chat_turns,
        chat_seeding.as_secs_f64(),
        big_turns,
        ITEMS_PER_TURN,
        transcript_seeding.as_secs_f64()
    ));

    // The sessions list: the UI's first page, and every page.
    let page = 500.min(c.sessions);
    let mut first = Vec::with_capacity(c.reads);
    for _ in 0..c.reads {
        let (took, body) = api.timed_get(&format!("/api/sessions?limit={page}")).await?;
        let n = body["sessions"].as_array().map_or(0, Vec::len);
        if n != page {
            report.failures.push(format!("the first page of sessions held {n}, not {page}"));
        }
        first.push(took.as_nanos() as i64);
    }
    let mut walks = Vec::new();
    let mut listed = 0;
    for _ in 0..c.reads.min(3) {
        let (took, n) = list_all(&api, page).await?;
        walks.push(took.as_nanos() as i64);
        listed = n;
    }
    if listed != c.sessions {
        report.failures.push(format!("listing every page gave {listed} sessions, not {}", c.sessions));
    }

    // Opening the chat mid-turn: a slow reply runs meanwhile.
    let since = api.last_seq().await?;
    drop(ws);
    let mut ws = api.open_stream(since, &chat).await?;
    api.send_message(&chat, &format!("still going bench:deltas=1000000,rate={RUNNING_RATE}")).await?;
    for _ in 0..c.streamed_before_open {
        wait_frame(&mut ws, TURN_TIMEOUT, |v| v["type"] == "item.delta").await.context("the running turn's deltas")?;
    }
    let mut open = OpenChat::default();
    for _ in 0..c.reads {
        open_chat(&api, &chat, &mut open).await?;
    }
    let (took, _) = api.timed_post(&format!("/api/sessions/{chat}/interrupt"), &json!({})).await?;
    wait_frame(&mut ws, TURN_TIMEOUT, |v| v["type"] == "turn.completed").await.context("the interrupted turn's end")?;
    drop(ws);
    report.details.push(format!("the running turn interrupted (POST round trip {:.1} ms)", took.as_secs_f64() * 1e3));

    // The transcript: every item in one page.
    let mut transcript = Vec::with_capacity(c.reads);
    for _ in 0..c.reads {
        let (took, body) = api.timed_get(&format!("/api/sessions/{big}/transcript?limit={}", big_turns.clamp(1, 200))).await?;
        let items: usize = body["turns"]
            .as_array()
            .map(|t| t.iter().map(|t| t["items"].as_array().map_or(0, Vec::len)).sum())
            .unwrap_or(0);
        if items != big_turns * ITEMS_PER_TURN {
            report.failures.push(format!("the transcript held {items} items, not {}", big_turns * ITEMS_PER_TURN));
        }
        transcript.push(took.as_nanos() as i64);
    }
    host.stop().await?;

    let m = &mut report.metrics;
    let first = Summary::of(&mut first);
    let what = format!(
        "7. sessions list, the UI's first page ({page} of {}, `GET /api/sessions?limit={page}`)",
        thousands(c.sessions as u64)
    );
    m.push(Metric::new(format!("{what}: p50"), "≤ 20 ms", Some(20.0), ns_ms(first.p50), Unit::Ms));
    m.push(Metric::info(format!("{what}: p99"), ns_ms(first.p99), Unit::Ms));
    let walks = Summary::of(&mut walks);
    m.push(Metric::info(
        format!("7. every session, {} pages of {page}: p50", c.sessions.div_ceil(page.max(1))),
        ns_ms(walks.p50),
        Unit::Ms,
    ));
    let sum = Summary::of(&mut open.total);
    let what = format!("7. opening a chat of {} turns mid-turn: the UI's 6 requests, one after another", c.chat_turns);
    m.push(Metric::new(format!("{what}: p50"), "≤ 20 ms", Some(20.0), ns_ms(sum.p50), Unit::Ms));
    m.push(Metric::info(format!("{what}: p99"), ns_ms(sum.p99), Unit::Ms));
    let tr = Summary::of(&mut transcript);
    let what = format!(
        "7. transcript read of {} items ({big_turns} turns of {ITEMS_PER_TURN}, one page)",
        thousands((big_turns * ITEMS_PER_TURN) as u64)
    );
    m.push(Metric::new(format!("{what}: p50"), "≤ 20 ms", Some(20.0), ns_ms(tr.p50), Unit::Ms));
    m.push(Metric::info(format!("{what}: p99"), ns_ms(tr.p99), Unit::Ms));
    report.details.push(format!(
        "opening the chat, p50 of each request ({} times): {}; events read from the running turn's start: {}",
        c.reads,
        open.steps
            .iter_mut()
            .map(|(name, v)| format!("{name} {:.2} ms", ns_ms(Summary::of(v).p50)))
            .collect::<Vec<_>>()
            .join(", "),
        open.events.iter().map(|n| n.to_string()).collect::<Vec<_>>().join(", ")
    ));
    Ok(report)
}

/// Send one message and wait for its `turn.completed`.
async fn run_turn(api: &Api, ws: &mut Ws, session: &str, text: &str) -> anyhow::Result<()> {
    let (posted, end) = tokio::join!(
        api.send_message(session, text),
        wait_frame(ws, TURN_TIMEOUT, |v| v["type"] == "turn.completed")
    );
    posted?;
    let (end, _) = end.with_context(|| format!("turn `{text}`"))?;
    if end.pointer("/data/turn/status") != Some(&json!("completed")) {
        bail!("turn `{text}` ended {:?}", end.pointer("/data/turn/status"));
    }
    Ok(())
}

/// Every page of the sessions list: the time and how many sessions.
async fn list_all(api: &Api, page: usize) -> anyhow::Result<(Duration, usize)> {
    let started = Instant::now();
    let mut n = 0;
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/sessions?limit={page}&cursor={c}"),
            None => format!("/api/sessions?limit={page}"),
        };
        let (_, body) = api.timed_get(&path).await?;
        n += body["sessions"].as_array().map_or(0, Vec::len);
        match body["nextCursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => return Ok((started.elapsed(), n)),
        }
    }
}

#[derive(Default)]
struct OpenChat {
    /// Per request, in the order the UI makes them.
    steps: Vec<(&'static str, Vec<i64>)>,
    total: Vec<i64>,
    /// Events read from the running turn's start, per opening.
    events: Vec<usize>,
}

impl OpenChat {
    fn record(&mut self, name: &'static str, took: Duration) -> i64 {
        let ns = took.as_nanos() as i64;
        match self.steps.iter_mut().find(|(n, _)| *n == name) {
            Some((_, v)) => v.push(ns),
            None => self.steps.push((name, vec![ns])),
        }
        ns
    }
}

/// The requests the web UI makes when a chat opens (`openChat` in web/src/lib/store.ts, `loadChat` in
/// web/src/lib/loader.ts, then `loadUsage`), one after another.
async fn open_chat(api: &Api, chat: &str, out: &mut OpenChat) -> anyhow::Result<()> {
    let mut total = 0;
    let (took, detail) = api.timed_get(&format!("/api/sessions/{chat}?limit=30&order=desc")).await?;
    total += out.record("session + 30 turns", took);
    let start = detail
        .pointer("/activeTurn/startSeq")
        .and_then(Value::as_i64)
        .context("the session detail has no running turn with a start seq")?;
    let (took, _) = api.timed_get(&format!("/api/sessions/{chat}/requests?limit=500")).await?;
    total += out.record("requests", took);
    let (took, _) = api.timed_get(&format!("/api/sessions/{chat}/notes")).await?;
    total += out.record("notes", took);
    let (took, _) = api.timed_get(&format!("/api/sessions/{chat}/followups")).await?;
    total += out.record("follow-ups", took);
    // The running turn from its start, paged like `readEvents`.
    let mut since = start - 1;
    let mut events = 0;
    let mut events_time = Duration::ZERO;
    loop {
        let (took, page) = api.timed_get(&format!("/api/events?since={since}&sessions={chat}&limit=5000")).await?;
        events_time += took;
        events += page["events"].as_array().map_or(0, Vec::len);
        let next = page["nextSince"].as_i64().unwrap_or(since);
        let latest = page["latestSeq"].as_i64().unwrap_or(next);
        if page["reset"] == json!(true) || next <= since || next >= latest {
            break;
        }
        since = next;
    }
    total += out.record("events of the running turn", events_time);
    out.events.push(events);
    let (took, _) = api.timed_get(&format!("/api/sessions/{chat}/turns?limit=31")).await?;
    total += out.record("turn records", took);
    out.total.push(total);
    Ok(())
}
