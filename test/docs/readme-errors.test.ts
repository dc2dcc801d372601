// The error messages the README quotes are the messages dpscan prints: each `$ dpscan ...` line
// of the README's readme-errors block is run, and its output must be the lines under it.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { useTmpDir } from "../helpers/tmp.js";

const tmp = useTmpDir();

const RULE = `id: x
title: A rule
severity: high
resourceTypes: [AWS::EC2::Volume]
description: d
rationale: r
remediation: m
requires: [configuration.encrypted]
messages: { pass: "ok {resourceId}", fail: "bad {resourceId}" }
failWhen:
  path: configuration.encrypted
  equals: false
examples:
  - { name: p, expect: PASS, resource: { resourceId: vol-1, configuration: { encrypted: true } } }
  - { name: f, expect: FAIL, resource: { resourceId: vol-2, configuration: { encrypted: false } } }
`;

function readmeExamples(): { command: string; output: string[] }[] {
  const text = readFileSync("README.md", "utf8");
  const block = text.slice(
    text.indexOf("<!-- readme-errors -->"),
    text.indexOf("<!-- end readme-errors -->"),
  );
  const out: { command: string; output: string[] }[] = [];
  for (const line of block.split("\n")) {
    if (line.startsWith("$ ")) out.push({ command: line.slice(2), output: [] });
    else if (line.startsWith("dpscan: ")) out.at(-1)?.output.push(line);
  }
  return out;
}

describe("the README's quoted errors", () => {
  const examples = readmeExamples();

  it("are there", () => {
    expect(examples.length).toBeGreaterThanOrEqual(4);
  });

  for (const ex of examples) {
    it(`are what \`${ex.command}\` prints`, async () => {
      const dir = tmp();
      writeFileSync(join(dir, "x.yaml"), RULE);
      writeFileSync(join(dir, "garbage.db"), "not a database\n".repeat(300));
      // The README's names for files, and what stands for them here.
      const places: [string, string][] = [
        ["rules/x.yaml", join(dir, "x.yaml")],
        ["snapshot.json", "examples/config-snapshot.json"],
        ["dpscan.db", join(dir, "garbage.db")],
      ];
      const args = ex.command
        .split(" ")
        .slice(1)
        .map((a) => places.find(([name]) => name === a)?.[1] ?? a);
      const r = await runCli(args);
      expect(r.code).toBe(2);
      let printed = r.stderr;
      for (const [name, real] of places) printed = printed.split(real).join(name);
      expect(printed.trimEnd().split("\n")).toEqual(ex.output);
    });
  }
});
