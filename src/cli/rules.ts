import type { Command } from "commander";
import { stringify } from "yaml";
import { exampleErrors, runExamples } from "../rules/examples.js";
import { loadRuleFile, loadRules } from "../rules/loader.js";
import type { Rule } from "../rules/rule.js";
import { InputError, UsageError } from "../util/errors.js";
import { oneOf, out } from "./context.js";
import { table } from "../report/text.js";

export function registerRules(program: Command): void {
  const rules = program.command("rules").description("List, show, test and validate rules");
  rules
    .command("list")
    .description("List the rules")
    .option("--rules <dir>", "rules directory (default: the built-in rules)")
    .option("-f, --format <format>", "table or json", "table")
    .action((opts: { rules?: string; format: string }) => {
      const format = oneOf("--format", opts.format, ["table", "json"] as const);
      const all = loadRules(opts.rules);
      if (format === "json") {
        out(
          JSON.stringify(
            all.map((r) => ({
              id: r.id,
              title: r.title,
              severity: r.severity,
              resourceTypes: r.resourceTypes,
              references: r.references,
            })),
            null,
            2,
          ),
        );
        return;
      }
      out(
        table(
          ["ID", "SEVERITY", "RESOURCE TYPES", "TITLE"],
          all.map((r) => [r.id, r.severity, r.resourceTypes.join(","), r.title]),
        ),
      );
    });
  rules
    .command("show <id>")
    .description("Show one rule in full")
    .option("--rules <dir>", "rules directory (default: the built-in rules)")
    .action((id: string, opts: { rules?: string }) => {
      const rule = loadRules(opts.rules).find((r) => r.id === id);
      if (!rule) throw new UsageError(`no rule "${id}"; see "dpscan rules list"`);
      out(`# ${rule.file}\n# sha256 ${rule.sha256}\n${stringify(rule.source, { lineWidth: 100 })}`);
    });
  rules
    .command("test")
    .description("Run every rule's pass/fail examples")
    .option("--rules <dir>", "rules directory (default: the built-in rules)")
    .option("-v, --verbose-results", "print every example, not only failures")
    .action((opts: { rules?: string; verboseResults?: boolean }) => {
      // This command reports each example itself, so it loads rules whose examples fail.
      const results = runExamples(loadRules(opts.rules, { checkExamples: false }));
      for (const r of results) {
        if (!r.ok || opts.verboseResults) {
          out(
            `${r.ok ? "ok  " : "FAIL"} ${r.rule} › ${r.example} (${r.where}): expected ${r.expected}, got ${r.actual}${r.message ? ` — ${r.message}` : ""}`,
          );
        }
      }
      const failed = results.filter((r) => !r.ok).length;
      out(`${results.length - failed} passed, ${failed} failed`);
      if (failed > 0) process.exitCode = 2;
    });
  rules
    .command("validate <files...>")
    .description("Validate rule files (schema, conditions, paths, examples) and run their examples")
    .action((files: string[]) => {
      const errors: string[] = [];
      const loaded: Rule[] = [];
      for (const f of files) {
        try {
          loaded.push(loadRuleFile(f));
        } catch (err) {
          if (err instanceof InputError) errors.push(...err.lines);
          else throw err;
        }
      }
      errors.push(...exampleErrors(loaded));
      if (errors.length > 0) throw new InputError(errors);
      out(`${files.length} rule file(s) valid.`);
    });
}
