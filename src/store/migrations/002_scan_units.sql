-- Resume support: which (account, region, collector) units of a live scan have finished.
-- A unit's resources and coverage rows are committed together with its row here, so a resumed
-- scan can skip it and re-run only what was cut off.
CREATE TABLE scan_units (
  scan_id     INTEGER NOT NULL REFERENCES scans (id) ON DELETE CASCADE,
  account_id  TEXT NOT NULL,
  region      TEXT NOT NULL,
  collector   TEXT NOT NULL,
  resource_count INTEGER NOT NULL DEFAULT 0,
  finished_at TEXT NOT NULL,
  PRIMARY KEY (scan_id, account_id, region, collector)
);
