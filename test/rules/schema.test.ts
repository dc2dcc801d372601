import { readdirSync, readFileSync } from "node:fs";
import { Ajv } from "ajv";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";

// That schemas/*.schema.json equal what the code generates is checked in test/cli/config.test.ts.
describe("published rule schema", () => {
  const published = JSON.parse(readFileSync("schemas/rule.schema.json", "utf8")) as object;

  it("accepts every shipped rule and rejects a misspelt operator", () => {
    const validate = new Ajv({ allErrors: true, strict: false }).compile(published);
    for (const f of readdirSync("rules").filter((n) => n.endsWith(".yaml"))) {
      const doc = parse(readFileSync(`rules/${f}`, "utf8")) as Record<string, unknown>;
      expect(validate(doc), `${f}: ${JSON.stringify(validate.errors?.slice(0, 3))}`).toBe(true);
      expect(validate({ ...doc, failWhen: { path: "x", equals: 1 } })).toBe(false);
    }
  });
});
