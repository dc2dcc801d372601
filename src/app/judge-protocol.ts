// Messages between judge.ts and its worker threads (judge-worker.ts); structured-cloneable only.
import type { CoverageRow } from "../model/coverage.js";
import type { FindingInput } from "../model/finding.js";
import type { JsonObject, ResourceRecord } from "../model/resource.js";
import type { EvaluationSummary } from "../rules/evaluate-scan.js";
import type { ScanFacts } from "../rules/scan-facts.js";

export interface JudgeWorkerData {
  /** Each rule's file and parsed document: the worker compiles them as the loader did. */
  rules: { file: string; source: JsonObject }[];
  params: Record<string, Record<string, unknown>>;
  /** The scan's evaluation time, in epoch milliseconds. */
  now: number;
  gaps: CoverageRow[];
  facts: ScanFacts;
}

export type ToWorker =
  | { kind: "refs"; records: ResourceRecord[] }
  | { kind: "refs-done" }
  | { kind: "slice"; seq: number; records: { pk: number; record: ResourceRecord }[] };

/** A finding without its record: `at` is the record's position in the slice the main thread sent. */
export type WorkerFinding = Omit<FindingInput, "resource"> & { at: number };

export type ToMain = { kind: "part"; seq: number; findings: WorkerFinding[]; summary: EvaluationSummary };
