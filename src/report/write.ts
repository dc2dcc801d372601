// Reports of one scan written to a folder, one file per framework and format, each whole or absent:
// `dpscan report`, the demo and a schedule's after-actions (`dpscan serve`) all write them so.
// Frameworks that share a scope share their reads: one to tally them all (prepareReports), one
// for every JSON and CSV file together, each finding encoded once for all the files that list it.
import { closeSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";
import type { ScanRow, Store } from "../store/store.js";
import { prepareReports, type SharedFindings } from "./build.js";
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
  try {
    // A framework named twice is written once (its files would be one another's temporary files).
    const frameworks = [...new Map(o.frameworks.map((f) => [f.id, f])).values()];
    for (const group of prepareReports(o.store, o.scan.id, frameworks, o.scopeFor, o.waived)) {
      for (const m of group.digests) {
        const counts = REQUIREMENT_STATUSES.map(
          (s) => `${m.summary.requirements[s]} ${STATUS_LABELS[s]}`,
        ).join(", ");
        for (const format of o.formats) lines.set(path(m, format), `(${m.framework.title}: ${counts})`);
        for (const format of o.formats) {
          if (format === "pdf") writeWhole(path(m, format), [await renderReport(m, "pdf", printer)]);
          else if (format === "html" || format === "md") writeWhole(path(m, format), reportChunks(m, format));
        }
      }
      const json = o.formats.includes("json");
      const csv = o.formats.includes("csv");
      if (json || csv)
        writeFindingFiles(group, (m) => ({
          json: json ? path(m, "json") : null,
          csv: csv ? path(m, "csv") : null,
        }));
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
 * The JSON and CSV files of a group's frameworks, streamed together from one read of their
 * findings: bytes exactly those of jsonChunks and csvChunks for each digest.
 */
function writeFindingFiles(
  group: SharedFindings,
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
    const members = new Map<string, (typeof outs)[number][]>();
    for (const out of outs) {
      for (const c of jsonHead(out.m)) out.json?.write(c);
      out.csv?.write(csvHead(out.m));
      for (const r of out.m.rules) members.set(r.id, [...(members.get(r.id) ?? []), out]);
    }
    const wantJson = outs.some((x) => x.json);
    const wantCsv = outs.some((x) => x.csv);
    // Every digest of a group has the same waivers (one Waived), so a finding's cells are shared.
    const waivers = group.digests[0]?.waivers ?? [];
    const cell = cachedCells();
    // A finding's text is encoded once, then copied to each file that lists it.
    const json = new Encoded();
    const cells = new Encoded();
    for (const f of group.findings()) {
      const list = members.get(f.ruleId);
      if (!list) continue;
      if (wantJson) json.set(findingJson(f));
      if (wantCsv) cells.set(findingCells(waivers, f, cell));
      for (const out of list) {
        if (out.json) {
          out.json.bytes(json.buf, json.length);
          out.json.bytes(--out.left > 0 ? COMMA_NL : NL);
        }
        if (out.csv) {
          out.csv.bytes(out.rows.lead(f.ruleId));
          out.csv.bytes(cells.buf, cells.length);
          out.csv.bytes(CRLF);
        }
      }
    }
    for (const out of outs) for (const c of jsonTail(out.m)) out.json?.write(c);
    for (const s of sinks) s.finish();
  } catch (err) {
    for (const s of sinks) s.abort();
    throw err;
  }
}

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

  constructor(private readonly path: string) {
    this.tmp = `${path}.tmp-${process.pid}`;
    this.fd = openSync(this.tmp, "w");
  }

  write(c: string | Buffer): void {
    if (typeof c !== "string") return this.bytes(c, c.length);
    // UTF-8 takes at most 3 bytes per UTF-16 unit.
    if (this.used + c.length * 3 > SINK_BYTES) {
      this.flush();
      if (c.length * 3 > SINK_BYTES) return this.bytes(Buffer.from(c, "utf8"));
    }
    this.used += this.buf.write(c, this.used, "utf8");
  }

  /** The first `length` bytes of `b`. */
  bytes(b: Buffer, length = b.length): void {
    if (this.used + length > SINK_BYTES) {
      this.flush();
      if (length > SINK_BYTES) {
        writeAll(this.fd, b, length);
        return;
      }
    }
    this.used += b.copy(this.buf, this.used, 0, length);
  }

  finish(): void {
    this.flush();
    closeSync(this.fd);
    renameSync(this.tmp, this.path);
  }

  abort(): void {
    try {
      closeSync(this.fd);
    } catch {
      // already closed by finish(), which failed after: the temporary file still goes
    }
    rmSync(this.tmp, { force: true });
  }

  private flush(): void {
    writeAll(this.fd, this.buf, this.used);
    this.used = 0;
  }
}

const SINK_BYTES = 1 << 20;

function writeAll(fd: number, b: Buffer, length: number): void {
  for (let at = 0; at < length;) at += writeSync(fd, b, at, length - at);
}
