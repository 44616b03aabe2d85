-- Scheduled instants folded into a run that still waited in the queue (a usage limit or a spent budget held it):
-- counted on that run instead of a run each, so the reset releases one run per routine, not a burst.
ALTER TABLE routine_runs ADD COLUMN skipped_ticks BIGINT NOT NULL DEFAULT 0;
ALTER TABLE routine_runs ADD COLUMN last_skipped_for BIGINT;
