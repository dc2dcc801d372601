-- dpscan schema v7: the life of a finding across scans, the waivers in force per scan, gate runs
-- and pruning. Documented in docs/database.md; keep the two in step. New tables only (and one
-- column), so it applies whether or not the migrations numbered before it have run.
-- Existing scans are taken into the lifecycle lazily, oldest first, the first time a command needs
-- it (src/store/lifecycle.ts ensureLifecycle): the scope rules are code, not SQL.

-- The complete scans the lifecycle has taken in, in the order it took them.
CREATE TABLE lifecycle_scans (
  seq          INTEGER PRIMARY KEY,
  scan_id      INTEGER NOT NULL UNIQUE REFERENCES scans (id) ON DELETE CASCADE,
  processed_at TEXT NOT NULL
);

-- One row per finding identity (src/model/finding.ts findingIdentity) that ever FAILed. Scan ids
-- here are not foreign keys: a pruned scan keeps its row in `scans`, and the dates are copied.
CREATE TABLE finding_lifecycle (
  identity        TEXT PRIMARY KEY,
  rule_id         TEXT NOT NULL,
  account_id      TEXT NOT NULL,
  region          TEXT NOT NULL,
  resource_type   TEXT NOT NULL,
  resource_id     TEXT NOT NULL,
  arn             TEXT,
  state           TEXT NOT NULL CHECK (state IN ('open', 'resolved')),
  first_seen_scan INTEGER NOT NULL, -- the first scan where it FAILed
  first_seen_at   TEXT NOT NULL,    -- that scan's start
  last_seen_scan  INTEGER NOT NULL, -- the latest scan where it FAILed
  last_seen_at    TEXT NOT NULL,
  opened_scan     INTEGER NOT NULL, -- the scan that opened it last (first seen, or reopened)
  opened_at       TEXT NOT NULL,
  resolved_scan   INTEGER,          -- while resolved: the scan that resolved it
  resolved_at     TEXT,
  reopen_count    INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX finding_lifecycle_state ON finding_lifecycle (state, first_seen_at);

-- What each scan did to each finding it concerns: opened it (new, reopened), kept it open (open;
-- also when the scan could not verify it), or resolved it. `status` is the scan's result for it,
-- NULL when the scan had none (the resource is gone, or was out of the scan's reach).
CREATE TABLE finding_states (
  scan_id  INTEGER NOT NULL REFERENCES scans (id) ON DELETE CASCADE,
  identity TEXT NOT NULL,
  state    TEXT NOT NULL CHECK (state IN ('new', 'open', 'resolved', 'reopened')),
  status   TEXT CHECK (status IN ('FAIL', 'UNKNOWN', 'PASS')),
  PRIMARY KEY (scan_id, identity)
);
CREATE INDEX finding_states_identity ON finding_states (identity, scan_id);

-- The waivers in force for a scan, as the waivers file said when they were recorded (at the scan's
-- end, or the first time a waivers file was applied to it), so a report of an old scan shows the
-- waivers that applied then.
CREATE TABLE scan_waivers (
  scan_id       INTEGER NOT NULL REFERENCES scans (id) ON DELETE CASCADE,
  position      INTEGER NOT NULL,  -- index in the file's `waivers` list
  source        TEXT NOT NULL,     -- file:line of the entry
  file_sha256   TEXT NOT NULL,
  rule          TEXT NOT NULL,
  account       TEXT,
  region        TEXT,
  resource      TEXT,
  tags_json     TEXT,
  justification TEXT NOT NULL,
  approver      TEXT NOT NULL,
  expires       TEXT NOT NULL,     -- YYYY-MM-DD; the waiver applies through that day (UTC)
  state         TEXT NOT NULL CHECK (state IN ('active', 'expired')),
  matched       INTEGER NOT NULL DEFAULT 0, -- FAIL/UNKNOWN results it covered (active and 0: stale)
  recorded_at   TEXT NOT NULL,
  PRIMARY KEY (scan_id, position)
);

-- Each `dpscan gate` decision, so `--baseline latest-passing` can find the last scan that passed.
CREATE TABLE gate_runs (
  id            INTEGER PRIMARY KEY,
  scan_id       INTEGER NOT NULL REFERENCES scans (id) ON DELETE CASCADE,
  ran_at        TEXT NOT NULL,
  exit_code     INTEGER NOT NULL,  -- 0 passed, 1 failed, 3 incomplete coverage
  criteria_json TEXT NOT NULL,     -- --fail-on, --new-only, baseline, --max-unknown, waivers file
  counts_json   TEXT NOT NULL
);
CREATE INDEX gate_runs_scan ON gate_runs (scan_id, exit_code);

-- `dpscan prune` keeps a pruned scan's row (and its rules, waivers and gate runs) but drops its
-- resources, findings and coverage.
ALTER TABLE scans ADD COLUMN pruned_at TEXT;
