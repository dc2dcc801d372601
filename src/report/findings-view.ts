// One finding document for every command that prints findings (`scan`, `evaluate`, `findings`):
// the same JSON shape (schemas/findings.schema.json), the same CSV columns, the same table. Each is
// produced as a stream of text chunks from an iterator over the store, so memory stays flat however
// many findings a scan has. A finding carries its life across scans (lifecycle state, first seen)
// and, when a waiver covers it, WAIVED with the waiver; its status stays the real one.
import { isCoverageGap } from "../model/coverage.js";
import type { JsonObject } from "../model/resource.js";
import { SEVERITIES, STATUSES } from "../model/severity.js";
import type { WaiverRef } from "../model/waiver.js";
import { LIFECYCLE_STATES } from "../model/finding.js";
import type {
  FindingColumn,
  FindingDocRow,
  FindingFilter,
  RuleTally,
  ScanRow,
  Store,
} from "../store/store.js";
import { VERSION } from "../version.js";
import { ageLabel, statusLabel, waiverOf } from "./finding-history.js";
import { csvRow, oneLine, statusPaint, table, tableLayout, type TextStyle } from "./text.js";
import type { Waived } from "./waived.js";

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
  "lifecycle",
  "firstSeen",
  "firstSeenScanId",
  "waived",
  "waiver",
] as const;

export type FindingDoc = Record<(typeof FINDING_FIELDS)[number], unknown>;

/** Which results are waived, and by which waiver (see waived.ts). */
export type WaiverLookup = Pick<Waived, "byFinding">;

export function findingDoc(f: FindingDocRow, waiver: WaiverRef | null): FindingDoc {
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
    lifecycle: f.lifecycle,
    firstSeen: f.firstSeen,
    firstSeenScanId: f.firstSeenScanId,
    waived: waiver !== null,
    waiver,
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
export function* findingsJson(
  head: DocumentHead,
  rows: Iterable<FindingDocRow>,
  waived: WaiverLookup,
): Generator<string> {
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
    const text = JSON.stringify(findingDoc(f, waiverOf(f, waived)), null, 2).replace(/\n/g, "\n    ");
    yield `${first ? "" : ","}\n    ${text}`;
    first = false;
  }
  yield first ? "]\n}\n" : "\n  ]\n}\n";
}

/** CSV columns: the scan (so a partial scan's rows say so) and the finding document's fields. */
export const CSV_HEADERS = ["scanId", "scanStatus", ...FINDING_FIELDS];

export function* findingsCsv(
  scan: ScanRow,
  rows: Iterable<FindingDocRow>,
  waived: WaiverLookup,
): Generator<string> {
  yield csvRow(CSV_HEADERS);
  for (const f of rows) {
    const doc = findingDoc(f, waiverOf(f, waived));
    yield csvRow([scan.id, scan.status, ...FINDING_FIELDS.map((k) => doc[k])]);
  }
}

const TABLE_HEADERS = ["STATUS", "SEVERITY", "RULE", "ACCOUNT", "REGION", "RESOURCE", "AGE", "MESSAGE"];
/** The columns the findings table asks the store the widest value of (every one but AGE). */
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
/** "1234d reopened": the AGE column's width, known before the first row. */
const AGE_WIDTH = 14;
const WAIVED_SUFFIX = " WAIVED".length;

/** What the table shows beside each finding: WAIVED, and its age as of `now`. */
export interface TableContext {
  waived: WaiverLookup;
  now: Date;
}

const cells = (f: FindingDocRow, ctx: TableContext): string[] => [
  statusLabel(f, ctx.waived),
  f.severity,
  f.ruleId,
  f.accountId,
  f.region,
  f.resourceId,
  ageLabel(f, ctx.now),
  f.message,
];

/** The findings table, a row at a time; its column widths come from the store before the first row. */
export function* findingsTableRows(
  widths: readonly number[],
  rows: Iterable<FindingDocRow>,
  style: TextStyle,
  ctx: TableContext,
): Generator<string> {
  const [status = 0, ...rest] = widths;
  const measured = [status + (ctx.waived.byFinding.size > 0 ? WAIVED_SUFFIX : 0), ...rest];
  measured.splice(6, 0, AGE_WIDTH);
  const last = TABLE_HEADERS.length - 1;
  const natural = TABLE_HEADERS.map((h, i) =>
    Math.max(h.length, Math.min(measured[i] ?? 0, i === last ? MAX_MESSAGE : MAX_CELL)),
  );
  const layout = tableLayout(TABLE_HEADERS, natural, style.width);
  const paint = (column: number, cell: string): string => (column < 2 ? statusPaint(style, cell) : cell);
  let any = false;
  for (const f of rows) {
    if (!any) yield `${layout.header}\n${layout.rule}\n`;
    any = true;
    const clean = cells(f, ctx).map((c, i) => oneLine(c, i === last ? MAX_MESSAGE : MAX_CELL));
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
  const waiver = {
    type: "object",
    additionalProperties: false,
    required: ["source", "rule", "justification", "approver", "expires"],
    properties: {
      source: { ...str, description: "file:line:col of the waiver in its waivers file" },
      rule: { ...str, description: "the rule ID or glob it names" },
      justification: str,
      approver: str,
      expires: {
        ...str,
        pattern: "^\\d{4}-\\d{2}-\\d{2}$",
        description: "last day it applies (YYYY-MM-DD, UTC)",
      },
    },
  };
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
      lifecycle: {
        enum: [...LIFECYCLE_STATES, null],
        description:
          "what this scan did to the finding: new, reopened, open or resolved; null when it opened nothing (a PASS, an UNKNOWN never seen failing) or the scan is not complete",
      },
      firstSeen: {
        ...strOrNull,
        format: "date-time",
        description:
          "start of the first complete scan in this database where this finding FAILed, up to this scan (null for PASS, and for an UNKNOWN never seen failing)",
      },
      firstSeenScanId: { type: ["integer", "null"] },
      waived: {
        type: "boolean",
        description: "a waiver covers this FAIL or UNKNOWN result; status stays the real one",
      },
      waiver: {
        oneOf: [{ type: "null" }, waiver],
        description: "the waiver covering it (schemas/waivers.schema.json), null when none does",
      },
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
