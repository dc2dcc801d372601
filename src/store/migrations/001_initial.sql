-- dpscan schema v1. Documented in docs/database.md; keep the two in step.

CREATE TABLE scans (
  id            INTEGER PRIMARY KEY,
  kind          TEXT NOT NULL CHECK (kind IN ('evaluate', 'scan')),
  status        TEXT NOT NULL CHECK (status IN ('running', 'complete', 'failed', 'interrupted')),
  source        TEXT NOT NULL,              -- input files, or the scan's scope
  options_json  TEXT NOT NULL DEFAULT '{}', -- the options the scan ran with (never credentials)
  started_at    TEXT NOT NULL,              -- ISO 8601 UTC
  finished_at   TEXT,
  duration_ms   INTEGER,
  summary_json  TEXT,                       -- counts by status, severity, type
  error         TEXT,                       -- why a failed scan failed
  dpscan_version TEXT NOT NULL
);
CREATE INDEX scans_status ON scans (status, id);

-- The rules a scan was evaluated with, so a report can name the exact rule text.
CREATE TABLE scan_rules (
  scan_id   INTEGER NOT NULL REFERENCES scans (id) ON DELETE CASCADE,
  rule_id   TEXT NOT NULL,
  title     TEXT NOT NULL,
  severity  TEXT NOT NULL,
  sha256    TEXT NOT NULL,
  params_json TEXT NOT NULL DEFAULT '{}',
  PRIMARY KEY (scan_id, rule_id)
);

CREATE TABLE resources (
  id             INTEGER PRIMARY KEY,
  scan_id        INTEGER NOT NULL REFERENCES scans (id) ON DELETE CASCADE,
  resource_type  TEXT NOT NULL,
  resource_id    TEXT NOT NULL,
  resource_name  TEXT,
  arn            TEXT,
  account_id     TEXT NOT NULL,
  region         TEXT NOT NULL,
  configuration_json  TEXT NOT NULL,
  supplementary_json  TEXT NOT NULL,
  tags_json      TEXT NOT NULL,
  capture_time   TEXT NOT NULL,
  UNIQUE (scan_id, account_id, region, resource_type, resource_id)
);
CREATE INDEX resources_scan_type ON resources (scan_id, resource_type);
CREATE INDEX resources_arn ON resources (scan_id, arn);

CREATE TABLE findings (
  id            INTEGER PRIMARY KEY,
  scan_id       INTEGER NOT NULL REFERENCES scans (id) ON DELETE CASCADE,
  resource_pk   INTEGER REFERENCES resources (id) ON DELETE CASCADE,
  rule_id       TEXT NOT NULL,
  status        TEXT NOT NULL CHECK (status IN ('PASS', 'FAIL', 'UNKNOWN')),
  severity      TEXT NOT NULL CHECK (severity IN ('critical', 'high', 'medium', 'low', 'info')),
  severity_rank INTEGER NOT NULL,           -- 5 critical .. 1 info, for "at or above" filters
  resource_type TEXT NOT NULL,
  resource_id   TEXT NOT NULL,
  arn           TEXT,
  account_id    TEXT NOT NULL,
  region        TEXT NOT NULL,
  message       TEXT NOT NULL,
  evidence_json TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX findings_scan ON findings (scan_id, status, severity_rank);
CREATE INDEX findings_rule ON findings (scan_id, rule_id);

-- What was collected: one row per (account, region, service, operation) unit.
CREATE TABLE coverage (
  id            INTEGER PRIMARY KEY,
  scan_id       INTEGER NOT NULL REFERENCES scans (id) ON DELETE CASCADE,
  account_id    TEXT NOT NULL,
  region        TEXT NOT NULL,
  service       TEXT NOT NULL,
  operation     TEXT NOT NULL,
  status        TEXT NOT NULL CHECK (status IN ('ok', 'denied', 'failed', 'skipped')),
  error_code    TEXT,
  error_message TEXT,
  resource_count INTEGER NOT NULL DEFAULT 0,
  api_calls     INTEGER NOT NULL DEFAULT 0,
  started_at    TEXT,
  finished_at   TEXT,
  UNIQUE (scan_id, account_id, region, service, operation)
);
CREATE INDEX coverage_scan_status ON coverage (scan_id, status);
