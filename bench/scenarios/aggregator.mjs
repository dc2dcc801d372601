// Scenario: the AWS Config aggregator path (`scan --source config --aggregator NAME --enrich`),
// the way to cover organisations of thousands of accounts. A generated organisation is served by
// the simulator (in this process) with AWS-like latency and quotas; a separate dpscan process
// pages through SelectAggregateResourceConfig (100 items a page, the service maximum) and enriches
// each KMS key and DB instance in its own account through the audit role.
//
//   node bench/scenarios/aggregator.mjs [--quick] [--accounts N --regions N --scale N --latency MIN-MAX]
//
// `run({quick})` is what `npm run bench` calls; it returns one result object. Needs dist/ (npm run build).
import { Buffer } from "node:buffer";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { launchFlags } from "./lib/common.mjs";

const root = resolve(import.meta.dirname, "../..");
const load = (p) => import(pathToFileURL(join(root, "dist", p)).href);

const SELECT = "SelectAggregateResourceConfig";

/** Sizes of the scenario: full (the organisation scale on this path) or quick (seconds). */
export const SIZES = {
  full: { accounts: 200, regions: 4, scale: 40, latency: [20, 80], concurrency: 32 },
  quick: { accounts: 20, regions: 2, scale: 20, latency: [20, 80], concurrency: 32 },
};

function scan(sim, region, db, concurrency) {
  return new Promise((done, fail) => {
    const started = process.hrtime.bigint();
    const child = spawn(
      process.execPath,
      [
        ...launchFlags(),
        join(root, "bin/dpscan.js"),
        "--no-config",
        "--db",
        db,
        "scan",
        "--source",
        "config",
        "--aggregator",
        "org-aggregator",
        "--enrich",
        "--role-name",
        "dpscan-audit",
        "--region",
        region,
        "--concurrency",
        String(concurrency),
        "--endpoint-url",
        sim.endpoint,
        "--quiet",
        "--format",
        "json",
      ],
      {
        env: {
          PATH: process.env.PATH,
          HOME: tmpdir(),
          AWS_ACCESS_KEY_ID: sim.credentials.accessKeyId,
          AWS_SECRET_ACCESS_KEY: sim.credentials.secretAccessKey,
          AWS_REGION: region,
          AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
          NODE_OPTIONS: `--require ${join(root, "bench/maxrss.cjs")}`,
        },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    const out = [];
    let err = "";
    child.stdout.on("data", (d) => out.push(d));
    child.stderr.on("data", (d) => (err += d));
    child.on("error", fail);
    child.on("close", (code) => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      if (code !== 0 && code !== 3) return fail(new Error(`dpscan scan exited ${code}: ${err.slice(-2000)}`));
      const rss = /DPSCAN_BENCH_MAXRSS_KB (\d+)/.exec(err);
      done({
        seconds,
        code,
        doc: JSON.parse(Buffer.concat(out).toString("utf8")),
        maxRssKb: rss ? Number(rss[1]) : NaN,
      });
    });
  });
}

/** Run the scenario once; the object is one row of the bench results. */
export async function run({ quick = false, ...overrides } = {}) {
  if (!existsSync(join(root, "dist/cli/main.js")))
    throw new Error("dist/ is missing: run `npm run build` first");
  const size = { ...(quick ? SIZES.quick : SIZES.full), ...overrides };
  const { generateWorld, countResources } = await load("sim/world/generate.js");
  const { startSimulator } = await load("sim/wire/server.js");
  const { throttleScope } = await load("sim/behaviour/faults.js");
  const [min, max] = size.latency;
  const world = generateWorld({
    accounts: size.accounts,
    regions: size.regions,
    scale: size.scale,
    seed: 13,
    faults: { throttling: { enabled: true }, latency: { distribution: "uniform", min, max } },
  });
  const aggregator = world.aggregators[0];
  const sim = await startSimulator({ world });
  const dir = mkdtempSync(join(tmpdir(), "dpscan-bench-aggregator-"));
  try {
    const r = await scan(sim, aggregator.Region, join(dir, "aggregator.db"), size.concurrency);
    const observed = sim.counters.snapshot();
    const byOperation = {};
    for (const row of observed.rows) {
      const key = `${row.service}:${row.operation}`;
      byOperation[key] = (byOperation[key] ?? 0) + row.calls;
    }
    const selects = byOperation[`config:${SELECT}`] ?? 0;
    const enrichment = Object.entries(byOperation)
      .filter(([k]) => !k.startsWith("config:") && k !== "sts:GetCallerIdentity")
      .reduce((n, [, calls]) => n + calls, 0);
    // The floor of this path: the aggregator's Select quota (one bucket, in the aggregator's
    // account and region), the page chains (each type's pages follow one another; dpscan queries
    // two types at a time), and the enrichment calls spread over the concurrency cap.
    const { quota } = throttleScope(world, "config", SELECT);
    const latency = (min + max) / 2 / 1000;
    const terms = {
      selectQuota: Math.max(0, (selects - quota.capacity) / quota.refillPerSecond),
      pageChains: (selects * latency) / 2,
      enrichment: (enrichment * latency) / size.concurrency,
    };
    const [bound, floor] = Object.entries(terms).reduce((a, b) => (b[1] > a[1] ? b : a));
    const s = r.doc.scan.summary;
    return {
      scenario: "aggregator",
      world: `${size.accounts} acct x ${size.regions} reg x ${size.scale}, latency ${min}-${max} ms`,
      resourcesInWorld: countResources(world),
      resourcesStored: s.resources,
      seconds: Number(r.seconds.toFixed(1)),
      selectCalls: selects,
      enrichmentCalls: enrichment,
      apiCalls: observed.totals.calls,
      callsPerResource: Number((observed.totals.calls / Math.max(1, s.resources)).toFixed(3)),
      throttles: observed.totals.throttles,
      failedUnits: s.coverage.failed,
      deniedUnits: s.coverage.denied,
      peakRssMb: Math.round(r.maxRssKb / 1024),
      floorSeconds: Number(floor.toFixed(1)),
      floorBound: `${bound} (config ${SELECT} quota ${quota.capacity}/${quota.refillPerSecond} per s)`,
      ratioToFloor: Number((r.seconds / Math.max(floor, 0.001)).toFixed(2)),
      resourcesPerSecond: Math.round(s.resources / r.seconds),
      byOperation,
    };
  } finally {
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

// Standalone: print the result.
if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const args = process.argv.slice(2);
  const opt = (name) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const overrides = {};
  for (const k of ["accounts", "regions", "scale", "concurrency"]) if (opt(k)) overrides[k] = Number(opt(k));
  if (opt("latency")) overrides.latency = opt("latency").split("-").map(Number);
  const result = await run({ quick: args.includes("--quick"), ...overrides });
  const { byOperation, ...row } = result;
  console.table([row]);
  console.table(Object.entries(byOperation).map(([operation, calls]) => ({ operation, calls })));
  if (args.includes("--json")) console.log(JSON.stringify(result, null, 2));
}
