-- WIT 0.2.0: plugin-wide settings the user set (over the defaults in the plugin's manifest), and the judgement a
-- plugin attached to a pending approval (JSON: risk, summary, rationale, assessor, assessedBy, at).

CREATE TABLE plugin_settings (
    plugin_id   TEXT NOT NULL,
    key         TEXT NOT NULL,
    value       TEXT NOT NULL,
    updated_at  BIGINT NOT NULL,
    PRIMARY KEY (plugin_id, key)
);

ALTER TABLE pending_requests ADD COLUMN assessment TEXT;
