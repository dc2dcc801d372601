import { describe, expect, it } from "vitest";
import { runExamples } from "../../src/rules/examples.js";
import { loadRules } from "../../src/rules/loader.js";

// Every shipped rule's own PASS/FAIL/UNKNOWN/NOT_APPLICABLE examples, one test each.
const rules = loadRules();

describe("shipped rules", () => {
  it("include the first four data-protection rules", () => {
    expect(rules.map((r) => r.id)).toEqual(
      expect.arrayContaining([
        "ebs-volume-unencrypted",
        "kms-key-rotation-disabled",
        "kms-key-policy-wildcard-grant",
        "s3-bucket-secure-transport-missing",
      ]),
    );
  });

  for (const outcome of runExamples(rules)) {
    it(`${outcome.rule} › ${outcome.example} is ${outcome.expected}`, () => {
      expect({ actual: outcome.actual, message: outcome.message }).toMatchObject({
        actual: outcome.expected,
      });
    });
  }
});
