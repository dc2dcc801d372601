// A baseline file is streamed: findings one at a time (read across chunk boundaries), the members
// around them checked as a document of their own, every error placed at its line and column in
// the file, and a file that is not a baseline refused without being held whole.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { findingFingerprint } from "../../src/model/finding.js";
import { loadBaselineFile } from "../../src/report/baseline.js";
import { InputError } from "../../src/util/errors.js";
import { useTmpDir } from "../helpers/tmp.js";

const tmp = useTmpDir();

function finding(i: number, status = i % 3 === 0 ? "UNKNOWN" : "FAIL"): Record<string, unknown> {
  const arn = `arn:aws:ec2:us-east-1:111111111111:volume/vol-${i}`;
  const identity = `ebs-volume-unencrypted|111111111111|us-east-1|${arn}`;
  return {
    identity,
    fingerprint: findingFingerprint(identity),
    status,
    severity: "high",
    ruleId: "ebs-volume-unencrypted",
    accountId: "111111111111",
    region: "us-east-1",
    resourceType: "AWS::EC2::Volume",
    resourceId: `vol-${i}`,
    arn,
  };
}

/** A baseline document as `dpscan baseline export` writes it, with `extra` members after findings. */
function baselineText(findings: unknown[], extra: Record<string, unknown> = {}): string {
  const doc = {
    dpscanBaseline: 1,
    exportedAt: "2026-12-07T00:00:00.000Z",
    dpscanVersion: "0.1.0",
    scan: { id: 2, startedAt: "2026-12-06T00:00:00.000Z", source: "night 2" },
    findings,
    ...extra,
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}

function write(text: string): string {
  const file = join(tmp(), "baseline.json");
  writeFileSync(file, text);
  return file;
}

function problems(file: string): string[] {
  try {
    loadBaselineFile(file);
  } catch (err) {
    if (err instanceof InputError) return err.lines;
    throw err;
  }
  throw new Error("loaded");
}

/** "line:col" of the first character of `needle` (after `from`) in `text`. */
function placeOf(text: string, needle: string, from = 0): string {
  const at = text.indexOf(needle, from);
  const before = text.slice(0, at);
  return `${before.split("\n").length}:${at - before.lastIndexOf("\n")}`;
}

describe("loadBaselineFile", () => {
  it("reads every finding of a file many chunks long (findings cut across chunks)", () => {
    const all = Array.from({ length: 6000 }, (_, i) => finding(i));
    const file = write(baselineText(all));
    const b = loadBaselineFile(file);
    expect(b.label).toBe(file);
    expect(b.fail.size).toBe(4000);
    expect(b.unknown.size).toBe(2000);
    expect(b.fail.has(String(finding(5999).identity))).toBe(true);
    expect(b.unknown.has(String(finding(5997).identity))).toBe(true);
    expect(loadBaselineFile(write(baselineText([]))).fail.size).toBe(0);
  });

  it("places a finding's schema error at the field, deep in a large file", () => {
    const all = Array.from({ length: 3000 }, (_, i) => finding(i, i === 2500 ? "PASS" : undefined));
    delete all[2700]?.resourceType;
    const text = baselineText(all);
    const file = write(text);
    const start = (i: number) =>
      text.indexOf(
        `"identity": "ebs-volume-unencrypted|111111111111|us-east-1|${finding(i).arn as string}"`,
      ) - 10;
    expect(problems(file)).toEqual([
      `${file}:${placeOf(text, '"PASS"', start(2500))}: findings[2500].status: must be one of: FAIL, UNKNOWN`,
      `${file}:${placeOf(text, "{", start(2700))}: findings[2700]: missing required field "resourceType"`,
    ]);
    // On one line (no newlines at all), the column says which finding and field.
    const line = JSON.stringify(JSON.parse(text));
    const one = write(line);
    const at = placeOf(line, '"PASS"');
    expect(at.startsWith("1:")).toBe(true);
    expect(problems(one)[0]).toBe(`${one}:${at}: findings[2500].status: must be one of: FAIL, UNKNOWN`);
  });

  it("checks the members around the findings, placed where they are in the file", () => {
    const all = Array.from({ length: 2000 }, (_, i) => finding(i));
    const after = baselineText(all, { extra: true });
    const file = write(after);
    expect(problems(file)).toEqual([`${file}:${placeOf(after, '"extra"')}: extra: unknown field "extra"`]);
    const version = baselineText(all).replace('"dpscanBaseline": 1', '"dpscanBaseline": 2');
    const v = write(version);
    expect(problems(v)).toEqual([
      `${v}:${placeOf(version, "2,")}: dpscanBaseline: must be equal to constant`,
    ]);
  });

  it("places a member on the line where the findings end, and one on the line where they start", () => {
    const all = Array.from({ length: 1500 }, (_, i) => finding(i));
    const text = `{"dpscanBaseline": 1, "findings": [\n${all.map((f) => JSON.stringify(f)).join(",\n")}], "extra": true}\n`;
    const file = write(text);
    expect(problems(file)).toEqual([`${file}:${placeOf(text, '"extra"')}: extra: unknown field "extra"`]);
    const first = `{"dpscanBaseline": 2, "findings": [${all.map((f) => JSON.stringify(f, null, 1)).join(",")}\n]}`;
    const f2 = write(first);
    expect(problems(f2)).toEqual([`${f2}:1:20: dpscanBaseline: must be equal to constant`]);
  });

  it("refuses bad JSON and repeated keys with their place, and what is not a baseline file", () => {
    const all = Array.from({ length: 2000 }, (_, i) => finding(i));
    const text = baselineText(all);
    const cut = text.indexOf('"vol-1500"');
    const broken = write(`${text.slice(0, cut)}vol-1500"${text.slice(cut + 10)}`);
    expect(problems(broken)).toEqual([
      expect.stringMatching(new RegExp(`^${broken}:${placeOf(text, '"vol-1500"').split(":")[0]}:\\d+: `)),
    ]);
    const repeated = write(text.replace('"severity": "high",', '"severity": "high", "severity": "low",'));
    expect(problems(repeated)).toEqual([expect.stringMatching(/:\d+:\d+: .*"severity"/)]);
    // A large file of another shape is refused once the text outside findings passes the bound.
    const array = write(JSON.stringify([...all, ...all, ...all]));
    expect(problems(array)).toEqual([
      `${array}: not a baseline file: more than 1048576 characters outside "findings"`,
    ]);
    const small = write("[]");
    expect(problems(small)).toEqual([`${small}:1:1: (top level): must be object`]);
    const huge = write(baselineText([finding(1)], { note: "x".repeat(3 * 1024 * 1024) }));
    expect(problems(huge)).toEqual([
      `${huge}: not a baseline file: more than 1048576 characters outside "findings"`,
    ]);
    expect(problems(join(tmp(), "missing.json"))).toEqual([
      expect.stringMatching(/missing\.json: cannot read: ENOENT$/),
    ]);
  });
});
