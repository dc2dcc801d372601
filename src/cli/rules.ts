import type { Command } from "commander";
import { stringify } from "yaml";
import { exampleErrors, runExamples } from "../rules/examples.js";
import { loadRuleFile, loadRules } from "../rules/loader.js";
import type { Rule } from "../rules/rule.js";
import { InputError, UsageError } from "../util/errors.js";
import { hint, oneOf, out } from "./context.js";
import { frameworksFor } from "./report.js";
import { requirementsByRule } from "../report/frameworks.js";
import { table } from "../report/text.js";
import { suggest } from "../util/suggest.js";
import { clip } from "../util/text.js";

export function define(rules: Command): void {
  rules
    .command("list")
    .description("List the rules, the framework requirements each evidences, and the rules mapped to none")
    .option("--rules <dir>", "rules directory (default: the built-in rules)")
    .option("--frameworks <dir>", "frameworks directory (default: the built-in frameworks)")
    .option("-f, --format <format>", "table or json", "table")
    .action((opts: { rules?: string; frameworks?: string; format: string }) => {
      const format = oneOf("--format", opts.format, ["table", "json"] as const);
      const all = loadRules(opts.rules);
      const mapped = requirementsByRule(frameworksFor(all, opts));
      if (format === "json") {
        out(
          JSON.stringify(
            all.map((r) => ({
              id: r.id,
              title: r.title,
              severity: r.severity,
              resourceTypes: r.resourceTypes,
              references: r.references,
              requirements: (mapped.get(r.id) ?? []).map(({ framework, requirement }) => ({
                framework,
                requirement,
              })),
            })),
            null,
            2,
          ),
        );
        return;
      }
      out(
        table(
          ["ID", "SEVERITY", "RESOURCE TYPES", "REQUIREMENTS", "TITLE"],
          all.map((r) => [
            r.id,
            r.severity,
            r.resourceTypes.join(","),
            String(mapped.get(r.id)?.length ?? 0),
            r.title,
          ]),
        ),
      );
      const unmapped = all.filter((r) => !mapped.has(r.id)).map((r) => r.id);
      out(
        unmapped.length === 0
          ? "\nEvery rule evidences at least one framework requirement."
          : `\nMapped to no framework requirement (${unmapped.length}): ${unmapped.join(", ")}`,
      );
    });
  rules
    .command("show <id>")
    .description("Show one rule in full, with the framework requirements it evidences")
    .option("--rules <dir>", "rules directory (default: the built-in rules)")
    .option("--frameworks <dir>", "frameworks directory (default: the built-in frameworks)")
    .action((id: string, opts: { rules?: string; frameworks?: string }, c: Command) => {
      const all = loadRules(opts.rules);
      const rule = all.find((r) => r.id === id);
      if (!rule)
        throw new UsageError(
          `no rule "${id}"${suggest(
            id,
            all.map((r) => r.id),
          )}; see "${hint(c, "rules list")}"`,
        );
      const reqs = requirementsByRule(frameworksFor(all, opts)).get(id) ?? [];
      const evidences =
        reqs.length === 0
          ? ["# evidences no framework requirement"]
          : [
              "# evidences:",
              ...reqs.map((m) => `#   ${m.framework} ${m.requirement}: ${clip(m.title, 100)}`),
            ];
      out(
        `# ${rule.file}\n# sha256 ${rule.sha256}\n${evidences.join("\n")}\n${stringify(rule.source, { lineWidth: 100 })}`,
      );
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
