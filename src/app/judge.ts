// Judge a stored scan: the reference index (when a rule relates records), every rule over its
// records, then one UNKNOWN per rule and type for each coverage gap, and the summary both `scan`
// and `evaluate` store. The one place findings are made.
import { availableParallelism } from "node:os";
import { isCoverageGap, type CoverageRow } from "../model/coverage.js";
import type { JsonObject } from "../model/resource.js";
import {
  evaluateRecords,
  relatedIndex,
  relatedPlan,
  summaryJson,
  type EngineOptions,
  type EvaluationSummary,
} from "../rules/evaluate-scan.js";
import { gapFindings } from "../rules/gaps.js";
import type { Rule } from "../rules/rule.js";
import { SCAN_FACT_TYPES, scanFactsOf, type ScanFacts } from "../rules/scan-facts.js";
import type { Store } from "../store/store.js";
import { batches } from "../util/batches.js";
import { BUILT, PROCESS_HEAP_LIMITS, WorkerExit, WorkerPool } from "../util/worker-pool.js";
import type { JudgeWorkerData, ToMain, ToWorker } from "./judge-protocol.js";

export interface Judgement {
  summary: JsonObject;
  /** Coverage rows that hid resources (their rules got UNKNOWN). */
  gaps: CoverageRow[];
}

/** Records judged between two looks at the event loop, so a signal is honoured during evaluation. */
const SLICE = 1000;

/**
 * The judgement as steps: the generator yields between slices of records (a point where the
 * caller may let signals in) and returns the judgement.
 */
function* judging(
  store: Store,
  scan: { id: number; now: Date },
  rules: readonly Rule[],
  params: Record<string, Record<string, unknown>>,
): Generator<void, Judgement> {
  const coverage = store.coverage(scan.id);
  const gaps = coverage.filter(isCoverageGap);
  // Cross-resource rules need the scan's references first: a pass over only the types involved.
  const plan = relatedPlan(rules);
  const related = plan ? relatedIndex(store.iterateResources(scan.id, plan.types), plan, gaps) : undefined;
  const facts = factsOf(store, scan.id);
  const opts = { params, now: scan.now, scan: facts, ...(related ? { related } : {}) };
  let evaluation = emptySummary(rules, opts);
  for (const slice of batches(store.iterateResources(scan.id), SLICE)) {
    yield;
    const part = evaluateRecords(slice, rules, opts, (batch) => store.insertFindings(scan.id, batch));
    evaluation = add(evaluation, part);
  }
  yield;
  return finish(store, scan.id, rules, coverage, gaps, evaluation);
}

function factsOf(store: Store, scanId: number): ScanFacts {
  return scanFactsOf(mapRecords(store.iterateResources(scanId, SCAN_FACT_TYPES)));
}

function emptySummary(rules: readonly Rule[], opts: EngineOptions): EvaluationSummary {
  return evaluateRecords([], rules, opts, () => undefined);
}

/** Gap findings and the summary: the same whichever way the records were judged. */
function finish(
  store: Store,
  scanId: number,
  rules: readonly Rule[],
  coverage: CoverageRow[],
  gaps: CoverageRow[],
  evaluation: EvaluationSummary,
): Judgement {
  const synthetic = gapFindings(gaps, rules);
  store.insertFindings(scanId, synthetic);
  evaluation.byStatus.UNKNOWN += synthetic.length;
  // A resource the scan received twice is judged once (its newest capture), and said so.
  const duplicates = store.duplicateResources(scanId);
  return {
    summary: {
      ...summaryJson(evaluation),
      duplicates: duplicates as unknown as JsonObject,
      coverage: {
        units: coverage.length,
        denied: gaps.filter((g) => g.status === "denied").length,
        failed: gaps.filter((g) => g.status === "failed").length,
        skipped: coverage.filter((c) => c.status === "skipped").length,
      },
    },
    gaps,
  };
}

/** Judge a stored scan in one go (tests, fixtures, small scans). */
export function judgeScan(
  store: Store,
  scan: { id: number; now: Date },
  rules: readonly Rule[],
  params: Record<string, Record<string, unknown>> = {},
): Judgement {
  const steps = judging(store, scan, rules, params);
  try {
    for (;;) {
      const step = steps.next();
      if (step.done) return step.value;
    }
  } catch (err) {
    store.discardFindings(scan.id);
    throw err;
  }
}

export interface JudgeOptions {
  /** Worker threads to judge in (ScanOptions.judgeWorkers); "auto" or absent: autoJudgeWorkers(). 0 (or a small scan) judges in-process. */
  workers?: number | "auto";
  /** Fewer records than this are judged in-process whatever `workers` says (WORKER_THRESHOLD). */
  minRecords?: number;
  /** The worker's script; the built judge-worker.js next to this module unless given (tests run from src/). */
  workerScript?: URL;
  /** Workers started while the resources were written (`evaluate`): judging takes them over. */
  ahead?: JudgeAhead;
}

/** Below this many records a scan is judged in-process: worker start-up (rules compiled again,
 * the reference index rebuilt) costs more than a second core saves. */
export const WORKER_THRESHOLD = 20_000;

/**
 * The default number of judge workers: one per core but the main thread's (it writes every
 * finding the workers send), at most MAX_AUTO_WORKERS; in-process on one core. On two cores that
 * is one worker judging while the main thread writes (bench/README.md, "Judging beside the writer").
 */
export const MAX_AUTO_WORKERS = 8;

/** The option's text (`auto` or a count) as JudgeOptions.workers. */
export function judgeWorkerCount(option: string | undefined): JudgeOptions["workers"] {
  return option === undefined || option === "auto" ? "auto" : Number(option);
}

export function autoJudgeWorkers(): number {
  return Math.max(0, Math.min(availableParallelism() - 1, MAX_AUTO_WORKERS));
}

/**
 * Judge a stored scan, letting the event loop in between slices so SIGINT/SIGTERM are honoured
 * during a long evaluation (`scan.signal` aborts it). A large scan in a database file is judged
 * in worker threads that read it themselves.
 */
export async function judgeScanAsync(
  store: Store,
  scan: { id: number; now: Date; signal?: AbortSignal },
  rules: readonly Rule[],
  params: Record<string, Record<string, unknown>> = {},
  options: JudgeOptions = {},
): Promise<Judgement> {
  const early = options.ahead?.take();
  const workers = workerCount(options);
  const script = workerScriptOf(options);
  if (workers > 0 && script && sharedFile(store)) {
    const records = store.countResources(scan.id).reduce((n, c) => n + c.count, 0);
    if (records >= (options.minRecords ?? WORKER_THRESHOLD)) {
      const pool = early ?? {
        workers: new JudgePool(script, workers, workerData(store, scan, rules, params)),
        rebuild: true,
      };
      return judgeInWorkers(store, scan, rules, params, pool.workers, pool.rebuild);
    }
  }
  await early?.workers.pool.terminate();
  const steps = judging(store, scan, rules, params);
  try {
    for (;;) {
      const step = steps.next();
      if (step.done) return step.value;
      await new Promise((resolve) => setImmediate(resolve));
      scan.signal?.throwIfAborted();
    }
  } catch (err) {
    store.discardFindings(scan.id); // a judgement that stopped part-way leaves no findings
    throw err;
  }
}

const workerCount = (o: JudgeOptions): number =>
  o.workers === undefined || o.workers === "auto" ? autoJudgeWorkers() : o.workers;

// Run from the TypeScript sources (tests) there is no built worker to start unless one is given.
const workerScriptOf = (o: JudgeOptions): URL | undefined =>
  o.workerScript ?? (BUILT ? new URL("./judge-worker.js", import.meta.url) : undefined);

/** A worker reads what is committed to the file: not an in-memory database, not inside a transaction. */
const sharedFile = (store: Store): boolean =>
  store.path !== ":memory:" && store.path !== "" && !store.db.inTransaction;

function workerData(
  store: Store,
  scan: { id: number; now: Date },
  rules: readonly Rule[],
  params: Record<string, Record<string, unknown>>,
): JudgeWorkerData {
  return {
    rules: rules.map((r) => ({ file: r.file, source: r.source })),
    params,
    now: scan.now.getTime(),
    db: store.path,
    scanId: scan.id,
  };
}

interface PoolHandlers {
  message(i: number, msg: ToMain): void;
  mayExit(i: number, code: number): boolean;
}

/** Judge workers whose handlers change hands (JudgeAhead's, then the judgement's); a failure is kept from the start. */
class JudgePool {
  readonly pool: WorkerPool<ToWorker, ToMain>;
  failure: Error | undefined;
  onFailure: (() => void) | undefined;
  handlers: PoolHandlers = {
    message: (i, msg) => {
      throw new Error(`judge worker ${i}: a reply before judging (${msg.kind})`);
    },
    mayExit: () => false,
  };

  constructor(script: URL, count: number, data: JudgeWorkerData) {
    this.pool = new WorkerPool<ToWorker, ToMain>(
      script,
      count,
      () => data,
      {
        message: (i, msg) => this.handlers.message(i, msg),
        mayExit: (i, code) => this.handlers.mayExit(i, code),
        failed: (i, err) => {
          this.failure ??=
            err instanceof WorkerExit
              ? new Error(`judge worker ${i} exited (code ${err.code}) mid-judgement`)
              : new Error(`judge worker ${i} failed: ${err.message}`, { cause: err });
          this.onFailure?.();
        },
      },
      { resourceLimits: PROCESS_HEAP_LIMITS },
    );
  }
}

/** Rows committed between two `index` messages to the workers: few messages, each a short read. */
const AHEAD_STEP = 5_000;

/**
 * Judge workers started while a scan's resources are still being written (`dpscan evaluate`), so
 * each builds its reference index from the rows committed so far, on the core the reader leaves
 * idle, instead of in a pass of its own after the last row (at 1M items 8 s in which the writer
 * waited; bench/README.md, w12). It is told each batch of row ids written. A row written again or
 * removed (a newer capture of a resource) would leave the index stale: the workers then build it
 * again at the start, as without JudgeAhead. Workers start only once the scan has enough rows to
 * be judged in workers (WORKER_THRESHOLD); `close` ends them if judging never takes them.
 */
export class JudgeAhead {
  private workers: JudgePool | undefined;
  private rows = 0;
  private lo = Number.POSITIVE_INFINITY;
  private hi = 0;
  private indexed = 0;
  private stale = false;
  private done = false;

  constructor(
    private readonly store: Store,
    private readonly scan: { id: number; now: Date },
    private readonly rules: readonly Rule[],
    private readonly params: Record<string, Record<string, unknown>>,
    private readonly options: JudgeOptions = {},
  ) {}

  /** A batch of the scan's rows, written and committed (their ids, as insertResources gives them). */
  written(ids: readonly number[]): void {
    for (const id of ids) {
      if (id <= this.hi)
        this.stale = true; // an existing row, written again
      else this.hi = id;
      if (id < this.lo) this.lo = id;
    }
    this.rows += ids.length;
    if (this.stale || this.done || !sharedFile(this.store)) return;
    if (!this.workers) {
      const count = workerCount(this.options);
      const script = workerScriptOf(this.options);
      if (count <= 0 || !script || this.rows < (this.options.minRecords ?? WORKER_THRESHOLD)) return;
      const data = workerData(this.store, this.scan, this.rules, this.params);
      this.workers = new JudgePool(script, count, data);
      this.indexed = this.lo - 1;
    }
    if (this.hi - this.indexed >= AHEAD_STEP) this.send();
  }

  /** A row of the scan was removed. */
  removed(): void {
    this.stale = true;
  }

  /** The workers, handed to the judgement once, with whether their index must be made again. */
  take(): { workers: JudgePool; rebuild: boolean } | undefined {
    this.done = true;
    const workers = this.workers;
    this.workers = undefined;
    if (!workers) return undefined;
    if (!this.stale && this.hi > this.indexed) this.send(workers);
    return { workers, rebuild: this.stale };
  }

  /** End workers judging did not take (the read failed or was stopped). */
  async close(): Promise<void> {
    this.done = true;
    const workers = this.workers;
    this.workers = undefined;
    await workers?.pool.terminate();
  }

  private send(workers = this.workers): void {
    workers?.pool.broadcast({ kind: "index", after: this.indexed, upTo: this.hi });
    this.indexed = this.hi;
  }
}

/** Ranges a worker may hold at once: one judged, the next waiting, so no worker idles on the writer. */
const IN_FLIGHT = 2;

/**
 * Workers read row-id ranges of the scan from the database (their own read-only connections) and
 * judge them; the main thread, the one writer, writes their findings in range order, so the rows
 * are those judging in-process gives. A worker that fails or exits early fails the judgement,
 * and the findings written so far are removed.
 */
async function judgeInWorkers(
  store: Store,
  scan: { id: number; now: Date; signal?: AbortSignal },
  rules: readonly Rule[],
  params: Record<string, Record<string, unknown>>,
  workers: JudgePool,
  rebuild: boolean,
): Promise<Judgement> {
  const coverage = store.coverage(scan.id);
  const gaps = coverage.filter(isCoverageGap);
  const facts = factsOf(store, scan.id);
  let evaluation = emptySummary(rules, { params, now: scan.now, scan: facts });
  const sent = new Map<number, number>(); // range seq -> worker
  const arrived = new Map<number, Extract<ToMain, { kind: "part" }>>();
  let written = 0;
  const pool = workers.pool;
  const inFlight: number[] = Array<number>(pool.size).fill(0);
  let failure: Error | undefined;
  let stopped = false;
  let wake: (() => void) | undefined;
  const notify = (): void => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const fail = (err: Error): void => {
    failure ??= err;
    notify();
  };
  workers.onFailure = notify;
  workers.handlers = {
    message: (i, msg) => {
      if (stopped) return; // the judgement failed: what is written is being removed
      if (!sent.has(msg.seq)) throw new Error(`a reply to no range (${msg.seq})`);
      sent.delete(msg.seq);
      inFlight[i] = (inFlight[i] ?? 1) - 1;
      arrived.set(msg.seq, msg);
      // In range order, whichever worker finished first.
      for (let part = arrived.get(written); part; part = arrived.get(written)) {
        arrived.delete(written++);
        store.insertFindings(scan.id, part.findings);
        evaluation = add(evaluation, part.summary);
      }
      notify();
    },
    // Exiting is a failure while ranges are out, or with an error code.
    mayExit: (_i, code) => sent.size === 0 && code === 0,
  };
  const onAbort = (): void => fail(new Error("judgement aborted"));
  scan.signal?.addEventListener("abort", onAbort);
  try {
    // A signal that came before the listener (during the read) stops it too.
    const check = (): void => {
      if (scan.signal?.aborted) throw scan.signal.reason as Error;
      const failed = failure ?? workers.failure;
      if (failed) throw failed;
    };
    check();
    pool.broadcast({ kind: "start", gaps, facts, rebuild });
    const range = store.resourceIdRange(scan.id);
    let seq = 0;
    for (let after = range ? range.lo - 1 : 0; range && after < range.hi; after += SLICE) {
      for (;;) {
        check();
        const free = leastBusy(inFlight);
        if ((inFlight[free] ?? 0) < IN_FLIGHT) {
          sent.set(seq, free);
          inFlight[free] = (inFlight[free] ?? 0) + 1;
          pool.post(free, { kind: "range", seq: seq++, after, upTo: Math.min(after + SLICE, range.hi) });
          break;
        }
        await new Promise<void>((resolve) => (wake = resolve));
      }
    }
    while (sent.size > 0) {
      check();
      await new Promise<void>((resolve) => (wake = resolve));
    }
    check();
    return finish(store, scan.id, rules, coverage, gaps, evaluation);
  } catch (err) {
    stopped = true;
    store.discardFindings(scan.id);
    throw err;
  } finally {
    scan.signal?.removeEventListener("abort", onAbort);
    await pool.terminate();
  }
}

function leastBusy(inFlight: readonly number[]): number {
  let best = 0;
  for (let i = 1; i < inFlight.length; i++) if ((inFlight[i] ?? 0) < (inFlight[best] ?? 0)) best = i;
  return best;
}

function add(a: EvaluationSummary, b: EvaluationSummary): EvaluationSummary {
  const sum = <K extends string>(x: Record<K, number>, y: Record<K, number>): Record<K, number> => {
    const out = { ...x };
    for (const k of Object.keys(y) as K[]) out[k] = (out[k] ?? 0) + y[k];
    return out;
  };
  return {
    resources: a.resources + b.resources,
    results: a.results + b.results,
    byStatus: sum(a.byStatus, b.byStatus),
    failBySeverity: sum(a.failBySeverity, b.failBySeverity),
  };
}

function* mapRecords<T>(rows: Iterable<{ record: T }>): Generator<T> {
  for (const r of rows) yield r.record;
}
