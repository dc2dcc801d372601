// globMatch and globsIntersect answer literal and `prefix*` patterns without the NFA: they must
// agree with it (globMatchNfa, globsIntersectNfa) on every generated pattern and value.
import { describe, expect, it } from "vitest";
import { globMatch, globMatchNfa, globsIntersect, globsIntersectNfa } from "../../src/policy/glob.js";
import { rng } from "../helpers/rng.js";

// A small alphabet makes collisions likely; case pairs, wildcards, a character whose lower case is
// longer (İ), and a surrogate pair exercise the folding and the code-point fallback.
const CHARS = ["a", "A", "b", ":", "/", "*", "?", "İ", "😀", "\ud800"];

function text(next: () => number, wild: boolean): string {
  const n = Math.floor(next() * 6);
  let out = "";
  for (let i = 0; i < n; i++) {
    const c = CHARS[Math.floor(next() * CHARS.length)] as string;
    out += !wild && (c === "*" || c === "?") ? "a" : c;
  }
  // Often a plain `prefix*`, the shape the shortcut is for.
  if (wild && next() < 0.4) out = `${out.replace(/[*?]/g, "b")}*`;
  return out;
}

describe("glob plain-pattern shortcuts", () => {
  it("globMatch agrees with the NFA", () => {
    const next = rng(7);
    for (let i = 0; i < 20_000; i++) {
      const p = text(next, true);
      const v = next() < 0.3 ? p.replace(/[*?]/g, "") : text(next, false);
      for (const ic of [true, false])
        expect([p, v, ic, globMatch(p, v, ic)]).toEqual([p, v, ic, globMatchNfa(p, v, ic)]);
    }
  });

  it("globsIntersect agrees with the NFA product", () => {
    const next = rng(11);
    for (let i = 0; i < 20_000; i++) {
      const a = text(next, next() < 0.7);
      const b = next() < 0.3 ? `${a.replace(/\*$/, "")}${text(next, true)}` : text(next, next() < 0.7);
      for (const ic of [true, false])
        expect([a, b, ic, globsIntersect(a, b, ic)]).toEqual([a, b, ic, globsIntersectNfa(a, b, ic)]);
    }
  });

  it("answers the common IAM shapes", () => {
    expect(globMatch("kms:Decrypt", "KMS:decrypt", true)).toBe(true);
    expect(globMatch("arn:aws:s3:::b/*", "arn:aws:s3:::b/x", false)).toBe(true);
    expect(globMatch("arn:aws:s3:::b/*", "arn:aws:s3:::B/x", false)).toBe(false);
    expect(globsIntersect("kms:*", "kms:Decrypt", true)).toBe(true);
    expect(globsIntersect("s3:Get*", "s3:Put*", true)).toBe(false);
    expect(globsIntersect("s3:*", "s3:Get*", true)).toBe(true);
  });
});
