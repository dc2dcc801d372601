import { describe, expect, it } from "vitest";
import type { FindingCounts } from "../../src/report/model.js";
import { requirementStatus, type StatusInput } from "../../src/report/status.js";

const c = (FAIL: number, UNKNOWN: number, PASS: number): FindingCounts => ({ FAIL, UNKNOWN, PASS });

function status(over: Partial<StatusInput>): ReturnType<typeof requirementStatus> {
  return requirementStatus({
    manual: false,
    perRule: new Map(),
    gaps: 0,
    gapTypes: [],
    notRun: [],
    resourceTypes: ["AWS::EC2::Volume"],
    ...over,
  });
}

describe("requirement status", () => {
  it("one FAIL fails the requirement, whatever else is known", () => {
    const r = status({
      perRule: new Map([
        ["a", c(1, 5, 100)],
        ["b", c(0, 0, 3)],
      ]),
      gaps: 2,
      gapTypes: ["X"],
    });
    expect(r.status).toBe("failed");
    expect(r.reasons).toEqual(["1 result FAIL: a (1)"]);
  });

  it("only UNKNOWN results leave it not verified, never passed", () => {
    expect(status({ perRule: new Map([["a", c(0, 2, 0)]]) }).status).toBe("not-verified");
    expect(status({ perRule: new Map([["a", c(0, 1, 40)]]) })).toEqual({
      status: "not-verified",
      reasons: ["1 result UNKNOWN: a (1)"],
    });
  });

  it("a coverage gap over a type its rules need leaves it not verified even when everything seen passed", () => {
    const r = status({ perRule: new Map([["a", c(0, 0, 9)]]), gaps: 1, gapTypes: ["AWS::EC2::Volume"] });
    expect(r).toEqual({
      status: "not-verified",
      reasons: ["1 coverage gap hides AWS::EC2::Volume in scope"],
    });
  });

  it("a rule the scan did not run leaves it not verified", () => {
    const r = status({
      perRule: new Map([
        ["a", c(0, 0, 9)],
        ["b", c(0, 0, 0)],
      ]),
      notRun: ["b"],
    });
    expect(r).toEqual({ status: "not-verified", reasons: ["rule b was not run in this scan"] });
  });

  it("all PASS is passed; no result at all is not applicable; manual is manual", () => {
    expect(status({ perRule: new Map([["a", c(0, 0, 3)]]) })).toEqual({
      status: "passed",
      reasons: ["3 results PASS"],
    });
    expect(status({ perRule: new Map([["a", c(0, 0, 0)]]) }).status).toBe("not-applicable");
    expect(status({ manual: true, perRule: new Map([["a", c(4, 0, 0)]]) }).status).toBe("manual");
  });
});
