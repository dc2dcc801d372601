// Judging in worker threads (each reading the database itself) gives the findings and summary of
// judging in-process, row for row, and a worker that fails (or vanishes) fails the judgement
// rather than leaving a partial result.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { JudgeAhead, judgeScanAsync, type JudgeOptions } from "../../src/app/judge.js";
import type { ResourceRecord } from "../../src/model/resource.js";
import { loadRules } from "../../src/rules/loader.js";
import { Store } from "../../src/store/store.js";
import { ensureBuilt } from "../helpers/process.js";

const RULES = loadRules();
const NOW = new Date("2026-03-01T10:00:00.000Z");
const WORKER = new URL("../../dist/app/judge-worker.js", import.meta.url);
const FAILING = new URL("./fixtures/failing-judge-worker.mjs", import.meta.url);

/** Every rule example's records, in copies whose account ids differ (links inside a copy hold). */
function records(copies: number): ResourceRecord[] {
  const base = RULES.flatMap((r) => r.examples.flatMap((e) => [e.resource, ...e.related]));
  const out: ResourceRecord[] = [];
  for (let c = 0; c < copies; c++) {
    const prefix = String(c).padStart(4, "0");
    for (const r of base) {
      const text = JSON.stringify(r).replace(/\b\d{12}\b/g, (acct) => prefix + acct.slice(4));
      out.push(JSON.parse(text) as ResourceRecord);
    }
  }
  return out;
}

let store: Store;
const RECORDS = records(12);

const GAPS = [
  {
    accountId: "000011111111",
    region: "eu-west-1",
    service: "kms",
    operation: "ListKeys",
    status: "denied" as const,
    scope: "region" as const,
    resourceTypes: ["AWS::KMS::Key"],
  },
];

function storedScan(): number {
  const id = store.beginScan("evaluate", "judge-workers test", {}, NOW);
  store.insertResources(id, RECORDS);
  store.upsertCoverage(id, GAPS);
  return id;
}

/** Every stored column of the scan's findings except row ids, and the resource each one judged. */
function findings(scanId: number): unknown[] {
  const rows = store.db
    .prepare(
      `SELECT f.*, r.resource_type AS r_type, r.resource_id AS r_id, r.arn AS r_arn, r.account_id AS r_account
       FROM findings f LEFT JOIN resources r ON r.id = f.resource_pk WHERE f.scan_id = ? ORDER BY f.id`,
    )
    .all(scanId) as Record<string, unknown>[];
  return rows.map(({ id: _id, scan_id: _scan, resource_pk: _pk, ...rest }) => rest);
}

let dir: string;
beforeAll(() => {
  ensureBuilt();
  dir = mkdtempSync(join(tmpdir(), "dpscan-judge-workers-"));
  store = new Store(join(dir, "db.sqlite"));
});
afterAll(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true }); // 28 MB a run otherwise stays in /tmp
});

describe("judging in worker threads", () => {
  it("gives the in-process findings and summary, in the same row order, with 1, 2 and 3 workers", async () => {
    const scans = [0, 1, 2, 3].map((workers) => ({ workers, id: storedScan() }));
    const judged = [];
    for (const { workers, id } of scans) {
      const j = await judgeScanAsync(
        store,
        { id, now: NOW },
        RULES,
        {},
        {
          workers,
          minRecords: 0,
          workerScript: WORKER,
        },
      );
      judged.push({ summary: j.summary, findings: findings(id) });
    }
    const [one, ...more] = judged;
    expect(one?.findings.length).toBeGreaterThan(RECORDS.length);
    expect(one?.summary).toMatchObject({ resources: expect.any(Number) as number });
    for (const m of more) {
      expect(m.summary).toEqual(one?.summary);
      expect(m.findings).toEqual(one?.findings);
    }
  });

  it("fails the judgement when a worker throws, leaving none of the findings written before", async () => {
    const id = storedScan();
    let written = 0;
    const insert = store.insertFindings.bind(store);
    const spy = vi
      .spyOn(store, "insertFindings")
      .mockImplementation((scanId, f) => (written += insert(scanId, f)));
    await expect(
      judgeScanAsync(
        store,
        { id, now: NOW },
        RULES,
        {},
        { workers: 2, minRecords: 0, workerScript: FAILING },
      ),
    ).rejects.toThrow(/judge worker \d failed: a rule blew up in the worker/);
    spy.mockRestore();
    expect(written).toBe(1); // the first range's finding was written, then removed
    expect(findings(id)).toEqual([]);
  });

  it("an in-process judgement stopped by a signal part-way leaves no findings", async () => {
    const id = storedScan();
    const ac = new AbortController();
    let written = 0;
    const insert = store.insertFindings.bind(store);
    const spy = vi.spyOn(store, "insertFindings").mockImplementation((scanId, f) => {
      written += insert(scanId, f);
      ac.abort(new Error("stopped after the first slice"));
      return written;
    });
    try {
      await expect(
        judgeScanAsync(store, { id, now: NOW, signal: ac.signal }, RULES, {}, { workers: 0 }),
      ).rejects.toThrow("stopped after the first slice");
    } finally {
      spy.mockRestore();
    }
    expect(written).toBeGreaterThan(0);
    expect(findings(id)).toEqual([]);
  });

  it("fails the judgement when a worker exits mid-judgement", async () => {
    const id = storedScan();
    process.env.DPSCAN_TEST_WORKER_EXIT = "1";
    try {
      await expect(
        judgeScanAsync(
          store,
          { id, now: NOW },
          RULES,
          {},
          { workers: 2, minRecords: 0, workerScript: FAILING },
        ),
      ).rejects.toThrow(/judge worker \d exited \(code 0\) mid-judgement/);
    } finally {
      delete process.env.DPSCAN_TEST_WORKER_EXIT;
    }
    expect(findings(id)).toEqual([]);
  });

  it("stops when the signal aborts", async () => {
    const id = storedScan();
    const ac = new AbortController();
    const judging = judgeScanAsync(
      store,
      { id, now: NOW, signal: ac.signal },
      RULES,
      {},
      {
        workers: 2,
        minRecords: 0,
        workerScript: WORKER,
      },
    );
    ac.abort(new Error("stopped by the test"));
    await expect(judging).rejects.toThrow("stopped by the test");
    expect(findings(id)).toEqual([]);
  });
});

const stored = (s: Store, id: number): number => s.countResources(id).reduce((n, c) => n + c.count, 0);

/** Judged with a worker script that could only fail: it completes only if judged in-process. */
async function expectInProcess(s: Store, id: number): Promise<void> {
  const j = await judgeScanAsync(
    s,
    { id, now: NOW },
    RULES,
    {},
    { workers: 2, minRecords: 0, workerScript: FAILING },
  );
  expect(j.summary).toMatchObject({ resources: stored(s, id) });
}

describe("when judging stays in-process", () => {
  it("an in-memory database, or a caller inside a transaction: no worker could read the records", async () => {
    const mem = new Store(":memory:");
    try {
      const id = mem.beginScan("evaluate", "in memory", {}, NOW);
      mem.insertResources(id, RECORDS);
      await expectInProcess(mem, id);
    } finally {
      mem.close();
    }
    const id = storedScan();
    store.db.exec("BEGIN");
    try {
      await expectInProcess(store, id);
    } finally {
      store.db.exec("ROLLBACK");
    }
  });
});

/** A scan's writes as `evaluate` makes them: batches of (newest) captures, and resources removed. */
type Write = { put: ResourceRecord[] } | { remove: ResourceRecord };

function write(id: number, writes: readonly Write[], ahead?: JudgeAhead): void {
  const sink = store.sink(id, { replace: true, written: (ids) => ahead?.written(ids) });
  const flush = (): void => {
    const ids = store.insertResources(id, sink.take(), { replace: true });
    ahead?.written(ids);
  };
  for (const w of writes) {
    if ("put" in w) sink.add(w.put);
    else {
      flush();
      store.deleteResource(id, w.remove);
      ahead?.removed();
    }
  }
  flush();
  store.upsertCoverage(id, GAPS); // as evaluate: the gaps are known only when the read ends
}

const AHEAD: JudgeOptions = { workers: 2, minRecords: 0, workerScript: WORKER };

/** The writes judged with workers started as they were made; what take() handed to judging. */
async function judgedAhead(
  writes: readonly Write[],
  options = AHEAD,
  before?: (a: JudgeAhead) => Promise<void>,
) {
  const id = store.beginScan("evaluate", "judge-ahead test", {}, NOW);
  const ahead = new JudgeAhead(store, { id, now: NOW }, RULES, {}, options);
  const take = vi.spyOn(ahead, "take");
  try {
    write(id, writes, ahead);
    await before?.(ahead);
    const j = await judgeScanAsync(store, { id, now: NOW }, RULES, {}, { ...options, ahead });
    const took = take.mock.results[0]?.value as ReturnType<JudgeAhead["take"]>;
    return { summary: j.summary, findings: findings(id), took };
  } finally {
    await ahead.close();
  }
}

/** The same writes judged in-process, after the last one. */
async function judgedInProcess(writes: readonly Write[]) {
  const id = store.beginScan("evaluate", "judge-ahead reference", {}, NOW);
  write(id, writes);
  const j = await judgeScanAsync(store, { id, now: NOW }, RULES, {}, { workers: 0 });
  return { summary: j.summary, findings: findings(id) };
}

const inChunks = (rows: ResourceRecord[], n: number): Write[] =>
  Array.from({ length: n }, (_, i) => ({
    put: rows.slice((i * rows.length) / n, ((i + 1) * rows.length) / n),
  }));

const later = (r: ResourceRecord): string =>
  new Date(Date.parse(r.configurationItemCaptureTime) + 86_400_000).toISOString();

/** Findings that are not of KMS keys: those whose keys' facts come from the reference index. */
const notKeys = (rows: unknown[]): unknown[] =>
  rows.filter((f) => (f as { resource_type: string }).resource_type !== "AWS::KMS::Key");

/** RECORDS once each: the rule examples share resources, and a resource written again is the stale case. */
const UNIQUE = [
  ...new Map(
    RECORDS.map((r) => [
      `${r.resourceType}|${r.arn || `${r.awsAccountId}|${r.awsRegion}|${r.resourceId}`}`,
      r,
    ]),
  ).values(),
];

describe("judge workers started while the resources are written (JudgeAhead)", () => {
  const writes = inChunks(UNIQUE, 5);

  it("index the rows as they are committed and judge as in-process, without indexing again", async () => {
    const ahead = await judgedAhead(writes);
    expect(ahead.took?.rebuild).toBe(false); // the workers existed before judging, their index kept
    const ref = await judgedInProcess(writes);
    expect(ref.findings.length).toBeGreaterThan(UNIQUE.length);
    expect(ahead.summary).toEqual(ref.summary);
    expect(ahead.findings).toEqual(ref.findings);
  });

  it("a resource written again after its row was indexed: the workers index the scan again", async () => {
    // Every key of the first copy, captured a day later as AWS-managed: what resources encrypted
    // with them are judged against comes from the reference index, not from the range judged.
    const keys = UNIQUE.filter(
      (r) => r.resourceType === "AWS::KMS::Key" && r.awsAccountId.startsWith("0000"),
    );
    const changed = keys.map((k) => ({
      ...k,
      configurationItemCaptureTime: later(k),
      configuration: { ...k.configuration, keyManager: "AWS" },
    }));
    expect(changed.length).toBeGreaterThan(0);
    const rewritten = [...writes, { put: changed }];
    const ahead = await judgedAhead(rewritten);
    expect(ahead.took?.rebuild).toBe(true);
    const ref = await judgedInProcess(rewritten);
    const before = await judgedInProcess(writes);
    expect(notKeys(ref.findings)).not.toEqual(notKeys(before.findings)); // the change is seen through the index
    expect(ahead.summary).toEqual(ref.summary);
    expect(ahead.findings).toEqual(ref.findings);
  });

  it("a resource removed after its row was indexed: the workers index the scan again", async () => {
    const volume = UNIQUE.find(
      (r) => r.resourceType === "AWS::EC2::Volume" && r.awsAccountId.startsWith("0000"),
    );
    expect(volume).toBeDefined();
    const removed = [...writes, { remove: volume as ResourceRecord }];
    const ahead = await judgedAhead(removed);
    expect(ahead.took?.rebuild).toBe(true);
    const ref = await judgedInProcess(removed);
    expect(ahead.summary).toEqual(ref.summary);
    expect(ahead.findings).toEqual(ref.findings);
  });

  it("a worker that fails while it indexes fails the judgement, with no findings written", async () => {
    process.env.DPSCAN_TEST_INDEX_FAIL = "1";
    try {
      await expect(judgedAhead(writes, { ...AHEAD, workerScript: FAILING })).rejects.toThrow(
        /judge worker \d failed: the reference index could not be read/,
      );
    } finally {
      delete process.env.DPSCAN_TEST_INDEX_FAIL;
    }
    const last = store.db.prepare("SELECT MAX(id) AS id FROM scans").get() as { id: number };
    expect(findings(last.id)).toEqual([]);
  });

  it("below the worker threshold no worker starts, and the scan is judged in-process", async () => {
    // The worker script could only fail: the judgement completes only if no worker judged.
    const small = await judgedAhead(writes, {
      ...AHEAD,
      minRecords: UNIQUE.length + 1,
      workerScript: FAILING,
    });
    expect(small.took).toBeUndefined();
    expect(small.findings).toEqual((await judgedInProcess(writes)).findings);
  });

  it("workers closed before judging took them: judging starts its own and indexes the scan", async () => {
    const closed = await judgedAhead(writes, AHEAD, (a) => a.close());
    expect(closed.took).toBeUndefined();
    expect(closed.findings).toEqual((await judgedInProcess(writes)).findings);
  });
});
