// Terminal output fits the terminal: tables clip to its width (--wide shows everything), FAIL and
// critical are highlighted on a TTY, honouring NO_COLOR and FORCE_COLOR.
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { colorWanted } from "../../src/cli/context.js";
import { table } from "../../src/report/text.js";
import { runCli } from "../helpers/cli.js";
import { useTmpDir } from "../helpers/tmp.js";

const tmp = useTmpDir();
const SNAPSHOT = "examples/config-snapshot.json";
// eslint-disable-next-line no-control-regex -- the point is to find escape sequences
const ANSI = /\u001b\[[0-9;]*m/g;

const saved = {
  isTTY: Object.getOwnPropertyDescriptor(process.stdout, "isTTY"),
  columns: Object.getOwnPropertyDescriptor(process.stdout, "columns"),
};

/** Pretend stdout is a terminal of `columns` columns (or a pipe) for the duration of a test. */
function asTerminal(columns: number | undefined): void {
  Object.defineProperty(process.stdout, "isTTY", { value: columns !== undefined, configurable: true });
  Object.defineProperty(process.stdout, "columns", { value: columns, configurable: true });
}

const savedEnv = {
  NO_COLOR: process.env.NO_COLOR,
  FORCE_COLOR: process.env.FORCE_COLOR,
  TERM: process.env.TERM,
};
afterEach(() => {
  for (const key of ["isTTY", "columns"] as const) {
    const d = saved[key];
    if (d) Object.defineProperty(process.stdout, key, d);
    else delete (process.stdout as { isTTY?: boolean; columns?: number })[key];
  }
  for (const [k, v] of Object.entries(savedEnv)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});

describe("tables", () => {
  it("clip their widest columns to fit a width, never below a header", () => {
    const rows = [["FAIL", "x".repeat(50), "a long message ".repeat(20)]];
    const fitted = table(["STATUS", "RESOURCE", "MESSAGE"], rows, { width: 60 });
    for (const line of fitted.split("\n")) expect(line.length).toBeLessThanOrEqual(60);
    expect(fitted).toContain("STATUS");
    expect(fitted).toContain("…");
    const full = table(["STATUS", "RESOURCE", "MESSAGE"], rows, { maxCell: 400 });
    expect(full).toContain("x".repeat(50));
  });

  it("findings fit an 80-column terminal; --wide shows every column in full", async () => {
    const db = join(tmp(), "w.db");
    await runCli(["--db", db, "evaluate", "--input", SNAPSHOT]);
    process.env.NO_COLOR = "1";
    delete process.env.FORCE_COLOR;
    asTerminal(80);
    const fitted = await runCli(["--db", db, "findings"]);
    const lines = fitted.stdout.split("\n").slice(1).filter(Boolean);
    expect(lines.length).toBeGreaterThan(10);
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(80);
    const wide = await runCli(["--db", db, "--wide", "findings"]);
    expect(Math.max(...wide.stdout.split("\n").map((l) => l.length))).toBeGreaterThan(150);
    expect(wide.stdout).toContain("3a6f4e0b-8d7c-4e0b-8f4a-5c6b7d8e9fa4");
  });
});

describe("colour", () => {
  it("highlights FAIL and critical on a terminal, and never with NO_COLOR or in a pipe", async () => {
    const db = join(tmp(), "c.db");
    await runCli(["--db", db, "evaluate", "--input", SNAPSHOT]);
    delete process.env.NO_COLOR;
    delete process.env.FORCE_COLOR;
    delete process.env.TERM;
    asTerminal(undefined);
    const piped = await runCli(["--db", db, "findings"]);
    expect(piped.stdout).not.toMatch(ANSI);
    asTerminal(200);
    const tty = await runCli(["--db", db, "findings"]);
    expect(tty.stdout).toContain("\u001b[31mFAIL\u001b[39m");
    expect(tty.stdout).toContain("\u001b[1m\u001b[31mcritical\u001b[39m\u001b[22m");
    // Colour does not move the columns: without the escapes, the lines are the plain ones.
    process.env.NO_COLOR = "1";
    const plain = await runCli(["--db", db, "findings"]);
    expect(plain.stdout).not.toMatch(ANSI);
    expect(tty.stdout.replace(ANSI, "")).toBe(plain.stdout);
  });

  it("follows Node's precedence: FORCE_COLOR over NO_COLOR over the terminal", () => {
    expect(colorWanted({ isTTY: true }, {})).toBe(true);
    expect(colorWanted({ isTTY: false }, {})).toBe(false);
    expect(colorWanted({ isTTY: true }, { NO_COLOR: "1" })).toBe(false);
    expect(colorWanted({ isTTY: true }, { NO_COLOR: "" })).toBe(true);
    expect(colorWanted({ isTTY: true }, { TERM: "dumb" })).toBe(false);
    expect(colorWanted({ isTTY: false }, { FORCE_COLOR: "1" })).toBe(true);
    expect(colorWanted({ isTTY: true }, { FORCE_COLOR: "0", NO_COLOR: "" })).toBe(false);
    expect(colorWanted({ isTTY: false }, { FORCE_COLOR: "1", NO_COLOR: "1" })).toBe(true);
  });
});
