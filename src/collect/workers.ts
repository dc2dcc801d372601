// Live collection on several cores: accounts handed to worker threads one at a time as they free
// a slot (so the tail stays balanced), this thread the only SQLite writer. Credentials (and so
// every AssumeRole, paced by the caller's one STS bucket) stay here; the limits are split so
// the workers together never exceed what the scan was given.
import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { classifyError } from "../aws/errors.js";
import type { ScanOptions } from "../model/scan-options.js";
import type { Store, ResourceSink } from "../store/store.js";
import type { FactsRead } from "./facts.js";
import { runCollectors, type AccountTarget, type RunOptions, type RunSummary } from "./runner.js";
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
  const queue: AccountTarget[] = [...run.accounts];
  const done = [...store.completedUnits(scanId)];
  const concurrency = shares(run.options.concurrency, n);
  const accountConcurrency = shares(run.accountConcurrency, n);
  const total: RunSummary = {
    accounts: 0,
    accountsSkipped: 0,
    units: 0,
    unitsSkippedAsDone: 0,
    resources: 0,
  };
  const workers: Worker[] = [];
  const failures: string[] = [];
  const stopAll = (): void => {
    for (const w of workers) w.postMessage({ t: "abort" } satisfies ToWorker);
  };
  run.signal.addEventListener("abort", stopAll, { once: true });

  const one = (i: number): Promise<void> => {
    const init: WorkerInit = {
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
    };
    const worker = new Worker(WORKER_SCRIPT, { workerData: init });
    workers.push(worker);
    const sinks = new Map<number, ResourceSink>();
    const sinkOf = (id: number): ResourceSink => {
      let s = sinks.get(id);
      if (!s) sinks.set(id, (s = store.sink(scanId)));
      return s;
    };
    const reply = (m: ToWorker): void => worker.postMessage(m);
    let finished = false;
    return new Promise<void>((resolve) => {
      worker.on("message", (m: FromWorker) => {
        try {
          handle(m);
        } catch (err) {
          // A store write failed here: stop everything, the scan fails with this error.
          failures.push(`worker ${i}: ${(err as Error).message}`);
          stopAll();
        }
      });
      const handle = (m: FromWorker): void => {
        switch (m.t) {
          case "next":
            reply({ t: "account", req: m.req, account: run.signal.aborted ? null : describe(queue.shift()) });
            return;
          case "creds":
            void credentialsFor(byId.get(m.accountId)).then((r) => reply({ t: "creds", req: m.req, ...r }));
            return;
          case "records":
            sinkOf(m.sink).add(m.records);
            return;
          case "complete":
            store.completeUnit(scanId, m.unit, sinkOf(m.sink), m.coverage);
            sinks.delete(m.sink);
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
            finished = true;
            for (const k of Object.keys(total) as (keyof RunSummary)[]) total[k] += m.summary[k];
            // Its last word: everything it posted before has been applied (messages arrive in order).
            void worker.terminate();
            return;
          case "failed":
            finished = true;
            if (!m.aborted) {
              failures.push(`worker ${i}: ${m.message}`);
              stopAll();
            }
            void worker.terminate();
            return;
        }
      };
      worker.on("error", (err) => {
        failures.push(`worker ${i}: ${err.stack ?? err.message}`);
        stopAll();
      });
      worker.on("exit", (code) => {
        // A worker gone without its last word (killed, out of memory): its accounts are unfinished.
        if (!finished && failures.length === 0) failures.push(`worker ${i} exited with code ${code}`);
        if (!finished) stopAll();
        resolve();
      });
    });
  };
  try {
    await Promise.all(Array.from({ length: n }, (_, i) => one(i)));
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
