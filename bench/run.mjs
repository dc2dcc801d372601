// npm run bench: scan a generated organisation served by the simulator (in this process) with a
// separate `dpscan scan --org` process, and report wall time, API calls, throttles, the scanner's
// peak memory, and the ratio to the theoretical lower bound of that world under its quotas.
//
//   npm run bench                                   # 100 accounts x 2 regions x 40 resources
//   npm run bench -- --accounts 100 --regions 4 --scale 200 --latency 5
//   npm run bench -- --sizes 40,160                 # same org at two scales: memory must not follow size
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : fallback;
};
const root = resolve(import.meta.dirname, "..");
const load = (p) => import(pathToFileURL(join(root, "dist", p)).href);
const { generateWorld, countResources, REGION_POOL } = await load("sim/world/generate.js");
const { startSimulator } = await load("sim/wire/server.js");
const { lowerBound } = await load("sim/behaviour/counters.js");

const accounts = Number(opt("accounts", 100));
const regions = Number(opt("regions", 2));
const sizes = String(opt("sizes", opt("scale", 40)))
  .split(",")
  .map(Number);
const latency = Number(opt("latency", 5));
const concurrency = String(opt("concurrency", 64));
const accountConcurrency = String(opt("account-concurrency", 8));
const seed = Number(opt("seed", 1));

function runScan(sim, world, db) {
  return new Promise((resolvePromise, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(
      process.execPath,
      [
        join(root, "bin/dpscan.js"),
        "--db",
        db,
        "scan",
        "--org",
        "--role-name",
        "dpscan-audit",
        "--regions",
        REGION_POOL.slice(0, regions).join(","),
        "--concurrency",
        concurrency,
        "--account-concurrency",
        accountConcurrency,
        "--endpoint-url",
        sim.endpoint,
        "--no-config",
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
          AWS_REGION: "us-east-1",
          NODE_OPTIONS: `--require ${join(root, "bench/maxrss.cjs")}`,
        },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    child.on("error", reject);
    child.on("close", (code) => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const rss = /DPSCAN_BENCH_MAXRSS_KB (\d+)/.exec(err);
      if (code !== 0 && code !== 3)
        return reject(new Error(`dpscan scan exited ${code}: ${err.slice(-2000)}`));
      resolvePromise({
        seconds,
        code,
        summary: JSON.parse(out),
        maxRssMb: rss ? Number(rss[1]) / 1024 : NaN,
      });
    });
  });
}

const rows = [];
for (const scale of sizes) {
  const world = generateWorld({
    accounts,
    regions,
    scale,
    seed,
    faults: { throttling: { enabled: true }, latency: { distribution: "fixed", value: latency } },
  });
  const sim = await startSimulator({ world });
  const dir = mkdtempSync(join(tmpdir(), "dpscan-bench-"));
  try {
    const r = await runScan(sim, world, join(dir, "bench.db"));
    const observed = sim.counters.snapshot();
    const floor = lowerBound(world, { observed });
    const modelFloor = lowerBound(world);
    const s = r.summary.scan.summary;
    rows.push({
      world: `${accounts} acct x ${regions} reg x ${scale}`,
      resourcesInWorld: countResources(world),
      resourcesStored: s.resources,
      seconds: Number(r.seconds.toFixed(1)),
      apiCalls: observed.totals.calls,
      throttles: observed.totals.throttles,
      failedUnits: s.coverage.failed,
      deniedUnits: s.coverage.denied,
      peakRssMb: Number(r.maxRssMb.toFixed(0)),
      floorSeconds: Number(floor.seconds.toFixed(2)),
      modelFloorSeconds: Number(modelFloor.seconds.toFixed(2)),
      ratioToFloor: Number((r.seconds / Math.max(floor.seconds, 0.001)).toFixed(1)),
      bottleneck: floor.bottleneck
        ? `${floor.bottleneck.scope} ${floor.bottleneck.account}/${floor.bottleneck.region}`
        : "latency",
    });
  } finally {
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

console.log(
  `dpscan bench — latency ${latency} ms per call, AWS default throttling quotas, concurrency ${concurrency}, accounts at once ${accountConcurrency}`,
);
console.table(rows);
if (args.includes("--json")) console.log(JSON.stringify(rows, null, 2));
