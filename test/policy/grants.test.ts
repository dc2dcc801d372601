import { describe, expect, it } from "vitest";
import { analyzeGrants, heldTogether } from "../../src/policy/index.js";
import { policy } from "./helpers.js";

const ACCOUNT = "111122223333";
const OTHER = "444455556666";
const statements = (...Statement: object[]) => policy({ Statement });
const allow = (Principal: unknown, Action: unknown) => ({
  Effect: "Allow",
  Principal,
  Action,
  Resource: "*",
});

describe("analyzeGrants with match: any", () => {
  it("finds a grant of one action where every-matching finds none", () => {
    const p = statements(allow("*", "kms:Decrypt"));
    expect(analyzeGrants(p, { actions: ["kms:*"], account: ACCOUNT }).grants).toEqual([]);
    const any = analyzeGrants(p, { actions: ["kms:*"], account: ACCOUNT, match: "any" });
    expect(any.worst).toBe("public-unrestricted");
  });

  it("ignores statements about other services and NotAction lists that exclude the service", () => {
    const p = statements(allow("*", "s3:GetObject"), { ...allow("*", undefined), NotAction: "kms:*" });
    expect(analyzeGrants(p, { actions: ["kms:*"], account: ACCOUNT, match: "any" }).grants).toEqual([]);
  });

  it("lets a Deny cancel the grant only when it covers every granted part", () => {
    const grant = allow("*", ["kms:Decrypt", "kms:Encrypt", "s3:GetObject"]);
    const deny = (Action: unknown) => ({ Effect: "Deny", Principal: "*", Action, Resource: "*" });
    const q = { actions: ["kms:*"], account: ACCOUNT, match: "any" as const };
    expect(analyzeGrants(statements(grant, deny("kms:Decrypt")), q).grants).toHaveLength(1);
    expect(analyzeGrants(statements(grant, deny(["kms:Decrypt", "kms:Encrypt"])), q).grants).toEqual([]);
    expect(analyzeGrants(statements(allow("*", "*"), deny("kms:Decrypt")), q).grants).toHaveLength(1);
    expect(analyzeGrants(statements(allow("*", "*"), deny("kms:*")), q).grants).toEqual([]);
  });
});

describe("analyzeGrants with trustedAccounts", () => {
  it("drops principals of trusted accounts, roots included, and keeps the others", () => {
    const p = statements(
      allow({ AWS: [`arn:aws:iam::${OTHER}:role/etl`, OTHER, "arn:aws:iam::999999999999:root"] }, "kms:*"),
    );
    const r = analyzeGrants(p, {
      actions: ["kms:*"],
      account: ACCOUNT,
      classes: ["cross-account"],
      trustedAccounts: [OTHER],
    });
    expect(r.grants).toHaveLength(1);
    expect(r.grants[0]?.accounts).toEqual(["999999999999"]);
    expect(r.grants[0]?.principals.map((x) => x.value)).toEqual(["arn:aws:iam::999999999999:root"]);
  });

  it("does not turn a public grant into a trusted one", () => {
    const p = statements(allow("*", "kms:Decrypt"));
    const r = analyzeGrants(p, { actions: ["kms:Decrypt"], account: ACCOUNT, trustedAccounts: [OTHER] });
    expect(r.worst).toBe("public-unrestricted");
  });
});

describe("heldTogether", () => {
  const ADMIN = ["kms:Put*", "kms:ScheduleKeyDeletion"];
  const USE = ["kms:Decrypt"];
  const pairs = (...st: object[]) => {
    const p = statements(...st);
    const q = { account: ACCOUNT, match: "any" as const };
    return heldTogether(
      analyzeGrants(p, { ...q, actions: ADMIN }).grants,
      analyzeGrants(p, { ...q, actions: USE }).grants,
    );
  };
  const role = (name: string) => `arn:aws:iam::${ACCOUNT}:role/${name}`;

  it("pairs one principal across statements, and not different principals", () => {
    expect(pairs(allow({ AWS: role("a") }, "kms:Put*"), allow({ AWS: role("b") }, "kms:Decrypt"))).toEqual(
      [],
    );
    const held = pairs(
      allow({ AWS: role("a") }, "kms:Put*"),
      allow({ AWS: [role("b"), role("a")] }, "kms:Decrypt"),
    );
    expect(held.map((h) => [h.principal.value, h.first.length, h.second.length])).toEqual([
      [role("a"), 1, 1],
    ]);
  });

  it("lets a grant to everyone reach every principal, and leaves out the account root", () => {
    const held = pairs(allow({ AWS: role("admin") }, "kms:Put*"), allow("*", "kms:Decrypt"));
    expect(held.map((h) => h.principal.value)).toEqual([role("admin")]);
    expect(held[0]?.class).toBe("public-unrestricted");
    expect(pairs(allow({ AWS: ACCOUNT }, "kms:*"))).toEqual([]);
  });
});
