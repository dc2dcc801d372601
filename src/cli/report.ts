// `dpscan report`: compliance reports of one stored scan, one file per framework and format.
// Scope comes from flags, else the settings file's `reports:` section for that framework.
import { closeSync, mkdirSync, openSync, renameSync, writeSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import { regionProblem } from "../aws/regions.js";
import { ACCOUNT_ID_PATTERN } from "../model/scan-options.js";
import {
  buildReport,
  chromiumExecutable,
  EXTENSIONS,
  loadFrameworks,
  parseScopeTag,
  PdfPrinter,
  REPORT_FORMATS,
  renderReport,
  reportChunks,
  REQUIREMENT_STATUSES,
  STATUS_LABELS,
  type Framework,
  type ReportFormat,
  type ReportScope,
  WHOLE_SCAN,
} from "../report/index.js";
import { loadRules } from "../rules/loader.js";
import type { Rule } from "../rules/rule.js";
import { Store, type ScanRow } from "../store/store.js";
import { InputError, UsageError } from "../util/errors.js";
import { suggest } from "../util/suggest.js";
import { readSourceFile } from "../util/yaml-source.js";
import { globals, oneOf, out, parseList } from "./context.js";
import type { Settings } from "./scan-options.js";

export const DEFAULT_REPORTS_DIR = "dpscan-reports";

/** The flags `report` and `evidence` share: which scan, frameworks and scope, and where rules live. */
export interface ReportInputFlags {
  scan?: string;
  framework: string;
  accounts?: string;
  regions?: string;
  scopeTag: string[];
  config?: string | false;
  rules?: string;
  frameworks?: string;
}

interface Flags extends ReportInputFlags {
  format: string;
  out: string;
}

/** --scan, --framework, the scope flags, --config and the rule/framework directories. */
export function addReportInputFlags(c: Command): Command {
  return c
    .option("--scan <id>", "a scan id (default: the latest complete scan)")
    .option("--framework <ids>", "comma-separated framework IDs, or all", "all")
    .option("--accounts <ids>", "only these accounts (the regulated environment)")
    .option("--regions <names>", "only these regions")
    .option("--scope-tag <key=value>", "only resources with this tag (repeatable: any of them)", collect, [])
    .option("--rules <dir>", "rules directory (default: the built-in rules)")
    .option("--frameworks <dir>", "frameworks directory (default: the built-in frameworks)");
}

export interface ReportInputs {
  rules: Rule[];
  frameworks: Framework[];
  scopeFor: (frameworkId: string) => ReportScope;
  db: string;
}

/** Every input checked before the database is opened: rules, frameworks, settings and scopes. */
export function resolveReportInputs(flags: ReportInputFlags, cmd: Command): ReportInputs {
  // The settings file (global --config / --no-config) is read once per run, for every command.
  const { settings, db } = globals(cmd);
  const rules = loadRules(flags.rules);
  const all = frameworksFor(rules, flags);
  checkSettingsFrameworks(settings, all);
  const frameworks = pickFrameworks(all, flags.framework);
  const scopes = new Map(frameworks.map((f) => [f.id, scopeFor(f.id, flags, settings)]));
  return { rules, frameworks, scopeFor: (id) => scopes.get(id) ?? WHOLE_SCAN, db };
}

export function define(cmd: Command): void {
  addReportInputFlags(
    cmd
      .option("-f, --format <formats>", `comma-separated: ${REPORT_FORMATS.join(", ")}`, "html")
      .option("-o, --out <dir>", "directory the reports are written to", DEFAULT_REPORTS_DIR),
  ).action(async (flags: Flags, cmd: Command) => {
    const formats = [
      ...new Set((parseList(flags.format) ?? ["html"]).map((f) => oneOf("--format", f, REPORT_FORMATS))),
    ];
    if (formats.includes("pdf")) chromiumExecutable(); // fail before any work when Chromium is missing
    const { frameworks, scopeFor: scopes, db } = resolveReportInputs(flags, cmd);
    const store = new Store(db);
    try {
      const scan = pickScan(store, flags.scan);
      const written = await writeReports({
        store,
        scan,
        frameworks,
        formats,
        dir: flags.out,
        scopeFor: scopes,
      });
      for (const w of written) out(w.line);
    } finally {
      store.close();
    }
  });
}

const collect = (v: string, prev: string[]): string[] => [...prev, v];

/**
 * The frameworks, checked against the loaded rules. With another rules directory and the built-in
 * frameworks, a rule they name may be missing: the error says what to pass instead.
 */
export function frameworksFor(rules: Rule[], dirs: { rules?: string; frameworks?: string }): Framework[] {
  try {
    return loadFrameworks(rules, dirs.frameworks);
  } catch (err) {
    if (!(err instanceof InputError) || dirs.rules === undefined || dirs.frameworks !== undefined) throw err;
    throw new InputError([
      ...err.lines,
      `the built-in frameworks name rules that are not in ${dirs.rules}: pass --frameworks DIR with frameworks for those rules`,
    ]);
  }
}

export interface Written {
  path: string;
  /** The path and the framework's requirement statuses, for the person watching. */
  line: string;
}

/** Build each framework's model once and write it in every format; returns the files written. */
export async function writeReports(o: {
  store: Store;
  scan: ScanRow;
  frameworks: readonly Framework[];
  formats: readonly ReportFormat[];
  dir: string;
  scopeFor: (frameworkId: string) => ReportScope;
}): Promise<Written[]> {
  mkdirSync(o.dir, { recursive: true });
  const printer = o.formats.includes("pdf") ? new PdfPrinter() : undefined;
  const written: Written[] = [];
  try {
    for (const fw of o.frameworks) {
      const model = buildReport(o.store, o.scan.id, fw, o.scopeFor(fw.id));
      const counts = REQUIREMENT_STATUSES.map(
        (s) => `${model.summary.requirements[s]} ${STATUS_LABELS[s]}`,
      ).join(", ");
      for (const format of o.formats) {
        const path = join(o.dir, `${fw.id}.${EXTENSIONS[format]}`);
        if (format === "pdf") writeAtomically(path, [await renderReport(model, "pdf", printer)]);
        else writeAtomically(path, reportChunks(model, format));
        written.push({ path, line: `${path}  (${fw.title}: ${counts})` });
      }
    }
  } finally {
    await printer?.close();
  }
  return written;
}

/** Write in pieces to a temporary file, then rename: a failed run never leaves half a report. */
function writeAtomically(path: string, chunks: Iterable<string | Buffer>): void {
  const tmp = `${path}.tmp-${process.pid}`;
  const fd = openSync(tmp, "w");
  try {
    // Gathered to 64 KiB: a write per finding was a million system calls for a large scan.
    let pending = "";
    for (const c of chunks) {
      if (typeof c !== "string") {
        if (pending) writeSync(fd, pending);
        pending = "";
        writeSync(fd, c);
        continue;
      }
      pending += c;
      if (pending.length >= 1 << 16) {
        writeSync(fd, pending);
        pending = "";
      }
    }
    if (pending) writeSync(fd, pending);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

export function pickScan(store: Store, id: string | undefined): ScanRow {
  const scan =
    id === undefined
      ? store.latestCompleteScan()
      : Number.isInteger(Number(id))
        ? store.getScan(Number(id))
        : undefined;
  if (!scan)
    throw new UsageError(
      id === undefined
        ? `no complete scan in ${store.path}; run "dpscan scan" or "dpscan evaluate" first`
        : `no scan with id ${id}`,
    );
  if (scan.status !== "complete")
    throw new UsageError(
      `scan ${scan.id} is ${scan.status}: reports are made from complete scans only (continue it with dpscan scan --resume)`,
    );
  return scan;
}

export function pickFrameworks(all: Framework[], wanted: string): Framework[] {
  const ids = parseList(wanted) ?? ["all"];
  if (ids.includes("all")) return all;
  const known = all.map((f) => f.id);
  return ids.map((id) => {
    const f = all.find((x) => x.id === id);
    if (!f)
      throw new UsageError(
        `no framework "${id}"${suggest(id, known)}; choose ${[...known, "all"].join(", ")}`,
      );
    return f;
  });
}

/** A `reports:` key that names no framework is a typo, reported where it is written. */
function checkSettingsFrameworks(settings: Settings, all: Framework[]): void {
  const reports = (settings.data.reports ?? {}) as Record<string, unknown>;
  const known = all.map((f) => f.id);
  const bad = Object.keys(reports).filter((k) => !known.includes(k));
  if (bad.length === 0 || !settings.file) return;
  const src = readSourceFile(settings.file);
  throw new InputError(
    bad.map((k) => `${src.where(["reports"], k)}: reports.${k}: no framework "${k}"${suggest(k, known)}`),
  );
}

function scopeFor(frameworkId: string, flags: ReportInputFlags, settings: Settings): ReportScope {
  const fromFile =
    (
      (settings.data.reports ?? {}) as Record<
        string,
        { accounts?: string[]; regions?: string[]; scopeTags?: string[] }
      >
    )[frameworkId] ?? {};
  const accounts = checked(
    parseList(flags.accounts),
    ACCOUNT_ID_PATTERN,
    "--accounts",
    "a 12-digit account ID",
  );
  const regions = parseList(flags.regions);
  for (const r of regions ?? []) {
    const problem = regionProblem(r);
    if (problem) throw new UsageError(`--regions: ${problem}`);
  }
  const where = `${settings.file ?? ""}: reports.${frameworkId}.scopeTags`;
  return {
    accounts: accounts ?? fromFile.accounts ?? null,
    regions: regions ?? fromFile.regions ?? null,
    tags:
      flags.scopeTag.length > 0
        ? flags.scopeTag.map((t) => parseScopeTag(t))
        : (fromFile.scopeTags ?? []).map((t) => parseScopeTag(t, where)),
  };
}

function checked(
  list: string[] | undefined,
  pattern: string,
  flag: string,
  what: string,
): string[] | undefined {
  for (const v of list ?? [])
    if (!new RegExp(pattern).test(v)) throw new UsageError(`${flag}: "${v}" is not ${what}`);
  return list;
}
