// Reports of one scan written to a folder, one file per framework and format, each whole or absent:
// `dpscan report`, the demo and a schedule's after-actions (`dpscan serve`) all write them so.
// Frameworks that share a scope share one read of their findings: it tallies them all and, as it
// goes, spools each finding's JSON and CSV text, encoded once, to a temporary file; once the
// tallies are known (JSON and CSV files begin with them) the spool is copied into every JSON and
// CSV file that lists the finding. A sequential file is far cheaper to read again than SQLite.
import { closeSync, mkdirSync, openSync, readSync, renameSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";
import type { ScanRow, Store } from "../store/store.js";
import { groupByScope, prepareShared, reportWaivers, type SharedFindings } from "./build.js";
import { cachedCells, CsvRows, csvHead, findingCells } from "./csv.js";
import type { Framework } from "./frameworks.js";
import { findingJson, jsonHead, jsonTail } from "./json.js";
import { REQUIREMENT_STATUSES, STATUS_LABELS, type ReportDigest } from "./model.js";
import { PdfPrinter } from "./pdf.js";
import { EXTENSIONS, renderReport, reportChunks, type ReportFormat } from "./render.js";
import type { ReportScope } from "./scope.js";
import type { Waived } from "./waived.js";

export interface Written {
  path: string;
  /** The path and the framework's requirement statuses, for the person watching. */
  line: string;
}

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
}): Promise<Written[]> {
  mkdirSync(o.dir, { recursive: true });
  const printer = o.formats.includes("pdf") ? new PdfPrinter() : undefined;
  const lines = new Map<string, string>();
  const path = (m: ReportDigest, format: ReportFormat): string =>
    join(o.dir, `${m.framework.id}.${EXTENSIONS[format]}`);
  const json = o.formats.includes("json");
  const csv = o.formats.includes("csv");
  try {
    // A framework named twice is written once (its files would be one another's temporary files).
    const frameworks = [...new Map(o.frameworks.map((f) => [f.id, f])).values()];
    for (const scoped of groupByScope(frameworks, o.scopeFor)) {
      const spool = json || csv ? new Spool(join(o.dir, `.findings.spool-${process.pid}`)) : null;
      try {
        const rules = new Map<string, number>();
        const waivers = reportWaivers(o.waived);
        const cell = cachedCells();
        const group = prepareShared(o.store, o.scan.id, scoped, o.waived, (f) => {
          let rule = rules.get(f.ruleId);
          if (rule === undefined) rules.set(f.ruleId, (rule = rules.size));
          spool?.add(rule, json ? findingJson(f) : "", csv ? findingCells(waivers, f, cell) : "");
        });
        for (const m of group.digests) {
          const counts = REQUIREMENT_STATUSES.map(
            (s) => `${m.summary.requirements[s]} ${STATUS_LABELS[s]}`,
          ).join(", ");
          for (const format of o.formats) lines.set(path(m, format), `(${m.framework.title}: ${counts})`);
          for (const format of o.formats) {
            if (format === "pdf") writeWhole(path(m, format), [await renderReport(m, "pdf", printer)]);
            else if (format === "html" || format === "md")
              writeWhole(path(m, format), reportChunks(m, format));
          }
        }
        if (spool)
          writeFindingFiles(group, spool, [...rules.keys()], (m) => ({
            json: json ? path(m, "json") : null,
            csv: csv ? path(m, "csv") : null,
          }));
      } finally {
        spool?.remove();
      }
    }
  } finally {
    await printer?.close();
  }
  return o.frameworks.flatMap((fw) =>
    o.formats.map((format) => {
      const p = join(o.dir, `${fw.id}.${EXTENSIONS[format]}`);
      return { path: p, line: `${p}  ${lines.get(p) ?? ""}` };
    }),
  );
}

/**
 * The JSON and CSV files of a group's frameworks, written together from the spool of their
 * findings (`rules`: the rule IDs by the spool's rule numbers): bytes exactly those of jsonChunks
 * and csvChunks for each digest.
 */
function writeFindingFiles(
  group: SharedFindings,
  spool: Spool,
  rules: readonly string[],
  paths: (m: ReportDigest) => { json: string | null; csv: string | null },
): void {
  const sinks: Sink[] = [];
  const open = (p: string | null): Sink | null => {
    if (p === null) return null;
    const s = new Sink(p);
    sinks.push(s);
    return s;
  };
  try {
    const outs = group.digests.map((m) => {
      const p = paths(m);
      return { m, json: open(p.json), csv: open(p.csv), rows: new CsvRows(m), left: m.findingCount };
    });
    type Out = (typeof outs)[number];
    const byRule: { outs: Out[]; leads: Buffer[] }[] = rules.map((id) => {
      const list = outs.filter((x) => x.m.rules.some((r) => r.id === id));
      return { outs: list, leads: list.map((x) => x.rows.lead(id)) };
    });
    for (const out of outs) {
      for (const c of jsonHead(out.m)) out.json?.write(c);
      out.csv?.write(csvHead(out.m));
    }
    for (const r of spool.records()) {
      const to = byRule[r.rule];
      if (!to) throw new Error(`report spool: rule number ${r.rule} of ${rules.length}`);
      for (const [i, out] of to.outs.entries()) {
        if (out.json) {
          out.json.bytes(r.buf, r.json, r.cells);
          out.json.bytes(--out.left > 0 ? COMMA_NL : NL);
        }
        if (out.csv) {
          out.csv.bytes(to.leads[i] as Buffer);
          out.csv.bytes(r.buf, r.cells, r.end);
          out.csv.bytes(CRLF);
        }
      }
    }
    for (const out of outs) {
      // The spool holds what the tallying read counted: a count that differs would give a
      // JSON file whose positions point at the wrong findings.
      if (out.left !== 0)
        throw new Error(`report spool: ${out.m.framework.id} is ${out.left} findings short`);
      for (const c of jsonTail(out.m)) out.json?.write(c);
    }
    for (const s of sinks) s.finish();
  } catch (err) {
    for (const s of sinks) s.abort();
    throw err;
  }
}

/**
 * Findings' JSON and CSV text, in report order, in a temporary file: each record a 12-byte
 * header (rule number, then the byte lengths of the JSON and of the CSV cells) and the bytes.
 */
class Spool {
  private readonly out: Sink;
  private readonly head = Buffer.alloc(12);
  private readonly json = new Encoded();
  private readonly cells = new Encoded();

  constructor(private readonly path: string) {
    this.out = new Sink(path, false);
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
  }

  /** The records in order; each is a view into a buffer reused for the next. */
  *records(): Generator<{ rule: number; buf: Buffer; json: number; cells: number; end: number }> {
    this.out.finish();
    const fd = openSync(this.path, "r");
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
            if (have !== 0)
              throw new Error(`report spool ${this.path}: ${have} bytes of a record at its end`);
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

  remove(): void {
    this.out.abort();
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

function writeWhole(path: string, chunks: Iterable<string | Buffer>): void {
  const s = new Sink(path);
  try {
    for (const c of chunks) s.write(c);
    s.finish();
  } catch (err) {
    s.abort();
    throw err;
  }
}

/**
 * A file written in pieces under a temporary name beside it and renamed when finished, so no one
 * reads half a report. Text is encoded straight into one reused buffer and written when it is
 * full: several files are written at once, a finding at a time, and gathering strings instead
 * left large strings and encoding buffers to allocate and collect for every write.
 */
class Sink {
  private readonly tmp: string;
  private readonly fd: number;
  private readonly buf = Buffer.allocUnsafe(SINK_BYTES);
  private used = 0;
  private closed = false;

  /** `rename`: false for a file that is only temporary (written at `path`, removed by abort()). */
  constructor(
    private readonly path: string,
    private readonly rename = true,
  ) {
    this.tmp = rename ? `${path}.tmp-${process.pid}` : path;
    this.fd = openSync(this.tmp, "w");
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
        writeAll(this.fd, b, start, end);
        return;
      }
    }
    this.used += b.copy(this.buf, this.used, start, end);
  }

  finish(): void {
    this.flush();
    this.closed = true;
    closeSync(this.fd);
    if (this.rename) renameSync(this.tmp, this.path);
  }

  abort(): void {
    if (!this.closed) closeSync(this.fd);
    this.closed = true;
    rmSync(this.tmp, { force: true });
  }

  private flush(): void {
    writeAll(this.fd, this.buf, 0, this.used);
    this.used = 0;
  }
}

const SINK_BYTES = 1 << 20;

function writeAll(fd: number, b: Buffer, start: number, end: number): void {
  for (let at = start; at < end;) at += writeSync(fd, b, at, end - at);
}
