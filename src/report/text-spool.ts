// Texts kept in a temporary file in the order they were added, read back later whole or by byte
// ranges: what one pass over many results renders for outputs that can only be written after the
// pass (the gate's SARIF and JUnit need its decision first), without holding the texts in memory
// or reading the results from the store again. Each record: the text's UTF-8 length (4 bytes), a
// tag (1 byte) and the text.
import { closeSync, openSync, readSync, rmSync, writeSync } from "node:fs";
import { EnvironmentError } from "../util/errors.js";

const HEAD = 5;
const BLOCK = 1 << 20;

export interface SpooledText {
  text: string;
  tag: number;
}

export class TextSpool {
  private fd: number | undefined;
  private readonly buf = Buffer.allocUnsafe(BLOCK);
  private used = 0;
  private flushed = 0;

  /** Created new ("wx"): an existing file of that name is never overwritten. */
  constructor(readonly path: string) {
    this.fd = fsCall(path, "create", () => openSync(path, "wx"));
  }

  /** Where the next record starts: a range's bound for read(). */
  get offset(): number {
    return this.flushed + this.used;
  }

  add(text: string, tag = 0): void {
    // UTF-8 takes at most 3 bytes per UTF-16 unit.
    if (this.used + HEAD + text.length * 3 > BLOCK) this.flush();
    if (HEAD + text.length * 3 > BLOCK) {
      const bytes = Buffer.from(text, "utf8");
      this.head(bytes.length, tag);
      this.flush();
      this.put(bytes, bytes.length);
      return;
    }
    const at = this.used;
    this.used += HEAD;
    const n = this.buf.write(text, this.used, "utf8");
    this.used += n;
    this.buf.writeUInt32LE(n, at);
    this.buf[at + 4] = tag;
  }

  /** Everything added is in the file (reads see it); more may still be added. */
  flush(): void {
    this.put(this.buf, this.used);
    this.used = 0;
  }

  /** The records from byte `from` to byte `to` (offsets as `offset` gave them), in order. */
  *read(from = 0, to = this.offset): Generator<SpooledText> {
    this.flush();
    const fd = openSync(this.path, "r");
    try {
      let buf = Buffer.allocUnsafe(Math.min(BLOCK * 4, Math.max(HEAD, to - from)));
      let have = 0;
      let at = 0;
      let pos = from;
      while (pos - (have - at) < to) {
        const whole = have - at >= HEAD && have - at >= HEAD + buf.readUInt32LE(at);
        if (!whole) {
          // Not a whole record left: keep the rest, read more (into a larger buffer if need be).
          const need = have - at < HEAD ? HEAD : HEAD + buf.readUInt32LE(at);
          const next = need > buf.length ? Buffer.allocUnsafe(need * 2) : buf;
          buf.copy(next, 0, at, have);
          buf = next;
          have -= at;
          at = 0;
          const n = readSync(fd, buf, have, Math.min(buf.length - have, to - pos), pos);
          if (n === 0) throw new Error(`spool ${this.path}: a record is cut short at byte ${pos}`);
          have += n;
          pos += n;
          continue;
        }
        const length = buf.readUInt32LE(at);
        const tag = buf[at + 4] as number;
        const text = buf.toString("utf8", at + HEAD, at + HEAD + length);
        at += HEAD + length;
        yield { text, tag };
      }
    } finally {
      closeSync(fd);
    }
  }

  /** Closed and deleted; safe to call more than once. */
  remove(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    rmSync(this.path, { force: true });
  }

  private head(length: number, tag: number): void {
    this.buf.writeUInt32LE(length, this.used);
    this.buf[this.used + 4] = tag;
    this.used += HEAD;
  }

  private put(b: Buffer, end: number): void {
    if (this.fd === undefined) throw new Error(`spool ${this.path} was removed`);
    const fd = this.fd;
    for (let at = 0; at < end;) {
      const n = fsCall(this.path, "write", () => writeSync(fd, b, at, end - at));
      at += n;
      this.flushed += n;
    }
  }
}

/**
 * A file system call on the spool: its failure (a full disk, say) is the machine's, not dpscan's,
 * and is said in one line naming the spool (EnvironmentError: exit 2, never "internal error").
 */
function fsCall<T>(path: string, what: string, call: () => T): T {
  try {
    return call();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code) throw new EnvironmentError(`cannot ${what} ${path}: ${code}`);
    throw err;
  }
}
