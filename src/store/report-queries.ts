// Reads for reports: a scan's findings of some rules in report order, streamed, so a report never
// holds a scan's findings or sorts more than one rule's run of them. The order is total: FAIL,
// UNKNOWN, PASS; severity, highest first; then rule, account, region, resource type and id (by
// code point), and the row id.
import { asUnreadable } from "../model/resource.js";
import type { FindingRow } from "../model/finding.js";
import {
  FINDING_FIELD_COLUMNS,
  findingOfFieldCells,
  reportOrder,
  statusKey,
  type FindingFieldCells,
  type Store,
} from "./store.js";

export interface ReportFindingRow {
  finding: Omit<FindingRow, "evidence">;
  tags: Record<string, string> | null;
  tagsUnreadable: boolean;
}

/** A row as an array: the finding's fields, then the two tag columns. */
type Raw = [...FindingFieldCells, tags: string | null, tagsSupp: string | null];

const tagColumns = (withTags: boolean): string =>
  withTags
    ? "r.tags_json AS r_tags, json_extract(r.supplementary_json, '$.Tags') AS r_tags_supp"
    : "NULL AS r_tags, NULL AS r_tags_supp";
const tagJoin = (withTags: boolean): string =>
  withTags ? "LEFT JOIN resources r ON r.id = f.resource_pk" : "";

/**
 * The findings of `ruleIds` in scan `scanId`, in report order: finding_rows_order (migration 013)
 * in its order, each rule's run sorted by its resources' account, region, type and id. Without
 * tags (a report not scoped by tag) there is no second join to the resources for their JSON.
 */
export function reportOrderFindings(
  store: Store,
  scanId: number,
  ruleIds: readonly string[],
  withTags: boolean,
  part: ReadPart = "all",
): Generator<ReportFindingRow> {
  const stmt = store.db.prepare(
    `SELECT ${FINDING_FIELD_COLUMNS}, ${tagColumns(withTags)} FROM findings f ${tagJoin(withTags)}
     WHERE f.scan_id = ? ${PARTS[part]} AND f.rule_id IN (SELECT value FROM json_each(?))
     ORDER BY ${reportOrder("f")}`,
  );
  return rows(stmt.raw(true).iterate(scanId, JSON.stringify(ruleIds)) as IterableIterator<Raw>);
}

/** Some findings by row id, in no particular order (the caller sorts), a batch per statement. */
export function* findingsById(
  store: Store,
  ids: readonly number[],
  withTags: boolean,
): Generator<ReportFindingRow> {
  const stmt = store.db.prepare(
    `SELECT ${FINDING_FIELD_COLUMNS}, ${tagColumns(withTags)} FROM findings f ${tagJoin(withTags)}
     WHERE f.id IN (SELECT value FROM json_each(?))`,
  );
  for (let i = 0; i < ids.length; i += 10_000)
    yield* rows(stmt.raw(true).iterate(JSON.stringify(ids.slice(i, i + 10_000))) as IterableIterator<Raw>);
}

/**
 * A report's findings read in two parts, one per thread: FAIL and UNKNOWN, then PASS (about half
 * each in a large scan), each a range of the index; "all" is both, one after the other.
 */
export type ReadPart = "all" | "open" | "pass";
const PARTS: Record<ReadPart, string> = {
  all: "",
  open: `AND ${statusKey("f")} < 2`,
  pass: `AND ${statusKey("f")} >= 2`,
};

function* rows(raw: IterableIterator<Raw>): Generator<ReportFindingRow> {
  for (const r of raw) {
    const tags = r[11];
    const supp = r[12];
    const suppTags: unknown = supp ? JSON.parse(supp) : null;
    yield {
      finding: findingOfFieldCells(r),
      tags: tags === null ? null : (JSON.parse(tags) as Record<string, string>),
      tagsUnreadable: asUnreadable(suppTags) !== undefined,
    };
  }
}
