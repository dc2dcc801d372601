// Reports on two worker threads (writeReports decides when). Each worker reads, tallies and
// spools part of a group's findings, with its own read-only connection: worker 0 the FAIL and
// UNKNOWN ones, worker 1 the PASS ones (spoolPart); worker 0 merges the tallies, writes the HTML
// and Markdown and the JSON and CSV files' heads (prepareGroup); then each copies the spools
// into half of the JSON and CSV files (copySpool), shared by their size. The code that makes the
// bytes is the single-thread path's, so the files are the same. This thread only waits, so a
// signal stops the workers at once.
import type { Scoped } from "./build.js";
import type { ReportFormat } from "./render.js";
import type { Waived } from "./waived.js";
import type { CopyFile, CopyPlan, GroupJob, Prepared, SpooledPart } from "./write.js";
import { PROCESS_HEAP_LIMITS, WorkerPool, WorkerExit } from "../util/worker-pool.js";
import { rmSync } from "node:fs";

export interface ReportWorkerData {
  db: string;
  waived: Waived;
}

/** A group as sent to a worker: the waivers went once, with the worker's data. */
export type WorkerJob = Omit<GroupJob, "waived">;

export type ToWorker =
  /** Worker 0: the FAIL and UNKNOWN findings, then, once `other` comes, the digests. */
  | { kind: "prepare"; job: WorkerJob }
  /** Worker 1: the PASS findings. */
  | { kind: "spool-pass"; job: WorkerJob }
  /** Worker 0: worker 1's part. */
  | ({ kind: "other" } & SpooledPart)
  | { kind: "copy"; plan: CopyPlan; files: CopyFile[] };

export type FromWorker =
  ({ kind: "prepared" } & Prepared) | ({ kind: "spooled" } & SpooledPart) | { kind: "copied" };

const SCRIPT = new URL("./report-worker.js", import.meta.url);

/** Every group's reports; returns the printed line of each file, by path. */
export async function writeInThreads(
  db: string,
  job: { scanId: number; formats: readonly ReportFormat[]; dir: string },
  groups: Scoped[][],
  waived: Waived,
  signal?: AbortSignal,
): Promise<[string, string][]> {
  signal?.throwIfAborted();
  const waiting = new Map<number, { resolve: (m: FromWorker) => void; reject: (e: Error) => void }>();
  let failure: Error | undefined;
  const fail = (err: Error): void => {
    failure ??= err;
    for (const w of waiting.values()) w.reject(failure);
    waiting.clear();
  };
  const data: ReportWorkerData = { db, waived };
  const pool = new WorkerPool<ToWorker, FromWorker>(
    SCRIPT,
    2,
    () => data,
    {
      message: (i, msg) => {
        const w = waiting.get(i);
        if (!w) throw new Error(`report worker ${i}: a reply to nothing (${msg.kind})`);
        waiting.delete(i);
        w.resolve(msg);
      },
      mayExit: (i, code) => !waiting.has(i) && code === 0,
      failed: (i, err) =>
        fail(
          err instanceof WorkerExit
            ? new Error(`report worker ${i} exited (code ${err.code}) before the reports were written`)
            : new Error(`report worker ${i} failed: ${err.message}`, { cause: err }),
        ),
    },
    { resourceLimits: PROCESS_HEAP_LIMITS },
  );
  const ask = (i: number, msg: ToWorker): Promise<FromWorker> =>
    new Promise((resolve, reject) => {
      if (failure) return reject(failure);
      waiting.set(i, { resolve, reject });
      pool.post(i, msg);
    });
  const onAbort = (): void =>
    fail(signal?.reason instanceof Error ? signal.reason : new Error("the reports were stopped"));
  signal?.addEventListener("abort", onAbort, { once: true });
  const lines: [string, string][] = [];
  try {
    for (const scoped of groups) {
      const w = { ...job, scoped };
      const preparing = ask(0, { kind: "prepare", job: w });
      // Awaited below; a failure before then rejects the next ask too, which is what throws.
      preparing.catch(() => undefined);
      const pass = await ask(1, { kind: "spool-pass", job: w });
      if (pass.kind !== "spooled") throw new Error(`report worker 1: ${pass.kind}, not spooled`);
      pool.post(0, { ...pass, kind: "other" });
      const prepared = await preparing;
      if (prepared.kind !== "prepared") throw new Error(`report worker 0: ${prepared.kind}, not prepared`);
      lines.push(...prepared.lines);
      const plan = prepared.plan;
      if (!plan) continue;
      try {
        await Promise.all(halves(plan.files).map((files, i) => ask(i, { kind: "copy", plan, files })));
      } finally {
        for (const p of plan.spools) rmSync(p, { force: true });
      }
    }
  } finally {
    signal?.removeEventListener("abort", onAbort);
    // Before the caller removes what is left: a worker still writing would make it again.
    await pool.terminate();
  }
  return lines;
}

/** The files in two shares of about equal size (the largest first, each to the smaller share). */
export function halves(files: readonly CopyFile[]): [CopyFile[], CopyFile[]] {
  const out: [CopyFile[], CopyFile[]] = [[], []];
  const size = [0, 0];
  for (const f of [...files].sort((a, b) => b.bytes - a.bytes || (a.path < b.path ? -1 : 1))) {
    const i = (size[0] as number) <= (size[1] as number) ? 0 : 1;
    out[i].push(f);
    size[i] = (size[i] as number) + f.bytes;
  }
  return out;
}
