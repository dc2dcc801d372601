// Paths into a resource record are JMESPath expressions. They are compiled once at load time
// (a malformed path is a load error) and resolved with awareness of "unreadable" markers, so a
// fact that could not be collected gives UNKNOWN rather than looking absent.
import jmespath from "jmespath";
import { asUnreadable, type UnreadableInfo } from "../model/resource.js";

interface AstNode {
  type: string;
  name?: string;
  children?: (AstNode | null | undefined)[];
  value?: unknown;
}

export interface CompiledPath {
  source: string;
  /** Leading field chain (a.b.c) used to detect an unreadable marker on the way to the value. */
  chain: string[];
  /** The whole expression is that chain (no projection, filter, function or operator). */
  pure: boolean;
  /** For other expressions: the field chains it reads from the record, whose subtrees are checked for markers. */
  roots: string[][];
  /** The parsed expression, evaluated by `interpret` when every node is one it knows. */
  ast: AstNode;
  interpretable: boolean;
}

export class PathError extends Error {}

const cache = new Map<string, CompiledPath>();

export function compilePath(source: string): CompiledPath {
  const hit = cache.get(source);
  if (hit) return hit;
  if (source.trim() === "") throw new PathError("empty path");
  let ast: AstNode;
  try {
    ast = (jmespath as unknown as { compile(e: string): AstNode }).compile(source);
  } catch (err) {
    throw new PathError(`invalid JMESPath expression ${JSON.stringify(source)}: ${(err as Error).message}`);
  }
  // jmespath.js accepts "a..b" and "a." with a null child; treat them as the mistakes they are.
  if (hasNullChild(ast))
    throw new PathError(`invalid JMESPath expression ${JSON.stringify(source)}: empty segment`);
  const { chain, pure } = chainOf(ast);
  const compiled = { source, chain, pure, roots: pure ? [] : rootsOf(ast), ast, interpretable: known(ast) };
  cache.set(source, compiled);
  return compiled;
}

function hasNullChild(node: AstNode | null | undefined): boolean {
  if (node === null || node === undefined) return true;
  if (node.type === "Slice") return false; // [start:stop:step] holds numbers or null by design
  // Array holes are skipped by .some(), so walk by index.
  const kids = node.children ?? [];
  for (let i = 0; i < kids.length; i++) if (hasNullChild(kids[i])) return true;
  return false;
}

/** The field names a.b.c at the start of an expression; `pure` when the whole node is such a chain. */
function chainOf(node: AstNode | null | undefined): { chain: string[]; pure: boolean } {
  if (!node) return { chain: [], pure: false };
  if (node.type === "Field" && node.name !== undefined) return { chain: [node.name], pure: true };
  if (node.type === "Subexpression") {
    const left = chainOf(node.children?.[0]);
    const right = node.children?.[1];
    if (left.pure && right?.type === "Field" && right.name !== undefined) {
      return { chain: [...left.chain, right.name], pure: true };
    }
    return { chain: left.chain, pure: false };
  }
  if (
    node.type === "IndexExpression" ||
    node.type === "Projection" ||
    node.type === "FilterProjection" ||
    node.type === "Flatten"
  ) {
    return { chain: chainOf(node.children?.[0]).chain, pure: false };
  }
  return { chain: [], pure: false };
}

/** Field chains an expression reads from the value it is applied to (right sides of projections and pipes read their left side's results). */
function rootsOf(node: AstNode | null | undefined): string[][] {
  if (!node) return [];
  switch (node.type) {
    case "Literal":
      return [];
    case "Current":
    case "Identity":
      return [[]];
    case "OrExpression":
    case "AndExpression":
    case "NotExpression":
    case "Comparator":
    case "Function":
    case "MultiSelectList":
      return (node.children ?? []).flatMap(rootsOf);
    case "MultiSelectHash":
      return (node.children ?? []).flatMap((kv) => rootsOf(kv?.value as AstNode | undefined));
    case "Pipe":
      return rootsOf(node.children?.[0]);
    case "Subexpression": {
      const c = chainOf(node);
      return c.chain.length > 0 ? [c.chain] : rootsOf(node.children?.[0]);
    }
    default:
      return [chainOf(node).chain];
  }
}

export type Resolved =
  { kind: "value"; value: unknown } | { kind: "unreadable"; info: UnreadableInfo; at: string };

/** An unreadable fact found by `readPath` (no JSON value is an instance of it). */
export class UnreadableAt {
  constructor(
    readonly info: UnreadableInfo,
    readonly at: string,
  ) {}
}

/**
 * `resolvePath` without the wrapper: the value, or an UnreadableAt. A pure chain is walked here
 * without building the walked prefix (only an unreadable marker needs it); same answers.
 */
export function readPath(path: CompiledPath, data: unknown): unknown {
  if (!path.pure) {
    const r = resolveGeneral(path, data);
    return r.kind === "value" ? r.value : new UnreadableAt(r.info, r.at);
  }
  const chain = path.chain;
  let cur: unknown = data;
  let i = 0;
  for (; i < chain.length; i++) {
    if (cur === null || typeof cur !== "object" || Array.isArray(cur)) break;
    const u = asUnreadable(cur);
    if (u) return new UnreadableAt(u, chain.slice(0, i).join("."));
    cur = (cur as Record<string, unknown>)[chain[i] as string];
  }
  if (i < chain.length) return undefined;
  const u = asUnreadable(cur);
  if (u) return new UnreadableAt(u, chain.join("."));
  return cur ?? undefined;
}

export function resolvePath(path: CompiledPath, data: unknown): Resolved {
  if (path.pure) {
    const v = readPath(path, data);
    return v instanceof UnreadableAt
      ? { kind: "unreadable", info: v.info, at: v.at }
      : { kind: "value", value: v };
  }
  return resolveGeneral(path, data);
}

function resolveGeneral(path: CompiledPath, data: unknown): Resolved {
  let cur: unknown = data;
  const walked: string[] = [];
  for (const name of path.chain) {
    const u = asUnreadable(cur);
    if (u) return { kind: "unreadable", info: u, at: walked.join(".") };
    if (cur === null || typeof cur !== "object" || Array.isArray(cur)) break;
    cur = (cur as Record<string, unknown>)[name];
    walked.push(name);
  }
  const u = asUnreadable(cur);
  if (u && walked.length === path.chain.length) return { kind: "unreadable", info: u, at: walked.join(".") };
  // Projections, filters and functions drop or choke on a marker below the chain: any marker there
  // makes the answer unknown rather than a value computed without it.
  if (!path.pure) {
    for (const root of path.roots) {
      const inner = findUnreadable(walk(data, root));
      if (inner) return { kind: "unreadable", info: inner, at: root.join(".") || path.source };
    }
  }
  // A pure chain's value is where the walk ended (jmespath gives null past a non-object).
  if (path.pure)
    return { kind: "value", value: walked.length === path.chain.length ? (cur ?? undefined) : undefined };
  let value: unknown;
  try {
    // jmespath.search parses its string on every call; the AST parsed once is evaluated here.
    value = path.interpretable ? interpreted(path, data) : jmespath.search(data as never, path.source);
  } catch (err) {
    return {
      kind: "unreadable",
      info: { errorCode: "PathEvaluationError", message: (err as Error).message },
      at: path.source,
    };
  }
  const uv = asUnreadable(value);
  if (uv) return { kind: "unreadable", info: uv, at: path.source };
  return { kind: "value", value: value ?? undefined };
}

function walk(data: unknown, chain: string[]): unknown {
  let cur = data;
  for (const name of chain) {
    if (asUnreadable(cur) || cur === null || typeof cur !== "object" || Array.isArray(cur)) return cur;
    cur = (cur as Record<string, unknown>)[name];
  }
  return cur;
}

function findUnreadable(v: unknown, depth = 0): UnreadableInfo | undefined {
  if (v === null || typeof v !== "object" || depth > 64) return undefined;
  const u = asUnreadable(v);
  if (u) return u;
  for (const x of Array.isArray(v) ? v : Object.values(v as Record<string, unknown>)) {
    const inner = findUnreadable(x, depth + 1);
    if (inner) return inner;
  }
  return undefined;
}

// ---- a JMESPath evaluator over the cached AST ---------------------------------------------------
// jmespath.js exports no interpreter for a parsed AST, only search(data, string). This one follows
// its TreeInterpreter (0.16) node for node; expressions with other nodes (functions, slices,
// hashes, value projections) go to jmespath.search. test/rules/paths.test.ts compares the two.

const INTERPRETED = new Set([
  "Field",
  "Subexpression",
  "IndexExpression",
  "Index",
  "Projection",
  "FilterProjection",
  "Flatten",
  "Comparator",
  "Identity",
  "Current",
  "Literal",
  "Pipe",
  "OrExpression",
  "AndExpression",
  "NotExpression",
  "MultiSelectList",
]);

// Functions the interpreter evaluates itself (the S3 rules' `arn || join(...)`, messages'
// `to_string` and `length`), as jmespath.js 0.16 does; others, and any
// call whose arguments are not of the expected types, go to jmespath.search.
const FUNCTIONS = new Set(["join", "to_string", "length"]);

/** Thrown by `interpret` for a case it leaves to jmespath.search (whose error message it keeps). */
class Unhandled extends Error {}

function known(node: AstNode | null | undefined): boolean {
  if (node?.type === "Function") return FUNCTIONS.has(node.name ?? "") && (node.children ?? []).every(known);
  if (!node || !INTERPRETED.has(node.type)) return false;
  return (node.children ?? []).every(known);
}

const isArray = (v: unknown): v is unknown[] => Array.isArray(v);
const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && Object.prototype.toString.call(v) === "[object Object]";

/** JMESPath falsiness: null, false, "", [] and {}. */
function isFalse(v: unknown): boolean {
  if (v === "" || v === false || v === null) return true;
  if (isArray(v)) return v.length === 0;
  if (isObject(v)) {
    for (const k in v) if (Object.prototype.hasOwnProperty.call(v, k)) return false;
    return true;
  }
  return false;
}

const strictDeepEqual = (jmespath as unknown as { strictDeepEqual(a: unknown, b: unknown): boolean })
  .strictDeepEqual;

function child(node: AstNode, i: number): AstNode {
  return node.children?.[i] as AstNode; // `known` checked every child
}

function interpreted(path: CompiledPath, data: unknown): unknown {
  try {
    return interpret(path.ast, data);
  } catch (err) {
    if (err instanceof Unhandled) return jmespath.search(data as never, path.source);
    throw err;
  }
}

function interpret(node: AstNode, value: unknown): unknown {
  switch (node.type) {
    case "Function": {
      const args = (node.children ?? []).map((c) => interpret(c as AstNode, value));
      const [first, second] = args;
      if (
        node.name === "join" &&
        args.length === 2 &&
        typeof first === "string" &&
        isArray(second) &&
        second.every((x) => typeof x === "string")
      )
        return second.join(first);
      if (node.name === "to_string" && args.length === 1)
        return typeof first === "string" ? first : JSON.stringify(first);
      if (node.name === "length" && args.length === 1) {
        if (typeof first === "string" || isArray(first)) return first.length;
        if (isObject(first)) return Object.keys(first).length;
      }
      throw new Unhandled();
    }
    case "Field": {
      if (!isObject(value)) return null;
      const field = value[node.name as string];
      return field === undefined ? null : field;
    }
    case "Subexpression": {
      const left = interpret(child(node, 0), value);
      return left === null ? null : interpret(child(node, 1), left);
    }
    case "IndexExpression":
    case "Pipe":
      return interpret(child(node, 1), interpret(child(node, 0), value));
    case "Index": {
      if (!isArray(value)) return null;
      let i = node.value as number;
      if (i < 0) i += value.length;
      return value[i] ?? null;
    }
    case "Projection":
    case "FilterProjection": {
      const base = interpret(child(node, 0), value);
      if (!isArray(base)) return null;
      const out: unknown[] = [];
      for (const item of base) {
        if (node.type === "FilterProjection" && isFalse(interpret(child(node, 2), item))) continue;
        const v = interpret(child(node, 1), item);
        if (v !== null) out.push(v);
      }
      return out;
    }
    case "Flatten": {
      const base = interpret(child(node, 0), value);
      if (!isArray(base)) return null;
      const out: unknown[] = [];
      for (const v of base) {
        if (isArray(v)) for (const x of v) out.push(x);
        else out.push(v);
      }
      return out;
    }
    case "Comparator": {
      const a = interpret(child(node, 0), value);
      const b = interpret(child(node, 1), value);
      // Ordering compares whatever it is given, as jmespath.js 0.16 does.
      const x = a as number;
      const y = b as number;
      switch (node.name) {
        case "EQ":
          return strictDeepEqual(a, b);
        case "NE":
          return !strictDeepEqual(a, b);
        case "GT":
          return x > y;
        case "GTE":
          return x >= y;
        case "LT":
          return x < y;
        case "LTE":
          return x <= y;
        default:
          throw new Error(`Unknown comparator: ${String(node.name)}`);
      }
    }
    case "Identity":
    case "Current":
      return value;
    case "Literal":
      return node.value;
    case "OrExpression": {
      const a = interpret(child(node, 0), value);
      return isFalse(a) ? interpret(child(node, 1), value) : a;
    }
    case "AndExpression": {
      const a = interpret(child(node, 0), value);
      return isFalse(a) ? a : interpret(child(node, 1), value);
    }
    case "NotExpression":
      return isFalse(interpret(child(node, 0), value));
    case "MultiSelectList":
      return value === null ? null : (node.children ?? []).map((c) => interpret(c as AstNode, value));
    default:
      throw new Error(`Unknown node type: ${node.type}`);
  }
}
