import type { Command } from "commander";
import { isSeverity, SEVERITIES, STATUSES, type Status } from "../model/severity.js";
import { UsageError } from "../util/errors.js";
import { oneOf, openStore, out, parseList } from "./context.js";
import { findingJson, findingsCsv, findingsTable } from "../report/findings-view.js";

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
    .option("-f, --format <format>", "table, json or csv", "table")
    .action((opts: Opts, cmd: Command) => {
      const format = oneOf("--format", opts.format, ["table", "json", "csv"] as const);
      const statuses = (parseList(opts.status) ?? ["FAIL", "UNKNOWN"]).map((s) =>
        oneOf("--status", s.toUpperCase(), STATUSES),
      ) as Status[];
      if (opts.severity !== undefined && !isSeverity(opts.severity)) {
        throw new UsageError(`--severity must be one of ${SEVERITIES.join(", ")} (got "${opts.severity}")`);
      }
      const limit = opts.limit === undefined ? undefined : Number(opts.limit);
      if (limit !== undefined && (!Number.isInteger(limit) || limit < 0))
        throw new UsageError("--limit must be a whole number");
      const store = openStore(cmd);
      try {
        let scan;
        if (opts.scan !== undefined) {
          const id = Number(opts.scan);
          scan = Number.isInteger(id) ? store.getScan(id) : undefined;
          if (!scan) throw new UsageError(`no scan with id ${opts.scan}`);
        } else {
          scan = store.latestCompleteScan();
          if (!scan)
            throw new UsageError(
              `no complete scan in ${store.path}; run "dpscan evaluate" or "dpscan scan" first`,
            );
        }
        const rows = store.queryFindings(scan.id, {
          statuses,
          ...(opts.severity ? { minSeverity: opts.severity as (typeof SEVERITIES)[number] } : {}),
          ...optList("ruleIds", opts.rule),
          ...optList("accountIds", opts.account),
          ...optList("regions", opts.region),
          ...optList("resourceTypes", opts.type),
          ...(limit !== undefined ? { limit } : {}),
        });
        if (format === "json") out(JSON.stringify(rows.map(findingJson), null, 2));
        else if (format === "csv") process.stdout.write(findingsCsv(rows));
        else {
          if (scan.status !== "complete")
            out(`Note: scan ${scan.id} is ${scan.status}; its findings are partial.`);
          out(
            `Scan ${scan.id} (${scan.kind}, ${scan.status}, started ${scan.startedAt}): ${rows.length} finding(s)`,
          );
          out(findingsTable(rows));
        }
      } finally {
        store.close();
      }
    });
}

function optList<K extends string>(key: K, v: string | undefined): Partial<Record<K, string[]>> {
  const list = parseList(v);
  return list ? ({ [key]: list } as Partial<Record<K, string[]>>) : {};
}
