// Rule selection, as peers' --checks / --exclude-checks: `--rule ID,...` keeps only those rules,
// `--exclude-rule ID,...` drops some. A name no loaded rule has is a mistake, not an empty
// selection: every unknown ID is reported at once, each with "did you mean".
import { InputError } from "../util/errors.js";
import { suggest } from "../util/suggest.js";
import type { Rule } from "./rule.js";

export interface RuleSelection {
  only?: readonly string[] | undefined;
  exclude?: readonly string[] | undefined;
}

export function selectRules(rules: readonly Rule[], sel: RuleSelection): Rule[] {
  const ids = rules.map((r) => r.id);
  const problems: string[] = [];
  const check = (flag: string, list: readonly string[] | undefined): void => {
    for (const id of list ?? [])
      if (!ids.includes(id))
        problems.push(`${flag}: unknown rule "${id}"${suggest(id, ids)}; see "dpscan rules list"`);
  };
  check("--rule", sel.only);
  check("--exclude-rule", sel.exclude);
  if (problems.length > 0) throw new InputError(problems);
  const only = sel.only && sel.only.length > 0 ? new Set(sel.only) : undefined;
  const exclude = new Set(sel.exclude ?? []);
  const chosen = rules.filter((r) => (!only || only.has(r.id)) && !exclude.has(r.id));
  if (chosen.length === 0) throw new InputError(["--rule/--exclude-rule leave no rule to evaluate"]);
  return chosen;
}
