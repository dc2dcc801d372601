// `dpscan evaluate`: AWS Config items read from files, judged by the rules and stored as a scan
// with the same lifecycle as a live scan (and no AWS call). What the files could not show (items
// AWS Config does not record) is stored as coverage and gives UNKNOWN, as in a live scan.
import type { ReadResult } from "../collect/aws-config/snapshot-file.js";
import type { WaiverSet } from "../model/waiver.js";
import type { Rule } from "../rules/rule.js";
import type { Store } from "../store/store.js";
import { judgeScan } from "./judge.js";
import { runLifecycle, type LifecycleOutcome } from "./lifecycle.js";
import { validateParams } from "./scan.js";

export interface EvaluateInput {
  /** The files the items came from (the scan's source). */
  files: string[];
  /** Already read and validated (src/collect/aws-config/snapshot-file.ts): bad input never opens a scan. */
  items: ReadResult;
  rules: Rule[];
  /** Rule parameter overrides (the settings file's `params`), as for a live scan. */
  params?: Record<string, Record<string, unknown>>;
  /** The waivers in force, recorded with the scan when it completes. */
  waivers?: WaiverSet;
}

export async function runEvaluate(store: Store, input: EvaluateInput): Promise<LifecycleOutcome<null>> {
  const { rules, items, files } = input;
  const params = input.params ?? {};
  validateParams(rules, params);
  return runLifecycle(
    store,
    { kind: "evaluate", source: files.join(", "), options: { inputs: files } },
    (scan) => {
      store.recordRules(scan.id, rules, params);
      store.insertResources(scan.id, items.records);
      store.upsertCoverage(scan.id, items.coverage);
      const { summary } = judgeScan(store, scan, rules, params);
      return {
        summary: {
          ...summary,
          ignoredTypes: items.ignoredTypes,
          deleted: items.deleted,
          notRecorded: items.notRecorded,
        },
        value: null,
      };
    },
    input.waivers ? { waivers: input.waivers } : {},
  );
}
