//! `cm-bench`: measures the quality bars of DESIGN.md against the real `codex-manager` binary, with the scripted
//! `fake-app-server` standing in for codex (it initializes at once and streams timestamped deltas on demand).
//!
//! ```text
//! cm-bench [--host-bin PATH] [--fake-bin PATH] [--quick] [--out FILE]
//! cm-bench --flood N [--host-bin PATH] [--fake-bin PATH] [--out FILE]
//! ```
//!
//! `--flood N` runs only the connection-flood scenario (N half-open connections; see `flood`).
//!
//! Defaults: `codex-manager` and `fake-app-server` next to this binary (`target/release/`). Prints a markdown
//! table; `--out FILE` also writes it to FILE. See `docs/benchmarks.md` for what each number means.

mod client;
mod flood;
mod host;
mod report;
mod scenarios;
mod stats;

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{bail, Context};

use host::Binaries;
use scenarios::Counts;

struct Args {
    bins: Binaries,
    quick: bool,
    out: Option<PathBuf>,
    flood: Option<usize>,
}

const USAGE: &str = "usage: cm-bench [--host-bin PATH] [--fake-bin PATH] [--quick | --flood N] [--out FILE]";

fn parse_args() -> anyhow::Result<Args> {
    let here = std::env::current_exe()?.parent().map(PathBuf::from).unwrap_or_default();
    let mut bins = Binaries { host: here.join("codex-manager"), fake: here.join("fake-app-server") };
    let mut quick = false;
    let mut out = None;
    let mut flood = None;
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let mut value = || args.next().with_context(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--host-bin" => bins.host = PathBuf::from(value()?),
            "--fake-bin" => bins.fake = PathBuf::from(value()?),
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
    for (what, path) in [("--host-bin", &bins.host), ("--fake-bin", &bins.fake)] {
        if !path.is_file() {
            bail!(
                "{what} {} does not exist; build first: cargo build --release -p codex-manager -p codex-manager-fakes",
                path.display()
            );
        }
    }
    bins.host = std::fs::canonicalize(&bins.host)?;
    bins.fake = std::fs::canonicalize(&bins.fake)?;
    Ok(Args { bins, quick, out, flood })
}

fn main() -> anyhow::Result<()> {
    let args = parse_args()?;
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    runtime.block_on(run(args))
}

async fn run(args: Args) -> anyhow::Result<()> {
    if let Some(n) = args.flood {
        eprintln!("cm-bench: connection flood of {n}, capped and held…");
        let (runs, note) = flood::flood(&args.bins, n).await.context("connection flood")?;
        return emit(&flood::render(&runs, note.as_deref()), args.out.as_deref());
    }
    let counts = if args.quick { Counts::quick() } else { Counts::full() };
    let http = reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(30))
        .pool_idle_timeout(Duration::from_secs(300))
        .build()?;

    eprintln!("cm-bench: {} fresh starts…", counts.starts);
    let startup = scenarios::startup(&args.bins, &http, counts.starts).await.context("start-up runs")?;
    eprintln!(
        "cm-bench: streaming ({} flat out, {} at {}/s to 1 and {} clients, {} turns)…",
        counts.big, counts.paced, counts.rate, counts.many, counts.turns
    );
    let steady = scenarios::steady(&args.bins, &http, &counts).await.context("streaming runs")?;

    let text =
        report::render(&report::Inputs { counts: &counts, bins: &args.bins, startup: &startup, steady: &steady });
    emit(&text, args.out.as_deref())
}

fn emit(text: &str, out: Option<&std::path::Path>) -> anyhow::Result<()> {
    println!("{text}");
    if let Some(path) = out {
        std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))?;
        eprintln!("cm-bench: wrote {}", path.display());
    }
    Ok(())
}
