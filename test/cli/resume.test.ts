// --resume and a scan's ownership of its database row: a live scan is refused (naming its
// process), a dead or silent one is taken over, and a resumed scan never silently changes scope.
// The first test runs two real processes against one database.
import { readFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { beforeAll, describe, expect, it } from "vitest";
import { demoWorldPath } from "../../src/sim/world/demo.js";
import { worldFromDocument } from "../../src/sim/world/file.js";
import type { Simulator } from "../../src/sim/wire/server.js";
import { Store } from "../../src/store/store.js";
import { EXIT } from "../../src/util/errors.js";
import { ensureBuilt, finished, startCli, runProcess } from "../helpers/process.js";
import { demoOrgScan, runWithSimEnv, simEnv, withSim } from "../helpers/scan.js";
import { useTmpDir } from "../helpers/tmp.js";

const tmp = useTmpDir();

function demoWorld(extra: Record<string, unknown> = {}) {
  const doc = parse(readFileSync(demoWorldPath(), "utf8")) as Record<string, unknown>;
  doc.faults = { ...((doc.faults ?? {}) as Record<string, unknown>), ...extra };
  return worldFromDocument(doc, "demo");
}

const scanArgs = (db: string, sim: Simulator, ...more: string[]) => demoOrgScan(db, sim, "--quiet", ...more);

function scanRow(db: string, id = 1) {
  const s = new Store(db);
  try {
    return { row: s.getScan(id), findings: s.queryFindings(id).length, units: s.completedUnits(id).size };
  } finally {
    s.close();
  }
}

const waitFor = async (cond: () => boolean): Promise<void> => {
  while (!cond()) await new Promise((r) => setTimeout(r, 20));
};

describe("a running scan owns its row (two processes)", () => {
  beforeAll(() => ensureBuilt(), 120_000);

  it("--resume refuses a live scan, naming its process, and takes it over once that process is dead", async () => {
    const db = join(tmp(), "owned.db");
    // A slow organisation, so the first scan is still at work while the second process starts.
    await withSim(demoWorld({ latency: { distribution: "fixed", value: 300 } }), async (slow) => {
      const first = startCli(scanArgs(db, slow, "--concurrency", "1"), { env: simEnv(slow) });
      const firstDone = finished(first);
      await waitFor(() => slow.counters.calls() > 3);
      expect(scanRow(db).row?.status).toBe("running");
      const live = await runProcess(scanArgs(db, slow, "--resume"), { env: simEnv(slow) });
      expect(live.code).toBe(EXIT.badInput);
      // Refused by the database's lock, whose holder is the live scan's owner (one rule judges both).
      expect(live.stderr).toMatch(
        new RegExp(
          `owned\\.db is being written by dpscan scan \\(process ${first.pid} on ${hostname()}, since `,
        ),
      );
      // The live scan was not touched: still running, its owner unchanged.
      expect(scanRow(db).row).toMatchObject({ status: "running", ownerPid: first.pid });
      first.kill("SIGKILL");
      expect((await firstDone).signal).toBe("SIGKILL");
    });
    expect(scanRow(db).row?.status).toBe("running"); // a killed process cannot mark itself
    await withSim(demoWorld(), async (sim) => {
      const resumed = await runProcess(scanArgs(db, sim, "--resume"), { env: simEnv(sim) });
      expect(resumed.stderr).toBe("");
      expect(resumed.code).toBe(EXIT.ok);
    });
    const { row, findings } = scanRow(db);
    expect(row).toMatchObject({ status: "complete", stale: false });
    // One writer: the stored findings are exactly the summary's results, not twice as many.
    expect(findings).toBe(
      (row?.summary as { results: number; byStatus: { UNKNOWN: number } }).results + gapRows(db),
    );
  });
});

/** Findings stored for coverage gaps (counted in the summary's UNKNOWN, not in its results). */
function gapRows(db: string): number {
  const s = new Store(db);
  try {
    return s.queryFindings(1).filter((f) => f.resourceId === "*").length;
  } finally {
    s.close();
  }
}

describe("taking over and resuming", () => {
  async function interruptedScan(db: string, sim: Simulator): Promise<void> {
    const r = await runWithSimEnv(sim, scanArgs(db, sim));
    expect(r.code).toBe(EXIT.ok);
    const s = new Store(db);
    s.db.prepare("UPDATE scans SET status = 'interrupted' WHERE id = 1").run();
    s.db.prepare("DELETE FROM scan_units WHERE scan_id = 1 AND collector = 'kms'").run();
    s.close();
  }

  it("a scan owned elsewhere is refused while its heartbeat is fresh and taken over once it is stale", async () => {
    const db = join(tmp(), "stale.db");
    await withSim(demoWorld(), async (sim) => {
      await interruptedScan(db, sim);
      const s = new Store(db);
      const own = s.db.prepare(
        "UPDATE scans SET status = 'running', owner_pid = 1, owner_host = 'scanner-7', owner_token = 't', heartbeat_at = ? WHERE id = 1",
      );
      own.run(new Date().toISOString());
      const fresh = await runWithSimEnv(sim, scanArgs(db, sim, "--resume"));
      expect(fresh.code).toBe(EXIT.badInput);
      expect(fresh.stderr).toContain("scan 1 is still running (process 1 on scanner-7");
      own.run(new Date(Date.now() - 10 * 60_000).toISOString());
      s.close();
      const stale = await runWithSimEnv(sim, scanArgs(db, sim, "--resume"));
      expect(stale.stderr).toBe("");
      expect(stale.code).toBe(EXIT.ok);
    });
    expect(scanRow(db).row?.status).toBe("complete");
  });

  it("--resume with another scope is refused clearly; run options such as --require-full-coverage are honoured", async () => {
    const db = join(tmp(), "scope.db");
    await withSim(demoWorld(), async (sim) => {
      await interruptedScan(db, sim);
      const other = await runWithSimEnv(sim, [
        ...scanArgs(db, sim, "--resume", "--services", "kms"),
        "--regions",
        "us-east-1",
      ]);
      expect(other.code).toBe(EXIT.badInput);
      expect(other.stderr).toContain(
        `dpscan: --resume: --regions ["us-east-1"] differs from scan 1's ["us-east-1","eu-west-1"]; a resumed scan keeps its scope: resume without --regions, or start a new scan`,
      );
      expect(other.stderr).toContain("--resume: --services");
      expect(scanRow(db).row?.status).toBe("interrupted"); // refused before anything was touched
      const noSecret = await runWithSimEnv(
        sim,
        scanArgs(db, sim, "--resume").filter(
          (a, i, all) => a !== "--external-id" && all[i - 1] !== "--external-id",
        ),
      );
      expect(noSecret.code).toBe(EXIT.badInput);
      expect(noSecret.stderr).toContain(
        "scan 1 was started with --external-id, which is not stored; give --external-id again",
      );
      // The demo organisation has denied units: with the flag, the resumed scan exits 3.
      const strict = await runWithSimEnv(sim, scanArgs(db, sim, "--resume", "--require-full-coverage"));
      expect(strict.code).toBe(EXIT.incompleteCoverage);
    });
  });

  it("the ExternalId and an endpoint's user:password never reach the database", async () => {
    const dir = tmp();
    const db = join(dir, "secret.db");
    await withSim(demoWorld(), async (sim) => {
      const url = new URL(sim.endpoint);
      const r = await runWithSimEnv(sim, [
        "--db",
        db,
        "scan",
        "--accounts",
        "111111111111",
        "--external-id",
        "s3cr3t-ext-1d",
        "--endpoint-url",
        `http://admin:hunter2-pw@${url.host}/`,
        "--regions",
        "us-east-1",
        "--services",
        "kms",
        "--quiet",
        "--no-config",
      ]);
      // The simulator ignores the URL's user:password; what matters is what was stored.
      expect(r.code).toBe(EXIT.ok);
    });
    const s = new Store(db);
    const options = s.listScans()[0]?.options;
    s.close();
    expect(options).toMatchObject({
      externalId: "(redacted)",
      endpointUrl: expect.stringMatching(/^http:\/\/\(redacted\)@127\.0\.0\.1:\d+\/$/),
    });
    for (const f of ["", "-wal"]) {
      const bytes = (() => {
        try {
          return readFileSync(db + f).toString("latin1");
        } catch {
          return "";
        }
      })();
      expect(bytes).not.toContain("s3cr3t-ext-1d");
      expect(bytes).not.toContain("hunter2-pw");
    }
  });
});
