// Paths into a resource record are JMESPath expressions. They are compiled once at load time
// (a malformed path is a load error) and resolved with awareness of "unreadable" markers, so a
// fact that could not be collected gives UNKNOWN rather than looking absent.
import jmespath from "jmespath";
import { asUnreadable, type UnreadableInfo } from "../model/resource.js";

interface AstNode {
  type: string;
  name?: string;
  children?: (AstNode | null | undefined)[];
}

export interface CompiledPath {
  source: string;
  /** Leading field chain (a.b.c) used to detect an unreadable marker on the way to the value. */
  chain: string[];
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
  const compiled = { source, chain: leadingChain(ast) };
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

function leadingChain(node: AstNode | null | undefined): string[] {
  return chainOf(node).chain;
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
  if (node.type === "IndexExpression" || node.type === "Projection" || node.type === "FilterProjection") {
    return { chain: chainOf(node.children?.[0]).chain, pure: false };
  }
  return { chain: [], pure: false };
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
  const value: unknown = jmespath.search(data as never, path.source);
  const uv = asUnreadable(value);
  if (uv) return { kind: "unreadable", info: uv, at: path.source };
  return { kind: "value", value: value ?? undefined };
}
