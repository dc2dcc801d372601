// A report's JSON and CSV files taken from the spool one at a time (spooledFile, for an evidence
// pack's writer) are byte for byte the files writeReports copies from it, across many chunks.
import { mkdirSync, readdirSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { describe, expect, it } from "vitest";
import { groupByScope } from "../../src/report/build.js";
import { loadFrameworks } from "../../src/report/frameworks.js";
import { WHOLE_SCAN } from "../../src/report/scope.js";
import { NO_WAIVERS } from "../../src/report/waived.js";
import { prepareGroup, spooledFile, writeReports } from "../../src/report/write.js";
import { useTmpDir } from "../helpers/tmp.js";
import { openStore, RULES, storeScan, volume } from "./fixtures.js";

const tmp = useTmpDir();

describe("spooledFile", () => {
  it("gives each JSON and CSV file whole, as writeReports writes it, in chunks of about 1 MiB", async () => {
    const dir = tmp();
    const store = openStore(dir);
    // Long names make the files several MiB; every other volume is unencrypted.
    const records = Array.from({ length: 6000 }, (_, i) =>
      volume(`vol-${i}`, i % 2 ? "k1" : null, { resourceName: `name-${"x".repeat(200)}-${i}` }),
    );
    const id = storeScan(store, records);
    const scan = store.getScan(id);
    if (!scan) throw new Error("no scan");
    const frameworks = loadFrameworks(RULES);
    const formats = ["json", "csv"] as const;
    const whole = join(dir, "whole");
    await writeReports({
      store,
      scan,
      frameworks,
      formats,
      dir: whole,
      scopeFor: () => WHOLE_SCAN,
      waived: NO_WAIVERS,
      threads: "off",
    });
    const [scoped] = groupByScope(frameworks, () => WHOLE_SCAN);
    const one = join(dir, "one");
    mkdirSync(one);
    const g = await prepareGroup(store, {
      scanId: id,
      formats,
      dir: one,
      scoped: scoped ?? [],
      waived: NO_WAIVERS,
    });
    const plan = g.plan;
    if (!plan) throw new Error("no plan");
    expect(plan.files.map((f) => basename(f.path)).sort()).toEqual(readdirSync(whole).sort());
    let most = 0;
    for (const f of plan.files) {
      const chunks = [...spooledFile(plan, f)];
      most = Math.max(most, chunks.length);
      for (const c of chunks) expect(c.length).toBeLessThanOrEqual(1 << 20);
      expect(Buffer.concat(chunks).equals(readFileSync(join(whole, basename(f.path)))), f.path).toBe(true);
    }
    expect(most).toBeGreaterThan(3);
    // The heads' temporary files are gone; the spool stays for its owner to remove.
    expect(readdirSync(one).every((n) => n.startsWith(".findings.spool-"))).toBe(true);
    store.close();
  });
});
