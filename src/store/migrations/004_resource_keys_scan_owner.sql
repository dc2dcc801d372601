-- dpscan schema v4. Documented in docs/database.md; keep the two in step.
-- Runs with foreign keys off (src/store/migrations.ts), so rebuilding `resources` keeps the
-- findings that point at its rows (ids are copied unchanged).

-- 1. A resource is keyed by its ARN when it has one: two records with one resourceId and two ARNs
--    (an endpoint that gives every RDS instance the same DbiResourceId) are two resources. A record
--    that arrives again within a scan is counted in `duplicates`, never dropped without a trace.
CREATE TABLE resources_v4 (
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
  duplicates     INTEGER NOT NULL DEFAULT 0 -- further copies of this resource the scan received
);
INSERT INTO resources_v4 (id, scan_id, resource_type, resource_id, resource_name, arn, account_id, region,
  configuration_json, supplementary_json, tags_json, capture_time)
SELECT id, scan_id, resource_type, resource_id, resource_name, arn, account_id, region,
  configuration_json, supplementary_json, tags_json, capture_time FROM resources;
DROP TABLE resources;
ALTER TABLE resources_v4 RENAME TO resources;
CREATE UNIQUE INDEX resources_key_arn ON resources (scan_id, resource_type, arn) WHERE arn IS NOT NULL;
CREATE UNIQUE INDEX resources_key_id ON resources (scan_id, account_id, region, resource_type, resource_id)
  WHERE arn IS NULL;
CREATE INDEX resources_scan_type ON resources (scan_id, resource_type);
CREATE INDEX resources_arn ON resources (scan_id, arn);

-- 2. Who runs a scan, so a `running` row whose process is gone shows as stale; and how long it
--    has run in earlier runs, so a resumed scan's duration leaves out the time it lay interrupted.
ALTER TABLE scans ADD COLUMN owner_pid INTEGER;
ALTER TABLE scans ADD COLUMN owner_host TEXT;
ALTER TABLE scans ADD COLUMN heartbeat_at TEXT;   -- refreshed by the owner while it runs
ALTER TABLE scans ADD COLUMN run_started_at TEXT; -- start of the current (or last) run
ALTER TABLE scans ADD COLUMN active_ms INTEGER NOT NULL DEFAULT 0; -- wall time of the earlier runs

-- 3. What a finding document names of its rule, as the scan's rule text had it.
ALTER TABLE scan_rules ADD COLUMN remediation TEXT;
ALTER TABLE scan_rules ADD COLUMN references_json TEXT;

-- 4. A finding's identity across scans (src/model/finding.ts findingIdentity), for "first seen".
CREATE INDEX findings_identity ON findings (
  rule_id, account_id, region, COALESCE(arn, resource_type || '/' || resource_id), scan_id);

-- 5. Reports list findings in this order (FAIL, UNKNOWN, PASS; most severe first): with the index
--    they stream from the first row, with no sort of the whole scan before it (src/store/store.ts).
CREATE INDEX findings_report_order ON findings (
  scan_id, CASE status WHEN 'FAIL' THEN 0 WHEN 'UNKNOWN' THEN 1 ELSE 2 END, severity_rank DESC,
  rule_id, account_id, region, resource_id);
