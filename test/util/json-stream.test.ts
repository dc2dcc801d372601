import { describe, expect, it } from "vitest";
import { locateJsonError } from "../../src/policy/json.js";
import {
  JsonStreamError,
  JsonValueStream,
  lineValue,
  NOT_PLAIN,
  type StreamedValue,
} from "../../src/util/json-stream.js";
import { repeatedKeyTexts } from "../helpers/repeated-keys.js";
import { pick, rng } from "../helpers/rng.js";

/** Feed `text` in pieces of `size` characters; every split point must give the same result. */
function read(text: string, size = 1): { values: StreamedValue[]; shape: string | undefined; held: number } {
  const s = new JsonValueStream({ containerKey: "configurationItems", maxValueChars: 1_000_000 });
  const values: StreamedValue[] = [];
  for (let i = 0; i < text.length; i += size) values.push(...s.push(text.slice(i, i + size)));
  values.push(...s.end());
  return { values, shape: s.shape, held: s.maxBuffered };
}

function error(text: string, size = 3): string {
  try {
    read(text, size);
  } catch (err) {
    if (err instanceof JsonStreamError) return err.message;
    throw err;
  }
  return "no error";
}

describe("the streaming JSON reader", () => {
  const snapshot = `{"fileVersion": "1.0", "configSnapshotId": "x",
  "configurationItems": [
    {"resourceId": "a", "n": -1.5e+3, "t": true, "u": "\\u00e9\\n", "deep": {"k": [null, false, {}]}},
    {"resourceId": "b", "list": []}
  ],
  "trailing": {"ignored": [1, 2]}}`;

  it("hands over the elements of a snapshot's configurationItems, at any chunk boundary", () => {
    for (const size of [1, 2, 7, 64, snapshot.length]) {
      const r = read(snapshot, size);
      expect(r.shape).toBe("container");
      expect(r.values.map((v) => v.value)).toEqual(
        (JSON.parse(snapshot) as { configurationItems: unknown[] }).configurationItems,
      );
      expect(r.values.map((v) => [v.index, v.line, v.col])).toEqual([
        [0, 3, 5],
        [1, 4, 5],
      ]);
    }
  });

  it("reads top-level arrays and JSON Lines", () => {
    expect(read('[{"a": 1}, {"b": [2]}]', 4).values.map((v) => v.value)).toEqual([{ a: 1 }, { b: [2] }]);
    const lines = read('{"a": 1}\n{"b": 2}\n\n{"c": "}"}\n', 5);
    expect(lines.shape).toBe("objects");
    expect(lines.values.map((v) => [v.line, v.value])).toEqual([
      [1, { a: 1 }],
      [2, { b: 2 }],
      [4, { c: "}" }],
    ]);
  });

  it("tells where each value's text starts and ends in the document, at any chunk boundary", () => {
    const docs = [
      '{"version": "1", "configurationItems": [{"a": [1, {"b": "]"}]},\n  {"c": "\\u0041"} , 3, "x"]}',
      '[{"a": 1}, [2, 3], {"b": {"c": null}}]',
      '{"a": 1}\n{"b": "x\\ny"}\r\n\n  {"c": [1]}\n',
    ];
    for (const text of docs)
      for (const size of [1, 2, 3, 7, 1000]) {
        const { values } = read(text, size);
        expect(values.length).toBeGreaterThan(2);
        for (const v of values) expect(JSON.parse(text.slice(v.offset, v.end)), text).toEqual(v.value);
      }
  });

  it("holds only the element being read, not the document", () => {
    const item = JSON.stringify({ resourceId: "r", configuration: { pad: "x".repeat(1000) } });
    const doc = `{"configurationItems": [${Array.from({ length: 500 }, () => item).join(",")}]}`;
    const r = read(doc, 4096);
    expect(r.values).toHaveLength(500);
    expect(doc.length).toBeGreaterThan(500_000);
    expect(r.held).toBeLessThan(4096 + 2 * item.length);
  });

  it("refuses a duplicate key (JSON.parse would silently keep the last)", () => {
    expect(error('[{"encrypted": false, "encrypted": true}]')).toBe('1:23: duplicate key "encrypted"');
    expect(error('[{"a": {"k": 1, "\\u006b": 2}}]')).toMatch(/duplicate key "k"/);
    // The same key in sibling objects is fine.
    expect(read('[{"k": 1}, {"k": 2}]').values).toHaveLength(2);
  });

  it("names line and column of every kind of syntax error", () => {
    expect(error('[{"a": 1,}]')).toBe("1:10: expected a double-quoted property name");
    expect(error('{"a": tru}')).toMatch(/^1:10: invalid literal/);
    expect(error("[1, 01]")).toMatch(/leading zero/);
    expect(error('["a\tb"]')).toMatch(/control character/);
    expect(error('["\\x"]')).toMatch(/invalid escape/);
    expect(error("[1, 2")).toBe("1:6: unexpected end of input");
    expect(error('[{"a": 1}]\n{"b": 2}')).toBe("2:1: unexpected data after the end of the JSON document");
    expect(error("\u0000\u0000")).toMatch(/^1:1: expected a JSON object or array/);
    expect(error("   \n ")).toMatch(/empty/);
    // JSON Lines after the first line take the fast path: positions are still exact.
    expect(error('{"a": 1}\n{"b": 2}\n{"c": 1, "c": 2}')).toBe('3:10: duplicate key "c"');
    expect(error('{"a": 1}\n{"b": tru}', 4)).toBe('2:10: invalid literal (expected "true")');
    // A last line cut short (an interrupted download) is an error, not one item fewer.
    expect(error('{"a": 1}\n{"b": 2}\n{"c": "AWS::EC2::Vol')).toBe("3:21: unexpected end of input");
    expect(error('{"a": 1}\n{"b": [1, 2', 3)).toBe("2:12: unexpected end of input");
    expect(error("[".repeat(300))).toMatch(/too deep/);
  });

  it("locates errors inside a multi-line element exactly, at any chunk boundary", () => {
    const doc = (inner: string) =>
      `{"configurationItems": [\n  {"a": 1},\n  {\n    "b": [1, 2],\n${inner}\n  }\n]}`;
    for (const size of [1, 5, 64, 10_000]) {
      expect(error(doc('    "c": tru'), size)).toBe('5:13: invalid literal (expected "true")');
      expect(error(doc('    "c": {"k": 1,\n      "k": 2}'), size)).toBe('6:7: duplicate key "k"');
      expect(error(doc('    "b": 3'), size)).toBe('5:5: duplicate key "b"');
      expect(error(doc('    "c": [1,, 2]'), size)).toBe("5:13: expected a value");
    }
  });

  it("bounds one element", () => {
    const s = new JsonValueStream({ containerKey: "configurationItems", maxValueChars: 100 });
    expect(() => s.push(`[{"a": "${"x".repeat(200)}"}]`)).toThrow(/larger than 100 characters/);
  });

  it("continues JSON Lines from a line start: the whole text's lines and columns, no first-object check", () => {
    const doc = '{"a": 1}\n{"b": 2}\n  {"c": {"d": [1,\n 2]}}\n{"e": 5}\n';
    const cut = doc.indexOf("  {");
    const whole = read(doc, 3).values;
    for (const size of [1, 4, 1000]) {
      const s = new JsonValueStream({
        containerKey: "configurationItems",
        maxValueChars: 1000,
        continues: { line: 3 },
      });
      const values: StreamedValue[] = [];
      for (let i = cut; i < doc.length; i += size) values.push(...s.push(doc.slice(i, i + size)));
      values.push(...s.end());
      expect(s.shape).toBe("objects");
      expect(values.map((v) => [v.line, v.col, v.value])).toEqual(
        whole.slice(2).map((v) => [v.line, v.col, v.value]),
      );
    }
    // A snapshot container, a byte-order mark or an array there is not JSON Lines: an error.
    const at = (text: string): string => {
      try {
        const s = new JsonValueStream({
          containerKey: "configurationItems",
          maxValueChars: 1000,
          continues: { line: 7 },
        });
        s.push(text);
        s.end();
      } catch (err) {
        if (err instanceof JsonStreamError) return err.message;
        throw err;
      }
      return "no error";
    };
    expect(at('{"a": 1}\n[1]')).toBe("8:1: expected an object (JSON Lines)");
    expect(at('\ufeff{"a": 1}')).toBe("7:1: expected an object (JSON Lines)");
    expect(at('{"a": 1,\n "a": 2}')).toBe('8:2: duplicate key "a"');
  });
});

// A JSON Lines object whose whole line is in the chunk is parsed at once (JsonValueStream's
// wholeLine): the same values, positions and errors as the character scan, which reads a line a
// chunk boundary cuts (chunks of 1 character here).
describe("JSON Lines lines read whole", () => {
  const doc = [
    '{"a": 1}',
    '{"arn": "arn:aws:kms:us-east-1:111111111111:key/k", "tags": {"k:v": "a:b"}, "n": [1, {"d": "}"}]}',
    '  {"c": "\\u003a is text here, not an escape"}  \r',
    '{"e": "\\u00e9", "f": {"__proto__": {"x": 1}}}',
    '{"g": 1} {"h": 2}',
    "",
    '{"i": {"j": {"k": []}}}',
  ].join("\n");

  it("gives the character scan's values, lines and columns", () => {
    const whole = read(`${doc}\n`, 100_000).values;
    expect(whole).toEqual(read(`${doc}\n`, 1).values);
    expect(whole.map((v) => [v.line, v.col, v.index])).toEqual([
      [1, 1, 0],
      [2, 1, 1],
      [3, 3, 2],
      [4, 1, 3],
      [5, 1, 4],
      [5, 10, 5],
      [7, 1, 6],
    ]);
  });

  it("leaves a line with a repeated key, an escaped colon, deep nesting or too many characters to the scan", () => {
    const e = (line: string): string => error(`{"a": 1}\n${line}\n{"z": 0}\n`, 100_000);
    expect(e('{"c": 1, "c": 2}')).toBe('2:10: duplicate key "c"');
    expect(e('{"x": {"k": 1, "\\u006b": 2}}')).toMatch(/^2:16: duplicate key "k"/);
    // The ':' the escape decodes to would make up for the repeated key's ':' in the count.
    expect(e('{"k": 1, "k": "\\u003A"}')).toBe('2:10: duplicate key "k"');
    expect(e(`{"d": ${"[".repeat(300)}${"]".repeat(300)}}`)).toMatch(/^2:\d+: nesting is too deep/);
    expect(e('{"b": tru}')).toBe('2:10: invalid literal (expected "true")');
    expect(e('{"b": 1} x')).toBe("2:10: expected an object (JSON Lines)");
    const s = new JsonValueStream({ containerKey: "configurationItems", maxValueChars: 30 });
    s.push('{"a": 1}\n');
    expect(() => s.push(`{"a": "${"x".repeat(40)}"}\n`)).toThrow(/larger than 30 characters/);
  });

  it("lineValue finds every repeated key an independent check finds (generated objects)", () => {
    let repeated = 0;
    let plain = 0;
    for (const text of repeatedKeyTexts(2026, 3000)) {
      const dup = locateJsonError(text) !== undefined;
      const got = lineValue(text, 256);
      if (dup) {
        repeated++;
        expect(got, text).toBe(NOT_PLAIN);
      } else if (!/\\u003a/i.test(text)) {
        plain++;
        expect(got, text).toEqual(JSON.parse(text));
      }
    }
    expect(repeated).toBeGreaterThan(1000);
    expect(plain).toBeGreaterThan(500);
    expect(lineValue(`{"a": ${"[".repeat(5)}${"]".repeat(5)}}`, 6)).toEqual({ a: [[[[[]]]]] });
    expect(lineValue(`{"a": ${"[".repeat(6)}${"]".repeat(6)}}`, 6)).toBe(NOT_PLAIN);
    expect(lineValue('{"a": 1} {"b": 2}', 256)).toBe(NOT_PLAIN);
  });

  it("finds a repeated key in an array's elements where the independent check does (generated documents)", () => {
    const next = rng(7);
    const keys = ['"a"', '"\\u0061"', '"b:"', '"c"'];
    const strings = ['"x"', '"arn:aws:kms:::k"', '"\\u003a"', '"}"'];
    const value = (depth: number): string => {
      if (depth > 3 || next() < 0.4) return pick(next, [...strings, "2", "false"]);
      const n = Math.floor(next() * 3);
      const parts = Array.from({ length: n }, () => value(depth + 1));
      return next() < 0.3
        ? `[${parts.join(",")}]`
        : `{${parts.map((v) => `${pick(next, keys)}:${v}`).join(",")}}`;
    };
    let repeated = 0;
    for (let i = 0; i < 500; i++) {
      const items = Array.from(
        { length: 1 + Math.floor(next() * 4) },
        () => `{${pick(next, keys)}:${value(1)}}`,
      );
      const doc = `{"configurationItems": [${items.join(", ")}]}`;
      const found = locateJsonError(doc);
      const got = error(doc, 1 + Math.floor(next() * 40));
      if (found) {
        repeated++;
        expect(got, doc).toBe(`1:${found.position + 1}: ${found.problem}`);
      } else expect(got, doc).toBe("no error");
    }
    expect(repeated).toBeGreaterThan(80);
    // An element cut short: its first error, a repeated key before the end, as a full read finds.
    const cut = '{"configurationItems": [{"a": 1}, {"b": 1, "b": 2, "c": [1,';
    for (const size of [1, 7, 1000]) expect(error(cut, size)).toBe('1:44: duplicate key "b"');
    expect(error('{"configurationItems": [{"a": 1}, {"b": 1, "c": [1,', 7)).toBe(
      "1:52: unexpected end of input",
    );
  });
});
