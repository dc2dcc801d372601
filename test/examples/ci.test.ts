// The example pipelines in examples/ci/ run as written: their shell commands are extracted from
// the YAML and run with bash, in order, as the CI system would (GitHub: one shell per step, the
// environment carried through $GITHUB_ENV, `if: always()` steps after a failure; GitLab: one
// shell for `script`, then `after_script`), with `dpscan` built from this checkout on PATH.
// Only the install commands (`npm ...`) and `uses:` actions are skipped. The demo organisation
// has critical findings, so the first run's gate fails (exit 1); with a baseline exported from
// it, the same pipeline passes: legacy findings do not block.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { beforeAll, describe, expect, it } from "vitest";
import { buildDpscan } from "../helpers/build.js";
import { sarifValidator } from "../helpers/sarif.js";
import { useTmpDir } from "../helpers/tmp.js";

const tmp = useTmpDir();
let path = "";
let buildDir = "";

beforeAll(() => {
  buildDir = join(process.env.TMPDIR ?? "/tmp", `dpscan-ci-build-${process.pid}`);
  rmSync(buildDir, { recursive: true, force: true });
  mkdirSync(buildDir);
  path = buildDpscan(buildDir);
  return () => rmSync(buildDir, { recursive: true, force: true });
});

interface Ran {
  name: string;
  code: number;
  stdout: string;
  stderr: string;
}

/** A clean environment: nothing of the test runner's AWS settings leaks into the pipeline. */
function baseEnv(extra: Record<string, string>): Record<string, string> {
  return { PATH: `${path}:${process.env.PATH ?? ""}`, HOME: process.env.HOME ?? "/tmp", LANG: "C.UTF-8", ...extra };
}

function bash(script: string, cwd: string, env: Record<string, string>): Omit<Ran, "name"> {
  const r = spawnSync("bash", ["--noprofile", "--norc", "-eo", "pipefail", "-c", script], {
    cwd,
    env,
    encoding: "utf8",
    timeout: 120_000,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

const isInstall = (script: string): boolean => /^\s*npm\s/.test(script);

function stopSimulator(cwd: string): void {
  const pidFile = join(cwd, "sim.pid");
  if (!existsSync(pidFile)) return;
  try {
    process.kill(Number(readFileSync(pidFile, "utf8").trim()));
  } catch {
    // already stopped by the pipeline's own last step
  }
}

interface GithubStep {
  name?: string;
  run?: string;
  uses?: string;
  if?: string;
}

function runGithub(cwd: string): Ran[] {
  const doc = parse(readFileSync("examples/ci/github-actions.yml", "utf8")) as {
    jobs: Record<string, { steps: GithubStep[] }>;
  };
  const githubEnv = join(cwd, "github-env");
  const summary = join(cwd, "step-summary.md");
  writeFileSync(githubEnv, "");
  const env = baseEnv({ GITHUB_ACTIONS: "true", GITHUB_ENV: githubEnv, GITHUB_STEP_SUMMARY: summary, CI: "true" });
  const ran: Ran[] = [];
  let failed = false;
  try {
    for (const step of Object.values(doc.jobs)[0]?.steps ?? []) {
      if (!step.run || isInstall(step.run)) continue;
      if (failed && !(step.if ?? "").includes("always()")) continue;
      const r = bash(step.run, cwd, env);
      ran.push({ name: step.name ?? step.run, ...r });
      failed ||= r.code !== 0;
      // Later steps see what this one appended to $GITHUB_ENV, as on GitHub.
      for (const line of readFileSync(githubEnv, "utf8").split("\n")) {
        const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
        if (m) env[m[1] as string] = m[2] as string;
      }
    }
  } finally {
    stopSimulator(cwd);
  }
  return ran;
}

function runGitlab(cwd: string): Ran[] {
  const doc = parse(readFileSync("examples/ci/gitlab-ci.yml", "utf8")) as Record<
    string,
    { before_script?: string[]; script: string[]; after_script?: string[] }
  >;
  const job = doc.dpscan;
  if (!job) throw new Error("examples/ci/gitlab-ci.yml has no dpscan job");
  const env = baseEnv({ GITLAB_CI: "true", CI: "true" });
  try {
    const before = (job.before_script ?? []).filter((l) => !isInstall(l));
    const main = bash([...before, ...job.script].join("\n"), cwd, env);
    const after = bash((job.after_script ?? []).join("\n"), cwd, env);
    return [
      { name: "script", ...main },
      { name: "after_script", ...after },
    ];
  } finally {
    stopSimulator(cwd);
  }
}

/** A first run fails on the demo's critical findings; with the baseline it exports, a fresh run passes. */
function exportBaseline(cwd: string): void {
  mkdirSync(join(cwd, ".dpscan"));
  const r = bash("dpscan baseline export -o .dpscan/baseline.json", cwd, baseEnv({}));
  expect(r.code, r.stderr).toBe(0);
  for (const f of ["dpscan.db", "dpscan.db-wal", "dpscan.db-shm"]) rmSync(join(cwd, f), { force: true });
}

describe("examples/ci", () => {
  it("GitHub Actions: scan the simulator, gate, SARIF, JUnit, job summary and annotations", () => {
    const cwd = tmp();
    const first = runGithub(cwd);
    const gate = first.find((s) => s.name === "Scan and gate");
    expect(gate?.code, gate?.stderr).toBe(1);
    expect(gate?.stdout).toMatch(/^::error title=dpscan FAIL critical%3A /m);
    expect(gate?.stdout).toMatch(/Gate FAILED \(exit 1\): scan 1 .*fail on critical and above/);
    expect(first.at(-1)).toMatchObject({ name: "Stop the AWS simulator", code: 0 });
    const sarif = JSON.parse(readFileSync(join(cwd, "dpscan.sarif"), "utf8")) as unknown;
    const validate = sarifValidator();
    expect(validate(sarif), JSON.stringify(validate.errors)).toBe(true);
    expect(readFileSync(join(cwd, "step-summary.md"), "utf8")).toMatch(/^## ❌ dpscan gate FAILED/);
    expect(readFileSync(join(cwd, "dpscan-junit.xml"), "utf8")).toMatch(/<failure /);

    exportBaseline(cwd);
    const second = runGithub(cwd);
    const again = second.find((s) => s.name === "Scan and gate");
    expect(again?.code, `${again?.stdout}\n${again?.stderr}`).toBe(0);
    expect(again?.stdout).toMatch(/Gate passed \(exit 0\): .*new only, against \.dpscan\/baseline\.json/);
  }, 180_000);

  it("GitLab CI: the same pipeline in one shell, JUnit and summary as artifacts", () => {
    const cwd = tmp();
    const [main, after] = runGitlab(cwd);
    expect(main?.code, main?.stderr).toBe(1);
    expect(main?.stdout).toMatch(/Gate FAILED \(exit 1\)/);
    expect(main?.stdout).not.toMatch(/^::/m); // annotations are for GitHub only
    expect(after?.code).toBe(0);
    expect(readFileSync(join(cwd, "dpscan-summary.md"), "utf8")).toContain("### Blocking");
    expect(readFileSync(join(cwd, "dpscan-junit.xml"), "utf8")).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>/);

    exportBaseline(cwd);
    const [passed] = runGitlab(cwd);
    expect(passed?.code, `${passed?.stdout}\n${passed?.stderr}`).toBe(0);
  }, 180_000);
});
