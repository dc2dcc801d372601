import type { Command } from "commander";
import { oneOf, openStore, out } from "./context.js";
import { table } from "../report/text.js";

export function registerScans(program: Command): void {
  program
    .command("scans")
    .description("List stored scans, newest first")
    .option("--limit <n>", "how many", "20")
    .option("-f, --format <format>", "table or json", "table")
    .action((opts: { limit: string; format: string }, cmd: Command) => {
      const format = oneOf("--format", opts.format, ["table", "json"] as const);
      const store = openStore(cmd);
      try {
        const scans = store.listScans(Math.max(1, Number(opts.limit) || 20));
        if (format === "json") {
          out(JSON.stringify(scans, null, 2));
          return;
        }
        out(
          table(
            ["ID", "KIND", "STATUS", "STARTED", "DURATION", "SOURCE"],
            scans.map((s) => [
              String(s.id),
              s.kind,
              s.status,
              s.startedAt,
              s.durationMs === null ? "" : `${(s.durationMs / 1000).toFixed(1)}s`,
              s.source,
            ]),
          ),
        );
      } finally {
        store.close();
      }
    });
}
