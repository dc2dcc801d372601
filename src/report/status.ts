// A requirement's status from its rules' results: the one place the statuses are decided.
// A failed or unseen check is never a pass: any FAIL fails it; otherwise an UNKNOWN, a coverage
// gap over a type its rules need, or a rule the scan did not run leaves it not verified.
import type { FindingCounts, RequirementStatus } from "./model.js";

export interface StatusInput {
  manual: boolean;
  /** In-scope results per rule of the requirement. */
  perRule: ReadonlyMap<string, FindingCounts>;
  /** Coverage gaps in scope that hide a type the requirement's rules need, and the types. */
  gaps: number;
  gapTypes: readonly string[];
  /** Rules of the requirement the scan was not judged by. */
  notRun: readonly string[];
  /** The types its rules judge, for the not-applicable sentence. */
  resourceTypes: readonly string[];
}

export function requirementStatus(i: StatusInput): { status: RequirementStatus; reasons: string[] } {
  if (i.manual) return { status: "manual", reasons: ["dpscan cannot assess this requirement"] };
  const sum = (k: keyof FindingCounts): number => [...i.perRule.values()].reduce((n, c) => n + c[k], 0);
  const by = (k: keyof FindingCounts): string =>
    [...i.perRule]
      .filter(([, c]) => c[k] > 0)
      .map(([id, c]) => `${id} (${c[k]})`)
      .join(", ");
  const fail = sum("FAIL");
  const unknown = sum("UNKNOWN");
  const pass = sum("PASS");
  if (fail > 0) return { status: "failed", reasons: [`${plural(fail, "result")} FAIL: ${by("FAIL")}`] };
  const reasons: string[] = [];
  if (unknown > 0) reasons.push(`${plural(unknown, "result")} UNKNOWN: ${by("UNKNOWN")}`);
  if (i.gaps > 0)
    reasons.push(
      `${plural(i.gaps, "coverage gap")} ${i.gaps === 1 ? "hides" : "hide"} ${i.gapTypes.join(", ")} in scope`,
    );
  for (const id of i.notRun) reasons.push(`rule ${id} was not run in this scan`);
  if (reasons.length > 0) return { status: "not-verified", reasons };
  if (pass > 0) return { status: "passed", reasons: [`${plural(pass, "result")} PASS`] };
  return {
    status: "not-applicable",
    reasons: [`no in-scope resource its rules apply to (${i.resourceTypes.join(", ")})`],
  };
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}
