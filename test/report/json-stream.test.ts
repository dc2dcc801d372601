// prettyJson writes JSON.stringify(doc, null, 2) with some arrays read one element at a time.
import { describe, expect, it } from "vitest";
import { JsonStream, prettyJson } from "../../src/report/json-stream.js";

function* count(n: number): Generator<{ n: number; nested: { list: number[] } }> {
  for (let i = 0; i < n; i++) yield { n: i, nested: { list: [i, i + 1] } };
}

describe("prettyJson", () => {
  it.each([0, 1, 3])("is JSON.stringify's text, at any depth, with %i elements", (n) => {
    const doc = (list: () => unknown) => ({
      a: "x",
      top: list(),
      runs: [{ deep: { results: list() }, after: [] }],
      last: { empty: [], s: "y" },
    });
    const streamed = [...prettyJson(doc(() => new JsonStream(count(n))))].join("");
    expect(streamed).toBe(
      JSON.stringify(
        doc(() => [...count(n)]),
        null,
        2,
      ),
    );
  });

  it.each([0, 1, 3])("takes elements rendered earlier (%i), indented as the others", (n) => {
    const doc = (list: () => unknown) => ({ runs: [{ deep: { results: list() } }] });
    const rendered = () => [...count(n)].map((x) => JSON.stringify(x, null, 2));
    const streamed = [...prettyJson(doc(() => new JsonStream(rendered(), true)))].join("");
    expect(streamed).toBe(
      JSON.stringify(
        doc(() => [...count(n)]),
        null,
        2,
      ),
    );
  });

  it("a string that looks like a placeholder stays a string", () => {
    const doc = { note: '"00000000-0000-0000-0000-000000000000:0"', list: new JsonStream(["a"]) };
    expect([...prettyJson(doc)].join("")).toBe(JSON.stringify({ note: doc.note, list: ["a"] }, null, 2));
  });

  it("reads the elements only as the text is taken", () => {
    let read = 0;
    function* items(): Generator<number> {
      for (let i = 0; i < 100; i++) {
        read++;
        yield i;
      }
    }
    const chunks = prettyJson({ list: new JsonStream(items()) });
    chunks.next();
    chunks.next();
    expect(read).toBeLessThan(5);
    expect([...chunks].length).toBeGreaterThan(90);
    expect(read).toBe(100);
  });
});
