// Who is writing a database, and whether they still are: one rule for a running scan's row (its
// owner_pid, owner_host and heartbeat_at, migration 004) and for the database's write lock
// (src/app/db-lock.ts), so the two can never disagree about a writer being alive.
import { hostname } from "node:os";

/** An owner refreshes its heartbeat this often; one silent for 4 beats is gone. */
export const HEARTBEAT_MS = 30_000;
const GONE_AFTER_MS = 4 * HEARTBEAT_MS;

export interface Owner {
  pid: number | null;
  host: string | null;
  /** Its last sign of life (ISO). */
  heartbeatAt: string | null;
}

/** This process as an owner's pid and host. */
export function thisProcess(): { pid: number; host: string } {
  return { pid: process.pid, host: hostname() };
}

/** What this process holds now (scan rows, locks), each named by a key its holder chooses. */
const held = new Set<string>();

export function hold(key: string): void {
  held.add(key);
}

export function release(key: string): void {
  held.delete(key);
}

/**
 * Whether the owner of `key` is alive. On this host another PID is asked directly; this process's
 * own PID is alive only for what this process holds: anything else under it was left by a
 * predecessor (a container restarted, with PID 1 again). From another host only the heartbeat can
 * tell. No owner recorded (an older dpscan): gone.
 */
export function ownerAlive(o: Owner, key: string, now = Date.now()): boolean {
  if (o.pid === null) return false;
  if (o.host === hostname()) return o.pid === process.pid ? held.has(key) : processAlive(o.pid);
  return o.heartbeatAt !== null && now - Date.parse(o.heartbeatAt) <= GONE_AFTER_MS;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM"; // alive, another user's
  }
}
