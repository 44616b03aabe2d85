//! `codex-manager routines ...`: saved prompts (or plugin jobs) run on a schedule, by a signed webhook, or by hand:
//! list, show, create, edit, rm, run, runs, rotate-secret, next (a schedule's next times).

use clap::{Args, Subcommand};
use codex_manager_host::services::{Routine, RoutineCreated, RoutineList, RoutineRun, RoutineRunList, RoutineSecret, SchedulePreview};
use serde_json::{json, Value};

use super::one_line;
use crate::api::ops;
use crate::client::Client;
use crate::exit::Usage;
use crate::output::{ago, Output};

#[derive(Subcommand)]
pub enum RoutinesCommand {
    /// Every routine: state, schedule, next run, target.
    #[command(visible_alias = "ls")]
    List,
    /// One routine.
    Show { id: String },
    /// Create a routine; prints its webhook secret, shown this once.
    Create(Fields),
    /// Change a routine (`--pause`, `--enable`, a new `--schedule`, `--no-schedule` ...).
    Edit {
        id: String,
        #[command(flatten)]
        fields: Fields,
        /// Remove its schedule (it runs by webhook or by hand only).
        #[arg(long, conflicts_with = "schedule")]
        no_schedule: bool,
    },
    /// Remove a routine and its run records.
    #[command(visible_alias = "remove")]
    Rm { id: String },
    /// Run it now (whatever its state and schedule).
    Run { id: String },
    /// Its latest runs, newest first, with job, session, turn and status.
    Runs {
        id: String,
        #[arg(long, default_value_t = 20)]
        limit: i64,
    },
    /// A new webhook secret (the old one stops working); shown this once.
    RotateSecret { id: String },
    /// The next times a cron schedule names, in the host's time zone.
    Next {
        schedule: String,
        #[arg(long, default_value_t = 3)]
        count: usize,
    },
}

#[derive(Args, Default)]
pub struct Fields {
    /// Its name.
    #[arg(long)]
    name: Option<String>,
    /// The prompt each run sends (`{{body}}` takes a webhook's body).
    #[arg(long, conflicts_with = "job_kind")]
    prompt: Option<String>,
    /// A plugin job kind each run enqueues, instead of a prompt.
    #[arg(long)]
    job_kind: Option<String>,
    /// The job's payload (JSON).
    #[arg(long, requires = "job_kind")]
    payload: Option<String>,
    /// Target: this session.
    #[arg(long, conflicts_with = "project")]
    session: Option<String>,
    /// Target: a new session in this project each run.
    #[arg(long)]
    project: Option<String>,
    /// Cron: `minute hour day-of-month month day-of-week`, in the host's time zone.
    #[arg(long)]
    schedule: Option<String>,
    /// Times missed while the host was down: `once` (run once at start) or `skip`.
    #[arg(long, value_parser = ["once", "skip"])]
    catch_up: Option<String>,
    /// Paused (no schedule, no webhooks).
    #[arg(long, conflicts_with = "enable")]
    pause: bool,
    /// Enabled.
    #[arg(long)]
    enable: bool,
}

impl Fields {
    fn body(&self) -> anyhow::Result<Value> {
        let payload = match &self.payload {
            Some(p) => Some(serde_json::from_str::<Value>(p).map_err(|e| Usage(format!("--payload is not JSON: {e}")))?),
            None => None,
        };
        let state = if self.pause { Some("paused") } else if self.enable { Some("enabled") } else { None };
        Ok(super::compact(json!({
            "name": self.name, "prompt": self.prompt, "jobKind": self.job_kind, "payload": payload,
            "sessionId": self.session, "projectId": self.project, "schedule": self.schedule,
            "catchUp": self.catch_up, "state": state,
        })))
    }
}

fn routines_table(out: &Output, list: &[Routine]) -> String {
    let rows = list
        .iter()
        .map(|r| {
            let what = r.prompt.clone().or_else(|| r.job_kind.clone().map(|k| format!("job {k}"))).unwrap_or_default();
            let target = r.session_id.clone().map(|s| format!("session {s}")).or_else(|| r.project_id.clone().map(|p| format!("new in {p}"))).unwrap_or_default();
            vec![
                r.id.clone(),
                one_line(&r.name, 30),
                out.state(&r.state.to_string()),
                r.schedule.clone().unwrap_or_else(|| "-".into()),
                r.next_run_at.clone().unwrap_or_else(|| "-".into()),
                target,
                one_line(&what, 40),
            ]
        })
        .collect();
    out.table(&["ID", "NAME", "STATE", "SCHEDULE", "NEXT RUN", "TARGET", "DOES"], rows)
}

fn runs_table(out: &Output, runs: &[RoutineRun]) -> String {
    let rows = runs
        .iter()
        .map(|r| {
            // A run waiting out a usage limit or a budget says so (and until when) where an error would be, with the
            // scheduled times folded into it meanwhile.
            let mut note = match &r.waiting {
                Some(w) => format!("waiting ({}) until {}", w.kind, w.resets_at.as_deref().unwrap_or("-")),
                None => r.error.clone().unwrap_or_default(),
            };
            if r.skipped_ticks > 0 {
                note = format!("{note} (+{} scheduled times folded in)", r.skipped_ticks).trim_start().to_string();
            }
            vec![
                r.id.clone(),
                r.trigger.to_string(),
                out.state(&r.status.to_string()),
                ago(&r.created_at),
                r.job_id.clone(),
                r.session_id.clone().unwrap_or_default(),
                r.turn_id.clone().unwrap_or_default(),
                one_line(&note, 70),
            ]
        })
        .collect();
    out.table(&["RUN", "TRIGGER", "STATUS", "CREATED", "JOB", "SESSION", "TURN", "ERROR"], rows)
}

fn secret_lines(out: &Output, routine_id: &str, secret: &str) -> String {
    format!(
        "webhook: POST /api/routines/{routine_id}/webhook\nsecret:  {secret}\n{}",
        out.dim("(shown this once: keep it now; `routines rotate-secret` makes a new one)")
    )
}

pub async fn run(cmd: RoutinesCommand, client: &Client, out: &Output) -> anyhow::Result<()> {
    match cmd {
        RoutinesCommand::List => {
            let reply = client.call(&ops::ROUTINES_LIST, &[]).send().await?;
            out.reply(&reply, |l: &RoutineList| routines_table(out, &l.routines))
        }
        RoutinesCommand::Show { id } => {
            let reply = client.call(&ops::ROUTINES_GET, &[&id]).send().await?;
            out.reply(&reply, |r: &Routine| routines_table(out, std::slice::from_ref(r)))
        }
        RoutinesCommand::Create(fields) => {
            if fields.name.is_none() {
                return Err(Usage("give --name".into()).into());
            }
            let reply = client.call(&ops::ROUTINES_CREATE, &[]).json(&fields.body()?).send().await?;
            out.reply(&reply, |c: &RoutineCreated| {
                format!("{}\n{}", routines_table(out, std::slice::from_ref(&c.routine)), secret_lines(out, &c.routine.id, &c.webhook_secret))
            })
        }
        RoutinesCommand::Edit { id, fields, no_schedule } => {
            let mut body = fields.body()?;
            if no_schedule {
                body["schedule"] = Value::Null;
            }
            if body.as_object().is_some_and(|o| o.is_empty()) {
                return Err(Usage("nothing to change: give a field (see --help)".into()).into());
            }
            let reply = client.call(&ops::ROUTINES_UPDATE, &[&id]).json(&body).send().await?;
            out.reply(&reply, |r: &Routine| routines_table(out, std::slice::from_ref(r)))
        }
        RoutinesCommand::Rm { id } => {
            client.call(&ops::ROUTINES_REMOVE, &[&id]).send().await?;
            out.show(&json!({"removed": id}), |_| format!("removed routine {id}"));
            Ok(())
        }
        RoutinesCommand::Run { id } => {
            let reply = client.call(&ops::ROUTINES_RUN, &[&id]).send().await?;
            out.reply(&reply, |r: &RoutineRun| runs_table(out, std::slice::from_ref(r)))
        }
        RoutinesCommand::Runs { id, limit } => {
            let reply = client.call(&ops::ROUTINES_RUNS, &[&id]).query("limit", limit).send().await?;
            out.reply(&reply, |l: &RoutineRunList| runs_table(out, &l.runs))
        }
        RoutinesCommand::RotateSecret { id } => {
            let reply = client.call(&ops::ROUTINES_ROTATE_SECRET, &[&id]).send().await?;
            out.reply(&reply, |s: &RoutineSecret| secret_lines(out, &s.routine_id, &s.webhook_secret))
        }
        RoutinesCommand::Next { schedule, count } => {
            let reply = client.call(&ops::ROUTINES_PREVIEW, &[]).query("schedule", &schedule).query("count", count).send().await?;
            out.reply(&reply, |p: &SchedulePreview| format!("{} ({})\n{}", p.schedule, p.time_zone, p.next.join("\n")))
        }
    }
}
