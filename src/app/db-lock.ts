// One writer per database: a lock file next to the SQLite file, created with O_EXCL, naming the
// writer (PID, host, when it took the lock); its modification time is the writer's heartbeat.
// `dpscan serve` holds it for its whole life, `dpscan scan` and the demo for one scan, so neither a
// second service nor a manual scan writes the same file meanwhile. Whether the holder is alive is
// decided by the same rule as a running scan's ownership row (ownerAlive, src/store/store.ts): a
// dead PID on this host, a lock under this process's PID that this process does not hold (a
// restarted container's predecessor), or a silent heartbeat from another host (a pod rescheduled
// to another node), and the lock is taken over.
import { randomUUID } from "node:crypto";
import {
  closeSync,
  mkdirSync,
  openSync,
  readFileSync,
  statSync,
  unlinkSync,
  utimesSync,
  writeSync,
} from "node:fs";
import { hostname } from "node:os";
import { dirname } from "node:path";
import { storeEnvironmentError } from "../store/errors.js";
import { HEARTBEAT_MS, holdClaim, ownerAlive, releaseClaim } from "../store/store.js";
import { UsageError } from "../util/errors.js";

export interface LockOwner {
  pid: number;
  host: string;
  startedAt: string;
  /** What holds it: "dpscan serve", "dpscan scan". */
  holder: string;
  /** Known to its holder, which holds it as a claim (holdClaim) while it has the lock. */
  token: string;
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
  const me: LockOwner = {
    pid: process.pid,
    host: hostname(),
    startedAt: new Date().toISOString(),
    holder,
    token: randomUUID(),
  };
  // The database's directory, as opening the database would create it; a path that cannot hold
  // one is said as the store says it (exit 2), not as an internal error.
  try {
    mkdirSync(dirname(dbPath), { recursive: true });
  } catch (err) {
    throw storeEnvironmentError(err, dbPath, true) ?? err;
  }
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, "wx", 0o644);
      try {
        writeSync(fd, `${JSON.stringify(me)}\n`);
      } finally {
        closeSync(fd);
      }
      return held(file, me);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST")
        throw storeEnvironmentError(err, dbPath, true) ?? err;
      const found = readOwner(file);
      if (found && lockAlive(found)) throw lockedError(dbPath, file, found.owner);
      // Its holder is gone, or the file is half-written from a crash: remove it and try once more.
      removeQuietly(file);
    }
  }
  throw new UsageError(`${dbPath}: could not take the write lock ${file}`);
}

/** Run `fn` holding the write lock of `dbPath`; released however `fn` ends. */
export async function withDbLock<T>(dbPath: string, holder: string, fn: () => Promise<T>): Promise<T> {
  const lock = acquireDbLock(dbPath, holder);
  try {
    return await fn();
  } finally {
    lock.release();
  }
}

/** A taken lock: its heartbeat beats until it is released. */
function held(file: string, me: LockOwner): DbLock {
  holdClaim(me.token);
  const beat = setInterval(() => {
    try {
      const now = new Date();
      utimesSync(file, now, now);
    } catch {
      // Removed under us: release() and the next taker will see it gone.
    }
  }, HEARTBEAT_MS);
  beat.unref();
  return {
    file,
    release: () => {
      clearInterval(beat);
      releaseClaim(me.token);
      const found = readOwner(file);
      const o = found?.owner;
      if (o?.token === me.token) removeQuietly(file);
    },
  };
}

function lockAlive({ owner, heartbeatAt }: { owner: LockOwner; heartbeatAt: string }): boolean {
  return ownerAlive({ ownerPid: owner.pid, ownerHost: owner.host, heartbeatAt, ownerToken: owner.token });
}

function lockedError(dbPath: string, file: string, o: LockOwner): UsageError {
  return new UsageError(
    `${dbPath} is being written by ${o.holder} (process ${o.pid} on ${o.host}, since ${o.startedAt}); ` +
      `wait for it, or stop it (kill ${o.pid}) and run again: a lock whose process is gone is taken over`,
  );
}

function readOwner(file: string): { owner: LockOwner; heartbeatAt: string } | undefined {
  try {
    const heartbeatAt = statSync(file).mtime.toISOString();
    const o = JSON.parse(readFileSync(file, "utf8")) as Partial<LockOwner>;
    if (typeof o.pid !== "number" || typeof o.host !== "string") return undefined;
    return {
      owner: {
        pid: o.pid,
        host: o.host,
        startedAt: String(o.startedAt ?? "?"),
        holder: String(o.holder ?? "dpscan"),
        token: String(o.token ?? ""),
      },
      heartbeatAt,
    };
  } catch {
    return undefined;
  }
}

function removeQuietly(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // already gone
  }
}
