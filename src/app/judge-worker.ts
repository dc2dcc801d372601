// One judge worker (worker_threads): the rules re-compiled from their parsed documents, the
// reference index rebuilt from the records the main thread sends, then slices of records judged
// and their findings sent back without the records (the main thread still holds each slice).
import { parentPort, workerData } from "node:worker_threads";
import type { FindingInput } from "../model/finding.js";
import type { ResourceRecord } from "../model/resource.js";
import { evaluateRecords, relatedPlan, type EngineOptions } from "../rules/evaluate-scan.js";
import { parseRule } from "../rules/loader.js";
import { RelatedIndex } from "../rules/related.js";
import type { JudgeWorkerData, ToMain, ToWorker, WorkerFinding } from "./judge-protocol.js";

const port = parentPort;
if (!port) throw new Error("judge-worker runs only as a worker thread");
const data = workerData as JudgeWorkerData;
// Structured clone keeps the documents but not the compiled paths and conditions: compile again.
const rules = data.rules.map((r) => parseRule(r.file, JSON.stringify(r.source)));
const plan = relatedPlan(rules);
// Built as the references arrive (the main thread sends only the plan's types), not held as records.
const index = plan ? new RelatedIndex(plan, data.gaps) : undefined;
let opts: EngineOptions | undefined = plan
  ? undefined
  : { params: data.params, now: new Date(data.now), scan: data.facts };

port.on("message", (msg: ToWorker) => {
  switch (msg.kind) {
    case "refs":
      for (const r of msg.records) index?.add(r);
      return;
    case "refs-done": {
      const related = index?.finish();
      opts = {
        params: data.params,
        now: new Date(data.now),
        scan: data.facts,
        ...(related ? { related } : {}),
      };
      return;
    }
    case "slice": {
      if (!opts) throw new Error("judge-worker: a slice arrived before the reference index");
      const at = new Map<ResourceRecord, number>();
      msg.records.forEach((r, i) => at.set(r.record, i));
      const findings: WorkerFinding[] = [];
      const summary = evaluateRecords(msg.records, rules, opts, (batch: FindingInput[]) => {
        for (const { resource, ...rest } of batch) findings.push({ ...rest, at: at.get(resource) ?? -1 });
      });
      const reply: ToMain = { kind: "part", seq: msg.seq, findings, summary };
      port.postMessage(reply);
      return;
    }
  }
});
