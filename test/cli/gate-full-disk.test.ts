// A disk that fills while the gate spools its SARIF and JUnit: one line naming the spool and the
// cause (exit 2, never "internal error"), and neither a spool nor a partial output left behind.
import type * as FsModule from "node:fs";
import { mkdirSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { Store } from "../../src/store/store.js";
import { ensureLifecycle } from "../../src/store/lifecycle.js";
import { runCli } from "../helpers/cli.js";
import { volumeRecord } from "../helpers/records.js";
import { useTmpDir } from "../helpers/tmp.js";

const disk = vi.hoisted(() => ({ full: false }));

vi.mock("node:fs", async (importOriginal) => {
  const fs = await importOriginal<typeof FsModule>();
  return {
    ...fs,
    writeSync: (...args: Parameters<typeof fs.writeSync>) => {
      if (disk.full)
        throw Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" });
      return (fs.writeSync as (...a: unknown[]) => number)(...args);
    },
  };
});

describe("dpscan gate on a full disk", () => {
  const tmp = useTmpDir();

  it("says which spool could not be written and leaves nothing behind", async () => {
    const db = join(tmp(), "g.db");
    const s = new Store(db);
    const id = s.beginScan("evaluate", "t");
    s.recordRules(id, [
      { id: "a-rule", title: "t", severity: "high", sha256: "x", remediation: "r", references: {} },
    ]);
    s.insertFindings(
      id,
      Array.from({ length: 50 }, (_, i) => ({
        ruleId: "a-rule",
        status: "FAIL" as const,
        severity: "high" as const,
        resource: volumeRecord(`vol-${i}`),
        message: `m ${i}`,
        evidence: {},
      })),
    );
    s.finishScan(id, "complete", {});
    ensureLifecycle(s);
    s.close();
    const out = join(tmp(), "out");
    mkdirSync(out);
    disk.full = true;
    try {
      const r = await runCli([
        "--db",
        db,
        "gate",
        "--no-config",
        "--sarif",
        join(out, "g.sarif"),
        "--junit",
        join(out, "g.xml"),
      ]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/^dpscan: cannot write \S+g\.(sarif|xml)\.spool-\d+: ENOSPC\n$/);
    } finally {
      disk.full = false;
    }
    expect(readdirSync(out)).toEqual([]);
  });
});
