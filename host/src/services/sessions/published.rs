//! Publishing a session's view (`session.updated`, the `GET /api/sessions` row): only when it changed, in the
//! order the views were true, and for a turn's start or end in the event writer's commit of that change.

use std::collections::{HashMap, HashSet};

use super::Sessions;
use crate::events::{EventType, NewEvent, QueuedTurn};
use crate::services::error::ServiceResult;
use crate::services::views::Session;
use crate::store::{SessionRow, StoreError, TurnChange};

impl Sessions {
    /// Publish `session.updated` with the session's view (the `GET /api/sessions` row) when it differs from the last
    /// one published: called at every change a row shows (turn start and end, thread status, requests, title,
    /// archive, project, controls), never per delta. The view is built and published under one lock, so the log
    /// holds the views in the order they were true and the last one is the session as it is.
    pub(crate) async fn publish_session_updated(&self, session_id: &str) {
        if let Err(e) = self.session_updated(session_id, false).await {
            tracing::warn!(error = %e, session = session_id, "could not publish a session's view");
        }
    }

    /// As [`Self::publish_session_updated`], for an API call: the event is committed before the call answers (a log
    /// that cannot commit is a 503). Returns the view when one was published.
    pub(super) async fn record_session_updated(&self, session_id: &str) -> ServiceResult<Option<Session>> {
        self.session_updated(session_id, true).await
    }

    async fn session_updated(&self, session_id: &str, committed: bool) -> ServiceResult<Option<Session>> {
        let mut published = self.published_views.lock().await;
        // Its `session.created` is about to carry the view, built after whatever changed it until then.
        if self.creating.lock().expect("creating marks poisoned").contains(session_id) {
            return Ok(None);
        }
        self.await_queued_turns(&published, session_id).await;
        let row = match self.core.store().get_session(session_id).await {
            Ok(row) => row,
            Err(StoreError::NotFound) => {
                published.views.remove(session_id);
                return Ok(None);
            }
            Err(e) => return Err(e.into()),
        };
        let session = self.view(row.clone());
        let text = serde_json::to_string(&session).expect("a session view serializes");
        if published.views.get(session_id) == Some(&text) {
            return Ok(None);
        }
        let event = view_event(&row, text.clone());
        if committed {
            self.core.record_event(event).await?;
        } else {
            self.core.events().publish(event).await;
        }
        published.views.insert(row.id, text);
        Ok(Some(session))
    }

    /// Queue a turn's start or end (`event`: its `turn.started` or `turn.completed`; none for the start the 202 path
    /// records before app-server says it started) with the view of the session as
    /// the change leaves it, for the event writer to commit with the change to the turn record and the session row
    /// (see [`TurnChange`]): a client that sees the event has the new view and finds the record as the event says,
    /// and the turn's way to the client costs no write through the pool. The caller waits for the commit (or not:
    /// the relay goes on with app-server's next message) and then calls [`Self::turn_settled`].
    ///
    /// The view is built from the row as the change will leave it. Until the change is committed, whoever builds
    /// this session's view next (a view, or another turn change) first waits for the log to commit what is queued,
    /// so no view read before the change landed is published after it. None when the log is gone.
    pub(crate) async fn queue_turn(&self, change: TurnChange, event: Option<NewEvent>) -> Option<QueuedTurn> {
        let events = self.core.events();
        let session_id = change.session_id().to_owned();
        let mut published = self.published_views.lock().await;
        self.await_queued_turns(&published, &session_id).await;
        let view = match self.view_after(&change).await {
            Ok(view) => Some(view),
            Err(StoreError::NotFound) => {
                published.views.remove(&session_id);
                None
            }
            Err(e) => {
                // Published from the store once the change is in it (`turn_settled`).
                tracing::warn!(error = %e, session = %session_id, "could not read a session for its view at a turn's start or end: published after it");
                published.views.remove(&session_id);
                published.unbuilt.insert(session_id.clone());
                None
            }
        };
        let changed = view.filter(|(_, text)| published.views.get(&session_id) != Some(text));
        let queued = events.queue_turn(changed.as_ref().map(|(row, text)| view_event(row, text.clone())), event, change).await?;
        if let Some((_, text)) = changed {
            published.views.insert(session_id.clone(), text);
        }
        *published.queued_turns.entry(session_id).or_default() += 1;
        Some(queued)
    }

    /// A turn change queued by [`Self::queue_turn`] is committed (or given up on): this session's views are read
    /// straight from the store again. A change whose record could not go with it (`recorded` false) was written
    /// through the pool by the caller, and one whose view could not be built went without it: the view is
    /// published now.
    pub(crate) async fn turn_settled(&self, session_id: &str, recorded: bool) {
        let unbuilt = {
            let mut published = self.published_views.lock().await;
            if let Some(n) = published.queued_turns.get_mut(session_id) {
                *n -= 1;
                if *n == 0 {
                    published.queued_turns.remove(session_id);
                }
            }
            published.unbuilt.remove(session_id)
        };
        if !recorded || unbuilt {
            self.publish_session_updated(session_id).await;
        }
    }

    /// Wait until the log committed what is queued when a turn change of this session is in its queue: a view
    /// built now must see it. Bounded like every wait for the log.
    async fn await_queued_turns(&self, published: &PublishedViews, session_id: &str) {
        if published.queued_turns.contains_key(session_id) {
            self.core.events().flush_within(crate::events::COMMIT_WAIT).await;
        }
    }

    /// The session's row and view (serialized) as a turn's start or end will leave them.
    async fn view_after(&self, change: &TurnChange) -> Result<(SessionRow, String), StoreError> {
        let mut row = self.core.store().get_session(change.session_id()).await?;
        // A session naming the turn as running has it running (its start made it so, its end takes it away); else
        // the record says whether it ended before.
        let already_ended = match change.turn_id() {
            Some(turn_id) if row.active_turn_id.as_deref() != Some(turn_id) => match self.core.store().get_turn(turn_id).await {
                Ok(turn) => turn.status.is_final(),
                Err(StoreError::NotFound) => false,
                Err(e) => return Err(e),
            },
            _ => false,
        };
        change.apply_to(&mut row, already_ended);
        let text = serde_json::to_string(&self.view(row.clone())).expect("a session view serializes");
        Ok((row, text))
    }

    /// A deleted session has no view to compare with.
    pub(super) async fn forget_view(&self, session_id: &str) {
        self.published_views.lock().await.views.remove(session_id);
    }

    /// A session whose row was just inserted and is about to be indexed: from then on notifications about its
    /// thread (`thread/started`) are tagged with it and may reach the relay before the create call has recorded
    /// `session.created`. While the returned mark lives such a change publishes nothing: the created event carries
    /// the view ([`Self::record_created`]), so a client never sees a session updated before it was created, nor the
    /// same view twice. A create call given up half-way (its client gone) drops the mark with it.
    pub(super) fn creating(&self, session_id: &str) -> Creating<'_> {
        self.creating.lock().expect("creating marks poisoned").insert(session_id.to_owned());
        Creating { marks: &self.creating, session_id: session_id.to_owned() }
    }

    /// Record `session.created` for the session `creating` marks, with its view built now (after what its thread's
    /// notifications changed meanwhile), as the last view published.
    pub(super) async fn record_created(&self, row: &SessionRow, creating: Creating<'_>) -> ServiceResult<Session> {
        let mut published = self.published_views.lock().await;
        drop(creating);
        let session = self.view(row.clone());
        self.core.record_event(self.core.session_event(EventType::SessionCreated, row, &session)).await?;
        let text = serde_json::to_string(&session).expect("a session view serializes");
        published.views.insert(row.id.clone(), text);
        Ok(session)
    }
}

/// What [`Sessions`] keeps of the views it published.
#[derive(Default)]
pub(super) struct PublishedViews {
    /// The view last published per session (serialized), so only a change a list row shows is published.
    views: HashMap<String, String>,
    /// Per session, its turn changes queued with their view and not yet committed ([`Sessions::queue_turn`]).
    queued_turns: HashMap<String, usize>,
    /// Sessions whose view a queued turn change could not build (the row's read failed): published once it settles.
    unbuilt: HashSet<String>,
}

/// The mark of a session being created ([`Sessions::creating`]), removed when dropped.
pub(super) struct Creating<'a> {
    marks: &'a std::sync::Mutex<HashSet<String>>,
    session_id: String,
}

impl Drop for Creating<'_> {
    fn drop(&mut self) {
        self.marks.lock().expect("creating marks poisoned").remove(&self.session_id);
    }
}

/// The `session.updated` event of a view (`text`: the view serialized) of the session `row`.
fn view_event(row: &SessionRow, text: String) -> NewEvent {
    NewEvent::raw(EventType::SessionUpdated, text).session(Some(row.id.as_str().into()), row.project_id.as_deref().map(Into::into))
}
