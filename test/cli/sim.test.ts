// `dpscan sim` can be scripted: a port in use is bad usage, the environment can be written to a
// file or printed alone, `dpscan sim -- CMD` runs one command against a fresh simulator and exits
// with its code, and its count flags do not share names with scan's lists.
import { readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { join } from "node:path";
import type { Command } from "commander";
import { describe, expect, it } from "vitest";
import { EXIT } from "../../src/util/errors.js";
import { COMMANDS, buildProgram, main } from "../../src/cli/main.js";
import { runCli } from "../helpers/cli.js";
import { ensureBuilt, runProcess } from "../helpers/process.js";
import { useTmpDir } from "../helpers/tmp.js";

const tmp = useTmpDir();

/** Names Node.js reads as its own options even after the script (nodejs/node#54232). */
const NODE_READS_AFTER_SCRIPT = ["--env-file", "--env-file-if-exists"];

describe("dpscan sim, scripted", () => {
  it("--write-env writes the environment from the installed command (a real process)", async () => {
    ensureBuilt();
    const envFile = join(tmp(), "real.env");
    const r = await runProcess(["sim", "--demo", "--write-env", envFile, "--", process.execPath, "-e", "0"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(readFileSync(envFile, "utf8")).toMatch(/^AWS_ENDPOINT_URL=http:\/\/127\.0\.0\.1:\d+\n/);
  });

  it("--env-file, the name Node.js takes for itself, is exit 2 naming --write-env", async () => {
    ensureBuilt();
    // The file exists, so Node 20 loads it and starts dpscan, which then refuses the flag.
    const existing = join(tmp(), "old.env");
    writeFileSync(existing, "DPSCAN_TEST_LEAK=1\n");
    const r = await runProcess(["sim", "--demo", "--env-file", existing]);
    expect(r.code).toBe(EXIT.badInput);
    expect(r.stderr).toContain("--write-env FILE");
  });

  it("no dpscan option has a name Node.js reads after the script", async () => {
    const names: string[] = [];
    const walk = (c: Command): void => {
      for (const o of c.options) if (o.long && !o.hidden) names.push(`${c.name()} ${o.long}`);
      c.commands.forEach(walk);
    };
    const program = buildProgram();
    // Each command's options are defined when it runs (main.ts loads its module then).
    for (const e of COMMANDS) {
      const sub = program.commands.find((c) => c.name() === e.name);
      if (sub) (await e.load()).define(sub);
    }
    walk(program);
    expect(names.length).toBeGreaterThan(100);
    expect(names.filter((n) => NODE_READS_AFTER_SCRIPT.includes(n.split(" ")[1] ?? ""))).toEqual([]);
  });

  it("a port in use is exit 2 with 'port N is in use'", async () => {
    const taken: Server = createServer();
    await new Promise<void>((r) => taken.listen(0, "127.0.0.1", r));
    const port = (taken.address() as { port: number }).port;
    try {
      const r = await runCli(["sim", "--demo", "--port", String(port)]);
      expect(r.code).toBe(EXIT.badInput);
      expect(r.stderr).toBe(`dpscan: --port ${port}: port ${port} is in use\n`);
    } finally {
      taken.close();
    }
  });

  it("sim -- CMD runs the command against a fresh simulator and exits with its code", async () => {
    const envFile = join(tmp(), "sim.env");
    const saved = process.env.AWS_PROFILE;
    process.env.AWS_PROFILE = "someone-elses";
    // The command reaches the simulator with its keys, and the caller's profile does not leak in.
    const script = [
      "if (process.env.AWS_PROFILE) process.exit(3);",
      "if (!/^AKIA/.test(process.env.AWS_ACCESS_KEY_ID)) process.exit(4);",
      "fetch(process.env.AWS_ENDPOINT_URL).then((r) => process.exit(r.status > 0 ? 7 : 5), () => process.exit(6));",
    ].join(" ");
    try {
      const r = await runCli(["sim", "--demo", "--write-env", envFile, "--", process.execPath, "-e", script]);
      expect(r.stderr).toBe("");
      expect(r.code).toBe(7);
    } finally {
      if (saved === undefined) delete process.env.AWS_PROFILE;
      else process.env.AWS_PROFILE = saved;
    }
    const lines = readFileSync(envFile, "utf8").trim().split("\n");
    expect(lines.map((l) => l.split("=")[0])).toEqual([
      "AWS_ENDPOINT_URL",
      "AWS_ACCESS_KEY_ID",
      "AWS_SECRET_ACCESS_KEY",
      "AWS_REGION",
    ]);
    expect(lines[0]).toMatch(/^AWS_ENDPOINT_URL=http:\/\/127\.0\.0\.1:\d+$/);
    const missing = await runCli(["sim", "--demo", "--", "/nonexistent/command"]);
    expect(missing.code).toBe(127);
    expect(missing.stderr).toBe("dpscan: sim: cannot run /nonexistent/command: ENOENT\n");
  });

  it("--print-env prints only the environment on stdout", async () => {
    const out: string[] = [];
    const err: string[] = [];
    const [ow, ew] = [process.stdout.write.bind(process.stdout), process.stderr.write.bind(process.stderr)];
    process.stdout.write = ((c: string) => (out.push(String(c)), true)) as typeof process.stdout.write;
    process.stderr.write = ((c: string) => (err.push(String(c)), true)) as typeof process.stderr.write;
    let running: Promise<number> | undefined;
    try {
      running = main(["node", "dpscan", "sim", "--demo", "--print-env"]);
      while (!out.join("").includes("AWS_REGION")) await new Promise((r) => setTimeout(r, 10));
      process.emit("SIGINT");
      expect(await running).toBe(0);
    } finally {
      process.stdout.write = ow;
      process.stderr.write = ew;
    }
    const lines = out.join("").trim().split("\n");
    expect(lines[0]).toBe("unset AWS_PROFILE AWS_SESSION_TOKEN");
    expect(lines.slice(1).every((l) => /^export AWS_[A-Z_]+=\S+$/.test(l))).toBe(true);
    expect(err.join("")).toContain("dpscan simulator listening on");
  });

  it("count flags are --account-count and --region-count; the old names say so", async () => {
    const r = await runCli(["sim", "--generate", "--accounts", "3"]);
    expect(r.code).toBe(EXIT.badInput);
    expect(r.stderr).toContain("sim counts are --account-count N and --region-count N");
    const help = await runCli(["sim", "--help"]);
    expect(help.stdout).toContain("--account-count <n>");
    expect(help.stdout).not.toMatch(/--accounts\b/);
  });
});
