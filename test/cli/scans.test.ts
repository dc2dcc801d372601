// `dpscan scans` tells the truth about each scan: a failed one's error and what it stored, a
// `running` row whose process is gone as stale, and a resumed scan's duration without the time it
// lay interrupted.
import { hostname } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Store } from "../../src/store/store.js";
import { EXIT } from "../../src/util/errors.js";
import { runCli } from "../helpers/cli.js";
import { deadPid } from "../helpers/process.js";
import { volumeRecord } from "../helpers/records.js";
import { useTmpDir } from "../helpers/tmp.js";

const tmp = useTmpDir();

/** The pid of a process that has exited. */
const ago = (ms: number): string => new Date(Date.now() - ms).toISOString();

describe("dpscan scans", () => {
  it("shows a failed scan's error and what it stored, and a running scan nobody runs as stale", async () => {
    const db = join(tmp(), "s.db");
    const s = new Store(db);
    const failed = s.beginScan("scan", "api: caller account; enabled regions");
    s.insertResources(
      failed,
      ["vol-1", "vol-2", "vol-3"].map((id) => volumeRecord(id)),
    );
    s.finishScan(
      failed,
      "failed",
      null,
      "cannot identify the caller (sts:GetCallerIdentity): InvalidClientTokenId: bad key",
    );
    const crashed = s.beginScan("scan", "api: org; enabled regions");
    s.db.prepare("UPDATE scans SET owner_pid = ? WHERE id = ?").run(deadPid(), crashed);
    const live = s.beginScan("scan", "this process");
    expect(s.getScan(crashed)?.stale).toBe(true);
    expect(s.getScan(live)?.stale).toBe(false);
    s.close();
    const r = await runCli(["--db", db, "--wide", "scans"]);
    expect(r.code).toBe(EXIT.ok);
    const row = (id: number) => r.stdout.split("\n").find((l) => l.startsWith(`${id} `)) ?? "";
    expect(row(failed)).toMatch(
      /^1\s+scan\s+failed\s+\S+\s+[\d.]+s\s+3\s+0\s+0\s+0\s+api: caller account; enabled regions\s+cannot identify the caller \(sts:GetCallerIdentity\): InvalidClientTokenId: bad key$/,
    );
    expect(row(crashed)).toMatch(
      /^2\s+scan\s+stale\s.*no live process \(pid \d+ on .+\): it crashed or was killed$/,
    );
    expect(row(live)).toMatch(/^3\s+scan\s+running\s/);
    expect(r.stdout).toContain(`stale: marked running, but the process that ran it is gone;`);
    const json = JSON.parse((await runCli(["--db", db, "scans", "--format", "json"])).stdout);
    expect(json.database).toBe(db);
    expect(json.scans.map((x: { id: number; stale: boolean }) => [x.id, x.stale])).toEqual([
      [3, false],
      [2, true],
      [1, false],
    ]);
    expect(json.scans[2]).toMatchObject({ status: "failed", counts: { resources: 3, FAIL: 0 } });
  });

  it("a resumed scan's duration leaves out the time it lay interrupted (or crashed)", () => {
    const s = new Store(join(tmp(), "d.db"));
    try {
      // Ran ten minutes, two hours ago, and was interrupted.
      const stopped = s.beginScan("scan", "t", {}, new Date(ago(2 * 3600_000)));
      s.db
        .prepare(
          "UPDATE scans SET status = 'interrupted', finished_at = ?, duration_ms = 600000 WHERE id = ?",
        )
        .run(ago(2 * 3600_000 - 600_000), stopped);
      s.claimScan(stopped, { pid: process.pid, host: hostname(), token: "t1" });
      s.finishScan(stopped, "complete", {});
      const d1 = s.getScan(stopped)?.durationMs ?? 0;
      expect(d1).toBeGreaterThanOrEqual(600_000);
      expect(d1).toBeLessThan(600_000 + 60_000);
      // Crashed seven minutes into a run an hour ago: its last heartbeat says how long it ran.
      const crashed = s.beginScan("scan", "t", {}, new Date(ago(3600_000)));
      s.db
        .prepare("UPDATE scans SET owner_pid = ?, heartbeat_at = ? WHERE id = ?")
        .run(deadPid(), ago(3600_000 - 420_000), crashed);
      s.claimScan(crashed, { pid: process.pid, host: hostname(), token: "t2" });
      expect(s.getScan(crashed)).toMatchObject({ status: "running", stale: false, ownerPid: process.pid });
      s.finishScan(crashed, "complete", {});
      const d2 = s.getScan(crashed)?.durationMs ?? 0;
      expect(d2).toBeGreaterThanOrEqual(420_000);
      expect(d2).toBeLessThan(420_000 + 60_000);
    } finally {
      s.close();
    }
  });
});
