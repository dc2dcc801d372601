// One scan row's life, shared by every command and the service that writes a scan:
// begin (or reopen for --resume) → running → complete, or failed (an error) or interrupted
// (SIGINT/SIGTERM). A first signal asks the body to stop at its next safe point; a second one
// marks the scan interrupted with one synchronous write and exits, so no row stays "running".
// The row belongs to this process while it runs (PID, host, a secret token, a heartbeat), so a
// `--resume` elsewhere refuses it while it lives and takes it over only once it is gone.
// Completing is one transaction: the findings' lifecycle, the waivers in force, and the status,
// so a reader (another connection, WAL) sees a complete scan with its history or not at all.
import { randomUUID } from "node:crypto";
import { setMaxListeners } from "node:events";
import { hostname } from "node:os";
import type { JsonObject } from "../model/resource.js";
import {
  HEARTBEAT_MS,
  STALE_AFTER_MS,
  type OwnerClaim,
  type ScanKind,
  type ScanRow,
  type Store,
} from "../store/store.js";
import { EnvironmentError, EXIT, UsageError } from "../util/errors.js";
import type { WaiverSet } from "../model/waiver.js";
import { applyWaivers } from "../report/waived.js";
import { ensureLifecycle, recordLifecycle } from "../store/lifecycle.js";
import { recordWaivers } from "../store/waivers.js";

export interface ScanHandle {
  readonly id: number;
  /** The scan's one evaluation time (its start), fixed so a scan cannot straddle midnight. */
  readonly now: Date;
  /** Aborted by the first SIGINT/SIGTERM. */
  readonly signal: AbortSignal;
}

export type ScanStart =
  /** `now`: the evaluation time when it is not this moment (a merge judges as of its shards' start). */
  | { kind: ScanKind; source: string; options: JsonObject; now?: Date }
  /** --resume: continue an incomplete scan with its own row and its original start. */
  | { reopen: ScanRow };

export type LifecycleOutcome<T> =
  | { status: "complete"; scanId: number; value: T; exitCode: typeof EXIT.ok }
  | { status: "interrupted"; scanId: number; reason: string; exitCode: typeof EXIT.interrupted };

export interface LifecycleHooks {
  /** A line for the person watching (stderr). */
  notice?(line: string): void;
  /** Said on the first signal after "stopping", e.g. how to resume. */
  onStop?: string;
  /** An error for which the new scan is removed rather than kept as failed (bad input found late). */
  discard?(err: unknown): boolean;
  /** The waivers in force: recorded with the scan when it completes (as of its evaluation time). */
  waivers?: WaiverSet;
  /** Aborting it stops the scan like a first signal (the service's shutdown, without a signal). */
  signal?: AbortSignal;
  /** The scan row exists (the service answers with its id before the scan is done). */
  started?(scanId: number): void;
}

function refusal(s: ScanRow): UsageError {
  const age = Math.max(0, Math.round((Date.now() - Date.parse(s.heartbeatAt ?? s.startedAt)) / 1000));
  return new UsageError(
    `--resume: scan ${s.id} is still running (process ${s.ownerPid} on ${s.ownerHost}, heartbeat ${age} s ago); wait for it, or stop it (kill ${s.ownerPid}) and resume then`,
  );
}

/** Write the end of a scan without letting a second failure (a full disk) hide the first. */
function tryFinish(f: () => boolean): boolean {
  try {
    return f();
  } catch {
    return false;
  }
}

/** Begin a new row, or claim the one being resumed (refused while its owner lives). */
function openRow(store: Store, start: ScanStart, me: OwnerClaim): { id: number; now: Date } {
  if ("reopen" in start) {
    const id = start.reopen.id;
    const claim = store.claimScan(id, me);
    if (!claim.claimed) throw refusal(claim.scan);
    return { id, now: new Date(start.reopen.startedAt) };
  }
  const now = start.now ?? new Date();
  return { id: store.beginScan(start.kind, start.source, start.options, now, me), now };
}

/**
 * The scan's stop signals: its heartbeat (aborts when another process took the row over) and
 * SIGINT/SIGTERM (the first aborts, a second marks the row interrupted and exits at once).
 */
function watch(store: Store, id: number, me: OwnerClaim, hooks: LifecycleHooks) {
  const controller = new AbortController();
  // Every call waiting on a backoff or a limiter listens for the abort, and hundreds may wait at
  // once: that is the design, not a leak, so Node's "possible memory leak" warning does not apply.
  setMaxListeners(0, controller.signal);
  const state = { takenOver: false, signals: 0 };
  const heartbeat = setInterval(() => {
    if (tryFinish(() => store.heartbeat(id, me.token))) return;
    state.takenOver = true;
    controller.abort(new Error(`scan ${id} was taken over by another dpscan process`));
  }, HEARTBEAT_MS);
  heartbeat.unref();
  const onSignal = (sig: NodeJS.Signals | undefined): void => {
    const name = sig ?? "signal";
    if (++state.signals > 1) {
      const why = `received ${name} again: stopped at once`;
      tryFinish(() => store.finishScan(id, "interrupted", null, why, me.token));
      process.exit(EXIT.interrupted);
    }
    hooks.notice?.(`${name}: stopping${hooks.onStop ? `; ${hooks.onStop}` : ""}`);
    controller.abort(new Error(`received ${name}`));
  };
  const onAbort = (): void => controller.abort(hooks.signal?.reason);
  hooks.signal?.addEventListener("abort", onAbort, { once: true });
  if (hooks.signal?.aborted) onAbort();
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  return {
    signal: controller.signal,
    state,
    stop(): void {
      clearInterval(heartbeat);
      hooks.signal?.removeEventListener("abort", onAbort);
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    },
  };
}

/**
 * Run `body` as one scan. It returns the summary stored with the completed scan and a value for
 * the caller. An error marks the scan failed and is rethrown; an abort marks it interrupted.
 */
export async function runLifecycle<T>(
  store: Store,
  start: ScanStart,
  body: (scan: ScanHandle) => Promise<{ summary: JsonObject; value: T }> | { summary: JsonObject; value: T },
  hooks: LifecycleHooks = {},
): Promise<LifecycleOutcome<T>> {
  const me = { pid: process.pid, host: hostname(), token: randomUUID() };
  // A SIGINT/SIGTERM with no listener ends the process at once, and the row is visible (to a
  // supervisor, a test) before watch() listens: a listener is held across openRow. Node emits a
  // signal from the event loop, so one that lands meanwhile reaches watch()'s handler.
  const hold = (): void => {};
  const release = (): void => {
    process.off("SIGINT", hold);
    process.off("SIGTERM", hold);
  };
  process.on("SIGINT", hold);
  process.on("SIGTERM", hold);
  let row: { id: number; now: Date };
  try {
    row = openRow(store, start, me);
  } catch (err) {
    release();
    throw err;
  }
  const { id, now } = row;
  const w = watch(store, id, me, hooks);
  release();
  hooks.started?.(id);
  const lost = (): EnvironmentError =>
    new EnvironmentError(
      `scan ${id} was taken over by another dpscan process (this one was silent for over ${STALE_AFTER_MS / 1000} s); its results are that process's`,
    );
  try {
    const { summary, value } = await body({ id, now, signal: w.signal });
    completeScan(store, { id, now, token: me.token }, summary, hooks.waivers, lost);
    return { status: "complete", scanId: id, value, exitCode: EXIT.ok };
  } catch (err) {
    if (w.state.takenOver) throw lost();
    if (w.signal.aborted) {
      const reason = String((w.signal.reason as Error | undefined)?.message ?? "interrupted");
      tryFinish(() => store.finishScan(id, "interrupted", null, reason, me.token));
      return { status: "interrupted", scanId: id, reason, exitCode: EXIT.interrupted };
    }
    const message = err instanceof Error ? err.message : String(err);
    if (hooks.discard?.(err) && !("reopen" in start)) tryFinish(() => (store.discardScan(id), true));
    else tryFinish(() => store.finishScan(id, "failed", null, message, me.token));
    throw err;
  } finally {
    w.stop();
  }
}

/**
 * The scan's last step, in one transaction: earlier complete scans the lifecycle has not taken in
 * (a database from an older dpscan), then this scan's lifecycle, its waivers, and `complete`;
 * nothing is written when the row is no longer this process's.
 */
function completeScan(
  store: Store,
  scan: { id: number; now: Date; token: string },
  summary: JsonObject,
  waivers: WaiverSet | undefined,
  lost: () => Error,
): void {
  // IMMEDIATE: take the write lock first, so a concurrent writer makes this wait, not fail.
  store.db
    .transaction(() => {
      ensureLifecycle(store);
      const lifecycle = recordLifecycle(store, scan.id, scan.now.toISOString());
      if (waivers)
        recordWaivers(store, scan.id, waivers, applyWaivers(store, scan.id, waivers, scan.now).outcomes);
      if (
        !store.finishScan(
          scan.id,
          "complete",
          { ...summary, lifecycle: { ...lifecycle } },
          undefined,
          scan.token,
        )
      )
        throw lost();
    })
    .immediate();
}
