// Shared by the evaluation, store and reports scenarios: the compiled modules (dist/), a generated
// world's AWS Config items, peak RSS of a child process, and a dpscan run measured from outside.
import { spawn } from "node:child_process";
import { createWriteStream, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

export const root = resolve(import.meta.dirname, "../../..");
export const load = (p) => import(pathToFileURL(join(root, "dist", p)).href);

/**
 * The AWS Config items of a generated world, `count` of them (the world is sized to hold at least
 * that many; lazy, so only the items walked exist), in the simulator's order.
 */
export async function* worldItems(count, seed = 1) {
  const { generateWorld } = await load("sim/world/generate.js");
  const { RECORDED_TYPES, globalRecordingRegion } = await load("sim/services/config-items.js");
  // ≈ scale resources per (account, region); 4 regions; enough accounts for `count`.
  const scale = 500;
  const regions = 4;
  const accounts = Math.max(1, Math.ceil((count * 2) / (scale * regions)));
  const world = generateWorld({ accounts, regions, scale, seed });
  let n = 0;
  for (let a = 0; a < world.accounts.size; a++) {
    const account = world.accounts.at(a);
    const home = globalRecordingRegion(account);
    for (const rt of RECORDED_TYPES) {
      const where = rt.scope === "region" ? account.enabledRegions : [home];
      for (const region of where) {
        const size = rt.size(account, region);
        for (let i = 0; i < size; i++) {
          const item = rt.item(account, region, i);
          if (item === undefined) continue;
          yield item;
          if (++n >= count) return;
        }
      }
    }
  }
  if (n < count) throw new Error(`the world held only ${n} of ${count} items`);
}

/** Write `count` items as JSON Lines to `file`; resolves with the bytes written. */
export async function writeItemsFile(file, count, seed = 1) {
  const out = createWriteStream(file);
  let bytes = 0;
  let buf = "";
  for await (const item of worldItems(count, seed)) {
    buf += `${JSON.stringify(item)}\n`;
    if (buf.length > 1 << 20) {
      bytes += buf.length;
      if (!out.write(buf)) await new Promise((r) => out.once("drain", r));
      buf = "";
    }
  }
  bytes += buf.length;
  out.end(buf);
  await new Promise((r, j) => out.on("finish", r).on("error", j));
  return bytes;
}

/** The node flags a dpscan launcher's `#!/usr/bin/env -S node FLAGS` line gives the installed command. */
export function launchFlags(bin = join(root, "bin/dpscan.js")) {
  const first = readFileSync(bin, "utf8").split("\n", 1)[0] ?? "";
  const m = /^#!\S*env\s+(?:-S\s+)?node((?:\s+--\S+)*)\s*$/.exec(first);
  return m ? m[1].trim().split(/\s+/).filter(Boolean) : [];
}

/**
 * Run `dpscan ARGS` in its own process, as the installed command runs (launchFlags); resolves with wall seconds, exit code, peak RSS (MB),
 * CPU seconds of the child, and what it printed on stderr (stdout goes to `stdoutFile` or is dropped).
 */
export function dpscan(args, { stdout = "ignore", env = {}, codes = [0, 3] } = {}) {
  return new Promise((ok, fail) => {
    const started = process.hrtime.bigint();
    const bin = join(root, "bin/dpscan.js");
    const child = spawn(process.execPath, [...launchFlags(bin), bin, "--no-config", ...args], {
      env: {
        PATH: process.env.PATH,
        HOME: tmpdir(),
        NODE_OPTIONS: `--require ${join(root, "bench/scenarios/lib/usage.cjs")}`,
        ...env,
      },
      stdio: ["ignore", stdout, "pipe"],
    });
    let err = "";
    child.stderr.on("data", (d) => (err += d));
    child.on("error", fail);
    child.on("close", (code) => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const rss = /DPSCAN_BENCH_MAXRSS_KB (\d+)/.exec(err);
      const cpu = /DPSCAN_BENCH_CPU_US (\d+)/.exec(err);
      if (!codes.includes(code))
        return fail(new Error(`dpscan ${args.join(" ")} exited ${code}: ${err.slice(-2000)}`));
      ok({
        seconds: round(seconds, 2),
        code,
        peakRssMb: rss ? Math.round(Number(rss[1]) / 1024) : null,
        cpuSeconds: cpu ? round(Number(cpu[1]) / 1e6, 2) : null,
        stderr: err,
      });
    });
  });
}

export const round = (x, d = 1) => Number(x.toFixed(d));

/** `--quick` and `--size N` from a standalone command line. */
export function cliOptions(argv = process.argv.slice(2)) {
  const i = argv.indexOf("--size");
  return { quick: argv.includes("--quick"), ...(i >= 0 ? { size: Number(argv[i + 1]) } : {}) };
}

/**
 * `nights` scans of the same `resources` resources (AWS Config items of a generated world) with
 * the findings the full catalog gives them (a few change status each night), written to `db` as
 * judgeScan writes them. Resolves with the findings written and the seconds (wall and this
 * process's CPU) spent writing them.
 */
export async function writeScans({ dir, db, resources, nights }) {
  const { Store } = await load("store/store.js");
  const { loadRules } = await load("rules/loader.js");
  const { evaluateRecords, relatedIndex, relatedPlan } = await load("rules/evaluate-scan.js");
  const { readConfigItems } = await load("collect/aws-config/snapshot-file.js");
  const file = join(dir, "items.jsonl");
  await writeItemsFile(file, resources);
  const records = [];
  await readConfigItems([file], { put: (r) => records.push(r), remove() {} });
  rmSync(file);
  const rules = loadRules();
  const plan = relatedPlan(rules);
  const rows = records.map((record) => ({ record }));
  const related = plan ? relatedIndex(rows, plan, []) : undefined;
  const findings = [];
  evaluateRecords(rows, rules, { params: {}, now: new Date(), ...(related ? { related } : {}) }, (b) => {
    for (const f of b) findings.push(f);
  });
  const index = new Map(records.map((r, i) => [r, i]));
  const store = new Store(db);
  let written = 0;
  let writeSeconds = 0;
  let writeCpuSeconds = 0;
  let lastScan = 0;
  const cpu = (from) => {
    const u = process.cpuUsage(from);
    return (u.user + u.system) / 1e6;
  };
  for (let night = 0; night < nights; night++) {
    const day = new Date(Date.UTC(2026, 10, 1 + night));
    const id = store.beginScan("evaluate", `night ${night + 1}`, {}, day);
    store.recordRules(id, rules, {});
    const pks = store.insertResources(id, records);
    // A few findings change status each night, so first-seen and changes have work to do. Built
    // before the clock starts: the store's writing is measured, not this copy.
    const tonight = findings.map((f, i) => ({
      ...f,
      resourcePk: pks[index.get(f.resource)],
      status: (i + night) % 97 === 0 ? (f.status === "PASS" ? "FAIL" : "PASS") : f.status,
    }));
    const started = process.hrtime.bigint();
    const startedCpu = process.cpuUsage();
    store.insertFindings(id, tonight);
    writeSeconds += Number(process.hrtime.bigint() - started) / 1e9;
    writeCpuSeconds += cpu(startedCpu);
    written += findings.length;
    store.finishScan(id, "complete", {});
    lastScan = id;
  }
  store.close();
  return {
    lastScan,
    written,
    writeSeconds,
    writeCpuSeconds,
    findingsPerScan: findings.length,
  };
}
