-- dpscan schema v8: findings indexes that the queries use (EXPLAIN QUERY PLAN, test/store/plans.test.ts).
-- findings_identity led with the rule and ended with scan_id, so each scan's findings landed among
-- every earlier scan's, on random pages; lifecycle tables (007) now carry identity across scans.
-- The one query it still served (diff's finding of an identity in a scan) leads with the scan here,
-- so a new scan's entries append at the index's end.
DROP INDEX IF EXISTS findings_identity;
CREATE INDEX findings_lookup ON findings (scan_id, rule_id, account_id, region, resource_type);
