// Messages between snapshot-file.ts (the main thread: the newest-capture choice and the store) and
// the item parser worker (parse-worker.ts: bytes to items); structured-cloneable only.
import type { FilePosition, FileStats, ParseOptions, SliceOutcome, WireItem } from "./item-parser.js";
import type { CoverageInput } from "../../model/coverage.js";

export interface ParseWorkerData {
  options: Omit<ParseOptions, "signal">;
  /** The sink takes store rows (RecordSink.putRow): usable items travel as rows, serialised in the worker. */
  rows: boolean;
}

/** What a read found (readConfigItems), besides what it told the sink. */
export interface ReadSummary {
  files: string[];
  /** Resources judged: their newest item is a usable record. */
  records: number;
  /** Items of types no dpscan rule or collector knows, by type (counted, not stored). */
  ignoredTypes: Record<string, number>;
  /** Resources whose newest item says AWS Config saw them deleted. */
  deleted: number;
  /** Resources whose newest item is ResourceNotRecorded: they exist, but have no configuration. */
  notRecorded: number;
  /** Older captures of a resource that a newer one replaced (or identical repeats). */
  superseded: number;
  /** A few of those, across different files, for the person reading the summary. */
  supersededExamples: string[];
  /** One gap row per (account, region, type) with unrecorded items: their rules give UNKNOWN there. */
  coverage: CoverageInput[];
}

/** Tasks, done in the order they arrive. */
export type ToParser =
  /** The main thread is done with one batch of a file's items: the worker may send another. */
  | { kind: "ack" }
  /** Read a file (from `from` on), its items in batches (acknowledged), then file-done. */
  | { kind: "file"; file: string; from?: FilePosition }
  /** Parse one slice of a JSON Lines file and send its items at once (parseSlice). */
  | { kind: "slice"; seq: number; file: string; bytes: Uint8Array; at: FilePosition; last: boolean };

export type FromParser =
  /** The next items of the file being read, in file order. */
  | { kind: "items"; items: WireItem[] }
  | { kind: "file-done"; file: string; stats: FileStats }
  /** The input is bad (InputError's lines): the read stops here, as in-thread. */
  | { kind: "input-error"; lines: string[] }
  /** A slice's items, in batches serialised with v8.serialize (WireItem[] each). */
  | { kind: "slice"; seq: number; batches: Uint8Array[]; outcome: SliceOutcome };
