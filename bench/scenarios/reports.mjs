// Scenario 5, reports: all four frameworks for the latest of two nightly scans of many findings
// (the full catalog over a generated world's AWS Config items; the earlier scan gives the new and
// resolved findings), in HTML, Markdown, JSON and CSV, in one `dpscan report` process: wall time,
// CPU, peak RSS, the size of each HTML report and of all the output (the JSON and CSV files are
// most of it). Then the CI gate on the same scan with SARIF, JUnit and a summary: time, CPU, peak RSS.
//
//   npm run build && node bench/scenarios/reports.mjs [--quick] [--size RESOURCES]
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cliOptions, dpscan, load, round, writeScans } from "./lib/common.mjs";

export const name = "reports";

export async function run({ quick = false, size } = {}) {
  // ≈2.5 findings per resource: 400k resources give the 1M findings.
  const resources = size ?? (quick ? 20_000 : 400_000);
  const dir = mkdtempSync(join(tmpdir(), "dpscan-bench-reports-"));
  try {
    const db = join(dir, "reports.db");
    // Two nights: a nightly report has the previous scan to compare with (new and resolved findings).
    const w = await writeScans({ dir, db, resources, nights: 2 });
    // What each scan's end does (runLifecycle), so the report does not take the scans in itself.
    const { Store } = await load("store/store.js");
    const { ensureLifecycle } = await load("store/lifecycle.js");
    const store = new Store(db);
    ensureLifecycle(store);
    store.db.pragma("wal_checkpoint(TRUNCATE)");
    store.close();
    const out = join(dir, "out");
    const r = await dpscan([
      "--db",
      db,
      "report",
      "--framework",
      "all",
      "--format",
      "html,md,json,csv",
      "--out",
      out,
    ]);
    const files = readdirSync(out, { recursive: true }).map(String);
    const mb = (f) => round(statSync(join(out, f)).size / 1e6, 2);
    const total = (ext) =>
      round(
        files.filter((f) => f.endsWith(ext)).reduce((n, f) => n + mb(f), 0),
        1,
      );
    const html = files.filter((f) => f.endsWith(".html")).map((f) => ({ file: f, mb: mb(f) }));
    // The CI gate on the same scan, every FAIL/UNKNOWN result counted and listed (it fails: exit 1).
    const g = join(dir, "gate");
    mkdirSync(g);
    const gate = await dpscan(
      [
        "--db",
        db,
        "gate",
        "--fail-on",
        "low",
        "--sarif",
        join(g, "gate.sarif"),
        "--junit",
        join(g, "gate.xml"),
        "--summary",
        join(g, "gate.md"),
      ],
      { codes: [1] },
    );
    return {
      scenario: name,
      findings: w.findingsPerScan,
      frameworks: 4,
      formats: "html, md, json, csv",
      seconds: r.seconds,
      cpuSeconds: r.cpuSeconds,
      peakRssMb: r.peakRssMb,
      largestHtmlMb: Math.max(0, ...html.map((h) => h.mb)),
      outputMb: total(""),
      jsonMb: total(".json"),
      csvMb: total(".csv"),
      html,
      target: "1M findings < 20 s, HTML < 15 MB",
      gateSeconds: gate.seconds,
      gateCpuSeconds: gate.cpuSeconds,
      gatePeakRssMb: gate.peakRssMb,
      gateSarifMb: round(statSync(join(g, "gate.sarif")).size / 1e6, 1),
      gateJunitMb: round(statSync(join(g, "gate.xml")).size / 1e6, 1),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`)
  console.log(JSON.stringify(await run(cliOptions()), null, 2));
