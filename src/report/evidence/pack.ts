// The evidence pack: for one stored scan and one or more frameworks, everything an auditor needs
// in one folder or zip — the reports in every format, the findings, the resource records behind
// each failing or unverified finding, the coverage table, the waivers in force, the scan's
// metadata, the exact rule and framework files, and a manifest of SHA-256 hashes (signed with --sign).
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { KeyObject } from "node:crypto";
import { findingIdentity } from "../../model/finding.js";
import type { Rule } from "../../rules/rule.js";
import type { Store } from "../../store/store.js";
import { waiversFor } from "../../store/waivers.js";
import { UsageError } from "../../util/errors.js";
import { VERSION } from "../../version.js";
import { groupByScope, reportWaivers } from "../build.js";
import type { Framework } from "../frameworks.js";
import type { ReportDigest, ReportFinding } from "../model.js";
import type { PdfPrinter } from "../pdf.js";
import { EXTENSIONS, TEXT_FORMATS, type ReportFormat } from "../render.js";
import { copySpool, pause, prepareGroup, Sink, spooledFile, type CopyFile, type CopyPlan } from "../write.js";
import { ScopeFilter, type ReportScope } from "../scope.js";
import { csvRow } from "../text.js";
import type { Waived } from "../waived.js";
import type { Content, PackWriter } from "./container.js";
import {
  MANIFEST_FILE,
  MANIFEST_FORMAT,
  manifestBytes,
  signManifest,
  SIGNATURE_FILE,
  type Manifest,
  type ManifestEntry,
} from "./manifest.js";

export interface PackInput {
  store: Store;
  scanId: number;
  frameworks: readonly Framework[];
  /** The rules loaded now: their files are copied when they are the ones that judged the scan. */
  rules: readonly Rule[];
  /** Each framework's scope (the regulated environment); the coverage table is their union. */
  scopeFor: (frameworkId: string) => ReportScope;
  /** The waivers that apply to the scan: its reports show them, waivers/ lists them. */
  waived: Waived;
  writer: PackWriter;
  /** A browser for the PDF reports; without one the pack has no PDFs (and says so). */
  printer?: PdfPrinter;
  signWith?: KeyObject;
  /** Where the reports are made before they go into the pack (default: the OS's temporary folder). */
  scratchDir?: string;
  /** Stops the pack between files (the caller removes what was written; the scratch folder goes). */
  signal?: AbortSignal;
}

export interface PackSummary {
  files: ManifestEntry[];
  signed: boolean;
  findings: number;
  records: number;
}

/** The stored finding's own fields (the reports beside them carry titles and remediation). */
const FINDING_COLUMNS = [
  "ruleId",
  "status",
  "severity",
  "resourceType",
  "resourceId",
  "arn",
  "accountId",
  "region",
  "message",
  "evidence",
] as const;

export async function writeEvidencePack(input: PackInput): Promise<PackSummary> {
  const { store, scanId, writer } = input;
  const scan = store.getScan(scanId);
  if (!scan) throw new UsageError(`no scan with id ${scanId}`);
  const files: ManifestEntry[] = [];
  const add = (path: string, content: Content): void => void files.push(writer.add(path, content));
  const addFile = (path: string, file: string): void => void files.push(writer.addFile(path, file));
  const scratch = mkdtempSync(join(input.scratchDir ?? tmpdir(), ".dpscan-evidence-"));
  try {
    const { models, wanted } = await addReports(input, scratch, add, addFile);
    const counts = await addFindings(store, scanId, wanted, scratch, add, addFile, input.signal);
    await pause(input.signal);
    addCoverage(
      store,
      scanId,
      input.frameworks.map((f) => input.scopeFor(f.id)),
      add,
    );
    addSources(store, scanId, input, add);
    add("waivers/waivers.json", waiversDocument(store, scanId, input.waived));
    add("scan.json", scanDocument(store, scanId, models, input));
    add("README.txt", readme(models, Boolean(input.printer)));
    const manifest: Manifest = {
      format: MANIFEST_FORMAT,
      dpscanVersion: VERSION,
      scan: { id: scan.id, startedAt: scan.startedAt, finishedAt: scan.finishedAt, status: scan.status },
      frameworks: input.frameworks.map((f) => f.id),
      algorithm: "sha256",
      files,
    };
    const bytes = manifestBytes(manifest);
    writer.add(MANIFEST_FILE, bytes);
    if (input.signWith)
      writer.add(SIGNATURE_FILE, `${JSON.stringify(signManifest(bytes, input.signWith), null, 2)}\n`);
    writer.close();
    return { files, signed: Boolean(input.signWith), ...counts };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** The findings the reports list as failing or unverified, and every result they count. */
interface Wanted {
  all: Set<string>;
  open: Set<string>;
}

/**
 * Every framework's reports, made as `dpscan report` makes them: frameworks sharing a scope read
 * their findings once, for the tallies, the identities the findings files keep and the spool their
 * JSON and CSV files are copied from (reading them once per file and framework, and once more for
 * the identities, was two thirds of a pack's time). Files are made in `scratch` and handed to the
 * writer whole, except a zip's JSON and CSV files, which it takes from the spool.
 */
async function addReports(
  input: PackInput,
  scratch: string,
  add: (path: string, content: Content) => void,
  addFile: (path: string, file: string) => void,
): Promise<{ models: ReportDigest[]; wanted: Wanted }> {
  const formats: ReportFormat[] = [...TEXT_FORMATS, ...(input.printer ? (["pdf"] as const) : [])];
  const wanted: Wanted = { all: new Set(), open: new Set() };
  const visit = (f: ReportFinding): void => {
    wanted.all.add(f.identity);
    if (f.status !== "PASS") wanted.open.add(f.identity);
  };
  const byId = new Map<string, ReportDigest>();
  // JSON and CSV files come straight from their group's spool (the plan's file by its path).
  const spooled = new Map<string, { plan: CopyPlan; file: CopyFile }>();
  const plans: CopyPlan[] = [];
  for (const scoped of groupByScope(input.frameworks, input.scopeFor)) {
    await pause(input.signal);
    const job = { scanId: input.scanId, formats, dir: scratch, scoped, waived: input.waived };
    const g = await prepareGroup(input.store, job, {
      ...(input.printer ? { printer: input.printer } : {}),
      visit,
    });
    for (const m of g.digests) byId.set(m.framework.id, m);
    if (!g.plan) continue;
    plans.push(g.plan);
    for (const file of g.plan.files) spooled.set(file.path, { plan: g.plan, file });
  }
  const models = input.frameworks.map((f) => byId.get(f.id) as ReportDigest);
  // A folder takes the files whole (renamed into place: written once); a zip takes the JSON and
  // CSV files from the spool, one pass each, so the scratch folder never holds them all.
  if (input.writer.movesFiles) {
    for (const plan of plans) {
      await pause(input.signal);
      copySpool(plan, plan.files);
    }
    spooled.clear();
  }
  for (const m of models)
    for (const format of formats) {
      const name = `${m.framework.id}.${EXTENSIONS[format]}`;
      const path = join(scratch, name);
      await pause(input.signal);
      const from = spooled.get(path);
      if (from) add(`reports/${name}`, spooledFile(from.plan, from.file));
      else addFile(`reports/${name}`, path);
    }
  for (const p of plans.flatMap((x) => x.spools)) rmSync(p, { force: true });
  return { models, wanted };
}

/** findings.{json,csv} for every in-scope result, records.jsonl for the resources behind FAIL and UNKNOWN. */
async function addFindings(
  store: Store,
  scanId: number,
  wanted: Wanted,
  scratch: string,
  add: (path: string, content: Content) => void,
  addFile: (path: string, file: string) => void,
  signal: AbortSignal | undefined,
): Promise<{ findings: number; records: number }> {
  const counts = { findings: 0, records: 0 };
  // One read of the results, without the records behind them, gives both files: the CSV is
  // written to `scratch` as the JSON goes into the pack, then handed over whole.
  const csvPath = join(scratch, "findings.csv");
  await pause(signal);
  add(
    "findings/findings.json",
    (function* () {
      const csv = new Sink(csvPath, { rename: false });
      let written = false;
      try {
        csv.write(csvRow(FINDING_COLUMNS));
        yield "[\n";
        let first = true;
        for (const finding of store.iterateFindingRows(scanId)) {
          if (!wanted.all.has(findingIdentity(finding))) continue;
          counts.findings++;
          const doc = Object.fromEntries(FINDING_COLUMNS.map((c) => [c, finding[c]]));
          yield `${first ? "" : ",\n"}  ${JSON.stringify(doc)}`;
          csv.write(csvRow(FINDING_COLUMNS.map((c) => finding[c])));
          first = false;
        }
        yield first ? "]\n" : "\n]\n";
        csv.finish();
        written = true;
      } finally {
        if (!written) csv.abort();
      }
    })(),
  );
  await pause(signal);
  addFile("findings/findings.csv", csvPath);
  await pause(signal);
  const seen = new Set<number>();
  add(
    "resources/records.jsonl",
    (function* () {
      const open = store.iterateFindingsWithRecords(scanId, undefined, { open: true });
      for (const { finding, resourcePk, record } of open) {
        if (resourcePk === null || seen.has(resourcePk) || !wanted.open.has(findingIdentity(finding)))
          continue;
        const r = record();
        if (!r) continue;
        seen.add(resourcePk);
        counts.records++;
        yield `${JSON.stringify(r)}\n`;
      }
    })(),
  );
  return counts;
}

function addCoverage(
  store: Store,
  scanId: number,
  scopes: readonly ReportScope[],
  add: (path: string, content: Content) => void,
): void {
  const filters = scopes.map((s) => new ScopeFilter(s));
  const rows = store.coverage(scanId).filter((c) => filters.some((f) => f.coverageIn(c)));
  const cols = [
    "accountId",
    "region",
    "scope",
    "service",
    "operation",
    "status",
    "errorCode",
    "errorMessage",
    "resourceTypes",
    "resourceCount",
    "apiCalls",
  ] as const;
  add(
    "coverage/coverage.json",
    `${JSON.stringify(
      rows.map((r) => Object.fromEntries(cols.map((c) => [c, r[c] ?? null]))),
      null,
      2,
    )}\n`,
  );
  add("coverage/coverage.csv", [csvRow(cols), ...rows.map((r) => csvRow(cols.map((c) => r[c] ?? null)))]);
}

/** The exact rule and framework files: a rule file that changed since the scan cannot stand as its evidence. */
function addSources(
  store: Store,
  scanId: number,
  input: PackInput,
  add: (path: string, content: Content) => void,
): void {
  const byId = new Map(input.rules.map((r) => [r.id, r]));
  const needed = new Set(input.frameworks.flatMap((f) => [...f.rules.keys()]));
  const changed: string[] = [];
  for (const stamp of store.scanRules(scanId)) {
    if (!needed.has(stamp.id)) continue;
    const rule = byId.get(stamp.id);
    if (!rule || rule.sha256 !== stamp.sha256) {
      changed.push(stamp.id);
      continue;
    }
    add(`rules/${rule.id}.yaml`, readFileSync(rule.file));
  }
  if (changed.length > 0)
    throw new UsageError(
      `the rule file(s) ${changed.join(", ")} differ from the ones that judged scan ${scanId} (or are missing): ` +
        "an evidence pack must carry the exact rules used; pass --rules with that rule set, or re-run the scan",
    );
  for (const f of input.frameworks) add(`frameworks/${f.id}.yaml`, readFileSync(f.file));
}

/**
 * The waivers in force for the scan, as its reports applied them, and where they came from: the
 * record kept with the scan (the waivers that applied then), or a file given now.
 */
function waiversDocument(store: Store, scanId: number, waived: Waived): string {
  const recorded = waiversFor(store, scanId)[0];
  const doc = {
    scanId,
    origin: waived.origin,
    file: waived.file ?? null,
    recordedAt: recorded?.recordedAt ?? null,
    waivedResults: waived.byFinding.size,
    waivers: reportWaivers(waived),
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}

function scanDocument(
  store: Store,
  scanId: number,
  models: readonly ReportDigest[],
  input: PackInput,
): string {
  const scan = store.getScan(scanId);
  const doc = {
    scan,
    rules: store.scanRules(scanId),
    scopes: Object.fromEntries(input.frameworks.map((f) => [f.id, input.scopeFor(f.id)])),
    frameworks: models.map((m) => ({
      id: m.framework.id,
      version: m.framework.version,
      sha256: m.framework.sha256,
      summary: m.summary,
    })),
    resourceCounts: store.countResources(scanId),
    dpscanVersion: VERSION,
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}

function readme(models: readonly ReportDigest[], pdf: boolean): string {
  const m = models[0];
  return [
    "dpscan evidence pack",
    "",
    m
      ? `Scan ${m.scan.id}, started ${m.scan.startedAt}; frameworks: ${models.map((x) => x.framework.id).join(", ")}.`
      : "",
    "",
    "reports/      the framework reports (html, md, json, csv" +
      (pdf ? ", pdf" : "; no PDF: Chromium was not used") +
      ")",
    "findings/     every in-scope result of the frameworks' rules (json, csv)",
    "resources/    records.jsonl: the resource record behind each FAIL and UNKNOWN finding",
    "coverage/     what the scan could and could not read, per account, region and listing",
    "waivers/      waivers.json: the risks accepted for this scan (who, why, until when), as the reports show them",
    "rules/        the exact rule files that judged the scan",
    "frameworks/   the framework definitions the reports used",
    "scan.json     the scan's metadata, options, rule hashes and scope",
    "manifest.json the SHA-256 of every file; manifest.sig its Ed25519 signature (when signed)",
    "",
    "Check it: dpscan evidence verify <this folder or zip> --public-key <the signer's .pub>",
    "",
  ].join("\n");
}
