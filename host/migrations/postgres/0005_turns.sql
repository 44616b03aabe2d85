-- The host's own record of every turn it acknowledged: written (inProgress) before `POST .../messages` answers
-- 202, ended by the bridge (turn/completed, app-server exit) or, after a crash, by the restart reconciliation.
-- A replayed Idempotency-Key reads its turn's status here. Portable SQL, like 0001.

CREATE TABLE turns (
    id          TEXT PRIMARY KEY,
    session_id  TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    status      TEXT NOT NULL,
    start_seq   BIGINT,
    end_seq     BIGINT,
    started_at  BIGINT NOT NULL,
    ended_at    BIGINT,
    final_text  TEXT,
    error       TEXT
);
CREATE INDEX turns_by_session ON turns (session_id, started_at, id);
CREATE INDEX turns_by_status ON turns (status);
-- Turns whose end is not in the log yet: running ones, and ended ones whose `turn.completed` a crash kept out.
CREATE INDEX turns_without_logged_end ON turns (id) WHERE end_seq IS NULL;

-- A turn a store of version 4 recorded as running becomes a turn row, so the restart reconciliation ends it.
INSERT INTO turns (id, session_id, status, started_at)
    SELECT active_turn_id, id, 'inProgress', last_activity_at FROM sessions WHERE active_turn_id IS NOT NULL;
