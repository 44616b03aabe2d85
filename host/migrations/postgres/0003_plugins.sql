-- Installed plugins, every call made to them, and each plugin's private key-value store.

CREATE TABLE plugins (
    id                   TEXT PRIMARY KEY,
    version              TEXT NOT NULL,
    manifest             TEXT NOT NULL,
    granted              TEXT NOT NULL,
    enabled              BIGINT NOT NULL,
    disabled_reason      TEXT,
    consecutive_failures BIGINT NOT NULL DEFAULT 0,
    installed_at         BIGINT NOT NULL,
    updated_at           BIGINT NOT NULL
);

CREATE TABLE plugin_calls (
    id           TEXT PRIMARY KEY,
    plugin_id    TEXT NOT NULL,
    call_trigger TEXT NOT NULL,
    started_at   BIGINT NOT NULL,
    duration_us  BIGINT NOT NULL,
    outcome      TEXT NOT NULL,
    error        TEXT,
    denials      TEXT
);
CREATE INDEX plugin_calls_by_plugin ON plugin_calls (plugin_id, started_at);

CREATE TABLE plugin_kv (
    plugin_id   TEXT NOT NULL,
    key         TEXT NOT NULL,
    value       TEXT NOT NULL,
    updated_at  BIGINT NOT NULL,
    PRIMARY KEY (plugin_id, key)
);
