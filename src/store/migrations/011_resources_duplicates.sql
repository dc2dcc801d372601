-- dpscan schema v11: the resources a scan received more than once, found without reading the
-- scan's every row. The scan summary, `findings` and the table printer each ask for them
-- (Store.duplicateResources); without this index each ask read all of a scan's resources
-- (1.2 GB of rows at 1M). Nearly empty: only rows with duplicates > 0 are in it.
CREATE INDEX IF NOT EXISTS resources_duplicates ON resources (scan_id, id) WHERE duplicates > 0;
