// The sharded-scan deployments (deploy/kubernetes/scan-indexed-job.yaml, deploy/aws-batch/*.json)
// parse, agree with themselves on N, use only flags dpscan has, and — run as written, with the
// index substituted and the simulator's endpoint added — scan four shards and merge them.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Command } from "commander";
import { parseAllDocuments } from "yaml";
import { describe, expect, it } from "vitest";
import { buildProgram } from "../../src/cli/main.js";
import { define as defineMerge } from "../../src/cli/merge.js";
import { define as defineScan } from "../../src/cli/scan.js";
import { resolveScanOptions, type ScanFlags } from "../../src/cli/scan-options.js";
import { EXIT } from "../../src/util/errors.js";
import { runWithSimEnv, withSim } from "../helpers/scan.js";
import { testWorld } from "../helpers/sim.js";
import { useTmpDir } from "../helpers/tmp.js";

const tmp = useTmpDir();

interface Container {
  command?: string[];
  args?: string[];
  env?: { name: string; value?: string }[];
  volumeMounts: { name: string; mountPath: string }[];
}
interface K8sDoc {
  kind: string;
  metadata: { name: string };
  spec: {
    completionMode?: string;
    completions?: number;
    parallelism?: number;
    suspend?: boolean;
    template: { spec: { containers: Container[]; volumes: { name: string; persistentVolumeClaim?: { claimName: string } }[] } };
  };
}

const k8s = parseAllDocuments(readFileSync("deploy/kubernetes/scan-indexed-job.yaml", "utf8")).map((d) => {
  expect(d.errors).toEqual([]);
  return d.toJS() as K8sDoc;
});
const job = (name: string): K8sDoc => {
  const j = k8s.find((d) => d.kind === "Job" && d.metadata.name === name);
  if (!j) throw new Error(`no Job ${name}`);
  return j;
};
const batchScan = JSON.parse(readFileSync("deploy/aws-batch/scan-array-job.json", "utf8")) as {
  parameters: Record<string, string>;
  containerProperties: { command: string[]; environment: { name: string; value: string }[] };
};
const batchMerge = JSON.parse(readFileSync("deploy/aws-batch/merge-job.json", "utf8")) as {
  parameters: Record<string, string>;
  containerProperties: { command: string[] };
};

const GLOBALS = new Map(buildProgram().options.map((o) => [o.long ?? "", o.required || o.optional]));

/**
 * A dpscan command line split into global flags, the command and its own arguments; every flag
 * must be one the command (or the program) defines. Returns the command's parsed options.
 */
function parsed(argv: readonly string[]): { command: string; opts: ScanFlags; operands: string[] } {
  let i = 0;
  for (; i < argv.length && argv[i]!.startsWith("-"); i++) {
    expect(GLOBALS.has(argv[i]!), `global flag ${argv[i]}`).toBe(true);
    if (GLOBALS.get(argv[i]!)) i++;
  }
  const command = argv[i] ?? "";
  const cmd = new Command(command).exitOverride();
  if (command === "scan") defineScan(cmd);
  else if (command === "merge") defineMerge(cmd);
  else throw new Error(`unexpected command "${command}"`);
  const { operands, unknown } = cmd.parseOptions(argv.slice(i + 1));
  expect(unknown, `unknown flags of dpscan ${command}`).toEqual([]);
  return { command, opts: cmd.opts<ScanFlags>(), operands };
}

/** `sh -c SCRIPT NAME ARGS...` with the variables the script uses set: the words it runs. */
function shellWords(command: readonly string[], vars: Record<string, string>): string[] {
  expect(command.slice(0, 2)).toEqual(["sh", "-c"]);
  const script = command[2] ?? "";
  const positional = command.slice(4);
  const expanded = script.replace(/\$(\w+)/g, (_, v: string) => {
    const value = /^\d+$/.test(v) ? positional[Number(v) - 1] : vars[v];
    if (value === undefined) throw new Error(`script uses $${v}, which is not set`);
    return value;
  });
  // The script's words are plain or double-quoted (what this file's scripts use).
  const words = [...expanded.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2] ?? "");
  expect(words[0]).toBe("exec");
  expect(words[1]).toBe("dpscan");
  return words.slice(2);
}

const N = 4;

describe("Kubernetes Indexed Job for sharded scans", () => {
  const shards = job("dpscan-scan-shards");
  const merge = job("dpscan-merge");
  const scanArgs = shards.spec.template.spec.containers[0]!.args ?? [];
  const mergeArgs = merge.spec.template.spec.containers[0]!.args ?? [];

  it("is an Indexed Job of N completions whose index is --shard, and a suspended merge of N shard files", () => {
    expect(shards.spec.completionMode).toBe("Indexed");
    expect(shards.spec.completions).toBe(N);
    expect(shards.spec.parallelism).toBeLessThanOrEqual(N);
    expect(merge.spec.suspend).toBe(true);
    for (const j of [shards, merge]) expect(j.spec.template.spec.containers[0]!.command).toEqual(["dpscan"]);
    const scan = parsed(scanArgs);
    expect(scan.command).toBe("scan");
    expect(scan.opts.shard).toBe(`$(JOB_COMPLETION_INDEX)/${N}`);
    for (let k = 0; k < N; k++) {
      const argv = scanArgs.map((a) => a.replaceAll("$(JOB_COMPLETION_INDEX)", String(k)));
      const { opts } = parsed(argv);
      expect(resolveScanOptions(opts, {}, { data: {} }).options.shard).toBe(`${k}/${N}`);
    }
    const m = parsed(mergeArgs);
    expect(m.command).toBe("merge");
    const db = scanArgs[scanArgs.indexOf("--db") + 1]!;
    expect(m.operands.slice(1)).toEqual(
      Array.from({ length: N }, (_, k) => db.replace("$(JOB_COMPLETION_INDEX)", String(k))),
    );
    // Both write to the same claim, mounted at the same place.
    const claim = (j: K8sDoc) => j.spec.template.spec.volumes.find((v) => v.persistentVolumeClaim)?.persistentVolumeClaim;
    expect(claim(shards)).toEqual(claim(merge));
    expect(k8s.some((d) => d.kind === "PersistentVolumeClaim" && d.metadata.name === claim(shards)?.claimName)).toBe(true);
  });

  it("scans and merges as written (the index substituted, the volume a folder, the simulator's endpoint)", async () => {
    const dir = tmp();
    const local = (a: string): string => a.replaceAll("/data/", `${dir}/`);
    await withSim(testWorld(), async (sim) => {
      for (let k = 0; k < N; k++) {
        const argv = scanArgs.map((a) => local(a.replaceAll("$(JOB_COMPLETION_INDEX)", String(k))));
        const r = await runWithSimEnv(sim, [...argv, "--quiet", "--endpoint-url", sim.endpoint]);
        expect(r.stderr).toBe("");
        expect(r.code).toBe(EXIT.ok);
      }
      const r = await runWithSimEnv(sim, mergeArgs.map(local));
      expect(r.code).toBe(EXIT.ok);
      expect(r.stdout).toMatch(/^Scan 1 complete \(database .*dpscan\.db\)\.\nMerged 4 shard\(s\)/);
      expect(JSON.parse(readFileSync(join(dir, "merged-findings.json"), "utf8")).scan.complete).toBe(true);
    });
  });
});

describe("AWS Batch array job for sharded scans", () => {
  const vars = { AWS_BATCH_JOB_ARRAY_INDEX: "0" };
  const params = batchScan.parameters;
  const resolve = (words: string[]): string[] => words.map((w) => w.replace(/^Ref::(\w+)$/, (_, p: string) => params[p] ?? w));

  it("runs one shard per array index and merges the N shard files", () => {
    expect(params.shards).toBe(String(N));
    const command = resolve(batchScan.containerProperties.command);
    for (let k = 0; k < N; k++) {
      const words = shellWords(command, { ...vars, AWS_BATCH_JOB_ARRAY_INDEX: String(k) });
      const scan = parsed(words);
      expect(scan.command).toBe("scan");
      expect(resolveScanOptions(scan.opts, {}, { data: {} }).options.shard).toBe(`${k}/${N}`);
    }
    const words = shellWords(command, vars);
    const db = words[words.indexOf("--db") + 1]!;
    const mergeWords = batchMerge.containerProperties.command.map((w) =>
      w.replace(/^Ref::(\w+)$/, (_, p: string) => batchMerge.parameters[p] ?? w),
    );
    expect(mergeWords[0]).toBe("dpscan");
    const m = parsed(mergeWords.slice(1));
    expect(m.command).toBe("merge");
    expect(m.operands.slice(1)).toEqual(Array.from({ length: N }, (_, k) => db.replace("shard-0", `shard-${k}`)));
  });
});
