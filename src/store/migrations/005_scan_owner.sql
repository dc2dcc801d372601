-- A running scan belongs to the one process writing it (owner_pid, owner_host and heartbeat_at,
-- migration 004) and to a token only that process knows: `scan --resume` takes over a scan whose
-- owner is gone, and the old owner, no longer holding the token, can write nothing more.
ALTER TABLE scans ADD COLUMN owner_token TEXT;
