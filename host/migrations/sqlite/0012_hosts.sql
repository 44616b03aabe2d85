-- Every host that runs on this store (several share one PostgreSQL database; SQLite has only ever one): its stable
-- id, what it is called and where other hosts reach it, and its heartbeat, from which every host tells whether it
-- is online.
CREATE TABLE hosts (
    id           TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    url          TEXT NOT NULL,
    version      TEXT NOT NULL,
    started_at   BIGINT NOT NULL,
    heartbeat_at BIGINT NOT NULL,
    stopped_at   BIGINT
);
-- The host whose app-server holds the session's thread (threads cannot move between app-servers). NULL only for
-- sessions made before hosts had ids: the first host that starts on the store adopts them.
ALTER TABLE sessions ADD COLUMN owner_host TEXT;
