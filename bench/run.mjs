// npm run bench: the benchmarks of issue 13, each scan scenario in a fresh scanner process against
// the simulator (served from this process, whose CPU is measured separately), plus every module
// under bench/scenarios/ (each exports `run({quick})` and returns a result object). Writes
// bench/results/<date>[-quick].json and .md and prints the Markdown.
//
//   npm run bench                          # every scenario at full scale
//   npm run bench -- --quick               # every scenario scaled down (< 3 minutes)
//   npm run bench -- --only organisation --accounts 50
//   npm run bench -- --only quota,small --no-ideal
//   npm run bench -- --only quota --dpscan ../before/bin/dpscan.js --name before   # another build
//   npm run bench -- --only organisation --accounts 6 --workers 2   # scan flag passed through
import { performance } from "node:perf_hooks";
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, cpus, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import Database from "better-sqlite3";
import { launchFlags } from "./scenarios/lib/common.mjs";

const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : fallback;
};
const quick = args.includes("--quick");
const only = opt("only", undefined)?.split(",");
const root = resolve(import.meta.dirname, "..");
const load = (p) => import(pathToFileURL(join(root, "dist", p)).href);
const { generateWorld, countResources, REGION_POOL } = await load("sim/world/generate.js");
const { startSimulator } = await load("sim/wire/server.js");
const { lowerBound } = await load("sim/behaviour/counters.js");

/** Cores a scanner could use on this machine (the simulator shares them: its CPU is reported). */
const cores = Number(opt("cores", availableParallelism()));
const latency = { distribution: "uniform", min: 20, max: 80 };
const concurrency = Number(opt("concurrency", 64));
/** The dpscan to measure (another checkout's bin/dpscan.js, for before/after figures). */
const dpscanBin = resolve(opt("dpscan", join(root, "bin/dpscan.js")));
/** Record per-operation call times of the scan (what pacing achieved, second by second). */
const timeline = args.includes("--timeline");
const timelineMin = Number(opt("timeline-min", 50));

/** The scan scenarios: world, flags, and what to report besides the common columns. */
const SCANS = {
  organisation: () => {
    const accounts = Number(opt("accounts", quick ? 6 : 200));
    const regions = Number(opt("regions", quick ? 2 : 4));
    const scale = Number(opt("scale", quick ? 150 : 500));
    return {
      title: "1. Organisation",
      world: { accounts, regions, scale, seed: 1 },
      regions: REGION_POOL.slice(0, regions),
      flags: [
        "--org",
        "--role-name",
        "dpscan-audit",
        "--account-concurrency",
        opt("account-concurrency", "16"),
      ],
    };
  },
  quota: () => {
    const f = quick ? 0.3 : 1;
    return {
      title: "2. Quota-bound account",
      world: {
        accounts: 1,
        regions: 1,
        scale: 1,
        seed: 2,
        counts: {
          rdsSnapshots: 1000 * f,
          kmsKeys: 5000 * f,
          buckets: 2000 * f,
          ...Object.fromEntries(
            [
              "volumes",
              "snapshots",
              "secrets",
              "dynamodbTables",
              "rdsInstances",
              "rdsClusters",
              "rdsClusterSnapshots",
              "loadBalancers",
              "iamPolicies",
              "iamRoles",
              "iamUsers",
              "iamGroups",
            ].map((k) => [k, 0]),
          ),
        },
      },
      regions: REGION_POOL.slice(0, 1),
      flags: [],
    };
  },
  small: () => ({
    title: "6. Small account",
    world: { accounts: 1, regions: 2, scale: 250, seed: 6 },
    regions: REGION_POOL.slice(0, 2),
    flags: [],
    startup: true,
  }),
};

function child(argv, env, { onFirstOutput } = {}) {
  return new Promise((resolvePromise, reject) => {
    const started = performance.now();
    const p = spawn(process.execPath, argv, {
      env: {
        PATH: process.env.PATH,
        HOME: tmpdir(),
        AWS_REGION: "us-east-1",
        NODE_OPTIONS: `--require ${join(root, "bench/maxrss.cjs")}`,
        ...env,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    let first;
    const events = {}; // dpscan's JSON log events, by name: ms since spawn when first seen
    let partial = "";
    const seen = () => {
      if (first === undefined) {
        first = performance.now() - started;
        onFirstOutput?.(first);
      }
    };
    p.stdout.on("data", (d) => (seen(), (out += d)));
    p.stderr.on("data", (d) => {
      if (!String(d).startsWith("DPSCAN_BENCH_")) seen();
      err += d;
      const lines = (partial + d).split("\n");
      partial = lines.pop() ?? "";
      for (const line of lines) {
        const m = /"event":"([a-z.]+)"/.exec(line);
        if (m && events[m[1]] === undefined) events[m[1]] = performance.now() - started;
      }
    });
    p.on("error", reject);
    p.on("close", (code) => {
      const rss = /DPSCAN_BENCH_MAXRSS_KB (\d+)/.exec(err);
      const cpu = /DPSCAN_BENCH_CPU_US (\d+)/.exec(err);
      resolvePromise({
        seconds: (performance.now() - started) / 1000,
        firstOutputSeconds: first === undefined ? undefined : first / 1000,
        events,
        code,
        out,
        err,
        maxRssMb: rss ? Number(rss[1]) / 1024 : NaN,
        cpuMs: cpu ? Number(cpu[1]) / 1000 : NaN,
      });
    });
  });
}

/** One simulator for one run: fresh token buckets and counters, its CPU measured around `fn`. */
async function withSimulator(world, fn) {
  const sim = await startSimulator({ world });
  let firstCall;
  const t0 = performance.now();
  const call = sim.counters.call.bind(sim.counters);
  /** With --timeline: the times of each operation's calls (ms since the simulator started). */
  const times = timeline ? new Map() : undefined;
  sim.counters.call = (...a) => {
    const now = performance.now() - t0;
    firstCall ??= now;
    if (times) {
      const key = `${a[0]}:${a[1]}`;
      const list = times.get(key);
      if (list) list.push(now);
      else times.set(key, [now]);
    }
    call(...a);
  };
  const cpu0 = process.cpuUsage();
  try {
    const result = await fn(sim);
    const cpu = process.cpuUsage(cpu0);
    return {
      result,
      counters: sim.counters.snapshot(),
      simCpuMs: (cpu.user + cpu.system) / 1000,
      firstCallSeconds: firstCall === undefined ? undefined : firstCall / 1000,
      ...(times ? { timeline: summariseTimeline(times, firstCall ?? 0) } : {}),
    };
  } finally {
    await sim.close();
  }
}

/** The last scan's summary, as the database holds it. */
function storedSummary(db) {
  const conn = new Database(db, { readonly: true });
  try {
    const row = conn.prepare("SELECT summary_json FROM scans ORDER BY id DESC LIMIT 1").get();
    if (!row?.summary_json) throw new Error(`${db}: no scan summary stored`);
    return JSON.parse(row.summary_json);
  } finally {
    conn.close();
  }
}

/**
 * What pacing achieved per operation (the simulator's view): its calls, when the first and the
 * last came (seconds from the scan's first call), the rate after the first second (the burst),
 * and calls in each second. Operations of fewer than --timeline-min calls (50) are left out.
 */
function summariseTimeline(times, origin) {
  const out = [];
  for (const [op, list] of times) {
    if (list.length < timelineMin) continue;
    const first = (list[0] - origin) / 1000;
    const last = (list[list.length - 1] - origin) / 1000;
    const perSecond = [];
    for (const t of list) {
      const s = Math.floor((t - origin) / 1000);
      perSecond[s] = (perSecond[s] ?? 0) + 1;
    }
    const afterBurst = list.filter((t) => t - list[0] >= 1000).length;
    out.push({
      op,
      calls: list.length,
      firstSeconds: round(first, 2),
      lastSeconds: round(last, 2),
      ratePerSecondAfterBurst: last - first > 1 ? round(afterBurst / (last - first - 1), 1) : undefined,
      perSecond: Array.from(perSecond, (n) => n ?? 0).join(" "),
    });
  }
  return out.sort((a, b) => b.calls - a.calls);
}

const simEnv = (sim) => ({
  AWS_ACCESS_KEY_ID: sim.credentials.accessKeyId,
  AWS_SECRET_ACCESS_KEY: sim.credentials.secretAccessKey,
});

async function scanScenario(name, def) {
  const world = generateWorld({
    ...def.world,
    faults: { throttling: { enabled: true }, latency },
  });
  const dir = mkdtempSync(join(tmpdir(), "dpscan-bench-"));
  try {
    const scan = await withSimulator(world, async (sim) => {
      const r = await child(
        [
          ...launchFlags(dpscanBin),
          dpscanBin,
          "--db",
          join(dir, "bench.db"),
          "--no-config",
          "scan",
          "--regions",
          def.regions.join(","),
          "--concurrency",
          String(concurrency),
          "--endpoint-url",
          sim.endpoint,
          "--no-progress",
          "--log-format",
          "json",
          // The summary is read from the database: a large org's finding document is gigabytes.
          "--format",
          "table",
          ...def.flags,
          ...(opt("rate-share") ? ["--rate-share", opt("rate-share")] : []),
          ...(opt("workers") ? ["--workers", opt("workers")] : []),
        ],
        simEnv(sim),
      );
      if (r.code !== 0 && r.code !== 3)
        throw new Error(`dpscan scan exited ${r.code}: ${r.err.slice(-2000)}`);
      return r;
    });
    const ideal = args.includes("--no-ideal")
      ? undefined
      : await withSimulator(world, async (sim) => {
          const r = await child(
            [
              join(root, "bench/ideal.mjs"),
              JSON.stringify({
                endpoint: sim.endpoint,
                regions: def.regions,
                roleName: "dpscan-audit",
                concurrency,
                managementAccountId: world.managementAccountId,
              }),
            ],
            simEnv(sim),
          );
          if (r.code !== 0) throw new Error(`ideal collector exited ${r.code}: ${r.err.slice(-2000)}`);
          return { ...r, report: JSON.parse(r.out.trim().split("\n").pop()) };
        });
    const r = scan.result;
    const summary = storedSummary(join(dir, "bench.db"));
    const calls = scan.counters.totals.calls;
    // The SDK's CPU per call, start-up (imports) excluded: the floor's CPU term.
    const sdkCpuPerCallMs = ideal
      ? ideal.result.report.workCpuMs / Math.max(1, ideal.counters.totals.calls)
      : undefined;
    const floor = lowerBound(world, {
      observed: scan.counters,
      concurrency,
      cores,
      ...(sdkCpuPerCallMs !== undefined ? { cpuPerCallMs: sdkCpuPerCallMs } : {}),
    });
    const resources = countResources(world);
    const collectionSeconds = (r.events["collection.done"] ?? NaN) / 1000 - (scan.firstCallSeconds ?? NaN);
    const row = {
      scenario: name,
      title: def.title,
      world: `${def.world.accounts} acct × ${def.regions.length} reg${def.world.counts ? " (fixed counts)" : ` × ${def.world.scale}`}`,
      resources,
      resourcesStored: summary.resources,
      wallSeconds: round(r.seconds, 2),
      floorSeconds: round(floor.seconds, 2),
      floorTerm: floor.term,
      floorTerms: mapValues(floor.terms, (v) => round(v, 2)),
      bottleneck: floor.bottleneck
        ? `${floor.bottleneck.scope} ${floor.bottleneck.account}/${floor.bottleneck.region} (${floor.bottleneck.calls} calls)`
        : undefined,
      ratioToFloor: round(r.seconds / Math.max(floor.seconds, 0.001), 2),
      // The wall in three parts: start-up to the first call, collection, then evaluation and output.
      startupSeconds: round(scan.firstCallSeconds, 2),
      collectionSeconds: round(collectionSeconds, 2),
      afterCollectionSeconds: round(r.seconds - (r.events["collection.done"] ?? NaN) / 1000, 2),
      collectionRatioToFloor: round(collectionSeconds / Math.max(floor.seconds, 0.001), 2),
      apiCalls: calls,
      apiCallsPerResource: round(calls / Math.max(1, resources), 2),
      throttlesReceived: scan.counters.totals.throttles,
      throttlesRetried: summary.retries ?? summary.apiRetries,
      failedUnits: summary.coverage?.failed,
      deniedUnits: summary.coverage?.denied,
      resourcesPerSecond: round(resources / r.seconds, 0),
      scannerCpuSeconds: round(r.cpuMs / 1000, 2),
      scannerCpuPerCallMs: round(r.cpuMs / Math.max(1, calls), 3),
      peakRssMb: round(r.maxRssMb, 0),
      simulatorCpuSeconds: round(scan.simCpuMs / 1000, 2),
      ...(ideal
        ? {
            idealWallSeconds: round(ideal.result.report.seconds, 2),
            idealApiCalls: ideal.counters.totals.calls,
            idealThrottles: ideal.counters.totals.throttles,
            idealErrorResponses: ideal.result.report.errors, // absent policies and the like
            idealCpuPerCallMs: round(sdkCpuPerCallMs, 3),
            // The ideal's wall starts after its imports, so it compares with the collection part.
            dpscanOverIdealWall: round(collectionSeconds / ideal.result.report.seconds, 2),
            idealCpuSeconds: round(ideal.result.cpuMs / 1000, 2),
            dpscanOverIdealCpu: round(r.cpuMs / ideal.result.cpuMs, 2),
          }
        : {}),
      ...(scan.timeline ? { timeline: scan.timeline } : {}),
      ...(def.startup
        ? {
            timeToFirstCallSeconds: round(scan.firstCallSeconds, 2),
            timeToFirstOutputSeconds: round(r.firstOutputSeconds, 2),
          }
        : {}),
    };
    return row;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `dpscan --version`: the cost of starting the CLI, best of five. */
async function startup() {
  const runs = [];
  for (let i = 0; i < 5; i++)
    runs.push(await child([...launchFlags(), join(root, "bin/dpscan.js"), "--version"], {}));
  const best = runs.reduce((a, b) => (a.seconds < b.seconds ? a : b));
  return {
    scenario: "startup",
    title: "Start-up (dpscan --version, best of 5)",
    wallSeconds: round(best.seconds, 3),
    cpuSeconds: round(best.cpuMs / 1000, 3),
    peakRssMb: round(best.maxRssMb, 0),
  };
}

const round = (v, d) => (v === undefined || Number.isNaN(v) ? undefined : Number(v.toFixed(d)));
const mapValues = (o, f) => Object.fromEntries(Object.entries(o ?? {}).map(([k, v]) => [k, f(v)]));
const wanted = (name) => !only || only.includes(name);

const started = new Date();
const results = [];
for (const [name, make] of Object.entries(SCANS)) {
  if (!wanted(name)) continue;
  process.stderr.write(`bench: ${name}...\n`);
  try {
    results.push(await scanScenario(name, make()));
  } catch (err) {
    results.push({ scenario: name, error: String(err?.stack ?? err) });
  }
}
if (wanted("startup")) results.push(await startup());

// Modules of the other benchmarks (evaluation, store, reports, aggregator, ...).
const dir = join(root, "bench/scenarios");
let modules = [];
try {
  modules = readdirSync(dir)
    .filter((f) => f.endsWith(".mjs"))
    .sort();
} catch {
  // no scenario modules yet
}
for (const file of modules) {
  const name = file.replace(/\.mjs$/, "");
  if (!wanted(name)) continue;
  process.stderr.write(`bench: ${name}...\n`);
  const t0 = performance.now();
  try {
    const mod = await import(pathToFileURL(join(dir, file)).href);
    const result = await mod.run({ quick });
    results.push({ scenario: name, wallSeconds: round((performance.now() - t0) / 1000, 2), ...result });
  } catch (err) {
    results.push({ scenario: name, error: String(err?.stack ?? err) });
  }
}

const conditions = {
  date: started.toISOString(),
  quick,
  node: process.version,
  cpu: cpus()[0]?.model,
  cores,
  latency: `${latency.min}-${latency.max} ms uniform`,
  concurrency,
  dpscan: dpscanBin,
  args: args.join(" "),
  totalSeconds: round((Date.now() - started.getTime()) / 1000, 1),
  note: "shared machine: other work may run at the same time; figures are single runs",
};
let md = markdown(conditions, results);
try {
  // Formatted as the repository's Markdown is (npm run lint checks bench/results too).
  const prettier = await import("prettier");
  md = await prettier.format(md, { parser: "markdown", printWidth: 110 });
} catch {
  // prettier is a dev dependency: unformatted without it
}
const out = join(root, "bench/results");
mkdirSync(out, { recursive: true });
const stem = opt("name", `${started.toISOString().slice(0, 10)}${quick ? "-quick" : ""}`);
writeFileSync(join(out, `${stem}.json`), `${JSON.stringify({ conditions, results }, null, 2)}\n`);
writeFileSync(join(out, `${stem}.md`), md);
console.log(md);
console.log(`written: bench/results/${stem}.json, bench/results/${stem}.md`);
if (results.some((r) => r.error || r.failedUnits > 0)) process.exitCode = 1;

function markdown(c, rows) {
  const lines = [
    `# dpscan bench ${c.date}${c.quick ? " (--quick)" : ""}`,
    "",
    `Node ${c.node}, ${c.cpu}, ${c.cores} cores; simulator latency ${c.latency}; concurrency ${c.concurrency}; total ${c.totalSeconds} s. ${c.note}.`,
    "",
  ];
  for (const r of rows) {
    lines.push(`## ${r.title ?? r.scenario}`, "");
    if (r.error) {
      lines.push("```", r.error.slice(0, 2000), "```", "");
      continue;
    }
    lines.push("| measure | value |", "|---|---|");
    for (const [k, v] of Object.entries(r)) {
      if (k === "title" || k === "scenario" || k === "timeline" || v === undefined) continue;
      lines.push(`| ${k} | ${typeof v === "object" ? JSON.stringify(v).replaceAll("|", "\\|") : v} |`);
    }
    lines.push("");
    if (r.timeline) {
      lines.push("Timeline (simulator's view, seconds from the first call):", "");
      lines.push(
        "| operation | calls | first | last | rate after 1 s | calls per second |",
        "|---|---|---|---|---|---|",
      );
      for (const t of r.timeline)
        lines.push(
          `| ${t.op} | ${t.calls} | ${t.firstSeconds} | ${t.lastSeconds} | ${t.ratePerSecondAfterBurst ?? ""} | ${t.perSecond} |`,
        );
      lines.push("");
    }
  }
  return lines.join("\n");
}
