// `dpscan merge`: one shard's stored scan copied, row for row, into the merged scan of another
// database. Only what a scan collected is copied (resources, coverage, finished units); findings
// are made again over the merged whole (src/app/merge.ts), since cross-account rules need it.
import { batches } from "../util/batches.js";
import { RECORD_COLUMNS, type Store } from "./store.js";

/** What every shard holds a copy of (the organisation listing): kept once, from the first shard. */
export interface SharedUnit {
  collector: string;
  service: string;
  resourceType: string;
}

const RESOURCE_COLUMNS = [...RECORD_COLUMNS, "duplicates"];
const COVERAGE_COLUMNS = [
  "account_id",
  "region",
  "service",
  "operation",
  "status",
  "scope",
  "resource_types_json",
  "error_code",
  "error_message",
  "resource_count",
  "api_calls",
  "started_at",
  "finished_at",
];
const UNIT_COLUMNS = ["account_id", "region", "collector", "resource_count", "finished_at"];

/** Rows per write transaction. */
const BATCH = 1000;

/**
 * Copy one table's rows of scan `fromScan` into scan `intoScan`. Rows matching `shared` that the
 * merged scan already has are skipped (every shard lists the organisation); any other clash is a
 * constraint error: the caller has checked that the shards' accounts do not overlap.
 */
function copyTable(
  from: Store,
  into: Store,
  table: string,
  columns: readonly string[],
  scans: { from: number; into: number },
  shared: { column: string; value: string },
): number {
  const list = columns.join(", ");
  const read = from.db
    // Row order (rowid) is kept, so the merged scan lists what each shard stored as it stored it.
    .prepare(`SELECT ${shared.column} = ? AS shared, ${list} FROM ${table} WHERE scan_id = ? ORDER BY rowid`)
    .raw();
  const values = ["?", ...columns.map(() => "?")].join(", ");
  const insert = into.db.prepare(`INSERT INTO ${table} (scan_id, ${list}) VALUES (${values})`);
  const insertShared = into.db.prepare(
    `INSERT INTO ${table} (scan_id, ${list}) VALUES (${values}) ON CONFLICT DO NOTHING`,
  );
  let n = 0;
  const write = into.db.transaction((rows: unknown[][]) => {
    for (const [isShared, ...row] of rows) {
      (isShared ? insertShared : insert).run(scans.into, ...row);
      n++;
    }
  });
  const rows = read.iterate(shared.value, scans.from) as IterableIterator<unknown[]>;
  for (const batch of batches(rows, BATCH)) write(batch);
  return n;
}

/** Copy a shard's resources, coverage and finished units into the merged scan. */
export function copyShardScan(
  from: Store,
  fromScan: number,
  into: Store,
  intoScan: number,
  shared: SharedUnit,
): { resources: number; coverage: number } {
  const scans = { from: fromScan, into: intoScan };
  const resources = copyTable(from, into, "resources", RESOURCE_COLUMNS, scans, {
    column: "resource_type",
    value: shared.resourceType,
  });
  const coverage = copyTable(from, into, "coverage", COVERAGE_COLUMNS, scans, {
    column: "service",
    value: shared.service,
  });
  copyTable(from, into, "scan_units", UNIT_COLUMNS, scans, {
    column: "collector",
    value: shared.collector,
  });
  return { resources, coverage };
}

/** The accounts a scan collected from (what shards must not share), leaving out the shared unit's rows. */
export function scannedAccounts(store: Store, scanId: number, shared: SharedUnit): string[] {
  return (
    store.db
      .prepare(
        "SELECT DISTINCT account_id FROM coverage WHERE scan_id = ? AND service != ? ORDER BY account_id",
      )
      .all(scanId, shared.service) as { account_id: string }[]
  ).map((r) => r.account_id);
}
