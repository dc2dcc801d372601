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
  const compiled = { source, chain, pure, roots: pure ? [] : rootsOf(ast) };
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

export function resolvePath(path: CompiledPath, data: unknown): Resolved {
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
  let value: unknown;
  try {
    value = jmespath.search(data as never, path.source);
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
