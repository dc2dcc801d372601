// What outputs say about a rule (SARIF rule metadata, ASFF and OCSF titles and remediation): the
// rule as loaded now when it has the same text the scan was judged by, else what the scan stored
// of it (title, severity, remediation, references), so an old scan is never described by a rule
// text that did not judge it.
import type { Severity } from "../model/severity.js";
import type { Rule } from "../rules/rule.js";
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
  for (const stamp of store.scanRules(scanId)) {
    const r = current.get(stamp.id);
    const same = r !== undefined && r.sha256 === stamp.sha256;
    // The scan stored its rules' remediation and references (migration 004); older scans did not.
    const references = same ? r.references : (stamp.references as Rule["references"]);
    out.set(stamp.id, {
      id: stamp.id,
      title: stamp.title,
      severity: stamp.severity,
      description: same ? r.description.trim() : null,
      rationale: same ? r.rationale.trim() : null,
      remediation: same ? r.remediation.trim() : stamp.remediation.trim() || null,
      references,
      helpUri: references.urls?.[0] ?? null,
    });
  }
  return out;
}
