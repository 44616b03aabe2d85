//! The live side of pending requests: which connection and JSON-RPC id answer each one. Only requests of the
//! running app-server are here; the store holds all of them.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use super::kind::RequestKind;
use crate::appserver::{Connection, RequestId};

#[derive(Clone)]
pub struct LiveRequest {
    pub connection: Arc<Connection>,
    pub rpc_id: RequestId,
    pub kind: RequestKind,
    pub session_id: Option<Arc<str>>,
    pub thread_id: Option<String>,
    pub turn_id: Option<String>,
}

#[derive(Default)]
pub struct Registry {
    live: Mutex<HashMap<String, LiveRequest>>,
}

impl Registry {
    pub fn insert(&self, id: String, request: LiveRequest) {
        self.live.lock().expect("registry poisoned").insert(id, request);
    }

    pub fn get(&self, id: &str) -> Option<LiveRequest> {
        self.live.lock().expect("registry poisoned").get(id).cloned()
    }

    pub fn remove(&self, id: &str) -> Option<LiveRequest> {
        self.live.lock().expect("registry poisoned").remove(id)
    }

    fn ids_where(&self, pred: impl Fn(&LiveRequest) -> bool) -> Vec<String> {
        self.live.lock().expect("registry poisoned").iter().filter(|(_, r)| pred(r)).map(|(id, _)| id.clone()).collect()
    }

    pub fn by_rpc_id(&self, generation: u64, rpc_id: &RequestId) -> Option<String> {
        self.ids_where(|r| r.connection.generation() == generation && r.rpc_id == *rpc_id).into_iter().next()
    }

    pub fn for_turn(&self, thread_id: &str, turn_id: Option<&str>) -> Vec<String> {
        self.ids_where(|r| r.thread_id.as_deref() == Some(thread_id) && (turn_id.is_none() || r.turn_id.as_deref() == turn_id))
    }

    pub fn for_session(&self, session_id: &str) -> Vec<String> {
        self.ids_where(|r| r.session_id.as_deref() == Some(session_id))
    }

    pub fn for_generation(&self, generation: u64) -> Vec<String> {
        self.ids_where(|r| r.connection.generation() == generation)
    }

    /// Kinds waiting in a thread, for the session's status.
    pub fn kinds_for_thread(&self, thread_id: &str) -> Vec<RequestKind> {
        self.live
            .lock()
            .expect("registry poisoned")
            .values()
            .filter(|r| r.thread_id.as_deref() == Some(thread_id))
            .map(|r| r.kind)
            .collect()
    }
}
