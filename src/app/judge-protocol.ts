// Messages between judge.ts and its worker threads (judge-worker.ts); structured-cloneable only.
import type { CoverageRow } from "../model/coverage.js";
import type { JsonObject } from "../model/resource.js";
import type { EvaluationSummary } from "../rules/evaluate-scan.js";
import type { ScanFacts } from "../rules/scan-facts.js";
import type { FindingParams } from "../store/store.js";

export interface JudgeWorkerData {
  /** Each rule's file and parsed document: the worker compiles them as the loader did. */
  rules: { file: string; source: JsonObject }[];
  params: Record<string, Record<string, unknown>>;
  /** The scan's evaluation time, in epoch milliseconds. */
  now: number;
  gaps: CoverageRow[];
  facts: ScanFacts;
  /** The database file the worker reads the scan's resources from, read-only. */
  db: string;
  scanId: number;
}

/** Judge the scan's resources with row ids in (after, upTo]. */
export type ToWorker = { kind: "range"; seq: number; after: number; upTo: number };

/** One range's findings, as the store binds them, and its tallies. */
export type ToMain = { kind: "part"; seq: number; findings: FindingParams[]; summary: EvaluationSummary };
