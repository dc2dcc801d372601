// Where an evidence pack lives: a folder, or one .zip file. Writers hash what they write as they
// write it (no re-read); readers hash every file the pack holds, streaming, so a large pack needs
// no more memory than one chunk. Zip entries get a fixed date so the same pack gives the same bytes.
import { createHash } from "node:crypto";
import {
  closeSync,
  existsSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readSync,
  renameSync,
  rmSync,
  writeSync,
} from "node:fs";
import { dirname, join, relative, sep } from "node:path";
import { constants, deflateRawSync } from "node:zlib";
import { Unzip, UnzipInflate, UnzipPassThrough, Zip, ZipPassThrough } from "fflate";
import type { ManifestEntry } from "./manifest.js";

/** What one file of a pack is made of: text, bytes, or chunks produced one at a time. */
export type Content = string | Buffer | Iterable<string | Buffer>;

export interface PackWriter {
  add(path: string, content: Content): ManifestEntry;
  /**
   * A finished file taken whole, and gone from where it was: a folder renames it into place (so
   * it is not written twice), a zip copies its bytes in.
   */
  addFile(path: string, file: string): ManifestEntry;
  /** True when addFile moves rather than copies: whole files are then cheaper to hand over than chunks. */
  readonly movesFiles: boolean;
  close(): void;
}

const CHUNK = 1 << 20;
/** DOS dates are local-time fields; a fixed local date keeps zip bytes the same in every time zone. */
const ZIP_DATE = new Date(1980, 0, 1, 0, 0, 0);
/** A pack with more entries than this is not one dpscan wrote. */
const MAX_ENTRIES = 200_000;

/**
 * A file's content as buffers of about CHUNK bytes: content made a line at a time (a finding, a
 * record) is gathered first, since a write and a hash update per line cost more than the lines.
 */
function* chunksOf(content: Content): Generator<Buffer> {
  if (typeof content === "string") yield Buffer.from(content, "utf8");
  else if (Buffer.isBuffer(content)) yield content;
  else {
    let parts: string[] = [];
    let size = 0;
    for (const c of content) {
      if (typeof c === "string") {
        parts.push(c);
        size += c.length;
        if (size < CHUNK) continue;
      }
      if (size > 0) yield Buffer.from(parts.join(""), "utf8");
      parts = [];
      size = 0;
      if (typeof c !== "string") yield c;
    }
    if (size > 0) yield Buffer.from(parts.join(""), "utf8");
  }
}

/** Pack paths are relative, forward-slashed, without "." or ".." segments. */
export function checkPackPath(path: string): void {
  if (path === "" || path.startsWith("/") || path.split("/").some((s) => s === "" || s === "." || s === ".."))
    throw new Error(`invalid path in evidence pack: ${JSON.stringify(path)}`);
}

export function dirWriter(root: string): PackWriter {
  mkdirSync(root, { recursive: true });
  const writer: PackWriter = {
    movesFiles: true,
    addFile(path, file) {
      checkPackPath(path);
      const dest = join(root, ...path.split("/"));
      mkdirSync(dirname(dest), { recursive: true });
      if (existsSync(dest)) throw new Error(`${dest} exists`); // as add's "wx": never overwrite
      try {
        renameSync(file, dest);
      } catch (err) {
        // Another file system (the folder is a mount of its own): copy it instead.
        if ((err as NodeJS.ErrnoException).code !== "EXDEV") throw err;
        const entry = writer.add(path, fileChunks(file));
        rmSync(file, { force: true });
        return entry;
      }
      const { sha256, bytes } = hashFile(dest, false);
      return { path, sha256, bytes };
    },
    add(path, content) {
      checkPackPath(path);
      const file = join(root, ...path.split("/"));
      mkdirSync(dirname(file), { recursive: true });
      const fd = openSync(file, "wx"); // never overwrite: the folder was checked to be new or empty
      const hash = createHash("sha256");
      let bytes = 0;
      try {
        for (const chunk of chunksOf(content)) {
          hash.update(chunk);
          bytes += chunk.length;
          writeSync(fd, chunk);
        }
      } finally {
        closeSync(fd);
      }
      return { path, sha256: hash.digest("hex"), bytes };
    },
    close() {},
  };
  return writer;
}

/**
 * A zip entry deflated by Node's zlib, a chunk at a time: each chunk is its own deflate segment,
 * flushed to a byte boundary and not final, and the last push ends the stream, so the segments
 * form one valid stream (as pigz makes them). fflate's own deflate, in JavaScript, took most of a
 * large pack's time; a segment per chunk of ~1 MiB costs a few bytes and a little ratio.
 */
class NativeDeflate extends ZipPassThrough {
  constructor(filename: string) {
    super(filename);
    this.compression = 8; // deflate (APPNOTE 4.4.5); general purpose flag 0: normal level
  }

  protected override process(chunk: Uint8Array<ArrayBuffer>, final: boolean): void {
    const out = deflateRawSync(chunk, {
      level: 6,
      finishFlush: final ? constants.Z_FINISH : constants.Z_SYNC_FLUSH,
    });
    this.ondata(null, out, final);
  }
}

export function zipWriter(file: string): PackWriter {
  const fd = openSync(file, "wx");
  let failed: Error | undefined;
  const zip = new Zip((err, chunk) => {
    if (err) failed = err;
    else writeSync(fd, chunk);
  });
  const writer: PackWriter = {
    movesFiles: false,
    addFile(path, file) {
      const entry = writer.add(path, fileChunks(file));
      rmSync(file, { force: true });
      return entry;
    },
    add(path, content) {
      checkPackPath(path);
      const entry = new NativeDeflate(path);
      entry.mtime = ZIP_DATE;
      zip.add(entry);
      const hash = createHash("sha256");
      let bytes = 0;
      for (const chunk of chunksOf(content)) {
        hash.update(chunk);
        bytes += chunk.length;
        entry.push(chunk);
      }
      entry.push(new Uint8Array(0), true);
      if (failed) throw failed;
      return { path, sha256: hash.digest("hex"), bytes };
    },
    close() {
      zip.end();
      closeSync(fd);
      if (failed) throw failed;
    },
  };
  return writer;
}

/** A file's bytes, a chunk at a time (each chunk its own buffer: a zip entry may keep it). */
export function* fileChunks(path: string): Generator<Buffer> {
  const fd = openSync(path, "r");
  try {
    for (;;) {
      const buf = Buffer.allocUnsafe(CHUNK);
      const n = readSync(fd, buf, 0, CHUNK, null);
      if (n === 0) return;
      yield buf.subarray(0, n);
    }
  } finally {
    closeSync(fd);
  }
}

export interface PackFile {
  sha256: string;
  bytes: number;
  /** The file's content when it is small and asked for (the manifest and its signature). */
  text?: Buffer;
}

export interface PackContents {
  files: Map<string, PackFile>;
  /** Entries a pack must not have: duplicates, links, devices, unsafe names. */
  anomalies: string[];
}

/** Read every file of a pack (folder or .zip), hashing as it streams; `keep` names files to return whole. */
export function readPack(path: string, keep: readonly string[]): PackContents {
  const st = lstatSync(path);
  if (st.isDirectory()) return readDir(path, keep);
  if (st.isFile()) return readZip(path, keep);
  throw new Error(`${path}: neither a folder nor a .zip file`);
}

function readDir(root: string, keep: readonly string[]): PackContents {
  const out: PackContents = { files: new Map(), anomalies: [] };
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const full = join(dir, name);
      const rel = relative(root, full).split(sep).join("/");
      const st = lstatSync(full);
      if (st.isDirectory()) walk(full);
      else if (!st.isFile()) out.anomalies.push(`${rel}: not a regular file`);
      else out.files.set(rel, hashFile(full, keep.includes(rel)));
      if (out.files.size > MAX_ENTRIES) throw new Error(`${root}: more than ${MAX_ENTRIES} files`);
    }
  };
  walk(root);
  return out;
}

function hashFile(file: string, keepText: boolean): PackFile {
  const fd = openSync(file, "r");
  const hash = createHash("sha256");
  const kept: Buffer[] = [];
  const buf = Buffer.alloc(CHUNK);
  let bytes = 0;
  try {
    for (;;) {
      const n = readSync(fd, buf, 0, CHUNK, null);
      if (n === 0) break;
      hash.update(buf.subarray(0, n));
      if (keepText) kept.push(Buffer.from(buf.subarray(0, n)));
      bytes += n;
    }
  } finally {
    closeSync(fd);
  }
  return { sha256: hash.digest("hex"), bytes, ...(keepText ? { text: Buffer.concat(kept) } : {}) };
}

function readZip(file: string, keep: readonly string[]): PackContents {
  const out: PackContents = { files: new Map(), anomalies: [] };
  let error: Error | undefined;
  const unzip = new Unzip((entry) => {
    if (entry.name.endsWith("/")) return; // a folder entry holds nothing
    try {
      checkPackPath(entry.name);
    } catch (err) {
      out.anomalies.push((err as Error).message);
      return;
    }
    if (out.files.has(entry.name)) out.anomalies.push(`${entry.name}: appears more than once in the zip`);
    if (out.files.size >= MAX_ENTRIES) {
      error = new Error(`${file}: more than ${MAX_ENTRIES} entries`);
      return;
    }
    const hash = createHash("sha256");
    const kept: Uint8Array[] = [];
    let bytes = 0;
    entry.ondata = (err, chunk, final) => {
      if (err) {
        error = new Error(`${file}: ${entry.name}: ${err.message}`);
        return;
      }
      hash.update(chunk);
      bytes += chunk.length;
      if (keep.includes(entry.name)) kept.push(Buffer.from(chunk));
      if (final) {
        const text = keep.includes(entry.name) ? { text: Buffer.concat(kept) } : {};
        out.files.set(entry.name, { sha256: hash.digest("hex"), bytes, ...text });
      }
    };
    entry.start();
  });
  unzip.register(UnzipInflate);
  unzip.register(UnzipPassThrough);
  const fd = openSync(file, "r");
  const buf = Buffer.alloc(CHUNK);
  try {
    for (;;) {
      const n = readSync(fd, buf, 0, CHUNK, null);
      unzip.push(Uint8Array.from(buf.subarray(0, n)), n === 0);
      if (error) throw error;
      if (n === 0) break;
    }
  } catch (err) {
    throw new Error(`${file}: not a readable zip file (${(err as Error).message})`);
  } finally {
    closeSync(fd);
  }
  return out;
}

/** An output folder must be new or empty: a pack never mixes with files it did not write. */
export function checkOutputDir(dir: string): void {
  if (!existsSync(dir)) return;
  const st = lstatSync(dir);
  if (!st.isDirectory()) throw new Error(`${dir} exists and is not a folder`);
  if (readdirSync(dir).length > 0) throw new Error(`${dir} is not empty: give a new or empty folder`);
}
