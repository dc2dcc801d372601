import type { Command } from "commander";
import { frameworkSchema, reportSchema } from "../report/index.js";
import { PREDICATES } from "../rules/predicates/index.js";
import { publishedRuleSchema } from "../rules/schema.js";
import { UsageError } from "../util/errors.js";
import { out } from "./context.js";
import { settingsSchema } from "./scan-options.js";

export const SCHEMAS = {
  rule: () => publishedRuleSchema(PREDICATES.values()),
  config: settingsSchema,
  framework: frameworkSchema,
  report: reportSchema,
} as const;

export function registerSchema(program: Command): void {
  program
    .command("schema <name>")
    .description(`Print a JSON Schema: ${Object.keys(SCHEMAS).join(", ")} (the files in schemas/)`)
    .action((name: string) => {
      const make = SCHEMAS[name as keyof typeof SCHEMAS];
      if (!make) throw new UsageError(`no schema "${name}"; choose ${Object.keys(SCHEMAS).join(", ")}`);
      out(JSON.stringify(make(), null, 2));
    });
}
