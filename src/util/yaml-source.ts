// Parse YAML (or JSON, a YAML subset) keeping positions, so validation errors can name
// file:line:col for any field, including a misspelt key.
import {
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  visit,
  type Document,
  type Node as YamlNode,
} from "yaml";
import { readBoundedText } from "./bounded-read.js";
import { InputError } from "./errors.js";

export type PathSegment = string | number;

export interface SourceDoc {
  file: string;
  data: unknown;
  /** "file:line:col" for the value at `path` (or for the key `key` inside it). */
  where(path: readonly PathSegment[], key?: string): string;
}

export function formatPath(path: readonly PathSegment[]): string {
  let out = "";
  for (const seg of path) {
    if (typeof seg === "number") out += `[${seg}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(seg)) out += out === "" ? seg : `.${seg}`;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out === "" ? "(top level)" : out;
}

export const MAX_SOURCE_BYTES = 4 * 1024 * 1024;

export function readSourceFile(file: string, what = "this file"): SourceDoc {
  return parseSource(file, readBoundedText(file, MAX_SOURCE_BYTES, { what }));
}

/** Aliases a document may expand before it is taken for an alias bomb ("billion laughs"). */
export const MAX_ALIAS_COUNT = 100;

/**
 * doc.toJS, with an alias bomb reported as bad input at its first alias (the yaml library stops
 * the expansion but names no position).
 */
export function toJsBounded(
  doc: Document,
  where: (offset: number) => string,
  maxAliasCount = MAX_ALIAS_COUNT,
): unknown {
  try {
    return doc.toJS({ maxAliasCount });
  } catch (err) {
    if (!(err instanceof ReferenceError) || !/alias/i.test(err.message)) throw err;
    let first: number | undefined;
    visit(doc, {
      Alias(_key, node) {
        first = node.range?.[0];
        return visit.BREAK;
      },
    });
    throw new InputError([
      `${where(first ?? 0)}: aliases expand too much (more than ${maxAliasCount}): refusing what looks like a YAML alias bomb`,
    ]);
  }
}

export function parseSource(file: string, text: string): SourceDoc {
  if (Buffer.byteLength(text) > MAX_SOURCE_BYTES) {
    throw new InputError([`${file}: file is larger than ${MAX_SOURCE_BYTES} bytes`]);
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const pos = (offset: number): string => {
    const p = lineCounter.linePos(offset);
    return `${file}:${p.line}:${p.col}`;
  };
  if (doc.errors.length > 0) {
    throw new InputError(doc.errors.map((e) => `${pos(e.pos[0])}: ${e.message.split("\n")[0]}`));
  }
  const data: unknown = toJsBounded(doc, pos);
  return {
    file,
    data,
    where(path, key) {
      let node: unknown = doc.contents;
      let last: YamlNode | null = (doc.contents as YamlNode | null) ?? null;
      for (const seg of path) {
        const next = childOf(node, seg);
        if (next === undefined) break;
        node = next;
        if (next && typeof next === "object" && "range" in next) last = next as YamlNode;
      }
      if (key !== undefined && isMap(node)) {
        const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === key);
        const k = pair?.key as YamlNode | undefined;
        if (k?.range) return pos(k.range[0]);
      }
      return last?.range ? pos(last.range[0]) : `${file}:1:1`;
    },
  };
}

function childOf(node: unknown, seg: PathSegment): unknown {
  if (isMap(node)) {
    const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(seg));
    return pair ? (pair.value ?? undefined) : undefined;
  }
  if (isSeq(node) && typeof seg === "number") return node.items[seg];
  return undefined;
}
