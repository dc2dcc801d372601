-- A running scan belongs to the one process writing it: its PID, host, a token only it knows and a
-- heartbeat it renews. `scan --resume` refuses a scan whose owner is alive and takes over one whose
-- owner is gone (its PID no longer runs on this host) or silent (a stale heartbeat).
ALTER TABLE scans ADD COLUMN owner_pid INTEGER;
ALTER TABLE scans ADD COLUMN owner_host TEXT;
ALTER TABLE scans ADD COLUMN owner_token TEXT;
ALTER TABLE scans ADD COLUMN heartbeat_at TEXT;
