// The waivers file: every problem at once with file:line:col, the required fields and the maximum
// duration, globs, resource and tag matching, expiry and staleness on a fixed clock.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { waiverState, type Waiver } from "../../src/model/waiver.js";
import { loadWaivers, WaiverMatcher, waiverMatches, waiverProblems } from "../../src/rules/waivers.js";
import { InputError } from "../../src/util/errors.js";
import { useTmpDir } from "../helpers/tmp.js";

const tmp = useTmpDir();
const NOW = new Date("2027-01-10T12:00:00Z");
const RULES = ["kms-key-rotation-disabled", "ebs-volume-unencrypted", "kms-key-policy-public"];

function file(text: string): string {
  const f = join(tmp(), "waivers.yaml");
  writeFileSync(f, text);
  return f;
}

function problems(text: string, maxDays?: number): string[] {
  const f = file(text);
  try {
    loadWaivers(f, { now: NOW, ruleIds: RULES, ...(maxDays ? { maxDays } : {}) });
  } catch (err) {
    if (err instanceof InputError) return err.lines.map((l) => l.replace(`${f}:`, ""));
    throw err;
  }
  return [];
}

const ok = (extra = ""): string =>
  `  - rule: kms-key-rotation-disabled\n    justification: replaced by the DR key\n    approver: security@example.com\n    expires: 2027-03-31\n${extra}`;

describe("the waivers file", () => {
  it("loads the documented shape, with each waiver's position", () => {
    const f = file(
      `waivers:\n${ok()}  - rule: "kms-*"\n    account: "111111111111"\n    region: eu-west-1\n    resource: "arn:aws:kms:eu-west-1:111111111111:key/*"\n    tags: { env: sandbox }\n    justification: sandbox keys\n    approver: team@example.com\n    expires: 2027-06-30\n    created: 2027-01-02\n`,
    );
    const set = loadWaivers(f, { now: NOW, ruleIds: RULES });
    expect(set.waivers).toHaveLength(2);
    expect(set.waivers[1]).toMatchObject({
      rule: "kms-*",
      tags: { env: "sandbox" },
      source: `${f}:6:5`,
      position: 1,
    });
    expect(set.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it("reports every problem with file:line:col: missing fields, unknown fields, bad values", () => {
    expect(
      problems(
        "waivers:\n  - rule: kms-key-rotation-disabled\n    approver: a@b\n    expires: 2027-02-30\n  - rule: kms-key-rotaton-disabled\n    justification: x\n    approver: y\n    expires: 2027-02-01\n    acount: '1'\n  - rule: ebs-*\n    justification: '  '\n    approver: y\n",
      ),
    ).toEqual([
      `2:5: waivers[0]: missing required field "justification"`,
      `9:5: waivers[1].acount: unknown field "acount" (did you mean "account"?)`,
      `10:5: waivers[2]: missing required field "expires"`,
      `11:20: waivers[2].justification: must not be blank`,
    ]);
    expect(
      problems(
        "waivers:\n  - rule: kms-key-rotation-disabled\n    justification: j\n    approver: a\n    expires: 2027-02-30\n  - rule: kms-key-rotaton-disabled\n    justification: x\n    approver: y\n    expires: 2027-02-01\n  - rule: 's3-*'\n    account: '1234'\n    justification: x\n    approver: y\n    expires: 2027-02-01\n",
      ),
    ).toEqual([
      `5:14: waivers[0].expires: "2027-02-30" is not a calendar date`,
      `6:11: waivers[1].rule: no rule "kms-key-rotaton-disabled" (did you mean "kms-key-rotation-disabled"?)`,
      `10:11: waivers[2].rule: "s3-*" matches no rule`,
      `11:14: waivers[2].account: "1234" is not a 12-digit account ID`,
    ]);
  });

  it("refuses a waiver without an expiry or longer than the maximum, from created or today", () => {
    expect(
      problems("waivers:\n  - rule: kms-key-rotation-disabled\n    justification: j\n    approver: a\n"),
    ).toEqual([`2:5: waivers[0]: missing required field "expires"`]);
    const long = "waivers:\n" + ok().replace("2027-03-31", "2028-01-11");
    expect(problems(long)).toEqual([
      "5:14: waivers[0].expires: waiver lasts 367 days from 2027-01-10; at most 365 are allowed (waiverMaxDays)",
    ]);
    expect(problems(long, 400)).toEqual([]);
    expect(problems("waivers:\n" + ok().replace("2027-03-31", "2027-02-10"), 30)).toEqual([
      "5:14: waivers[0].expires: waiver lasts 32 days from 2027-01-10; at most 30 are allowed (waiverMaxDays)",
    ]);
    // Counted from the day it was approved, when the file says.
    expect(
      problems("waivers:\n" + ok("    created: 2026-12-01\n").replace("2027-03-31", "2027-12-05")),
    ).toEqual([
      "5:14: waivers[0].expires: waiver lasts 370 days from 2026-12-01; at most 365 are allowed (waiverMaxDays)",
    ]);
    expect(problems("waivers:\n" + ok("    created: 2027-02-01\n"))).toEqual([
      "6:14: waivers[0].created: 2027-02-01 is in the future (today is 2027-01-10)",
    ]);
  });

  it("a waiver already expired is loaded (it is reported, not an error)", () => {
    const f = file("waivers:\n" + ok().replace("2027-03-31", "2026-12-31"));
    const set = loadWaivers(f, { now: NOW, ruleIds: RULES });
    expect(waiverState(set.waivers[0] as Waiver, NOW)).toBe("expired");
  });
});

const base: Waiver = {
  position: 0,
  source: "w.yaml:2:5",
  rule: "kms-*",
  justification: "j",
  approver: "a",
  expires: "2027-01-10",
};
const finding = {
  ruleId: "kms-key-rotation-disabled",
  accountId: "111111111111",
  region: "eu-west-1",
  resourceId: "0b9f5c36-8f3e-4a8a-9a52-2f3f6f1d4a10",
  arn: "arn:aws:kms:eu-west-1:111111111111:key/0b9f5c36-8f3e-4a8a-9a52-2f3f6f1d4a10",
};

describe("matching waivers to findings", () => {
  it("every given field must match; globs; the resource matches its ARN or its id", () => {
    expect(waiverMatches(base, finding, {})).toBe(true);
    expect(waiverMatches({ ...base, rule: "ebs-*" }, finding, {})).toBe(false);
    expect(waiverMatches({ ...base, account: "2222*" }, finding, {})).toBe(false);
    expect(waiverMatches({ ...base, region: "eu-*" }, finding, {})).toBe(true);
    expect(
      waiverMatches({ ...base, resource: "arn:aws:kms:eu-west-1:111111111111:key/*" }, finding, {}),
    ).toBe(true);
    expect(waiverMatches({ ...base, resource: "0b9f5c36-*" }, finding, {})).toBe(true);
    expect(waiverMatches({ ...base, resource: "arn:aws:kms:us-east-1:*" }, finding, {})).toBe(false);
    // Case matters: ARNs and ids are case-sensitive.
    expect(waiverMatches({ ...base, resource: "0B9F5C36-*" }, finding, {})).toBe(false);
  });

  it("tags must all be present and match; a coverage gap's '*' result has no tags to match", () => {
    const tagged = { ...base, tags: { env: "sand*", team: "data" } };
    expect(waiverMatches(tagged, finding, { env: "sandbox", team: "data", x: "y" })).toBe(true);
    expect(waiverMatches(tagged, finding, { env: "sandbox" })).toBe(false);
    expect(waiverMatches(tagged, finding, { env: "prod", team: "data" })).toBe(false);
    expect(waiverMatches(tagged, { ...finding, resourceId: "*", arn: null }, {})).toBe(false);
    expect(waiverMatches(base, { ...finding, resourceId: "*", arn: null }, undefined)).toBe(true);
  });

  it("applies through the expiry day (UTC) and stops after it; reports expired and stale waivers", () => {
    expect(waiverState(base, new Date("2027-01-10T23:59:59Z"))).toBe("active");
    expect(waiverState(base, new Date("2027-01-11T00:00:00Z"))).toBe("expired");
    const set = {
      file: "w.yaml",
      sha256: "0",
      waivers: [
        { ...base, position: 0, expires: "2027-01-09" },
        { ...base, position: 1, rule: "kms-key-rotation-disabled" },
        { ...base, position: 2, rule: "ebs-volume-unencrypted" },
      ],
    };
    const m = new WaiverMatcher(set, NOW);
    // The expired waiver matches too, but only the active one covers the result.
    expect(m.match({ ...finding, status: "FAIL" })?.position).toBe(1);
    expect(m.match({ ...finding, status: "UNKNOWN" })?.position).toBe(1);
    expect(m.match({ ...finding, status: "PASS" })).toBeUndefined();
    const { expired, stale } = waiverProblems(m.outcomes());
    expect(expired.map((o) => [o.waiver.position, o.matched])).toEqual([[0, 2]]);
    expect(stale.map((o) => o.waiver.position)).toEqual([2]);
  });
});
