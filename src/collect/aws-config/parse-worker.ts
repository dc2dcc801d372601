// The item reader as a worker thread (`evaluate --input` of a large input): parses, normalises
// and hashes every item, keeps the newest capture of each resource in its own temporary SQLite
// index, and sends the sink's calls in batches, at most IN_FLIGHT unacknowledged, so a main
// thread slower than the reader bounds memory, not the file.
import { parentPort, workerData } from "node:worker_threads";
import Database from "better-sqlite3";
import { captureIndexIn } from "../../store/capture-index.js";
import { toResourceRow } from "../../store/store.js";
import { InputError } from "../../util/errors.js";
import type { FromParser, ParseWorkerData, SinkCall, ToParser } from "./parse-protocol.js";
import { ItemReader, readInto } from "./snapshot-file.js";

const port = parentPort;
if (!port) throw new Error("parse-worker runs only as a worker thread");
const data = workerData as ParseWorkerData;

/** Sink calls per message, and messages the main thread may hold unprocessed. */
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
let calls: SinkCall[] = [];
const flush = (): void => {
  if (calls.length === 0) return;
  inFlight++;
  send({ kind: "calls", calls });
  calls = [];
};
const call = (c: SinkCall): void => {
  calls.push(c);
  if (calls.length >= BATCH) flush();
};

async function main(): Promise<void> {
  // "": a private temporary database, on disk past SQLite's page cache, gone when closed.
  const db = new Database("");
  // 32 MiB of cache for the index (SQLite's default is 2 MiB): its entries arrive in file order, not
  // key order, and at 200k items the default read 276 MB back, this 41 MB (bench/README.md).
  db.pragma("temp.cache_size = -32768");
  try {
    const reader = new ItemReader(
      data.files,
      {
        // Rows: the configuration's JSON is made here, off the thread that writes it.
        put: (record, json) =>
          call(data.rows ? { put: true, row: toResourceRow(record, json) } : { put: true, record }),
        remove: (record) => call({ put: false, record }),
      },
      captureIndexIn(db),
    );
    const summary = await readInto(
      reader,
      data.files,
      {
        ...data.options,
        onFileDone: (file, stats) => {
          flush();
          send({ kind: "file-done", file, stats });
        },
      },
      () => (inFlight >= IN_FLIGHT ? new Promise<void>((r) => (resume = r)) : undefined),
    );
    flush();
    send({ kind: "done", summary });
  } finally {
    db.close();
  }
}

main().catch((err: unknown) => {
  // Bad input is an answer, sent in order after the calls before it; anything else fails the worker.
  if (err instanceof InputError) {
    flush();
    send({ kind: "input-error", lines: err.lines });
  } else throw err;
});
