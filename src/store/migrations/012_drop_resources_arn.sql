-- dpscan schema v12: drop resources_arn (scan_id, arn). No query reads it: a resource is found by
-- resources_key_arn (scan_id, resource_type, arn) or resources_key_id, and references are
-- resolved in memory. Every resource written paid for it all the same: a random insert into an
-- index as large as the scan's ARNs (93 MB at 1M resources; bench/README.md).
DROP INDEX IF EXISTS resources_arn;
