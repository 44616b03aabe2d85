//! `codex-manager`: `serve` runs the host; every other command is a client of its API, so whatever the CLI does,
//! the web UI, the Python SDK and plugins can do the same way. Every API operation has a command (the parity gate
//! in conformance/tests/cli_parity.rs holds that); docs/cli.md lists them, the exit codes and profiles.

mod api;
mod client;
mod commands;
mod exit;
mod output;
mod profile;
mod resolve;
mod serve;

use std::path::PathBuf;

use clap::{CommandFactory, Parser, Subcommand};

use crate::exit::Exit;

// jemalloc, so what a burst freed goes back to the system (codex_manager_host::memory::JEMALLOC_CONF).
codex_manager_host::jemalloc_global_allocator!();

#[derive(Parser)]
#[command(name = "codex-manager", version, about = "A local control plane for OpenAI Codex sessions")]
pub struct Cli {
    /// The host's URL (client commands) [default: the profile's, else http://127.0.0.1:8417].
    #[arg(long, global = true, env = "CODEX_MANAGER_URL")]
    url: Option<String>,
    /// The API token (client commands); default: the profile's, else the `token` file in the data dir.
    #[arg(long, global = true, env = "CODEX_MANAGER_TOKEN", hide_env_values = true)]
    token: Option<String>,
    /// The data dir (where the host keeps its store and token).
    #[arg(long, global = true, env = "CODEX_MANAGER_DATA_DIR")]
    data_dir: Option<PathBuf>,
    /// A named host from the profiles file (see docs/cli.md); flags and environment variables still win.
    #[arg(long, global = true, env = "CODEX_MANAGER_PROFILE")]
    profile: Option<String>,
    /// Print the host's JSON instead of a human summary; errors too are JSON (on stderr).
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the host: supervise codex app-server and serve the API and web UI.
    Serve(serve::ServeArgs),
    /// Whether the host and app-server are ready (exit 6 when not).
    #[command(visible_alias = "ready")]
    Status,
    /// The host's liveness and version.
    Health,
    /// Check this machine: codex and its version, the sandbox's prerequisites, the data dir, the port, the web
    /// build, plugins (exit 1 when a check fails).
    Doctor(commands::doctor::DoctorArgs),
    /// The host's log file (`<data-dir>/host.log`); `--follow` keeps printing, across rotations.
    Logs(commands::logs::LogsArgs),
    /// Print a one-time login link for the web UI.
    LoginLink,
    /// The hosts sharing this store (several on one PostgreSQL database), whether each is online.
    Hosts,
    /// Projects: list, show, create, update, delete, move or delete their sessions.
    #[command(subcommand)]
    Projects(commands::projects::ProjectsCommand),
    /// Sessions (chats): list, create, show, fork, review, compact, revert, shell, turns, ...
    #[command(subcommand)]
    Sessions(commands::sessions::SessionsCommand),
    /// Approvals, tool input and tool calls waiting for an answer; answer them.
    #[command(subcommand)]
    Requests(commands::requests::RequestsCommand),
    /// A live chat with a session: streams replies, asks approvals and questions inline.
    Chat(commands::chat::ChatArgs),
    /// Send a message to a session (starts a turn); `--wait` streams the reply.
    Send(commands::turns::SendArgs),
    /// Add input to the running turn.
    Steer(commands::turns::SteerArgs),
    /// Interrupt the running turn.
    Interrupt(commands::turns::InterruptArgs),
    /// Read the event log; `--follow` keeps streaming.
    Events(commands::events::EventsArgs),
    /// Notes plugins left on a session (turn reviews, suggested next requests).
    Notes(commands::sessions::NotesArgs),
    /// Per-session settings.
    #[command(subcommand)]
    Settings(commands::settings::SettingsCommand),
    /// Session controls (model, effort, approval policy, sandbox, network).
    #[command(subcommand)]
    Controls(commands::settings::ControlsCommand),
    /// Codex's account: show, log in, log out, rate limits, usage.
    #[command(subcommand)]
    Account(commands::codex::AccountCommand),
    /// The models codex offers.
    Models(commands::catalog::ModelsArgs),
    /// The model providers codex knows.
    Providers,
    /// The collaboration modes (presets) codex offers.
    CollaborationModes,
    /// Codex's configuration: get, set, batch, requirements.
    #[command(subcommand)]
    Config(commands::codex::ConfigCommand),
    /// MCP servers: list, reload, log in (OAuth).
    #[command(subcommand)]
    Mcp(commands::catalog::McpCommand),
    /// Skills: list, enable, disable.
    #[command(subcommand)]
    Skills(commands::catalog::SkillsCommand),
    /// Experimental features: list, enable, disable.
    #[command(subcommand)]
    Features(commands::catalog::FeaturesCommand),
    /// Hooks: list, set.
    #[command(subcommand)]
    Hooks(commands::catalog::HooksCommand),
    /// Run a command through codex (sandboxed by default), outside any session.
    Exec(commands::codex::ExecArgs),
    /// Send feedback to OpenAI about codex.
    Feedback(commands::codex::FeedbackArgs),
    /// What the connected codex supports.
    Capabilities,
    /// WebAssembly extensions: install, list, info, enable, disable, remove, upgrade, logs, new.
    #[command(subcommand)]
    Plugin(commands::plugins::PluginCommand),
    /// A session's follow-up queue (`send --queue`): list, edit, move, rm, pause, resume.
    #[command(subcommand)]
    Followups(commands::followups::FollowupsCommand),
    /// Routines (saved prompts or jobs run by a schedule, a signed webhook or by hand): list, show, create, edit, rm,
    /// run, runs, rotate-secret, next.
    #[command(subcommand)]
    Routines(commands::routines::RoutinesCommand),
    /// What holds automated turns back now: Codex's usage limit, spent budgets, each with when it lifts.
    Limits,
    /// Daily token budgets (host-wide, per project) that hold automated turns once spent: list, set.
    #[command(subcommand)]
    Budgets(commands::limits::BudgetsCommand),
    /// Tokens used by turns, per UTC day: the host's, a project's or a session's.
    Usage(commands::limits::UsageArgs),
    /// The job queue: list, get, enqueue, cancel, retry, wait, kinds, stats.
    #[command(subcommand)]
    Jobs(commands::jobs::JobsCommand),
    /// The host's store, with the host stopped: `store migrate --to postgres://…` moves a SQLite data dir to
    /// PostgreSQL.
    #[command(subcommand)]
    Store(commands::store::StoreCommand),
    /// Call any API route: `codex-manager api POST /api/sessions --data '{"cwd":"/tmp"}'`.
    Api(commands::raw::ApiArgs),
    /// Print a shell completion script: `codex-manager completions bash > ~/.local/share/bash-completion/completions/codex-manager`.
    Completions {
        shell: clap_complete::Shell,
    },
}

fn main() {
    // The host's plugin compiler, a child of this executable: not a command of the CLI.
    let mut args = std::env::args_os().skip(1);
    if args.next().is_some_and(|first| first == codex_manager_host::plugins::compiler::CHILD_ARG) {
        let rest: Vec<String> = args.map(|a| a.to_string_lossy().into_owned()).collect();
        std::process::exit(codex_manager_host::plugins::compiler::run_child(&rest));
    }
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => usage_exit(e),
    };
    let json = cli.json;
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("a tokio runtime");
    if let Err(e) = runtime.block_on(run(cli)) {
        let (exit, envelope) = exit::classify(&e);
        if envelope.is_null() {
        } else if json {
            eprintln!("{}", serde_json::to_string(&envelope).unwrap_or_default());
        } else {
            eprintln!("error: {e:#}");
        }
        std::process::exit(exit.code());
    }
}

/// Clap's own errors exit 2 (its usage code, ours too); `--help` and `--version` exit 0. Under `--json` a usage
/// error is an envelope like any other.
fn usage_exit(e: clap::Error) -> ! {
    use clap::error::ErrorKind;
    let wants_json = std::env::args().any(|a| a == "--json");
    let informational = matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand);
    if wants_json && !informational {
        let message = e.render().to_string();
        let envelope = serde_json::json!({"error": {"code": "usage", "message": message.trim(), "details": null}});
        eprintln!("{envelope}");
        std::process::exit(Exit::Usage.code());
    }
    if informational {
        e.exit();
    }
    let _ = e.print();
    std::process::exit(Exit::Usage.code());
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let out = output::Output::new(cli.json);
    match cli.command {
        Command::Serve(args) => {
            return serve::run(args, cli.data_dir.clone(), cli.token).await;
        }
        // Neither needs a running host.
        Command::Plugin(commands::plugins::PluginCommand::New { name, lang, dir }) => {
            return commands::plugins::new_plugin(&name, lang, dir);
        }
        Command::Plugin(commands::plugins::PluginCommand::Build(args)) => {
            return commands::plugins::build_plugin(&args);
        }
        Command::Api(a) if a.is_list() => {
            commands::raw::list(&out);
            return Ok(());
        }
        Command::Completions { shell } => {
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "codex-manager", &mut script);
            // A closed pipe (`| head`) is the reader's choice, not an error worth a panic.
            return match std::io::Write::write_all(&mut std::io::stdout(), &script) {
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
                other => Ok(other?),
            };
        }
        _ => {}
    }
    let profile = profile::resolve(cli.profile.as_deref())?;
    let url = cli.url.or(profile.url).unwrap_or_else(|| "http://127.0.0.1:8417".to_string());
    let data_dir = cli.data_dir.or(profile.data_dir).unwrap_or_else(codex_manager_host::config::default_data_dir);
    let token = cli.token.or(profile.token);
    match cli.command {
        // None needs a running host (nor, for `logs` and `store`, a token).
        Command::Logs(a) => return commands::logs::run(a, &data_dir).await,
        Command::Store(cmd) => return commands::store::run(cmd, &data_dir, &out).await,
        Command::Doctor(a) => {
            let client = client::Client::new(&url, token, &data_dir).ok();
            return commands::doctor::run(a, &url, &data_dir, client, &out).await;
        }
        _ => {}
    }
    let client = client::Client::new(&url, token, &data_dir)?;
    let (c, o) = (&client, &out);
    use commands::*;
    match cli.command {
        Command::Serve(_)
        | Command::Completions { .. }
        | Command::Plugin(plugins::PluginCommand::New { .. })
        | Command::Plugin(plugins::PluginCommand::Build(_))
        | Command::Logs(_)
        | Command::Store(_)
        | Command::Doctor(_) => {
            unreachable!("handled above")
        }
        Command::Status => status(c, o, &url).await,
        Command::Health => health(c, o).await,
        Command::LoginLink => login_link(c, o).await,
        Command::Hosts => commands::hosts::list(c, o).await,
        Command::Projects(cmd) => projects::run(cmd, c, o).await,
        Command::Sessions(cmd) => sessions::run(cmd, c, o).await,
        Command::Requests(cmd) => requests::run(cmd, c, o).await,
        Command::Chat(a) => chat::run(a, c, o).await,
        Command::Send(a) => turns::send(a, c, o).await,
        Command::Steer(a) => turns::steer(a, c, o).await,
        Command::Interrupt(a) => turns::interrupt(a, c, o).await,
        Command::Events(a) => events::run(a, c, o).await,
        Command::Notes(a) => sessions::notes(a, c, o).await,
        Command::Settings(cmd) => settings::run_settings(cmd, c, o).await,
        Command::Controls(cmd) => settings::run_controls(cmd, c, o).await,
        Command::Account(cmd) => codex::account(cmd, c, o).await,
        Command::Models(a) => catalog::models(a, c, o).await,
        Command::Providers => catalog::providers(c, o).await,
        Command::CollaborationModes => catalog::collaboration_modes(c, o).await,
        Command::Config(cmd) => codex::config(cmd, c, o).await,
        Command::Mcp(cmd) => catalog::mcp(cmd, c, o).await,
        Command::Skills(cmd) => catalog::skills(cmd, c, o).await,
        Command::Features(cmd) => catalog::features(cmd, c, o).await,
        Command::Hooks(cmd) => catalog::hooks(cmd, c, o).await,
        Command::Exec(a) => codex::exec(a, c, o).await,
        Command::Feedback(a) => codex::feedback(a, c, o).await,
        Command::Capabilities => codex::capabilities(c, o).await,
        Command::Plugin(cmd) => plugins::run(cmd, c, o).await,
        Command::Jobs(cmd) => jobs::run(cmd, c, o).await,
        Command::Followups(cmd) => followups::run(cmd, c, o).await,
        Command::Routines(cmd) => routines::run(cmd, c, o).await,
        Command::Limits => commands::limits::limits(c, o).await,
        Command::Budgets(cmd) => commands::limits::budgets(cmd, c, o).await,
        Command::Usage(args) => commands::limits::usage(args, c, o).await,
        Command::Api(a) => raw::run(a, c, o).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_tree_is_valid() {
        Cli::command().debug_assert();
    }
}
