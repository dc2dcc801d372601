// Turning raw policy text into a JSON value: size bound, URL decoding, syntax error positions.
import { keptEveryMember } from "../json/members.js";

export const MAX_POLICY_BYTES = 128 * 1024;

/** Deeper policies go to the iterative scan: the count recurses, and no real policy nests so far. */
const MAX_COUNTED_DEPTH = 64;

/** Nesting of JSON-in-a-string / URL-encoding we unwrap before giving up. */
const MAX_DECODE_ROUNDS = 4;

export type DecodeResult = { ok: true; value: unknown } | { ok: false; error: string };

function overLimit(bytes: number, exact: boolean): string {
  const size = exact ? `${bytes} bytes` : `more than ${bytes} bytes`;
  return `policy is ${size}, over the ${MAX_POLICY_BYTES}-byte limit`;
}

/** Checked before any trimming or decoding so an oversized string is never copied. */
function textSizeError(text: string): string | undefined {
  // A UTF-16 code unit takes at most 3 UTF-8 bytes, so short strings need no byte count.
  if (text.length <= MAX_POLICY_BYTES / 3) return undefined;
  const bytes = Buffer.byteLength(text, "utf8");
  return bytes > MAX_POLICY_BYTES ? overLimit(bytes, true) : undefined;
}

/**
 * Approximate serialized size of an in-memory value, stopping once over the limit. Iterative and
 * budgeted, so deep nesting or cycles end with "too large" instead of a stack overflow.
 */
function valueSizeError(value: unknown): string | undefined {
  let bytes = 0;
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v === "string") bytes += v.length + 2;
    else if (Array.isArray(v)) {
      bytes += 2 + v.length;
      for (const item of v) stack.push(item);
    } else if (v !== null && typeof v === "object") {
      const entries = Object.entries(v);
      bytes += 2 + entries.length;
      for (const [k, item] of entries) {
        bytes += k.length + 3;
        stack.push(item);
      }
    } else bytes += 5;
    if (bytes > MAX_POLICY_BYTES) return overLimit(MAX_POLICY_BYTES, false);
  }
  return undefined;
}

const PERCENT_ESCAPE = /%[0-9a-fA-F]{2}/;

/**
 * Accepts an object, JSON text, URL-encoded JSON (IAM and AWS Config return policies that way;
 * `+` is left alone because they use encodeURIComponent-style escaping), or any of these wrapped
 * again (double-encoded, or JSON text inside a JSON string).
 */
export function decodePolicyValue(input: unknown): DecodeResult {
  if (input === undefined || input === null) return { ok: false, error: "policy is missing" };
  let value: unknown = input;
  let urlDecoded = false;
  for (let round = 0; round < MAX_DECODE_ROUNDS && typeof value === "string"; round++) {
    const sizeError = textSizeError(value);
    if (sizeError) return { ok: false, error: sizeError };
    const text = value.trim();
    if (text === "") return { ok: false, error: "policy is empty" };
    const first = text[0];
    if (first === "{" || first === "[" || first === '"') {
      const parsed = parseJson(text);
      // Positions refer to the decoded text, which is not what the caller holds.
      if (!parsed.ok)
        return urlDecoded ? { ok: false, error: `${parsed.error} (in the URL-decoded text)` } : parsed;
      value = parsed.value;
    } else if (PERCENT_ESCAPE.test(text)) {
      try {
        value = decodeURIComponent(text);
        urlDecoded = true;
      } catch {
        return { ok: false, error: "policy looks URL-encoded but has an invalid %-escape" };
      }
    } else {
      return { ok: false, error: "policy text is neither JSON nor URL-encoded JSON" };
    }
  }
  if (typeof value === "string") return { ok: false, error: "policy is encoded too many times" };
  if (typeof input !== "string") {
    const sizeError = valueSizeError(value);
    if (sizeError) return { ok: false, error: sizeError };
  }
  return { ok: true, value };
}

function parseJson(text: string): DecodeResult {
  try {
    const value = JSON.parse(text) as unknown;
    // JSON.parse keeps the last of two equal keys; IAM rejects such a document. Its meaning is
    // ambiguous, so it is judged as unreadable (UNKNOWN), never by whichever value came last. The
    // colon count clears almost every policy; the rest are scanned to place the repeated key.
    if (keptEveryMember(text, value, MAX_COUNTED_DEPTH)) return { ok: true, value };
    const dup = locateJsonError(text);
    if (dup)
      return {
        ok: false,
        error: `${dup.problem} at position ${dup.position}: AWS rejects such a policy, and which value counts is ambiguous`,
      };
    return { ok: true, value };
  } catch (e) {
    const located = locateJsonError(text);
    if (located)
      return { ok: false, error: `invalid JSON at position ${located.position}: ${located.problem}` };
    return { ok: false, error: `invalid JSON: ${e instanceof Error ? e.message : String(e)}` };
  }
}

export interface JsonSyntaxError {
  position: number;
  problem: string;
}

const WHITESPACE = new Set([" ", "\t", "\n", "\r"]);
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const LITERAL = /true|false|null/y;
const HEX4 = /[0-9a-fA-F]{4}/y;

/**
 * First syntax error in `text` — or duplicate key in one object — or undefined if it is valid.
 * Exists because V8's messages differ between versions and some ("Unexpected token") carry no
 * position, and because JSON.parse accepts duplicate keys. Iterative: no stack overflow.
 */
export function locateJsonError(text: string): JsonSyntaxError | undefined {
  let i = 0;
  const closers: string[] = [];
  /** Keys seen in each open object (null for arrays). */
  const keys: (Set<string> | null)[] = [];
  const fail = (expected: string): JsonSyntaxError => ({
    position: i,
    problem: i >= text.length ? "unexpected end of input" : `expected ${expected}`,
  });
  const skipWhitespace = (): void => {
    while (i < text.length && WHITESPACE.has(text[i] ?? "")) i++;
  };
  const scanString = (): boolean => {
    i++;
    while (i < text.length) {
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        i++;
        return true;
      }
      if (c < 0x20) return false;
      if (c !== 0x5c) {
        i++;
        continue;
      }
      const escape = text[i + 1];
      HEX4.lastIndex = i + 2;
      if (escape === "u" && HEX4.test(text)) i += 6;
      else if (escape !== undefined && '"\\/bfnrt'.includes(escape)) i += 2;
      else return false;
    }
    return false;
  };
  const scanToken = (re: RegExp): boolean => {
    re.lastIndex = i;
    if (!re.test(text)) return false;
    i = re.lastIndex;
    return true;
  };

  let state: "value" | "key" | "after" = "value";
  for (;;) {
    skipWhitespace();
    const c = text[i];
    if (state === "value") {
      if (c === "{" || c === "[") {
        i++;
        skipWhitespace();
        const closer = c === "{" ? "}" : "]";
        if (text[i] === closer) i++;
        else {
          closers.push(closer);
          keys.push(closer === "}" ? new Set() : null);
          state = closer === "}" ? "key" : "value";
          continue;
        }
      } else if (c === '"') {
        if (!scanString()) return fail("a valid string character or escape");
      } else if (!scanToken(NUMBER) && !scanToken(LITERAL)) return fail("a value");
      state = "after";
    } else if (state === "key") {
      if (c !== '"') return fail("a double-quoted property name");
      const start = i;
      if (!scanString()) return fail("a valid string character or escape");
      const raw = text.slice(start, i);
      const key = raw.includes("\\") ? (JSON.parse(raw) as string) : raw.slice(1, -1);
      const seen = keys.at(-1);
      if (seen?.has(key)) return { position: start, problem: `duplicate key ${JSON.stringify(key)}` };
      seen?.add(key);
      skipWhitespace();
      if (text[i] !== ":") return fail("':' after property name");
      i++;
      state = "value";
    } else {
      const closer = closers.at(-1);
      if (closer === undefined) return i < text.length ? fail("end of input") : undefined;
      if (c === ",") {
        i++;
        state = closer === "}" ? "key" : "value";
      } else if (c === closer) {
        closers.pop();
        keys.pop();
        i++;
      } else return fail(`',' or '${closer}'`);
    }
  }
}
