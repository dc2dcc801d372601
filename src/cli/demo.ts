import type { Command } from "commander";
import { fileURLToPath } from "node:url";
import { main } from "./main.js";

export function registerDemo(program: Command): void {
  program
    .command("demo")
    .description("Evaluate the bundled example AWS Config snapshot and show the findings")
    .action(async (_opts: unknown, cmd: Command) => {
      const snapshot = fileURLToPath(new URL("../../examples/config-snapshot.json", import.meta.url));
      const db = (cmd.optsWithGlobals() as { db?: string }).db ?? "dpscan.db";
      process.exitCode = await main(["node", "dpscan", "--db", db, "evaluate", "--input", snapshot]);
    });
}
