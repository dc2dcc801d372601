// `dpscan evaluate` of a scan large enough to be judged in worker threads, which start while the
// items are still being read and build their reference index from the rows committed so far
// (JudgeAhead). Only the built CLI has the worker script, so it runs in a process. Its findings are
// those judged in-process (a rewritten or removed row: test/app/judge-workers.test.ts), and a read
// that fails part-way ends the workers with the process.
import { statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { WORKER_THRESHOLD } from "../../src/app/judge.js";
import { SLICE_FILE_BYTES } from "../../src/collect/aws-config/snapshot-file.js";
import { Store } from "../../src/store/store.js";
import { ensureBuilt, runProcess } from "../helpers/process.js";
import { useTmpDir } from "../helpers/tmp.js";

const tmp = useTmpDir();
const ACCOUNT = "111122223333";
const TIME = "2026-11-01T00:00:00.000Z";
const KEYS = 400;

const keyArn = (k: number): string =>
  `arn:aws:kms:us-east-1:${ACCOUNT}:key/00000000-0000-4000-8000-${String(k).padStart(12, "0")}`;

const base = { configurationItemVersion: "1.3", awsAccountId: ACCOUNT, awsRegion: "us-east-1", tags: {} };

function key(k: number, keyManager: "AWS" | "CUSTOMER") {
  const arn = keyArn(k);
  return {
    ...base,
    configurationItemCaptureTime: TIME,
    configurationItemStatus: "OK",
    resourceType: "AWS::KMS::Key",
    resourceId: arn.slice(arn.lastIndexOf("/") + 1),
    arn,
    configuration: {
      keyId: arn.slice(arn.lastIndexOf("/") + 1),
      arn,
      keyManager,
      keyState: "Enabled",
      enabled: true,
    },
    supplementaryConfiguration: {},
  };
}

/** Volumes first (most of the scan), each under one of the keys, then the keys: an index built as rows land must hold both. */
function items(volumes: number): unknown[] {
  const out: unknown[] = [];
  for (let v = 0; v < volumes; v++) {
    const id = `vol-${v.toString(16).padStart(17, "0")}`;
    out.push({
      ...base,
      configurationItemCaptureTime: TIME,
      configurationItemStatus: "OK",
      resourceType: "AWS::EC2::Volume",
      resourceId: id,
      arn: `arn:aws:ec2:us-east-1:${ACCOUNT}:volume/${id}`,
      availabilityZone: "us-east-1a",
      // Tags that make the file large enough to be cut into slices for two parser threads.
      tags: { pad: "x".repeat(500) },
      configuration: { volumeId: id, encrypted: true, size: 8, kmsKeyId: keyArn(v % KEYS) },
      supplementaryConfiguration: {},
    });
  }
  for (let k = 0; k < KEYS; k++) out.push(key(k, k % 2 === 0 ? "AWS" : "CUSTOMER"));
  return out;
}

const lines = (rows: unknown[]): string => rows.map((r) => JSON.stringify(r)).join("\n") + "\n";

/** Every stored column of the latest scan's findings but row ids, in row order. */
function findings(db: string): unknown[] {
  const s = new Store(db, { readonly: true });
  try {
    const id = s.latestCompleteScan()?.id;
    return s.db
      .prepare("SELECT * FROM findings WHERE scan_id = ? ORDER BY id")
      .all(id)
      .map((row) => {
        const { id: _id, resource_pk: _pk, ...rest } = row as Record<string, unknown>;
        return rest;
      });
  } finally {
    s.close();
  }
}

async function evaluate(db: string, input: string, workers: number, parseWorkers = 2) {
  return runProcess([
    "--no-config",
    "--db",
    db,
    "evaluate",
    "--input",
    input,
    "--judge-workers",
    String(workers),
    "--parse-workers",
    String(parseWorkers),
  ]);
}

const VOLUMES = WORKER_THRESHOLD; // with the keys, past the threshold: judged in workers
beforeAll(() => ensureBuilt());

describe("evaluate judged in worker threads started during the read", () => {
  it("gives the in-process findings (and those of one parser thread, from two cutting the file into slices)", async () => {
    const dir = tmp();
    const input = join(dir, "items.jsonl");
    writeFileSync(input, lines(items(VOLUMES)));
    expect(statSync(input).size).toBeGreaterThan(SLICE_FILE_BYTES);
    const judged: unknown[][] = [];
    for (const workers of [2, 0]) {
      const db = join(dir, `${workers}.db`);
      const r = await evaluate(db, input, workers, workers === 0 ? 1 : 2);
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
      judged.push(findings(db));
    }
    const [inWorkers, inProcess] = judged;
    expect(inWorkers?.length).toBeGreaterThan(VOLUMES);
    expect(inWorkers).toEqual(inProcess);
    // Half the volumes are under AWS-managed keys: found through the index the workers built.
    const fails = (inWorkers ?? []).filter((f) => {
      const { rule_id, status } = f as { rule_id: string; status: string };
      return rule_id === "aws-managed-key-in-use" && status === "FAIL";
    });
    expect(fails).toHaveLength(VOLUMES / 2);
  }, 120_000);

  it("a read that fails after the workers started ends them: the process exits with the error", async () => {
    const dir = tmp();
    const bad = join(dir, "bad.jsonl");
    writeFileSync(bad, `${lines(items(VOLUMES + 1_000))}{"resourceType": broken\n`);
    const db = join(dir, "bad.db");
    const r = await evaluate(db, bad, 2);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${bad}:${VOLUMES + 1_000 + KEYS + 1}:`);
    expect(r.stderr).toContain("invalid JSON");
  }, 60_000);
});
