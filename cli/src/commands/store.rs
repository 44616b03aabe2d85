//! `codex-manager store migrate --to postgres://…`: copy a data dir's SQLite store into an empty PostgreSQL
//! database, run here rather than through the API (the host on that data dir must be stopped). The copying is the
//! host crate's (`store::transfer`); this prints what it did.

use clap::{Args, Subcommand};
use codex_manager_host::store::transfer::{self, TransferReport};
use serde_json::json;

use crate::output::Output;

#[derive(Subcommand)]
pub enum StoreCommand {
    /// Copy the data dir's SQLite store into an empty PostgreSQL database (stop the host first), then start the
    /// host with `--database-url`. The SQLite file is left as it was.
    Migrate(MigrateArgs),
}

#[derive(Args)]
pub struct MigrateArgs {
    /// The target database: postgres://USER:PASSWORD@HOST:PORT/DATABASE (the role's first schema on its search
    /// path receives the tables). Taken from CODEX_MANAGER_DATABASE_URL when not given, so the password need not
    /// be on the command line.
    #[arg(long, env = "CODEX_MANAGER_DATABASE_URL", hide_env_values = true)]
    to: String,
}

pub async fn run(cmd: StoreCommand, data_dir: &std::path::Path, out: &Output) -> anyhow::Result<()> {
    match cmd {
        StoreCommand::Migrate(a) => {
            if !out.json {
                eprintln!("copying {} into {} ...", data_dir.join(codex_manager_host::store::DATABASE_FILE).display(), codex_manager_host::store::redact_url(&a.to));
            }
            let report = transfer::sqlite_to_postgres(data_dir, &a.to).await?;
            out.show(&json!(report), |_| human(out, &report));
            Ok(())
        }
    }
}

fn human(out: &Output, report: &TransferReport) -> String {
    let rows = report.tables.iter().map(|t| vec![t.table.clone(), t.rows.to_string()]).collect();
    format!(
        "{}\ncopied {} rows in {} tables in {:.1} s into {} (last event seq {}).\nStart the host with --database-url (or CODEX_MANAGER_DATABASE_URL) to use it; {} is left as it was.",
        out.table(&["TABLE", "ROWS"], rows),
        report.rows,
        report.tables.len(),
        report.elapsed.as_secs_f64(),
        report.target,
        report.last_seq,
        report.source.display(),
    )
}
