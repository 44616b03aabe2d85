//! `fake-model [--port N] [--delay-ms N] [--script FILE]`: runs the fake Responses API model
//! on 127.0.0.1, prints `listening on <base_url>` and serves until killed.

use std::path::PathBuf;

use anyhow::{bail, Context as _};
use codex_manager_fakes::model::{start_on, FakeModelConfig};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut config = FakeModelConfig::default();
    let mut port = 0;
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let mut value = || args.next().with_context(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--port" => port = value()?.parse().context("--port")?,
            "--delay-ms" => config.delay_ms = value()?.parse().context("--delay-ms")?,
            "--script" => config.script = Some(PathBuf::from(value()?)),
            "-h" | "--help" => {
                println!("usage: fake-model [--port N] [--delay-ms N] [--script FILE]");
                return Ok(());
            }
            other => bail!("unknown argument {other}; see --help"),
        }
    }
    let model = start_on(config, port).await?;
    println!("listening on {}", model.base_url());
    tokio::signal::ctrl_c().await?;
    Ok(())
}
