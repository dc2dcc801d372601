// One scan row's life, shared by every command and the service that writes a scan:
// begin (or reopen for --resume) → running → complete, or failed (an error) or interrupted
// (SIGINT/SIGTERM). A first signal asks the body to stop at its next safe point; a second one
// marks the scan interrupted with one synchronous write and exits, so no row stays "running".
import { setMaxListeners } from "node:events";
import type { JsonObject } from "../model/resource.js";
import { HEARTBEAT_MS } from "../store/owner.js";
import type { ScanKind, ScanRow, Store } from "../store/store.js";
import { EXIT } from "../util/errors.js";

export interface ScanHandle {
  readonly id: number;
  /** The scan's one evaluation time (its start), fixed so a scan cannot straddle midnight. */
  readonly now: Date;
  /** Aborted by the first SIGINT/SIGTERM. */
  readonly signal: AbortSignal;
}

export type ScanStart =
  | { kind: ScanKind; source: string; options: JsonObject }
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
  /** Aborting it stops the scan like a first signal (the service's shutdown, without a signal). */
  signal?: AbortSignal;
  /** The scan row exists (the service answers with its id before the scan is done). */
  started?(scanId: number): void;
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
  let id: number;
  let now: Date;
  if ("reopen" in start) {
    id = start.reopen.id;
    now = new Date(start.reopen.startedAt);
    store.reopenScan(id);
  } else {
    now = new Date();
    id = store.beginScan(start.kind, start.source, start.options, now);
  }
  const controller = new AbortController();
  // Every call waiting on a backoff or a limiter listens for the abort, and hundreds may wait at
  // once: that is the design, not a leak, so Node's "possible memory leak" warning does not apply.
  setMaxListeners(0, controller.signal);
  // The row says its owner is alive, so `scans` can tell a crashed scan from a running one.
  const beat = setInterval(() => store.heartbeat(id), HEARTBEAT_MS);
  beat.unref();
  let signals = 0;
  const onSignal = (sig: NodeJS.Signals | undefined): void => {
    const name = sig ?? "signal";
    signals++;
    if (signals > 1) {
      store.finishScan(id, "interrupted", null, `received ${name} again: stopped at once`);
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
  hooks.started?.(id);
  try {
    const { summary, value } = await body({ id, now, signal: controller.signal });
    store.finishScan(id, "complete", summary);
    return { status: "complete", scanId: id, value, exitCode: EXIT.ok };
  } catch (err) {
    if (controller.signal.aborted) {
      const reason = String((controller.signal.reason as Error | undefined)?.message ?? "interrupted");
      store.finishScan(id, "interrupted", null, reason);
      return { status: "interrupted", scanId: id, reason, exitCode: EXIT.interrupted };
    }
    store.finishScan(id, "failed", null, err instanceof Error ? err.message : String(err));
    throw err;
  } finally {
    clearInterval(beat);
    hooks.signal?.removeEventListener("abort", onAbort);
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}
