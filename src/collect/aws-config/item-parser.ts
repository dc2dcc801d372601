// The per-item half of reading AWS Config files (snapshot-file.ts): bytes to items (gunzip, the
// streaming JSON reader), each item classified, normalised, keyed and hashed. It keeps no state
// across items, so it runs in-thread for small inputs and in a worker thread (parse-worker.ts) for
// large ones (sent as WireItem), with the same results either way; the newest-capture choice and
// the store stay with the caller, on the main thread.
import { hash } from "node:crypto";
import { Readable, pipeline } from "node:stream";
import { StringDecoder } from "node:string_decoder";
import { createGunzip } from "node:zlib";
import type { ResourceRecord } from "../../model/resource.js";
import { isKnownResourceType } from "../../model/resource-types.js";
import { ItemError, normalizeItem } from "../../model/normalize.js";
import { READ_CHUNK_BYTES, readBoundedChunks, type StreamStats } from "../../util/bounded-read.js";
import { InputError } from "../../util/errors.js";
import { toTime } from "../../util/json.js";
import { resourceJson, toResourceRow, type ResourceJson, type ResourceRow } from "../../store/store.js";
import {
  JsonStreamError,
  JsonValueStream,
  type JsonShape,
  type StreamedValue,
} from "../../util/json-stream.js";
import { itemUse, type ItemUse } from "./items.js";

/** Bytes of one input file after decompression: streams (/dev/zero) end here, files rarely do. */
export const MAX_INPUT_BYTES = 64 * 1024 ** 3;
/** One configuration item: a 50 MB policy inside one is still read (and marked too large). */
export const MAX_ITEM_CHARS = 256 * 1024 * 1024;

/** What the newest-capture choice and its messages need of a record (and `RecordSink.remove`). */
export type ItemIdentity = Pick<
  ResourceRecord,
  "resourceType" | "resourceId" | "awsAccountId" | "awsRegion" | "arn" | "configurationItemCaptureTime"
>;

export const identityOf = (r: ItemIdentity): ItemIdentity => ({
  resourceType: r.resourceType,
  resourceId: r.resourceId,
  awsAccountId: r.awsAccountId,
  awsRegion: r.awsRegion,
  arn: r.arn,
  configurationItemCaptureTime: r.configurationItemCaptureTime,
});

/** What decides which capture of a resource is its newest. */
interface Capture {
  kind: "record";
  /** file:line:col, for a problem found later (two different items at one capture time). */
  where: string;
  use: ItemUse;
  /** The store's key of the resource (resourceKey). */
  key: string;
  /** Capture time, epoch ms (0 when absent). */
  time: number;
  hash: string;
}

/** An item that is neither a record nor kept: an unknown type, or a malformed item. */
type NotRecord =
  /** A type no dpscan rule or collector knows: counted, not stored. */
  | { kind: "ignored"; type: string }
  /** A malformed item: the problem, naming file, line and column. */
  | { kind: "bad"; problem: string };

/** What one item is, as the reader needs it (in the thread that parsed it). */
export type ParsedItem =
  | NotRecord
  | (Capture & {
      record: ResourceRecord;
      /** The record's JSON columns, made once for the hash and the store's row. */
      json: ResourceJson;
    });

/**
 * A ParsedItem as the parser worker sends it (structured-cloneable, and small): the record's
 * identity, and only for a usable item what the sink stores, as the store's row when the sink takes
 * rows (serialised in the worker), else as the record.
 */
export type WireItem =
  NotRecord | (Capture & { id: ItemIdentity; row?: ResourceRow; record?: ResourceRecord });

/** A ParsedItem for the wire; `rows`: the sink takes the store's rows (RecordSink.putRow). */
export function toWire(p: ParsedItem, rows: boolean): WireItem {
  if (p.kind !== "record") return p;
  const { record, json, ...capture } = p;
  const wire: WireItem = { ...capture, id: identityOf(record) };
  if (p.use !== "usable") return wire;
  if (rows) wire.row = toResourceRow(record, json);
  else wire.record = record;
  return wire;
}

export interface ParseOptions {
  chunkSize?: number;
  /** Per file, after decompression. */
  maxBytes?: number;
  maxItemChars?: number;
  signal?: AbortSignal;
}

export type FileStats = StreamStats & {
  maxBufferedChars: number;
  /**
   * The slices of a JSON Lines file parsed apart (absent: it was read whole); then the rest read
   * whole when a cut fell inside a value.
   */
  slices?: number;
};

/** The store's key of a resource (Store.insertResources): its ARN, else account, region and id. */
export const resourceKey = (r: ResourceRecord): string =>
  r.arn
    ? `${r.resourceType}\u0000arn\u0000${r.arn}`
    : `${r.resourceType}\u0000id\u0000${r.awsAccountId}\u0000${r.awsRegion}\u0000${r.resourceId}`;

/** Of what is stored: two items of one resource at one capture time must agree on all of it. */
function contentHash(use: string, r: ResourceRecord, json: ResourceJson): string {
  const text = `[${JSON.stringify(use)},${JSON.stringify(r.arn) ?? "null"},${JSON.stringify(r.resourceName) ?? "null"},${json.configuration},${json.supplementary},${json.tags}]`;
  return hash("sha256", text, "base64");
}

/** One item, or nothing (a deleted item too bare to normalise: nothing to judge either way). */
export function parseItem(where: string, item: unknown): ParsedItem | undefined {
  const use = itemUse(item);
  const type = item && typeof item === "object" ? (item as Record<string, unknown>).resourceType : undefined;
  if (typeof type === "string" && !isKnownResourceType(type)) return { kind: "ignored", type };
  let record: ResourceRecord;
  try {
    record = normalizeItem(item);
  } catch (err) {
    if (!(err instanceof ItemError)) throw err;
    return use === "deleted" ? undefined : { kind: "bad", problem: `${where}: ${err.message}` };
  }
  const time = toTime(record.configurationItemCaptureTime) ?? 0;
  const json = resourceJson(record);
  return {
    kind: "record",
    where,
    use,
    key: resourceKey(record),
    time,
    hash: contentHash(use, record, json),
    record,
    json,
  };
}

/** Raw chunks, gunzipped when they start with the gzip magic bytes (whatever the file is called). */
async function* decompressed(file: string, raw: AsyncGenerator<Buffer>): AsyncGenerator<Buffer> {
  const first = await raw.next();
  if (first.done) return;
  const head = first.value;
  async function* all(): AsyncGenerator<Buffer> {
    yield head;
    yield* raw;
  }
  if (!(head[0] === 0x1f && head[1] === 0x8b)) {
    yield* all();
    return;
  }
  const gunzip = createGunzip();
  pipeline(Readable.from(all()), gunzip, () => undefined);
  try {
    for await (const chunk of gunzip) yield chunk as Buffer;
  } catch (err) {
    if (err instanceof InputError || (err as Error).name === "AbortError") throw err;
    throw new InputError([`${file}: not valid gzip data: ${(err as Error).message}`]);
  }
}

function label(shape: JsonShape | undefined, v: StreamedValue): string {
  if (shape === "container") return `: configurationItems[${v.index}]`;
  if (shape === "array") return `: item [${v.index}]`;
  return "";
}

const hasKey = (v: unknown, k: string): boolean =>
  v !== null && typeof v === "object" && !Array.isArray(v) && Object.hasOwn(v, k);

/** Where a read starts inside a file: a line start of a JSON Lines file (after a newline). */
export interface FilePosition {
  offset: number;
  line: number;
}

/** The reader of one file's (or slice's) text, and what it hands to `emit`. */
function reader(
  file: string,
  o: ParseOptions,
  from: FilePosition | undefined,
  emit: (item: ParsedItem) => void,
) {
  const json = new JsonValueStream({
    containerKey: "configurationItems",
    maxValueChars: o.maxItemChars ?? MAX_ITEM_CHARS,
    ...(from && from.offset > 0 ? { continues: { line: from.line } } : {}),
  });
  const take = (values: StreamedValue[]): void => {
    for (const v of values) {
      if (json.shape === "objects" && v.index === 0 && !hasKey(v.value, "resourceType"))
        throw new InputError([
          `${file}: not an AWS Config snapshot: expected {"configurationItems": [...]}, a JSON array of items, or JSON Lines`,
        ]);
      const parsed = parseItem(`${file}:${v.line}:${v.col}${label(json.shape, v)}`, v.value);
      if (parsed) emit(parsed);
    }
  };
  return { json, take };
}

const located = (file: string, err: unknown): unknown =>
  err instanceof JsonStreamError
    ? new InputError([`${file}:${err.line}:${err.col}: invalid JSON: ${err.problem}`])
    : err;

/**
 * Every item of one file to `emit`, in order (from `from` on: the rest of a JSON Lines file). A
 * problem of the file itself (not JSON, not gzip, too large, not AWS Config items) is an
 * InputError naming the file and where. `pace`, awaited after each chunk, lets a consumer hold the
 * reader back (the worker's bounded queue).
 */
export async function parseFile(
  file: string,
  o: ParseOptions,
  emit: (item: ParsedItem) => void,
  pace?: () => Promise<void> | undefined,
  from?: FilePosition,
): Promise<FileStats> {
  const stats: StreamStats = { chunks: 0, maxChunk: 0 };
  const { json, take } = reader(file, o, from, emit);
  const decoder = new StringDecoder("utf8");
  const limit = o.maxBytes ?? MAX_INPUT_BYTES;
  const start = from?.offset ?? 0;
  let bytes = start;
  const raw = readBoundedChunks(file, limit - start, {
    what: "an --input file",
    stats,
    ...(o.chunkSize ? { chunkSize: o.chunkSize } : {}),
    ...(o.signal ? { signal: o.signal } : {}),
    ...(start > 0 ? { start } : {}),
  });
  try {
    // The rest of a file is plain text (a gzip file is never read in parts).
    for await (const chunk of start > 0 ? raw : decompressed(file, raw)) {
      bytes += chunk.length;
      if (bytes > limit)
        throw new InputError([`${file}: more than ${limit} bytes, the limit for an --input file`]);
      take(json.push(decoder.write(chunk)));
      await pace?.();
    }
    take(json.push(decoder.end()));
    take(json.end());
  } catch (err) {
    throw located(file, err);
  }
  return { ...stats, maxBufferedChars: json.maxBuffered };
}

/** What parseSlice found besides its items. */
export interface SliceOutcome {
  /**
   * The slice ended between two values of a JSON Lines document (and for the first slice, the
   * document is JSON Lines): the next slice starts where a read of the whole file would be between
   * values too. False: the cut fell inside a value, and the file is read whole from this slice on.
   */
  clean: boolean;
  /** The file's own problem (InputError lines), found in this slice: the read stops there. */
  problem?: string[];
  stats: FileStats;
}

/**
 * One slice of a plain JSON Lines file (`bytes`, from `at`, cut after a newline), parsed apart
 * from the rest: the items and problems a read of the whole file finds in these bytes, with the
 * same lines, columns and chunk boundaries, when the slices before it were clean. `last`: the
 * file's end is this slice's end.
 */
export function parseSlice(
  file: string,
  bytes: Uint8Array,
  at: FilePosition,
  last: boolean,
  o: ParseOptions,
  emit: (item: ParsedItem) => void,
): SliceOutcome {
  const { json, take } = reader(file, o, at, emit);
  const decoder = new StringDecoder("utf8");
  const chunk = o.chunkSize ?? READ_CHUNK_BYTES;
  const stats: StreamStats = { chunks: 0, maxChunk: 0 };
  const outcome = (clean: boolean, problem?: string[]): SliceOutcome => ({
    clean,
    ...(problem ? { problem } : {}),
    stats: { ...stats, maxBufferedChars: json.maxBuffered },
  });
  try {
    // Chunks end where the whole file's read ends them: a position found at a chunk's end is the same.
    for (let i = 0; i < bytes.length;) {
      const n = Math.min(bytes.length - i, chunk - ((at.offset + i) % chunk));
      stats.chunks++;
      stats.maxChunk = Math.max(stats.maxChunk, n);
      take(json.push(decoder.write(bytes.subarray(i, i + n))));
      i += n;
    }
    take(json.push(decoder.end()));
  } catch (err) {
    const e = located(file, err);
    if (e instanceof InputError) return outcome(true, e.lines);
    throw e;
  }
  if (at.offset === 0 && json.shape !== "objects") return outcome(false);
  try {
    take(json.end());
  } catch (err) {
    if (!last) return outcome(false);
    const e = located(file, err);
    if (e instanceof InputError) return outcome(true, e.lines);
    throw e;
  }
  return outcome(true);
}
