// The evidence size check skips serialising when jsonFitsIn says the text certainly fits: that
// must never be said of a value whose JSON is longer.
import { describe, expect, it } from "vitest";
import { jsonFitsIn } from "../../src/util/json.js";

const worst = ["\u0000\u0001\u001f", "\ud800\udfff\ud800", '"\\', "\u2028é€😀", ""];
const numbers = [
  -1.2345678901234567e-308,
  -1.7976931348623157e308,
  -0.0000012345678901234567,
  NaN,
  -Infinity,
];

describe("jsonFitsIn", () => {
  it("never says a longer value fits, and says small evidence fits", () => {
    const values: unknown[] = [
      ...worst,
      ...numbers,
      null,
      true,
      [undefined, null, ...numbers],
      { a: undefined, [worst[0] ?? ""]: worst, n: numbers, nested: [{ x: [[worst[1]]] }] },
      Object.fromEntries(worst.map((w, i) => [w + String(i), { v: w.repeat(50) }])),
    ];
    for (const v of values) {
      const text = JSON.stringify(v) ?? "";
      for (let max = 0; max <= text.length + 5; max++)
        if (jsonFitsIn(v, max)) expect(text.length, `${text} within ${max}`).toBeLessThanOrEqual(max);
      expect(jsonFitsIn(v, 16 * text.length + 64), text).toBe(true);
    }
    expect(jsonFitsIn({ at: new Date(0) }, 1e6)).toBe(false);
    expect(jsonFitsIn({ big: "x".repeat(20_000) }, 64 * 1024)).toBe(false);
  });
});

describe("evidence over the limit", () => {
  it("is replaced by a truncation note, as before the size check could skip serialising", async () => {
    const { loadRules } = await import("../../src/rules/loader.js");
    const { evaluateRule } = await import("../../src/rules/evaluate-rule.js");
    const rule = loadRules().find((r) => r.evidence.some((p) => p.pure && p.chain.length > 1));
    const path = rule?.evidence.find((p) => p.pure && p.chain.length > 1);
    if (!rule || !path) throw new Error("no rule with a plain evidence path");
    const record: Record<string, unknown> = {
      resourceType: rule.resourceTypes[0],
      resourceId: "r",
      accountId: "111122223333",
      region: "eu-west-1",
      configuration: {},
      supplementaryConfiguration: {},
      tags: {},
      references: [],
    };
    let at = record;
    for (const k of path.chain.slice(0, -1)) at = (at[k] ??= {}) as Record<string, unknown>;
    at[path.chain.at(-1) ?? ""] = Array.from({ length: 100 }, () => "x".repeat(1000));
    const result = evaluateRule(rule, record as never, { now: new Date(0) });
    expect(result?.evidence).toMatchObject({ truncated: true });
    expect(String(result?.evidence.note)).toMatch(/exceeded 65536$/);
  });
});
