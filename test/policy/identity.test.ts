import { describe, expect, it } from "vitest";
import { analyzeIdentityGrants } from "../../src/policy/index.js";
import { policy } from "./helpers.js";

const ALL_KEYS = "arn:aws:kms:*:*:key/*";
const full = (...Statement: object[]) =>
  analyzeIdentityGrants(policy({ Statement }), { actions: ["kms:*"], resource: ALL_KEYS });
const allow = (extra: object) => ({ Effect: "Allow", Resource: "*", ...extra });

describe("analyzeIdentityGrants", () => {
  it("finds every-action grants through wildcards and NotAction", () => {
    for (const Action of ["kms:*", "*", "k*", ["kms:*", "s3:GetObject"]])
      expect(full(allow({ Action })), JSON.stringify(Action)).toHaveLength(1);
    expect(full(allow({ NotAction: ["iam:*"] }))[0]).toMatchObject({ notAction: true, granted: ["kms:*"] });
    expect(full(allow({ NotAction: ["kms:Decrypt"] }))).toEqual([]);
    expect(full(allow({ Action: ["kms:Create*", "kms:Decrypt"] }))).toEqual([]);
  });

  it("requires the grant to cover every key", () => {
    expect(full(allow({ Action: "kms:*", Resource: ALL_KEYS }))).toHaveLength(1);
    expect(full(allow({ Action: "kms:*", Resource: "arn:aws:kms:us-east-1:1:key/k" }))).toEqual([]);
    expect(full({ Effect: "Allow", Action: "kms:*", NotResource: "arn:aws:s3:::b/*" })).toHaveLength(1);
    expect(full({ Effect: "Allow", Action: "kms:*", NotResource: "arn:aws:kms:*:*:key/k" })).toEqual([]);
  });

  it("subtracts unconditioned Deny statements, not conditioned ones", () => {
    const grant = allow({ Action: "kms:*" });
    expect(full(grant, { Effect: "Deny", Action: "kms:ScheduleKeyDeletion", Resource: "*" })).toEqual([]);
    expect(full(grant, { Effect: "Deny", Action: "kms:Decrypt", Resource: "arn:aws:kms:*:*:key/k" })).toEqual(
      [],
    );
    expect(full(grant, { Effect: "Deny", Action: "s3:*", Resource: "*" })).toHaveLength(1);
    const mfa = { Bool: { "aws:MultiFactorAuthPresent": "false" } };
    expect(full(grant, { Effect: "Deny", Action: "kms:*", Resource: "*", Condition: mfa })).toHaveLength(1);
  });

  it("skips grants restricted to a service, keeps other conditions and names them", () => {
    const via = { StringEquals: { "kms:ViaService": "s3.us-east-1.amazonaws.com" } };
    expect(full(allow({ Action: "kms:*", Condition: via }))).toEqual([]);
    const mfa = { Bool: { "aws:MultiFactorAuthPresent": "true" } };
    expect(full(allow({ Action: "kms:*", Condition: mfa }))[0]?.conditions).toEqual([
      "Bool aws:MultiFactorAuthPresent",
    ]);
  });

  it("reports which of several patterns a statement grants", () => {
    const p = policy({ Statement: [allow({ Action: ["kms:ReEncrypt*"] })] });
    const r = analyzeIdentityGrants(p, { actions: ["kms:Decrypt", "kms:ReEncryptFrom"], resource: ALL_KEYS });
    expect(r.map((g) => g.granted)).toEqual([["kms:ReEncryptFrom"]]);
  });
});
