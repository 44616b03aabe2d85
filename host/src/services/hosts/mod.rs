//! Hosts: this host's identity and heartbeat, every host on the store with whether it is online, and who owns a
//! session (the host whose app-server holds its thread: only that host can act on it).
//!
//! Several hosts share a PostgreSQL store; on SQLite there is only ever one. Each host beats (one UPDATE of its row)
//! every [`HEARTBEAT_INTERVAL`] and reads the host list then too, which every session view's `owner` is built from
//! without a query. The owner check before an action reads the owner's row fresh ([`Hosts::owner_of`]).

mod identity;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub use identity::{HostIdentity, IdentityConfig, HOST_ID_FILE};

use super::error::{ErrorCode, ErrorKind, ServiceError, ServiceResult};
use crate::events::envelope_ts;
use crate::store::{now_ms, HostRow, Store};

/// How often a host records that it is alive.
pub const HEARTBEAT_INTERVAL: Duration = Duration::from_secs(5);

/// Heartbeats a host may miss before the others count it offline.
pub const MISSED_HEARTBEATS: u32 = 3;

/// Whether a host can act on its sessions now, as the others see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum HostState {
    /// Its heartbeat is recent.
    Online,
    /// It missed its heartbeats without a clean stop (killed, crashed, or cut off from the database).
    Offline,
    /// It stopped cleanly.
    Stopped,
}

impl HostState {
    fn of(row: &HostRow, now: i64) -> Self {
        let limit = (HEARTBEAT_INTERVAL * MISSED_HEARTBEATS).as_millis() as i64;
        if row.stopped_at.is_some() {
            HostState::Stopped
        } else if now - row.heartbeat_at <= limit {
            HostState::Online
        } else {
            HostState::Offline
        }
    }
}

/// A host on the store (`GET /api/hosts`).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Host {
    pub id: String,
    pub name: String,
    /// Where the other hosts forward its sessions' actions.
    pub url: String,
    pub version: String,
    pub state: HostState,
    /// Whether this is the host that answered.
    pub this_host: bool,
    pub started_at: String,
    /// Its last heartbeat (or its stop).
    pub last_seen_at: String,
}

/// Every host on the store.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct HostList {
    /// The id of the host that answered.
    pub this_host: String,
    /// By name, then id.
    pub hosts: Vec<Host>,
}

/// The host that owns a session, as a session view shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SessionOwner {
    pub id: String,
    pub name: String,
    /// Whether it can act on the session now (actions sent to another host are forwarded to it).
    pub online: bool,
}

/// Where an action on a session runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Owner {
    /// This host owns it.
    Here,
    /// Another host owns it and is online: forward to its URL.
    Remote(OwnerHost),
    /// Another host owns it and is not online (`host` is None when the owner never registered on this store).
    Offline { id: String, host: Option<OwnerHost> },
}

/// Another host that owns a session, as read for one action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnerHost {
    pub id: String,
    pub name: String,
    pub url: String,
    pub state: HostState,
    /// Its last heartbeat, or its stop (ms since the epoch).
    pub last_seen_ms: i64,
}

impl OwnerHost {
    fn of(row: HostRow, now: i64) -> Self {
        let state = HostState::of(&row, now);
        Self { state, last_seen_ms: row.stopped_at.unwrap_or(row.heartbeat_at), id: row.id, name: row.name, url: row.url }
    }
}

pub struct Hosts {
    store: Store,
    this: HostIdentity,
    started_at: i64,
    /// The host list as of the last heartbeat (or a miss since), for session views.
    known: RwLock<HashMap<String, HostRow>>,
    beat: Mutex<Option<tokio::task::JoinHandle<()>>>,
}

impl Hosts {
    /// Record this host's start on the store (adopting the sessions no host owns yet) and read the host list.
    pub async fn register(store: Store, this: HostIdentity) -> anyhow::Result<Arc<Self>> {
        let now = now_ms();
        let row = HostRow {
            id: this.id.clone(),
            name: this.name.clone(),
            url: this.url.clone(),
            version: this.version.clone(),
            started_at: now,
            heartbeat_at: now,
            stopped_at: None,
        };
        let adopted = store.register_host(&row).await?;
        if adopted > 0 {
            tracing::info!(adopted, host = %this.id, "this host owns the sessions that had no owner");
        }
        let hosts = Arc::new(Self { store, this, started_at: now, known: RwLock::new(HashMap::new()), beat: Mutex::new(None) });
        hosts.refresh().await?;
        Ok(hosts)
    }

    pub fn this(&self) -> &HostIdentity {
        &self.this
    }

    /// Beat every [`HEARTBEAT_INTERVAL`] until [`Hosts::stop`]. A store that cannot write for a while makes this
    /// host look offline to the others, which is the truth: it cannot record what it does either.
    pub fn start(self: &Arc<Self>) {
        let hosts = Arc::downgrade(self);
        let task = tokio::spawn(async move {
            let mut tick = tokio::time::interval(HEARTBEAT_INTERVAL);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            tick.tick().await;
            loop {
                tick.tick().await;
                let Some(hosts) = hosts.upgrade() else { return };
                if let Err(e) = hosts.beat().await {
                    tracing::warn!(error = %e, "could not record this host's heartbeat");
                }
            }
        });
        *self.beat.lock().expect("heartbeat lock") = Some(task);
    }

    async fn beat(&self) -> anyhow::Result<()> {
        if !self.store.heartbeat_host(&self.this.id, self.started_at, now_ms()).await? {
            if let Some(other) = self.store.get_host(&self.this.id).await? {
                // Two live processes under one id (a copied data dir, one --host-id given to two hosts): each would
                // take actions on the other's sessions. Said loudly, every beat; the row stays the newer one's.
                tracing::error!(
                    host = %self.this.id, other_url = %other.url, other_started_at = %envelope_ts(other.started_at),
                    "another host process runs with this host's id: give each host its own data dir (host-id file) or --host-id"
                );
                return self.refresh().await;
            }
            // The row went (an operator cleaned the table): put it back, sessions untouched.
            tracing::warn!(host = %self.this.id, "this host's row was gone from the store; registering again");
            let now = now_ms();
            let row = HostRow {
                id: self.this.id.clone(),
                name: self.this.name.clone(),
                url: self.this.url.clone(),
                version: self.this.version.clone(),
                started_at: self.started_at,
                heartbeat_at: now,
                stopped_at: None,
            };
            self.store.register_host(&row).await?;
        }
        self.refresh().await
    }

    async fn refresh(&self) -> anyhow::Result<()> {
        let rows = self.store.list_hosts().await?;
        *self.known.write().expect("hosts lock") = rows.into_iter().map(|r| (r.id.clone(), r)).collect();
        Ok(())
    }

    /// Stop beating and record a clean stop: the others see this host `stopped` at once instead of after its
    /// heartbeats run out.
    pub async fn stop(&self) {
        if let Some(task) = self.beat.lock().expect("heartbeat lock").take() {
            task.abort();
        }
        if let Err(e) = self.store.stop_host(&self.this.id, now_ms()).await {
            tracing::warn!(error = %e, "could not record this host's stop");
        }
    }

    /// Whether a session with this owner is this host's (one without an owner is, as it is adopted at start).
    /// Whether other hosts may share this store: only a PostgreSQL one (a SQLite store is one data dir's, whose one
    /// host owns every session). Alone, an action's owner check needs no read.
    pub fn shared(&self) -> bool {
        self.store.engine() == crate::store::Engine::Postgres
    }

    pub fn owns(&self, owner: Option<&str>) -> bool {
        owner.is_none_or(|id| id == self.this.id)
    }

    /// Every host on the store, read now.
    pub async fn list(&self) -> ServiceResult<HostList> {
        let rows = self.store.list_hosts().await?;
        let now = now_ms();
        let hosts = rows.iter().map(|r| self.view(r, now)).collect();
        *self.known.write().expect("hosts lock") = rows.into_iter().map(|r| (r.id.clone(), r)).collect();
        Ok(HostList { this_host: self.this.id.clone(), hosts })
    }

    fn view(&self, row: &HostRow, now: i64) -> Host {
        let this_host = row.id == self.this.id;
        // This host answering is proof enough that it is online, whatever its last beat says.
        let state = if this_host { HostState::Online } else { HostState::of(row, now) };
        Host {
            id: row.id.clone(),
            name: row.name.clone(),
            url: row.url.clone(),
            version: row.version.clone(),
            state,
            this_host,
            started_at: envelope_ts(row.started_at),
            last_seen_at: envelope_ts(row.stopped_at.unwrap_or(row.heartbeat_at)),
        }
    }

    /// Make sure the host list knows every one of `owners` (a host that started since the last heartbeat), so
    /// the session views built next name them. Reads the store only on a miss.
    pub(crate) async fn know(&self, owners: impl IntoIterator<Item = Option<&str>>) {
        let missing = {
            let known = self.known.read().expect("hosts lock");
            owners.into_iter().flatten().any(|id| id != self.this.id && !known.contains_key(id))
        };
        if missing {
            if let Err(e) = self.refresh().await {
                tracing::warn!(error = %e, "could not read the host list");
            }
        }
    }

    /// The owner of a session as its view shows it, from the host list of the last heartbeat. A session without
    /// an owner (none of its kind is left once a host has started on the store) shows this host.
    pub(crate) fn owner_view(&self, owner: Option<&str>) -> SessionOwner {
        let id = owner.unwrap_or(&self.this.id);
        if id == self.this.id {
            return SessionOwner { id: id.to_string(), name: self.this.name.clone(), online: true };
        }
        match self.known.read().expect("hosts lock").get(id) {
            Some(row) => SessionOwner { id: id.to_string(), name: row.name.clone(), online: HostState::of(row, now_ms()) == HostState::Online },
            None => SessionOwner { id: id.to_string(), name: id.to_string(), online: false },
        }
    }

    /// Ok when this host owns the session; else the typed refusal (`owned_elsewhere`, `owner_offline`). Every
    /// action that reaches app-server for an existing session passes here, whatever path it came by.
    pub async fn ensure_here(&self, owner: Option<&str>) -> ServiceResult<()> {
        match self.owner_of(owner).await? {
            Owner::Here => Ok(()),
            Owner::Remote(host) => Err(ServiceError::owned_elsewhere(&host)),
            Owner::Offline { id, host } => Err(ServiceError::owner_offline(&id, host.as_ref())),
        }
    }

    /// Where an action on a session owned by `owner` runs, with the owner's row read now.
    pub async fn owner_of(&self, owner: Option<&str>) -> ServiceResult<Owner> {
        let Some(id) = owner.filter(|_| !self.owns(owner)) else { return Ok(Owner::Here) };
        let host = self.store.get_host(id).await?.map(|row| OwnerHost::of(row, now_ms()));
        Ok(match host {
            Some(host) if host.state == HostState::Online => Owner::Remote(host),
            host => Owner::Offline { id: id.to_string(), host },
        })
    }
}

impl ServiceError {
    /// 409 `owned_elsewhere`: an action reached a host that does not own the session, by a path that does not
    /// forward (a plugin, a job, or a request another host forwarded here by mistake); nothing was done.
    pub fn owned_elsewhere(host: &OwnerHost) -> Self {
        ServiceError::conflict(
            ErrorCode::OwnedElsewhere,
            format!("the session belongs to host `{}` ({}) at {}; only it can act on the session", host.name, host.id, host.url),
        )
        .with_details(serde_json::json!({"hostId": host.id, "hostName": host.name, "url": host.url}))
    }

    /// 503 `owner_offline`: the session's owner cannot act on it now, so nothing was done.
    pub fn owner_offline(id: &str, host: Option<&OwnerHost>) -> Self {
        let (message, details) = match host {
            Some(row) => {
                let state = row.state;
                let seen = envelope_ts(row.last_seen_ms);
                let how = if state == HostState::Stopped { "stopped" } else { "last seen" };
                (
                    format!("the session belongs to host `{}` ({}), which is offline ({how} at {seen}); nothing was done", row.name, row.id),
                    serde_json::json!({"hostId": row.id, "hostName": row.name, "state": state, "lastSeenAt": seen}),
                )
            }
            None => (
                format!("the session belongs to host `{id}`, which never ran on this store; nothing was done"),
                serde_json::json!({"hostId": id, "hostName": null, "state": HostState::Offline, "lastSeenAt": null}),
            ),
        };
        ServiceError::new(ErrorKind::Unavailable, ErrorCode::OwnerOffline, message).with_details(details)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: &str, heartbeat_at: i64, stopped_at: Option<i64>) -> HostRow {
        HostRow {
            id: id.into(),
            name: format!("{id}-box"),
            url: format!("http://{id}:1"),
            version: "1".into(),
            started_at: 0,
            heartbeat_at,
            stopped_at,
        }
    }

    #[test]
    fn a_host_is_online_until_it_misses_its_heartbeats_or_stops() {
        let limit = (HEARTBEAT_INTERVAL * MISSED_HEARTBEATS).as_millis() as i64;
        let now = 1_000_000;
        assert_eq!(HostState::of(&row("a", now - limit, None), now), HostState::Online);
        assert_eq!(HostState::of(&row("a", now - limit - 1, None), now), HostState::Offline);
        assert_eq!(HostState::of(&row("a", now, Some(now)), now), HostState::Stopped);
    }

    fn identity(id: &str) -> HostIdentity {
        HostIdentity { id: id.into(), name: format!("{id}-box"), url: format!("http://{id}:1"), version: "1".into() }
    }

    /// The owner check reads the store: another host is remote while it beats, offline once it stops or its beats
    /// run out, and an owner that never ran here is offline too.
    #[tokio::test]
    async fn the_owner_of_a_session_is_here_remote_or_offline() {
        let (store, _scratch) = crate::store::testing::scratch("hosts-owner").await;
        let a = Hosts::register(store.clone(), identity("a")).await.unwrap();
        let b = Hosts::register(store.clone(), identity("b")).await.unwrap();
        if store.engine() == crate::store::Engine::Sqlite {
            // One data dir, one host: the one that started last is the only one left.
            assert!(matches!(b.owner_of(Some("a")).await.unwrap(), Owner::Offline { host: None, .. }));
            assert_eq!(b.list().await.unwrap().hosts.len(), 1);
            return;
        }
        assert_eq!(a.owner_of(None).await.unwrap(), Owner::Here);
        assert_eq!(a.owner_of(Some("a")).await.unwrap(), Owner::Here);
        let Owner::Remote(remote) = a.owner_of(Some("b")).await.unwrap() else { panic!("b is online") };
        assert_eq!(remote.url, "http://b:1");
        assert!(matches!(a.owner_of(Some("ghost")).await.unwrap(), Owner::Offline { host: None, .. }));

        b.stop().await;
        let Owner::Offline { host: Some(stopped), .. } = a.owner_of(Some("b")).await.unwrap() else { panic!("b stopped") };
        let err = ServiceError::owner_offline("b", Some(&stopped));
        assert_eq!((err.code, err.kind), (ErrorCode::OwnerOffline, ErrorKind::Unavailable));
        assert!(err.message.contains("b-box") && err.message.contains("stopped at"), "{}", err.message);

        // Restarted, then silent past its heartbeats (killed): offline, last seen at its last beat.
        let b = Hosts::register(store.clone(), identity("b")).await.unwrap();
        assert!(matches!(a.owner_of(Some("b")).await.unwrap(), Owner::Remote(_)));
        let long_ago = now_ms() - (HEARTBEAT_INTERVAL * (MISSED_HEARTBEATS + 1)).as_millis() as i64;
        sqlx::query("UPDATE hosts SET heartbeat_at = $1 WHERE id = 'b'").bind(long_ago).execute(store.pool()).await.unwrap();
        let Owner::Offline { host: Some(silent), .. } = a.owner_of(Some("b")).await.unwrap() else { panic!("b went silent") };
        assert!(ServiceError::owner_offline("b", Some(&silent)).message.contains("last seen at"));

        // The list says the same, and names the host that answered.
        let list = a.list().await.unwrap();
        assert_eq!(list.this_host, "a");
        let states: Vec<_> = list.hosts.iter().map(|h| (h.id.as_str(), h.state, h.this_host)).collect();
        assert_eq!(states, [("a", HostState::Online, true), ("b", HostState::Offline, false)]);
        assert_eq!(a.owner_view(Some("b")), SessionOwner { id: "b".into(), name: "b-box".into(), online: false });
        assert_eq!(a.owner_view(None), SessionOwner { id: "a".into(), name: "a-box".into(), online: true });
        drop(b);
    }
}
