-- Routines: saved prompts (or plugin jobs) run on a schedule, by a signed webhook, or by hand; each run is a job on
-- the durable queue, recorded here with what it started. Portable SQL, like 0001.

CREATE TABLE routines (
    id              TEXT PRIMARY KEY,
    name            TEXT NOT NULL,
    state           TEXT NOT NULL,
    -- What a run does: a prompt sent to the target session, or a plugin job of `job_kind` with `payload`.
    prompt          TEXT,
    job_kind        TEXT,
    payload         TEXT,
    -- The target: an existing session, or a new session in a project each run.
    session_id      TEXT REFERENCES sessions (id) ON DELETE CASCADE,
    project_id      TEXT REFERENCES projects (id) ON DELETE CASCADE,
    schedule        TEXT,
    catch_up        TEXT NOT NULL,
    -- The next scheduled instant (ms) not yet handled; null without a schedule or while paused.
    next_fire_at    BIGINT,
    webhook_secret  TEXT NOT NULL,
    created_by      TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE INDEX routines_due ON routines (next_fire_at) WHERE next_fire_at IS NOT NULL;

CREATE TABLE routine_runs (
    id              TEXT PRIMARY KEY,
    routine_id      TEXT NOT NULL REFERENCES routines (id) ON DELETE CASCADE,
    trigger_kind    TEXT NOT NULL,
    -- The scheduled instant a schedule or catch-up run stands for (ms).
    scheduled_for   BIGINT,
    job_id          TEXT NOT NULL,
    session_id      TEXT,
    turn_id         TEXT,
    followup_id     TEXT,
    -- A webhook's raw body, handed to the prompt as `{{body}}`.
    body            TEXT,
    created_at      BIGINT NOT NULL
);
CREATE INDEX routine_runs_by_routine ON routine_runs (routine_id, created_at, id);
-- A scheduled instant runs at most once, whatever restarts happen around it.
CREATE UNIQUE INDEX routine_runs_once ON routine_runs (routine_id, scheduled_for) WHERE scheduled_for IS NOT NULL;

-- Webhook signatures seen within the replay window: a signature is accepted once.
CREATE TABLE routine_deliveries (
    routine_id      TEXT NOT NULL REFERENCES routines (id) ON DELETE CASCADE,
    digest          TEXT NOT NULL,
    received_at     BIGINT NOT NULL,
    PRIMARY KEY (routine_id, digest)
);
