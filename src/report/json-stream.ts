// Pretty JSON with arrays too long to hold: the text of JSON.stringify(doc, null, 2), where each
// `new JsonStream(items)` in `doc` is written as the array of `items`, read one at a time.
import { randomUUID } from "node:crypto";

export class JsonStream {
  /**
   * `rendered`: the items are texts already, each JSON.stringify(item, null, 2) of an item (made
   * earlier, e.g. kept in a spool), indented here as the array's place in the document needs.
   */
  constructor(
    readonly items: Iterable<unknown>,
    readonly rendered = false,
  ) {}
}

/** The document in chunks, byte for byte JSON.stringify(doc-with-arrays, null, 2). */
export function* prettyJson(doc: unknown): Generator<string> {
  const streams: JsonStream[] = [];
  // A tag no resource owner can guess, so no string in the document can pass for a placeholder.
  const tag = randomUUID();
  const text = JSON.stringify(
    doc,
    (_key, value: unknown) => (value instanceof JsonStream ? `${tag}:${streams.push(value) - 1}` : value),
    2,
  );
  let from = 0;
  for (const m of text.matchAll(new RegExp(`"${tag}:(\\d+)"`, "g"))) {
    yield text.slice(from, m.index);
    const line = text.slice(text.lastIndexOf("\n", m.index) + 1, m.index);
    const pad = " ".repeat(line.length - line.trimStart().length);
    yield* arrayJson(streams[Number(m[1])] ?? new JsonStream([]), pad);
    from = m.index + m[0].length;
  }
  yield text.slice(from);
}

function* arrayJson(stream: JsonStream, pad: string): Generator<string> {
  const inner = `\n${pad}  `;
  let first = true;
  for (const item of stream.items) {
    const text = stream.rendered ? (item as string) : JSON.stringify(item, null, 2);
    yield `${first ? "[" : ","}${inner}${text.replace(/\n/g, inner)}`;
    first = false;
  }
  yield first ? "[]" : `\n${pad}]`;
}
