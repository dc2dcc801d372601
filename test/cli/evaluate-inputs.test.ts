// `evaluate --input` on what AWS Config really delivers: gzipped snapshot and history files, a
// directory of them, standard input; streamed with bounded memory; repeated resources decided by
// capture time, never by the order of the arguments.
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { beforeAll, describe, expect, it } from "vitest";
import { readConfigItems } from "../../src/collect/aws-config/snapshot-file.js";
import type { ResourceRecord } from "../../src/model/resource.js";
import { Store } from "../../src/store/store.js";
import { runCli } from "../helpers/cli.js";
import { ensureBuilt, runProcess } from "../helpers/process.js";
import { useTmpDir } from "../helpers/tmp.js";

const tmp = useTmpDir();
const ACCOUNT = "111122223333";

const volume = (id: string, encrypted: boolean, time: string, status = "OK") => ({
  configurationItemVersion: "1.3",
  configurationItemCaptureTime: time,
  configurationItemStatus: status,
  configurationStateId: String(Date.parse(time)),
  resourceType: "AWS::EC2::Volume",
  resourceId: id,
  arn: `arn:aws:ec2:us-east-1:${ACCOUNT}:volume/${id}`,
  awsAccountId: ACCOUNT,
  awsRegion: "us-east-1",
  availabilityZone: "us-east-1a",
  tags: {},
  relationships: [],
  configuration: { volumeId: id, encrypted, size: 8 },
  supplementaryConfiguration: {},
});

/** A file as AWS Config writes it to S3: {"fileVersion", "configSnapshotId"/"requestId", "configurationItems"}. */
const configFile = (items: unknown[], kind: "snapshot" | "history" = "snapshot") =>
  JSON.stringify({
    fileVersion: "1.0",
    ...(kind === "snapshot" ? { configSnapshotId: "94ccff53-83be-42d9-996f-b4624b3c1a55" } : {}),
    configurationItems: items,
  });

interface JsonFinding {
  ruleId: string;
  status: string;
  resourceId: string;
}

async function evaluate(db: string, ...inputs: string[]) {
  const r = await runCli(["--db", db, "evaluate", "--input", ...inputs, "--rule", "ebs-volume-unencrypted"]);
  return r;
}

function volumeStatus(db: string): Record<string, string> {
  const s = new Store(db);
  try {
    const id = s.latestCompleteScan()?.id ?? 0;
    return Object.fromEntries(s.queryFindings(id).map((f) => [f.resourceId, f.status]));
  } finally {
    s.close();
  }
}

describe("evaluate --input: what AWS Config delivers to S3", () => {
  it("reads .json.gz snapshot and history files from a directory tree, in sorted order, newest capture winning", async () => {
    const dir = tmp();
    const base = join(dir, "AWSLogs", ACCOUNT, "Config", "us-east-1", "2026", "11", "1");
    mkdirSync(join(base, "ConfigSnapshot"), { recursive: true });
    mkdirSync(join(base, "ConfigHistory"), { recursive: true });
    writeFileSync(
      join(base, "ConfigSnapshot", `${ACCOUNT}_Config_us-east-1_ConfigSnapshot_20261101T000000Z_x.json.gz`),
      gzipSync(
        configFile([
          volume("vol-a", true, "2026-11-01T00:00:00Z"),
          volume("vol-b", true, "2026-11-01T00:00:00Z"),
          volume("vol-c", false, "2026-11-01T00:00:00Z"),
          {
            resourceType: "AWS::Lambda::Function",
            resourceId: "f",
            awsAccountId: ACCOUNT,
            awsRegion: "us-east-1",
          },
          {
            resourceType: "AWS::Lambda::Function",
            resourceId: "g",
            awsAccountId: ACCOUNT,
            awsRegion: "us-east-1",
          },
          { resourceType: "AWS::SNS::Topic", resourceId: "t", awsAccountId: ACCOUNT, awsRegion: "us-east-1" },
        ]),
      ),
    );
    // Six hours later: vol-a was decrypted (two changes), vol-c deleted.
    writeFileSync(
      join(
        base,
        "ConfigHistory",
        `${ACCOUNT}_Config_us-east-1_ConfigHistory_AWS::EC2::Volume_20261101T060000Z_1.json.gz`,
      ),
      gzipSync(
        configFile(
          [
            volume("vol-a", true, "2026-11-01T02:00:00Z"),
            volume("vol-a", false, "2026-11-01T05:00:00Z"),
            volume("vol-c", false, "2026-11-01T04:00:00Z", "ResourceDeleted"),
          ],
          "history",
        ),
      ),
    );
    writeFileSync(join(dir, "AWSLogs", ACCOUNT, "Config", "ConfigWritabilityCheckFile"), "");
    const db = join(dir, "d.db");
    const r = await evaluate(db, dir);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(volumeStatus(db)).toEqual({ "vol-a": "FAIL", "vol-b": "PASS" });
    expect(r.stdout).toContain("Scan 1 complete (database ");
    expect(r.stdout).toContain("2 resources from 2 file(s)");
    expect(r.stdout).toContain(
      "Ignored 3 item(s) of 2 type(s) no rule covers: AWS::Lambda::Function (2), AWS::SNS::Topic (1).",
    );
    expect(r.stdout).toContain("Skipped 1 file(s)");
    expect(r.stdout).toMatch(/Superseded: 3 older or repeated item\(s\)/);
    const s = new Store(db);
    expect(s.getScan(1)?.summary).toMatchObject({ deleted: 1, superseded: 3, resources: 2 });
    s.close();
  });

  it("the same resource in several files: the newest capture decides, whatever the order of the files, and it is reported", async () => {
    const dir = tmp();
    // An older capture of vol-1 (encrypted) listed last must not turn the current FAIL into PASS.
    writeFileSync(join(dir, "new.json"), configFile([volume("vol-1", false, "2026-10-02T00:00:00Z")]));
    writeFileSync(join(dir, "old.json"), configFile([volume("vol-1", true, "2026-09-01T00:00:00Z")]));
    for (const order of [
      ["new.json", "old.json"],
      ["old.json", "new.json"],
    ]) {
      const db = join(dir, `${order[0]}.db`);
      const r = await evaluate(db, ...order.map((f) => join(dir, f)));
      expect(r.code).toBe(0);
      expect(volumeStatus(db)).toEqual({ "vol-1": "FAIL" });
      expect(r.stdout).toMatch(
        /AWS::EC2::Volume vol-1: .*old\.json \(2026-09-01T00:00:00\.000Z\) superseded by .*new\.json \(2026-10-02T00:00:00\.000Z\)/,
      );
    }
  });

  it("two different items of one resource captured at the same instant are ambiguous: exit 2, nothing stored", async () => {
    const dir = tmp();
    writeFileSync(join(dir, "a.json"), configFile([volume("vol-1", false, "2026-10-02T00:00:00Z")]));
    writeFileSync(join(dir, "b.json"), configFile([volume("vol-1", true, "2026-10-02T00:00:00Z")]));
    // An identical repeat is harmless.
    writeFileSync(join(dir, "c.json"), configFile([volume("vol-1", false, "2026-10-02T00:00:00Z")]));
    const db = join(dir, "amb.db");
    expect((await evaluate(db, join(dir, "a.json"), join(dir, "c.json"))).code).toBe(0);
    const r = await evaluate(db, join(dir, "a.json"), join(dir, "b.json"));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /b\.json:1:\d+: configurationItems\[0\]: AWS::EC2::Volume vol-1 has two different configuration items captured at 2026-10-02T00:00:00Z \(the other in .*a\.json\); cannot tell which is current/,
    );
    const s = new Store(db);
    expect(s.listScans().map((x) => [x.id, x.status])).toEqual([[1, "complete"]]);
    s.close();
  });

  it("streams a large .json.gz with bounded memory: it never holds the file, only an item and a chunk", async () => {
    const dir = tmp();
    const n = 25_000;
    const items = Array.from({ length: n }, (_, i) =>
      volume(`vol-${String(i).padStart(6, "0")}`, i % 3 !== 0, "2026-10-01T00:00:00Z"),
    );
    const text = configFile(items);
    const file = join(dir, "big.json.gz");
    writeFileSync(file, gzipSync(text));
    const put: ResourceRecord[] = [];
    let stats: { chunks: number; maxChunk: number; maxBufferedChars: number } | undefined;
    // The newest capture of each resource is indexed in the store's temporary table, not in memory.
    const store = new Store(join(dir, "index.db"));
    const summary = await readConfigItems(
      [file],
      { put: (r) => void (put.length < 1 ? put.push(r) : undefined), remove: () => undefined },
      { chunkSize: 16 * 1024, onFileDone: (_f, s) => (stats = s), index: () => store.captureIndex() },
    );
    expect(summary.records).toBe(n);
    expect(store.db.prepare("SELECT COUNT(*) FROM temp.capture_index").pluck().get()).toBe(n);
    store.close();
    expect(text.length).toBeGreaterThan(10_000_000);
    // Read in many small chunks, and never more text held than a chunk's worth plus an item or two.
    expect(stats?.chunks).toBeGreaterThan(5);
    expect(stats?.maxChunk).toBeLessThanOrEqual(16 * 1024);
    expect(stats?.maxBufferedChars).toBeLessThan(200 * 1024);
  });

  it("bad input in a gzip, a directory or a stream is a clear error", async () => {
    const dir = tmp();
    writeFileSync(join(dir, "bad.json.gz"), Buffer.from([0x1f, 0x8b, 1, 2, 3, 4]));
    const gz = await runCli(["--db", join(dir, "x.db"), "evaluate", "--input", join(dir, "bad.json.gz")]);
    expect(gz.code).toBe(2);
    expect(gz.stderr).toMatch(/bad\.json\.gz: not valid gzip data/);
    mkdirSync(join(dir, "empty"));
    writeFileSync(join(dir, "empty", "notes.txt"), "x");
    const empty = await runCli(["--db", join(dir, "x.db"), "evaluate", "--input", join(dir, "empty")]);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain("empty: no .json, .json.gz, .jsonl or .ndjson files in this directory");
    // /dev/zero never ends: the first NUL byte is not JSON.
    const zero = await runCli(["--db", join(dir, "x.db"), "evaluate", "--input", "/dev/zero"]);
    expect(zero.code).toBe(2);
    expect(zero.stderr).toContain("/dev/zero:1:1: invalid JSON: expected a JSON object or array");
  });

  it("an endless stream is stopped by the size limit", async () => {
    // Whitespace forever is valid so far: only the byte limit ends it.
    const dir = tmp();
    const fifo = join(dir, "spaces");
    execFileSync("mkfifo", [fifo]);
    const writer = (await import("node:child_process")).spawn("sh", ["-c", `yes ' ' > '${fifo}'`]);
    try {
      await expect(
        readConfigItems([fifo], { put: () => undefined, remove: () => undefined }, { maxBytes: 1_000_000 }),
      ).rejects.toThrow(/spaces: more than 1000000 bytes, the limit for an --input file/);
    } finally {
      writer.kill();
    }
  });
});

describe("ambiguous policy documents", () => {
  it("a bucket policy with a duplicate key is UNKNOWN, not the last value's PASS", async () => {
    const dir = tmp();
    const policy = (b: string, effects: string) =>
      `{"Version": "2012-10-17", "Statement": [{${effects}, "Principal": "*", "Action": "s3:*", ` +
      `"Resource": ["arn:aws:s3:::${b}", "arn:aws:s3:::${b}/*"], "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}`;
    const bucket = (name: string, policyText: string) => ({
      resourceType: "AWS::S3::Bucket",
      resourceId: name,
      resourceName: name,
      awsAccountId: ACCOUNT,
      awsRegion: "us-east-1",
      configurationItemCaptureTime: "2026-10-01T00:00:00Z",
      supplementaryConfiguration: { BucketPolicy: JSON.stringify({ policyText }) },
    });
    writeFileSync(
      join(dir, "b.jsonl"),
      [
        bucket("clear", policy("clear", '"Effect": "Deny"')),
        bucket("ambiguous", policy("ambiguous", '"Effect": "Allow", "Effect": "Deny"')),
      ]
        .map((b) => JSON.stringify(b))
        .join("\n"),
    );
    const r = await runCli([
      "--db",
      join(dir, "p.db"),
      "evaluate",
      "--input",
      join(dir, "b.jsonl"),
      "--rule",
      "s3-bucket-secure-transport-missing",
      "--format",
      "json",
    ]);
    expect(r.code).toBe(0);
    const findings = (JSON.parse(r.stdout) as { findings: (JsonFinding & { message: string })[] }).findings;
    expect(Object.fromEntries(findings.map((f) => [f.resourceId, f.status]))).toEqual({
      clear: "PASS",
      ambiguous: "UNKNOWN",
    });
    expect(findings.find((f) => f.resourceId === "ambiguous")?.message).toContain('duplicate key "Effect"');
  });
});

describe("evaluate --input - (standard input), in a real process", () => {
  beforeAll(() => ensureBuilt(), 120_000);

  it("reads items piped in, gzipped or not", async () => {
    const dir = tmp();
    const text = configFile([volume("vol-1", false, "2026-10-02T00:00:00Z")]);
    for (const input of [text, gzipSync(text)]) {
      const db = join(dir, `${input.length}.db`);
      const r = await runProcess(["--db", db, "evaluate", "--input", "-", "--format", "json"], { input });
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
      const findings = (JSON.parse(r.stdout) as { findings: JsonFinding[] }).findings;
      expect(findings.find((f) => f.ruleId === "ebs-volume-unencrypted")).toMatchObject({
        resourceId: "vol-1",
        status: "FAIL",
      });
    }
  });
});
