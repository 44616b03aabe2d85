-- Nothing to do on PostgreSQL. The SQLite migration of this number rebuilds the event log so that its seq is the
-- table's rowid (its key had been a second copy of every event); a PostgreSQL table has no rowid, and its primary
-- key on seq is the one index it needs. The number is kept so both engines carry the same migrations.
SELECT 1;
