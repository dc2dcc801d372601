// The scheduler's timing under fake timers, with the scan replaced by one the test finishes:
// cron slots, jitter, no overlap (a slot during a scan is skipped), and stop().
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { runScan, ScanDeps, ScanResult } from "../../src/app/scan.js";
import { SCAN_OPTIONS } from "../../src/model/scan-options.js";
import type { Schedule } from "../../src/serve/config.js";
import { Scheduler } from "../../src/serve/scheduler.js";
import { Store } from "../../src/store/store.js";
import { deadPid } from "../helpers/process.js";

interface FakeScan {
  deps: ScanDeps;
  finish(status?: "complete" | "interrupted"): void;
}

function fakeRunner(store: Store): { run: typeof runScan; scans: FakeScan[] } {
  const scans: FakeScan[] = [];
  const run = ((_options, deps: ScanDeps) =>
    new Promise<ScanResult>((resolve) => {
      const id = store.beginScan("scan", deps.origin ?? "test");
      deps.started?.(id);
      const finish = (status: "complete" | "interrupted" = "complete"): void => {
        store.finishScan(id, status, {});
        resolve(
          status === "complete"
            ? { status, scanId: id, summary: {}, gaps: [], exitCode: 0 }
            : { status, scanId: id, exitCode: 130 },
        );
      };
      deps.signal?.addEventListener("abort", () => finish("interrupted"));
      scans.push({ deps, finish });
    })) as typeof runScan;
  return { run, scans };
}

const options = Object.fromEntries(
  Object.entries(SCAN_OPTIONS).flatMap(([k, v]) => ("default" in v ? [[k, v.default]] : [])),
) as unknown as Schedule["options"];

const schedule = (over: Partial<Schedule> = {}): Schedule => ({
  name: "nightly",
  cron: "0 2 * * *",
  timezone: "Europe/Berlin",
  jitterSeconds: 0,
  options,
  after: {},
  ...over,
});

describe("Scheduler", () => {
  let store: Store;
  beforeEach(() => {
    vi.useFakeTimers({ now: new Date("2025-03-10T00:00:00Z") });
    store = new Store(":memory:");
  });
  afterEach(() => {
    vi.useRealTimers();
    store.close();
  });

  it("starts at the cron slot in its time zone, after the jitter, and skips a slot while a scan runs", async () => {
    const { run, scans } = fakeRunner(store);
    const events: string[] = [];
    const outcomes: string[] = [];
    const s = new Scheduler({
      store,
      rules: [],
      schedules: [schedule({ jitterSeconds: 600 })],
      log: (e) => events.push(e),
      outcome: (_s, o) => outcomes.push(o),
      random: () => 0.5,
      run,
    });
    s.start();
    // 02:00 in Berlin (CET, UTC+1) is 01:00 UTC; half the 600 s jitter later is 01:05.
    expect(s.nextRuns()[0]?.next).toBe("2025-03-10T01:00:00.000Z");
    await vi.advanceTimersByTimeAsync(60 * 60 * 1000 + 299_000);
    expect(scans).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(2_000);
    expect(scans).toHaveLength(1);
    expect(s.running?.schedule).toBe("nightly");
    expect(store.listScans(1)[0]?.source).toBe("schedule nightly");

    // The scan is still running at the next night's slot: that slot is skipped, not queued.
    await vi.advanceTimersByTimeAsync(24 * 60 * 60 * 1000);
    expect(scans).toHaveLength(1);
    expect(events).toContain("schedule.skipped");
    expect(outcomes).toEqual(["skipped"]);
    expect(await s.trigger("nightly", "request")).toEqual({ status: "busy", scanId: s.running?.scanId });

    scans[0]?.finish();
    await vi.advanceTimersByTimeAsync(0);
    expect(s.running).toBeUndefined();
    expect(outcomes).toEqual(["skipped", "complete"]);
    const next = await s.trigger("nightly", "request");
    expect(next.status).toBe("started");
    await s.stop();
    expect(store.getScan((next as { scanId: number }).scanId)?.status).toBe("interrupted");
    expect(await s.trigger("nightly", "request")).toEqual({ status: "stopping" });
  });

  it("resumes the newest interrupted scheduled scan at start-up, and only that", async () => {
    const { run, scans } = fakeRunner(store);
    const manual = store.beginScan("scan", "api: caller account; enabled regions");
    store.finishScan(manual, "interrupted", null);
    const s = new Scheduler({ store, rules: [], schedules: [schedule()], log: () => undefined, run });
    expect(await s.resumeInterrupted()).toBeUndefined(); // a manual scan is the user's to resume

    // Still "running" and its owner (this process) alive: someone is writing it, so it is left alone.
    const id = store.beginScan("scan", "schedule nightly · api: org; enabled regions");
    expect(await s.resumeInterrupted()).toBeUndefined();
    expect(store.getScan(id)?.status).toBe("running");
    // Its owner gone (killed, or a restarted container): it is marked interrupted and resumed.
    store.db.prepare("UPDATE scans SET owner_pid = ? WHERE id = ?").run(deadPid(), id);
    const r = await s.resumeInterrupted();
    expect(r?.status).toBe("started");
    expect(scans[0]?.deps.resume).toBe(true);
    expect(store.getScan(id)?.status).toBe("interrupted");
    scans[0]?.finish();
    await vi.advanceTimersByTimeAsync(0);
  });

  it("reports a schedule it does not know", async () => {
    const s = new Scheduler({ store, rules: [], schedules: [], log: () => undefined });
    expect(await s.trigger("nope", "request")).toEqual({ status: "unknown-schedule" });
  });
});
