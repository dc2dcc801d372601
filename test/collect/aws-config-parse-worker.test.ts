// `evaluate --input` of a large input parses in a worker thread (the built dist/ worker): the
// stored resources and findings, the read summary, and every input error (file, line, column)
// are the in-thread read's, and a worker that fails fails the read.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runEvaluate } from "../../src/app/evaluate.js";
import {
  PARSE_WORKER_BYTES,
  readConfigItems,
  type ReadOptions,
} from "../../src/collect/aws-config/snapshot-file.js";
import type { FileStats, ItemIdentity } from "../../src/collect/aws-config/item-parser.js";
import type { ResourceRecord } from "../../src/model/resource.js";
import { loadRules } from "../../src/rules/loader.js";
import { globalRecordingRegion, RECORDED_TYPES } from "../../src/sim/services/config-items.js";
import { generateWorld } from "../../src/sim/world/generate.js";
import { Store, toResourceRow, type ResourceRow } from "../../src/store/store.js";
import { InputError } from "../../src/util/errors.js";
import { ensureBuilt } from "../helpers/process.js";

const WORKER = new URL("../../dist/collect/aws-config/parse-worker.js", import.meta.url);
const FAILING = new URL("./fixtures/failing-parse-worker.mjs", import.meta.url);
const IN_WORKER: ReadOptions = { workerScript: WORKER, workerMinBytes: 0 };
const IN_THREAD: ReadOptions = { workerMinBytes: Infinity };
/** Two parser threads sharing JSON Lines files cut into 16 KiB slices, read in 1,000-byte chunks. */
const IN_SLICES: ReadOptions = {
  ...IN_WORKER,
  parseWorkers: 2,
  chunkSize: 1000,
  slicing: { sliceBytes: 16 * 1024, minFileBytes: 0 },
};
const RULES = loadRules();

let dir: string;

/** The simulator's AWS Config items of a small world: every recorded type, in its order. */
let world: Record<string, unknown>[] | undefined;
function worldItems(): Record<string, unknown>[] {
  world ??= generated();
  return world;
}

function generated(): Record<string, unknown>[] {
  const world = generateWorld({ accounts: 4, regions: 2, scale: 100, seed: 7 });
  const out: Record<string, unknown>[] = [];
  for (let a = 0; a < world.accounts.size; a++) {
    const account = world.accounts.at(a);
    const home = globalRecordingRegion(account);
    for (const rt of RECORDED_TYPES) {
      // A global type is recorded in one region, when the account records one at all.
      const regions = rt.scope === "region" ? account.enabledRegions : home ? [home] : [];
      for (const region of regions) {
        for (let i = 0; i < rt.size(account, region); i++) {
          const item = rt.item(account, region, i);
          if (item !== undefined) out.push(item as Record<string, unknown>);
        }
      }
    }
  }
  return out;
}

const write = (name: string, text: string | Buffer): string => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

/** Items in every shape the reader takes, with repeats, deletions, unrecorded and unknown types. */
function inputs(): string[] {
  const items = worldItems();
  const third = Math.floor(items.length / 3);
  const first = items.slice(0, third);
  const volume = items.find((i) => i.resourceType === "AWS::EC2::Volume");
  if (!volume) throw new Error("the world has no volume");
  const later = (item: Record<string, unknown>, status: string): Record<string, unknown> => ({
    ...item,
    configurationItemCaptureTime: "2030-01-01T00:00:00.000Z",
    configurationItemStatus: status,
  });
  const history = [
    later(first[0] ?? volume, "OK"),
    later(first[1] ?? volume, "ResourceDeleted"),
    later(first[2] ?? volume, "ResourceNotRecorded"),
    { resourceType: "AWS::Lambda::Function", resourceId: "f" },
    { resourceType: "AWS::EC2::Volume", configurationItemStatus: "ResourceDeleted" },
  ];
  return [
    write("a.jsonl", first.map((i) => JSON.stringify(i)).join("\n")),
    write("b.json", JSON.stringify(items.slice(third, 2 * third))),
    write(
      "c.json.gz",
      gzipSync(JSON.stringify({ fileVersion: "1.0", configurationItems: items.slice(2 * third) })),
    ),
    write("d.json", JSON.stringify({ fileVersion: "1.0", configurationItems: history })),
  ];
}

/** Everything the sink was told, in order, and the summary. */
async function read(files: string[], o: ReadOptions): Promise<unknown> {
  const calls: [string, ResourceRecord | ItemIdentity][] = [];
  const summary = await readConfigItems(
    files,
    { put: (r) => calls.push(["put", r]), remove: (r) => calls.push(["remove", r]) },
    o,
  );
  return {
    calls,
    summary: { ...summary, coverage: summary.coverage.map((c) => ({ ...c, finishedAt: "" })) },
  };
}

async function problems(files: string[], o: ReadOptions): Promise<string[]> {
  try {
    await readConfigItems(files, { put: () => undefined, remove: () => undefined }, o);
  } catch (err) {
    if (err instanceof InputError) return err.lines;
    throw err;
  }
  throw new Error(`the read of ${files.join(", ")} succeeded`);
}

/** Every stored resource and finding of a scan, without row ids and times. */
function stored(store: Store, scanId: number): unknown {
  const resources = store.db
    .prepare("SELECT * FROM resources WHERE scan_id = ? ORDER BY id")
    .all(scanId)
    .map((r) => ({ ...(r as Record<string, unknown>), id: 0, scan_id: 0 }));
  const findings = store.db
    .prepare(
      `SELECT f.*, r.resource_type AS r_type, r.resource_id AS r_id FROM findings f
       LEFT JOIN resources r ON r.id = f.resource_pk WHERE f.scan_id = ? ORDER BY f.id`,
    )
    .all(scanId)
    .map((f) => ({ ...(f as Record<string, unknown>), id: 0, scan_id: 0, resource_pk: 0 }));
  return {
    resources,
    findings,
    coverage: store.coverage(scanId).map((c) => ({ ...c, id: 0, finishedAt: "" })),
  };
}

beforeAll(() => {
  ensureBuilt();
  dir = mkdtempSync(join(tmpdir(), "dpscan-parse-worker-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("parsing AWS Config items in a worker thread", () => {
  it("tells the sink what the in-thread read tells it, in the same order, with the same summary", async () => {
    const files = inputs();
    const inThread = await read(files, IN_THREAD);
    const inWorker = await read(files, IN_WORKER);
    expect(inWorker).toEqual(inThread);
    const s = (inThread as { summary: Record<string, unknown> }).summary;
    // The inputs exercise what they are meant to.
    expect(s.superseded).toBe(3);
    expect(s.deleted).toBe(1);
    expect(s.notRecorded).toBe(1);
    expect(s.ignoredTypes).toEqual({ "AWS::Lambda::Function": 1 });
    expect(s.records as number).toBeGreaterThan(500);
  });

  it("gives a sink that takes rows the store's rows of the records the in-thread read puts", async () => {
    const files = inputs();
    const { calls } = (await read(files, IN_THREAD)) as { calls: [string, ResourceRecord][] };
    const told: [string, ResourceRecord | ResourceRow | ItemIdentity][] = [];
    await readConfigItems(
      files,
      {
        put: (r) => told.push(["put", r]),
        putRow: (row) => told.push(["row", row]),
        remove: (r) => told.push(["remove", r]),
      },
      IN_WORKER,
    );
    // Every put came as a row (none as a record); removals name the resource, in the same order.
    expect(told).toEqual(calls.map(([c, r]) => (c === "put" ? ["row", toResourceRow(r)] : [c, r])));
    expect(told.filter(([c]) => c === "row").length).toBeGreaterThan(500);
    expect(told.some(([c]) => c === "remove")).toBe(true);
  });

  it("keeps the newest-capture index in the store's temporary table when a worker parses", async () => {
    const store = new Store(join(dir, "index.db"));
    try {
      const outcome = await runEvaluate(store, {
        files: inputs(),
        rules: RULES,
        judgeWorkers: 1,
        read: IN_WORKER,
      });
      if (outcome.status !== "complete") throw new Error(`the evaluation ended ${outcome.status}`);
      // One entry per resource the files name: the judged, the deleted and the unrecorded.
      const read = outcome.value;
      const entries = store.db.prepare("SELECT COUNT(*) FROM temp.capture_index").pluck().get();
      expect(entries).toBe(read.records + read.deleted + read.notRecorded);
    } finally {
      store.close();
    }
  });

  it("stores the same resources, findings and coverage through runEvaluate either way", async () => {
    const files = inputs();
    const store = new Store(join(dir, "same.db"));
    try {
      const scans = [];
      for (const o of [IN_THREAD, IN_WORKER, IN_SLICES]) {
        const outcome = await runEvaluate(store, { files, rules: RULES, judgeWorkers: 1, read: o });
        expect(outcome.status).toBe("complete");
        scans.push(outcome.scanId);
      }
      const [a, b, c] = scans.map((id) => stored(store, id ?? 0));
      expect((a as { findings: unknown[] }).findings.length).toBeGreaterThan(800);
      expect(b).toEqual(a);
      expect(c).toEqual(a);
    } finally {
      store.close();
    }
  });

  it("names the file, line and column of malformed JSON, a bad item and an ambiguous repeat, as in-thread", async () => {
    const good = worldItems().slice(0, 50);
    const vol = good.find((i) => i.resourceType === "AWS::EC2::Volume") ?? {};
    const lines = good.map((i) => JSON.stringify(i));
    const truncated = write(
      "truncated.jsonl",
      [...lines.slice(0, 40), '{"resourceType": "AWS::EC2::Vol'].join("\n"),
    );
    const badItem = write(
      "bad-item.json",
      JSON.stringify(
        { configurationItems: [vol, { resourceType: "AWS::EC2::Volume", awsRegion: 5 }] },
        null,
        1,
      ),
    );
    const twin = write(
      "twin.jsonl",
      [JSON.stringify(vol), JSON.stringify({ ...vol, configuration: { changed: true } })].join("\n"),
    );
    const notConfig = write("not-config.jsonl", '{"hello": 1}\n');
    const badGzip = write("bad.json.gz", Buffer.from([0x1f, 0x8b, 1, 2, 3, 4, 5]));
    // 12 bad items a file: the read stops after the file that reaches 20 problems (of 36).
    const manyBad = [1, 2, 3].map((n) =>
      write(
        `many-bad-${n}.jsonl`,
        Array.from({ length: 12 }, () =>
          JSON.stringify({ resourceType: "AWS::EC2::Volume", awsRegion: 5 }),
        ).join("\n"),
      ),
    );
    const cases: [string, string[], RegExp][] = [
      ["more problems than are listed, over several files", manyBad, /many-bad-2\.jsonl:8:1: /],
      [
        "truncated JSON after good items",
        [write("ok.jsonl", lines.join("\n")), truncated],
        /truncated\.jsonl:41:/,
      ],
      ["a bad item", [badItem], /bad-item\.json:\d+:\d+: configurationItems\[1\]/],
      ["two items at one capture time", [twin], /twin\.jsonl:2:1: .* two different configuration items/],
      ["not AWS Config", [notConfig], /not-config\.jsonl: not an AWS Config snapshot/],
      ["not gzip", [badGzip], /bad\.json\.gz: not valid gzip data/],
    ];
    for (const [what, files, expected] of cases) {
      const inThread = await problems(files, IN_THREAD);
      expect(inThread.join("\n"), what).toMatch(expected);
      expect(await problems(files, IN_WORKER), what).toEqual(inThread);
    }
  });

  it("a worker that fails or exits early fails the read, never a partial result", async () => {
    const files = [write("few.jsonl", JSON.stringify(worldItems()[0]))];
    const failing = { workerScript: FAILING, workerMinBytes: 0 };
    await expect(read(files, failing)).rejects.toThrow(/item parser worker failed: the parser blew up/);
    process.env.DPSCAN_TEST_WORKER_EXIT = "1";
    try {
      await expect(read(files, failing)).rejects.toThrow(/item parser worker exited \(code 0\) mid-read/);
    } finally {
      delete process.env.DPSCAN_TEST_WORKER_EXIT;
    }
  });

  it("a signal stops the read in the worker with the signal's reason (SIGINT during evaluate)", async () => {
    const files = inputs();
    const stop = new AbortController();
    let puts = 0;
    const reading = readConfigItems(
      files,
      {
        put: () => {
          if (++puts === 10) stop.abort(new Error("received SIGINT"));
        },
        remove: () => undefined,
      },
      { ...IN_WORKER, signal: stop.signal },
    );
    await expect(reading).rejects.toThrow("received SIGINT");
    // Nothing reaches the sink after the signal, not even the rest of its batch.
    expect(puts).toBe(10);
  });

  it("reads small inputs in-thread: no worker below PARSE_WORKER_BYTES", async () => {
    const files = [write("small.jsonl", JSON.stringify(worldItems()[0]))];
    // A worker script that could only fail: an in-thread read never starts it.
    const summary = await readConfigItems(
      files,
      { put: () => undefined, remove: () => undefined },
      { workerScript: FAILING },
    );
    expect(summary.records).toBe(1);
    expect(PARSE_WORKER_BYTES).toBe(8 * 1024 * 1024);
  });
});

const STATUSES = ["OK", "ResourceDeleted", "ResourceNotRecorded"];
/** Later than every capture of inputs() (whose history file has 2030). */
const LATER = "2031-01-01T00:00:00.000Z";

/** Items as JSON Lines with later and earlier captures of some of them further on, for many slices. */
function historyLines(): string[] {
  const items = worldItems();
  const at = (item: Record<string, unknown>, time: string, status = "OK"): string =>
    JSON.stringify({ ...item, configurationItemCaptureTime: time, configurationItemStatus: status });
  return [
    ...items.map((i) => JSON.stringify(i)),
    // Newer captures (one deleted, one unrecorded) and older ones, each many slices after the first.
    ...items.slice(0, 40).map((i, n) => at(i, LATER, STATUSES[n % 3])),
    ...items.slice(40, 80).map((i) => at(i, "2001-01-01T00:00:00.000Z")),
    // The same newer capture again: an identical repeat.
    ...items.slice(0, 6).map((i, n) => at(i, LATER, STATUSES[n % 3])),
  ];
}

describe("parsing a large JSON Lines file in slices, two threads side by side", () => {
  it("tells the sink what the in-thread read tells it, in the same order, with the same summary", async () => {
    const lines = historyLines();
    const files = [write("history.jsonl", `\ufeff${lines.join("\n")}\n`), ...inputs()];
    const slices: (number | undefined)[] = [];
    const inSlices = await read(files, { ...IN_SLICES, onFileDone: (_f, st) => slices.push(st.slices) });
    expect(inSlices).toEqual(await read(files, IN_THREAD));
    const s = (inSlices as { summary: { superseded: number; supersededExamples: string[] } }).summary;
    expect(s.superseded).toBeGreaterThan(80);
    expect(s.supersededExamples.length).toBe(5);
    // The JSON Lines files were read in many slices; the others whole.
    expect(slices[0]).toBeGreaterThan(20);
    expect(slices[1]).toBeGreaterThan(2);
    expect(slices.slice(2)).toEqual([undefined, undefined, undefined]);
  });

  it("reads what is not JSON Lines whole, from where a cut fell inside a value, with the same results", async () => {
    const items = worldItems().slice(0, 300);
    const compact = items.slice(0, 150).map((i) => JSON.stringify(i));
    const pretty = items.slice(150).map((i) => JSON.stringify(i, null, 2));
    const files = [
      // Compact lines for several slices, then pretty-printed objects: whole from a later slice.
      write("mixed.jsonl", [...compact, ...pretty].join("\n")),
      write("pretty.json", pretty.join("\n")),
      write("array.json", JSON.stringify(items, null, 1)),
      write("container.json", JSON.stringify({ fileVersion: "1.0", configurationItems: items })),
      // One line longer than a slice.
      write(
        "long-line.jsonl",
        [
          ...compact.slice(0, 30),
          JSON.stringify({
            ...items[0],
            configurationItemCaptureTime: LATER,
            tags: { big: "x".repeat(40_000) },
          }),
          ...compact.slice(30),
        ].join("\n"),
      ),
    ];
    const slices: (number | undefined)[] = [];
    const o = { ...IN_SLICES, onFileDone: (_f: string, st: FileStats) => slices.push(st.slices) };
    expect(await read(files, o)).toEqual(await read(files, IN_THREAD));
    // mixed.jsonl: slices up to the pretty-printed part, then whole; long-line.jsonl: slices up to
    // the long line, then whole; the others whole from the start.
    expect(slices[0]).toBeGreaterThan(3);
    expect(slices.slice(1, 4)).toEqual([undefined, undefined, undefined]);
    expect(slices[4]).toBeGreaterThan(0);
  });

  it("names the same file, line and column for a problem in a later slice", async () => {
    const lines = historyLines().slice(0, 400);
    const vol = worldItems().find((i) => i.resourceType === "AWS::EC2::Volume") ?? {};
    const twinAt = (n: number): string[] => {
      const copy = [...lines];
      copy.splice(n, 0, JSON.stringify(vol), JSON.stringify({ ...vol, configuration: { changed: true } }));
      return copy;
    };
    const withLine = (n: number, line: string): string[] => {
      const copy = [...lines];
      copy.splice(n, 0, line);
      return copy;
    };
    const cases: [string, string[], RegExp][] = [
      [
        "invalid JSON",
        withLine(300, '{"resourceType": "AWS::EC2::Volume", x}'),
        /syntax\.jsonl:301:\d+: invalid JSON/,
      ],
      [
        "a duplicate key",
        withLine(250, '{"resourceType": "AWS::EC2::Volume", "a": {"b": 1, "b": 2}}'),
        /syntax\.jsonl:251:\d+: invalid JSON: duplicate key/,
      ],
      [
        "a bad item",
        withLine(280, JSON.stringify({ resourceType: "AWS::EC2::Volume", awsRegion: 5 })),
        /syntax\.jsonl:281:1: /,
      ],
      ["an ambiguous repeat", twinAt(200), /syntax\.jsonl:202:1: .* two different configuration items/],
      [
        "a truncated last line",
        [...lines, '{"resourceType": "AWS::EC2::Vol'],
        /syntax\.jsonl:401:\d+: invalid JSON/,
      ],
      ["not AWS Config", ['{"hello": 1}', ...lines], /syntax\.jsonl: not an AWS Config snapshot/],
      [
        "too many problems",
        [...lines, ...Array(30).fill(JSON.stringify({ resourceType: "AWS::EC2::Volume", awsRegion: 5 }))],
        /syntax\.jsonl:420:1: /,
      ],
    ];
    for (const [what, text, expected] of cases) {
      const files = [write("syntax.jsonl", text.join("\n"))];
      const inThread = await problems(files, IN_THREAD);
      expect(inThread.join("\n"), what).toMatch(expected);
      expect(await problems(files, IN_SLICES), what).toEqual(inThread);
    }
  });

  it("one thread reads every file whole, as before", async () => {
    const files = [write("one-thread.jsonl", historyLines().join("\n"))];
    const slices: (number | undefined)[] = [];
    const o = {
      ...IN_SLICES,
      parseWorkers: 1,
      onFileDone: (_f: string, st: FileStats) => slices.push(st.slices),
    };
    expect(await read(files, o)).toEqual(await read(files, IN_THREAD));
    expect(slices).toEqual([undefined]);
  });
});
