-- dpscan schema v9: findings keep two secondary indexes, not four: every index is maintained for
-- every finding written, and the two dropped ones are covered by the two kept (bench/README.md,
-- "Store: findings at 200k/s"). findings_scan (scan, status, severity rank): status filters use
-- findings_report_order, whose second term is the status as a number (src/store/store.ts
-- STATUS_KEY). findings_rule (scan, rule) is a prefix of findings_lookup.
DROP INDEX IF EXISTS findings_scan;
DROP INDEX IF EXISTS findings_rule;
