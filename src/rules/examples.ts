// The examples written in each rule file, run as tests: `dpscan rules test`, `rules validate`
// and the test suite all use this one runner and this one clock.
import { evaluateRule } from "./evaluate-rule.js";
import { RelatedIndex } from "./related.js";
import type { Rule } from "./rule.js";
import { scanFactsOf } from "./scan-facts.js";

/** "Now" for every example: their records are captured then and their ages are measured from it. */
export const EXAMPLES_NOW = new Date("2026-11-01T00:00:00.000Z");

export interface ExampleOutcome {
  rule: string;
  example: string;
  where: string;
  expected: string;
  actual: string;
  ok: boolean;
  message: string;
}

/** Run every example of the given rules. */
export function runExamples(rules: readonly Rule[]): ExampleOutcome[] {
  return rules.flatMap((rule) =>
    rule.examples.map((ex) => {
      const related = RelatedIndex.of([ex.resource, ...ex.related]);
      const scan = scanFactsOf([ex.resource, ...ex.related]);
      const r = evaluateRule(rule, ex.resource, { params: ex.params, now: EXAMPLES_NOW, related, scan });
      const actual = r ? r.status : "NOT_APPLICABLE";
      return {
        rule: rule.id,
        example: ex.name,
        where: ex.where,
        expected: ex.expect,
        actual,
        ok: actual === ex.expect,
        message: r?.message ?? "",
      };
    }),
  );
}

/** One line per example that does not hold: `file:line:col: example "..." expected FAIL, got PASS`. */
export function exampleErrors(rules: readonly Rule[]): string[] {
  return runExamples(rules)
    .filter((r) => !r.ok)
    .map((r) => `${r.where}: example "${r.example}" expected ${r.expected}, got ${r.actual}`);
}
