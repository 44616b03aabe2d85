//! `hosts`: the hosts sharing this store, whether each is online, and which one answered.

use codex_manager_host::services::HostList;

use crate::api::ops;
use crate::client::Client;
use crate::output::{ago, wire, Output};

pub async fn list(client: &Client, out: &Output) -> anyhow::Result<()> {
    let reply = client.call(&ops::HOSTS_LIST, &[]).send().await?;
    out.reply(&reply, |list: &HostList| {
        let rows = list
            .hosts
            .iter()
            .map(|h| {
                let name = if h.this_host { format!("{} (this host)", h.name) } else { h.name.clone() };
                vec![h.id.clone(), name, out.state(&wire(&h.state)), ago(&h.last_seen_at), h.url.clone(), h.version.clone()]
            })
            .collect();
        out.table(&["ID", "NAME", "STATE", "LAST SEEN", "URL", "VERSION"], rows)
    })
}
