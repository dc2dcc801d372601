import { describe, expect, it } from "vitest";
import { analyzeRequiredDeny } from "../../src/policy/index.js";
import { policy } from "./helpers.js";

const B = "arn:aws:s3:::b";
const query = {
  actions: ["s3:*"],
  resources: [B, `${B}/*`],
  when: { key: "s3:TlsVersion", value: "1.2", operator: "NumericLessThan" as const },
};
const deny = (Condition: object, extra: object = {}) =>
  policy({
    Statement: [
      { Effect: "Deny", Principal: "*", Action: "s3:*", Resource: [B, `${B}/*`], Condition, ...extra },
    ],
  });

describe("analyzeRequiredDeny with NumericLessThan", () => {
  it("accepts a bound at or above the value, as string or number, with IfExists or Equals", () => {
    for (const c of [
      { NumericLessThan: { "s3:TlsVersion": "1.2" } },
      { NumericLessThan: { "s3:TlsVersion": 1.3 } },
      { NumericLessThanIfExists: { "s3:TlsVersion": 1.2 } },
      { NumericLessThanEquals: { "s3:TlsVersion": "1.2" } },
      { NumericLessThan: { "s3:TlsVersion": ["1.0", "1.2"] } },
    ])
      expect(analyzeRequiredDeny(deny(c), query).enforced, JSON.stringify(c)).toBe(true);
  });

  it("rejects a lower bound, other operators and ForAnyValue, and says why", () => {
    const low = analyzeRequiredDeny(deny({ NumericLessThan: { "s3:TlsVersion": 1.1 } }), query);
    expect(low.enforced).toBe(false);
    expect(low.reason).toContain(
      "Statement #0 denies only when s3:TlsVersion NumericLessThan 1.1, which does not deny every request over TLS older than 1.2.",
    );
    expect(analyzeRequiredDeny(deny({ NumericGreaterThan: { "s3:TlsVersion": 1.2 } }), query).enforced).toBe(
      false,
    );
    expect(
      analyzeRequiredDeny(deny({ "ForAnyValue:NumericLessThan": { "s3:TlsVersion": 1.2 } }), query).enforced,
    ).toBe(false);
    expect(analyzeRequiredDeny(deny({ Bool: { "aws:SecureTransport": "false" } }), query).reason).toMatch(
      /^No statement denies requests where s3:TlsVersion is below 1.2\. Add a statement .*"NumericLessThan": \{"s3:TlsVersion": "1.2"\}/,
    );
  });

  it("keeps the other shortfalls: principals, extra conditions", () => {
    const c = { NumericLessThan: { "s3:TlsVersion": 1.2 } };
    expect(
      analyzeRequiredDeny(deny(c, { Principal: { AWS: "arn:aws:iam::1:root" } }), query).reason,
    ).toContain("denies requests over TLS older than 1.2 to only some principals");
    const extra = { ...c, StringEquals: { "aws:SourceVpce": "vpce-1" } };
    expect(analyzeRequiredDeny(deny(extra), query).reason).toContain(
      "only when StringEquals aws:SourceVpce also holds",
    );
  });
});
