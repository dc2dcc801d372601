// What outputs say about a rule (SARIF rule metadata, ASFF and OCSF titles and remediation): the
// rule as loaded now when it has the same text the scan was judged by, else what the scan stored
// of it (title and severity), so an old scan is never described by a rule text that did not judge it.
import type { Severity } from "../model/severity.js";
import type { Rule } from "../rules/rule.js";
import { scanRules } from "../store/scan-rules.js";
import type { Store } from "../store/store.js";

export interface RuleInfo {
  id: string;
  title: string;
  severity: Severity;
  description: string | null;
  rationale: string | null;
  remediation: string | null;
  references: Rule["references"];
  /** The first reference URL, for tools that link one page per rule. */
  helpUri: string | null;
}

export function ruleInfos(store: Store, scanId: number, rules: readonly Rule[]): Map<string, RuleInfo> {
  const current = new Map(rules.map((r) => [r.id, r]));
  const out = new Map<string, RuleInfo>();
  for (const stamp of scanRules(store, scanId)) {
    const r = current.get(stamp.ruleId);
    const same = r !== undefined && r.sha256 === stamp.sha256;
    out.set(stamp.ruleId, {
      id: stamp.ruleId,
      title: stamp.title,
      severity: stamp.severity,
      description: same ? r.description.trim() : null,
      rationale: same ? r.rationale.trim() : null,
      remediation: same ? r.remediation.trim() : null,
      references: same ? r.references : {},
      helpUri: same ? (r.references.urls?.[0] ?? null) : null,
    });
  }
  return out;
}
