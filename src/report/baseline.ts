// Baselines for `dpscan gate --new-only`: the FAIL and UNKNOWN results accepted as legacy, so only
// what is new since blocks. A baseline is a stored scan, or a file written by `dpscan baseline
// export` (JSON, schemas/baseline.schema.json) that a repository can keep beside its pipeline.
import { closeSync, openSync, readSync, statSync } from "node:fs";
import { StringDecoder } from "node:string_decoder";
import { Ajv } from "ajv";
import { findingFingerprint, findingIdentity, type FindingRow } from "../model/finding.js";
import type { JsonObject } from "../model/resource.js";
import { SEVERITIES } from "../model/severity.js";
import type { ScanRow, Store } from "../store/store.js";
import { InputError } from "../util/errors.js";
import { JsonStream } from "./json-stream.js";
import { issueLines, schemaIssues } from "../util/schema-errors.js";
import { JsonStreamError, JsonValueStream, type StreamedValue } from "../util/json-stream.js";
import { formatPath, parseSource, type PathSegment } from "../util/yaml-source.js";
import { VERSION } from "../version.js";

export const BASELINE_FORMAT = 1;

export interface Baseline {
  /** For messages: "scan 12" or the file name. */
  label: string;
  /** Identities that FAILed, and that were UNKNOWN, in the baseline. */
  fail: Set<string>;
  unknown: Set<string>;
}

export function baselineSchema(): JsonObject {
  const finding = {
    type: "object",
    additionalProperties: false,
    required: ["identity", "status", "ruleId", "accountId", "region", "resourceType", "resourceId"],
    properties: {
      identity: {
        type: "string",
        minLength: 1,
        description: "rule|account|region|resource (the finding's identity)",
      },
      fingerprint: { type: "string", pattern: "^[0-9a-f]{64}$" },
      status: { enum: ["FAIL", "UNKNOWN"] },
      severity: { enum: [...SEVERITIES] },
      ruleId: { type: "string" },
      accountId: { type: "string" },
      region: { type: "string" },
      resourceType: { type: "string" },
      resourceId: { type: "string" },
      arn: { type: ["string", "null"] },
    },
  };
  return {
    $schema: "http://json-schema.org/draft-07/schema#",
    $id: "https://dpscan.dev/schemas/baseline.schema.json",
    title: "dpscan baseline (dpscan baseline export)",
    type: "object",
    additionalProperties: false,
    required: ["dpscanBaseline", "findings"],
    properties: {
      dpscanBaseline: { const: BASELINE_FORMAT, description: "format version" },
      exportedAt: { type: "string" },
      dpscanVersion: { type: "string" },
      scan: {
        type: "object",
        additionalProperties: false,
        properties: { id: { type: "integer" }, startedAt: { type: "string" }, source: { type: "string" } },
      },
      findings: { type: "array", items: finding },
    },
  };
}

const validate = new Ajv({ allErrors: true, strict: false, verbose: true }).compile(baselineSchema());

/** A baseline file's document; `findings` is streamed (write it with prettyJson). */
export interface BaselineExport {
  dpscanBaseline: number;
  exportedAt: string;
  dpscanVersion: string;
  scan: { id: number; startedAt: string; source: string };
  findings: JsonStream;
}

/**
 * The FAIL and UNKNOWN results of a scan as a baseline document, sorted so diffs of it stay small.
 * Only identities, statuses and severities are held to sort them, never messages or evidence.
 */
export function exportBaseline(store: Store, scan: ScanRow): BaselineExport {
  const keys = [...store.iterateFindingKeys(scan.id, ["FAIL", "UNKNOWN"])].map(
    (k) => [findingIdentity(k), k] as const,
  );
  keys.sort(([a, x], [b, y]) => a.localeCompare(b) || x.status.localeCompare(y.status));
  function* findings(): Generator<JsonObject> {
    for (const [identity, f] of keys)
      yield {
        identity,
        fingerprint: findingFingerprint(identity),
        status: f.status,
        severity: f.severity,
        ruleId: f.ruleId,
        accountId: f.accountId,
        region: f.region,
        resourceType: f.resourceType,
        resourceId: f.resourceId,
        arn: f.arn,
      };
  }
  return {
    dpscanBaseline: BASELINE_FORMAT,
    exportedAt: new Date().toISOString(),
    dpscanVersion: VERSION,
    scan: { id: scan.id, startedAt: scan.startedAt, source: scan.source },
    findings: new JsonStream(findings()),
  };
}

function fromRows(
  label: string,
  rows: Iterable<Pick<FindingRow, "status"> & { identity: string }>,
): Baseline {
  const b: Baseline = { label, fail: new Set(), unknown: new Set() };
  for (const r of rows) (r.status === "FAIL" ? b.fail : b.unknown).add(r.identity);
  return b;
}

export function baselineFromScan(store: Store, scan: ScanRow): Baseline {
  function* rows(): Generator<Pick<FindingRow, "status"> & { identity: string }> {
    for (const k of store.iterateFindingKeys(scan.id, ["FAIL", "UNKNOWN"]))
      yield { status: k.status, identity: findingIdentity(k) };
  }
  return fromRows(`scan ${scan.id}`, rows());
}

/**
 * A sanity bound only: the file is streamed (one finding held at a time, besides the identities),
 * so its size does not bound memory. A baseline of a 1M-result scan is about 270 MB.
 */
const MAX_BASELINE_BYTES = 4 * 1024 ** 3;
/** The largest finding, and the most text outside `findings`, read from a file. */
const MAX_PART_CHARS = 1024 * 1024;
const CHUNK_BYTES = 1024 * 1024;

const validateFinding = new Ajv({ allErrors: true, strict: false, verbose: true }).compile(
  (baselineSchema().properties as { findings: { items: JsonObject } }).findings.items,
);

/**
 * Read a baseline file, streamed: its findings one at a time (each checked against the schema, an
 * error placed at the finding's line and column), and the members around them (the format version)
 * checked as a document of their own with the findings left out. Errors name file, line, column.
 */
/**
 * Where a path inside one finding is in the file: the finding's text read as a document, its
 * places moved to where the finding starts (`line`, and `col` on its first line).
 */
function findingPlaces(
  file: string,
  text: string,
  at: { line: number; col: number },
): (path: readonly PathSegment[], key?: string) => string {
  let src: ReturnType<typeof parseSource> | undefined;
  try {
    src = parseSource(file, text);
  } catch {
    // JSON the stream accepted is YAML too; should a finding not be, its start will do.
  }
  return (path, key) =>
    src
      ? movePlace(src.where(path, key), (l, c) => [l + at.line - 1, l === 1 ? c + at.col - 1 : c])
      : `${file}:${at.line}:${at.col}`;
}

/** A "file:line:col" place with its line and column moved. */
function movePlace(place: string, to: (line: number, col: number) => [number, number]): string {
  return place.replace(/:(\d+):(\d+)$/, (_, l: string, c: string) => {
    const [line, col] = to(Number(l), Number(c));
    return `:${line}:${col}`;
  });
}

/** The place just after a value that starts at line:col and has this text. */
function endOf(v: { line: number; col: number; text: string }): { line: number; col: number } {
  const nl = v.text.lastIndexOf("\n");
  if (nl < 0) return { line: v.line, col: v.col + v.text.length };
  return { line: v.line + newlines(v.text), col: v.text.length - nl };
}

function newlines(t: string): number {
  let n = 0;
  for (let i = t.indexOf("\n"); i >= 0; i = t.indexOf("\n", i + 1)) n++;
  return n;
}

export function loadBaselineFile(file: string): Baseline {
  const b: Baseline = { label: file, fail: new Set(), unknown: new Set() };
  const problems: string[] = [];
  const stream = new JsonValueStream({ containerKey: "findings", maxValueChars: MAX_PART_CHARS });
  // The text outside the findings: before the first, and after the latest (between two findings
  // only a comma). `tail` is the text since the latest finding's end, from absolute offset `at`.
  let head: string | undefined;
  let tail = "";
  let at = 0;
  // The latest finding: where it starts in the file, and its text (for where it ends).
  let last: { line: number; col: number; text: string } | undefined;
  const take = (values: StreamedValue[]): void => {
    for (const v of values) {
      if (stream.shape !== "container") continue;
      head ??= tail.slice(0, v.offset - at);
      const valid = validateFinding(v.value);
      if (!valid && problems.length < 50) {
        const where = findingPlaces(file, tail.slice(v.offset - at, v.end - at), v);
        for (const i of schemaIssues(validateFinding.errors ?? []))
          problems.push(
            `${where(i.path, i.key)}: ${formatPath(["findings", v.index, ...i.path, ...(i.key ? [i.key] : [])])}: ${i.message}`,
          );
      }
      last = { line: v.line, col: v.col, text: tail.slice(v.offset - at, v.end - at) };
      tail = tail.slice(v.end - at);
      at = v.end;
      if (!valid) continue;
      const f = v.value as { identity: string; status: "FAIL" | "UNKNOWN" };
      (f.status === "FAIL" ? b.fail : b.unknown).add(f.identity);
    }
    // Before the first finding the text is the members before it and that finding (each bounded),
    // after one it is the members after it: more is not a baseline file's.
    if (tail.length > 2 * MAX_PART_CHARS + CHUNK_BYTES)
      throw new InputError([
        `${file}: not a baseline file: more than ${MAX_PART_CHARS} characters outside "findings"`,
      ]);
  };
  let fd: number | undefined;
  try {
    if (statSync(file).size > MAX_BASELINE_BYTES)
      throw new InputError([`${file}: larger than ${MAX_BASELINE_BYTES} bytes`]);
    fd = openSync(file, "r");
    const decoder = new StringDecoder("utf8");
    const buf = Buffer.alloc(CHUNK_BYTES);
    for (;;) {
      const n = readSync(fd, buf, 0, CHUNK_BYTES, null);
      const text = n > 0 ? decoder.write(buf.subarray(0, n)) : decoder.end();
      tail += text;
      take(n > 0 ? stream.push(text) : stream.end());
      if (n === 0) break;
    }
  } catch (err) {
    if (err instanceof InputError) throw err;
    if (err instanceof JsonStreamError)
      throw new InputError([`${file}:${err.line}:${err.col}: ${err.problem}`]);
    const code = (err as NodeJS.ErrnoException).code;
    throw new InputError([`${file}: cannot read: ${code ?? String(err)}`]);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  if (problems.length > 0) throw new InputError(problems);
  // The document without its findings, read as one: a place after them is moved down by the
  // lines the findings took.
  const rest = stream.shape === "container" ? `${head ?? ""}${tail}` : tail;
  if (rest.length > MAX_PART_CHARS)
    throw new InputError([
      `${file}: not a baseline file: more than ${MAX_PART_CHARS} characters outside "findings"`,
    ]);
  const src = parseSource(file, rest);
  if (!validate(src.data)) {
    // In `rest` the text after the findings goes on from the place of the first one (line
    // joinLine, column joinCol); in the file it goes on from where the last one ends.
    const before = head ?? "";
    const joinLine = newlines(before) + 1;
    const joinCol = before.length - before.lastIndexOf("\n");
    const end = last ? endOf(last) : { line: joinLine, col: joinCol };
    const where = (path: readonly PathSegment[], key?: string): string =>
      movePlace(src.where(path, key), (l, c) => {
        if (l < joinLine || (l === joinLine && c < joinCol)) return [l, c];
        if (l === joinLine) return [end.line, end.col + c - joinCol];
        return [l + end.line - joinLine, c];
      });
    throw new InputError(issueLines({ ...src, where }, schemaIssues(validate.errors ?? [])));
  }
  return b;
}
