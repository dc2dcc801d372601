// Scenario 4, store: a database holding `scans` nightly scans of `resources` resources each (the same
// resources every night, so each finding identity has a history), written through the Store as a
// scan writes them. Reports findings written per second (staged and moved into place, as
// judgeScan does), then the read side on the full database: the summary counts, `dpscan findings`
// in CSV, and a framework report, each in its own process; and the database's size.
//
//   npm run build && node bench/scenarios/store.mjs [--quick] [--size RESOURCES] [--scans N]
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cliOptions, dpscan, load, round, writeScans } from "./lib/common.mjs";

export const name = "store";

export async function run({ quick = false, size, scans } = {}) {
  const resources = size ?? (quick ? 20_000 : 400_000);
  const nights = scans ?? (quick ? 3 : 30);
  const dir = mkdtempSync(join(tmpdir(), "dpscan-bench-store-"));
  try {
    const db = join(dir, "store.db");
    const w = await writeScans({ dir, db, resources, nights });
    const { Store } = await load("store/store.js");
    const store = new Store(db);
    const t0 = process.hrtime.bigint();
    store.findingCounts(w.lastScan);
    const countsSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
    store.close();
    const findingsCsv = await dpscan([
      "--db",
      db,
      "findings",
      "--status",
      "FAIL,UNKNOWN,PASS",
      "--format",
      "csv",
    ]);
    const report = await dpscan([
      "--db",
      db,
      "report",
      "--framework",
      "pci-dss-4.0",
      "--format",
      "json",
      "--out",
      join(dir, "reports"),
    ]);
    return {
      scenario: name,
      scans: nights,
      resourcesPerScan: resources,
      findingsPerScan: w.findingsPerScan,
      findingsWritten: w.written,
      findingsPerSecond: Math.round(w.written / w.writeSeconds),
      stagedPerSecond: Math.round(w.written / w.stageSeconds),
      target: "≥ 200,000 findings/s",
      findingCountsSeconds: round(countsSeconds, 3),
      findingsCsvOfLatest: { seconds: findingsCsv.seconds, peakRssMb: findingsCsv.peakRssMb },
      reportOfLatest: { seconds: report.seconds, peakRssMb: report.peakRssMb },
      diff: "no diff command on this branch",
      pruning: "no pruning on this branch",
      databaseMb: round(statSync(db).size / 1e6, 0),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const argv = process.argv.slice(2);
  const i = argv.indexOf("--scans");
  console.log(
    JSON.stringify(
      await run({ ...cliOptions(argv), ...(i >= 0 ? { scans: Number(argv[i + 1]) } : {}) }),
      null,
      2,
    ),
  );
}
