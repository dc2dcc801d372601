// One report worker (worker_threads, write-threads.ts): with its own read-only connection it
// spools part of a group's findings (spoolPart) or prepares the group (prepareGroup), and copies
// the spools into some of its files (copySpool).
// A failure is thrown: the pool reports it and the main thread removes what was left.
import { parentPort, workerData } from "node:worker_threads";
import { Store } from "../store/store.js";
import type { FromWorker, ReportWorkerData, ToWorker } from "./write-threads.js";
import { groupContext } from "./build.js";
import { copySpool, prepareGroup, spoolPart, type SpooledPart } from "./write.js";

const port = parentPort;
if (!port) throw new Error("report-worker runs only as a worker thread");
const data = workerData as ReportWorkerData;
let store: Store | undefined;
/** While preparing: takes the other worker's part when it comes. */
let other: ((part: SpooledPart) => void) | undefined;

port.on("message", (msg: ToWorker) => {
  if (msg.kind === "other") {
    if (!other) throw new Error("report-worker: another part while not preparing");
    const { kind: _, ...part } = msg;
    other(part);
    return;
  }
  void run(msg).then((reply) => port.postMessage(reply));
});

async function run(msg: Exclude<ToWorker, { kind: "other" }>): Promise<FromWorker> {
  if (msg.kind === "copy") {
    copySpool(msg.plan, msg.files);
    return { kind: "copied" };
  }
  store ??= new Store(data.db, { readonly: true });
  const job = { ...msg.job, waived: data.waived };
  if (msg.kind === "spool-pass")
    return {
      kind: "spooled",
      ...spoolPart(groupContext(store, job.scanId, job.scoped, job.waived), job, "pass", 1),
    };
  const part = new Promise<SpooledPart>((resolve) => (other = resolve));
  try {
    const { lines, plan } = await prepareGroup(store, job, { other: () => part });
    return { kind: "prepared", lines, plan };
  } finally {
    other = undefined;
  }
}
