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
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
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
  // The lock appears whole or not at all: written to a file of our own, then linked into place
  // (link fails if the lock exists), so no reader ever sees a half-written lock and removes it.
  const mine = `${file}.${me.token}`;
  try {
    const fd = openSync(mine, "wx", 0o644);
    try {
      writeSync(fd, `${JSON.stringify(me)}\n`);
    } finally {
      closeSync(fd);
    }
  } catch (err) {
    throw storeEnvironmentError(err, dbPath, true) ?? err;
  }
  try {
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        linkSync(mine, file);
        return held(file, me);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "EEXIST")
          throw storeEnvironmentError(err, dbPath, true) ?? err;
        const found = readOwner(file);
        if (found && lockAlive(found)) throw lockedError(dbPath, file, found.owner);
        removeStale(file, found?.owner.token);
      }
    }
  } finally {
    removeQuietly(mine);
  }
  throw new UsageError(`${dbPath}: could not take the write lock ${file}`);
}

/**
 * Remove a lock judged dead (its holder's token, or undefined for a file that is not a lock).
 * Two takers may judge the same dead lock at once: the lock is first moved aside, and if what was
 * moved is not the one judged dead (the other taker's fresh lock), it is put back.
 */
export function removeStale(file: string, deadToken: string | undefined): void {
  const aside = `${file}.stale.${randomUUID()}`;
  try {
    renameSync(file, aside);
  } catch {
    return; // gone already: someone else removed it
  }
  const moved = readOwner(aside);
  if (moved && moved.owner.token !== (deadToken ?? "") && moved.owner.token !== "") {
    try {
      linkSync(aside, file);
    } catch {
      // A third lock took its place meanwhile: that one stands.
    }
  }
  removeQuietly(aside);
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
