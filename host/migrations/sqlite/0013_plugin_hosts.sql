-- Which hosts hold a plugin's component in their data dir. The `plugins` row (manifest, grants, enabled) is shared
-- by every host on one store; the component is not: only the hosts listed here load the plugin, and so only they
-- run its jobs, tools and event handlers. Removing the plugin removes its rows.
CREATE TABLE plugin_hosts (
    plugin_id    TEXT NOT NULL REFERENCES plugins (id) ON DELETE CASCADE,
    host_id      TEXT NOT NULL,
    version      TEXT NOT NULL,
    installed_at BIGINT NOT NULL,
    PRIMARY KEY (plugin_id, host_id)
);
