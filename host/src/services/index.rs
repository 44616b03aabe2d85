//! Which session (and project) an app-server thread belongs to, in memory, for tagging events without a query.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use crate::store::SessionRow;

#[derive(Debug, Clone)]
pub struct SessionRef {
    pub session_id: Arc<str>,
    pub project_id: Option<Arc<str>>,
}

impl SessionRef {
    /// The session and project an event is tagged with.
    pub fn tags(session: Option<SessionRef>) -> (Option<Arc<str>>, Option<Arc<str>>) {
        match session {
            Some(s) => (Some(s.session_id), s.project_id),
            None => (None, None),
        }
    }
}

#[derive(Default)]
pub struct ThreadIndex {
    by_thread: RwLock<HashMap<String, SessionRef>>,
}

impl ThreadIndex {
    pub fn load(rows: &[SessionRow]) -> Self {
        let index = Self::default();
        for row in rows {
            index.put(row);
        }
        index
    }

    pub fn put(&self, row: &SessionRow) {
        let r = SessionRef { session_id: row.id.as_str().into(), project_id: row.project_id.as_deref().map(Into::into) };
        self.by_thread.write().expect("index poisoned").insert(row.thread_id.clone(), r);
    }

    pub fn remove(&self, thread_id: &str) {
        self.by_thread.write().expect("index poisoned").remove(thread_id);
    }

    pub fn get(&self, thread_id: &str) -> Option<SessionRef> {
        self.by_thread.read().expect("index poisoned").get(thread_id).cloned()
    }
}
