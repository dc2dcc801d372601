// One report worker (worker_threads, write-threads.ts): with its own read-only connection it
// prepares a group (prepareGroup), or copies a spool into some of a group's files (copySpool).
// A failure is thrown: the pool reports it and the main thread removes what was left.
import { parentPort, workerData } from "node:worker_threads";
import { Store } from "../store/store.js";
import type { FromWorker, ReportWorkerData, ToWorker } from "./write-threads.js";
import { copySpool, prepareGroup } from "./write.js";

const port = parentPort;
if (!port) throw new Error("report-worker runs only as a worker thread");
const data = workerData as ReportWorkerData;
let store: Store | undefined;

port.on("message", (msg: ToWorker) => {
  void run(msg).then((reply) => port.postMessage(reply));
});

async function run(msg: ToWorker): Promise<FromWorker> {
  if (msg.kind === "copy") {
    copySpool(msg.plan, msg.files);
    return { kind: "copied" };
  }
  store ??= new Store(data.db, { readonly: true });
  return { kind: "prepared", ...(await prepareGroup(store, { ...msg.job, waived: data.waived })) };
}
