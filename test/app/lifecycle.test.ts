import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, describe, expect, it, vi } from "vitest";
import { hostname } from "node:os";
import { runLifecycle } from "../../src/app/lifecycle.js";
import { HEARTBEAT_MS, ownerAlive, Store } from "../../src/store/store.js";
import { EXIT } from "../../src/util/errors.js";
import { useTmpDir } from "../helpers/tmp.js";

const tmp = useTmpDir();
const start = { kind: "scan" as const, source: "test", options: {} };

afterEach(() => vi.restoreAllMocks());

describe("the scan lifecycle", () => {
  it("completes with its summary, and the scan's one 'now' is its stored start", async () => {
    const store = new Store(join(tmp(), "a.db"));
    let seen: Date | undefined;
    const outcome = await runLifecycle(store, start, (scan) => {
      seen = scan.now;
      return { summary: { resources: 3 }, value: "v" };
    });
    expect(outcome).toMatchObject({ status: "complete", value: "v", exitCode: EXIT.ok });
    const row = store.getScan(outcome.scanId)!;
    expect(row).toMatchObject({ status: "complete", summary: { resources: 3 } });
    expect(seen?.toISOString()).toBe(row.startedAt);
    store.close();
  });

  it("an error marks the scan failed and is rethrown; a reopened scan keeps its first start", async () => {
    const store = new Store(join(tmp(), "b.db"));
    await expect(
      runLifecycle(store, start, () => {
        throw new Error("boom");
      }),
    ).rejects.toThrow("boom");
    const failed = store.listScans()[0]!;
    expect(failed).toMatchObject({ status: "failed", error: "boom" });
    let seen: Date | undefined;
    await runLifecycle(store, { reopen: failed }, (scan) => {
      seen = scan.now;
      return { summary: {}, value: null };
    });
    expect(seen?.toISOString()).toBe(failed.startedAt);
    expect(store.getScan(failed.id)?.status).toBe("complete");
    store.close();
  });

  it("a first signal interrupts at the next safe point (exit 130); a second one marks the scan interrupted at once", async () => {
    const store = new Store(join(tmp(), "c.db"));
    const exits: unknown[] = [];
    vi.spyOn(process, "exit").mockImplementation(((code?: number) => {
      exits.push(code);
      throw new Error(`exit ${code}`);
    }) as typeof process.exit);
    let release: (() => void) | undefined;
    const notices: string[] = [];
    const running = runLifecycle(
      store,
      start,
      async (scan) => {
        // A unit that does not notice the abort (a slow call): the second signal must not wait for it.
        await new Promise<void>((r) => (release = r));
        scan.signal.throwIfAborted();
        return { summary: {}, value: null };
      },
      { notice: (l) => notices.push(l), onStop: "resume with --resume" },
    );
    const id = store.listScans()[0]!.id;
    process.emit("SIGINT", "SIGINT");
    expect(notices).toEqual(["SIGINT: stopping; resume with --resume"]);
    expect(store.getScan(id)?.status).toBe("running");
    expect(() => process.emit("SIGINT", "SIGINT")).toThrow("exit 130");
    expect(exits).toEqual([EXIT.interrupted]);
    expect(store.getScan(id)).toMatchObject({ status: "interrupted" });
    release?.();
    const outcome = await running;
    expect(outcome).toMatchObject({ status: "interrupted", exitCode: 130 });
    expect(store.getScan(id)?.status).toBe("interrupted");
    // Handlers are removed once the scan ends.
    expect(process.listenerCount("SIGINT")).toBe(0);
    store.close();
  });

  it("many calls waiting on the scan's abort signal are not a leak warning (--quiet stays quiet)", async () => {
    const warnings: Error[] = [];
    const onWarning = (w: Error): void => void warnings.push(w);
    process.on("warning", onWarning);
    const store = new Store(join(tmp(), "w.db"));
    try {
      await runLifecycle(store, start, async (scan) => {
        // As retries and limiter waits do: each listens for the abort while it sleeps.
        await Promise.all(Array.from({ length: 50 }, () => sleep(5, undefined, { signal: scan.signal })));
        return { summary: {}, value: null };
      });
      await new Promise((r) => setImmediate(r));
    } finally {
      process.off("warning", onWarning);
      store.close();
    }
    expect(warnings.map((w) => w.name)).not.toContain("MaxListenersExceededWarning");
  });
});

describe("ownership of the scan row", () => {
  it("a scan whose row another process took over stops and says so, writing nothing more", async () => {
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval"] });
    try {
      const store = new Store(join(tmp(), "own.db"));
      const running = runLifecycle(store, start, async (scan) => {
        await new Promise((resolve) => scan.signal.addEventListener("abort", resolve));
        scan.signal.throwIfAborted();
        return { summary: {}, value: null };
      });
      const id = store.listScans()[0]!.id;
      expect(store.getScan(id)?.ownerPid).toBe(process.pid);
      // Another process claimed it (as --resume does once this one looks dead).
      store.db.prepare("UPDATE scans SET owner_token = 'someone-else', owner_pid = 1 WHERE id = ?").run(id);
      vi.advanceTimersByTime(HEARTBEAT_MS);
      await expect(running).rejects.toThrow(`scan ${id} was taken over by another dpscan process`);
      expect(store.getScan(id)).toMatchObject({ status: "running", ownerPid: 1 });
      store.close();
    } finally {
      vi.useRealTimers();
    }
  });

  it("judges an owner alive by its PID on this host and by its heartbeat elsewhere", () => {
    const now = new Date().toISOString();
    const ownerHost = hostname();
    expect(ownerAlive({ ownerPid: process.pid, ownerHost, heartbeatAt: now })).toBe(true);
    expect(ownerAlive({ ownerPid: 2 ** 22 + 17, ownerHost, heartbeatAt: now })).toBe(false); // no such process
    expect(ownerAlive({ ownerPid: 1, ownerHost: "elsewhere", heartbeatAt: now })).toBe(true);
    const old = new Date(Date.now() - 3 * 60_000).toISOString();
    expect(ownerAlive({ ownerPid: 1, ownerHost: "elsewhere", heartbeatAt: old })).toBe(false);
    // On this host a live PID is alive even when silent: a long synchronous evaluation delays heartbeats.
    expect(ownerAlive({ ownerPid: process.pid, ownerHost, heartbeatAt: old })).toBe(true);
    expect(ownerAlive({ ownerPid: null, ownerHost: null, heartbeatAt: null })).toBe(false);
  });
});
