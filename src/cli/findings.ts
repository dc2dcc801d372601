import type { Command } from "commander";
import { isSeverity, SEVERITIES, STATUSES, type Status } from "../model/severity.js";
import { UsageError } from "../util/errors.js";
import { oneOf, openStore, parseList } from "./context.js";
import {
  checkHistoryFlags,
  FINDINGS_FORMATS,
  historyFor,
  printFindings,
  selectByHistory,
  type HistoryFlags,
} from "./findings-history.js";
import { selectScan } from "./scan-select.js";

interface Opts extends HistoryFlags {
  scan?: string;
  status?: string;
  severity?: string;
  rule?: string;
  account?: string;
  region?: string;
  type?: string;
  limit?: string;
  format: string;
}

export function registerFindings(program: Command): void {
  program
    .command("findings")
    .description("List findings of the latest complete scan (or --scan ID)")
    .option("--scan <id>", "a scan id (default: the latest complete scan)")
    .option("--status <list>", `comma-separated: ${STATUSES.join(",")} (default: FAIL,UNKNOWN)`)
    .option("--severity <level>", `at or above: ${SEVERITIES.join(", ")}`)
    .option("--rule <ids>", "comma-separated rule ids")
    .option("--account <ids>", "comma-separated account ids")
    .option("--region <names>", "comma-separated regions")
    .option("--type <types>", "comma-separated resource types, e.g. AWS::EC2::Volume")
    .option("--limit <n>", "at most N findings")
    .option("--new", "only findings this scan opened (first seen, or reopened)")
    .option("--since <date>", "only findings first seen on or after DATE (YYYY-MM-DD or ISO 8601)")
    .option(
      "--waivers <file>",
      "waivers file (default: the settings file's waivers:, else the scan's record)",
    )
    .option("-f, --format <format>", FINDINGS_FORMATS.join(", "), "table")
    .action((opts: Opts, cmd: Command) => {
      const format = oneOf("--format", opts.format, FINDINGS_FORMATS);
      const statuses = (parseList(opts.status) ?? ["FAIL", "UNKNOWN"]).map((s) =>
        oneOf("--status", s.toUpperCase(), STATUSES),
      ) as Status[];
      if (opts.severity !== undefined && !isSeverity(opts.severity)) {
        throw new UsageError(`--severity must be one of ${SEVERITIES.join(", ")} (got "${opts.severity}")`);
      }
      const limit = opts.limit === undefined ? undefined : Number(opts.limit);
      if (limit !== undefined && (!Number.isInteger(limit) || limit < 0))
        throw new UsageError("--limit must be a whole number");
      const waivers = checkHistoryFlags(opts);
      const store = openStore(cmd);
      try {
        const scan = selectScan(store, opts.scan);
        const narrowed = Boolean(opts.new) || opts.since !== undefined;
        const rows = store.queryFindings(scan.id, {
          statuses,
          ...(opts.severity ? { minSeverity: opts.severity as (typeof SEVERITIES)[number] } : {}),
          ...optList("ruleIds", opts.rule),
          ...optList("accountIds", opts.account),
          ...optList("regions", opts.region),
          ...optList("resourceTypes", opts.type),
          ...(limit !== undefined && !narrowed ? { limit } : {}),
        });
        const history = historyFor(store, scan, rows, waivers);
        printFindings(store, scan, selectByHistory(rows, history, opts, limit), format, history);
      } finally {
        store.close();
      }
    });
}

function optList<K extends string>(key: K, v: string | undefined): Partial<Record<K, string[]>> {
  const list = parseList(v);
  return list ? ({ [key]: list } as Partial<Record<K, string[]>>) : {};
}
