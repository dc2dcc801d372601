// WAL checkpoints on a thread of their own, for a process that writes a scan for minutes
// (evaluate, scan, serve). SQLite's default is that the connection whose commit took the WAL past
// 1,000 pages copies it back to the database file and syncs it, inside that commit: the writer,
// dpscan's main thread, stopped there for the disk (evaluate of 200k items: ~580 fsyncs, 6–9 s of
// blocked wall time). A second connection on its own thread checkpoints instead, PASSIVE (it
// never waits for the writer), and the writer's own checkpoints become a backstop for a WAL that
// grows past BACKSTOP_PAGES anyway. Results: bench/README.md, "Checkpoints off the writer's thread".
import { Worker } from "node:worker_threads";
import type Database from "better-sqlite3";
import { BUILT } from "../util/worker-pool.js";

/** How long a connection to the store waits for a lock before SQLITE_BUSY: the writer's and this thread's. */
export const LOCK_WAIT_MS = 5000;

/** Slots of the shared Int32Array the writer and the checkpoint thread use. */
export const CHECKPOINT_STATE = {
  /** [command]: run, or stop. */
  command: 0,
  /** [worker]: starting, running, ended. */
  worker: 1,
  /** [checkpoints]: how many the thread ran. */
  checkpoints: 2,
  /** [failed]: 1 when the thread's connection or a checkpoint failed. */
  failed: 3,
  run: 0,
  stop: 1,
  starting: 0,
  running: 1,
  ended: 2,
} as const;

export interface CheckpointerOptions {
  /** Milliseconds between checkpoints (CHECKPOINT_INTERVAL_MS). */
  intervalMs?: number;
  /** The worker's module; the built checkpoint-worker.js unless given (tests run from src/). */
  script?: URL;
}

export interface CheckpointWorkerData {
  path: string;
  intervalMs: number;
  state: SharedArrayBuffer;
}

/** Milliseconds between the thread's checkpoints (100 let the WAL reach 700 MB at 200k items, 20 kept it at ~100 MB). */
export const CHECKPOINT_INTERVAL_MS = 20;
/** The writer's own wal_autocheckpoint meanwhile, in pages: 256 MiB at 4 KiB pages. */
export const BACKSTOP_PAGES = 65536;
/** SQLite's default, given back when the thread stops. */
const DEFAULT_AUTOCHECKPOINT = 1000;
/** The longest close() waits for a checkpoint in progress to finish. */
const STOP_WAIT_MS = 30_000;

export class Checkpointer {
  private readonly flags: Int32Array;
  private readonly worker: Worker;
  private stopped = false;

  /**
   * Start checkpointing `db` (the writer's connection to `path`) on a thread.
   */
  constructor(
    private readonly db: Database.Database,
    path: string,
    opts: CheckpointerOptions = {},
  ) {
    const script = opts.script ?? new URL("./checkpoint-worker.js", import.meta.url);
    const state = new SharedArrayBuffer(4 * Int32Array.BYTES_PER_ELEMENT);
    this.flags = new Int32Array(state);
    const data: CheckpointWorkerData = { path, intervalMs: opts.intervalMs ?? CHECKPOINT_INTERVAL_MS, state };
    this.worker = new Worker(script, { workerData: data });
    // A thread that failed leaves the checkpoints to the writer again, at SQLite's default (once
    // stopped, the writer already has it, and a later checkpointer may have set its own backstop).
    this.worker.on("error", () => {
      Atomics.store(this.flags, CHECKPOINT_STATE.failed, 1);
      if (!this.stopped) this.restoreWriter();
    });
    this.worker.unref();
    db.pragma(`wal_autocheckpoint = ${BACKSTOP_PAGES}`);
  }

  /** Whether a built worker exists to start (not when run from the TypeScript sources). */
  static available(): boolean {
    return BUILT;
  }

  /** Checkpoints the thread has run so far. */
  get checkpoints(): number {
    return Atomics.load(this.flags, CHECKPOINT_STATE.checkpoints);
  }

  /** Until stop(). */
  get running(): boolean {
    return !this.stopped;
  }

  /** Whether the thread failed (its connection, or a checkpoint). */
  get failed(): boolean {
    return Atomics.load(this.flags, CHECKPOINT_STATE.failed) === 1;
  }

  /**
   * Stop the thread and wait (synchronously, bounded) for its connection to close, so the
   * writer's connection, closed next, is the last one: SQLite then checkpoints the whole WAL and
   * removes it, as without the thread. The writer checkpoints for itself again from here.
   */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    Atomics.store(this.flags, CHECKPOINT_STATE.command, CHECKPOINT_STATE.stop);
    Atomics.notify(this.flags, CHECKPOINT_STATE.command);
    // A thread still starting is not waited for: it sees the stop before its first checkpoint.
    if (Atomics.load(this.flags, CHECKPOINT_STATE.worker) === CHECKPOINT_STATE.running) {
      Atomics.wait(this.flags, CHECKPOINT_STATE.worker, CHECKPOINT_STATE.running, STOP_WAIT_MS);
    }
    this.restoreWriter();
  }

  private restoreWriter(): void {
    if (this.db.open) this.db.pragma(`wal_autocheckpoint = ${DEFAULT_AUTOCHECKPOINT}`);
  }
}
