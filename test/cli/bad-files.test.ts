// Files that attack the reader: endless devices, FIFOs with no writer, YAML alias bombs, hostile
// text in what gets quoted back. Each is bad input (exit 2) naming the file, never a hang, an
// out-of-memory abort or an internal error.
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { useTmpDir } from "../helpers/tmp.js";

const tmp = useTmpDir();

const BOMB = [
  'a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]',
  "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]",
  "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]",
  "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]",
  "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]",
  "f: [*e, *e, *e, *e, *e, *e, *e, *e, *e]",
  "",
].join("\n");

let saved: string | undefined;
beforeEach(() => {
  saved = process.env.DPSCAN_READ_TIMEOUT;
  process.env.DPSCAN_READ_TIMEOUT = "0.3";
});
afterEach(() => {
  if (saved === undefined) delete process.env.DPSCAN_READ_TIMEOUT;
  else process.env.DPSCAN_READ_TIMEOUT = saved;
});

function fifo(): string {
  const path = join(tmp(), "pipe");
  execFileSync("mkfifo", [path]);
  return path;
}

describe("reading files that never end or never start", () => {
  it("a device that never ends is cut at the size limit (--config, rules validate, sim --world)", async () => {
    for (const args of [
      ["scan", "--config", "/dev/zero"],
      ["rules", "validate", "/dev/zero"],
      ["sim", "--world", "/dev/zero"],
    ]) {
      const r = await runCli(["--db", join(tmp(), "x.db"), ...args]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/^dpscan: \/dev\/zero: more than \d+ bytes, the limit for /);
    }
  });

  it("a FIFO with no writer is given up after the timeout, with the way to wait longer", async () => {
    for (const args of [
      (p: string) => ["scan", "--config", p],
      (p: string) => ["rules", "validate", p],
      (p: string) => ["sim", "--world", p],
      (p: string) => ["evaluate", "--input", p],
    ]) {
      const path = fifo();
      const r = await runCli(["--db", join(tmp(), "x.db"), ...args(path)]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(
        `${path}: no data after 0.3 s (a FIFO or pipe with no writer?); set DPSCAN_READ_TIMEOUT=SECONDS to wait longer`,
      );
    }
  });

  it("a FIFO with a writer is read like a file", async () => {
    const path = fifo();
    const writer = (await import("node:child_process")).spawn("sh", [
      "-c",
      `sleep 0.1; cat rules/ebs-volume-unencrypted.yaml > '${path}'`,
    ]);
    const r = await runCli(["rules", "validate", path]);
    writer.kill();
    // The file name must match the rule id, which a FIFO's does not: read, parsed and judged.
    expect(r.stderr).toMatch(
      /pipe:\d+:\d+: id: rule id "ebs-volume-unencrypted" does not match the file name/,
    );
  });
});

describe("YAML alias bombs", () => {
  it("are refused with the file and the position of the first alias (exit 2)", async () => {
    const dir = tmp();
    writeFileSync(join(dir, "dpscan.config.yaml"), BOMB);
    const config = await runCli([
      "--db",
      join(dir, "x.db"),
      "scan",
      "--config",
      join(dir, "dpscan.config.yaml"),
    ]);
    expect(config.code).toBe(2);
    expect(config.stderr).toBe(
      `dpscan: ${join(dir, "dpscan.config.yaml")}:2:8: aliases expand too much (more than 100): refusing what looks like a YAML alias bomb\n`,
    );
    writeFileSync(join(dir, "bomb.yaml"), BOMB);
    const rule = await runCli(["rules", "validate", join(dir, "bomb.yaml")]);
    expect(rule.code).toBe(2);
    expect(rule.stderr).toContain("bomb.yaml:2:8: aliases expand too much");
    const world = await runCli(["sim", "--world", join(dir, "bomb.yaml")]);
    expect(world.code).toBe(2);
    expect(world.stderr).toContain("bomb.yaml:2:8: aliases expand too much (more than 10000)");
  });
});

describe("hostile text quoted back in error messages", () => {
  it("terminal escapes, bidi overrides and invisible characters are shown escaped, never sent raw", async () => {
    const dir = tmp();
    const hostile = "re\u001b]0;pwned\u0007gion\u001b[2J\u202eevil\u200b";
    writeFileSync(join(dir, "c.yaml"), `${JSON.stringify(hostile)}: 1\n`);
    const r = await runCli(["--db", join(dir, "x.db"), "scan", "--config", join(dir, "c.yaml")]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown option "re\\x1b]0;pwned\\x07gion\\x1b[2J\\u202eevil\\u200b"');
    for (const c of ["\u001b", "\u0007", "\u202e", "\u200b"]) expect(r.stderr).not.toContain(c);
    writeFileSync(join(dir, "bad.json"), `{"configurationItems": [\u001b[31m]}`);
    const e = await runCli(["--db", join(dir, "x.db"), "evaluate", "--input", join(dir, "bad.json")]);
    expect(e.code).toBe(2);
    expect(e.stderr).not.toContain("\u001b");
    // commander's own messages quote the command line, which may be pasted from anywhere.
    const flag = await runCli(["scan", "--no-such-\u001b[31mflag"]);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain("--no-such-\\x1b[31mflag");
    expect(flag.stderr).not.toContain("\u001b");
  });
});
