import type { Command } from "commander";
import { csv, PLAIN, statusPaint, table, type TextStyle } from "../report/text.js";
import type { ScanRow, Store } from "../store/store.js";
import { UsageError } from "../util/errors.js";
import { VERSION } from "../version.js";
import { globals, hint, oneOf, openStore, stdoutStyle } from "./context.js";
import {
  collect,
  OUTPUT_HELP,
  outputFiles,
  REPORT_FORMATS,
  stdout,
  writeChunks,
  writeFileChunks,
} from "./output.js";

interface Listed extends ScanRow {
  counts: ReturnType<Store["scanCounts"]>;
}

export function define(cmd: Command): void {
  cmd
    .option("--limit <n>", "how many", "20")
    .option("-f, --format <format>", REPORT_FORMATS.join(", "), "table")
    .option("-o, --output <file>", OUTPUT_HELP, collect, [])
    .action(async (opts: { limit: string; format: string; output: string[] }, c: Command) => {
      const format = oneOf("--format", opts.format, REPORT_FORMATS);
      const files = outputFiles(opts.output);
      if (!/^\d+$/.test(opts.limit) || Number(opts.limit) < 1)
        throw new UsageError("--limit must be a whole number, at least 1");
      const store = openStore(c);
      try {
        const scans: Listed[] = store
          .listScans(Number(opts.limit))
          .map((s) => ({ ...s, counts: store.scanCounts(s.id) }));
        const database = globals(c).db;
        const render = (f: typeof format, style: TextStyle): string =>
          f === "json"
            ? `${JSON.stringify({ dpscanVersion: VERSION, database, scans }, null, 2)}\n`
            : f === "csv"
              ? scansCsv(scans)
              : scansTable(scans, database, style, hint(c, "scan --resume"));
        await writeChunks(stdout(), [render(format, stdoutStyle(c))]);
        for (const f of files) await writeFileChunks(f.file, [render(f.format, PLAIN)]);
      } finally {
        store.close();
      }
    });
}

const duration = (s: ScanRow): string =>
  s.durationMs === null ? "" : `${(s.durationMs / 1000).toFixed(1)}s`;

/** A failed or interrupted scan's reason; for a stale one, that nobody runs it. */
function note(s: ScanRow): string {
  if (s.stale)
    return `no live process${s.ownerPid === null ? "" : ` (pid ${s.ownerPid} on ${s.ownerHost ?? "?"})`}: it crashed or was killed`;
  return s.error ?? "";
}

function scansTable(scans: Listed[], database: string, style: TextStyle, resume: string): string {
  if (scans.length === 0) return `No scans in ${database}.\n`;
  const rows = scans.map((s) => [
    String(s.id),
    s.kind,
    s.stale ? "stale" : s.status,
    s.startedAt,
    duration(s),
    String(s.counts.resources),
    String(s.counts.FAIL),
    String(s.counts.UNKNOWN),
    String(s.counts.PASS),
    s.source,
    note(s),
  ]);
  const text = table(
    [
      "ID",
      "KIND",
      "STATUS",
      "STARTED",
      "DURATION",
      "RESOURCES",
      "FAIL",
      "UNKNOWN",
      "PASS",
      "SOURCE",
      "ERROR",
    ],
    rows,
    {
      maxCell: 120,
      ...(style.width !== undefined ? { width: style.width } : {}),
      paint: (col, cell) => (col === 2 ? statusPaint(style, cell) : cell),
    },
  );
  const lines = [`Scans in ${database}, newest first:`, "", text];
  if (scans.some((s) => s.stale))
    lines.push("", `stale: marked running, but the process that ran it is gone; "${resume}" continues it.`);
  return `${lines.join("\n")}\n`;
}

function scansCsv(scans: Listed[]): string {
  return csv(
    [
      "id",
      "kind",
      "status",
      "stale",
      "startedAt",
      "finishedAt",
      "durationMs",
      "resources",
      "FAIL",
      "UNKNOWN",
      "PASS",
      "source",
      "error",
    ],
    scans.map((s) => [
      s.id,
      s.kind,
      s.status,
      s.stale,
      s.startedAt,
      s.finishedAt,
      s.durationMs,
      s.counts.resources,
      s.counts.FAIL,
      s.counts.UNKNOWN,
      s.counts.PASS,
      s.source,
      note(s) || null,
    ]),
  );
}
