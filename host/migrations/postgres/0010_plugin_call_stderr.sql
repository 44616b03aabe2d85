-- The tail of a guest's stderr (at most 8 KiB) kept with a failed plugin call: what an interpreter's traceback or a
-- panic message says, where the trap alone says only "unreachable".
ALTER TABLE plugin_calls ADD COLUMN stderr TEXT;
