// Stopping and faults around a running command, in real processes: SIGTERM during evaluate, a
// closed log pipe during a scan, and limiter waits that end on abort.
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { beforeAll, describe, expect, it } from "vitest";
import { AdaptiveLimiter } from "../../src/aws/limiter.js";
import { loadDemoWorld } from "../../src/sim/world/demo.js";
import { Store } from "../../src/store/store.js";
import { EXIT } from "../../src/util/errors.js";
import { ensureBuilt, finished, startCli } from "../helpers/process.js";
import { demoOrgScan, simEnv, withSim } from "../helpers/scan.js";
import { useTmpDir } from "../helpers/tmp.js";

const tmp = useTmpDir();

describe("limiter waits", () => {
  it("end as soon as the scan is aborted", async () => {
    const limiter = new AdaptiveLimiter({ ratePerSecond: 0.001, burst: 1 });
    await limiter.acquire();
    const controller = new AbortController();
    const waiting = limiter.acquire(controller.signal); // the next token is 1000 s away
    controller.abort(new Error("received SIGINT"));
    await expect(waiting).rejects.toThrow("received SIGINT");
    expect(() => new AdaptiveLimiter({ ratePerSecond: 0, burst: 1 })).toThrow(RangeError);
  });
});

describe("in a real process", () => {
  beforeAll(() => ensureBuilt(), 120_000);

  it("SIGTERM during evaluate stops it: exit 130, the scan marked interrupted, never complete", async () => {
    const dir = tmp();
    const items = Array.from({ length: 60_000 }, (_, i) => ({
      resourceType: "AWS::EC2::Volume",
      resourceId: `vol-${i}`,
      awsAccountId: "111122223333",
      awsRegion: "us-east-1",
      configurationItemCaptureTime: "2026-10-01T00:00:00Z",
      configuration: { encrypted: i % 2 === 0, size: 8 },
    }));
    const file = join(dir, "many.json.gz");
    writeFileSync(file, gzipSync(JSON.stringify({ configurationItems: items })));
    const db = join(dir, "t.db");
    const child = startCli(["--db", db, "evaluate", "--input", file]);
    const done = finished(child);
    // Once the scan row exists, the command is inside its lifecycle.
    for (;;) {
      await new Promise((r) => setTimeout(r, 20));
      try {
        const s = new Store(db, { readonly: true });
        const running = s.listScans().length > 0;
        s.close();
        if (running) break;
      } catch {
        // not created yet
      }
    }
    child.kill("SIGTERM");
    const r = await done;
    expect(r.code).toBe(EXIT.interrupted);
    expect(r.stderr).toContain("SIGTERM: stopping");
    const s = new Store(db);
    expect(s.listScans()[0]).toMatchObject({ status: "interrupted", error: "received SIGTERM" });
    expect(s.latestCompleteScan()).toBeUndefined();
    s.close();
  });

  it("a SIGTERM the moment the scan row exists (before the scan listens) still stops it as interrupted", async () => {
    // The row is committed before runLifecycle's signal handlers are installed; a supervisor that
    // watches the database may signal in between. Here the signal is sent from inside beginScan.
    const db = join(tmp(), "early.db");
    const dist = (m: string): string => JSON.stringify(new URL(`../../dist/${m}`, import.meta.url).href);
    const script = `
      const { Store } = await import(${dist("store/store.js")});
      const { runLifecycle } = await import(${dist("app/lifecycle.js")});
      const begin = Store.prototype.beginScan;
      Store.prototype.beginScan = function (...args) {
        const id = begin.apply(this, args);
        process.kill(process.pid, "SIGTERM");
        return id;
      };
      const store = new Store(${JSON.stringify(db)});
      const outcome = await runLifecycle(store, { kind: "evaluate", source: "x", options: {} }, ({ signal }) =>
        new Promise((_, reject) => {
          const busy = setTimeout(() => reject(new Error("not stopped")), 20000); // a body at work
          signal.addEventListener("abort", () => (clearTimeout(busy), reject(signal.reason)));
        }),
      );
      store.close();
      console.log(JSON.stringify(outcome));
      process.exitCode = outcome.exitCode;`;
    const child = spawn(process.execPath, ["--input-type=module", "-e", script], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    const r = await finished(child);
    expect(r.signal).toBeNull();
    expect(r.code).toBe(EXIT.interrupted);
    expect(JSON.parse(r.stdout)).toMatchObject({ status: "interrupted", reason: "received SIGTERM" });
    const s = new Store(db);
    expect(s.listScans()[0]).toMatchObject({ status: "interrupted", error: "received SIGTERM" });
    s.close();
  });

  it("a closed log pipe neither kills a scan nor leaves its row running", async () => {
    const db = join(tmp(), "pipe.db");
    await withSim(loadDemoWorld(), async (sim) => {
      const child = startCli(demoOrgScan(db, sim, "--no-progress"), { env: simEnv(sim) });
      // Like `dpscan scan 2>&1 | head -1`: read the first log line, then close the pipe.
      const closed = new Promise<void>((resolve) =>
        child.stderr?.once("data", () => {
          child.stderr?.destroy();
          resolve();
        }),
      );
      const out: Buffer[] = [];
      child.stdout?.on("data", (b: Buffer) => out.push(b));
      await closed;
      const code = await new Promise<number | null>((resolve) => child.on("close", (c) => resolve(c)));
      expect(code).toBe(EXIT.ok);
      expect(Buffer.concat(out).toString()).toContain("Scan 1");
    });
    const s = new Store(db);
    expect(s.getScan(1)?.status).toBe("complete");
    s.close();
  });
});
