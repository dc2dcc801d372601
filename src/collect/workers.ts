// Live collection on several cores: accounts handed to worker threads one at a time as they free
// a slot, by fair share (FairHandout: the tail stays balanced), this thread the only SQLite
// writer. Credentials (and so every AssumeRole, paced by the caller's one STS bucket) stay here;
// the limits are split so the workers together never exceed what the scan was given.
import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { classifyError } from "../aws/errors.js";
import type { ScanOptions } from "../model/scan-options.js";
import type { Store, ResourceSink } from "../store/store.js";
import type { FactsRead } from "./facts.js";
import { runCollectors, type AccountTarget, type RunOptions, type RunSummary } from "./runner.js";
import { WorkerExit, WorkerPool } from "../util/worker-pool.js";
import { FairHandout } from "./handout.js";
import type { FromWorker, ToWorker, WorkerInit } from "./worker-protocol.js";

/** The worker script, beside this module once built; running from the TypeScript sources there is none. */
const WORKER_SCRIPT = new URL("./collect-worker.js", import.meta.url);

/** How many worker threads a scan of `accounts` accounts uses (1: in this thread, no worker). */
export function workerCount(
  requested: ScanOptions["workers"],
  accounts: number,
  limits: { concurrency: number; accountConcurrency: number },
  cores = availableParallelism(),
): number {
  const wanted = requested === "auto" ? cores : Number(requested);
  return Math.max(1, Math.min(wanted, accounts, limits.concurrency, limits.accountConcurrency));
}

/** `total` split into `n` shares that add up to it (each at least 1 when total ≥ n). */
export function shares(total: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => Math.floor(total / n) + (i < total % n ? 1 : 0));
}

export interface ParallelRun extends RunOptions {
  store: Store;
  options: ScanOptions;
  reads?: FactsRead | ((fact: string) => boolean);
}

/** runCollectors, with the accounts spread over `options.workers` worker threads when that is more than one. */
export async function runCollectorsOnCores(run: ParallelRun): Promise<RunSummary> {
  const n = workerCount(run.options.workers, run.accounts.length, {
    concurrency: run.options.concurrency,
    accountConcurrency: run.accountConcurrency,
  });
  const readsText = run.reads && "text" in run.reads ? run.reads.text : undefined;
  // A fact filter without its source cannot be rebuilt in a worker: such callers collect here.
  if (n <= 1 || (run.reads && readsText === undefined) || !existsSync(fileURLToPath(WORKER_SCRIPT)))
    return await runCollectors(run);
  return await inWorkers(run, n, readsText);
}

async function inWorkers(run: ParallelRun, n: number, readsText: string | undefined): Promise<RunSummary> {
  const { store, scanId } = run;
  const byId = new Map(run.accounts.map((a) => [a.accountId, a]));
  const done = [...store.completedUnits(scanId)];
  const concurrency = shares(run.options.concurrency, n);
  const accountConcurrency = shares(run.accountConcurrency, n);
  const handout = new FairHandout(run.accounts, accountConcurrency);
  const total: RunSummary = {
    accounts: 0,
    accountsSkipped: 0,
    units: 0,
    unitsSkippedAsDone: 0,
    resources: 0,
  };
  const failures: string[] = [];
  const finished = new Set<number>();
  const sinks = new Map<string, ResourceSink>();
  const sinkOf = (i: number, id: number): ResourceSink => {
    const key = `${i}:${id}`;
    let s = sinks.get(key);
    if (!s) sinks.set(key, (s = store.sink(scanId)));
    return s;
  };
  const init = (i: number): WorkerInit => ({
    scanId,
    options: run.options,
    collectors: run.collectors.map((c) => c.name),
    ...(run.regions ? { regions: run.regions } : {}),
    homeRegion: run.homeRegion,
    partition: run.partition,
    concurrency: concurrency[i] ?? 1,
    accountConcurrency: accountConcurrency[i] ?? 1,
    ...(readsText !== undefined ? { readsText } : {}),
    done,
  });
  const handle = (i: number, m: FromWorker): void => {
    const reply = (r: ToWorker): void => pool.post(i, r);
    switch (m.t) {
      case "next":
        handout.ask(i, m.finished, (a) => reply({ t: "account", req: m.req, account: describe(a) }));
        return;
      case "creds":
        void credentialsFor(byId.get(m.accountId)).then((r) => reply({ t: "creds", req: m.req, ...r }));
        return;
      case "records":
        sinkOf(i, m.sink).addRows(m.rows);
        return;
      case "complete":
        store.completeUnit(scanId, m.unit, sinkOf(i, m.sink), m.coverage);
        sinks.delete(`${i}:${m.sink}`);
        return;
      case "coverage":
        store.upsertCoverage(scanId, m.rows);
        return;
      case "accountStarted":
        run.events?.accountStarted?.(m.accountId);
        return;
      case "accountSkipped":
        run.events?.accountSkipped?.(m.accountId, m.reason);
        return;
      case "unitsPlanned":
        run.events?.unitsPlanned?.(m.accountId, m.count);
        return;
      case "unitDone":
        run.events?.unitDone?.(m.unit);
        return;
      case "stats":
        run.factory.global.calls += m.calls;
        run.factory.global.throttles += m.throttles;
        run.factory.global.retries += m.retries;
        return;
      case "done":
        finished.add(i);
        for (const k of Object.keys(total) as (keyof RunSummary)[]) total[k] += m.summary[k];
        // Its last word: everything it posted before has been applied (messages arrive in order).
        pool.end(i);
        return;
      case "failed":
        finished.add(i);
        if (!m.aborted) {
          failures.push(`worker ${i}: ${m.message}`);
          stopAll();
        }
        pool.end(i);
        return;
    }
  };
  const pool: WorkerPool<ToWorker, FromWorker> = new WorkerPool(WORKER_SCRIPT, n, init, {
    message: handle,
    // A worker gone without its last word (killed, out of memory): its accounts are unfinished.
    mayExit: (i) => finished.has(i),
    failed: (i, err) => {
      // A store write that failed here, a worker's own error, or an early exit: the scan fails.
      failures.push(
        err instanceof WorkerExit
          ? `worker ${i} exited with code ${err.code}`
          : `worker ${i}: ${err.stack ?? err.message}`,
      );
      stopAll();
    },
  });
  function stopAll(): void {
    handout.close();
    pool.broadcast({ t: "abort" });
  }
  run.signal.addEventListener("abort", stopAll, { once: true });
  try {
    await pool.allExited;
  } finally {
    run.signal.removeEventListener("abort", stopAll);
  }
  // Units a worker did not finish are not marked done: the scan fails and --resume re-runs them.
  if (failures.length > 0) throw new Error(`collection worker failed: ${failures.join("; ")}`);
  run.signal.throwIfAborted();
  return total;
}

function describe(a: AccountTarget | undefined): { accountId: string; roleArn?: string } | null {
  if (!a) return null;
  return { accountId: a.accountId, ...(a.roleArn ? { roleArn: a.roleArn } : {}) };
}

async function credentialsFor(
  a: AccountTarget | undefined,
): Promise<Omit<Extract<ToWorker, { t: "creds" }>, "t" | "req">> {
  try {
    if (!a) throw new Error("unknown account");
    const c = await a.credentials();
    return {
      credentials: {
        accessKeyId: c.accessKeyId,
        secretAccessKey: c.secretAccessKey,
        ...(c.sessionToken ? { sessionToken: c.sessionToken } : {}),
        ...(c.expiration ? { expiration: c.expiration.getTime() } : {}),
      },
    };
  } catch (err) {
    return { error: classifyError(err) };
  }
}
