// The real CLI in a child process, for what only a process shows: standard input, signals,
// closed pipes, two scans at once. It runs the build (dist/), rebuilt first when a source file
// is newer (one build at a time across test workers).
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdirSync, readdirSync, rmdirSync, statSync } from "node:fs";
import { join } from "node:path";

const ROOT = new URL("../../", import.meta.url).pathname;
const MAIN = join(ROOT, "dist/cli/main.js");

function newestSource(dir: string): number {
  let newest = 0;
  for (const name of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, name.name);
    newest = Math.max(newest, name.isDirectory() ? newestSource(p) : statSync(p).mtimeMs);
  }
  return newest;
}

const sleepSync = (ms: number): void => {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
};

export function ensureBuilt(): void {
  mkdirSync(join(ROOT, ".tmp"), { recursive: true });
  const lock = join(ROOT, ".tmp", "build-lock");
  for (let i = 0; ; i++) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (i > 1200) throw new Error("another test worker holds the build lock for too long");
      sleepSync(100);
    }
  }
  try {
    const built = statSync(MAIN, { throwIfNoEntry: false })?.mtimeMs ?? 0;
    if (built >= newestSource(join(ROOT, "src"))) return;
    const r = spawnSync("npx", ["tsc", "-p", "tsconfig.build.json"], { cwd: ROOT, encoding: "utf8" });
    if (r.status !== 0) throw new Error(`build failed: ${r.stdout}${r.stderr}`);
  } finally {
    rmdirSync(lock);
  }
}

export interface ProcessResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Start `dpscan ARGS` (already built); the environment is the test's plus `env`. */
export function startCli(
  args: string[],
  opts: { env?: Record<string, string>; stdio?: ("pipe" | "ignore")[] } = {},
): ChildProcess {
  return spawn(process.execPath, [join(ROOT, "bin/dpscan.js"), ...args], {
    cwd: ROOT,
    env: { ...process.env, ...opts.env },
    stdio: opts.stdio ?? ["pipe", "pipe", "pipe"],
  });
}

/** Everything a started process printed, once it exits. */
export function finished(child: ChildProcess): Promise<ProcessResult> {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout?.on("data", (b: Buffer) => out.push(b));
  child.stderr?.on("data", (b: Buffer) => err.push(b));
  return new Promise((resolve) =>
    child.on("close", (code, signal) =>
      resolve({
        code,
        signal,
        stdout: Buffer.concat(out).toString(),
        stderr: Buffer.concat(err).toString(),
      }),
    ),
  );
}

/** Run `dpscan ARGS` to completion, with `input` on its standard input. */
export async function runProcess(
  args: string[],
  opts: { input?: string | Buffer; env?: Record<string, string> } = {},
): Promise<ProcessResult> {
  const child = startCli(args, opts.env ? { env: opts.env } : {});
  const done = finished(child);
  child.stdin?.end(opts.input ?? "");
  return done;
}

/** The PID of a process that has already exited: the owner of a scan left by a crash. */
export function deadPid(): number {
  return spawnSync(process.execPath, ["-e", "0"]).pid ?? 999_999;
}
