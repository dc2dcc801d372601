import { describe, expect, it } from "vitest";
import { closest, editDistance, suggest } from "../../src/util/suggest.js";

describe("editDistance", () => {
  it("counts insertions, deletions and substitutions", () => {
    expect(editDistance("", "")).toBe(0);
    expect(editDistance("abc", "")).toBe(3);
    expect(editDistance("kitten", "sitting")).toBe(3);
    expect(editDistance("Encryptd", "Encrypted")).toBe(1);
  });
});

describe("closest", () => {
  it("picks the nearest candidate, ignoring case", () => {
    expect(closest("us-east-2x", ["eu-west-1", "us-east-2", "us-east-1"])).toBe("us-east-2");
    expect(closest("KEYSPEC", ["KeyUsage", "KeySpec"])).toBe("KeySpec");
  });
  it("allows a quarter of the word's length for long words, else 2 edits", () => {
    expect(closest("abcdefghijkl", ["abcdefghiXYZ"])).toBe("abcdefghiXYZ");
    expect(closest("abcdefgh", ["abcdeXYZ"])).toBeUndefined();
    expect(closest("volumes", [])).toBeUndefined();
  });
});

describe("suggest", () => {
  it("prefers a match ignoring case, then the first option within 2 edits", () => {
    expect(suggest("EQ", ["ne", "eq"])).toBe(' (did you mean "eq"?)');
    expect(suggest("lx", ["eq", "lt"])).toBe(' (did you mean "eq"?)');
    expect(suggest("something", ["eq", "lt"])).toBe("");
  });
});
