// One finding document for every command that prints findings (`scan`, `evaluate`, `findings`):
// the same JSON shape (schemas/findings.schema.json), the same CSV columns, the same table. Each is
// produced as a stream of text chunks from an iterator over the store, so memory stays flat however
// many findings a scan has.
import { isCoverageGap } from "../model/coverage.js";
import type { FindingRow } from "../model/finding.js";
import type { JsonObject } from "../model/resource.js";
import { SEVERITIES, STATUSES } from "../model/severity.js";
import type {
  FindingColumn,
  FindingDocRow,
  FindingFilter,
  RuleTally,
  ScanRow,
  Store,
} from "../store/store.js";
import { VERSION } from "../version.js";
import { csvRow, oneLine, statusPaint, table, tableLayout, type TextStyle } from "./text.js";

/** The fields of each finding, in document (and CSV) order. */
export const FINDING_FIELDS = [
  "ruleId",
  "title",
  "status",
  "severity",
  "resourceType",
  "resourceId",
  "arn",
  "accountId",
  "region",
  "message",
  "remediation",
  "references",
  "evidence",
  "firstSeen",
  "firstSeenScanId",
] as const;

export type FindingDoc = Record<(typeof FINDING_FIELDS)[number], unknown>;

export function findingDoc(f: FindingDocRow): FindingDoc {
  return {
    ruleId: f.ruleId,
    title: f.title,
    status: f.status,
    severity: f.severity,
    resourceType: f.resourceType,
    resourceId: f.resourceId,
    arn: f.arn,
    accountId: f.accountId,
    region: f.region,
    message: f.message,
    remediation: f.remediation,
    references: f.references,
    evidence: f.evidence,
    firstSeen: f.firstSeen,
    firstSeenScanId: f.firstSeenScanId,
  };
}

/** What a finding document says about the scan: whether it is complete, its counts and its gaps. */
export function scanHead(store: Store, scan: ScanRow): JsonObject {
  return {
    id: scan.id,
    kind: scan.kind,
    status: scan.status,
    // An interrupted or failed scan's findings are partial: a reader must not take them as all.
    complete: scan.status === "complete",
    source: scan.source,
    startedAt: scan.startedAt,
    finishedAt: scan.finishedAt,
    durationMs: scan.durationMs,
    error: scan.error,
    dpscanVersion: scan.dpscanVersion,
    summary: scan.summary,
    resources: store.countResources(scan.id),
    coverageGaps: store.coverage(scan.id).filter(isCoverageGap) as unknown as JsonObject[],
  };
}

export interface DocumentHead {
  database: string;
  scan: JsonObject;
  /** The filter that chose the findings (a `findings` command's flags); empty: all of them. */
  selection: FindingFilter;
}

/** The finding document as JSON text, one chunk per finding. */
export function* findingsJson(head: DocumentHead, rows: Iterable<FindingDocRow>): Generator<string> {
  const top = {
    dpscanVersion: VERSION,
    generatedAt: new Date().toISOString(),
    database: head.database,
    scan: head.scan,
    selection: head.selection,
  };
  const opening = JSON.stringify(top, null, 2);
  yield `${opening.slice(0, -2)},\n  "findings": [`;
  let first = true;
  for (const f of rows) {
    const text = JSON.stringify(findingDoc(f), null, 2).replace(/\n/g, "\n    ");
    yield `${first ? "" : ","}\n    ${text}`;
    first = false;
  }
  yield first ? "]\n}\n" : "\n  ]\n}\n";
}

/** CSV columns: the scan (so a partial scan's rows say so) and the finding document's fields. */
export const CSV_HEADERS = ["scanId", "scanStatus", ...FINDING_FIELDS];

export function* findingsCsv(scan: ScanRow, rows: Iterable<FindingDocRow>): Generator<string> {
  yield csvRow(CSV_HEADERS);
  for (const f of rows) {
    const doc = findingDoc(f);
    yield csvRow([scan.id, scan.status, ...FINDING_FIELDS.map((k) => doc[k])]);
  }
}

const TABLE_HEADERS = ["STATUS", "SEVERITY", "RULE", "ACCOUNT", "REGION", "RESOURCE", "MESSAGE"];
/** The columns the findings table asks the store the widest value of. */
export const FINDINGS_TABLE_COLUMNS: readonly FindingColumn[] = [
  "status",
  "severity",
  "ruleId",
  "accountId",
  "region",
  "resourceId",
  "message",
];
/** Cells longer than this are clipped; the message is the last column and may run longer. */
const MAX_CELL = 80;
const MAX_MESSAGE = 400;

const cells = (f: FindingRow): string[] => [
  f.status,
  f.severity,
  f.ruleId,
  f.accountId,
  f.region,
  f.resourceId,
  f.message,
];

/** The findings table, a row at a time; its column widths come from the store before the first row. */
export function* findingsTableRows(
  widths: readonly number[],
  rows: Iterable<FindingRow>,
  style: TextStyle,
): Generator<string> {
  const natural = TABLE_HEADERS.map((h, i) =>
    Math.max(h.length, Math.min(widths[i] ?? 0, i === TABLE_HEADERS.length - 1 ? MAX_MESSAGE : MAX_CELL)),
  );
  const layout = tableLayout(TABLE_HEADERS, natural, style.width);
  const paint = (column: number, cell: string): string => (column < 2 ? statusPaint(style, cell) : cell);
  let any = false;
  for (const f of rows) {
    if (!any) yield `${layout.header}\n${layout.rule}\n`;
    any = true;
    const clean = cells(f).map((c, i) => oneLine(c, i === TABLE_HEADERS.length - 1 ? MAX_MESSAGE : MAX_CELL));
    yield `${layout.row(clean, paint)}\n`;
  }
  if (!any) yield "(no findings match)\n";
}

/** FAIL / UNKNOWN / PASS per rule. */
export function summaryTable(tallies: readonly RuleTally[], style: TextStyle): string {
  if (tallies.length === 0) return "(no rule applied to any resource)";
  return table(
    ["RULE", "FAIL", "UNKNOWN", "PASS"],
    tallies.map((t) => [t.ruleId, String(t.FAIL), String(t.UNKNOWN), String(t.PASS)]),
    { ...(style.width !== undefined ? { width: style.width } : {}) },
  );
}

/** JSON Schema of the finding document (published as schemas/findings.schema.json). */
export function findingsDocumentSchema(): JsonObject {
  const str = { type: "string" };
  const strOrNull = { type: ["string", "null"] };
  const finding = {
    type: "object",
    additionalProperties: false,
    required: [...FINDING_FIELDS],
    properties: {
      ruleId: { ...str, description: "the rule (rules/<ruleId>.yaml)" },
      title: { ...strOrNull, description: "the rule's title, as the scan's rule text had it" },
      status: { enum: [...STATUSES], description: "UNKNOWN: facts missing or unreadable, never a pass" },
      severity: { enum: [...SEVERITIES] },
      resourceType: { ...str, description: "e.g. AWS::EC2::Volume" },
      resourceId: { ...str, description: "the resource id; * for a whole scope a coverage gap hid" },
      arn: strOrNull,
      accountId: str,
      region: { ...str, description: "global for global types; * for a whole account" },
      message: str,
      remediation: strOrNull,
      references: { type: ["object", "null"], description: "AWS Config rules, Security Hub controls, URLs" },
      evidence: { type: "object", description: "the facts behind the result" },
      firstSeen: {
        ...strOrNull,
        format: "date-time",
        description:
          "start of the earliest scan in this database with this finding FAIL or UNKNOWN (null for PASS)",
      },
      firstSeenScanId: { type: ["integer", "null"] },
    },
  };
  const scan = {
    type: "object",
    required: ["id", "kind", "status", "complete", "source", "startedAt", "summary", "coverageGaps"],
    properties: {
      id: { type: "integer" },
      kind: { enum: ["scan", "evaluate"] },
      status: { enum: ["running", "complete", "failed", "interrupted"] },
      complete: {
        type: "boolean",
        description: "false: the scan stopped early and its findings are partial",
      },
      source: str,
      startedAt: { ...str, format: "date-time" },
      finishedAt: { ...strOrNull, format: "date-time" },
      durationMs: { type: ["integer", "null"] },
      error: strOrNull,
      dpscanVersion: str,
      summary: { type: ["object", "null"] },
      resources: { type: "array", items: { type: "object" } },
      coverageGaps: { type: "array", items: { type: "object" } },
    },
  };
  return {
    $schema: "http://json-schema.org/draft-07/schema#",
    $id: "https://dpscan.dev/schemas/findings.schema.json",
    title: "dpscan findings (scan, evaluate and findings --format json)",
    type: "object",
    additionalProperties: false,
    required: ["dpscanVersion", "generatedAt", "database", "scan", "selection", "findings"],
    properties: {
      dpscanVersion: str,
      generatedAt: { ...str, format: "date-time" },
      database: { ...str, description: "the SQLite file the findings were read from" },
      scan,
      selection: { type: "object", description: "the filters that chose the findings; {} for all" },
      findings: { type: "array", items: finding },
    },
  };
}
