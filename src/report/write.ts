// Reports of one scan written to a folder, one file per framework and format, each whole or absent:
// `dpscan report`, the demo and a schedule's after-actions (`dpscan serve`) all write them so.
// Frameworks that share a scope share one read of their findings: it tallies them all and, as it
// goes, spools each finding's JSON and CSV text, encoded once, to a temporary file; once the
// tallies are known (JSON and CSV files begin with them) the spool is copied into every JSON and
// CSV file that lists the finding. A sequential file is far cheaper to read again than SQLite.
import {
  closeSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  writeSync,
} from "node:fs";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import type { ScanRow, Store } from "../store/store.js";
import {
  digestsOf,
  groupByScope,
  groupContext,
  mergeTallies,
  reportWaivers,
  tallyGroup,
  type GroupContext,
  type GroupTally,
  type Scoped,
  type SharedFindings,
} from "./build.js";
import type { ReadPart } from "../store/report-queries.js";
import { cachedCells, CsvRows, csvHead, findingCells } from "./csv.js";
import type { Framework } from "./frameworks.js";
import { findingJson, jsonHead, jsonTail } from "./json.js";
import { REQUIREMENT_STATUSES, STATUS_LABELS, type ReportDigest, type ReportFinding } from "./model.js";
import { PdfPrinter } from "./pdf.js";
import { EXTENSIONS, renderReport, reportChunks, type ReportFormat } from "./render.js";
import type { ReportScope } from "./scope.js";
import type { Waived } from "./waived.js";
import { BUILT } from "../util/worker-pool.js";

export interface Written {
  path: string;
  /** The path and the framework's requirement statuses, for the person watching. */
  line: string;
}

/**
 * Whether the reports are made on two threads: "auto" when the scan has THREADS_FROM findings or
 * more and the machine two cores or more; never for PDF (its browser is driven from this thread).
 */
export type ThreadsMode = "auto" | "on" | "off";
export const THREADS_FROM = 50_000;

/** Tally each framework once and write it in every format; returns the files written, framework by framework. */
export async function writeReports(o: {
  store: Store;
  scan: ScanRow;
  frameworks: readonly Framework[];
  formats: readonly ReportFormat[];
  dir: string;
  scopeFor: (frameworkId: string) => ReportScope;
  /** The waivers that apply to the scan (waiversForOutput). */
  waived: Waived;
  threads?: ThreadsMode;
  /** Stops the reports between steps (at once with threads); no file is left half-written. */
  signal?: AbortSignal;
}): Promise<Written[]> {
  mkdirSync(o.dir, { recursive: true });
  // A framework named twice is written once (its files would be one another's temporary files).
  const frameworks = [...new Map(o.frameworks.map((f) => [f.id, f])).values()];
  const groups = groupByScope(frameworks, o.scopeFor);
  const lines = new Map<string, string>();
  try {
    if (useThreads(o)) {
      const { writeInThreads } = await import("./write-threads.js");
      const job = { scanId: o.scan.id, formats: o.formats, dir: o.dir };
      for (const [p, l] of await writeInThreads(o.store.path, job, groups, o.waived, o.signal))
        lines.set(p, l);
    } else {
      const printer = o.formats.includes("pdf") ? new PdfPrinter() : undefined;
      try {
        for (const scoped of groups) {
          await pause(o.signal);
          const job = { scanId: o.scan.id, formats: o.formats, dir: o.dir, scoped, waived: o.waived };
          const g = await prepareGroup(o.store, job, { ...(printer ? { printer } : {}) });
          for (const [p, l] of g.lines) lines.set(p, l);
          if (!g.plan) continue;
          await pause(o.signal);
          copySpool(g.plan, g.plan.files);
          for (const p of g.plan.spools) rmSync(p, { force: true });
        }
      } finally {
        await printer?.close();
      }
    }
  } catch (err) {
    removeLeftovers(o.dir, frameworks, o.formats);
    throw err;
  }
  return o.frameworks.flatMap((fw) =>
    o.formats.map((format) => {
      const p = join(o.dir, `${fw.id}.${EXTENSIONS[format]}`);
      return { path: p, line: `${p}  ${lines.get(p) ?? ""}` };
    }),
  );
}

function useThreads(o: {
  store: Store;
  scan: ScanRow;
  formats: readonly ReportFormat[];
  threads?: ThreadsMode;
}): boolean {
  const mode = o.threads ?? "auto";
  // Run from the TypeScript sources (tests) there is no built worker to start.
  if (mode === "off" || !BUILT || o.formats.includes("pdf") || o.store.path === ":memory:") return false;
  if (!o.formats.some((f) => f === "json" || f === "csv")) return false;
  return mode === "on" || (availableParallelism() >= 2 && o.store.countFindings(o.scan.id) >= THREADS_FROM);
}

/** Let the event loop run (a signal's handler), then stop if asked to. */
export async function pause(signal: AbortSignal | undefined): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve));
  signal?.throwIfAborted();
}

/** The temporary files a run of these reports may have left: each file's, and the spool. */
export function removeLeftovers(
  dir: string,
  frameworks: readonly Framework[],
  formats: readonly ReportFormat[],
): void {
  for (const fw of frameworks)
    for (const format of formats)
      rmSync(tmpPath(join(dir, `${fw.id}.${EXTENSIONS[format]}`)), { force: true });
  for (let n = 0; n < SPOOLS; n++) rmSync(spoolPath(dir, n), { force: true });
}

/** One group of frameworks that share a scope (groupByScope), as a worker thread can be sent it. */
export interface GroupJob {
  scanId: number;
  formats: readonly ReportFormat[];
  dir: string;
  scoped: Scoped[];
  waived: Waived;
}

/**
 * The JSON and CSV files of a group still to write from its spool: each file's head is already in
 * its temporary file; the records are appended, then the tail, and the file renamed into place.
 */
export interface CopyPlan {
  /** Read one after the other: the findings in report order. */
  spools: string[];
  /** Rule numbers in the spool run from 0 to rules - 1. */
  rules: number;
  files: CopyFile[];
}

export interface CopyFile {
  path: string;
  kind: "json" | "csv";
  /** By spool rule number: the bytes before a finding's cells (CSV; empty for JSON), or null for a rule the file does not list. */
  leads: (Uint8Array | null)[];
  /** The findings the file lists. */
  count: number;
  tail: string;
  /** The file's size to come, roughly, to share the files between threads. */
  bytes: number;
}

export interface Prepared {
  /** Output path → the line printed for it. */
  lines: [string, string][];
  plan: CopyPlan | null;
}

/** A prepared group and its digests, one per framework (they read the store: they stay in this thread). */
export interface PreparedGroup extends Prepared {
  digests: ReportDigest[];
}

/** One read of (part of) a group's findings: its tallies, and the spool of their JSON and CSV text. */
export interface SpooledPart {
  tally: GroupTally;
  /** Null when neither JSON nor CSV is asked for. */
  spool: string | null;
  stats: SpoolStats;
}

/**
 * A group's digests from one read of its findings, or, with `other`, from this read of its FAIL
 * and UNKNOWN findings and another thread's of its PASS ones: its HTML, Markdown and PDF files
 * written, and the heads of its JSON and CSV files, which copySpool finishes from the spools.
 */
export async function prepareGroup(
  store: Store,
  job: GroupJob,
  opts: {
    printer?: PdfPrinter;
    other?: () => Promise<SpooledPart>;
    /** Sees each finding of this thread's read, in report order, as it is counted. */
    visit?: (f: ReportFinding) => void;
  } = {},
): Promise<PreparedGroup> {
  const ctx = groupContext(store, job.scanId, job.scoped, job.waived);
  const parts = [spoolPart(ctx, job, opts.other ? "open" : "all", 0, opts.visit)];
  try {
    if (opts.other) parts.push(await opts.other());
    const tally = parts.map((p) => p.tally).reduce((x, y) => mergeTallies(x, y));
    const group = digestsOf(ctx, tally);
    const path = (m: ReportDigest, format: ReportFormat): string =>
      join(job.dir, `${m.framework.id}.${EXTENSIONS[format]}`);
    const lines: [string, string][] = [];
    for (const m of group.digests) {
      const counts = REQUIREMENT_STATUSES.map((s) => `${m.summary.requirements[s]} ${STATUS_LABELS[s]}`).join(
        ", ",
      );
      for (const format of job.formats) lines.push([path(m, format), `(${m.framework.title}: ${counts})`]);
      for (const format of job.formats) {
        if (format === "pdf") writeWhole(path(m, format), [await renderReport(m, "pdf", opts.printer)]);
        else if (format === "html" || format === "md") writeWhole(path(m, format), reportChunks(m, format));
      }
    }
    const spools = parts.flatMap((p) => (p.spool === null ? [] : [p.spool]));
    if (spools.length === 0) return { lines, plan: null, digests: group.digests };
    const json = job.formats.includes("json");
    const csv = job.formats.includes("csv");
    const plan = copyPlan(group, spools, addStats(parts.map((p) => p.stats)), ctx.ruleIds, (m) => ({
      json: json ? path(m, "json") : null,
      csv: csv ? path(m, "csv") : null,
    }));
    return { lines, plan, digests: group.digests };
  } catch (err) {
    for (const p of parts) if (p.spool !== null) rmSync(p.spool, { force: true });
    throw err;
  }
}

/**
 * Tally `part` of a group's findings, spooling each one's JSON and CSV text as it is counted
 * (spool number `n`; a rule's number in it is its index in ctx.ruleIds).
 */
export function spoolPart(
  ctx: GroupContext,
  job: GroupJob,
  part: ReadPart,
  n: number,
  visit?: (f: ReportFinding) => void,
): SpooledPart {
  const json = job.formats.includes("json");
  const csv = job.formats.includes("csv");
  if (!json && !csv) return { tally: tallyGroup(ctx, part, visit), spool: null, stats: [] };
  const spool = new Spool(spoolPath(job.dir, n));
  try {
    const numbers = new Map(ctx.ruleIds.map((id, i) => [id, i]));
    const waivers = reportWaivers(job.waived);
    const cell = cachedCells();
    const tally = tallyGroup(ctx, part, (f) => {
      spool.add(
        numbers.get(f.ruleId) ?? -1,
        json ? findingJson(f) : "",
        csv ? findingCells(waivers, f, cell) : "",
      );
      visit?.(f);
    });
    spool.finish();
    return { tally, spool: spool.path, stats: spool.stats };
  } catch (err) {
    spool.remove();
    throw err;
  }
}

/**
 * The plan of a group's JSON and CSV files (`rules`: the rule IDs by the spools' rule numbers),
 * each file's head written to its temporary file: with copySpool, bytes exactly those of
 * jsonChunks and csvChunks for each digest.
 */
function copyPlan(
  group: SharedFindings,
  spools: string[],
  stats: SpoolStats,
  rules: readonly string[],
  paths: (m: ReportDigest) => { json: string | null; csv: string | null },
): CopyPlan {
  const files: CopyFile[] = [];
  const [count, jsonBytes, cellBytes] = [0, 1, 2].map((k) => (r: number) => stats[r]?.[k] ?? 0) as [
    (r: number) => number,
    (r: number) => number,
    (r: number) => number,
  ];
  try {
    for (const m of group.digests) {
      const p = paths(m);
      const listed = rules.map((id) => m.rules.some((r) => r.id === id));
      const sum = (per: (rule: number) => number): number =>
        listed.reduce((n, l, r) => (l ? n + per(r) : n), 0);
      if (p.json !== null) {
        head(p.json, jsonHead(m));
        const leads = listed.map((l) => (l ? NONE : null));
        const bytes = sum((r) => jsonBytes(r) + 2 * count(r));
        const tail = [...jsonTail(m)].join("");
        files.push({ path: p.json, kind: "json", leads, count: m.findingCount, tail, bytes });
      }
      if (p.csv !== null) {
        head(p.csv, [csvHead(m)]);
        const rows = new CsvRows(m);
        const leads = rules.map((id, r) => (listed[r] ? rows.lead(id) : null));
        const bytes = sum((r) => cellBytes(r) + ((leads[r]?.length ?? 0) + 2) * count(r));
        files.push({ path: p.csv, kind: "csv", leads, count: m.findingCount, tail: "", bytes });
      }
    }
  } catch (err) {
    for (const f of files) rmSync(tmpPath(f.path), { force: true });
    throw err;
  }
  return { spools, rules: rules.length, files };
}

/** A file's first bytes, left in its temporary file for copySpool to go on with. */
const head = (path: string, chunks: Iterable<string>): void => writeWhole(path, chunks, false);

/** Finish `files` (some or all of plan.files) from the spool: its records, then each tail. */
export function copySpool(plan: CopyPlan, files: readonly CopyFile[]): void {
  const sinks: Sink[] = [];
  try {
    for (const f of files) sinks.push(new Sink(f.path, { append: true }));
    const byRule: number[][] = Array.from({ length: plan.rules }, () => []);
    const leads = files.map((f) => f.leads.map((l) => (l ? asBuffer(l) : null)));
    for (const [i, f] of files.entries()) for (const [r, l] of f.leads.entries()) if (l) byRule[r]?.push(i);
    const left = files.map((f) => f.count);
    const puts = sinks.map(
      (s): Put =>
        (b, start, end) =>
          s.bytes(b, start, end),
    );
    for (const r of records(plan.spools)) {
      const to = byRule[r.rule];
      if (!to) throw new Error(`report spool: rule number ${r.rule} of ${plan.rules}`);
      for (const i of to) {
        left[i] = (left[i] as number) - 1;
        putRecord(
          (files[i] as CopyFile).kind,
          leads[i]?.[r.rule] as Buffer,
          r,
          (left[i] as number) > 0,
          puts[i] as Put,
        );
      }
    }
    for (const [i, f] of files.entries()) {
      checkCount(f, left[i] as number);
      (sinks[i] as Sink).write(f.tail);
    }
    for (const s of sinks) s.finish();
  } catch (err) {
    for (const s of sinks) s.abort();
    for (const f of files) rmSync(tmpPath(f.path), { force: true });
    throw err;
  }
}

/**
 * One file of a plan, whole, as chunks of about 1 MiB, for a writer that takes one file at a time
 * (an evidence pack): its head (left in its temporary file by copyPlan, removed here), its
 * records from the spools, then its tail. The spools are read once for each such file.
 */
export function* spooledFile(plan: CopyPlan, f: CopyFile): Generator<Buffer> {
  const tmp = tmpPath(f.path);
  yield readFileSync(tmp);
  rmSync(tmp, { force: true });
  const leads = f.leads.map((l) => (l ? asBuffer(l) : null));
  let left = f.count;
  // Each chunk a buffer of its own: the writer may hold it.
  const chunks: Buffer[] = [];
  let out = Buffer.allocUnsafe(SINK_BYTES);
  let used = 0;
  const bytes: Put = (b, start = 0, end = b.length) => {
    if (used + end - start > out.length) {
      if (used > 0) chunks.push(out.subarray(0, used));
      out = Buffer.allocUnsafe(Math.max(SINK_BYTES, end - start));
      used = 0;
    }
    used += b.copy(out, used, start, end);
  };
  for (const r of records(plan.spools)) {
    if (r.rule >= plan.rules) throw new Error(`report spool: rule number ${r.rule} of ${plan.rules}`);
    const lead = leads[r.rule];
    if (!lead) continue;
    left--;
    putRecord(f.kind, lead, r, left > 0, bytes);
    if (chunks.length > 0) yield* chunks.splice(0);
  }
  checkCount(f, left);
  if (used > 0) yield out.subarray(0, used);
  yield Buffer.from(f.tail, "utf8");
}

/** Bytes `start` to `end` of a buffer, appended to a file being written. */
type Put = (b: Buffer, start?: number, end?: number) => void;

/** A spool record in a JSON file (its text, then a comma unless it is the last) or a CSV one (its lead, cells, CRLF). */
function putRecord(
  kind: CopyFile["kind"],
  lead: Buffer,
  r: { buf: Buffer; json: number; cells: number; end: number },
  more: boolean,
  bytes: Put,
): void {
  if (kind === "json") {
    bytes(r.buf, r.json, r.cells);
    bytes(more ? COMMA_NL : NL);
  } else {
    bytes(lead);
    bytes(r.buf, r.cells, r.end);
    bytes(CRLF);
  }
}

/**
 * The spool holds what the tallying read counted: a count that differs would give a JSON file
 * whose positions point at the wrong findings.
 */
function checkCount(f: CopyFile, left: number): void {
  if (left !== 0) throw new Error(`report spool: ${f.path} is ${left} findings short`);
}

/** Bytes that crossed from another thread arrive as a plain Uint8Array. */
const asBuffer = (b: Uint8Array): Buffer =>
  Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);

const NONE = Buffer.alloc(0);

/**
 * Findings' JSON and CSV text, in report order, in a temporary file: each record a 12-byte
 * header (rule number, then the byte lengths of the JSON and of the CSV cells) and the bytes.
 */
class Spool {
  private readonly out: Sink;
  private readonly head = Buffer.alloc(12);
  private readonly json = new Encoded();
  private readonly cells = new Encoded();
  readonly stats: SpoolStats = [];

  constructor(readonly path: string) {
    this.out = new Sink(path, { rename: false });
  }

  add(rule: number, json: string, cells: string): void {
    this.json.set(json);
    this.cells.set(cells);
    this.head.writeUInt32LE(rule, 0);
    this.head.writeUInt32LE(this.json.length, 4);
    this.head.writeUInt32LE(this.cells.length, 8);
    this.out.bytes(this.head);
    this.out.bytes(this.json.buf, 0, this.json.length);
    this.out.bytes(this.cells.buf, 0, this.cells.length);
    const st = (this.stats[rule] ??= [0, 0, 0]);
    st[0]++;
    st[1] += this.json.length;
    st[2] += this.cells.length;
  }

  finish(): void {
    this.out.finish();
  }

  remove(): void {
    this.out.abort();
  }
}

/** By rule number: a spool's records, their JSON bytes and their cell bytes (to share files between threads). */
export type SpoolStats = [number, number, number][];

function addStats(all: SpoolStats[]): SpoolStats {
  const out: SpoolStats = [];
  for (const st of all)
    st.forEach(([n, j, c], r) => {
      // forEach skips the holes: rules with no finding in that spool.
      const o = (out[r] ??= [0, 0, 0]);
      o[0] += n;
      o[1] += j;
      o[2] += c;
    });
  return out;
}

/** The temporary file part `n` of a group's findings is spooled to, beside its reports. */
export const spoolPath = (dir: string, n: number): string => join(dir, `.findings.spool-${process.pid}-${n}`);
const SPOOLS = 2;

/** The records of several spools, one after the other. */
function* records(spools: readonly string[]): ReturnType<typeof spoolRecords> {
  for (const p of spools) yield* spoolRecords(p);
}

/** A spool's records in order; each is a view into a buffer reused for the next. */
function* spoolRecords(
  path: string,
): Generator<{ rule: number; buf: Buffer; json: number; cells: number; end: number }> {
  const fd = openSync(path, "r");
  try {
    let buf = Buffer.allocUnsafe(SPOOL_READ);
    let have = 0;
    let at = 0;
    const r = { rule: 0, buf, json: 0, cells: 0, end: 0 };
    for (;;) {
      if (have - at < 12 || have - at < 12 + buf.readUInt32LE(at + 4) + buf.readUInt32LE(at + 8)) {
        // Not a whole record left: keep the rest, read more (a buffer larger than one record).
        const need = have - at < 12 ? 12 : 12 + buf.readUInt32LE(at + 4) + buf.readUInt32LE(at + 8);
        const next = need > buf.length ? Buffer.allocUnsafe(need * 2) : buf;
        buf.copy(next, 0, at, have);
        buf = next;
        have -= at;
        at = 0;
        const n = readSync(fd, buf, have, buf.length - have, null);
        if (n === 0) {
          if (have !== 0) throw new Error(`report spool ${path}: ${have} bytes of a record at its end`);
          return;
        }
        have += n;
        continue;
      }
      r.buf = buf;
      r.rule = buf.readUInt32LE(at);
      r.json = at + 12;
      r.cells = r.json + buf.readUInt32LE(at + 4);
      r.end = r.cells + buf.readUInt32LE(at + 8);
      at = r.end;
      yield r;
    }
  } finally {
    closeSync(fd);
  }
}

const SPOOL_READ = 4 << 20;

const COMMA_NL = Buffer.from(",\n");
const NL = Buffer.from("\n");
const CRLF = Buffer.from("\r\n");

/** One string's UTF-8 bytes, in a buffer reused for the next. */
class Encoded {
  buf = Buffer.allocUnsafe(1 << 16);
  length = 0;

  set(s: string): void {
    if (s.length * 3 > this.buf.length) this.buf = Buffer.allocUnsafe(s.length * 3);
    this.length = this.buf.write(s, 0, "utf8");
  }
}

/** `finish`: false to leave the file under its temporary name (Sink.close). */
function writeWhole(path: string, chunks: Iterable<string | Buffer>, finish = true): void {
  const s = new Sink(path);
  try {
    for (const c of chunks) s.write(c);
    if (finish) s.finish();
    else s.close();
  } catch (err) {
    s.abort();
    throw err;
  }
}

/** Where a report is written until it is whole (the same name in every thread of this process). */
const tmpPath = (path: string): string => `${path}.tmp-${process.pid}`;

/**
 * A file written in pieces under a temporary name beside it and renamed when finished, so no one
 * reads half a report. Text is encoded straight into one reused buffer and written when it is
 * full: several files are written at once, a finding at a time, and gathering strings instead
 * left large strings and encoding buffers to allocate and collect for every write.
 */
export class Sink {
  private readonly tmp: string;
  private readonly fd: number;
  private readonly buf = Buffer.allocUnsafe(SINK_BYTES);
  private readonly rename: boolean;
  private used = 0;
  private closed = false;

  /**
   * `rename`: false for a file that is only temporary (written at `path`, removed by abort()).
   * `append`: go on with a temporary file another Sink wrote the start of and close()d.
   */
  constructor(
    private readonly path: string,
    opts: { rename?: boolean; append?: boolean } = {},
  ) {
    this.rename = opts.rename ?? true;
    this.tmp = this.rename ? tmpPath(path) : path;
    this.fd = openSync(this.tmp, opts.append ? "a" : "w");
  }

  write(c: string | Buffer): void {
    if (typeof c !== "string") return this.bytes(c);
    // UTF-8 takes at most 3 bytes per UTF-16 unit.
    if (this.used + c.length * 3 > SINK_BYTES) {
      this.flush();
      if (c.length * 3 > SINK_BYTES) return this.bytes(Buffer.from(c, "utf8"));
    }
    this.used += this.buf.write(c, this.used, "utf8");
  }

  /** Bytes `start` to `end` of `b`. */
  bytes(b: Buffer, start = 0, end = b.length): void {
    const length = end - start;
    if (this.used + length > SINK_BYTES) {
      this.flush();
      if (length > SINK_BYTES) {
        this.put(b, start, end);
        return;
      }
    }
    this.used += b.copy(this.buf, this.used, start, end);
  }

  /** Written so far, the file kept under its temporary name (see `append`). */
  close(): void {
    this.flush();
    this.closed = true;
    closeSync(this.fd);
  }

  finish(): void {
    this.close();
    if (this.rename) renameSync(this.tmp, this.path);
  }

  abort(): void {
    if (!this.closed) closeSync(this.fd);
    this.closed = true;
    rmSync(this.tmp, { force: true });
  }

  private flush(): void {
    this.put(this.buf, 0, this.used);
    this.used = 0;
  }

  private put(b: Buffer, start: number, end: number): void {
    for (let at = start; at < end;) at += writeSync(this.fd, b, at, end - at);
  }
}

const SINK_BYTES = 1 << 20;
