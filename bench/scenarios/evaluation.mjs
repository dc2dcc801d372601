// Scenario 3, evaluation: resource records through the full rule catalog (cross-resource rules
// included), (a) in memory on one core: records/s of the rule engine alone; (b) end to end:
// `dpscan evaluate --input` of a JSON Lines file of AWS Config items in its own process (read,
// store, judge, print the summary): wall time, records/s, CPU time and peak RSS.
//
//   npm run build && node bench/scenarios/evaluation.mjs [--quick] [--size N]
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cliOptions, dpscan, load, round, writeItemsFile } from "./lib/common.mjs";

export const name = "evaluation";

export async function run({ quick = false, size } = {}) {
  const endToEnd = size ?? (quick ? 50_000 : 1_000_000);
  const inMemory = Math.min(endToEnd, quick ? 20_000 : 200_000);
  const dir = mkdtempSync(join(tmpdir(), "dpscan-bench-eval-"));
  try {
    const file = join(dir, "items.jsonl");
    const bytes = await writeItemsFile(file, endToEnd);
    const memory = await engineRate(file, inMemory);
    const e = await dpscan(["--db", join(dir, "eval.db"), "evaluate", "--input", file]);
    return {
      scenario: name,
      rules: memory.rules,
      inMemory: {
        records: memory.records,
        results: memory.results,
        seconds: memory.seconds,
        recordsPerSecond: Math.round(memory.records / memory.seconds),
        cpuSeconds: memory.cpuSeconds,
        recordsPerCpuSecond: Math.round(memory.records / memory.cpuSeconds),
        target: "≥ 200,000 records/s",
      },
      endToEnd: {
        items: endToEnd,
        inputMb: round(bytes / 1e6, 0),
        seconds: e.seconds,
        recordsPerSecond: Math.round(endToEnd / e.seconds),
        cpuSeconds: e.cpuSeconds,
        peakRssMb: e.peakRssMb,
        target: "1M items < 60 s, peak RSS < 1024 MB",
      },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The rule engine alone over the first `n` items of `file`, read into memory first. */
export async function engineRate(file, n) {
  const { readConfigItems } = await load("collect/aws-config/snapshot-file.js");
  const { loadRules } = await load("rules/loader.js");
  const { evaluateRecords, relatedIndex, relatedPlan } = await load("rules/evaluate-scan.js");
  const { scanFactsOf } = await load("rules/scan-facts.js");
  const records = [];
  await readConfigItems([file], {
    put(record) {
      if (records.length < n) records.push({ pk: records.length + 1, record });
    },
    remove() {},
  });
  const rules = loadRules();
  const now = new Date();
  const started = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  const plan = relatedPlan(rules);
  const related = plan ? relatedIndex(records, plan, []) : undefined;
  const scan = scanFactsOf(records.map((r) => r.record));
  let results = 0;
  evaluateRecords(records, rules, { params: {}, now, scan, ...(related ? { related } : {}) }, (batch) => {
    results += batch.length;
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const used = process.cpuUsage(cpu);
  const cpuSeconds = (used.user + used.system) / 1e6;
  return {
    rules: rules.length,
    records: records.length,
    results,
    seconds: round(seconds, 2),
    cpuSeconds: round(cpuSeconds, 2),
  };
}

if (import.meta.url === `file://${process.argv[1]}`)
  console.log(JSON.stringify(await run(cliOptions()), null, 2));
