-- Coverage rows state their own reach and the resource types they stand for, so readers never
-- decode service/operation names. Rows written before this migration get the scope their
-- service/operation implied then; their types are unknown (NULL) and such a scan is not resumed.
ALTER TABLE coverage ADD COLUMN scope TEXT NOT NULL DEFAULT 'region';
ALTER TABLE coverage ADD COLUMN resource_types_json TEXT;
UPDATE coverage SET scope = CASE
  WHEN service = 'config' THEN 'aggregator'
  WHEN (service = 'sts' AND operation = 'AssumeRole') OR (service = 'ec2' AND operation = 'DescribeRegions')
    THEN 'account'
  ELSE 'region' END;
