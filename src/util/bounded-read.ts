// Every file dpscan reads goes through here, so no input can take unbounded memory or time: a
// size limit that holds for streams too (/dev/zero, a FIFO, a process substitution, standard
// input), and a FIFO with no writer gives up after a timeout instead of hanging. Non-regular files
// are opened non-blocking (open(2) on a FIFO would otherwise wait for a writer forever).
import { closeSync, constants, fstatSync, openSync, read, readSync, statSync, type Stats } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { InputError } from "./errors.js";

export interface BoundedReadOptions {
  /** How long a stream may give no data at all before it is given up (a FIFO with no writer). */
  timeoutMs?: number;
  /** What the limit is for, for the message ("rule file", "--input file"). */
  what?: string;
}

/** Seconds a stream may stay silent before it is given up (DPSCAN_READ_TIMEOUT overrides). */
export function readTimeoutMs(env: NodeJS.ProcessEnv = process.env): number {
  const s = Number(env.DPSCAN_READ_TIMEOUT);
  return Number.isFinite(s) && s > 0 ? s * 1000 : 10_000;
}

/** Bytes per read of a file read in chunks (readBoundedChunks) unless the caller says. */
export const READ_CHUNK_BYTES = 1024 * 1024;
const POLL_MS = 20;

const code = (err: unknown): string => (err as NodeJS.ErrnoException).code ?? String(err);

export const STDIN = "-";

interface Opened {
  fd: number;
  /** A FIFO, socket or device: read by polling, with the silence timeout. */
  stream: boolean;
  /** Close it when done (not standard input). */
  owned: boolean;
}

function open(path: string): Opened {
  if (path === STDIN) return { fd: 0, stream: !fstatSync(0).isFile(), owned: false };
  let st: Stats;
  try {
    st = statSync(path);
  } catch (err) {
    throw new InputError([`${path}: cannot read: ${code(err)}`]);
  }
  if (st.isDirectory()) throw new InputError([`${path}: cannot read: it is a directory`]);
  const stream = !st.isFile();
  try {
    const fd = openSync(path, constants.O_RDONLY | (stream ? constants.O_NONBLOCK : 0));
    return { fd, stream: stream || !fstatSync(fd).isFile(), owned: true };
  } catch (err) {
    throw new InputError([`${path}: cannot read: ${code(err)}`]);
  }
}

function tooLarge(path: string, limit: number, o: BoundedReadOptions): InputError {
  return new InputError([`${path}: more than ${limit} bytes, the limit for ${o.what ?? "this file"}`]);
}

function silent(path: string, ms: number): InputError {
  return new InputError([
    `${path}: no data after ${ms / 1000} s (a FIFO or pipe with no writer?); set DPSCAN_READ_TIMEOUT=SECONDS to wait longer`,
  ]);
}

const sleepSync = (ms: number): void => {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
};

/**
 * The whole content of a file (or FIFO, device, `-` for standard input) up to `limit` bytes; more
 * is an InputError naming the file, as is a stream that gives nothing for the timeout.
 */
export function readBoundedFile(path: string, limit: number, o: BoundedReadOptions = {}): Buffer {
  const f = open(path);
  const timeout = o.timeoutMs ?? readTimeoutMs();
  const parts: Buffer[] = [];
  let total = 0;
  let idleSince = Date.now();
  try {
    for (;;) {
      const buf = Buffer.allocUnsafe(Math.min(READ_CHUNK_BYTES, limit - total + 1));
      let n: number;
      try {
        n = readSync(f.fd, buf, 0, buf.length, null);
      } catch (err) {
        if (code(err) !== "EAGAIN") throw new InputError([`${path}: cannot read: ${code(err)}`]);
        n = -1;
      }
      if (n > 0) {
        total += n;
        if (total > limit) throw tooLarge(path, limit, o);
        parts.push(buf.subarray(0, n));
        idleSince = Date.now();
        continue;
      }
      // 0 is the end of a file; on a FIFO that nothing has written to yet it means "no writer".
      if (n === 0 && (!f.stream || total > 0)) break;
      // A writer that came and went without a byte cannot be told from none: both are no input.
      if (Date.now() - idleSince > timeout) throw silent(path, timeout);
      sleepSync(POLL_MS);
    }
  } finally {
    if (f.owned) closeSync(f.fd);
  }
  return Buffer.concat(parts, total);
}

/** readBoundedFile as UTF-8 text (a leading byte-order mark removed). */
export function readBoundedText(path: string, limit: number, o: BoundedReadOptions = {}): string {
  return readBoundedFile(path, limit, o)
    .toString("utf8")
    .replace(/^\ufeff/, "");
}

/**
 * Up to `buf.length` bytes of an open regular file from byte `position` (fewer only at its end);
 * a failed read is an InputError naming the file.
 */
export function readAt(path: string, fd: number, buf: Uint8Array, position: number): number {
  let got = 0;
  try {
    while (got < buf.length) {
      const n = readSync(fd, buf, got, buf.length - got, position + got);
      if (n === 0) break;
      got += n;
    }
  } catch (err) {
    throw new InputError([`${path}: cannot read: ${code(err)}`]);
  }
  return got;
}

function readAsync(fd: number, buf: Buffer, position: number | null): Promise<number> {
  return new Promise((resolve, reject) =>
    read(fd, buf, 0, buf.length, position, (err, n) => {
      if (err && err.code === "EAGAIN") resolve(-1);
      else if (err) reject(err);
      else resolve(n);
    }),
  );
}

export interface StreamStats {
  /** Chunks read so far and the largest one (memory is bounded by the chunk, not the file). */
  chunks: number;
  maxChunk: number;
}

/**
 * The bytes of a file (or `-`, a FIFO, a device) in chunks of at most `chunkSize`, never more than
 * `limit` in total. Chunks are fresh buffers the caller may keep.
 */
export async function* readBoundedChunks(
  path: string,
  limit: number,
  o: BoundedReadOptions & {
    chunkSize?: number;
    signal?: AbortSignal;
    stats?: StreamStats;
    /** Read a regular file from this byte on; chunks still end where a read from 0 would end them. */
    start?: number;
  } = {},
): AsyncGenerator<Buffer> {
  const f = open(path);
  const chunkSize = o.chunkSize ?? READ_CHUNK_BYTES;
  const start = o.start ?? 0;
  if (start > 0 && f.stream)
    throw new InputError([`${path}: cannot read from byte ${start}: not a regular file`]);
  // Standard input is the user's own pipe: a slow producer is waited for.
  const timeout = path === STDIN ? Infinity : (o.timeoutMs ?? readTimeoutMs());
  let total = 0;
  let idleSince = Date.now();
  try {
    for (;;) {
      o.signal?.throwIfAborted();
      const at = start + total;
      const buf = Buffer.allocUnsafe(start > 0 ? chunkSize - (at % chunkSize) : chunkSize);
      let n: number;
      try {
        n = await readAsync(f.fd, buf, start > 0 ? at : null);
      } catch (err) {
        throw new InputError([`${path}: cannot read: ${code(err)}`]);
      }
      if (n > 0) {
        total += n;
        if (total > limit) throw tooLarge(path, limit, o);
        idleSince = Date.now();
        if (o.stats) {
          o.stats.chunks++;
          o.stats.maxChunk = Math.max(o.stats.maxChunk, n);
        }
        yield buf.subarray(0, n);
        continue;
      }
      if (n === 0 && (!f.stream || total > 0 || path === STDIN)) return;
      if (Date.now() - idleSince > timeout) throw silent(path, timeout);
      await sleep(POLL_MS, undefined, o.signal ? { signal: o.signal } : undefined);
    }
  } finally {
    if (f.owned) closeSync(f.fd);
  }
}
