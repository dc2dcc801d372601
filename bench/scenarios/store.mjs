// Scenario 4, store: a database holding `scans` nightly scans of `resources` resources each (the same
// resources every night, so each finding identity has a history), written through the Store as a
// scan writes them. Reports findings written per second (Store.insertFindings, as judgeScan
// writes them; wall and this process's CPU), the lifecycle taking the scans in, then the read
// side on the full database, each command in its own process: the summary counts, `dpscan
// findings` (CSV and table), `dpscan diff` of the last two scans, a framework report, and
// `dpscan prune --keep` (which VACUUMs) with the database's size before and after.
//
//   npm run build && node bench/scenarios/store.mjs [--quick] [--size RESOURCES] [--scans N] [--keep N]
import { mkdtempSync, rmSync, statSync, statfsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cliOptions, dpscan, load, round, writeScans } from "./lib/common.mjs";

export const name = "store";

/** The figures of a measured dpscan run. */
const figures = (r) => ({ seconds: r.seconds, cpuSeconds: r.cpuSeconds, peakRssMb: r.peakRssMb });
const mb = (path) => round(statSync(path).size / 1e6, 0);
const gb = (bytes) => round(bytes / 1e9, 0);
const BYTES_PER_RESOURCE_NIGHT = 3500;

export async function run({ quick = false, size, scans, keep } = {}) {
  const resources = size ?? (quick ? 20_000 : 400_000);
  const nights = scans ?? (quick ? 3 : 30);
  const kept = keep ?? Math.max(2, Math.ceil(nights / 3)); // two left for a diff
  const dir = mkdtempSync(join(tmpdir(), "dpscan-bench-store-"));
  try {
    // Refused up front rather than filling the disk part-way: about 3.5 KB per resource and night
    // (42 GB for 30 × 400k, 2026-12-04), and prune's VACUUM rewrites what it keeps twice more (a
    // temporary copy, then the WAL).
    const needed = resources * nights * BYTES_PER_RESOURCE_NIGHT * (1 + (2 * kept) / nights);
    const { bavail, bsize } = statfsSync(dir);
    if (bavail * bsize < needed)
      throw new Error(
        `the store scenario (${nights} scans of ${resources} resources) needs about ${gb(needed)} GB free in ${dir}, which has ${gb(bavail * bsize)} GB: run it smaller (node bench/scenarios/store.mjs --size N --scans N)`,
      );
    const db = join(dir, "store.db");
    const w = await writeScans({ dir, db, resources, nights });
    const { Store } = await load("store/store.js");
    const { ensureLifecycle } = await load("store/lifecycle.js");
    const store = new Store(db);
    // What each scan's end does (runLifecycle); done here once for all nights, before the reads.
    let t0 = process.hrtime.bigint();
    ensureLifecycle(store);
    const lifecycleSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
    t0 = process.hrtime.bigint();
    store.findingCounts(w.lastScan);
    const countsSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
    store.db.pragma("wal_checkpoint(TRUNCATE)");
    store.close();
    const databaseMb = mb(db);
    const findings = (format) =>
      dpscan(["--db", db, "findings", "--status", "FAIL,UNKNOWN,PASS", "--format", format]);
    const findingsCsv = await findings("csv");
    const findingsTable = await findings("table");
    const diff = await dpscan(["--db", db, "diff", "--format", "json"]);
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
    const prune = await dpscan(["--db", db, "prune", "--keep", String(kept), "--format", "json"]);
    const diffAfterPrune = await dpscan(["--db", db, "diff", "--format", "json"]);
    return {
      scenario: name,
      scans: nights,
      resourcesPerScan: resources,
      findingsPerScan: w.findingsPerScan,
      findingsWritten: w.written,
      findingsPerSecond: Math.round(w.written / w.writeSeconds),
      findingsPerCpuSecond: Math.round(w.written / w.writeCpuSeconds),
      target: "≥ 200,000 findings/s",
      lifecycleSecondsPerScan: round(lifecycleSeconds / nights, 2),
      findingCountsSeconds: round(countsSeconds, 3),
      findingsCsvOfLatest: figures(findingsCsv),
      findingsTableOfLatest: figures(findingsTable),
      diffOfLastTwo: figures(diff),
      reportOfLatest: figures(report),
      prune: { keep: kept, ...figures(prune), databaseMbBefore: databaseMb, databaseMbAfter: mb(db) },
      diffAfterPrune: figures(diffAfterPrune),
      databaseMb,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const argv = process.argv.slice(2);
  const option = (flag) => {
    const i = argv.indexOf(flag);
    return i >= 0 ? Number(argv[i + 1]) : undefined;
  };
  console.log(
    JSON.stringify(
      await run({ ...cliOptions(argv), scans: option("--scans"), keep: option("--keep") }),
      null,
      2,
    ),
  );
}
