// One judge worker (worker_threads): the rules compiled again from their parsed documents, the
// reference index built from the database (its own read-only connection), then row-id ranges of
// the scan's resources read and judged there. Findings go back as the store's bind values, so
// the main thread, the one writer, only writes them. The index may be begun while the scan is
// still being written (`index` messages), so judging need not wait for a pass over the scan.
import { parentPort, workerData } from "node:worker_threads";
import {
  evaluateRecords,
  relatedPlan,
  RelatedIndexBuilder,
  type EngineOptions,
} from "../rules/evaluate-scan.js";
import { parseRule } from "../rules/loader.js";
import { Store, toFindingParams, type FindingParams } from "../store/store.js";
import type { JudgeWorkerData, ToMain, ToWorker } from "./judge-protocol.js";

const port = parentPort;
if (!port) throw new Error("judge-worker runs only as a worker thread");
const data = workerData as JudgeWorkerData;
// Structured clone keeps the documents but not the compiled paths and conditions: compile again.
const rules = data.rules.map((r) => parseRule(r.file, JSON.stringify(r.source)));
const plan = relatedPlan(rules);
const store = new Store(data.db, { readonly: true });
// 8 MiB of page cache, not the writer's 64: each page is read once per pass, in row-id order.
store.db.pragma("cache_size = -8192");
let building = plan ? new RelatedIndexBuilder(plan) : undefined;
let opts: EngineOptions | undefined;

port.on("message", (msg: ToWorker) => {
  if (msg.kind === "index") {
    building?.add(store.iterateResourceRange(data.scanId, msg.after, msg.upTo));
    return;
  }
  if (msg.kind === "start") {
    if (plan && msg.rebuild) {
      building = new RelatedIndexBuilder(plan);
      building.add(store.iterateResources(data.scanId, plan.types));
    }
    const related = building?.finish(msg.gaps);
    building = undefined;
    opts = {
      params: data.params,
      now: new Date(data.now),
      scan: msg.facts,
      ...(related ? { related } : {}),
    };
    return;
  }
  if (!opts) throw new Error("judge worker: a range before the start");
  const findings: FindingParams[] = [];
  const summary = evaluateRecords(
    store.iterateResourceRange(data.scanId, msg.after, msg.upTo),
    rules,
    opts,
    (batch) => {
      for (const f of batch) findings.push(toFindingParams(f));
    },
  );
  const reply: ToMain = { kind: "part", seq: msg.seq, findings, summary };
  port.postMessage(reply);
});
