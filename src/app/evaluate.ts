// `dpscan evaluate`: AWS Config items read from files, judged by the rules and stored as a scan
// with the same lifecycle as a live scan (and no AWS call).
import type { ReadResult } from "../collect/config-snapshot.js";
import { evaluateRecords, summaryJson } from "../rules/evaluate-scan.js";
import type { Rule } from "../rules/rule.js";
import type { Store } from "../store/store.js";
import { runLifecycle, type LifecycleOutcome } from "./lifecycle.js";

export interface EvaluateInput {
  /** The files the items came from (the scan's source). */
  files: string[];
  /** Already read and validated (src/collect/config-snapshot.ts): bad input never opens a scan. */
  items: ReadResult;
  rules: Rule[];
}

export async function runEvaluate(store: Store, input: EvaluateInput): Promise<LifecycleOutcome<null>> {
  const { rules, items, files } = input;
  return runLifecycle(
    store,
    { kind: "evaluate", source: files.join(", "), options: { inputs: files } },
    (scan) => {
      store.recordRules(scan.id, rules);
      store.insertResources(scan.id, items.records);
      const evaluation = evaluateRecords(store.iterateResources(scan.id), rules, { now: scan.now }, (batch) =>
        store.insertFindings(scan.id, batch),
      );
      return {
        summary: { ...summaryJson(evaluation), ignoredTypes: items.ignoredTypes, deleted: items.deleted },
        value: null,
      };
    },
  );
}
