// An item parser thread (`evaluate --input` of a large input): reads, parses, normalises and hashes
// items (and makes the store's rows of usable ones). Two kinds of task, done in the order they
// arrive: a whole file, streamed in batches with at most IN_FLIGHT unacknowledged (a main thread
// slower than the parser bounds memory, not the file), or one slice of a JSON Lines file, sent
// back at once. The newest-capture choice stays on the main thread (ItemReader).
import { serialize } from "node:v8";
import { parentPort, workerData } from "node:worker_threads";
import { InputError } from "../../util/errors.js";
import { parseFile, parseSlice, toWire, type ParsedItem, type WireItem } from "./item-parser.js";
import type { FromParser, ParseWorkerData, ToParser } from "./parse-protocol.js";

const port = parentPort;
if (!port) throw new Error("parse-worker runs only as a worker thread");
const data = workerData as ParseWorkerData;

/** Items per message, and messages the main thread may hold unprocessed. */
const BATCH = 500;
const IN_FLIGHT = 4;

let inFlight = 0;
let resume: (() => void) | undefined;
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

async function file(task: Extract<ToParser, { kind: "file" }>): Promise<void> {
  const emit = (p: ParsedItem): void => {
    items.push(toWire(p, data.rows));
    if (items.length >= BATCH) flush();
  };
  try {
    const stats = await parseFile(task.file, data.options, emit, pace, task.from);
    flush();
    send({ kind: "file-done", file: task.file, stats });
  } catch (err) {
    // Bad input is an answer, sent in order after the items before it; anything else fails the worker.
    if (!(err instanceof InputError)) throw err;
    flush();
    send({ kind: "input-error", lines: err.lines });
  }
}

/**
 * A slice's items as serialised batches: the main thread holds a slice until the ones before it
 * are in, and bytes held there cost its garbage collector nothing, where objects would be
 * promoted and collected again. It deserialises one batch at a time as it takes them (1M items,
 * one run each: 253 user CPU-s against 273 and 312 for objects; bench/README.md, w14).
 */
function slice(task: Extract<ToParser, { kind: "slice" }>): void {
  const batches: Uint8Array[] = [];
  let batch: WireItem[] = [];
  const outcome = parseSlice(task.file, task.bytes, task.at, task.last, data.options, (p) => {
    batch.push(toWire(p, data.rows));
    if (batch.length >= BATCH) {
      batches.push(serialize(batch));
      batch = [];
    }
  });
  if (batch.length > 0) batches.push(serialize(batch));
  send({ kind: "slice", seq: task.seq, batches, outcome });
}

// One task at a time, in order: a file's read awaits its acknowledgements.
let queue = Promise.resolve();
port.on("message", (msg: ToParser) => {
  if (msg.kind === "ack") {
    inFlight--;
    const r = resume;
    resume = undefined;
    r?.();
    return;
  }
  queue = queue.then(() => (msg.kind === "file" ? file(msg) : slice(msg)));
  // A failure that is not the input's fails the worker (the pool reports it).
  queue.catch((err: unknown) => {
    setImmediate(() => {
      throw err;
    });
  });
});
