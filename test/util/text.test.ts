import { describe, expect, it } from "vitest";
import { csv, table } from "../../src/report/text.js";
import { clip, safeText } from "../../src/util/text.js";

// What a resource owner can put in a name, a tag or a policy, aimed at whoever reads the output.
const HOSTILE = [
  "\u001b[2J\u001b[H", // CSI: clear the screen
  "\u001b]0;owned\u0007", // OSC: set the window title
  "\u001b]8;;https://evil.example/\u001b\\link\u001b]8;;\u001b\\", // OSC 8 hyperlink, ST-terminated
  "\u009b31m", // C1 CSI
  "line\r\nforged 2026-01-01 level=info",
  "\u202egnp.exe", // right-to-left override
  "a\u2066b\u2069c\u200bd\u200de\ufeff\u2028f\u00ad",
];

describe("safeText", () => {
  it("leaves no control, bidi or invisible character, and shows each as a visible escape", () => {
    for (const h of HOSTILE) {
      const s = safeText(h);
      expect(s).not.toMatch(/[\p{Cc}\p{Cf}\u2028\u2029]/u);
    }
    expect(safeText("\u001b[2J")).toBe("\\x1b[2J");
    expect(safeText("\u202egnp.exe")).toBe("\\u202egnp.exe");
    expect(safeText("a\r\nb\tc")).toBe("a\\r\\nb\\tc");
    expect(safeText("üñï©ødé 🔐 日本")).toBe("üñï©ødé 🔐 日本");
    expect(clip("\u001b".repeat(10), 5)).toBe("\\x1b…");
  });

  it("is applied to table and CSV cells (CSV formulas stay neutralised)", () => {
    const t = table(
      ["NAME"],
      HOSTILE.map((h) => [h]),
    );
    expect(t.replace(/\n/g, "")).not.toMatch(/[\p{Cc}\p{Cf}\u2028]/u);
    const c = csv(
      ["name", "evidence"],
      [
        [...HOSTILE.slice(0, 1), { tag: "\u202e" }],
        ["=HYPERLINK(1)", "x"],
      ],
    );
    expect(c.replace(/\r\n/g, "")).not.toMatch(/[\p{Cc}\p{Cf}]/u);
    expect(c).toContain("'=HYPERLINK(1)");
    expect(c.split("\r\n")).toHaveLength(4);
  });
});

describe("table", () => {
  it("lays out more rows than a call may have arguments (no spread per row)", () => {
    const rows = Array.from({ length: 300_000 }, (_, i) => [`r${i}`, String(i)]);
    const t = table(["NAME", "N"], rows);
    const lines = t.split("\n");
    expect(lines).toHaveLength(300_002);
    expect(lines[0]).toBe(`NAME${" ".repeat("r299999".length - 4)}  N`);
    expect(lines.at(-1)).toBe("r299999  299999");
  });
});
