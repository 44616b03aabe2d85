//! The markdown report: one table of the quality bars (one number per row, so two hosts' runs can be set side by
//! side), then the details behind each number.

use std::fmt::Write as _;
use std::time::Duration;

use crate::host::clock_tick;
use crate::scenarios::{Counts, Fanout, Startup, Steady};
use crate::stats::{dur_ms, mib, ms, Summary};

/// How a row's number reads.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Unit {
    Ms,
    Us,
    MiB,
    PerSec,
}

impl Unit {
    pub fn show(self, v: f64) -> String {
        match self {
            Unit::Ms if v < 10.0 => format!("{v:.3} ms"),
            Unit::Ms => format!("{v:.1} ms"),
            Unit::Us => format!("{v:.2} µs"),
            Unit::MiB => format!("{v:.1} MiB"),
            Unit::PerSec => format!("{}/s", thousands(v.round().max(0.0) as u64)),
        }
    }
}

/// One row of the table: one number, its bar, and whether it met the bar.
#[derive(Debug, Clone)]
pub struct Metric {
    pub measure: String,
    pub bar: String,
    /// Met when the value is at most this; `None` for a row without a bar.
    pub limit: Option<f64>,
    pub value: f64,
    pub unit: Unit,
}

impl Metric {
    pub fn new(measure: impl Into<String>, bar: impl Into<String>, limit: Option<f64>, value: f64, unit: Unit) -> Self {
        Self { measure: measure.into(), bar: bar.into(), limit, value, unit }
    }

    pub fn info(measure: impl Into<String>, value: f64, unit: Unit) -> Self {
        Self::new(measure, "—", None, value, unit)
    }

    pub fn met(&self) -> Option<bool> {
        self.limit.map(|l| self.value <= l)
    }
}

/// What one run of the scenarios produced.
#[derive(Debug, Default)]
pub struct Report {
    pub metrics: Vec<Metric>,
    /// Markdown list lines behind the numbers.
    pub details: Vec<String>,
    /// Checks that failed (a client missed a delta, a turn failed): the run fails.
    pub failures: Vec<String>,
    /// Scenarios not run, and why.
    pub skipped: Vec<String>,
}

impl Report {
    pub fn extend(&mut self, other: Report) {
        self.metrics.extend(other.metrics);
        self.details.extend(other.details);
        self.failures.extend(other.failures);
        self.skipped.extend(other.skipped);
    }
}

fn verdict(met: Option<bool>) -> &'static str {
    match met {
        Some(true) => "yes",
        Some(false) => "**no**",
        None => "—",
    }
}

pub fn micros_per(d: Duration, n: u64) -> f64 {
    if n == 0 {
        return 0.0;
    }
    d.as_secs_f64() * 1e6 / n as f64
}

pub fn ns_ms(ns: i64) -> f64 {
    ns as f64 / 1e6
}

pub fn thousands(n: u64) -> String {
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

pub fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// The rows and details of the fake-peer scenarios (start-up and the streaming host).
pub fn steady_report(c: &Counts, startup: &Startup, s: &Steady) -> Report {
    let mut r = Report::default();
    let m = &mut r.metrics;
    let ready = crate::stats::median(startup.ready.clone());
    m.push(Metric::new(
        format!("1. spawn → `/api/ready` 200 (median of {} fresh starts)", startup.ready.len()),
        "≤ 50 ms",
        Some(50.0),
        ready.as_secs_f64() * 1e3,
        Unit::Ms,
    ));
    m.push(Metric::new("2. idle RSS, first start (after ready and the shipped plugins' install)", "≤ 20 MiB", Some(20.0), s.first_idle_rss_kib as f64 / 1024.0, Unit::MiB));
    m.push(Metric::info("2. … of which anonymous (`RssAnon`: the host's own heap and stacks)", s.first_idle_anon_kib as f64 / 1024.0, Unit::MiB));
    m.push(Metric::new("2. idle RSS after a restart (the plugins compiled before)", "≤ 20 MiB", Some(20.0), s.idle_rss_kib as f64 / 1024.0, Unit::MiB));
    m.push(Metric::info("2. … of which anonymous", s.idle_anon_kib as f64 / 1024.0, Unit::MiB));
    m.push(Metric::info(
        format!("2. RSS right after a {}-delta reply arrived", thousands(c.big)),
        s.after_big_rss_kib as f64 / 1024.0,
        Unit::MiB,
    ));
    m.push(Metric::new(
        format!("2. RSS {} s later", c.settle.as_secs()),
        "≤ 20 MiB, flat",
        Some(20.0),
        s.settled_rss_kib as f64 / 1024.0,
        Unit::MiB,
    ));
    m.push(Metric::info(format!("2. … of which anonymous, {} s later", c.settle.as_secs()), s.settled_anon_kib as f64 / 1024.0, Unit::MiB));
    if let Some(f) = &s.paced_many {
        m.push(Metric::info(
            format!("2. `RssAnon` {} s after a {}-delta reply to {} clients, all still connected", c.settle.as_secs(), thousands(f.deltas), f.clients),
            f.open_anon_kib as f64 / 1024.0,
            Unit::MiB,
        ));
    }
    for (fan, bar, limit) in [(&s.paced_one, "≤ 0.3 ms", 0.3), (&s.paced_many, "≤ 2 ms", 2.0)] {
        if let Some(f) = fan {
            let what = format!(
                "3. delta latency, app-server line → websocket frame, {} client{} ({} at {}/s)",
                f.clients,
                plural(f.clients),
                thousands(f.deltas),
                thousands(f.rate)
            );
            m.push(Metric::info(format!("{what}: p50"), ns_ms(f.latency.p50), Unit::Ms));
            m.push(Metric::new(format!("{what}: p99"), bar, Some(limit), ns_ms(f.latency.p99), Unit::Ms));
        }
    }
    if let Some(j) = &s.joined {
        let what = format!(
            "3. delta latency, a client joining a quarter into a paced reply (since its start) on a log of over {} events, the reply's second half",
            thousands(j.log_events)
        );
        m.push(Metric::info(format!("{what}: p50"), ns_ms(j.late_half.p50), Unit::Ms));
        m.push(Metric::info(format!("{what}: p99"), ns_ms(j.late_half.p99), Unit::Ms));
    }
    if let Some(b) = &s.big {
        m.push(Metric::new(
            format!("4. host CPU per delta (flat out, {}, 1 client)", thousands(b.deltas)),
            "≤ 5 µs",
            Some(5.0),
            micros_per(b.host_cpu, b.deltas),
            Unit::Us,
        ));
    }
    for f in [&s.paced_one, &s.paced_cpu].into_iter().flatten() {
        m.push(Metric::new(
            format!(
                "4. host CPU per delta, paced ({} at {}/s, {} client{})",
                thousands(f.deltas),
                thousands(f.rate),
                f.clients,
                plural(f.clients)
            ),
            "≤ 5 µs",
            Some(5.0),
            micros_per(f.host_cpu, f.deltas),
            Unit::Us,
        ));
    }
    if let Some(j) = &s.joined {
        m.push(Metric::info(
            format!(
                "4. host CPU per delta, paced ({} at {}/s, 1 client and 1 joining) on a log of over {} events",
                thousands(j.deltas),
                thousands(j.rate),
                thousands(j.log_events)
            ),
            micros_per(j.host_cpu, j.deltas),
            Unit::Us,
        ));
    }
    if let Some(b) = &s.big {
        m.push(Metric::info("4. throughput seen by the client (flat out)", b.client_rate, Unit::PerSec));
    }
    if let Some(t) = &s.turns {
        let what = format!("5. turn start: POST sent → app-server read `turn/start` ({} turns)", t.turns);
        m.push(Metric::info(format!("{what}: p50"), ns_ms(t.start.p50), Unit::Ms));
        m.push(Metric::new(format!("{what}: p99"), "≤ 2 ms", Some(2.0), ns_ms(t.start.p99), Unit::Ms));
        let what = "5. turn end: `turn/completed` written → client frame";
        m.push(Metric::info(format!("{what}: p50"), ns_ms(t.end.p50), Unit::Ms));
        m.push(Metric::new(format!("{what}: p99"), "≤ 2 ms", Some(2.0), ns_ms(t.end.p99), Unit::Ms));
        m.push(Metric::info("5. POST `/messages` round trip (202 received): p50", ns_ms(t.post_rtt.p50), Unit::Ms));
    }

    let d = &mut r.details;
    let list =
        |v: &[Duration]| v.iter().map(|d| format!("{:.1}", d.as_secs_f64() * 1e3)).collect::<Vec<_>>().join(", ");
    d.push(format!("start-up, ms to `listening on` line: {}; to ready: {}", list(&startup.listening), list(&startup.ready)));
    d.push(format!("SIGTERM → exit, ms: {}", list(&startup.stop)));
    if let Some(b) = &s.big {
        d.push(format!(
            "flat-out reply: {} of {} deltas arrived, {} resets; POST → `turn.completed` {}; host CPU {} ms; fake app-server wrote at {} deltas/s{}",
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
        ));
        if b.received != b.deltas {
            r.failures.push(format!("flat-out reply: the client got {} of {} deltas", b.received, b.deltas));
        }
    }
    for f in [&s.paced_one, &s.paced_many, &s.paced_cpu].into_iter().flatten() {
        d.push(fanout_details(f));
        if f.received_min != f.deltas {
            r.failures.push(format!(
                "paced reply to {} client{}: a client got only {} of {} deltas",
                f.clients,
                plural(f.clients),
                f.received_min,
                f.deltas
            ));
        }
    }
    if let Some(j) = &s.joined {
        d.push(format!(
            "a client joining a quarter into a paced reply of {} deltas, since its start: got {} deltas; second half {}",
            thousands(j.deltas),
            thousands(j.received),
            summary_line(&j.late_half)
        ));
        if j.received != j.deltas {
            r.failures.push(format!("the joining client got {} of {} deltas", j.received, j.deltas));
        }
    }
    if let Some(t) = &s.turns {
        d.push(format!("POST `/messages` round trip (202 received): p50 / p99 / max {}", t.post_rtt.ms()));
        d.push(format!("turn start, all: {}; turn end, all: {}", summary_line(&t.start), summary_line(&t.end)));
    }
    d.push(format!("RSS at the end: {}; peak (VmHWM) {}", mib(s.end_rss_kib), mib(s.peak_rss_kib)));
    if let Some(stop) = s.stop {
        d.push(format!("the streaming host stopped {} after SIGTERM", dur_ms(stop)));
    }
    d.push(format!("CPU times are read in clock ticks of {} ms", clock_tick().as_millis()));
    r
}

fn fanout_details(f: &Fanout) -> String {
    format!(
        "{} client{}, {} deltas at {}/s: {} samples, p50 / p99 / max {}; worst client's p99 {} ms; fewest deltas a client got {}; {} resets; host CPU {} ms ({:.2} µs per delta, {:.2} µs per frame sent); the benchmark's clients used {} ms CPU meanwhile",
        f.clients,
        plural(f.clients),
        thousands(f.deltas),
        thousands(f.rate),
        thousands(f.latency.n as u64),
        f.latency.ms(),
        ms(f.worst_client_p99),
        thousands(f.received_min),
        f.resets,
        f.host_cpu.as_millis(),
        micros_per(f.host_cpu, f.deltas),
        micros_per(f.host_cpu, f.deltas * f.clients as u64),
        f.client_cpu.as_millis(),
    )
}

pub fn summary_line(s: &Summary) -> String {
    format!("p50 {} / p99 {} / max {} ms", ms(s.p50), ms(s.p99), ms(s.max))
}

fn footer(out: &mut String, report_lines: &[String], skipped: &[String], failures: &[String], bins_line: &str) {
    if !skipped.is_empty() {
        let _ = writeln!(out, "\nSkipped:\n");
        for s in skipped {
            let _ = writeln!(out, "- {s}");
        }
    }
    let _ = writeln!(out, "\nDetails:\n");
    for l in report_lines {
        let _ = writeln!(out, "- {l}");
    }
    let _ = writeln!(out, "- machine: {}; load average at the end: {}", machine(), load_average());
    let _ = writeln!(out, "- {bins_line}");
    if !failures.is_empty() {
        let _ = writeln!(out, "\n**Failed checks:**\n");
        for f in failures {
            let _ = writeln!(out, "- {f}");
        }
    }
}

/// One run: measure | bar | measured | met.
pub fn render(r: &Report, bins_line: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "| measure | bar | measured | met |");
    let _ = writeln!(out, "|---|---|---|---|");
    for m in &r.metrics {
        let _ = writeln!(out, "| {} | {} | {} | {} |", m.measure, m.bar, m.unit.show(m.value), verdict(m.met()));
    }
    footer(&mut out, &r.details, &r.skipped, &r.failures, bins_line);
    out
}

/// Per row, the median of each side's rounds.
struct Compared {
    metric: Metric,
    old: Vec<f64>,
    new: Vec<f64>,
}

fn median_f(v: &[f64]) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    let mut v = v.to_vec();
    v.sort_by(|a, b| a.total_cmp(b));
    let n = v.len();
    Some(if n % 2 == 1 { v[n / 2] } else { (v[n / 2 - 1] + v[n / 2]) / 2.0 })
}

/// Rows matched by their measure text, in first-seen order.
fn compare_rows(old: &[Report], new: &[Report]) -> Vec<Compared> {
    let mut rows: Vec<Compared> = Vec::new();
    for (side, reports) in [(0, old), (1, new)] {
        for report in reports {
            for m in &report.metrics {
                let row = match rows.iter().position(|r| r.metric.measure == m.measure) {
                    Some(i) => &mut rows[i],
                    None => {
                        rows.push(Compared { metric: m.clone(), old: Vec::new(), new: Vec::new() });
                        rows.last_mut().unwrap()
                    }
                };
                let values = if side == 0 { &mut row.old } else { &mut row.new };
                values.push(m.value);
            }
        }
    }
    rows
}

/// Two hosts, interleaved rounds: measure | bar | old | new | ratio | met (met judges the new host's median).
pub fn render_compare(old: &[Report], new: &[Report], bins_line: &str) -> String {
    let rows = compare_rows(old, new);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Medians of {} round{} per host, interleaved (old, new, old, new, …); ratio = new / old (below 1 is better, except for rates).\n",
        new.len().max(old.len()),
        plural(new.len().max(old.len()))
    );
    let _ = writeln!(out, "| measure | bar | old | new | ratio | met |");
    let _ = writeln!(out, "|---|---|---|---|---|---|");
    let mut details = Vec::new();
    for r in &rows {
        let (o, n) = (median_f(&r.old), median_f(&r.new));
        let show = |v: Option<f64>| v.map(|v| r.metric.unit.show(v)).unwrap_or_else(|| "—".into());
        let ratio = match (o, n) {
            (Some(o), Some(n)) if o > 0.0 => format!("{:.2}", n / o),
            _ => "—".into(),
        };
        let met = n.and_then(|n| r.metric.limit.map(|l| n <= l));
        let _ = writeln!(out, "| {} | {} | {} | {} | {} | {} |", r.metric.measure, r.metric.bar, show(o), show(n), ratio, verdict(met));
        let each = |v: &[f64]| v.iter().map(|x| r.metric.unit.show(*x)).collect::<Vec<_>>().join(", ");
        details.push(format!("{}: old {}; new {}", r.metric.measure, each(&r.old), each(&r.new)));
    }
    let skipped: Vec<String> = old.iter().chain(new).flat_map(|r| r.skipped.clone()).collect::<Vec<_>>();
    let mut skipped_unique = Vec::new();
    for s in skipped {
        if !skipped_unique.contains(&s) {
            skipped_unique.push(s);
        }
    }
    let failures: Vec<String> = old
        .iter()
        .enumerate()
        .flat_map(|(i, r)| r.failures.iter().map(move |f| format!("old, round {}: {f}", i + 1)))
        .chain(new.iter().enumerate().flat_map(|(i, r)| r.failures.iter().map(move |f| format!("new, round {}: {f}", i + 1))))
        .collect();
    let _ = writeln!(out, "\nEvery round:\n");
    for d in details {
        let _ = writeln!(out, "- {d}");
    }
    let last: Vec<String> =
        new.last().map(|r| r.details.iter().map(|d| format!("new host, last round: {d}")).collect()).unwrap_or_default();
    footer(&mut out, &last, &skipped_unique, &failures, bins_line);
    out
}

/// One host, several runs: measure | bar | median | met.
pub fn render_medians(runs: &[Report], bins_line: &str) -> String {
    let rows = compare_rows(&[], runs);
    let mut out = String::new();
    let _ = writeln!(out, "Medians of {} run{}.\n", runs.len(), plural(runs.len()));
    let _ = writeln!(out, "| measure | bar | median | met |");
    let _ = writeln!(out, "|---|---|---|---|");
    let mut details = Vec::new();
    for r in &rows {
        let n = median_f(&r.new);
        let show = n.map(|v| r.metric.unit.show(v)).unwrap_or_else(|| "—".into());
        let met = n.and_then(|n| r.metric.limit.map(|l| n <= l));
        let _ = writeln!(out, "| {} | {} | {} | {} |", r.metric.measure, r.metric.bar, show, verdict(met));
        let each = r.new.iter().map(|x| r.metric.unit.show(*x)).collect::<Vec<_>>().join(", ");
        details.push(format!("{}: {each}", r.metric.measure));
    }
    let failures: Vec<String> = runs
        .iter()
        .enumerate()
        .flat_map(|(i, r)| r.failures.iter().map(move |f| format!("run {}: {f}", i + 1)))
        .collect();
    let mut skipped = Vec::new();
    for s in runs.iter().flat_map(|r| r.skipped.iter()) {
        if !skipped.contains(s) {
            skipped.push(s.clone());
        }
    }
    let _ = writeln!(out, "\nEvery run:\n");
    for d in details {
        let _ = writeln!(out, "- {d}");
    }
    footer(&mut out, &[], &skipped, &failures, bins_line);
    out
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

/// The 1, 5 and 15 minute load averages: the machine is shared, the numbers depend on it.
pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(values: &[(&str, f64)]) -> Report {
        Report {
            metrics: values.iter().map(|(m, v)| Metric::new(*m, "≤ 5 µs", Some(5.0), *v, Unit::Us)).collect(),
            ..Report::default()
        }
    }

    #[test]
    fn comparison_takes_each_sides_median_and_the_ratio() {
        let old = [report(&[("cpu", 8.0), ("only old", 1.0)]), report(&[("cpu", 10.0)]), report(&[("cpu", 9.0)])];
        let new = [report(&[("cpu", 4.0)]), report(&[("cpu", 4.5)]), report(&[("cpu", 40.0)])];
        let text = render_compare(&old, &new, "bins");
        assert!(text.contains("| cpu | ≤ 5 µs | 9.00 µs | 4.50 µs | 0.50 | yes |"), "{text}");
        assert!(text.contains("| only old | ≤ 5 µs | 1.00 µs | — | — | — |"), "{text}");
    }

    #[test]
    fn a_failed_check_is_reported_with_its_side_and_round() {
        let mut bad = report(&[("cpu", 1.0)]);
        bad.failures.push("a client got 9 of 10 deltas".into());
        let text = render_compare(&[report(&[("cpu", 1.0)])], &[bad], "bins");
        assert!(text.contains("new, round 1: a client got 9 of 10 deltas"), "{text}");
    }
}
