// `dpscan merge OUT.db IN.db...`: the shard scans of `scan --shard K/N` joined into one scan.
// The shards' collected data (resources, coverage, finished units) is copied, and the merged
// whole is judged again with the very rules the shards used: a cross-account rule (a key in one
// shard used by a volume in another, kms-key-deletion-in-use) can only be judged over all of it.
import { existsSync, realpathSync } from "node:fs";
import { resolve } from "node:path";
import { ORGANIZATION_LISTING } from "../collect/live-scan.js";
import { parseShard, shardText, type Shard } from "../collect/shard.js";
import type { JsonObject } from "../model/resource.js";
import { optionSpecs, type ScanOptions } from "../model/scan-options.js";
import type { Rule } from "../rules/rule.js";
import { copyShardScan, scannedAccounts } from "../store/merge.js";
import { Store, type ScanRow } from "../store/store.js";
import { EXIT, InputError } from "../util/errors.js";
import { deepEqual } from "../util/json.js";
import { judgeScanAsync } from "./judge.js";
import { runLifecycle } from "./lifecycle.js";
import { describeScope, RUN_OPTIONS } from "./scan.js";

export interface MergeDeps {
  /** The database the merged scan is added to (opened only once the shards pass every check). */
  out: string;
  /** The shard databases; each one's latest `scan` is its shard. */
  inputs: readonly string[];
  /** Loaded rules (built-in or --rules DIR): the shards' rules are taken from them, by hash. */
  rules: readonly Rule[];
  notice?(line: string): void;
  /** Shard scans that started further apart than this are not one run (default MAX_SPREAD_HOURS). */
  maxSpreadHours?: number;
}

/** A shard scan that started this much before the newest one is taken for an earlier run's. */
export const MAX_SPREAD_HOURS = 24;

export interface ShardInfo {
  shard: string;
  database: string;
  scanId: number;
  status: string;
  accounts: number;
}

export interface MergeResult {
  status: "complete" | "incomplete" | "interrupted";
  scanId: number;
  /** Why the merged scan is not complete: a shard missing, failed or unfinished. */
  reason?: string;
  shards: ShardInfo[];
  exitCode: number;
}

interface ShardScan {
  path: string;
  scan: ScanRow;
  shard: Shard;
  rules: Map<string, { sha256: string; params: JsonObject }>;
  accounts: string[];
}

/** Thrown by the merge's body when it stored everything it had, but a shard was missing or bad. */
class IncompleteMerge extends Error {
  constructor(
    readonly scanId: number,
    reason: string,
    readonly summary: JsonObject,
  ) {
    super(reason);
  }
}

export async function runMerge(deps: MergeDeps): Promise<MergeResult> {
  const shards = readShards(deps);
  checkShards(shards, deps.rules);
  const first = shards[0] as ShardScan;
  const count = first.shard.count;
  const byIndex = new Map(shards.map((s) => [s.shard.index, s]));
  const ordered = [...shards].sort((a, b) => a.shard.index - b.shard.index);
  const problems: string[] = [];
  for (let k = 0; k < count; k++) if (!byIndex.has(k)) problems.push(`shard ${k}/${count} is missing`);
  for (const s of ordered) {
    const status = s.scan.stale ? "stale (its process is gone)" : s.scan.status;
    if (s.scan.status !== "complete")
      problems.push(
        `shard ${shardText(s.shard)} (${s.path} scan ${s.scan.id}) is ${status}${s.scan.error ? `: ${s.scan.error}` : ""}`,
      );
  }
  // Each run adds a scan to every shard's database and the merge takes the latest: a shard whose
  // latest scan is much older than the others' is left over from an earlier run.
  const newest = Math.max(...shards.map((s) => Date.parse(s.scan.startedAt)));
  const spread = deps.maxSpreadHours ?? MAX_SPREAD_HOURS;
  for (const s of ordered) {
    const hours = (newest - Date.parse(s.scan.startedAt)) / 3_600_000;
    if (hours > spread)
      problems.push(
        `shard ${shardText(s.shard)} (${s.path} scan ${s.scan.id}) started ${hours.toFixed(1)} h before the newest shard: an earlier run's (more than ${spread} h apart)`,
      );
  }
  const rules = deps.rules.filter((r) => first.rules.has(r.id));
  const params: Record<string, Record<string, unknown>> = {};
  for (const [id, r] of first.rules) if (Object.keys(r.params).length > 0) params[id] = r.params;
  const options = { ...first.scan.options } as Record<string, unknown>;
  delete options.shard;
  const infos: ShardInfo[] = ordered.map((s) => ({
    shard: shardText(s.shard),
    database: s.path,
    scanId: s.scan.id,
    status: s.scan.status,
    accounts: s.accounts.length,
  }));
  // Judged as of the earliest shard's start: one evaluation time for the whole scan.
  const now = new Date(Math.min(...shards.map((s) => Date.parse(s.scan.startedAt))));
  const out = new Store(deps.out);
  try {
    const outcome = await runLifecycle(
      out,
      {
        kind: "scan",
        source: `merge of ${count} shard(s): ${describeScope(options as unknown as ScanOptions)}`,
        options: options as JsonObject,
        now,
      },
      async (scan) => {
        out.recordRules(scan.id, rules, params);
        for (const s of ordered) {
          const from = new Store(s.path, { readonly: true });
          try {
            copyShardScan(from, s.scan.id, out, scan.id, ORGANIZATION_LISTING);
          } finally {
            from.close();
          }
          scan.signal.throwIfAborted();
        }
        const { summary: judged } = await judgeScanAsync(out, scan, rules, params);
        const { coverage, ...evaluation } = judged;
        const total = (key: string): number =>
          ordered.reduce(
            (n, s) => n + (typeof s.scan.summary?.[key] === "number" ? s.scan.summary[key] : 0),
            0,
          );
        const summary: JsonObject = {
          ...evaluation,
          accounts: ordered.reduce((n, s) => n + s.accounts.length, 0),
          accountsSkipped: total("accountsSkipped"),
          apiCalls: total("apiCalls"),
          throttles: total("throttles"),
          retries: total("retries"),
          coverage: coverage ?? null,
          shards: infos as unknown as JsonObject,
        };
        if (problems.length > 0) throw new IncompleteMerge(scan.id, problems.join("; "), summary);
        return { summary, value: undefined };
      },
      deps.notice ? { notice: deps.notice } : {},
    );
    if (outcome.status === "interrupted")
      return { status: "interrupted", scanId: outcome.scanId, shards: infos, exitCode: outcome.exitCode };
    return { status: "complete", scanId: outcome.scanId, shards: infos, exitCode: EXIT.ok };
  } catch (err) {
    if (!(err instanceof IncompleteMerge)) throw err;
    // Stored as failed, with its reason and its summary: never read as a complete scan.
    out.finishScan(err.scanId, "failed", err.summary, `incomplete merge: ${err.message}`);
    return {
      status: "incomplete",
      scanId: err.scanId,
      reason: err.message,
      shards: infos,
      exitCode: EXIT.incompleteCoverage,
    };
  } finally {
    out.close();
  }
}

/** Each input's latest scan, read without writing to it. */
function readShards(deps: MergeDeps): ShardScan[] {
  const problems: string[] = [];
  const outPath = canonical(deps.out);
  const seen = new Map<string, string>();
  const shards: ShardScan[] = [];
  for (const path of deps.inputs) {
    const real = canonical(path);
    if (real === outPath) {
      problems.push(`${path}: is the output database; merge into a new or another database`);
      continue;
    }
    const twice = seen.get(real);
    if (twice !== undefined) {
      problems.push(`${path}: given twice (also as ${twice})`);
      continue;
    }
    seen.set(real, path);
    if (!existsSync(path)) {
      problems.push(`${path}: no such file`);
      continue;
    }
    const store = new Store(path, { readonly: true });
    try {
      const scan = store.listScans(Number.MAX_SAFE_INTEGER).find((s) => s.kind === "scan");
      if (!scan) {
        problems.push(`${path}: holds no scan`);
        continue;
      }
      const text = scan.options.shard;
      if (typeof text !== "string") {
        problems.push(`${path}: scan ${scan.id} was not run with --shard K/N`);
        continue;
      }
      shards.push({
        path,
        scan,
        shard: parseShard(text),
        rules: new Map(store.scanRules(scan.id).map((r) => [r.id, { sha256: r.sha256, params: r.params }])),
        accounts: scannedAccounts(store, scan.id, ORGANIZATION_LISTING),
      });
    } finally {
      store.close();
    }
  }
  if (problems.length > 0) throw new InputError(problems);
  if (shards.length === 0) throw new InputError(["merge: no shard databases given"]);
  return shards;
}

function canonical(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return resolve(path);
  }
}

const name = (s: ShardScan): string => `${s.path} (shard ${shardText(s.shard)})`;

/**
 * Shards that cannot make one scan are refused: different shard counts, the same shard twice,
 * scopes or rule sets that differ, accounts scanned by two shards, or rules that are no longer
 * the ones the shards were judged by.
 */
function checkShards(shards: readonly ShardScan[], loaded: readonly Rule[]): void {
  const problems: string[] = [];
  const first = shards[0] as ShardScan;
  const byIndex = new Map<number, ShardScan>();
  const owner = new Map<string, ShardScan>();
  for (const s of shards) {
    if (s.shard.count !== first.shard.count)
      problems.push(
        `${name(s)}: split into ${s.shard.count} shards, but ${name(first)} into ${first.shard.count}`,
      );
    const same = byIndex.get(s.shard.index);
    if (same) problems.push(`${name(s)}: the same shard as ${same.path}`);
    else byIndex.set(s.shard.index, s);
    if (s !== first) {
      problems.push(...scopeDifferences(first, s));
      problems.push(...ruleDifferences(first, s));
    }
    for (const a of s.accounts) {
      const other = owner.get(a);
      if (other && other !== s)
        problems.push(`account ${a} was scanned by both ${name(other)} and ${name(s)}`);
      else owner.set(a, s);
    }
  }
  const rules = new Map(loaded.map((r) => [r.id, r]));
  for (const [id, r] of first.rules) {
    const now = rules.get(id);
    if (!now)
      problems.push(
        `rule ${id}: the shards were judged by it, but the rules given have no such rule; pass --rules with the rule files the shards used`,
      );
    else if (now.sha256 !== r.sha256)
      problems.push(
        `rule ${id}: its file changed since the shards were judged (sha256 ${r.sha256.slice(0, 12)}… then, ${now.sha256.slice(0, 12)}… now); pass --rules with the rule files the shards used`,
      );
  }
  if (problems.length > 0) throw new InputError(problems);
}

function scopeDifferences(a: ShardScan, b: ShardScan): string[] {
  const out: string[] = [];
  for (const [key, spec] of optionSpecs()) {
    if (RUN_OPTIONS.has(key) || key === "shard" || spec.settings === false) continue;
    const x = a.scan.options[key] ?? null;
    const y = b.scan.options[key] ?? null;
    if (!deepEqual(x, y)) {
      const flag = /--[a-z0-9-]+/.exec(spec.flag ?? "")?.[0] ?? key;
      out.push(`${name(b)}: ${flag} ${JSON.stringify(y)} differs from ${name(a)}'s ${JSON.stringify(x)}`);
    }
  }
  return out;
}

function ruleDifferences(a: ShardScan, b: ShardScan): string[] {
  const out: string[] = [];
  for (const [id, r] of a.rules) {
    const other = b.rules.get(id);
    if (!other) out.push(`${name(b)}: was not judged by rule ${id}, which ${name(a)} was`);
    else if (other.sha256 !== r.sha256)
      out.push(`${name(b)}: rule ${id} has another text (sha256) than in ${name(a)}: different rule sets`);
    else if (!deepEqual(other.params, r.params))
      out.push(`${name(b)}: rule ${id} ran with other parameters than in ${name(a)}`);
  }
  for (const id of b.rules.keys())
    if (!a.rules.has(id)) out.push(`${name(b)}: was judged by rule ${id}, which ${name(a)} was not`);
  return out;
}
