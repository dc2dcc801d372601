// The service's scans: cron slots (croner, with time zones) plus jitter, requests from the API,
// and at start-up the resumption of a scheduled scan a restart interrupted. One scan at a time:
// the service holds the database's write lock, and a slot that comes while a scan runs is skipped
// (logged and counted), never queued behind it or run twice. Whether a stored running scan is
// alive is its ownership row's to say (ScanRow.stale), never this process's guess.
import type { AwsCredentialIdentityProvider } from "@smithy/types";
import { Cron } from "croner";
import { runScan, scanOrigin, type ScanResult } from "../app/scan.js";
import type { ScanOptions } from "../model/scan-options.js";
import type { Rule } from "../rules/rule.js";
import type { Store } from "../store/store.js";
import type { Schedule } from "./config.js";

export type Log = (event: string, fields?: Record<string, unknown>) => void;

export type TriggerReason = "schedule" | "request" | "resume";

export interface RunningScan {
  scanId: number;
  schedule: string;
  reason: TriggerReason;
  startedAt: string;
  unitsPlanned: number;
  unitsDone: number;
}

export type TriggerResult =
  | { status: "started"; scanId: number }
  | { status: "busy"; scanId: number }
  | { status: "unknown-schedule" }
  | { status: "stopping" }
  | { status: "failed"; error: string };

export interface SchedulerDeps {
  store: Store;
  rules: Rule[];
  schedules: Schedule[];
  log: Log;
  credentials?: AwsCredentialIdentityProvider;
  /** After every scan that ends (complete or not), inside the scan's turn: reports, prune, webhooks. */
  afterScan?(schedule: Schedule | undefined, result: ScanResult): Promise<void> | void;
  /** How each scan ended, and each skipped slot (for /metrics). */
  outcome?(schedule: string, outcome: "complete" | "interrupted" | "failed" | "skipped"): void;
  /** [0, 1): the jitter's draw (injectable for tests). */
  random?(): number;
  /** The scan itself (default runScan; tests of the timing alone replace it). */
  run?: typeof runScan;
}

/** The origin stored with a schedule's scans (see ScanDeps.origin). */
const originOf = (name: string): string => `schedule ${name}`;

export class Scheduler {
  private readonly jobs = new Map<string, Cron>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private current: { info: RunningScan; done: Promise<void>; abort: AbortController } | undefined;
  private stopping = false;
  private lastResult: { schedule: string; result: ScanResult["status"] | "failed" } | undefined;

  constructor(private readonly deps: SchedulerDeps) {}

  /** Arm every schedule with a cron expression. */
  start(): void {
    for (const s of this.deps.schedules) {
      if (!s.cron) continue;
      const job = new Cron(s.cron, { timezone: s.timezone ?? "UTC", catch: true }, () => this.slot(s));
      this.jobs.set(s.name, job);
      this.deps.log("schedule.armed", { schedule: s.name, next: job.nextRun()?.toISOString() ?? null });
    }
  }

  get running(): RunningScan | undefined {
    return this.current ? { ...this.current.info } : undefined;
  }

  get last(): { schedule: string; result: string } | undefined {
    return this.lastResult;
  }

  /** Each schedule and its next slot (null: only on request). */
  nextRuns(): { name: string; cron: string | null; timezone: string; next: string | null }[] {
    return this.deps.schedules.map((s) => {
      const job = this.jobs.get(s.name);
      return {
        name: s.name,
        cron: s.cron ?? null,
        timezone: s.timezone ?? "UTC",
        next: job?.nextRun()?.toISOString() ?? null,
      };
    });
  }

  private slot(s: Schedule): void {
    const delay = Math.floor((this.deps.random ?? Math.random)() * s.jitterSeconds * 1000);
    const fire = (): void => {
      const r = this.trigger(s.name, "schedule");
      void r.then((res) => {
        if (res.status !== "busy") return;
        this.deps.outcome?.(s.name, "skipped");
        this.deps.log("schedule.skipped", {
          schedule: s.name,
          reason: "a scan is running",
          scan: res.scanId,
        });
      });
    };
    if (delay === 0) return fire();
    const t = setTimeout(() => {
      this.timers.delete(t);
      fire();
    }, delay);
    this.timers.add(t);
  }

  /** Start a schedule's scan now; resolves once its scan row exists (or why it did not start). */
  trigger(name: string, reason: TriggerReason): Promise<TriggerResult> {
    const s = this.deps.schedules.find((x) => x.name === name);
    if (!s) return Promise.resolve({ status: "unknown-schedule" });
    return this.begin(s, s.options, reason, false);
  }

  /**
   * At start-up: continue the newest scheduled scan a restart or SIGTERM interrupted, when no
   * scan completed after it. A row still "running" is resumed only when its ownership row says
   * its process is gone (killed, or a container restarted): holding the lock proves nothing
   * about a scan some other process may be writing without it.
   */
  resumeInterrupted(): Promise<TriggerResult | undefined> {
    const { store } = this.deps;
    const prev = store.latestIncompleteScan("scan");
    const origin = prev ? scanOrigin(prev.source) : undefined;
    if (!prev || !origin?.startsWith("schedule ") || prev.status === "failed")
      return Promise.resolve(undefined);
    if ((store.latestCompleteScan()?.id ?? 0) > prev.id) return Promise.resolve(undefined);
    if (prev.status === "running") {
      if (!prev.stale) {
        this.deps.log("scan.resume.skipped", {
          scan: prev.id,
          reason: `still running in PID ${prev.ownerPid} on ${prev.ownerHost}`,
        });
        return Promise.resolve(undefined);
      }
      store.finishScan(prev.id, "interrupted", null, "the process running the scan is gone");
    }
    const name = origin.slice("schedule ".length);
    const s = this.deps.schedules.find((x) => x.name === name);
    const options = s?.options ?? (prev.options as unknown as ScanOptions);
    this.deps.log("scan.resume", { scan: prev.id, schedule: name });
    return this.begin(s ?? { name, jitterSeconds: 0, options, after: {} }, options, "resume", true);
  }

  private begin(
    s: Schedule,
    options: ScanOptions,
    reason: TriggerReason,
    resume: boolean,
  ): Promise<TriggerResult> {
    if (this.stopping) return Promise.resolve({ status: "stopping" });
    if (this.current) return Promise.resolve({ status: "busy", scanId: this.current.info.scanId });
    const abort = new AbortController();
    return new Promise<TriggerResult>((resolve) => {
      const info: RunningScan = {
        scanId: 0,
        schedule: s.name,
        reason,
        startedAt: new Date().toISOString(),
        unitsPlanned: 0,
        unitsDone: 0,
      };
      const run = (this.deps.run ?? runScan)(options, {
        store: this.deps.store,
        rules: this.deps.rules,
        resume,
        origin: originOf(s.name),
        signal: abort.signal,
        ...(this.deps.credentials ? { credentials: this.deps.credentials } : {}),
        started: (scanId) => {
          info.scanId = scanId;
          this.deps.log("scan.started", { scan: scanId, schedule: s.name, reason });
          resolve({ status: "started", scanId });
        },
        events: () => ({
          log: (event, fields) => this.deps.log(event, fields),
          unitsPlanned: (_a, n) => void (info.unitsPlanned += n),
          unitDone: () => void info.unitsDone++,
        }),
      });
      const done = this.settle(s, info, run, (error) => resolve({ status: "failed", error }));
      this.current = { info, done, abort };
    });
  }

  /** The scan's end: after-actions inside its turn, then the turn is free. Nothing here throws. */
  private async settle(
    s: Schedule,
    info: RunningScan,
    run: Promise<ScanResult>,
    failedToStart: (error: string) => void,
  ): Promise<void> {
    try {
      const result = await run;
      this.lastResult = { schedule: s.name, result: result.status };
      this.deps.outcome?.(s.name, result.status);
      this.deps.log(`scan.${result.status}`, { scan: result.scanId, schedule: s.name });
      await this.deps.afterScan?.(s, result);
    } catch (err) {
      const error = err instanceof Error ? err.message : String(err);
      this.lastResult = { schedule: s.name, result: "failed" };
      this.deps.outcome?.(s.name, "failed");
      this.deps.log("scan.failed", { scan: info.scanId || null, schedule: s.name, error });
      failedToStart(error);
    } finally {
      this.current = undefined;
    }
  }

  /** Stop taking work: no more slots, the running scan stops at its next safe point; waits for it. */
  async stop(): Promise<void> {
    this.stopping = true;
    for (const j of this.jobs.values()) j.stop();
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    const c = this.current;
    if (!c) return;
    c.abort.abort(new Error("the service is stopping"));
    await c.done;
  }

  /** The running scan's id, for a last synchronous "interrupted" when shutdown runs out of time. */
  get runningScanId(): number | undefined {
    return this.current?.info.scanId || undefined;
  }
}
