// The report model: one stored scan judged against one framework, within a scope. Every renderer
// (HTML, Markdown, JSON, CSV, PDF) and the evidence pack read only this, so what a report says
// is decided once, here and in build.ts. Its JSON form is published as schemas/report.schema.json.
import type { CoverageScope, CoverageStatus } from "../model/coverage.js";
import type { FindingRow } from "../model/finding.js";
import type { Severity, Status } from "../model/severity.js";
import type { Framework } from "./frameworks.js";
import type { ScopeNote, ScopeTag } from "./scope.js";

export const REPORT_SCHEMA_ID = "https://dpscan.dev/schemas/report.schema.json";
/** Bumped when the JSON form changes incompatibly. */
export const REPORT_FORMAT_VERSION = 1;

/** In display order: what needs attention first. */
export const REQUIREMENT_STATUSES = ["failed", "not-verified", "passed", "not-applicable", "manual"] as const;
export type RequirementStatus = (typeof REQUIREMENT_STATUSES)[number];

export const STATUS_LABELS: Record<RequirementStatus, string> = {
  failed: "failed",
  "not-verified": "not verified",
  passed: "passed",
  "not-applicable": "not applicable",
  manual: "manual",
};

export const STATUS_MEANINGS: Record<RequirementStatus, string> = {
  failed: "at least one in-scope resource FAILs a rule that evidences it",
  "not-verified":
    "no FAIL, but a result is UNKNOWN, a coverage gap hides resources its rules need, or one of its rules was not run",
  passed: "its rules judged in-scope resources and every result is PASS",
  "not-applicable": "its rules found no resource in scope",
  manual: "dpscan cannot assess it; the assessor examines what the requirement says",
};

export type FindingCounts = Record<Status, number>;

export interface ReportRule {
  id: string;
  title: string;
  severity: Severity;
  /** sha256 of the rule file that judged the scan; null when the scan did not run the rule. */
  sha256: string | null;
  /** Whether the rule file loaded now differs from the one that judged the scan. */
  changedSinceScan: boolean;
  resourceTypes: string[];
  remediation: string;
  counts: FindingCounts;
}

/** A finding as reports show it: the stored finding (bounded, without evidence) and its context. */
export interface ReportFinding extends Pick<
  FindingRow,
  | "ruleId"
  | "status"
  | "severity"
  | "resourceType"
  | "resourceId"
  | "arn"
  | "accountId"
  | "region"
  | "message"
> {
  /** Rule + account + region + resource (src/model/finding.ts findingIdentity). */
  identity: string;
  /** Why it is in a tag-scoped report although its own tags did not put it there. */
  scopeNote: ScopeNote | null;
  /** Its status in the previous complete scan (FAIL or UNKNOWN); null: passed, absent, or no previous scan. */
  previousStatus: "FAIL" | "UNKNOWN" | null;
  /** Not PASS now and not failing or unknown before. */
  isNew: boolean;
  /** Index into the report's waivers: the one covering this FAIL or UNKNOWN result (WAIVED); null when none does. */
  waiver: number | null;
}

/**
 * A waiver in force for the scan (accepted risk, src/model/waiver.ts): a waived result keeps its
 * real status, so requirement statuses do not change; the report shows who accepted what, and why.
 */
export interface ReportWaiver {
  /** file:line:col of the waiver in its waivers file. */
  source: string;
  rule: string;
  account: string | null;
  region: string | null;
  resource: string | null;
  tags: Record<string, string> | null;
  justification: string;
  approver: string;
  /** Last day it applies (YYYY-MM-DD, UTC). */
  expires: string;
  /** As the waivers applied to this report: `expired` ones cover nothing. */
  state: "active" | "expired";
  /** FAIL and UNKNOWN results of the whole scan it matches (active and 0: stale). */
  matched: number;
}

export interface ResolvedFinding {
  identity: string;
  ruleId: string;
  previousStatus: "FAIL" | "UNKNOWN";
  resourceType: string;
  resourceId: string;
  arn: string | null;
  accountId: string;
  region: string;
  previousMessage: string;
  /** PASS now, or null when the resource (or the rule's result on it) is gone. */
  status: "PASS" | null;
}

export interface ReportGap {
  accountId: string;
  region: string;
  scope: CoverageScope;
  service: string;
  operation: string;
  status: CoverageStatus;
  errorCode: string | null;
  errorMessage: string | null;
  /** The resource types it hid ("*": unknown, a row written before types were recorded). */
  resourceTypes: string[];
}

export interface ReportRequirement {
  id: string;
  title: string;
  description: string | null;
  depth: number;
  parentId: string | null;
  /** A heading groups sub-requirements and has no status of its own. */
  kind: "rules" | "manual" | "heading";
  status: RequirementStatus | null;
  /** Why the status is what it is, one sentence each. */
  reasons: string[];
  rules: string[];
  sources: string[];
  rationale: string | null;
  limits: string | null;
  manual: string | null;
  counts: FindingCounts;
  /** Indexes into the report's findings: FAIL, then UNKNOWN, then PASS. */
  findings: number[];
  /** Indexes into the report's gaps: the coverage gaps that weaken it. */
  gaps: number[];
  /** Indexes into the report's resolved findings. */
  resolved: number[];
  newFindings: number;
  /** For a heading: the statuses of the requirements below it. */
  rollup: Record<RequirementStatus, number> | null;
}

export interface ReportModel {
  $schema: typeof REPORT_SCHEMA_ID;
  formatVersion: typeof REPORT_FORMAT_VERSION;
  /** The dpscan that produced the report. */
  dpscanVersion: string;
  framework: Pick<
    Framework,
    | "id"
    | "title"
    | "standard"
    | "version"
    | "publisher"
    | "url"
    | "description"
    | "sources"
    | "decisions"
    | "sha256"
  > & {
    /** The framework file's name (its directory is the reader's). */
    file: string;
  };
  scan: {
    id: number;
    kind: string;
    status: string;
    source: string;
    startedAt: string;
    finishedAt: string | null;
    dpscanVersion: string;
    /** sha256 over the (rule ID, rule file sha256) pairs the scan was judged by. */
    ruleSetSha256: string;
    ruleCount: number;
  };
  previousScan: { id: number; startedAt: string } | null;
  scope: {
    accounts: string[] | null;
    regions: string[] | null;
    tags: ScopeTag[];
    /** What the scan examined within the scope. */
    accountsSeen: string[];
    regionsSeen: string[];
    services: string[];
  };
  summary: {
    requirements: Record<RequirementStatus, number>;
    findings: FindingCounts;
    gaps: number;
    newFindings: number;
    resolvedFindings: number;
    /** In-scope FAIL and UNKNOWN results a waiver covers. */
    waivedFindings: number;
  };
  rules: ReportRule[];
  requirements: ReportRequirement[];
  findings: ReportFinding[];
  resolved: ResolvedFinding[];
  gaps: ReportGap[];
  /** The waivers in force for the scan, in their file's order. */
  waivers: ReportWaiver[];
}

export const zeroCounts = (): FindingCounts => ({ FAIL: 0, UNKNOWN: 0, PASS: 0 });

export const zeroStatuses = (): Record<RequirementStatus, number> => ({
  failed: 0,
  "not-verified": 0,
  passed: 0,
  "not-applicable": 0,
  manual: 0,
});

/**
 * A requirement as a streamed report holds it: its findings as ranges of report positions (the
 * JSON lists them) and only the first few it shows in detail.
 */
export interface DigestRequirement extends Omit<ReportRequirement, "findings"> {
  /** Half-open [start, end) ranges of report positions, ascending and disjoint. */
  ranges: [number, number][];
  /** Its first FAIL and UNKNOWN findings in report order (at most DETAIL_ROWS), of openTotal. */
  open: ReportFinding[];
  openTotal: number;
}

/** The findings of one rule with one status and severity rank: together in report order. */
export interface ReportRun {
  ruleId: string;
  status: FindingRow["status"];
  rank: number;
  /** Its report positions, [start, end). */
  start: number;
  end: number;
}

/**
 * The report without its findings held: counts, statuses, per-requirement and per-rule tallies
 * and the capped lists HTML and Markdown show. findings() streams the rest from the store in
 * report order, each call a new read.
 */
export interface ReportDigest extends Omit<ReportModel, "findings" | "requirements"> {
  requirements: DigestRequirement[];
  findingCount: number;
  /** The report's first FAIL and UNKNOWN findings (at most TABLE_ROWS). */
  open: ReportFinding[];
  /** FAIL and UNKNOWN results per severity. */
  severities: { FAIL: Map<string, number>; UNKNOWN: Map<string, number> };
  findings(): Iterable<ReportFinding>;
}
