// xml() escapes text for JUnit attributes and bodies: its plain-text shortcut answers as the full
// replacement does, on strings of every kind of character.
import { describe, expect, it } from "vitest";
import { xml } from "../../src/report/junit.js";

// Character by character: drop what XML 1.0 does not allow, spell out the five specials.
function reference(s: string): string {
  let out = "";
  for (const ch of s) {
    const c = ch.codePointAt(0) ?? 0;
    const allowed =
      c === 0x9 ||
      c === 0xa ||
      c === 0xd ||
      (c >= 0x20 && c <= 0xd7ff) ||
      (c >= 0xe000 && c <= 0xfffd) ||
      c >= 0x10000;
    if (!allowed) continue;
    const named = { "&": "amp", "<": "lt", ">": "gt", '"': "quot", "'": "apos" }[ch];
    out += named ? `&${named};` : ch;
  }
  return out;
}

describe("xml", () => {
  it("equals the full replacement on plain, special and invalid characters", () => {
    const alphabet = [
      "a",
      "Z",
      "0",
      " ",
      "-",
      "/",
      ":",
      "\t",
      "\n",
      "\r",
      "&",
      "<",
      ">",
      '"',
      "'",
      "\u0000",
      "\u0008",
      "\u001f",
      "\u007f",
      "é",
      "\ud800",
      "\udc00",
      "\ufffe",
      "𝄞",
      "~",
      "=",
      "?",
      ";",
      "(",
      "%",
    ];
    let seed = 7;
    const next = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    for (let k = 0; k < 20_000; k++) {
      const s = Array.from({ length: next(12) }, () => alphabet[next(alphabet.length)]).join("");
      expect(xml(s), JSON.stringify(s)).toBe(reference(s));
    }
    for (let c = 0; c < 0x80; c++)
      expect(xml(String.fromCharCode(c))).toBe(reference(String.fromCharCode(c)));
  });
});
