//! `codex-manager`: `serve` runs the host; every other command is a client of its API, so whatever the CLI does,
//! the web UI, the Python SDK and plugins can do the same way.

mod client;
mod commands;
mod output;
mod serve;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "codex-manager", version, about = "A local control plane for OpenAI Codex sessions")]
struct Cli {
    /// The host's URL (client commands).
    #[arg(long, global = true, env = "CODEX_MANAGER_URL", default_value = "http://127.0.0.1:8417")]
    url: String,
    /// The API token (client commands); default: the `token` file in the data dir.
    #[arg(long, global = true, env = "CODEX_MANAGER_TOKEN", hide_env_values = true)]
    token: Option<String>,
    /// The data dir (where the host keeps its store and token).
    #[arg(long, global = true, env = "CODEX_MANAGER_DATA_DIR")]
    data_dir: Option<PathBuf>,
    /// Print raw JSON instead of a human summary.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the host: supervise codex app-server and serve the API and web UI.
    Serve(serve::ServeArgs),
    /// Whether the host and app-server are ready.
    Status,
    /// Print a one-time login link for the web UI.
    LoginLink,
    /// Projects: list, create, rename, delete.
    #[command(subcommand)]
    Projects(commands::projects::ProjectsCommand),
    /// Sessions (chats): list, create, show, rename, archive, delete, fork, resume.
    #[command(subcommand)]
    Sessions(commands::sessions::SessionsCommand),
    /// Approvals, tool input and tool calls waiting for an answer; answer them.
    #[command(subcommand)]
    Requests(commands::requests::RequestsCommand),
    /// Send a message to a session (starts a turn); `--wait` streams the reply.
    Send(commands::turns::SendArgs),
    /// Add input to the running turn.
    Steer(commands::turns::SteerArgs),
    /// Interrupt the running turn.
    Interrupt(commands::turns::InterruptArgs),
    /// Read the event log; `--follow` keeps streaming.
    Events(commands::events::EventsArgs),
    /// Per-session settings.
    #[command(subcommand)]
    Settings(commands::settings::SettingsCommand),
    /// Session controls (model, effort, approval policy, sandbox, network).
    #[command(subcommand)]
    Controls(commands::settings::ControlsCommand),
    /// Codex's account: show, log in, log out, rate limits.
    #[command(subcommand)]
    Account(commands::codex::AccountCommand),
    /// The models codex offers.
    Models,
    /// Codex's configuration.
    #[command(subcommand)]
    Config(commands::codex::ConfigCommand),
    /// What the connected codex supports.
    Capabilities,
    /// WebAssembly extensions: install, list, info, enable, disable, remove, upgrade, logs, new.
    #[command(subcommand)]
    Plugin(commands::plugins::PluginCommand),
    /// The job queue: list, show, enqueue, cancel, retry, kinds, stats.
    #[command(subcommand)]
    Jobs(commands::jobs::JobsCommand),
}

#[tokio::main]
async fn main() {
    let cli = Cli::parse();
    let result = run(cli).await;
    if let Err(e) = result {
        eprintln!("error: {e:#}");
        std::process::exit(match e.downcast_ref::<client::ApiFailure>() {
            Some(f) if f.status == 404 => 3,
            Some(f) if f.status == 409 => 4,
            Some(_) => 2,
            None => 1,
        });
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let data_dir = cli.data_dir.clone().unwrap_or_else(codex_manager_host::config::default_data_dir);
    if let Command::Serve(args) = cli.command {
        return serve::run(args, data_dir, cli.token).await;
    }
    // Scaffolding a plugin needs no running host.
    if let Command::Plugin(commands::plugins::PluginCommand::New { name, plugins_dir }) = cli.command {
        return commands::plugins::new_plugin(&name, plugins_dir);
    }
    let client = client::Client::new(&cli.url, cli.token.clone(), &data_dir)?;
    let out = output::Output { json: cli.json };
    match cli.command {
        Command::Serve(_) => unreachable!("handled above"),
        Command::Plugin(commands::plugins::PluginCommand::New { .. }) => unreachable!("handled above"),
        Command::Status => commands::status(&client, &out).await,
        Command::LoginLink => commands::login_link(&client, &out).await,
        Command::Projects(c) => commands::projects::run(c, &client, &out).await,
        Command::Sessions(c) => commands::sessions::run(c, &client, &out).await,
        Command::Requests(c) => commands::requests::run(c, &client, &out).await,
        Command::Send(a) => commands::turns::send(a, &client, &out).await,
        Command::Steer(a) => commands::turns::steer(a, &client, &out).await,
        Command::Interrupt(a) => commands::turns::interrupt(a, &client, &out).await,
        Command::Events(a) => commands::events::run(a, &client, &out).await,
        Command::Settings(c) => commands::settings::run_settings(c, &client, &out).await,
        Command::Controls(c) => commands::settings::run_controls(c, &client, &out).await,
        Command::Account(c) => commands::codex::account(c, &client, &out).await,
        Command::Models => commands::codex::models(&client, &out).await,
        Command::Config(c) => commands::codex::config(c, &client, &out).await,
        Command::Capabilities => commands::codex::capabilities(&client, &out).await,
        Command::Plugin(c) => commands::plugins::run(c, &client, &out).await,
        Command::Jobs(c) => commands::jobs::run(c, &client, &out).await,
    }
}
