// Where a command's report goes: standard output, and the files named by --output. Text is written
// a chunk at a time with backpressure, so a slow reader holds the producer (an iterator over the
// store) rather than memory. A reader that goes away (`dpscan findings | head`) ends the output
// quietly with exit code 0, as Unix tools do; a file is written whole or not at all.
import { accessSync, constants, createWriteStream, renameSync, rmSync } from "node:fs";
import { dirname, extname, resolve } from "node:path";
import type { Writable } from "node:stream";
import { UsageError } from "../util/errors.js";

export const REPORT_FORMATS = ["table", "json", "csv"] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/** `--output FILE`: the format follows the extension. */
const BY_EXTENSION: Record<string, ReportFormat> = { ".json": "json", ".csv": "csv", ".txt": "table" };

export interface OutputFile {
  file: string;
  format: ReportFormat;
}

/** Repeatable `--output FILE` (commander's collector). */
export const collect = (v: string, prev: string[]): string[] => [...prev, v];

export const OUTPUT_HELP =
  "also write the report to FILE, in the format its extension names (.json, .csv, .txt); repeatable";

/** The files of `--output`, checked before any work is done (a long scan must not end unwritable). */
export function outputFiles(files: readonly string[]): OutputFile[] {
  return files.map((file) => {
    const format = BY_EXTENSION[extname(file).toLowerCase()];
    if (!format)
      throw new UsageError(
        `--output ${file}: cannot tell the format from the extension; use ${Object.keys(BY_EXTENSION).join(", ")}`,
      );
    try {
      accessSync(dirname(resolve(file)), constants.W_OK);
    } catch (err) {
      throw new UsageError(`--output ${file}: cannot write: ${(err as NodeJS.ErrnoException).code ?? err}`);
    }
    return { file, format };
  });
}

const guarded = new WeakSet<Writable>();
/** Streams that failed a write. process.stdout is not `destroyed` by an EPIPE, so it is noted here. */
const broken = new WeakSet<Writable>();

/**
 * Make a closed reader end a stream's output instead of crashing the process with an unhandled
 * 'error' (EPIPE). Other write errors are reported once on stderr and make the exit code 1.
 */
export function guardStream(stream: Writable): void {
  if (guarded.has(stream)) return;
  guarded.add(stream);
  stream.on("error", (err: NodeJS.ErrnoException) => {
    const first = !broken.has(stream);
    broken.add(stream);
    if (err.code === "EPIPE" || err.code === "ERR_STREAM_DESTROYED" || !first) return;
    process.stderr.write(`dpscan: cannot write output: ${err.message}\n`);
    process.exitCode = 1;
  });
}

/** Whether a stream can take no more (its reader went away). */
function gone(stream: Writable): boolean {
  return broken.has(stream) || stream.destroyed || stream.writableEnded;
}

/** Chunks are gathered up to this size per write: one system call per row would cost more than the row. */
const WRITE_SIZE = 64 * 1024;

/** Write chunks in order, waiting when the stream asks to; stop pulling them once the stream is gone. */
export async function writeChunks(stream: Writable, chunks: Iterable<string>): Promise<void> {
  let pending: string[] = [];
  let size = 0;
  const flush = async (): Promise<void> => {
    const text = pending.join("");
    pending = [];
    size = 0;
    if (text !== "" && !gone(stream) && !stream.write(text) && !gone(stream)) await drained(stream);
  };
  for (const chunk of chunks) {
    if (gone(stream)) return;
    pending.push(chunk);
    size += chunk.length;
    if (size >= WRITE_SIZE) await flush();
  }
  await flush();
}

function drained(stream: Writable): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      stream.off("drain", done);
      stream.off("error", done);
      stream.off("close", done);
      resolve();
    };
    stream.on("drain", done);
    stream.on("error", done);
    stream.on("close", done);
  });
}

/** Standard output, guarded against a closed pipe. */
export function stdout(): Writable {
  guardStream(process.stdout);
  return process.stdout;
}

/** Where writeFileChunks writes a file until it is complete. */
export const partialPath = (file: string): string => `${file}.partial-${process.pid}`;

/** Write a file atomically: to a temporary name beside it, renamed when complete. `flag` names it in errors. */
export async function writeFileChunks(
  file: string,
  chunks: Iterable<string>,
  flag = "--output",
): Promise<void> {
  const partial = partialPath(file);
  const stream = createWriteStream(partial);
  const failed = new Promise<never>((_, reject) => stream.once("error", reject));
  try {
    await Promise.race([writeChunks(stream, chunks), failed]);
    await Promise.race([new Promise<void>((resolve) => stream.end(resolve)), failed]);
    renameSync(partial, file);
  } catch (err) {
    stream.destroy();
    rmSync(partial, { force: true });
    const code = (err as NodeJS.ErrnoException).code;
    if (code) throw new UsageError(`${flag} ${file}: cannot write: ${code}`);
    throw err;
  }
}
