-- The event log keyed by SQLite's rowid. `seq BIGINT PRIMARY KEY` (0001) was not an alias of the rowid: SQLite makes
-- that only of a column declared exactly `INTEGER PRIMARY KEY`, so every event was stored twice, in the table under
-- a hidden rowid and in a separate index on seq. Each commit of the event writer wrote two WAL pages instead of one,
-- the checkpoint copied both, and every read by seq went through the index and then the table. Same columns, same
-- values; the table is rebuilt once, in this migration's transaction.
CREATE TABLE events_by_seq (
    seq         INTEGER PRIMARY KEY,
    ts          BIGINT NOT NULL,
    type        TEXT NOT NULL,
    session_id  TEXT,
    turn_id     TEXT,
    project_id  TEXT,
    data        TEXT NOT NULL
);
INSERT INTO events_by_seq (seq, ts, type, session_id, turn_id, project_id, data)
    SELECT seq, ts, type, session_id, turn_id, project_id, data FROM events ORDER BY seq;
DROP TABLE events;
ALTER TABLE events_by_seq RENAME TO events;
