//! The markdown report: one table of the quality bars, then the details behind each number.

use std::fmt::Write as _;
use std::time::Duration;

use crate::host::{clock_tick, Binaries};
use crate::scenarios::{Counts, Fanout, Startup, Steady};
use crate::stats::{dur_ms, median, mib, ms, Summary};

pub struct Inputs<'a> {
    pub counts: &'a Counts,
    pub bins: &'a Binaries,
    pub startup: &'a Startup,
    pub steady: &'a Steady,
}

struct Row {
    measure: String,
    measured: String,
    target: &'static str,
    met: Option<bool>,
}

fn verdict(met: Option<bool>) -> &'static str {
    match met {
        Some(true) => "yes",
        Some(false) => "**no**",
        None => "—",
    }
}

fn micros_per(d: Duration, n: u64) -> f64 {
    if n == 0 {
        return 0.0;
    }
    d.as_secs_f64() * 1e6 / n as f64
}

fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

pub fn render(i: &Inputs<'_>) -> String {
    let c = i.counts;
    let s = i.steady;
    let mut rows = Vec::new();

    let ready = median(i.startup.ready.clone());
    rows.push(Row {
        measure: format!("1. spawn → `/api/ready` 200 (median of {} fresh starts)", i.startup.ready.len()),
        measured: dur_ms(ready),
        target: "≤ 50 ms",
        met: Some(ready <= Duration::from_millis(50)),
    });
    rows.push(Row {
        measure: "2. idle RSS after ready".into(),
        measured: mib(s.idle_rss_kib),
        target: "≤ 20 MiB",
        met: Some(s.idle_rss_kib <= 20 * 1024),
    });
    rows.push(Row {
        measure: format!("2. RSS right after a {}-delta reply arrived", thousands(c.big)),
        measured: mib(s.after_big_rss_kib),
        target: "flat",
        met: None,
    });
    rows.push(Row {
        measure: format!("2. RSS {} s later", c.settle.as_secs()),
        measured: format!(
            "{} ({:+.1} MiB vs idle)",
            mib(s.settled_rss_kib),
            (s.settled_rss_kib as f64 - s.idle_rss_kib as f64) / 1024.0
        ),
        target: "≤ 20 MiB, flat",
        met: Some(s.settled_rss_kib <= 20 * 1024),
    });
    for (fan, target, bar_ns) in [(&s.paced_one, "p99 ≤ 0.3 ms", 300_000), (&s.paced_many, "p99 ≤ 2 ms", 2_000_000)]
    {
        if let Some(f) = fan {
            rows.push(Row {
                measure: format!(
                    "3. delta latency, app-server line → websocket frame, {} client{} ({} at {}/s): p50 / p99 / max",
                    f.clients,
                    if f.clients == 1 { "" } else { "s" },
                    thousands(f.deltas),
                    thousands(f.rate)
                ),
                measured: f.latency.ms(),
                target,
                met: Some(f.latency.p99 <= bar_ns && f.received_min == f.deltas),
            });
        }
    }
    if let Some(b) = &s.big {
        let per = micros_per(b.host_cpu, b.deltas);
        rows.push(Row {
            measure: format!("4. host CPU per delta (flat out, {}, 1 client)", thousands(b.deltas)),
            measured: format!("{per:.2} µs"),
            target: "≤ 5 µs",
            met: Some(per <= 5.0),
        });
        if let Some(one) = &s.paced_one {
            let per = micros_per(one.host_cpu, one.deltas);
            rows.push(Row {
                measure: format!(
                    "4. host CPU per delta, paced ({} at {}/s, 1 client)",
                    thousands(one.deltas),
                    thousands(one.rate)
                ),
                measured: format!("{per:.1} µs"),
                target: "≤ 5 µs",
                met: Some(per <= 5.0),
            });
        }
        rows.push(Row {
            measure: "4. throughput seen by the client".into(),
            measured: format!("{} deltas/s", thousands(b.client_rate as u64)),
            target: "host never the bottleneck",
            met: None,
        });
    }
    if let Some(t) = &s.turns {
        rows.push(Row {
            measure: format!("5. turn start: POST sent → app-server read `turn/start` (p50 / p99, {} turns)", t.turns),
            measured: format!("{} / {} ms", ms(t.start.p50), ms(t.start.p99)),
            target: "≤ 2 ms",
            met: Some(t.start.p99 <= 2_000_000),
        });
        rows.push(Row {
            measure: "5. turn end: `turn/completed` written → client frame (p50 / p99)".into(),
            measured: format!("{} / {} ms", ms(t.end.p50), ms(t.end.p99)),
            target: "≤ 2 ms",
            met: Some(t.end.p99 <= 2_000_000),
        });
    }

    let mut out = String::new();
    let _ = writeln!(out, "| measure | measured | target (DESIGN.md) | met |");
    let _ = writeln!(out, "|---|---|---|---|");
    for r in &rows {
        let _ = writeln!(out, "| {} | {} | {} | {} |", r.measure, r.measured, r.target, verdict(r.met));
    }

    let _ = writeln!(out, "\nDetails:\n");
    let st = i.startup;
    let list =
        |v: &[Duration]| v.iter().map(|d| format!("{:.1}", d.as_secs_f64() * 1e3)).collect::<Vec<_>>().join(", ");
    let _ =
        writeln!(out, "- start-up, ms to `listening on` line: {}; to ready: {}", list(&st.listening), list(&st.ready));
    let _ = writeln!(out, "- SIGTERM → exit, ms: {}", list(&st.stop));
    if let Some(b) = &s.big {
        let _ = writeln!(
            out,
            "- flat-out reply: {} of {} deltas arrived, {} resets; POST → `turn.completed` {}; host CPU {} ms; fake app-server wrote at {} deltas/s{}",
            thousands(b.received),
            thousands(b.deltas),
            b.resets,
            dur_ms(b.wall),
            b.host_cpu.as_millis(),
            thousands(b.fake_rate as u64),
            match b.fake_cpu {
                Some(f) => format!(", using {:.2} µs CPU per delta itself", micros_per(f, b.deltas)),
                None => String::new(),
            }
        );
    }
    for f in [&s.paced_one, &s.paced_many].into_iter().flatten() {
        fanout_details(&mut out, f);
    }
    if let Some(t) = &s.turns {
        let _ = writeln!(out, "- POST `/messages` round trip (202 received): p50 / p99 / max {}", t.post_rtt.ms());
        let _ = writeln!(out, "- turn start, all: {}; turn end, all: {}", summary_line(&t.start), summary_line(&t.end));
    }
    let _ = writeln!(out, "- RSS at the end: {}; peak (VmHWM) {}", mib(s.end_rss_kib), mib(s.peak_rss_kib));
    if let Some(d) = s.stop {
        let _ = writeln!(out, "- the streaming host stopped {} after SIGTERM", dur_ms(d));
    }
    let _ = writeln!(out, "- CPU times are read in clock ticks of {} ms", clock_tick().as_millis());
    let _ = writeln!(out, "- machine: {}", machine());
    let _ = writeln!(out, "- binaries: host `{}`, app-server `{}`", i.bins.host.display(), i.bins.fake.display());
    out
}

fn fanout_details(out: &mut String, f: &Fanout) {
    let _ = writeln!(
        out,
        "- {} client{}, {} deltas at {}/s: {} samples; worst client's p99 {} ms; fewest deltas a client got {}; {} resets; host CPU {} ms ({:.2} µs per delta, {:.2} µs per frame sent); the benchmark's clients used {} ms CPU meanwhile",
        f.clients,
        if f.clients == 1 { "" } else { "s" },
        thousands(f.deltas),
        thousands(f.rate),
        thousands(f.latency.n as u64),
        ms(f.worst_client_p99),
        thousands(f.received_min),
        f.resets,
        f.host_cpu.as_millis(),
        micros_per(f.host_cpu, f.deltas),
        micros_per(f.host_cpu, f.deltas * f.clients as u64),
        f.client_cpu.as_millis(),
    );
}

fn summary_line(s: &Summary) -> String {
    format!("p50 {} / p99 {} / max {} ms", ms(s.p50), ms(s.p99), ms(s.max))
}

/// `N × model name, kernel K`.
pub fn machine() -> String {
    let cpus = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0);
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let kernel =
        std::fs::read_to_string("/proc/sys/kernel/osrelease").map(|k| k.trim().to_string()).unwrap_or_default();
    let mem = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| m.lines().next().map(|l| l.split_whitespace().nth(1).unwrap_or("0").parse::<u64>().unwrap_or(0)))
        .map(|kib| format!("{:.0} GiB RAM", kib as f64 / 1024.0 / 1024.0))
        .unwrap_or_default();
    format!("{cpus} CPUs ({model}), {mem}, Linux {kernel}")
}
