-- dpscan schema v13: a finding row holds what only the finding knows. Its resource's type, id,
-- ARN, account and region are read from the resource row it names (resource_pk), the status is a
-- number in report order (status_key: 0 FAIL, 1 UNKNOWN, 2 PASS) and the severity its rank; only a coverage
-- gap's finding, which names no stored resource, keeps its own type, id, ARN, account and region.
-- Today's row bound ten strings and fed two indexes of five and eight columns; this one binds
-- three and feeds two of four and three (bench/README.md, "The narrow finding row"). `findings`
-- is now a view with the old columns (and status_key), so reads keep their shape; writes go to
-- finding_rows.
CREATE TABLE finding_rows (
  id            INTEGER PRIMARY KEY,
  scan_id       INTEGER NOT NULL REFERENCES scans (id) ON DELETE CASCADE,
  resource_pk   INTEGER REFERENCES resources (id) ON DELETE CASCADE,
  rule_id       TEXT NOT NULL,
  status_key    INTEGER NOT NULL CHECK (status_key IN (0, 1, 2)),
  severity_rank INTEGER NOT NULL CHECK (severity_rank BETWEEN 1 AND 5),
  message       TEXT NOT NULL,
  evidence_json TEXT NOT NULL DEFAULT '{}',
  -- A coverage gap's finding only (resource_pk NULL): what it is about.
  resource_type TEXT,
  resource_id   TEXT,
  arn           TEXT,
  account_id    TEXT,
  region        TEXT,
  CHECK (resource_pk IS NOT NULL OR (resource_type IS NOT NULL AND resource_id IS NOT NULL
    AND account_id IS NOT NULL AND region IS NOT NULL))
);

INSERT INTO finding_rows (id, scan_id, resource_pk, rule_id, status_key, severity_rank, message,
  evidence_json, resource_type, resource_id, arn, account_id, region)
SELECT id, scan_id, resource_pk, rule_id,
  CASE status WHEN 'FAIL' THEN 0 WHEN 'UNKNOWN' THEN 1 ELSE 2 END, severity_rank, message, evidence_json,
  CASE WHEN resource_pk IS NULL THEN resource_type END, CASE WHEN resource_pk IS NULL THEN resource_id END,
  CASE WHEN resource_pk IS NULL THEN arn END, CASE WHEN resource_pk IS NULL THEN account_id END,
  CASE WHEN resource_pk IS NULL THEN region END
FROM findings ORDER BY id;

DROP TABLE findings;

-- Status, severity, rule: status filters and counts read this alone; reports read it in order and
-- sort each rule's run by account, region, type and id.
CREATE INDEX finding_rows_order ON finding_rows (scan_id, status_key, severity_rank DESC, rule_id);
-- A rule's findings of one resource (diff, lifecycle), and a rule's gap findings (resource_pk NULL).
CREATE INDEX finding_rows_rule ON finding_rows (scan_id, rule_id, resource_pk);

CREATE VIEW findings AS
SELECT f.id, f.scan_id, f.resource_pk, f.rule_id,
  CASE f.status_key WHEN 0 THEN 'FAIL' WHEN 1 THEN 'UNKNOWN' ELSE 'PASS' END AS status,
  CASE f.severity_rank WHEN 5 THEN 'critical' WHEN 4 THEN 'high' WHEN 3 THEN 'medium'
    WHEN 2 THEN 'low' ELSE 'info' END AS severity,
  f.severity_rank,
  CASE WHEN f.resource_pk IS NULL THEN f.resource_type ELSE r.resource_type END AS resource_type,
  CASE WHEN f.resource_pk IS NULL THEN f.resource_id ELSE r.resource_id END AS resource_id,
  CASE WHEN f.resource_pk IS NULL THEN f.arn ELSE r.arn END AS arn,
  CASE WHEN f.resource_pk IS NULL THEN f.account_id ELSE r.account_id END AS account_id,
  CASE WHEN f.resource_pk IS NULL THEN f.region ELSE r.region END AS region,
  f.message, f.evidence_json, f.status_key
FROM finding_rows f LEFT JOIN resources r ON r.id = f.resource_pk;
