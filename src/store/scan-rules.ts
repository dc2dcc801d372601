// The rules a scan was judged by (scan_rules), as outputs that describe rules need them: a
// stored scan may have been judged by rules that have since changed or gone.
import type { Severity } from "../model/severity.js";
import type { Store } from "./store.js";

export interface ScanRuleRow {
  ruleId: string;
  title: string;
  severity: Severity;
  sha256: string;
}

export function scanRules(store: Store, scanId: number): ScanRuleRow[] {
  return store.db
    .prepare(
      "SELECT rule_id AS ruleId, title, severity, sha256 FROM scan_rules WHERE scan_id = ? ORDER BY rule_id",
    )
    .all(scanId) as ScanRuleRow[];
}
