// Read AWS Config configuration items from files (`dpscan evaluate --input`): what AWS Config
// delivers to S3 — configuration snapshot and history files ({"fileVersion": ...,
// "configurationItems": [...]}, usually .json.gz) — JSON arrays of items, and JSON Lines; a
// directory of them (recursively, in sorted order) or `-` for standard input. Files are streamed:
// memory follows the largest item, never the size of a file (the newest-capture index is on disk).
// Every problem names the file, line and column. Item statuses mean what they mean for the
// aggregator (items.ts): an item AWS Config does not record is a coverage gap, not a pass.
// A resource that appears more than once (history files, overlapping inputs) is judged on its
// newest capture; two different items captured at the same instant are ambiguous and refused.
import { closeSync, openSync, readdirSync, readSync, statSync } from "node:fs";
import { deserialize } from "node:v8";
import { join } from "node:path";
import { isatty } from "node:tty";
import type { CoverageInput } from "../../model/coverage.js";
import type { ResourceRecord } from "../../model/resource.js";
import type { CaptureEntry, CaptureIndexTable } from "../../store/capture-index.js";
import type { ResourceJson, ResourceRow } from "../../store/store.js";
import { readAt, STDIN } from "../../util/bounded-read.js";
import { InputError } from "../../util/errors.js";
import { BUILT, WorkerExit, WorkerPool } from "../../util/worker-pool.js";
import {
  identityOf,
  MAX_INPUT_BYTES,
  parseFile,
  type FileStats,
  type FilePosition,
  type ItemIdentity,
  type ParsedItem,
  type ParseOptions,
  type SliceOutcome,
  type WireItem,
} from "./item-parser.js";
import { itemOperation, NOT_RECORDED_CODE } from "./items.js";
import type { FromParser, ParseWorkerData, ReadSummary, ToParser } from "./parse-protocol.js";

export type { ReadSummary } from "./parse-protocol.js";

export { MAX_INPUT_BYTES, MAX_ITEM_CHARS } from "./item-parser.js";

/** Where the records go as they are read (the scan's store). */
export interface RecordSink {
  /**
   * A record that is now the newest capture of its resource (it may replace an older one); `json`,
   * its JSON columns when the parser made them (in the thread that parsed it).
   */
  put(record: ResourceRecord, json?: ResourceJson): void;
  /**
   * The same as put, given as the store's row (toResourceRow of the record). When the sink has it,
   * a read in the parser worker serialises records there and calls this instead of put.
   */
  putRow?(row: ResourceRow): void;
  /** The resource's stored record is superseded by a newer deleted or unrecorded item. */
  remove(record: ItemIdentity): void;
}

export interface ReadOptions extends ParseOptions {
  /**
   * Inputs of at least this many bytes (regular files only, summed) are parsed in a worker thread
   * (PARSE_WORKER_BYTES); Infinity: always in-thread.
   */
  workerMinBytes?: number;
  /** The parser worker's script; the built parse-worker.js next to this module unless given (tests run from src/). */
  workerScript?: URL;
  /**
   * Where the newest capture of each resource is kept (default: in memory); on this thread, also
   * when a worker parses.
   */
  index?: () => CaptureIndex;
  /** Parser threads (DEFAULT_PARSE_WORKERS); one reads the files one after another, as in-thread. */
  parseWorkers?: number;
  /** Where large JSON Lines files are cut (SLICE_FILE_BYTES and 4 MiB slices unless given: tests). */
  slicing?: { sliceBytes: number; minFileBytes: number };
  /** Observes the reader's memory: chunks read and the most text held at once. */
  onFileDone?(file: string, stats: FileStats): void;
}

/**
 * Below this the items are parsed in-thread: a worker's start-up (its own module graph, ≈ 0.1 s)
 * is more than a small input's parsing. Above it, parsing (about half of the main thread's work)
 * runs beside the store and the rules.
 */
export const PARSE_WORKER_BYTES = 8 * 1024 * 1024;
/** Names of the files a directory contributes. */
export const INPUT_FILE = /\.(json|jsonl|ndjson)(\.gz)?$/i;

/** Resource ids named in a gap row's message; the count covers the rest. */
const IDS_SHOWN = 3;
const MAX_ERRORS = 20;
const EXAMPLES_SHOWN = 5;

/** The files behind the --input arguments: directories expanded recursively, sorted. */
export function expandInputs(inputs: readonly string[]): { files: string[]; skipped: number } {
  const files: string[] = [];
  let skipped = 0;
  const walk = (dir: string): void => {
    let names: string[];
    try {
      names = readdirSync(dir).sort();
    } catch (err) {
      throw new InputError([`${dir}: cannot read: ${(err as NodeJS.ErrnoException).code ?? String(err)}`]);
    }
    for (const name of names) {
      const path = join(dir, name);
      const st = statSync(path, { throwIfNoEntry: false });
      if (st?.isDirectory()) walk(path);
      else if (INPUT_FILE.test(name) && !name.startsWith(".")) files.push(path);
      else skipped++;
    }
  };
  for (const input of inputs) {
    if (input === STDIN) {
      // isatty, not process.stdin.isTTY: process.stdin would take fd 0 over (non-blocking).
      if (isatty(0))
        throw new InputError(["--input -: standard input is a terminal; pipe AWS Config items into it"]);
      files.push(STDIN);
      continue;
    }
    let st;
    try {
      st = statSync(input);
    } catch (err) {
      // Before any database is opened: a mistyped name costs nothing.
      throw new InputError([`${input}: cannot read: ${(err as NodeJS.ErrnoException).code ?? String(err)}`]);
    }
    if (!st.isDirectory()) {
      files.push(input); // a file, FIFO or device: the reader names any other problem
      continue;
    }
    const before = files.length;
    walk(input);
    if (files.length === before)
      throw new InputError([`${input}: no .json, .json.gz, .jsonl or .ndjson files in this directory`]);
  }
  if (files.filter((f) => f === STDIN).length > 1)
    throw new InputError(["--input -: standard input can be given only once"]);
  return { files, skipped };
}

/** The newest item seen of one resource. */
export type Latest = CaptureEntry;

/**
 * The newest capture of each resource seen so far, by resource key. One entry per resource: the
 * store keeps it on disk (Store.captureIndex) so millions of resources need no memory; a Map
 * does for small inputs and tests.
 */
export type CaptureIndex = CaptureIndexTable;

export function memoryIndex(): CaptureIndex {
  const m = new Map<string, Latest>();
  return { get: (k) => m.get(k), set: (k, l) => void m.set(k, l), entries: () => m.entries() };
}

/** The newest capture of each resource, told to the sink as the items arrive; the summary at the end. */
export class ItemReader {
  readonly latest: CaptureIndex;
  readonly errors: string[] = [];
  readonly summary: ReadSummary;

  constructor(
    private readonly files: string[],
    private readonly sink: RecordSink,
    index: CaptureIndex,
  ) {
    this.latest = index;
    this.summary = {
      files,
      records: 0,
      ignoredTypes: {},
      deleted: 0,
      notRecorded: 0,
      superseded: 0,
      supersededExamples: [],
      coverage: [],
    };
  }

  /** One parsed item of file `fileIndex`, in file order (parsed here, or sent by the parser worker). */
  accept(fileIndex: number, p: ParsedItem | WireItem): void {
    if (p.kind === "ignored")
      this.summary.ignoredTypes[p.type] = (this.summary.ignoredTypes[p.type] ?? 0) + 1;
    else if (p.kind === "bad") this.error(p.problem);
    else this.newest(fileIndex, p);
  }

  /** Keep the newest capture of each resource; an equal-time different item is ambiguous. */
  private newest(fileIndex: number, p: (ParsedItem | WireItem) & { kind: "record" }): void {
    const { where, use, key, time, hash } = p;
    const r: ItemIdentity = "id" in p ? p.id : p.record;
    const prev = this.latest.get(key);
    if (prev && prev.time === time && prev.hash !== hash) {
      this.error(
        `${where}: ${r.resourceType} ${r.resourceId} has two different configuration items captured at ${r.configurationItemCaptureTime} (the other in ${this.files[prev.file]}); cannot tell which is current`,
      );
      return;
    }
    if (prev && prev.time >= time) {
      this.superseded(r, fileIndex, prev.file, time, prev.time);
      return;
    }
    if (prev) this.superseded(r, prev.file, fileIndex, prev.time, time);
    const place = `${r.awsAccountId}\u0000${r.awsRegion}\u0000${r.resourceId}`;
    this.latest.set(key, { time, hash, use, file: fileIndex, place });
    if (use === "usable") this.put(p);
    else if (prev?.use === "usable") this.sink.remove(identityOf(r));
  }

  private put(p: (ParsedItem | WireItem) & { kind: "record" }): void {
    if ("row" in p && p.row) {
      if (!this.sink.putRow) throw new Error(`${p.where}: a row for a sink that takes records`);
      this.sink.putRow(p.row);
    } else if (p.record) this.sink.put(p.record, "json" in p ? p.json : undefined);
    else throw new Error(`${p.where}: a usable item without its record`);
  }

  private superseded(r: ItemIdentity, older: number, newer: number, t0: number, t1: number): void {
    this.summary.superseded++;
    if (older === newer || this.summary.supersededExamples.length >= EXAMPLES_SHOWN) return;
    const at = (t: number): string => (t > 0 ? new Date(t).toISOString() : "no capture time");
    this.summary.supersededExamples.push(
      `${r.resourceType} ${r.resourceId}: ${this.files[older]} (${at(t0)}) superseded by ${this.files[newer]} (${at(t1)})`,
    );
  }

  error(line: string): void {
    if (this.errors.length < MAX_ERRORS) this.errors.push(line);
  }

  /** Counts and gap rows from each resource's final state. */
  finish(): ReadSummary {
    // Per (account, region, type): a few ids to name, the count, the files (not every id).
    const unrecorded = new Map<string, { ids: string[]; n: number; files: Set<string> }>();
    const recordedBy = new Map<string, number>();
    for (const [key, l] of this.latest.entries()) {
      const type = key.slice(0, key.indexOf("\u0000"));
      const [account, region, id] = l.place.split("\u0000") as [string, string, string];
      const group = `${account}\u0000${region}\u0000${type}`;
      if (l.use === "usable") {
        this.summary.records++;
        recordedBy.set(group, (recordedBy.get(group) ?? 0) + 1);
      } else if (l.use === "deleted") this.summary.deleted++;
      else {
        this.summary.notRecorded++;
        const u = unrecorded.get(group) ?? { ids: [], n: 0, files: new Set<string>() };
        if (u.ids.length < IDS_SHOWN) u.ids.push(id);
        u.n++;
        u.files.add(this.files[l.file] ?? "");
        unrecorded.set(group, u);
      }
    }
    this.summary.coverage = [...unrecorded].map(([group, u]) =>
      unrecordedRow(group, u, recordedBy.get(group) ?? 0),
    );
    return this.summary;
  }
}

/**
 * A failed read of the type in the items' account and region: every rule on it gives UNKNOWN there,
 * as for an aggregator's unrecorded items (`scan --source config`).
 */
function unrecordedRow(
  group: string,
  u: { ids: string[]; n: number; files: Set<string> },
  recorded: number,
): CoverageInput {
  const [accountId, region, type] = group.split("\u0000") as [string, string, string];
  const { n, ids } = u;
  const files = [...u.files];
  const shown = ids.join(", ") + (n > IDS_SHOWN ? `, … (${n - IDS_SHOWN} more)` : "");
  return {
    accountId,
    region,
    service: "config",
    operation: itemOperation(type),
    status: "failed",
    scope: "region",
    resourceTypes: [type],
    errorCode: NOT_RECORDED_CODE,
    errorMessage: `${n} of ${n + recorded} ${type} item(s) in ${files.join(", ")} are ${NOT_RECORDED_CODE}: AWS Config holds no configuration for them, so they were not examined (${shown})`,
    resourceCount: recorded,
    apiCalls: 0,
    finishedAt: new Date().toISOString(),
  };
}

/**
 * Stream every item of `files` into `sink`, newest capture per resource. Throws InputError (every
 * problem found, up to 20) when an item is malformed or ambiguous; the caller then discards what
 * the sink received.
 */
export async function readConfigItems(
  files: string[],
  sink: RecordSink,
  o: ReadOptions = {},
): Promise<ReadSummary> {
  const script = o.workerScript ?? (BUILT ? new URL("./parse-worker.js", import.meta.url) : undefined);
  if (script && inputBytes(files) >= (o.workerMinBytes ?? PARSE_WORKER_BYTES))
    return readInWorkers(script, files, sink, o);
  return readInto(new ItemReader(files, sink, o.index?.() ?? memoryIndex()), files, o);
}

/** Every file through `reader`, in order, in this thread. */
async function readInto(
  reader: ItemReader,
  files: readonly string[],
  o: ParseOptions & Pick<ReadOptions, "onFileDone">,
): Promise<ReadSummary> {
  for (const [i, file] of files.entries()) {
    const stats = await parseFile(file, o, (p) => reader.accept(i, p));
    o.onFileDone?.(file, stats);
    if (reader.errors.length >= MAX_ERRORS) break;
  }
  if (reader.errors.length > 0) throw new InputError(reader.errors);
  return reader.finish();
}

/** The inputs' size when all are regular files; 0 (in-thread) when one is a stream or standard input. */
function inputBytes(files: readonly string[]): number {
  let total = 0;
  for (const f of files) {
    const st = f === STDIN ? undefined : statSync(f, { throwIfNoEntry: false });
    if (!st?.isFile()) return 0;
    total += st.size;
  }
  return total;
}

/** A plain JSON Lines file at least this large is cut into slices that the parser threads share. */
export const SLICE_FILE_BYTES = 16 * 1024 * 1024;
/** Bytes of one slice (it ends after its last newline). */
const SLICE_BYTES = 4 * 1024 * 1024;

/**
 * Parser threads unless told (`--parse-workers`): one. On two cores a second one made 200k items
 * faster but 1M no faster, where the writer and the judge worker already use both (bench/README.md, w14).
 */
export const DEFAULT_PARSE_WORKERS = 1;

/** A slice sent to a parser thread, and its items once they are back. */
interface Slice {
  seq: number;
  at: FilePosition;
  done?: { batches: Uint8Array[]; outcome: SliceOutcome };
}

/** The file being cut into slices. */
interface Slicing {
  file: string;
  fd: number;
  size: number;
  /** Where the next slice starts. */
  next: FilePosition;
  /** Every slice has been sent. */
  sent: boolean;
  /** The rest of the file, from here on, is read whole (a cut fell inside a value). */
  whole?: FilePosition;
  stats: FileStats;
}

/** A regular, plain (not gzip) file of `min` bytes or more: open, to be sliced. */
function sliceable(file: string, min: number, limit: number): Slicing | undefined {
  if (file === STDIN) return undefined;
  const st = statSync(file, { throwIfNoEntry: false });
  if (!st?.isFile() || st.size < min || st.size > limit) return undefined;
  let fd: number;
  try {
    fd = openSync(file, "r");
  } catch {
    return undefined; // the whole-file read names the problem
  }
  const head = Buffer.alloc(2);
  let gzip = true; // or unreadable: the whole-file read decompresses it, or names the problem
  try {
    gzip = readSync(fd, head, 0, 2, 0) === 2 && head[0] === 0x1f && head[1] === 0x8b;
  } catch {
    // gzip stays true
  }
  if (gzip) {
    closeSync(fd);
    return undefined;
  }
  const stats = { chunks: 0, maxChunk: 0, maxBufferedChars: 0, slices: 0 };
  return { file, fd, size: st.size, next: { offset: 0, line: 1 }, sent: false, stats };
}

/**
 * The same read with the parsing in worker threads: the items come here in file order and the
 * newest-capture choice (with `o.index`) and the sink's calls stay on this thread, as in-thread.
 * A large JSON Lines file is cut into slices, parsed side by side and taken in order (a slice
 * held until the ones before it are in); any other file is read whole by one thread, in batches
 * acknowledged once the sink has taken them: the worker's backpressure.
 */
function readInWorkers(script: URL, files: string[], sink: RecordSink, o: ReadOptions): Promise<ReadSummary> {
  const { signal, onFileDone: _done, index, workerMinBytes: _min, workerScript: _s, ...rest } = o;
  const { parseWorkers: _w, slicing: _sl, ...options } = rest;
  const data: ParseWorkerData = { options, rows: typeof sink.putRow === "function" };
  const workers = Math.max(1, o.parseWorkers ?? DEFAULT_PARSE_WORKERS);
  const cut = o.slicing ?? { sliceBytes: SLICE_BYTES, minFileBytes: SLICE_FILE_BYTES };
  const limit = o.maxBytes ?? MAX_INPUT_BYTES;
  const reader = new ItemReader(files, sink, index?.() ?? memoryIndex());
  /** The file whose items are being taken. */
  let file = 0;
  let slicing: Slicing | undefined;
  /** Slices sent and not yet taken, in order (at most 2 × workers). */
  const pending: Slice[] = [];
  let seq = 0;
  /** Slices each thread still has to send back (counted for those dropped too). */
  const owed = Array<number>(workers).fill(0);
  /** The thread reading a whole file, while it does. */
  let streaming: number | undefined;
  /** Slices of the file being read whole that were taken before a cut fell inside a value. */
  let slicesBefore = 0;

  return new Promise<ReadSummary>((resolve, reject) => {
    let settled = false;
    const settle = (outcome: { summary: ReadSummary } | { err: unknown }): void => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener("abort", onAbort);
      if (slicing) closeSync(slicing.fd);
      slicing = undefined;
      void pool.terminate().then(() => ("err" in outcome ? reject(outcome.err) : resolve(outcome.summary)));
    };
    const pool = new WorkerPool<ToParser, FromParser>(script, workers, () => data, {
      message: (i, msg) => {
        if (settled) return;
        try {
          onMessage(i, msg);
        } catch (err) {
          settle({ err }); // the sink's own error, as it is
        }
      },
      mayExit: () => settled,
      failed: (_i, err) =>
        settle({
          err:
            err instanceof WorkerExit
              ? new Error(`the item parser worker exited (code ${err.code}) mid-read`)
              : new Error(`the item parser worker failed: ${err.message}`, { cause: err }),
        }),
    });

    const fileDone = (stats: FileStats): void => {
      o.onFileDone?.(files[file] ?? "", stats);
      file++;
      // As readInto: the files after the one that reached the limit are not read.
      if (reader.errors.length >= MAX_ERRORS) settle({ err: new InputError(reader.errors) });
    };

    const readWhole = (name: string, from?: FilePosition): void => {
      streaming = owed.indexOf(Math.min(...owed));
      pool.post(streaming, { kind: "file", file: name, ...(from ? { from } : {}) });
    };

    const sendSlice = (s: Slicing): void => {
      const at = s.next;
      const length = Math.min(cut.sliceBytes, s.size - at.offset);
      const buf = new Uint8Array(length);
      const got = readAt(s.file, s.fd, buf, at.offset);
      const last = at.offset + got >= s.size;
      let end = got;
      if (!last) {
        end = buf.lastIndexOf(0x0a, got - 1) + 1;
        // A line longer than a slice: the rest of the file is read whole from its start.
        if (end === 0) {
          s.whole = at;
          return;
        }
      }
      let lines = 0;
      for (let nl = buf.indexOf(0x0a); nl >= 0 && nl < end; nl = buf.indexOf(0x0a, nl + 1)) lines++;
      const slice: Slice = { seq: seq++, at };
      pending.push(slice);
      const w = slice.seq % workers;
      owed[w] = (owed[w] ?? 0) + 1;
      s.next = { offset: at.offset + end, line: at.line + lines };
      s.sent = last;
      const bytes = buf.subarray(0, end);
      pool.post(w, { kind: "slice", seq: slice.seq, file: s.file, bytes, at, last }, [buf.buffer]);
    };

    /** Take the slices that are in, in order, up to one whose cut fell inside a value (then `s.whole`). */
    const takeSlices = (s: Slicing): void => {
      while (pending[0]?.done && !settled) {
        const slice = pending.shift() as Slice;
        const { batches, outcome } = slice.done as NonNullable<Slice["done"]>;
        if (!outcome.clean) {
          // The cut fell inside a value: nothing of this slice or later ones reached the sink.
          s.whole = slice.at;
          pending.length = 0;
          return;
        }
        for (const batch of batches)
          for (const item of deserialize(batch) as WireItem[]) reader.accept(file, item);
        if (outcome.problem) return settle({ err: new InputError(outcome.problem) });
        s.stats.slices = (s.stats.slices ?? 0) + 1;
        s.stats.chunks += outcome.stats.chunks;
        s.stats.maxChunk = Math.max(s.stats.maxChunk, outcome.stats.maxChunk);
        s.stats.maxBufferedChars = Math.max(s.stats.maxBufferedChars, outcome.stats.maxBufferedChars);
      }
    };

    /** Send what can be sent and take what is in, until something must come back first. */
    const advance = (): void => {
      while (!settled && streaming === undefined) {
        if (slicing) {
          const s = slicing;
          takeSlices(s);
          if (settled) return;
          while (!s.sent && !s.whole && pending.length < 2 * workers) sendSlice(s);
          if (pending.length > 0) return;
          closeSync(s.fd);
          slicing = undefined;
          if (s.whole) {
            slicesBefore = s.stats.slices ?? 0;
            readWhole(s.file, s.whole);
          } else fileDone(s.stats);
          continue;
        }
        if (file >= files.length)
          return settle(
            reader.errors.length > 0 ? { err: new InputError(reader.errors) } : { summary: reader.finish() },
          );
        const name = files[file] as string;
        slicing = workers > 1 ? sliceable(name, cut.minFileBytes, limit) : undefined;
        if (!slicing) readWhole(name);
      }
    };

    const onMessage = (i: number, msg: FromParser): void => {
      switch (msg.kind) {
        case "items":
          for (const item of msg.items) {
            if (settled) return; // stopped by a signal mid-batch: nothing more reaches the sink
            reader.accept(file, item);
          }
          pool.post(i, { kind: "ack" });
          return;
        case "file-done":
          streaming = undefined;
          fileDone(slicesBefore > 0 ? { ...msg.stats, slices: slicesBefore } : msg.stats);
          slicesBefore = 0;
          return advance();
        case "input-error":
          return settle({ err: new InputError(msg.lines) });
        case "slice": {
          owed[i] = (owed[i] ?? 1) - 1;
          const slice = pending.find((p) => p.seq === msg.seq);
          if (!slice) return; // dropped: its file is being read whole
          slice.done = { batches: msg.batches, outcome: msg.outcome };
          return advance();
        }
      }
    };
    const onAbort = (): void => settle({ err: signal?.reason });
    if (signal?.aborted) onAbort();
    else signal?.addEventListener("abort", onAbort);
    try {
      advance();
    } catch (err) {
      settle({ err });
    }
  });
}
