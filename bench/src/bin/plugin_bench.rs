//! `plugin-bench`: the plugin runtime's costs, in process, on the real engine and store.
//!
//!     cargo run --release -p codex-manager-bench --bin plugin-bench [-- --quick]
//!
//! Needs the built plugins (plugins/build.sh). Measures:
//! 1. cold install: compile + validate + store a component (word-tools);
//! 2. warm restart: a new plugin host on the same data dir, loading the cached compiled artifact;
//! 3. one call into a plugin with a fresh instance (a tool call to word-tools' `count_words`), p50/p99, and the same
//!    call when the plugin's code was unloaded first (as after `IDLE_UNLOAD` without calls: map + pre-link + call);
//! 4. one event dispatched to one plugin through its queue (word-tools subscribed to `app_server.bench/`: an app-server pass-through, which any name may be, default handler),
//!    from publish to the call being recorded, p50/p99 of the call itself as recorded;
//! 5. the same with two host imports per event (well-behaved: `kv.get` + `kv.set`, each a store round trip).
//!
//! With `--languages`, the same plugin written in each language instead: the `plugin new` template for Rust, Python
//! and JavaScript (made and built with the `codex-manager` binary, `--cli PATH`, default target/release or
//! target/debug), plus any package given as `--package LABEL=DIR` (e.g. the JS template built with componentize-js
//! for a comparison). Each is measured in a process of its own, so RSS is the plugin's: install time (compile +
//! validate + store), host RSS added by the plugin (after install, and after a restart from the compiled cache, one
//! call made), a tool call (`hello`: one `kv.get`; 2 ms apart), the same with no spare instance (every instance made
//! on the call's path, as before spares: what they save), the same call after an unload (wall time) and an event
//! (`turn.completed`: `kv.get` + `kv.set` + a log line; a burst, back to back), p50/p99 as recorded, with the burst's
//! wall time per event, as the package's `events_per_instance` says and again with 1 (an upgrade to the next patch
//! version that sets it: a fresh instance per event). The componentizers come from
//! $CODEX_MANAGER_COMPONENTIZE_PY / _QJS (scripts/setup.sh --test installs them in .tools/plugin-*); a language
//! whose tool is missing is skipped with a note, or, with `--require-all` (scripts/test.sh), is an error; a package
//! whose measurement failed is always one (exit 1).

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use codex_manager_conformance::plugin_harness::Harness;
use codex_manager_host::plugins::manifest::Manifest;
use codex_manager_host::plugins::PluginCall;

// The product's allocator and its options: the memory this reports is the host's as `codex-manager serve` runs it.
codex_manager_host::jemalloc_global_allocator!();

/// Calls measured between two counts of the records: well under the 1,000 a plugin keeps.
const PHASE: usize = 500;

fn phases(n: usize) -> impl Iterator<Item = usize> {
    (0..n.div_ceil(PHASE)).map(move |i| PHASE.min(n - i * PHASE))
}

/// Wait for `n` records of `id` not in `seen` whose trigger starts with `prefix`; they are added to `seen`.
async fn new_calls(h: &Harness, id: &str, seen: &mut HashSet<String>, prefix: &str, n: usize) -> anyhow::Result<Vec<PluginCall>> {
    let deadline = Instant::now() + Duration::from_secs(300);
    loop {
        let fresh: Vec<PluginCall> = h.calls(id).await.into_iter().filter(|c| c.trigger.starts_with(prefix) && !seen.contains(&c.id)).collect();
        if fresh.len() >= n {
            seen.extend(fresh.iter().map(|c| c.id.clone()));
            return Ok(fresh);
        }
        anyhow::ensure!(Instant::now() < deadline, "{id}: {} of {n} `{prefix}` calls recorded after 300 s", fresh.len());
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn summary(mut v: Vec<f64>) -> String {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    format!("p50 {:.1} µs / p99 {:.1} µs (n={})", percentile(&v, 0.5), percentile(&v, 0.99), v.len())
}

/// `n` calls of `tool`, each after unloading `id`'s code: wall time in µs of each.
async fn reload_calls(h: &Harness, id: &str, tool: &str, input: &str, n: usize) -> anyhow::Result<Vec<f64>> {
    let mut took = Vec::with_capacity(n);
    for _ in 0..n {
        h.plugins.unload_code(id);
        let t = Instant::now();
        let r = h.plugins.call_tool(tool, input, None, None).await;
        took.push(t.elapsed().as_secs_f64() * 1e6);
        anyhow::ensure!(matches!(r, Some(Ok(_))), "{tool} after an unload: {r:?}");
    }
    Ok(took)
}

async fn install_with_events(h: &Harness, package: &Path, events: &str) -> anyhow::Result<String> {
    let manifest = std::fs::read_to_string(package.join("plugin.toml"))?;
    let manifest = manifest.replace("events = []", &format!("events = [\"{events}\"]"));
    let wasm = std::fs::read(package.join("plugin.wasm"))?;
    let parsed = Manifest::parse(&manifest)?;
    let grant: Vec<_> = parsed.requested().into_iter().collect();
    h.plugins.install(&manifest, &wasm, &grant, false).await?;
    Ok(parsed.id)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--measure-one") {
        return languages::measure_one(&args[i + 1..]).await;
    }
    if args.iter().any(|a| a == "--languages") {
        return languages::run(&args).await;
    }
    let quick = std::env::args().any(|a| a == "--quick");
    let n = if quick { 300 } else { 2000 };
    let dist = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../plugins/dist");
    anyhow::ensure!(dist.join("word-tools/plugin.wasm").exists(), "build the plugins first: plugins/build.sh");
    let dir = std::env::temp_dir().join(format!("plugin-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);

    let h = Harness::start(&dir).await?;
    let started = Instant::now();
    let id = install_with_events(&h, &dist.join("word-tools"), "app_server.bench/").await?;
    let cold_install = started.elapsed();

    // The host keeps about CALLS_KEPT_PER_PLUGIN (1,000) records per plugin and prunes the oldest: counting all of
    // a plugin's records cannot reach 2 × n. Each phase below is smaller than what is kept and waits for its own
    // records (those not seen before) before the next starts, so none of them can have been pruned yet.
    let mut seen = HashSet::new();
    let mut tool = Vec::with_capacity(n);
    for phase in phases(n) {
        for _ in 0..phase {
            let t = Instant::now();
            let r = h.plugins.call_tool("count_words", r#"{"text":"one two three four"}"#, None, None).await;
            tool.push(t.elapsed().as_secs_f64() * 1e6);
            anyhow::ensure!(matches!(r, Some(Ok(ref s)) if s == "4"), "unexpected tool answer {r:?}");
        }
        new_calls(&h, &id, &mut seen, "tool:count_words", phase).await?;
    }

    // A call that finds the code unloaded (after `IDLE_UNLOAD` without calls): the artifact mapped and pre-linked
    // again, then the call. Wall time, as the caller sees it.
    let reloads = reload_calls(&h, &id, "count_words", r#"{"text":"one two three four"}"#, (n / 10).max(20)).await?;
    new_calls(&h, &id, &mut seen, "tool:count_words", reloads.len()).await?;

    // In bursts below the per-plugin queue (1024), so nothing is dropped.
    let t = Instant::now();
    let mut event_calls = Vec::with_capacity(n);
    let mut i = 0;
    for burst in phases(n) {
        for _ in 0..burst {
            h.publish("app_server.bench/tick", None, serde_json::json!({"i": i})).await;
            i += 1;
        }
        event_calls.extend(new_calls(&h, &id, &mut seen, "event:app_server.bench/tick", burst).await?);
    }
    let dispatch_wall = t.elapsed();
    let failed = event_calls.iter().filter(|c| c.outcome != "ok").count();
    anyhow::ensure!(failed == 0, "{failed} event calls failed or were dropped");
    let event_calls: Vec<f64> = event_calls.iter().map(|c| c.duration_us as f64).collect();

    let good = h.install(&dist.join("well-behaved")).await?;
    let kv_n = (n / 4).min(PHASE);
    for i in 0..kv_n {
        h.publish("app_server.bench/kv", None, serde_json::json!({"i": i})).await;
    }
    let kv_calls: Vec<f64> =
        new_calls(&h, &good.id, &mut seen, "event:app_server.bench/kv", kv_n).await?.iter().map(|c| c.duration_us as f64).collect();
    drop(h);

    let started = Instant::now();
    let warm = Harness::start(&dir).await?;
    let warm_restart = started.elapsed();
    let listed = warm.plugins.list().await?;
    for p in &listed {
        anyhow::ensure!(p.enabled, "{} came back disabled: {:?}", p.id, p.disabled_reason);
    }

    println!("| measure | measured | target (DESIGN.md) |");
    println!("|---|---|---|");
    println!("| cold install of word-tools (compile + validate + store) | {:.1} ms | — |", cold_install.as_secs_f64() * 1e3);
    println!("| warm restart: plugin host start with 2 cached plugins | {:.1} ms | — |", warm_restart.as_secs_f64() * 1e3);
    println!("| one tool call, fresh instance included | {} | ≤ 30 µs p50 |", summary(tool));
    println!("| one tool call after the code was unloaded (map + pre-link + call) | {} | — |", summary(reloads));
    println!("| one event to one plugin, fresh instance included (call as recorded) | {} | ≤ 30 µs p50 |", summary(event_calls));
    println!("| {n} events dispatched, publish → all recorded | {:.1} ms ({:.1} µs/event) | — |", dispatch_wall.as_secs_f64() * 1e3, dispatch_wall.as_secs_f64() * 1e6 / n as f64);
    println!("| one event with two kv imports (each a store write/read) | {} | — |", summary(kv_calls));
    println!("\npooling allocator: {}", if warm.plugins.pooled_allocator() { "yes" } else { "no (on-demand instances)" });
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

mod languages {
    //! The per-language part: one child process per package, so each RSS figure is one plugin's.

    use std::collections::HashSet;
    use std::path::{Path, PathBuf};
    use std::process::Command;
    use std::time::{Duration, Instant};

    use codex_manager_conformance::plugin_harness::Harness;
    use codex_manager_host::plugins::manifest::Manifest;
    use codex_manager_host::plugins::PluginCall;

    use super::{new_calls, reload_calls, summary};

    /// Resident set size of this process, in MiB.
    fn rss_mib() -> f64 {
        let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
        let pages: f64 = statm.split_whitespace().nth(1).and_then(|p| p.parse().ok()).unwrap_or(0.0);
        pages * 4096.0 / (1024.0 * 1024.0)
    }

    /// RssAnon, RssFile and RssShmem of this process (kB in /proc/self/status), in MiB: what stays of a plugin is
    /// heap (anon), mapped artifacts (file) or memfd images (shmem).
    fn rss_parts() -> serde_json::Value {
        let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
        let kb = |key: &str| status.lines().find(|l| l.starts_with(key)).and_then(|l| l.split_whitespace().nth(1)).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0) / 1024.0;
        serde_json::json!({"anon": kb("RssAnon:"), "file": kb("RssFile:"), "shmem": kb("RssShmem:")})
    }

    fn arg<'a>(args: &'a [String], name: &str) -> Option<&'a str> {
        args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).map(String::as_str)
    }

    /// The pause before each measured tool call. A model's tool calls come at least this far apart, and a plugin
    /// with a spare instance (host/src/plugins/code.rs) gets it made in the pause; back to back, each call would
    /// wait for the instantiation its predecessor started.
    const TOOL_CALL_GAP: std::time::Duration = std::time::Duration::from_millis(2);

    /// `n` calls of the template's tool `hello`, each after [`TOOL_CALL_GAP`]: the wall time of each, in µs.
    async fn call_hello(h: &Harness, n: usize) -> anyhow::Result<Vec<f64>> {
        let mut took = Vec::with_capacity(n);
        for _ in 0..n {
            tokio::time::sleep(TOOL_CALL_GAP).await;
            let t = Instant::now();
            let r = h.plugins.call_tool("hello", r#"{"text":"x"}"#, None, None).await;
            took.push(t.elapsed().as_secs_f64() * 1e6);
            anyhow::ensure!(matches!(r, Some(Ok(ref s)) if s.contains("hello from")), "unexpected tool answer {r:?}");
        }
        Ok(took)
    }

    /// `--measure-one PACKAGE DATA_DIR N [restart]`: prints one JSON line.
    pub async fn measure_one(args: &[String]) -> anyhow::Result<()> {
        let (package, dir, n) = (PathBuf::from(&args[0]), PathBuf::from(&args[1]), args[2].parse::<usize>()?);
        let restart = args.get(3).is_some_and(|a| a == "restart");
        // The host's trimmer, as `serve` runs it: memory goes back once the work is quiet for a second.
        let _trimmer = codex_manager_host::memory::spawn_trimmer();
        let before = rss_mib();
        let h = Harness::start(&dir).await?;
        let base = rss_mib();
        if restart {
            // The data dir holds the plugin already: this is a host start from the compiled cache, then one call.
            let listed = h.plugins.list().await?;
            anyhow::ensure!(listed.len() <= 1 && listed.iter().all(|p| p.enabled), "{listed:?}");
            if !listed.is_empty() {
                let r = h.plugins.call_tool("hello", r#"{"text":"x"}"#, None, None).await;
                anyhow::ensure!(matches!(r, Some(Ok(_))), "hello after restart: {r:?}");
            }
            let (rss, parts) = (rss_mib() - before, rss_parts());
            // Once the plugin has been idle past `IDLE_UNLOAD` its code is unmapped: what it costs at rest.
            tokio::time::sleep(codex_manager_host::plugins::IDLE_UNLOAD + Duration::from_secs(1)).await;
            println!(
                "{}",
                serde_json::json!({"rss_start_mib": base - before, "rss_mib": rss, "parts": parts, "rss_idle_mib": rss_mib() - before, "parts_idle": rss_parts()})
            );
            return Ok(());
        }
        let t = Instant::now();
        let info = h.install(&package).await?;
        let install_ms = t.elapsed().as_secs_f64() * 1e3;
        let after_install = rss_mib();
        let tool = call_hello(&h, n).await?;
        let mut seen = HashSet::new();
        let mut calls = new_calls(&h, &info.id, &mut seen, "tool:hello", n).await?;
        let reloads = reload_calls(&h, &info.id, "hello", r#"{"text":"x"}"#, (n / 10).max(5)).await?;
        new_calls(&h, &info.id, &mut seen, "tool:hello", reloads.len()).await?;
        // The same calls with every instance made on the call's path: what a spare instance saves.
        h.plugins.set_spare_threshold(std::time::Duration::MAX);
        h.plugins.unload_code(&info.id);
        call_hello(&h, n).await?;
        let unspared = new_calls(&h, &info.id, &mut seen, "tool:hello", n).await?;
        h.plugins.set_spare_threshold(codex_manager_host::plugins::SPARE_WHEN_INSTANTIATION_OVER);
        h.plugins.unload_code(&info.id);
        let (events, burst) = event_burst(&h, &info.id, &mut seen, n).await?;
        // The same burst with a fresh instance per event: the package as an upgrade with `events_per_instance = 1`
        // (the Python and JavaScript templates set 16), the same component, so no compile.
        let manifest = std::fs::read_to_string(package.join("plugin.toml"))?;
        let one_each = one_instance_per_event(&manifest)?;
        let grant: Vec<_> = Manifest::parse(&one_each)?.requested().into_iter().collect();
        h.plugins.install(&one_each, &std::fs::read(package.join("plugin.wasm"))?, &grant, true).await?;
        let (events_one_each, burst_one_each) = event_burst(&h, &info.id, &mut seen, n).await?;
        calls.extend(events.iter().cloned());
        let failed: Vec<_> =
            calls.iter().chain(&unspared).chain(&events_one_each).filter(|c| c.outcome != "ok").map(|c| (&c.trigger, &c.error)).take(3).collect();
        anyhow::ensure!(failed.is_empty(), "failed calls: {failed:?}");
        let recorded = |prefix: &str| calls.iter().filter(|c| c.trigger.starts_with(prefix)).map(|c| c.duration_us as f64).collect::<Vec<_>>();
        let loaded = rss_mib();
        tokio::time::sleep(std::time::Duration::from_secs(3)).await;
        println!(
            "{}",
            serde_json::json!({
                "size_bytes": std::fs::metadata(package.join("plugin.wasm"))?.len(),
                "install_ms": install_ms,
                "rss_install_mib": after_install - base,
                "rss_loaded_mib": loaded - base,
                "rss_settled_mib": rss_mib() - base,
                "tool_wall": summary(tool),
                "tool_reload_wall": summary(reloads),
                "tool": summary(recorded("tool:hello")),
                "tool_no_spare": summary(unspared.iter().map(|c| c.duration_us as f64).collect()),
                "event": summary(recorded("event:turn.completed")),
                "event_burst_us": burst.as_secs_f64() * 1e6 / n as f64,
                "event_one_each": summary(events_one_each.iter().map(|c| c.duration_us as f64).collect()),
                "event_burst_one_each_us": burst_one_each.as_secs_f64() * 1e6 / n as f64,
                "events_per_instance": Manifest::parse(&manifest)?.limits().events_per_instance,
            })
        );
        Ok(())
    }

    /// `n` `turn.completed` events published back to back: their call records, and the wall time from the first
    /// publish to the last record.
    async fn event_burst(h: &Harness, id: &str, seen: &mut HashSet<String>, n: usize) -> anyhow::Result<(Vec<PluginCall>, Duration)> {
        let t = Instant::now();
        for i in 0..n {
            h.publish("turn.completed", Some("00000000-0000-7000-8000-000000000001"), serde_json::json!({"i": i})).await;
        }
        let calls = new_calls(h, id, seen, "event:turn.completed", n).await?;
        Ok((calls, t.elapsed()))
    }

    /// The manifest as the next patch version with `events_per_instance = 1` (or none: 1 is the default).
    fn one_instance_per_event(manifest: &str) -> anyhow::Result<String> {
        let version = semver::Version::parse(&Manifest::parse(manifest)?.version)?;
        let next = semver::Version::new(version.major, version.minor, version.patch + 1);
        let lines: Vec<String> = manifest
            .lines()
            .map(|line| match line {
                l if l.starts_with("version = ") => format!("version = \"{next}\""),
                l if l.starts_with("events_per_instance") => "events_per_instance = 1".into(),
                l => l.to_string(),
            })
            .collect();
        Ok(lines.join("\n"))
    }

    /// Make and build the template in `lang` with the CLI; the package directory.
    fn template(cli: &Path, lang: &str, scratch: &Path) -> anyhow::Result<PathBuf> {
        let dir = scratch.join(format!("src-{lang}"));
        let _ = std::fs::remove_dir_all(&dir);
        let id = format!("bench-{lang}");
        let status = Command::new(cli).args(["plugin", "new", &id, "--lang", lang, "--dir"]).arg(&dir).stdout(std::process::Stdio::null()).status()?;
        anyhow::ensure!(status.success(), "plugin new --lang {lang} failed");
        let t = Instant::now();
        let out = Command::new(cli).args(["plugin", "build"]).arg(&dir).stderr(std::process::Stdio::null()).output()?;
        anyhow::ensure!(out.status.success(), "plugin build ({lang}) failed: run it by hand in {}", dir.display());
        eprintln!("built {lang} in {:.1} s", t.elapsed().as_secs_f64());
        Ok(PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()))
    }

    fn child(package: &Path, dir: &Path, n: usize, restart: bool) -> anyhow::Result<serde_json::Value> {
        let mut cmd = Command::new(std::env::current_exe()?);
        cmd.arg("--measure-one").arg(package).arg(dir).arg(n.to_string());
        if restart {
            cmd.arg("restart");
        }
        let out = cmd.stderr(std::process::Stdio::inherit()).output()?;
        anyhow::ensure!(out.status.success(), "measuring {} failed", package.display());
        let text = String::from_utf8_lossy(&out.stdout);
        Ok(serde_json::from_str(text.lines().last().unwrap_or("{}"))?)
    }

    pub async fn run(args: &[String]) -> anyhow::Result<()> {
        let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
        let quick = args.iter().any(|a| a == "--quick");
        let cli = match arg(args, "--cli") {
            Some(c) => PathBuf::from(c),
            None => ["release", "debug"].iter().map(|p| repo.join("target").join(p).join("codex-manager")).find(|p| p.exists()).ok_or_else(|| anyhow::anyhow!("no codex-manager binary: pass --cli PATH"))?,
        };
        for (var, tool) in [("CODEX_MANAGER_COMPONENTIZE_PY", "plugin-py/bin/componentize-py"), ("CODEX_MANAGER_COMPONENTIZE_QJS", "plugin-js/node_modules/.bin/componentize-qjs")] {
            if std::env::var_os(var).is_none() && repo.join(".tools").join(tool).exists() {
                std::env::set_var(var, repo.join(".tools").join(tool));
            }
        }
        let scratch = std::env::temp_dir().join(format!("plugin-bench-lang-{}", std::process::id()));
        std::fs::create_dir_all(&scratch)?;
        // In CI (scripts/test.sh) every language must be measured: a missing componentizer is an error there, not a
        // row quietly left out.
        let require_all = args.iter().any(|a| a == "--require-all");
        let mut problems: Vec<String> = Vec::new();
        let mut packages: Vec<(String, PathBuf)> = Vec::new();
        for lang in ["rust", "python", "js"] {
            match template(&cli, lang, &scratch) {
                Ok(p) => packages.push((if lang == "js" { "js (componentize-qjs)".into() } else { lang.into() }, p)),
                Err(e) if require_all => {
                    eprintln!("FAILED {lang}: {e}");
                    problems.push(format!("{lang}: {e}"));
                }
                Err(e) => eprintln!("skipped {lang}: {e}"),
            }
        }
        for (i, a) in args.iter().enumerate() {
            if a == "--package" {
                let (label, dir) = args.get(i + 1).and_then(|v| v.split_once('=')).ok_or_else(|| anyhow::anyhow!("--package LABEL=DIR"))?;
                packages.push((label.to_string(), PathBuf::from(dir)));
            }
        }
        let empty = scratch.join("data-empty");
        let baseline = child(Path::new("-"), &empty, 0, true)?;
        println!("| plugin | component | install | host RSS after install + calls → 3 s later | host RSS after restart + 1 call | tool call (kv.get) | the same, no spare instance | tool call after an unload (wall: map + pre-link + call) | event in a burst (kv.get + kv.set + log), events per instance: as the package sets / 1 | burst wall per event: as set / 1 |");
        println!("|---|---|---|---|---|---|---|---|---|---|");
        for (label, package) in &packages {
            let n = if quick { 100 } else { 500 };
            let dir = scratch.join(format!("data-{}", label.split_whitespace().next().unwrap_or("x")));
            let _ = std::fs::remove_dir_all(&dir);
            let m = match child(package, &dir, n, false) {
                Ok(m) => m,
                Err(e) => {
                    println!("| {label} | failed: {e} | | | | | | | | |");
                    problems.push(format!("{label}: {e}"));
                    continue;
                }
            };
            let r = child(package, &dir, 0, true)?;
            let restart_rss = r["rss_mib"].as_f64().unwrap_or(f64::NAN) - baseline["rss_mib"].as_f64().unwrap_or(f64::NAN);
            let part = |k: &str| r["parts"][k].as_f64().unwrap_or(f64::NAN) - baseline["parts"][k].as_f64().unwrap_or(f64::NAN);
            eprintln!("{label}: after restart + 1 call, over the empty host: anon {:+.1} MiB, file {:+.1} MiB, shmem {:+.1} MiB", part("anon"), part("file"), part("shmem"));
            let idle = |k: &str| r["parts_idle"][k].as_f64().unwrap_or(f64::NAN) - baseline["parts_idle"][k].as_f64().unwrap_or(f64::NAN);
            eprintln!(
                "{label}: {:?} later (its code unloaded), over the empty host: {:+.1} MiB (anon {:+.1}, file {:+.1})",
                codex_manager_host::plugins::IDLE_UNLOAD + Duration::from_secs(1),
                r["rss_idle_mib"].as_f64().unwrap_or(f64::NAN) - baseline["rss_idle_mib"].as_f64().unwrap_or(f64::NAN),
                idle("anon"),
                idle("file")
            );
            println!(
                "| {label} | {:.2} MB | {:.0} ms | +{:.1} → +{:.1} MiB | +{:.1} MiB | {} | {} | {} | {}: {} / 1: {} | {:.0} / {:.0} µs |",
                m["size_bytes"].as_f64().unwrap_or(0.0) / 1e6,
                m["install_ms"].as_f64().unwrap_or(f64::NAN),
                m["rss_loaded_mib"].as_f64().unwrap_or(f64::NAN),
                m["rss_settled_mib"].as_f64().unwrap_or(f64::NAN),
                restart_rss,
                m["tool"].as_str().unwrap_or("?"),
                m["tool_no_spare"].as_str().unwrap_or("?"),
                m["tool_reload_wall"].as_str().unwrap_or("?"),
                m["events_per_instance"],
                m["event"].as_str().unwrap_or("?"),
                m["event_one_each"].as_str().unwrap_or("?"),
                m["event_burst_us"].as_f64().unwrap_or(f64::NAN),
                m["event_burst_one_each_us"].as_f64().unwrap_or(f64::NAN),
            );
        }
        let _ = std::fs::remove_dir_all(&scratch);
        anyhow::ensure!(problems.is_empty(), "not every language was measured: {}", problems.join("; "));
        Ok(())
    }
}
