//! Promises of the services, one per test, against the real store and event log with app-server played in
//! memory (`crate::testing`): no codex binary, no network.

mod hosts;
mod relay;
mod reply_types;
mod runtime_exit;
mod status;
mod turn_record;
mod turns;
mod followups;
mod limits;
mod codex_watch;
mod queue_idle;
mod session_views;
