// A streaming JSON reader for the documents AWS Config delivers: it validates the text as it
// arrives in chunks and hands over, one at a time, the elements of a top-level array, the elements
// of a top-level object's "configurationItems" array (snapshot and history files), or whole
// top-level objects (JSON Lines). Only the element being read is buffered, so memory follows the
// largest item, not the file. A duplicate key is an error: JSON.parse would keep the last one and
// decide silently what the document means. An element's end is found by a scan of its characters
// (a JSON Lines object whose line is whole in the chunk needs none: lineValue), JSON.parse reads
// it, and a count tells whether it lost a member to a repeated key (keptEveryMember); an element
// the count cannot clear is read again on the precise path, which places the repeated key.

import { keptEveryMember } from "../json/members.js";

export class JsonStreamError extends Error {
  constructor(
    readonly line: number,
    readonly col: number,
    readonly problem: string,
  ) {
    super(`${line}:${col}: ${problem}`);
  }
}

/** What the document turned out to be. */
export type JsonShape = "array" | "container" | "objects";

export interface StreamedValue {
  value: unknown;
  /** Position of the value's first character. */
  line: number;
  col: number;
  /** Index in its array, or the count of top-level objects before it. */
  index: number;
  /** Where its text starts and ends (characters from the document's start; end exclusive). */
  offset: number;
  end: number;
}

export interface JsonStreamOptions {
  /** Key of the top-level object whose array elements are streamed. */
  containerKey: string;
  /** Largest element (characters) held at once. */
  maxValueChars: number;
  maxDepth?: number;
  /**
   * The text continues a JSON Lines document at the start of line `line` (a slice of a file cut
   * after a newline, read apart from the text before it): objects from the first character, no
   * byte-order mark, and no first-object check for a snapshot's container key.
   */
  continues?: { line: number };
}

type Frame = {
  kind: "obj" | "arr";
  /** obj: "key" (or "}" first), "colon", "value", "next"; arr: "value" (or "]" first), "next". */
  state: "first" | "key" | "colon" | "value" | "next";
  keys: Set<string> | null;
  /** Elements of this array are handed over. */
  emits: boolean;
  count: number;
  /** The key just read (objects). */
  key: string | undefined;
};

/** The fast scan of one element: nesting and strings (repeated keys are found once it is parsed). */
interface Fast {
  depth: number;
  inString: boolean;
  escape: boolean;
}

type Token =
  | { t: "none" }
  | { t: "string"; key: boolean; start: number; escape: 0 | 1 | 2; hex: number; raw: boolean }
  | { t: "number"; s: "sign" | "zero" | "int" | "dot" | "frac" | "e" | "esign" | "exp" }
  | { t: "literal"; word: string; at: number };

const WS = (c: number): boolean => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
const DIGIT = (c: number): boolean => c >= 0x30 && c <= 0x39;
const HEX = (c: number): boolean => DIGIT(c) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
const NUMBER_ENDS = new Set(["zero", "int", "frac", "exp"]);
// eslint-disable-next-line no-control-regex -- a JSON string may not hold raw control characters
const STRING_RUN = /[^"\\\u0000-\u001f]*/y;
const FAST_STRING = /[^"\\]*/y;
const FAST_STRUCT = /[^"{}[\]]*/y;

/** The index after a run of `re` (a sticky regex) from i. */
function skip(re: RegExp, s: string, i: number): number {
  re.lastIndex = i;
  re.test(s);
  return re.lastIndex;
}

const SIMPLE_ESCAPES = new Set([...'"\\\\/bfnrt'].map((x) => x.charCodeAt(0)));

export class JsonValueStream {
  /** The chunk being read. */
  private buf = "";
  /** Absolute offset of buf[0]. */
  private base = 0;
  /**
   * Earlier chunks' text still needed (the value being captured, a key being read), kept as
   * pieces: appending to one long string would copy it again for every chunk.
   */
  private held: string[] = [];
  private heldStart = 0;
  private heldChars = 0;
  private line = 1;
  private lineStart = 0;
  private stack: Frame[] = [];
  private tok: Token = { t: "none" };
  /** Start of the value being captured (absolute), with its position and index. */
  private capture: { start: number; line: number; col: number; index: number; depth: number } | undefined;
  private topCount = 0;
  private started = false;
  /** Inside a captured element: structure only, JSON.parse validates it once it is complete. */
  private fast: Fast | undefined;
  private out: StreamedValue[] = [];
  shape: JsonShape | undefined;
  /** The most characters held at once: the measure of the reader's memory. */
  maxBuffered = 0;

  constructor(private readonly opts: JsonStreamOptions) {
    if (opts.continues) {
      this.started = true;
      this.line = opts.continues.line;
      this.shape = "objects";
      this.topCount = 1;
    }
  }

  /** Feed the next piece of text; returns the values completed by it. */
  push(text: string): StreamedValue[] {
    if (!this.started) {
      this.started = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    this.buf = text;
    this.maxBuffered = Math.max(this.maxBuffered, this.heldChars + text.length);
    for (let i = 0; i < this.buf.length; i++) i = this.step(i);
    if (this.capture && this.base + this.buf.length - this.capture.start > this.opts.maxValueChars)
      this.fail(this.buf.length - 1, `an item larger than ${this.opts.maxValueChars} characters`);
    this.keep();
    return this.take();
  }

  /** The input is over: finish a trailing number and check the document is complete. */
  end(): StreamedValue[] {
    if (this.tok.t === "number") {
      if (!NUMBER_ENDS.has(this.tok.s)) this.fail(this.buf.length, "unexpected end of input in a number");
      this.tok = { t: "none" };
      this.valueDone(this.buf.length - 1);
    }
    // An element cut short (a truncated last line) is still being captured, outside the stack.
    // One the fast scan was reading may hold an error before its end (a repeated key): that one.
    const cap = this.capture;
    if (cap && this.fast) this.locate(this.textAbs(cap.start, this.base), cap);
    if (this.tok.t !== "none" || this.stack.length > 0 || this.capture)
      this.fail(this.buf.length, "unexpected end of input");
    if (!this.shape) this.fail(this.buf.length, "the file is empty");
    return this.take();
  }

  private take(): StreamedValue[] {
    const v = this.out;
    this.out = [];
    return v;
  }

  /** At the end of a chunk, hold what later steps need (the captured value, a key) and drop the rest. */
  private keep(): void {
    let from = Infinity;
    if (this.capture) from = this.capture.start;
    if (this.tok.t === "string") from = Math.min(from, this.tok.start);
    const end = this.base + this.buf.length;
    if (from === Infinity) {
      this.held = [];
      this.heldChars = 0;
    } else if (from >= this.base) {
      const piece = this.buf.slice(from - this.base);
      this.held = [piece];
      this.heldStart = from;
      this.heldChars = piece.length;
    } else {
      // Still needed from an earlier chunk: drop the pieces wholly before it, keep this one.
      while (this.held.length > 0 && this.heldStart + (this.held[0] as string).length <= from) {
        const first = this.held.shift() as string;
        this.heldStart += first.length;
        this.heldChars -= first.length;
      }
      this.held.push(this.buf);
      this.heldChars += this.buf.length;
    }
    this.base = end;
    this.buf = "";
  }

  /** Text between two absolute offsets (end exclusive), across held pieces. */
  private textAbs(from: number, to: number): string {
    if (from >= this.base) return this.buf.slice(from - this.base, to - this.base);
    return (this.held.join("") + this.buf).slice(from - this.heldStart, to - this.heldStart);
  }

  /** Text from absolute offset `from` to buf[i] (exclusive), across held pieces. */
  private textFrom(from: number, i: number): string {
    if (from >= this.base) return this.buf.slice(from - this.base, i);
    return (this.held.join("") + this.buf.slice(0, i)).slice(from - this.heldStart);
  }

  private fail(i: number, problem: string): never {
    const abs = this.base + i;
    throw new JsonStreamError(this.line, abs - this.lineStart + 1, problem);
  }

  /** Process buf[i]; returns the index of the last character consumed. */
  private step(i: number): number {
    if (this.fast) return this.fastScan(i);
    const c = this.buf.charCodeAt(i);
    switch (this.tok.t) {
      case "string":
        return this.stringChar(i);
      case "number":
        if (this.numberChar(i, c)) return i;
        break; // the number ended before c: c is read below
      case "literal": {
        const tok = this.tok;
        if (c !== tok.word.charCodeAt(tok.at)) this.fail(i, `invalid literal (expected "${tok.word}")`);
        if (++tok.at === tok.word.length) {
          this.tok = { t: "none" };
          this.valueDone(i);
        }
        return i;
      }
      case "none":
        break;
    }
    if (c === 0x0a) {
      this.line++;
      this.lineStart = this.base + i + 1;
      return i;
    }
    if (WS(c)) return i;
    if (c === 0x7b && this.stack.length === 0 && this.shape === "objects" && this.topCount > 0) {
      const end = this.wholeLine(i);
      if (end >= 0) return end;
    }
    this.structural(i, c);
    return i;
  }

  /**
   * A JSON Lines object that ends its line within this chunk, parsed at once: JSON.parse alone,
   * with the repeated-key check done on the parsed value (lineValue). Returns the index before the
   * line's newline, or -1 when the character scan must read it (no newline in the chunk yet, more
   * than one value or an error on the line, a repeated key, an escaped colon, deep nesting): that
   * scan then finds and places whatever is wrong exactly as before.
   */
  private wholeLine(i: number): number {
    const nl = this.buf.indexOf("\n", i);
    if (nl < 0 || nl - i > this.opts.maxValueChars) return -1;
    const value = lineValue(this.buf.slice(i, nl), this.opts.maxDepth ?? 256);
    if (value === NOT_PLAIN) return -1;
    const col = this.base + i - this.lineStart + 1;
    this.out.push({
      value,
      line: this.line,
      col,
      index: this.topCount,
      offset: this.base + i,
      end: this.base + nl,
    });
    this.topCount++;
    return nl - 1;
  }

  private structural(i: number, c: number): void {
    const top = this.stack.at(-1);
    if (!top) return this.topLevel(i, c);
    if (top.kind === "obj") {
      if (top.state === "first" && c === 0x7d) return this.close(i);
      if (top.state === "first" || top.state === "key") {
        if (c !== 0x22) this.fail(i, "expected a double-quoted property name");
        this.tok = { t: "string", key: true, start: this.base + i, escape: 0, hex: 0, raw: true };
        return;
      }
      if (top.state === "colon") {
        if (c !== 0x3a) this.fail(i, "expected ':' after the property name");
        top.state = "value";
        return;
      }
      if (top.state === "next") {
        if (c === 0x2c) top.state = "key";
        else if (c === 0x7d) this.close(i);
        else this.fail(i, "expected ',' or '}'");
        return;
      }
      return this.valueStart(i, c);
    }
    if (top.state === "first" && c === 0x5d) return this.close(i);
    if (top.state === "next") {
      if (c === 0x2c) top.state = "value";
      else if (c === 0x5d) this.close(i);
      else this.fail(i, "expected ',' or ']'");
      return;
    }
    this.valueStart(i, c);
  }

  private topLevel(i: number, c: number): void {
    if (this.shape === "array" || this.shape === "container")
      this.fail(i, "unexpected data after the end of the JSON document");
    if (c !== 0x7b && this.shape === "objects") this.fail(i, "expected an object (JSON Lines)");
    if (c === 0x5b) this.shape = "array";
    else if (c === 0x7b) this.shape ??= "objects";
    else this.fail(i, "expected a JSON object or array");
    this.valueStart(i, c);
  }

  private valueStart(i: number, c: number): void {
    const parent = this.stack.at(-1);
    if (parent?.kind === "obj") parent.state = "next";
    if (parent?.kind === "arr") parent.state = "next";
    // Top-level objects are captured (an item, or a snapshot until its container key shows).
    const emits = !this.capture && (parent ? parent.emits : c === 0x7b);
    if (emits) {
      const index = parent ? parent.count : this.topCount;
      const col = this.base + i - this.lineStart + 1;
      this.capture = { start: this.base + i, line: this.line, col, index, depth: this.stack.length };
    }
    if (parent?.kind === "arr") parent.count++;
    // Fast for every element, and for JSON Lines objects after the first (which alone could
    // still turn out to be a snapshot with a container key).
    if (emits && (parent || this.topCount > 0) && (c === 0x7b || c === 0x5b)) {
      this.fast = { depth: 1, inString: false, escape: false };
      return;
    }
    if (c === 0x7b || c === 0x5b) {
      if (this.stack.length >= (this.opts.maxDepth ?? 256)) this.fail(i, "nesting is too deep");
      // The container's array: its elements are streamed, the object around it is not kept.
      const container =
        c === 0x5b &&
        this.stack.length === 1 &&
        parent?.key === this.opts.containerKey &&
        this.captureIsTop();
      if (container) {
        this.capture = undefined;
        this.shape = "container";
      }
      this.stack.push({
        kind: c === 0x7b ? "obj" : "arr",
        state: "first",
        keys: c === 0x7b ? new Set() : null,
        emits: container || (this.stack.length === 0 && c === 0x5b),
        count: 0,
        key: undefined,
      });
      return;
    }
    if (c === 0x22) {
      this.tok = { t: "string", key: false, start: this.base + i, escape: 0, hex: 0, raw: true };
    } else if (c === 0x2d || DIGIT(c)) {
      this.tok = { t: "number", s: c === 0x2d ? "sign" : c === 0x30 ? "zero" : "int" };
    } else if (c === 0x74 || c === 0x66 || c === 0x6e) {
      this.tok = { t: "literal", word: c === 0x74 ? "true" : c === 0x66 ? "false" : "null", at: 1 };
    } else {
      this.fail(i, c < 0x20 || c === 0x7f ? "unexpected control character" : "expected a value");
    }
  }

  /** The capture in progress is the top-level object itself (still undecided). */
  private captureIsTop(): boolean {
    return this.capture?.depth === 0 && this.stack.length === 1 && this.topCount === 0;
  }

  private close(i: number): void {
    this.stack.pop();
    this.valueDone(i);
  }

  /** A value ended at buf[i]. */
  private valueDone(i: number): void {
    const depth = this.stack.length;
    if (this.capture && this.capture.depth === depth) {
      const text = this.textFrom(this.capture.start, i + 1);
      if (text.length > this.opts.maxValueChars)
        this.fail(i, `an item larger than ${this.opts.maxValueChars} characters`);
      this.out.push({
        value: JSON.parse(text),
        line: this.capture.line,
        col: this.capture.col,
        index: this.capture.index,
        offset: this.capture.start,
        end: this.capture.start + text.length,
      });
      this.capture = undefined;
    }
    if (depth === 0) this.topCount++;
  }

  /**
   * Scan a captured element from buf[i] at native regex speed, tracking only where it ends (and
   * its nesting); JSON.parse validates it and fastDone looks for a repeated key.
   */
  private fastScan(i: number): number {
    const f = this.fast as Fast;
    const buf = this.buf;
    while (i < buf.length) {
      if (f.inString) {
        if (f.escape) {
          f.escape = false;
          i++;
          continue;
        }
        i = skip(FAST_STRING, buf, i);
        if (i >= buf.length) break;
        if (buf.charCodeAt(i) === 0x5c) f.escape = true;
        else f.inString = false;
        i++;
        continue;
      }
      i = skip(FAST_STRUCT, buf, i);
      if (i >= buf.length) break;
      const c = buf.charCodeAt(i);
      if (c === 0x22) f.inString = true;
      else if (c === 0x7b || c === 0x5b) {
        if (this.stack.length + ++f.depth > (this.opts.maxDepth ?? 256))
          this.failAt(this.base + i, "nesting is too deep");
      } else if (--f.depth === 0) {
        this.fast = undefined;
        this.fastDone(i);
        return i;
      }
      i++;
    }
    return buf.length - 1;
  }

  /** The captured element ended at buf[i]: parse it (a syntax error is located precisely). */
  private fastDone(i: number): void {
    const cap = this.capture as NonNullable<JsonValueStream["capture"]>;
    const text = this.textAbs(cap.start, this.base + i + 1);
    if (text.length > this.opts.maxValueChars)
      this.fail(i, `an item larger than ${this.opts.maxValueChars} characters`);
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      this.locateIn(text, cap);
    }
    // The count cannot clear it: the precise path finds the repeated key, if there is one.
    if (!keptEveryMember(text, value)) this.locate(text, cap);
    // Lines inside the element were not counted on the way: count them now.
    let newlines = 0;
    for (let at = text.indexOf("\n"); at >= 0; at = text.indexOf("\n", at + 1)) {
      newlines++;
      this.lineStart = cap.start + at + 1;
    }
    this.line += newlines;
    const { line, col, index, start } = cap;
    this.out.push({ value, line, col, index, offset: start, end: start + text.length });
    this.capture = undefined;
    if (this.stack.length === 0) this.topCount++;
  }

  /** Re-read an element that JSON.parse refused with the precise reader, for its position. */
  private locateIn(text: string, cap: { line: number; col: number }): never {
    this.locate(text, cap);
    throw new JsonStreamError(cap.line, cap.col, "invalid JSON");
  }

  /** Throw the first error the precise path finds in an element, placed in the document; or return. */
  private locate(text: string, cap: { line: number; col: number }): void {
    try {
      // The element alone, on the precise path (not as a continuation, which would take it fast).
      const { continues: _continues, ...opts } = this.opts;
      const precise = new JsonValueStream({ ...opts, maxValueChars: Infinity });
      precise.push(text);
      precise.end();
    } catch (err) {
      if (!(err instanceof JsonStreamError)) throw err;
      const line = cap.line + err.line - 1;
      throw new JsonStreamError(line, err.line === 1 ? cap.col + err.col - 1 : err.col, err.problem);
    }
  }

  /** Fail at an absolute offset inside the captured element (lines there are not counted yet). */
  private failAt(abs: number, problem: string): never {
    const cap = this.capture as NonNullable<JsonValueStream["capture"]>;
    const before = this.textAbs(cap.start, abs);
    const nl = before.lastIndexOf("\n");
    const line = cap.line + (before.match(/\n/g)?.length ?? 0);
    throw new JsonStreamError(line, nl < 0 ? cap.col + before.length : before.length - nl, problem);
  }

  private stringChar(i: number): number {
    const tok = this.tok as Extract<Token, { t: "string" }>;
    const buf = this.buf;
    for (; i < buf.length; i++) {
      if (tok.escape === 0) {
        // Runs of plain characters at native regex speed: strings hold most of the bytes.
        STRING_RUN.lastIndex = i;
        STRING_RUN.test(buf);
        i = STRING_RUN.lastIndex;
        if (i >= buf.length) break;
      }
      const ch = buf.charCodeAt(i);
      if (tok.escape === 2) {
        if (!HEX(ch)) this.fail(i, "invalid \\u escape in a string");
        if (++tok.hex === 4) tok.escape = 0;
      } else if (tok.escape === 1) {
        if (ch === 0x75) {
          tok.escape = 2;
          tok.hex = 0;
        } else if (SIMPLE_ESCAPES.has(ch)) tok.escape = 0;
        else this.fail(i, "invalid escape in a string");
      } else if (ch === 0x22) return this.stringEnd(i);
      else if (ch === 0x5c) {
        tok.escape = 1;
        tok.raw = false;
      } else if (ch < 0x20) this.fail(i, "unescaped control character in a string");
    }
    return buf.length - 1;
  }

  private stringEnd(i: number): number {
    const tok = this.tok as Extract<Token, { t: "string" }>;
    this.tok = { t: "none" };
    if (!tok.key) {
      this.valueDone(i);
      return i;
    }
    const raw = this.textFrom(tok.start + 1, i);
    const key = tok.raw ? raw : (JSON.parse(`"${raw}"`) as string);
    const top = this.stack.at(-1) as Frame;
    if (top.keys?.has(key)) this.fail(i - raw.length - 1, `duplicate key "${key}"`);
    top.keys?.add(key);
    top.key = key;
    top.state = "colon";
    return i;
  }

  /** true: c belongs to the number; false: the number ended before c. */
  private numberChar(i: number, c: number): boolean {
    const tok = this.tok as Extract<Token, { t: "number" }>;
    const d = DIGIT(c);
    switch (tok.s) {
      case "sign":
        if (!d) this.fail(i, "invalid number");
        tok.s = c === 0x30 ? "zero" : "int";
        return true;
      case "zero":
      case "int":
        if (d && tok.s === "int") return true;
        if (d) this.fail(i, "invalid number (leading zero)");
        if (c === 0x2e) tok.s = "dot";
        else if (c === 0x65 || c === 0x45) tok.s = "e";
        else break;
        return true;
      case "dot":
        if (!d) this.fail(i, "invalid number");
        tok.s = "frac";
        return true;
      case "frac":
        if (d) return true;
        if (c === 0x65 || c === 0x45) {
          tok.s = "e";
          return true;
        }
        break;
      case "e":
        if (c === 0x2b || c === 0x2d) tok.s = "esign";
        else if (d) tok.s = "exp";
        else this.fail(i, "invalid number");
        return true;
      case "esign":
        if (!d) this.fail(i, "invalid number");
        tok.s = "exp";
        return true;
      case "exp":
        if (d) return true;
        break;
    }
    this.tok = { t: "none" };
    this.valueDone(i - 1);
    return false;
  }
}

/** lineValue's answer for a line the character scan must read. */
export const NOT_PLAIN: unique symbol = Symbol("not plain");

/**
 * The value of one line of JSON text, if it is a single valid value with no object repeating a
 * key and no nesting deeper than `maxDepth`; else NOT_PLAIN. The repeated-key check counts colons
 * (keptEveryMember, src/json/members.ts). Exported for its tests.
 */
export function lineValue(text: string, maxDepth: number): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return NOT_PLAIN;
  }
  return keptEveryMember(text, value, maxDepth) ? value : NOT_PLAIN;
}
