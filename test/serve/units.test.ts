// The service's parts on their own: the database lock, tokens, the rate limiter, webhook bodies
// and retries, and the serve: section's errors.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { acquireDbLock, lockFileOf } from "../../src/app/db-lock.js";
import { serviceSettings } from "../../src/cli/serve.js";
import { presentedToken, TokenSet } from "../../src/serve/auth.js";
import type { ScanChange } from "../../src/serve/changes.js";
import type { WebhookConfig } from "../../src/serve/config.js";
import { RateLimiter } from "../../src/serve/guard.js";
import { deliver, notification } from "../../src/serve/webhook.js";
import { InputError, UsageError } from "../../src/util/errors.js";
import { runCli } from "../helpers/cli.js";
import { useTmpDir } from "../helpers/tmp.js";
import { OPERATOR_TOKEN, READ_TOKEN, webhookReceiver, writeTokens } from "./helpers.js";

const tmp = useTmpDir();

describe("database write lock", () => {
  it("refuses a second writer, takes over a dead one's lock, and releases only its own", () => {
    const db = join(tmp(), "x.db");
    const lock = acquireDbLock(db, "dpscan serve");
    const owner = JSON.parse(readFileSync(lockFileOf(db), "utf8")) as { pid: number; host: string };
    expect(owner).toMatchObject({ pid: process.pid, host: hostname() });
    expect(() => acquireDbLock(db, "dpscan scan")).toThrow(UsageError);
    lock.release();
    expect(existsSync(lockFileOf(db))).toBe(false);

    // A lock left by a process that is gone (here: one that has exited) is stale.
    const dead = spawnSync(process.execPath, [
      "-e",
      "process.stdout.write(String(process.pid))",
    ]).stdout.toString();
    writeFileSync(
      lockFileOf(db),
      JSON.stringify({ pid: Number(dead), host: hostname(), startedAt: "x", holder: "dpscan scan" }),
    );
    const taken = acquireDbLock(db, "dpscan scan");
    taken.release();
    // Another host's lock cannot be judged from here: it holds.
    writeFileSync(
      lockFileOf(db),
      JSON.stringify({ pid: Number(dead), host: "elsewhere", startedAt: "x", holder: "dpscan serve" }),
    );
    expect(() => acquireDbLock(db, "dpscan scan")).toThrow(/written by dpscan serve \(PID \d+ on elsewhere/);
  });
});

describe("tokens", () => {
  it("knows its tokens and roles, from the file and the environment, and nothing else", () => {
    const file = writeTokens(tmp());
    const env = { DPSCAN_OPERATOR_TOKEN: "env-operator-token-0123456789abc" };
    const t = TokenSet.load(file, env);
    expect(t.size).toBe(3);
    expect(t.check(READ_TOKEN)).toEqual({ name: "grafana", role: "read" });
    expect(t.check(OPERATOR_TOKEN)).toEqual({ name: "ops", role: "operator" });
    expect(t.check(env.DPSCAN_OPERATOR_TOKEN)).toEqual({
      name: "env:DPSCAN_OPERATOR_TOKEN",
      role: "operator",
    });
    expect(t.check(`${READ_TOKEN}x`)).toBeUndefined();
    expect(t.check("")).toBeUndefined();
    expect(() => TokenSet.load(undefined, { DPSCAN_READ_TOKEN: "short" })).toThrow(InputError);
  });

  it("reads Bearer and Basic (token as password) headers", () => {
    expect(presentedToken("Bearer abc")).toBe("abc");
    expect(presentedToken(`Basic ${Buffer.from("u:p:q").toString("base64")}`)).toBe("p:q");
    expect(presentedToken("Token abc")).toBeUndefined();
    expect(presentedToken(undefined)).toBeUndefined();
  });

  it("names file, line and column of a bad tokens file, without echoing a token", () => {
    const file = join(tmp(), "tokens.yaml");
    writeFileSync(file, "tokens:\n  - name: ops\n    role: admin\n    token: tooshort-secret\n");
    try {
      TokenSet.load(file, {});
      expect.unreachable();
    } catch (err) {
      const text = (err as InputError).lines.join("\n");
      expect(text).toMatch(/tokens\.yaml:3:11: tokens\[0\]\.role: must be one of: read, operator/);
      expect(text).toMatch(/tokens\.yaml:4:12: tokens\[0\]\.token/);
      expect(text).not.toContain("tooshort-secret");
    }
  });
});

describe("rate limiter", () => {
  it("lets a burst of its rate through, then asks to wait, then refills", () => {
    let now = 0;
    const r = new RateLimiter(3, () => now);
    expect([r.take("a"), r.take("a"), r.take("a")]).toEqual([0, 0, 0]);
    expect(r.take("a")).toBeGreaterThan(0);
    expect(r.take("b")).toBe(0);
    now += 20_000;
    expect(r.take("a")).toBe(0);
  });
});

const change: ScanChange = {
  scanId: 7,
  previousScanId: 6,
  newFails: [
    {
      ruleId: "ebs-volume-unencrypted",
      accountId: "111111111111",
      region: "us-east-1",
      resourceType: "AWS::EC2::Volume",
      resourceId: "<@U123|x> & co",
      arn: null,
      severity: "high",
    },
    {
      ruleId: "s3-bucket-key-disabled",
      accountId: "111111111111",
      region: "us-east-1",
      resourceType: "AWS::S3::Bucket",
      resourceId: "b",
      arn: null,
      severity: "low",
    },
  ],
  resolved: 1,
  gaps: 2,
  previousGaps: 2,
};
const hook = (over: Partial<WebhookConfig> = {}): WebhookConfig => ({
  url: "http://127.0.0.1:1/",
  format: "json",
  minSeverity: "high",
  coverageDrop: true,
  retries: 2,
  ...over,
});

describe("webhooks", () => {
  it("notifies new findings at or above the severity, or a coverage drop, and nothing else", () => {
    const body = JSON.parse(notification(hook(), change) ?? "{}") as { newFindings: { count: number } };
    expect(body.newFindings.count).toBe(1);
    expect(notification(hook({ minSeverity: "critical" }), change)).toBeUndefined();
    expect(notification(hook({ minSeverity: "critical" }), { ...change, gaps: 3 })).toContain(
      '"dropped":true',
    );
    const slack = JSON.parse(notification(hook({ format: "slack" }), change) ?? "{}") as { text: string };
    expect(slack.text).toContain("&lt;@U123|x&gt; &amp; co");
    expect(slack.text).not.toContain("<@U123");
  });

  it("retries on 5xx, gives up after its retries, and never throws", async () => {
    const flaky = await webhookReceiver(2);
    const logs: string[] = [];
    try {
      expect(
        await deliver(hook({ url: flaky.url }), "{}", { baseDelayMs: 1, log: (e) => logs.push(e) }),
      ).toBe(true);
      expect(flaky.hits).toBe(3);
      const down = await webhookReceiver(10);
      expect(
        await deliver(hook({ url: down.url, retries: 1 }), "{}", {
          baseDelayMs: 1,
          log: (e) => logs.push(e),
        }),
      ).toBe(false);
      expect(down.hits).toBe(2);
      await down.close();
      expect(
        await deliver(hook({ url: "http://127.0.0.1:1/", retries: 0 }), "{}", {
          baseDelayMs: 1,
          log: () => undefined,
        }),
      ).toBe(false);
    } finally {
      await flaky.close();
    }
  });
});

describe("serve settings", () => {
  it("names the file, line and column of a bad cron, time zone or duplicate schedule", () => {
    const file = join(tmp(), "c.yaml");
    writeFileSync(
      file,
      "serve:\n  schedules:\n    - name: a\n      cron: '61 * * * *'\n    - name: a\n      cron: '0 2 * * *'\n      timezone: Mars/Olympus\n",
    );
    try {
      serviceSettings({ config: file });
      expect.unreachable();
    } catch (err) {
      const lines = (err as InputError).lines;
      expect(lines[0]).toMatch(/c\.yaml:4:13: schedules\.0\.cron: /);
      expect(lines.join("\n")).toContain('"a" is used twice');
      expect(lines.join("\n")).toContain('unknown time zone "Mars/Olympus"');
    }
  });

  it("refuses to listen beyond loopback without tokens", async () => {
    const dir = tmp();
    const r = await runCli([
      "--db",
      join(dir, "x.db"),
      "serve",
      "--no-config",
      "--host",
      "0.0.0.0",
      "--port",
      "0",
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("refusing to listen on 0.0.0.0 without API tokens");
    expect(existsSync(lockFileOf(join(dir, "x.db")))).toBe(false);
  });
});

describe("deploy/dpscan-serve.service", () => {
  it("starts a command and flags the CLI has, and stops within the unit's timeout", async () => {
    const { buildProgram } = await import("../../src/cli/main.js");
    const { STOP_DEADLINE_MS } = await import("../../src/serve/service.js");
    const unit = readFileSync("deploy/dpscan-serve.service", "utf8");
    const exec = /^ExecStart=\/usr\/bin\/env dpscan (.*)$/m.exec(unit)?.[1]?.split(/\s+/) ?? [];
    const program = buildProgram();
    const at = exec.indexOf("serve");
    expect(at).toBeGreaterThan(0);
    const serve = program.commands.find((c) => c.name() === "serve");
    const known = (cmd: typeof program, flag: string): boolean => cmd.options.some((o) => o.long === flag);
    for (const f of exec.slice(0, at).filter((x) => x.startsWith("--"))) expect(known(program, f)).toBe(true);
    for (const f of exec.slice(at + 1).filter((x) => x.startsWith("--")))
      expect(serve && known(serve, f)).toBe(true);
    const timeout = Number(/^TimeoutStopSec=(\d+)$/m.exec(unit)?.[1]);
    expect(timeout * 1000).toBeGreaterThan(STOP_DEADLINE_MS);
  });
});
