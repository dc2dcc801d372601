// parsedPolicy (the rules' memo of parsePolicy) answers exactly what parsePolicy answers, for text,
// objects and malformed documents, also once its bound has been passed.
import { describe, expect, it } from "vitest";
import { parsePolicy } from "../../src/policy/index.js";
import { parsedPolicy } from "../../src/rules/predicates/common.js";

const doc = (i: number): string =>
  JSON.stringify({
    Version: "2012-10-17",
    Statement: [{ Sid: `s${i}`, Effect: "Deny", Principal: "*", Action: "s3:*", Resource: "*" }],
  });

describe("parsedPolicy", () => {
  it("gives parsePolicy's answer, parsed once per document", () => {
    const text = doc(1);
    const first = parsedPolicy(text);
    expect(first).toEqual(parsePolicy(text));
    expect(parsedPolicy(text)).toBe(first);
    const object = JSON.parse(doc(2)) as object;
    expect(parsedPolicy(object)).toEqual(parsePolicy(object));
    expect(parsedPolicy(object)).toBe(parsedPolicy(object));
    for (const bad of ["{", "[]", 5, null, '{"Statement": 3}'])
      expect(parsedPolicy(bad), String(bad)).toEqual(parsePolicy(bad));
  });

  it("stays correct past its bound", () => {
    for (let i = 0; i < 600; i++) expect(parsedPolicy(doc(i))).toEqual(parsePolicy(doc(i)));
    expect(parsedPolicy(doc(3))).toEqual(parsePolicy(doc(3)));
  });
});
