// The item parser as a worker thread (`evaluate --input` of a large input): reads, parses,
// normalises and hashes every item (and makes the store's rows of usable ones), and sends them in
// file order in batches, at most IN_FLIGHT unacknowledged, so a main thread slower than the parser
// bounds memory, not the file. The newest-capture choice stays on the main thread (ItemReader).
import { parentPort, workerData } from "node:worker_threads";
import { InputError } from "../../util/errors.js";
import { parseFile, toWire, type WireItem } from "./item-parser.js";
import type { FromParser, ParseWorkerData, ToParser } from "./parse-protocol.js";

const port = parentPort;
if (!port) throw new Error("parse-worker runs only as a worker thread");
const data = workerData as ParseWorkerData;

/** Items per message, and messages the main thread may hold unprocessed. */
const BATCH = 500;
const IN_FLIGHT = 4;

let inFlight = 0;
let resume: (() => void) | undefined;
port.on("message", (msg: ToParser) => {
  if (msg.kind !== "ack") return;
  inFlight--;
  const r = resume;
  resume = undefined;
  r?.();
});

const send = (msg: FromParser): void => port.postMessage(msg);
let items: WireItem[] = [];
const flush = (): void => {
  if (items.length === 0) return;
  inFlight++;
  send({ kind: "items", items });
  items = [];
};
const pace = (): Promise<void> | undefined =>
  inFlight >= IN_FLIGHT ? new Promise<void>((r) => (resume = r)) : undefined;

async function main(): Promise<void> {
  for (const file of data.files) {
    const stats = await parseFile(
      file,
      data.options,
      (p) => {
        items.push(toWire(p, data.rows));
        if (items.length >= BATCH) flush();
      },
      pace,
    );
    flush();
    send({ kind: "file-done", file, stats });
  }
  send({ kind: "done" });
}

main().catch((err: unknown) => {
  // Bad input is an answer, sent in order after the items before it; anything else fails the worker.
  if (err instanceof InputError) {
    flush();
    send({ kind: "input-error", lines: err.lines });
  } else throw err;
});
