import type { Command } from "commander";
import { KNOWN_REGIONS } from "../aws/regions.js";
import { WHOLE_SCOPE_ID } from "../model/finding.js";
import { GLOBAL_REGION, RESOURCE_TYPES } from "../model/resource-types.js";
import { isSeverity, SEVERITIES, STATUSES, type Status } from "../model/severity.js";
import { FINDINGS_TABLE_COLUMNS, findingsTableRows } from "../report/findings-view.js";
import { PLAIN } from "../report/text.js";
import type { FindingFilter, ScanRow, Store } from "../store/store.js";
import { UsageError } from "../util/errors.js";
import { closest } from "../util/suggest.js";
import { globals, hint, oneOf, openStore, parseList, stdoutStyle } from "./context.js";
import { emitReport } from "./findings-output.js";
import { collect, OUTPUT_HELP, outputFiles, REPORT_FORMATS } from "./output.js";

interface Opts {
  scan?: string;
  status?: string;
  severity?: string;
  rule?: string;
  account?: string;
  region?: string;
  type?: string;
  limit?: string;
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
    .option("-f, --format <format>", REPORT_FORMATS.join(", "), "table")
    .option("-o, --output <file>", OUTPUT_HELP, collect, [])
    .action(async (opts: Opts, c: Command) => {
      const format = oneOf("--format", opts.format, REPORT_FORMATS);
      const files = outputFiles(opts.output);
      const partial = filterFromFlags(opts);
      if (opts.scan !== undefined && !/^\d+$/.test(opts.scan))
        throw new UsageError(`--scan must be a scan id, a number (got "${opts.scan}")`);
      const store = openStore(c);
      try {
        const scan = chosenScan(store, opts.scan, c);
        const filter = { ...partial, ...checkedNames(store, scan, opts) };
        if (scan.status !== "complete")
          process.stderr.write(`dpscan: note: scan ${scan.id} is ${scan.status}; its findings are partial\n`);
        const database = globals(c).db;
        await emitReport(
          format,
          {
            store,
            scan,
            database,
            filter,
            table: (plain) => tableChunks(store, scan, filter, database, plain ? PLAIN : stdoutStyle(c)),
          },
          files,
        );
      } finally {
        store.close();
      }
    });
}

/** The table: a header naming the scan and the database, then the rows as they stream. */
function* tableChunks(
  store: Store,
  scan: ScanRow,
  filter: FindingFilter,
  database: string,
  style: ReturnType<typeof stdoutStyle>,
): Generator<string> {
  const n = store.countFindings(scan.id, filter);
  yield `Scan ${scan.id} (${scan.kind}, ${scan.status}, started ${scan.startedAt}) in ${database}: ${n} finding(s)\n`;
  const widths = store.findingColumnWidths(scan.id, filter, FINDINGS_TABLE_COLUMNS);
  yield* findingsTableRows(widths, store.iterateFindingDocs(scan.id, filter), style);
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
    ...(limit !== undefined ? { limit } : {}),
  };
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

function chosenScan(store: Store, id: string | undefined, c: Command): ScanRow {
  if (id !== undefined) {
    const scan = store.getScan(Number(id));
    if (!scan) throw new UsageError(`no scan with id ${id} in ${store.path}; see "${hint(c, "scans")}"`);
    return scan;
  }
  const scan = store.latestCompleteScan();
  if (!scan)
    throw new UsageError(
      `no complete scan in ${store.path}; run "${hint(c, "evaluate --input FILE")}" or "${hint(c, "scan")}" first`,
    );
  return scan;
}
