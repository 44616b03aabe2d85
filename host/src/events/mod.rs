//! One durable, ordered log of everything the host observes or does, and its live fan-out.
//!
//! Producers hand [`NewEvent`]s to the [`EventLog`]; a single writer assigns `seq`, commits a batch (or a lone event)
//! to the store and only then broadcasts it, so nothing a client sees can be lost by a crash or renumbered later.
//! [`Subscription`] gives a reader every event after a `seq` — replayed from the store, then live — and falls
//! back to the store whenever it lags, so a slow reader never blocks the writer or other readers.

mod catalog;
mod envelope;
mod log;
mod subscription;

pub use envelope::{format_ts as envelope_ts, frame, Event, NewEvent};
pub use log::{EventLog, QueuedTurn, Settled, TurnLogged, COMMIT_WAIT, DEFAULT_RETENTION};
pub use catalog::{EventKind, EventType, Source as EventSource, PASS_THROUGH_PREFIX};
pub(crate) use catalog::openapi_schema as event_type_schema;
pub use subscription::{standing, EventFilter, Page, ResetReason, StreamItem, Subscription, DEFAULT_PAGE, MAX_PAGE};
