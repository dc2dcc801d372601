// One writer per database: a lock file next to the SQLite file, created with O_EXCL, holding the
// writer's PID, host and start time. `dpscan serve` holds it for its whole life, `dpscan scan` for
// one scan, so neither a second service nor a manual scan writes the same file meanwhile. A lock
// whose PID is gone on this host is stale (a crash or SIGKILL) and is taken over.
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from "node:fs";
import { hostname } from "node:os";
import { UsageError } from "../util/errors.js";

export interface LockOwner {
  pid: number;
  host: string;
  startedAt: string;
  /** What holds it: "dpscan serve", "dpscan scan". */
  holder: string;
}

export interface DbLock {
  readonly file: string;
  release(): void;
}

/** The lock file of a database: `<db>.lock`. */
export function lockFileOf(dbPath: string): string {
  return `${dbPath}.lock`;
}

/** Take the write lock of `dbPath`, or throw a UsageError naming who holds it. */
export function acquireDbLock(dbPath: string, holder: string): DbLock {
  if (dbPath === ":memory:") return { file: "", release: () => undefined };
  const file = lockFileOf(dbPath);
  const me: LockOwner = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString(), holder };
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, "wx", 0o644);
      try {
        writeSync(fd, `${JSON.stringify(me)}\n`);
      } finally {
        closeSync(fd);
      }
      return { file, release: () => releaseIfOurs(file, me) };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      const owner = readOwner(file);
      if (owner && !isStale(owner)) throw lockedError(dbPath, file, owner);
      // Stale, or a half-written file from a crash: remove it and try once more.
      removeQuietly(file);
    }
  }
  throw new UsageError(`${dbPath}: could not take the write lock ${file}`);
}

function lockedError(dbPath: string, file: string, o: LockOwner): UsageError {
  return new UsageError(
    `${dbPath} is being written by ${o.holder} (PID ${o.pid} on ${o.host}, since ${o.startedAt}); ` +
      `wait for it, or remove ${file} if that process is gone`,
  );
}

function readOwner(file: string): LockOwner | undefined {
  try {
    const o = JSON.parse(readFileSync(file, "utf8")) as Partial<LockOwner>;
    if (typeof o.pid !== "number" || typeof o.host !== "string") return undefined;
    return {
      pid: o.pid,
      host: o.host,
      startedAt: String(o.startedAt ?? "?"),
      holder: String(o.holder ?? "dpscan"),
    };
  } catch {
    return undefined;
  }
}

/** Only a lock of this host can be judged: another host's PID means nothing here. */
function isStale(o: LockOwner): boolean {
  if (o.host !== hostname()) return false;
  try {
    process.kill(o.pid, 0);
    return false;
  } catch (err) {
    // EPERM: the process exists under another user.
    return (err as NodeJS.ErrnoException).code === "ESRCH";
  }
}

function releaseIfOurs(file: string, me: LockOwner): void {
  const owner = readOwner(file);
  if (owner && owner.pid === me.pid && owner.host === me.host && owner.startedAt === me.startedAt)
    removeQuietly(file);
}

function removeQuietly(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // already gone
  }
}
