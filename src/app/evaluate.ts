// `dpscan evaluate`: AWS Config items streamed from files, judged by the rules and stored as a scan
// with the same lifecycle as a live scan (and no AWS call). What the files could not show (items
// AWS Config does not record) is stored as coverage and gives UNKNOWN, as in a live scan. Items are
// written as they are read; input that turns out to be bad discards the new scan, so bad input
// never leaves a trace or costs stored data.
import type { ItemIdentity } from "../collect/aws-config/item-parser.js";
import {
  readConfigItems,
  type ReadOptions,
  type ReadSummary,
  type RecordSink,
} from "../collect/aws-config/snapshot-file.js";
import type { JsonObject, ResourceRecord } from "../model/resource.js";
import type { WaiverSet } from "../model/waiver.js";
import type { Rule } from "../rules/rule.js";
import type { ResourceRow, ResourceSink, Store } from "../store/store.js";
import { InputError } from "../util/errors.js";
import { JudgeAhead, judgeScanAsync, type JudgeOptions } from "./judge.js";
import { runLifecycle, type LifecycleOutcome } from "./lifecycle.js";
import { validateParams } from "./scan.js";

export interface EvaluateInput {
  /** The files to read (directories already expanded: expandInputs). */
  files: string[];
  rules: Rule[];
  /** Rule parameter overrides (the settings file's `params`), as for a live scan. */
  params?: Record<string, Record<string, unknown>>;
  read?: Omit<ReadOptions, "signal">;
  /** Lines for the person watching (stderr), e.g. that a signal stops the evaluation. */
  notice?(line: string): void;
  /** The waivers in force, recorded with the scan when it completes. */
  waivers?: WaiverSet;
  /** Judge worker threads (ScanOptions.judgeWorkers). */
  judgeWorkers?: JudgeOptions["workers"];
}

/** Records to the store in batches; a removal first writes what is pending, so order holds. */
class StoreSink implements RecordSink {
  private readonly batch: ResourceSink;

  constructor(
    private readonly store: Store,
    private readonly scanId: number,
    private readonly ahead: JudgeAhead,
  ) {
    this.batch = store.sink(scanId, { replace: true, written: (ids) => ahead.written(ids) });
  }

  put(record: ResourceRecord): void {
    this.batch.add([record]);
  }

  putRow(row: ResourceRow): void {
    this.batch.addRows([row]);
  }

  remove(record: ItemIdentity): void {
    this.flush();
    this.store.deleteResource(this.scanId, record);
    this.ahead.removed();
  }

  flush(): void {
    // The reader chose the newest capture (and reports what it superseded): replace, not a duplicate.
    this.ahead.written(this.store.insertResources(this.scanId, this.batch.take(), { replace: true }));
  }
}

export async function runEvaluate(
  store: Store,
  input: EvaluateInput,
): Promise<LifecycleOutcome<ReadSummary>> {
  const { rules, files } = input;
  const params = input.params ?? {};
  validateParams(rules, params);
  // The main thread writes every resource and finding: it should not also wait for the disk.
  return store.withBackgroundCheckpoints(() =>
    runLifecycle(
      store,
      { kind: "evaluate", source: files.join(", "), options: { inputs: files } },
      async (scan) => {
        store.recordRules(scan.id, rules, params);
        const judging = { workers: input.judgeWorkers ?? "auto" } as const;
        // The judge workers start during the read and build their reference index as rows land.
        const ahead = new JudgeAhead(store, scan, rules, params, judging);
        const sink = new StoreSink(store, scan.id, ahead);
        let read: ReadSummary;
        let summary: JsonObject;
        try {
          read = await readConfigItems(files, sink, {
            index: () => store.captureIndex(),
            ...input.read,
            signal: scan.signal,
          });
          sink.flush();
          store.upsertCoverage(scan.id, read.coverage);
          ({ summary } = await judgeScanAsync(store, scan, rules, params, { ...judging, ahead }));
        } finally {
          await ahead.close();
        }
        const stored: JsonObject = {
          ...summary,
          ignoredTypes: read.ignoredTypes,
          deleted: read.deleted,
          notRecorded: read.notRecorded,
          superseded: read.superseded,
        };
        return { summary: stored, value: read };
      },
      {
        discard: (err) => err instanceof InputError,
        ...(input.notice ? { notice: input.notice } : {}),
        ...(input.waivers ? { waivers: input.waivers } : {}),
      },
    ),
  );
}
