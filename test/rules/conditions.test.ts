import { describe, expect, it } from "vitest";
import {
  compileCondition,
  evaluateCondition,
  type ConditionIssue,
} from "../../src/rules/conditions/index.js";
import { PREDICATES } from "../../src/rules/predicates/index.js";
import { unreadable } from "../../src/model/resource.js";

function cond(raw: unknown) {
  const issues: ConditionIssue[] = [];
  const env = { predicates: PREDICATES, params: new Set(["days"]), issues, checkArgs: () => true };
  const c = compileCondition(raw, ["c"], env);
  if (!c) throw new Error(issues.map((i) => i.message).join("; "));
  return c;
}

const now = new Date("2026-11-01T00:00:00Z");
const ev = (raw: unknown, record: unknown, params: Record<string, unknown> = {}) =>
  evaluateCondition(cond(raw), { record, params, now }).value;

describe("condition language", () => {
  const rec = {
    configuration: {
      encrypted: false,
      size: 8,
      state: "in-use",
      tags: ["a", "b"],
      created: "2026-01-01T00:00:00Z",
    },
    supplementaryConfiguration: { Denied: unreadable({ errorCode: "AccessDenied", message: "no" }) },
  };

  it("compares values", () => {
    expect(ev({ path: "configuration.encrypted", eq: false }, rec)).toBe("true");
    expect(ev({ path: "configuration.size", gt: 8 }, rec)).toBe("false");
    expect(ev({ path: "configuration.size", gte: 8 }, rec)).toBe("true");
    expect(ev({ path: "configuration.state", in: ["in-use", "available"] }, rec)).toBe("true");
    expect(ev({ path: "configuration.state", notIn: ["in-use"] }, rec)).toBe("false");
    expect(ev({ path: "configuration.state", regex: "^in-" }, rec)).toBe("true");
    expect(ev({ path: "configuration.tags", contains: "b" }, rec)).toBe("true");
    expect(ev({ path: "configuration.tags", notContains: "b" }, rec)).toBe("false");
    expect(ev({ path: "configuration.state", notContains: "out" }, rec)).toBe("true");
    expect(ev({ path: "configuration.size", notContains: 8 }, rec)).toBe("unknown");
    expect(ev({ path: "configuration.missing", notContains: "b" }, rec)).toBe("unknown");
    expect(ev({ path: "configuration.missing", exists: false }, rec)).toBe("true");
    expect(ev({ path: "configuration.missing", isEmpty: true }, rec)).toBe("true");
    expect(ev({ path: "configuration.missing", eq: null }, rec)).toBe("true");
    expect(ev({ path: "configuration.created", olderThanDays: { param: "days" } }, rec, { days: 90 })).toBe(
      "true",
    );
    expect(ev({ path: "configuration.created", newerThanDays: 400 }, rec)).toBe("true");
    expect(() => cond({ path: "configuration.size", gt: "7" })).toThrow(/"gt" takes a number/);
  });

  it("gives unknown for a fact that could not be read, and propagates it three-valued", () => {
    const denied = { path: "supplementaryConfiguration.Denied.value", eq: true };
    const yes = { path: "configuration.encrypted", eq: false };
    const no = { path: "configuration.encrypted", eq: true };
    expect(ev(denied, rec)).toBe("unknown");
    expect(ev({ not: denied }, rec)).toBe("unknown");
    expect(ev({ all: [yes, denied] }, rec)).toBe("unknown");
    expect(ev({ all: [no, denied] }, rec)).toBe("false");
    expect(ev({ any: [yes, denied] }, rec)).toBe("true");
    expect(ev({ any: [no, denied] }, rec)).toBe("unknown");
    const o = evaluateCondition(cond(denied), { record: rec, params: {}, now });
    expect(o.unknownReasons[0]).toContain(
      "supplementaryConfiguration.Denied could not be read: AccessDenied",
    );
  });

  it("detects an unreadable marker reached through a projection's result", () => {
    expect(ev({ path: "supplementaryConfiguration.Denied", exists: true }, rec)).toBe("unknown");
  });
});

describe("comparisons never PASS on data they could not read as intended", () => {
  const m = unreadable({ errorCode: "AccessDenied", message: "no" });

  it("a missing value decides only exists, isEmpty and eq/ne null", () => {
    for (const c of [
      { path: "configuration.x", eq: false },
      { path: "configuration.x", ne: true },
      { path: "configuration.x", notIn: ["a"] },
      { path: "configuration.x", lt: 3 },
      { path: "configuration.x", regex: "a" },
    ]) {
      expect(ev(c, { configuration: {} }), JSON.stringify(c)).toBe("unknown");
      expect(ev({ not: c }, { configuration: {} }), JSON.stringify(c)).toBe("unknown");
    }
    expect(ev({ path: "configuration.x", exists: false }, { configuration: {} })).toBe("true");
    expect(ev({ path: "configuration.x", ne: null }, { configuration: {} })).toBe("false");
  });

  it("a value of another JSON type than the operand is unknown, not unequal", () => {
    const o = evaluateCondition(cond({ path: "configuration.encrypted", eq: false }), {
      record: { configuration: { encrypted: "false" } },
      params: {},
      now,
    });
    expect(o.value).toBe("unknown");
    expect(o.unknownReasons[0]).toBe("configuration.encrypted is a string, expected a boolean");
    expect(ev({ path: "configuration.size", gt: 3 }, { configuration: { size: "8" } })).toBe("unknown");
    expect(ev({ path: "configuration.state", in: ["a", "b"] }, { configuration: { state: 1 } })).toBe(
      "unknown",
    );
    expect(ev({ path: "configuration.t", olderThanDays: 3 }, { configuration: { t: "yesterday" } })).toBe(
      "unknown",
    );
  });

  it("projections, operators and functions see a marker below them", () => {
    const rec = {
      supplementaryConfiguration: { Perms: m, Other: [{ group: "all" }] },
      configuration: { a: 1 },
    };
    expect(ev({ path: "supplementaryConfiguration.Perms[].group", contains: "all" }, rec)).toBe("unknown");
    expect(ev({ path: "length(supplementaryConfiguration.Perms)", gt: 0 }, rec)).toBe("unknown");
    expect(ev({ path: "supplementaryConfiguration.Other[].group", contains: "all" }, rec)).toBe("true");
    // A marker elsewhere in the record does not cloud an expression that does not read it.
    expect(ev({ path: "configuration.b || configuration.a", eq: 1 }, rec)).toBe("true");
  });
});
