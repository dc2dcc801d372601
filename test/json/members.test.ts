import { describe, expect, it } from "vitest";
import { keptEveryMember } from "../../src/json/members.js";

const kept = (text: string, maxDepth?: number): boolean => keptEveryMember(text, JSON.parse(text), maxDepth);

describe("keptEveryMember", () => {
  it("clears a text JSON.parse read whole, colons in keys and strings included", () => {
    expect(kept("{}")).toBe(true);
    expect(kept('[1, "a", null, {"b": [{}]}]')).toBe(true);
    expect(kept('{"arn:aws": "arn:aws:s3:::b", "x": {"::": ":"}}')).toBe(true);
    expect(kept('{"q\\":": "\\":"}')).toBe(true);
    // JSON.parse makes "__proto__" an own member: counted like any other.
    expect(kept('{"__proto__": 1, "a": 2}')).toBe(true);
  });

  it("refuses a repeated key, however it is spelt or wherever it is", () => {
    expect(kept('{"a": 1, "a": 1}')).toBe(false);
    expect(kept('{"a": 1, "\\u0061": 2}')).toBe(false);
    expect(kept('[{"x": [{"b:": 1, "b:": 2}]}]')).toBe(false);
    expect(kept('{"__proto__": 1, "__proto__": 2}')).toBe(false);
  });

  it("cannot tell past an escaped colon or the depth limit (false: the caller scans)", () => {
    expect(kept('{"a": "\\u003a"}')).toBe(false);
    expect(kept('{"a": "\\u003A"}')).toBe(false);
    // Where the escaped colon would hide a repeated key from the count.
    expect(kept('{"a": 1, "a": "\\u003a"}')).toBe(false);
    expect(kept('{"a": [[[1]]]}', 4)).toBe(true);
    expect(kept('{"a": [[[[1]]]]}', 4)).toBe(false);
  });
});
