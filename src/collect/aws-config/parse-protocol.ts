// Messages between snapshot-file.ts (the main thread: newest capture, store) and the item parser
// worker (parse-worker.ts); structured-cloneable only.
import type { FileStats, ParsedItem, ParseOptions } from "./item-parser.js";

export interface ParseWorkerData {
  files: string[];
  options: Omit<ParseOptions, "signal">;
}

/** The main thread is done with one batch: the worker may send another. */
export type ToParser = { kind: "ack" };

export type FromParser =
  | { kind: "items"; file: number; items: ParsedItem[] }
  | { kind: "file-done"; file: number; stats: FileStats }
  | { kind: "done" }
  /** The input is bad (InputError's lines): the read stops here, as in-thread. */
  | { kind: "input-error"; lines: string[] };
