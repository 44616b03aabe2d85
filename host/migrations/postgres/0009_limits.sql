-- Usage limits and budgets: what a paused queue or a waiting job waits for, the tokens each turn used, and the
-- daily token budgets. Portable SQL, like 0001.

-- A queue paused for a usage limit or a budget resumes by itself at this time (Unix ms; null: not known).
ALTER TABLE followup_queues ADD COLUMN resets_at BIGINT;

-- A job that waits for a usage limit or a budget (back in `queued`, its attempt given back): why, and until when.
ALTER TABLE jobs ADD COLUMN wait_kind TEXT;
ALTER TABLE jobs ADD COLUMN wait_reason TEXT;
ALTER TABLE jobs ADD COLUMN wait_until BIGINT;

-- Tokens per turn, from app-server's `thread/tokenUsage/updated`. Its `total` is the thread's running total: a turn's
-- tokens are that total now minus the total before the turn's first response (`base_*`), so a notification sent
-- twice counts once.
CREATE TABLE token_usage (
    turn_id       TEXT PRIMARY KEY,
    session_id    TEXT NOT NULL,
    project_id    TEXT,
    -- The UTC day the turn started (YYYY-MM-DD): what daily budgets count.
    day           TEXT NOT NULL,
    input         BIGINT NOT NULL,
    cached_input  BIGINT NOT NULL,
    output        BIGINT NOT NULL,
    reasoning     BIGINT NOT NULL,
    total         BIGINT NOT NULL,
    base_input    BIGINT NOT NULL,
    base_cached   BIGINT NOT NULL,
    base_output   BIGINT NOT NULL,
    base_reasoning BIGINT NOT NULL,
    base_total    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);
CREATE INDEX token_usage_by_day ON token_usage (day, project_id);
CREATE INDEX token_usage_by_session ON token_usage (session_id, day);

-- Daily token budgets: `scope` is `host` (every turn) or a project id.
CREATE TABLE budgets (
    scope         TEXT PRIMARY KEY,
    daily_tokens  BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);
