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
  /** The database file the worker reads the scan's resources from, read-only. */
  db: string;
  scanId: number;
}

export type ToWorker =
  /**
   * The scan's resources with row ids in (after, upTo] are committed: add them to the reference
   * index (sent while the scan is still being written, JudgeAhead).
   */
  | { kind: "index"; after: number; upTo: number }
  /**
   * Every resource is written: finish the reference index (made again from the whole scan when
   * `rebuild`: none was sent, or a row already indexed changed), then judge ranges.
   */
  | { kind: "start"; gaps: CoverageRow[]; facts: ScanFacts; rebuild: boolean }
  /** Judge the scan's resources with row ids in (after, upTo]. */
  | { kind: "range"; seq: number; after: number; upTo: number };

/** One range's findings, as the store binds them, and its tallies. */
export type ToMain = { kind: "part"; seq: number; findings: FindingParams[]; summary: EvaluationSummary };
