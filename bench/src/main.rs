//! `cm-bench`: measures the quality bars of DESIGN.md against the real `codex-manager` binary, with the scripted
//! `fake-app-server` standing in for codex (it initializes at once and streams timestamped deltas on demand), and
//! beside it the real `codex app-server` against the project's fake model.
//!
//! ```text
//! cm-bench [--host-bin PATH] [--fake-bin PATH] [--codex-bin PATH] [--quick] [--only LIST] [--out FILE]
//! cm-bench --compare OLD_HOST_BIN [--host-bin NEW] [--compare-runs N] [--quick] [--only LIST] [--out FILE]
//! cm-bench --compare-runs N [...]
//! cm-bench --flood N [--host-bin PATH] [--fake-bin PATH] [--out FILE]
//! ```
//!
//! `--compare` runs every scenario for the old and the new host interleaved (old, new, old, new, … N rounds,
//! default 3), each from a copy made at the start beside its original (see `FreshCopies`), and prints each row's
//! median for both and the ratio new / old. `--compare-runs N` alone runs one host
//! N times and prints the medians. `--only` picks scenarios: `fake` (start-up and streaming against the fake peer),
//! `floor` (the same paced reply through a bare relay instead of the host: what the machine's wake-ups and writes
//! cost before any of the host's work; see `floor`), `codex` (the real app-server), `reads` (big-data reads); default
//! all. `--flood N` runs only the connection-flood scenario (N half-open connections; see `flood`).
//!
//! Defaults: `codex-manager`, `fake-app-server` and `fake-model` next to this binary (`target/release/`); codex from
//! `CODEX_BIN`, else `.tools/codex/node_modules/.bin/codex` of the checkout, else `codex` on `PATH`. Prints a
//! markdown table; `--out FILE` also writes it to FILE. Exits non-zero when a check failed (a client missed a
//! delta, a turn did not complete). See `docs/benchmarks.md` for what each number means.

mod client;
mod codex;
mod floor;
mod flood;
mod host;
mod reads;
mod report;
mod scenarios;
mod stats;

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{bail, Context};

use host::Binaries;
use report::Report;
use scenarios::Counts;

/// The scenario groups `--only` chooses from.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Scenario {
    Fake,
    /// The floor: the paced reply through a bare relay instead of the host (see `floor`).
    Floor,
    Codex,
    Reads,
}

struct Args {
    bins: Binaries,
    /// `--compare`: the old host binary.
    old_host: Option<PathBuf>,
    rounds: Option<usize>,
    fake_model: PathBuf,
    codex: Option<PathBuf>,
    scenarios: Vec<Scenario>,
    quick: bool,
    out: Option<PathBuf>,
    flood: Option<usize>,
}

const USAGE: &str = "usage: cm-bench [--host-bin PATH] [--fake-bin PATH] [--fake-model-bin PATH] [--codex-bin PATH] \
[--compare OLD_HOST_BIN] [--compare-runs N] [--only fake,floor,codex,reads] [--quick | --flood N] [--out FILE]";

/// The codex to run: `CODEX_BIN`, the checkout's pinned one, or `codex` on `PATH`; `None` when there is none.
fn default_codex(here: &Path) -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("CODEX_BIN") {
        return Some(PathBuf::from(p));
    }
    // target/release/cm-bench → the checkout; also the current directory.
    let roots = [here.join("../.."), std::env::current_dir().unwrap_or_default()];
    for root in roots {
        let root = std::fs::canonicalize(&root).unwrap_or(root);
        let pinned = root.join(".tools/codex/node_modules/.bin/codex");
        if pinned.is_file() {
            return Some(pinned);
        }
    }
    std::env::var_os("PATH").and_then(|path| {
        std::env::split_paths(&path).map(|d| d.join("codex")).find(|p| p.is_file())
    })
}

fn parse_args() -> anyhow::Result<Args> {
    let here = std::env::current_exe()?.parent().map(PathBuf::from).unwrap_or_default();
    let mut bins = Binaries { host: here.join("codex-manager"), fake: here.join("fake-app-server") };
    let mut fake_model = here.join("fake-model");
    let mut codex = None;
    let mut old_host = None;
    let mut rounds = None;
    let mut scenarios = vec![Scenario::Fake, Scenario::Floor, Scenario::Codex, Scenario::Reads];
    let mut quick = false;
    let mut out = None;
    let mut flood = None;
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let mut value = || args.next().with_context(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--host-bin" => bins.host = PathBuf::from(value()?),
            "--fake-bin" => bins.fake = PathBuf::from(value()?),
            "--fake-model-bin" => fake_model = PathBuf::from(value()?),
            "--codex-bin" => codex = Some(PathBuf::from(value()?)),
            "--compare" => old_host = Some(PathBuf::from(value()?)),
            "--compare-runs" => {
                let n: usize = value()?.parse().context("--compare-runs takes a number of rounds")?;
                rounds = Some(n.max(1));
            }
            "--only" => {
                scenarios = value()?
                    .split(',')
                    .map(|s| match s.trim() {
                        "fake" => Ok(Scenario::Fake),
                        "floor" => Ok(Scenario::Floor),
                        "codex" => Ok(Scenario::Codex),
                        "reads" => Ok(Scenario::Reads),
                        other => bail!("unknown scenario {other} (fake, floor, codex, reads)"),
                    })
                    .collect::<anyhow::Result<_>>()?
            }
            "--out" => out = Some(PathBuf::from(value()?)),
            "--quick" => quick = true,
            "--flood" => flood = Some(value()?.parse().context("--flood takes a number of connections")?),
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            other => bail!("unknown argument {other}\n{USAGE}"),
        }
    }
    let mut required = vec![("--host-bin", &mut bins.host), ("--fake-bin", &mut bins.fake)];
    if let Some(old) = old_host.as_mut() {
        required.push(("--compare", old));
    }
    for (what, path) in required {
        if !path.is_file() {
            bail!(
                "{what} {} does not exist; build first: cargo build --release -p codex-manager -p codex-manager-fakes",
                path.display()
            );
        }
        *path = std::fs::canonicalize(&*path)?;
    }
    let codex = codex.or_else(|| default_codex(&here));
    Ok(Args { bins, old_host, rounds, fake_model, codex, scenarios, quick, out, flood })
}

fn main() -> anyhow::Result<()> {
    let raw: Vec<String> = std::env::args().skip(1).collect();
    if raw.first().map(String::as_str) == Some(floor::RELAY_FLAG) {
        return floor::relay_main(&raw[1..]);
    }
    let args = parse_args()?;
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    let failed = runtime.block_on(run(args))?;
    if failed {
        eprintln!("cm-bench: some checks failed (see the report)");
        std::process::exit(1);
    }
    Ok(())
}

/// Everything a run of the scenarios needs besides the host binary.
pub struct Setup {
    pub counts: Counts,
    pub http: reqwest::Client,
    pub fake_model: PathBuf,
    pub codex: Option<PathBuf>,
    scenarios: Vec<Scenario>,
}

/// Every chosen scenario once, against `bins.host`.
async fn suite(setup: &Setup, bins: &Binaries) -> anyhow::Result<Report> {
    let counts = &setup.counts;
    let mut report = Report::default();
    let label = bins.host.display();
    if setup.scenarios.contains(&Scenario::Fake) {
        eprintln!("cm-bench [{label}]: {} fresh starts…", counts.starts);
        let startup = scenarios::startup(bins, &setup.http, counts.starts).await.context("start-up runs")?;
        eprintln!(
            "cm-bench [{label}]: streaming ({} flat out, {} at {}/s to 1, {} and {} clients, {} turns)…",
            counts.big, counts.paced, counts.rate, counts.many, counts.cpu_clients, counts.turns
        );
        let steady = scenarios::steady(bins, &setup.http, counts).await.context("streaming runs")?;
        report.extend(report::steady_report(counts, &startup, &steady));
    }
    if setup.scenarios.contains(&Scenario::Floor) {
        eprintln!("cm-bench [{label}]: the floor: the paced reply through a bare relay…");
        report.extend(floor::run(&bins.fake, counts).await.context("the floor's relay")?);
    }
    if setup.scenarios.contains(&Scenario::Codex) {
        eprintln!("cm-bench [{label}]: the real codex app-server against the fake model…");
        report.extend(codex::run(setup, bins).await.context("real codex scenario")?);
    }
    if setup.scenarios.contains(&Scenario::Reads) {
        eprintln!("cm-bench [{label}]: big-data reads…");
        report.extend(reads::run(setup, bins).await.context("big-data reads")?);
    }
    Ok(report)
}

/// Copies of the host binaries a comparison runs, made at its start and removed after it. The same bytes read more
/// resident memory from a file just written than from one written hours before (2026-12-06: a fresh copy of a host
/// binary idled with 0.4-0.6 MiB more `RssFile` than the file it was copied from): copies made together give both
/// hosts the same page-cache history, so the memory rows compare the code, not the files' ages. Each copy is made
/// beside its original, so that a host still finds what it looks up from its executable's directories (the shipped
/// plugins' `plugins/dist`, the project's codex install).
#[derive(Default)]
struct FreshCopies(Vec<PathBuf>);

impl FreshCopies {
    /// A copy of `bin` (permissions included), in a directory of its own beside it.
    fn of(&mut self, bin: &Path, name: &str) -> anyhow::Result<PathBuf> {
        let parent = bin.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        let dir = parent.join(format!(".cm-bench-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        self.0.push(dir.clone());
        let copy = dir.join(bin.file_name().unwrap_or("codex-manager".as_ref()));
        std::fs::copy(bin, &copy).with_context(|| format!("copying {} to {}", bin.display(), copy.display()))?;
        Ok(copy)
    }
}

impl Drop for FreshCopies {
    fn drop(&mut self) {
        for dir in self.0.drain(..) {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

/// Runs what the arguments ask; true when a check failed.
async fn run(args: Args) -> anyhow::Result<bool> {
    if let Some(n) = args.flood {
        eprintln!("cm-bench: connection flood of {n}, capped and held…");
        let (runs, note) = flood::flood(&args.bins, n).await.context("connection flood")?;
        emit(&flood::render(&runs, note.as_deref()), args.out.as_deref())?;
        return Ok(false);
    }
    let setup = Setup {
        counts: if args.quick { Counts::quick() } else { Counts::full() },
        http: reqwest::Client::builder()
            .no_proxy()
            .timeout(Duration::from_secs(30))
            .pool_idle_timeout(Duration::from_secs(300))
            .build()?,
        fake_model: args.fake_model.clone(),
        codex: args.codex.clone(),
        scenarios: args.scenarios.clone(),
    };
    let fake_line = format!("app-server fake `{}`", args.bins.fake.display());
    match (&args.old_host, args.rounds) {
        (None, None) => {
            let report = suite(&setup, &args.bins).await?;
            let bins = format!("binaries: host `{}`, {fake_line}", args.bins.host.display());
            emit(&report::render(&report, &bins), args.out.as_deref())?;
            Ok(!report.failures.is_empty())
        }
        (old, rounds) => {
            let rounds = rounds.unwrap_or(3);
            if old.is_none() {
                let mut news = Vec::new();
                for round in 1..=rounds {
                    eprintln!("cm-bench: run {round} of {rounds}");
                    news.push(suite(&setup, &args.bins).await?);
                }
                let bins = format!("binaries: host `{}`, {fake_line}", args.bins.host.display());
                emit(&report::render_medians(&news, &bins), args.out.as_deref())?;
                return Ok(news.iter().any(|r| !r.failures.is_empty()));
            }
            let old_host = old.clone().unwrap_or_else(|| args.bins.host.clone());
            let mut copies = FreshCopies::default();
            let old_bins = Binaries { host: copies.of(&old_host, "old")?, fake: args.bins.fake.clone() };
            let new_bins = Binaries { host: copies.of(&args.bins.host, "new")?, fake: args.bins.fake.clone() };
            let (mut olds, mut news) = (Vec::new(), Vec::new());
            for round in 1..=rounds {
                eprintln!("cm-bench: round {round} of {rounds}");
                olds.push(suite(&setup, &old_bins).await?);
                news.push(suite(&setup, &new_bins).await?);
            }
            let bins = format!(
                "binaries: old host `{}`, new host `{}` (each run from a copy made at the start), {fake_line}",
                old_host.display(),
                args.bins.host.display()
            );
            emit(&report::render_compare(&olds, &news, &bins), args.out.as_deref())?;
            Ok(olds.iter().chain(&news).any(|r| !r.failures.is_empty()))
        }
    }
}

fn emit(text: &str, out: Option<&std::path::Path>) -> anyhow::Result<()> {
    println!("{text}");
    if let Some(path) = out {
        std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))?;
        eprintln!("cm-bench: wrote {}", path.display());
    }
    Ok(())
}
