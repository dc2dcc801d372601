// Loads a world file (YAML or JSON), validates it against schemas/world.schema.json and builds a
// World. Every problem becomes one line naming the file, line and column and the field — never a
// raw schema dump — and all of them are reported at once in a WorldFileError.
import { readFileSync } from "node:fs";
import { readBoundedText } from "../../util/bounded-read.js";
import { InputError } from "../../util/errors.js";
import { toJsBounded } from "../../util/yaml-source.js";
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import { LineCounter, isAlias, isMap, isScalar, isSeq, parseDocument, type Document } from "yaml";
import { closest } from "../../util/suggest.js";
import { buildWorld, type Issue, type PathSeg } from "./build/index.js";
import type { WorldDoc } from "./doc.js";
import type { World } from "./types.js";

export class WorldFileError extends Error {
  constructor(
    readonly source: string,
    /** One line per problem: `file:line:col: path: message`. */
    readonly lines: string[],
  ) {
    super(lines.join("\n"));
    this.name = "WorldFileError";
  }
}

/** A world file is configuration, not data: generated worlds are built in memory. */
export const MAX_WORLD_BYTES = 16 * 1024 * 1024;

/** Reads a world file; YAML and JSON are both accepted (JSON is parsed as the YAML it also is). */
export function loadWorldFile(path: string): World {
  const name = path.split(/[\\/]/).pop() ?? path;
  let text: string;
  try {
    text = readBoundedText(path, MAX_WORLD_BYTES, { what: "a world file" });
  } catch (err) {
    if (err instanceof InputError) throw new WorldFileError(name, err.lines);
    throw err;
  }
  return worldFromText(text, name);
}

/** Parses world text (YAML or JSON); `source` names it in error lines. */
export function worldFromText(text: string, source: string): World {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, merge: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new WorldFileError(
      source,
      doc.errors.map((e) => {
        const pos = lineCounter.linePos(e.pos[0]);
        return `${source}:${pos.line}:${pos.col}: ${e.message.split("\n")[0] ?? e.message}`;
      }),
    );
  }
  let value: unknown;
  try {
    value = toJsBounded(
      doc,
      (offset) => {
        const pos = lineCounter.linePos(offset);
        return `${source}:${pos.line}:${pos.col}`;
      },
      10_000,
    );
  } catch (err) {
    if (err instanceof InputError) throw new WorldFileError(source, err.lines);
    throw err;
  }
  return validateAndBuild(value, source, (issue) => {
    const offset = locate(doc, issue);
    if (offset === undefined) return undefined;
    const pos = lineCounter.linePos(offset);
    return { line: pos.line, col: pos.col };
  });
}

/** Builds a World from an already-parsed document (no source positions in error lines). */
export function worldFromDocument(doc: unknown, source = "<inline>"): World {
  return validateAndBuild(doc, source, () => undefined);
}

type Locator = (issue: Issue) => { line: number; col: number } | undefined;

function validateAndBuild(value: unknown, source: string, position: Locator): World {
  const validate = validator();
  let issues: Issue[];
  let world: World | undefined;
  if (!validate(value)) {
    issues = schemaIssues(validate.errors ?? [], value);
  } else {
    ({ world, issues } = buildWorld(value as WorldDoc));
  }
  if (issues.length > 0 || !world) throw new WorldFileError(source, formatIssues(issues, source, position));
  return world;
}

function formatIssues(issues: Issue[], source: string, position: Locator): string[] {
  const rows = issues.map((issue) => {
    const pos = position(issue);
    const shown = issue.at === "key" ? issue.path.slice(0, -1) : issue.path;
    const where = pos ? `${source}:${pos.line}:${pos.col}` : source;
    return { pos, line: `${where}: ${showPath(shown)}: ${issue.message}` };
  });
  rows.sort((a, b) => (a.pos?.line ?? 0) - (b.pos?.line ?? 0) || (a.pos?.col ?? 0) - (b.pos?.col ?? 0));
  return [...new Set(rows.map((r) => r.line))];
}

/** `accounts[1].regions.us-east-1.volumes[3]`; odd keys are quoted. */
export function showPath(path: PathSeg[]): string {
  if (path.length === 0) return "(top level)";
  let out = "";
  for (const seg of path) {
    if (typeof seg === "number") out += `[${seg}]`;
    else if (/^[A-Za-z0-9_$-]+$/.test(seg)) out += out ? `.${seg}` : seg;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}

// ---- schema -------------------------------------------------------------------------------------

let compiled: ValidateFunction | undefined;

function validator(): ValidateFunction {
  if (compiled) return compiled;
  // src/sim and dist/sim are both two levels below the package root, where schemas/ lives.
  const schema: unknown = JSON.parse(
    readFileSync(new URL("../../../schemas/world.schema.json", import.meta.url), "utf8"),
  );
  const ajv = new Ajv({ allErrors: true, verbose: true, strict: true, allowUnionTypes: true });
  ajv.addKeyword({ keyword: "x-hint", schemaType: "string" });
  compiled = ajv.compile(schema as object);
  return compiled;
}

function schemaIssues(errors: ErrorObject[], root: unknown): Issue[] {
  const out: Issue[] = [];
  for (const e of errors) {
    const path = pointerToPath(e.instancePath, root);
    const issue = schemaIssue(e, path);
    if (issue) out.push(issue);
  }
  return out;
}

function schemaIssue(e: ErrorObject, path: PathSeg[]): Issue | undefined {
  const params = e.params as Record<string, unknown>;
  const parent = (e.parentSchema ?? {}) as Record<string, unknown>;
  const data: unknown = e.data;
  const hint = typeof parent["x-hint"] === "string" ? parent["x-hint"] : undefined;
  // A key failing propertyNames: the inner error carries the key; the outer one repeats it.
  if (e.keyword === "propertyNames") return undefined;
  if (e.propertyName !== undefined) {
    return {
      path: [...path, e.propertyName],
      at: "key",
      message: `key "${e.propertyName}" must be ${hint ?? "valid"}`,
    };
  }
  switch (e.keyword) {
    case "additionalProperties": {
      const field = String(params.additionalProperty);
      const allowed = Object.keys((parent.properties ?? {}) as object);
      const guess = closest(field, allowed);
      const tail = guess
        ? ` (did you mean "${guess}"?)`
        : allowed.length
          ? ` (allowed: ${allowed.join(", ")})`
          : "";
      return { path: [...path, field], at: "key", message: `unknown field "${field}"${tail}` };
    }
    case "required":
      return { path, message: `missing required field "${String(params.missingProperty)}"` };
    case "type": {
      const want = String(params.type).split(",");
      const quote =
        want.includes("string") && typeof data === "number" ? ` (quote it: "${String(data)}")` : "";
      return { path, message: `must be ${want.map(article).join(" or ")}, got ${describe(data)}${quote}` };
    }
    case "enum": {
      const allowed = (params.allowedValues as unknown[]).map(String);
      const guess =
        typeof data === "string" ? allowed.find((a) => a.toLowerCase() === data.toLowerCase()) : undefined;
      const tail = guess ? ` (did you mean "${guess}"?)` : "";
      return { path, message: `must be one of ${allowed.join(", ")}; got ${describe(data)}${tail}` };
    }
    case "pattern":
      return { path, message: `must be ${hint ?? "in the expected format"}; got ${describe(data)}` };
    case "minimum":
    case "maximum":
    case "exclusiveMinimum":
    case "exclusiveMaximum":
      return {
        path,
        message: `must be ${String(params.comparison)} ${String(params.limit)}; got ${describe(data)}`,
      };
    case "minItems":
      return { path, message: `must have at least ${String(params.limit)} item(s)` };
    case "minLength":
      return {
        path,
        message:
          params.limit === 1 ? "must not be empty" : `must be at least ${String(params.limit)} characters`,
      };
    case "uniqueItems":
      return { path: [...path, Number(params.i)], message: `duplicates item ${String(params.j)}` };
    default:
      return { path, message: e.message ?? `fails ${e.keyword}` };
  }
}

/** JSON pointer to path segments; array indices become numbers. */
function pointerToPath(pointer: string, root: unknown): PathSeg[] {
  if (pointer === "") return [];
  const out: PathSeg[] = [];
  let cur: unknown = root;
  for (const raw of pointer.slice(1).split("/")) {
    const key = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    if (Array.isArray(cur)) {
      const i = Number(key);
      out.push(i);
      cur = cur[i];
    } else {
      out.push(key);
      cur = cur !== null && typeof cur === "object" ? (cur as Record<string, unknown>)[key] : undefined;
    }
  }
  return out;
}

const article = (t: string): string =>
  t === "object" || t === "integer" || t === "array" ? `an ${t}` : t === "null" ? "null" : `a ${t}`;

function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "object") return "a mapping";
  if (typeof v === "string") return JSON.stringify(v.length > 60 ? `${v.slice(0, 57)}...` : v);
  return `${typeof v} ${String(v)}`;
}

// ---- positions ----------------------------------------------------------------------------------

/** The source offset of an issue: the key or value it names, else the nearest enclosing node. */
function locate(doc: Document, issue: Issue): number | undefined {
  let node: unknown = doc.contents;
  let best: number | undefined = rangeStart(node);
  for (let i = 0; i < issue.path.length; i++) {
    const seg = issue.path[i];
    if (isAlias(node)) node = node.resolve(doc);
    const last = i === issue.path.length - 1;
    if (isMap(node)) {
      const pair = node.items.find(
        (p) => (isScalar(p.key) ? String(p.key.value) : String(p.key)) === String(seg),
      );
      if (!pair) return best;
      const keyStart = rangeStart(pair.key);
      if (last && issue.at === "key") return keyStart ?? best;
      node = pair.value;
      best = rangeStart(node) ?? keyStart ?? best;
    } else if (isSeq(node) && typeof seg === "number") {
      node = node.items[seg];
      if (node === undefined) return best;
      best = rangeStart(node) ?? best;
    } else {
      return best;
    }
  }
  return best;
}

function rangeStart(node: unknown): number | undefined {
  if (node === null || typeof node !== "object" || !("range" in node)) return undefined;
  const range = (node as { range?: [number, number, number] | null }).range;
  return range ? range[0] : undefined;
}
