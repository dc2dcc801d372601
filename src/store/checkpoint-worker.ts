// The WAL checkpointer's thread (checkpointer.ts): its own connection to the database, a PASSIVE
// checkpoint every few milliseconds until told to stop. Synchronous throughout (Atomics.wait), so
// the writer's close() can wait for this connection to close first and stay the last one.
import { workerData } from "node:worker_threads";
import Database from "better-sqlite3";
import { CHECKPOINT_STATE, LOCK_WAIT_MS, type CheckpointWorkerData } from "./checkpointer.js";

const { path, intervalMs, state } = workerData as CheckpointWorkerData;
const flags = new Int32Array(state);
let db: Database.Database | undefined;
try {
  db = new Database(path, { fileMustExist: true });
  // Not the writer's 64 MiB: a checkpoint reads WAL frames and writes database pages, once each.
  db.pragma("cache_size = -2048");
  // The store's own wait for a lock, rather than failing on a moment's contention.
  db.pragma(`busy_timeout = ${LOCK_WAIT_MS}`);
  // A checkpoint's own writes are synced as the writer's would be (the database file, then the WAL reset).
  db.pragma("synchronous = NORMAL");
  Atomics.store(flags, CHECKPOINT_STATE.worker, CHECKPOINT_STATE.running);
  while (Atomics.load(flags, CHECKPOINT_STATE.command) === CHECKPOINT_STATE.run) {
    // PASSIVE never waits for the writer or readers: it copies what no reader still needs.
    db.pragma("wal_checkpoint(PASSIVE)");
    Atomics.add(flags, CHECKPOINT_STATE.checkpoints, 1);
    Atomics.wait(flags, CHECKPOINT_STATE.command, CHECKPOINT_STATE.run, intervalMs);
  }
} catch (err) {
  // The writer checkpoints for itself again (checkpointer.ts): a lost checkpoint thread loses no data.
  Atomics.store(flags, CHECKPOINT_STATE.failed, 1);
  throw err;
} finally {
  try {
    db?.close();
  } finally {
    Atomics.store(flags, CHECKPOINT_STATE.worker, CHECKPOINT_STATE.ended);
    Atomics.notify(flags, CHECKPOINT_STATE.worker);
  }
}
