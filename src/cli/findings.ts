// `dpscan findings`: a stored scan's findings, filtered, with each one's lifecycle (`--new`,
// `--since`, its age), WAIVED beside a waived result, and exports for the security tools users
// already run (`--format ocsf`, `--format asff`).
import type { Command } from "commander";
import { KNOWN_REGIONS } from "../aws/regions.js";
import { WHOLE_SCOPE_ID } from "../model/finding.js";
import { GLOBAL_REGION, RESOURCE_TYPES } from "../model/resource-types.js";
import { isSeverity, SEVERITIES, STATUSES, type Status } from "../model/severity.js";
import { asffBatches, asffFinding } from "../report/asff.js";
import { waiverOf } from "../report/finding-history.js";
import { FINDINGS_TABLE_COLUMNS, findingsTableRows, type TableContext } from "../report/findings-view.js";
import { ocsfFinding } from "../report/ocsf.js";
import { ruleInfos } from "../report/rule-info.js";
import { PLAIN } from "../report/text.js";
import type { Waived } from "../report/waived.js";
import { loadRules } from "../rules/loader.js";
import type { FindingFilter, ScanRow, Store } from "../store/store.js";
import { UsageError } from "../util/errors.js";
import { closest } from "../util/suggest.js";
import { globals, oneOf, openStore, parseList, stdoutStyle } from "./context.js";
import { emitReport, findingsContext } from "./findings-output.js";
import { collect, OUTPUT_HELP, outputFiles, REPORT_FORMATS, stdout, writeChunks } from "./output.js";
import { selectScan } from "./scan-select.js";
import { WAIVERS_HELP, waiverFileFor } from "./waivers-file.js";

/** The finding document's formats, and the exports (stdout only, one JSON document a line). */
const FINDINGS_FORMATS = [...REPORT_FORMATS, "ocsf", "asff"] as const;

interface Opts {
  scan?: string;
  status?: string;
  severity?: string;
  rule?: string;
  account?: string;
  region?: string;
  type?: string;
  limit?: string;
  new?: boolean;
  since?: string;
  waivers?: string;
  format: string;
  output: string[];
}

export function define(cmd: Command): void {
  cmd
    .option("--scan <id>", "a scan id (default: the latest complete scan)")
    .option("--status <list>", `comma-separated: ${STATUSES.join(",")} (default: FAIL,UNKNOWN)`)
    .option("--severity <level>", `at or above: ${SEVERITIES.join(", ")}`)
    .option("--rule <ids>", "comma-separated rule ids")
    .option("--account <ids>", "comma-separated account ids")
    .option("--region <names>", "comma-separated regions (global for global types)")
    .option("--type <types>", "comma-separated resource types, e.g. AWS::EC2::Volume")
    .option("--limit <n>", "at most N findings")
    .option("--new", "only findings this scan opened (first seen, or reopened)")
    .option("--since <date>", "only findings first seen on or after DATE (YYYY-MM-DD or ISO 8601)")
    .option("--waivers <file>", WAIVERS_HELP)
    .option("-f, --format <format>", FINDINGS_FORMATS.join(", "), "table")
    .option("-o, --output <file>", OUTPUT_HELP, collect, [])
    .action(async (opts: Opts, c: Command) => {
      const format = oneOf("--format", opts.format, FINDINGS_FORMATS);
      const files = outputFiles(opts.output);
      const partial = filterFromFlags(opts);
      if (opts.scan !== undefined && !/^\d+$/.test(opts.scan))
        throw new UsageError(`--scan must be a scan id, a number (got "${opts.scan}")`);
      const rules = loadRules();
      const file = waiverFileFor(
        globals(c).settings,
        opts.waivers,
        rules.map((r) => r.id),
      );
      const store = openStore(c);
      try {
        const scan = selectScan(store, opts.scan, c);
        const filter = { ...partial, ...checkedNames(store, scan, opts) };
        if (scan.status !== "complete")
          process.stderr.write(`dpscan: note: scan ${scan.id} is ${scan.status}; its findings are partial\n`);
        const database = globals(c).db;
        const context = findingsContext(store, scan, file);
        if (format === "ocsf" || format === "asff") {
          if (files.length > 0)
            throw new UsageError(`--output takes the document formats; --format ${format} writes to stdout`);
          const info = ruleInfos(store, scan.id, rules);
          await writeChunks(stdout(), exportLines(store, scan, filter, context.waived, format, info));
          return;
        }
        await emitReport(
          format,
          {
            store,
            scan,
            database,
            filter,
            waived: context.waived,
            table: (plain) =>
              tableChunks(store, scan, filter, database, plain ? PLAIN : stdoutStyle(c), context.table),
          },
          files,
        );
      } finally {
        store.close();
      }
    });
}

/** `--format ocsf` (one Compliance Finding a line) or `asff` (one BatchImportFindings body a line). */
function* exportLines(
  store: Store,
  scan: ScanRow,
  filter: FindingFilter,
  waived: Waived,
  format: "ocsf" | "asff",
  rules: ReturnType<typeof ruleInfos>,
): Generator<string> {
  const rows = store.iterateFindingDocs(scan.id, filter);
  if (format === "ocsf") {
    for (const f of rows)
      yield `${JSON.stringify(ocsfFinding(f, waiverOf(f, waived), scan, rules.get(f.ruleId)))}\n`;
    return;
  }
  // A gap behind an aggregator concerns no one account: Security Hub needs one.
  const accountless = store.countFindings(scan.id, { ...filter, accountIds: [WHOLE_SCOPE_ID] });
  if (accountless > 0)
    process.stderr.write(
      `dpscan: ${accountless} finding(s) concern every account behind an aggregator and have no account for ASFF; left out\n`,
    );
  const home = typeof scan.options.region === "string" ? scan.options.region : "us-east-1";
  const kept = (function* () {
    for (const f of rows) if (f.accountId !== WHOLE_SCOPE_ID) yield f;
  })();
  for (const batch of asffBatches(
    kept,
    (f) => asffFinding(f, waiverOf(f, waived), scan, rules.get(f.ruleId), home),
    home,
  ))
    yield `${JSON.stringify(batch)}\n`;
}

/** The table: a header naming the scan and the database, then the rows as they stream. */
function* tableChunks(
  store: Store,
  scan: ScanRow,
  filter: FindingFilter,
  database: string,
  style: ReturnType<typeof stdoutStyle>,
  context: TableContext,
): Generator<string> {
  const n = store.countFindings(scan.id, filter);
  yield `Scan ${scan.id} (${scan.kind}, ${scan.status}, started ${scan.startedAt}) in ${database}: ${n} finding(s)\n`;
  const widths = store.findingColumnWidths(scan.id, filter, FINDINGS_TABLE_COLUMNS);
  yield* findingsTableRows(widths, store.iterateFindingDocs(scan.id, filter), style, context);
}

function filterFromFlags(opts: Opts): FindingFilter {
  const statuses = (parseList(opts.status) ?? ["FAIL", "UNKNOWN"]).map((s) =>
    oneOf("--status", s.toUpperCase(), STATUSES),
  ) as Status[];
  if (opts.severity !== undefined && !isSeverity(opts.severity)) {
    throw new UsageError(`--severity must be one of ${SEVERITIES.join(", ")} (got "${opts.severity}")`);
  }
  const limit = opts.limit === undefined ? undefined : Number(opts.limit);
  if (limit !== undefined && (!/^\d+$/.test(opts.limit ?? "") || !Number.isSafeInteger(limit)))
    throw new UsageError("--limit must be a whole number");
  const accounts = parseList(opts.account);
  for (const a of accounts ?? [])
    if (!/^\d{12}$/.test(a) && a !== WHOLE_SCOPE_ID)
      throw new UsageError(`--account: "${a}" is not a 12-digit account ID`);
  return {
    statuses,
    ...(opts.severity ? { minSeverity: opts.severity as (typeof SEVERITIES)[number] } : {}),
    ...(accounts ? { accountIds: accounts } : {}),
    ...(opts.new ? { opened: true } : {}),
    ...(opts.since !== undefined ? { firstSeenSince: parseSince(opts.since) } : {}),
    ...(limit !== undefined ? { limit } : {}),
  };
}

/** `--since` as an ISO 8601 time; a date alone is its start (UTC). */
function parseSince(v: string): string {
  const t = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(v) ? `${v}T00:00:00Z` : v);
  if (Number.isNaN(t))
    throw new UsageError(`--since must be a date (YYYY-MM-DD) or an ISO 8601 time (got "${v}")`);
  return new Date(t).toISOString();
}

/**
 * Rule, region and type filters must name something dpscan knows: a misspelt one would match
 * nothing and read as "no findings". Rules are the scan's own; names are case-sensitive.
 */
function checkedNames(store: Store, scan: ScanRow, opts: Opts): FindingFilter {
  const rules = store.scanRuleIds(scan.id);
  const check = (
    flag: string,
    noun: string,
    values: string[] | undefined,
    known: readonly string[],
    where = "",
  ) => {
    for (const v of values ?? []) {
      if (known.includes(v)) continue;
      const near = closest(v, known);
      throw new UsageError(`${flag}: no ${noun} "${v}"${where}${near ? ` (did you mean "${near}"?)` : ""}`);
    }
    return values;
  };
  const ruleIds = check("--rule", "rule", parseList(opts.rule), rules, ` in scan ${scan.id}`);
  const regions = check("--region", "region", parseList(opts.region), [
    ...KNOWN_REGIONS,
    GLOBAL_REGION,
    WHOLE_SCOPE_ID,
  ]);
  const types = check("--type", "resource type", parseList(opts.type), Object.values(RESOURCE_TYPES));
  return {
    ...(ruleIds ? { ruleIds } : {}),
    ...(regions ? { regions } : {}),
    ...(types ? { resourceTypes: types } : {}),
  };
}
