// The service's parts on their own: the database lock, tokens, the rate limiter, webhook bodies
// and retries, and the serve: section's errors.
import { existsSync, readdirSync, readFileSync, utimesSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { acquireDbLock, lockFileOf, removeStale } from "../../src/app/db-lock.js";
import { readSettings } from "../../src/cli/scan-options.js";
import { serviceSettings } from "../../src/cli/serve.js";
import { presentedToken, TokenSet } from "../../src/serve/auth.js";
import type { ScanChange } from "../../src/serve/changes.js";
import type { WebhookConfig } from "../../src/serve/config.js";
import { RateLimiter } from "../../src/serve/guard.js";
import { deliver, notification } from "../../src/serve/webhook.js";
import { HEARTBEAT_MS, releaseClaim, Store } from "../../src/store/store.js";
import { InputError, UsageError } from "../../src/util/errors.js";
import { runCli } from "../helpers/cli.js";
import { deadPid } from "../helpers/process.js";
import { useTmpDir } from "../helpers/tmp.js";
import { OPERATOR_TOKEN, READ_TOKEN, webhookReceiver, writeTokens } from "./helpers.js";

const tmp = useTmpDir();

describe("database write lock", () => {
  const writeLock = (db: string, owner: object, heartbeatAgoMs = 0): void => {
    writeFileSync(lockFileOf(db), JSON.stringify(owner));
    const at = new Date(Date.now() - heartbeatAgoMs);
    utimesSync(lockFileOf(db), at, at);
  };

  it("refuses a second writer, takes over a dead one's lock, and releases only its own", () => {
    const db = join(tmp(), "x.db");
    const lock = acquireDbLock(db, "dpscan serve");
    const owner = JSON.parse(readFileSync(lockFileOf(db), "utf8")) as { pid: number; host: string };
    expect(owner).toMatchObject({ pid: process.pid, host: hostname() });
    expect(() => acquireDbLock(db, "dpscan scan")).toThrow(UsageError);
    lock.release();
    expect(existsSync(lockFileOf(db))).toBe(false);

    // A lock left by a process that is gone (here: one that has exited) is taken over.
    const dead = deadPid();
    writeLock(db, { pid: dead, host: hostname(), startedAt: "x", holder: "dpscan scan" });
    const taken = acquireDbLock(db, "dpscan scan");
    // Released by whoever holds it now, not by the old owner's record.
    writeLock(db, { pid: dead, host: hostname(), startedAt: "x", holder: "dpscan scan" });
    taken.release();
    expect(existsSync(lockFileOf(db))).toBe(true);
  });

  it("is never seen half-written, and two takers of one dead lock leave one holder", () => {
    const dir = tmp();
    const db = join(dir, "x.db");
    // A file that is not a lock (a crash of an older version mid-write) is taken over.
    writeFileSync(lockFileOf(db), "{");
    const first = acquireDbLock(db, "dpscan scan");
    const token = (JSON.parse(readFileSync(lockFileOf(db), "utf8")) as { token: string }).token;
    // No temporary file is left beside the database.
    expect(readdirSync(dir).sort()).toEqual(["x.db.lock"]);
    // A second taker that judged the old, dead lock (or the unreadable file) a moment ago and
    // now removes it finds the first taker's fresh lock instead: it is put back, not removed.
    removeStale(lockFileOf(db), "the-dead-holder");
    removeStale(lockFileOf(db), undefined);
    expect((JSON.parse(readFileSync(lockFileOf(db), "utf8")) as { token: string }).token).toBe(token);
    expect(() => acquireDbLock(db, "dpscan scan")).toThrow(UsageError);
    expect(readdirSync(dir).sort()).toEqual(["x.db.lock"]);
    // The one judged dead is removed.
    removeStale(lockFileOf(db), token);
    expect(existsSync(lockFileOf(db))).toBe(false);
    first.release();
    expect(readdirSync(dir)).toEqual([]);
  });

  it("is taken by evaluate and merge too: a database another writer holds is refused", async () => {
    const db = join(tmp(), "x.db");
    const lock = acquireDbLock(db, "dpscan serve");
    try {
      const r = await runCli(["--db", db, "evaluate", "--input", "examples/config-snapshot.json"]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain("is being written by dpscan serve");
      const m = await runCli(["merge", db, join(tmp(), "shard-0.db")]);
      expect(m.code).toBe(2);
      expect(m.stderr).toContain("is being written by dpscan serve");
    } finally {
      lock.release();
    }
  });

  it("judges its holder as a running scan's owner is judged (ownerAlive)", () => {
    const db = join(tmp(), "x.db");
    const elsewhere = { pid: 1, host: "pod-on-another-node", startedAt: new Date().toISOString() };
    // Another host's lock with a recent heartbeat holds...
    writeLock(db, { ...elsewhere, holder: "dpscan serve" });
    expect(() => acquireDbLock(db, "dpscan scan")).toThrow(
      /written by dpscan serve \(process 1 on pod-on-another-node/,
    );
    // ...and one silent for longer than four heartbeats is gone (a pod rescheduled elsewhere).
    writeLock(db, { ...elsewhere, holder: "dpscan serve" }, 5 * HEARTBEAT_MS);
    acquireDbLock(db, "dpscan scan").release();
    // This process's PID on a lock this process does not hold: a predecessor's (PID 1 again after
    // a container restart), taken over.
    const before = new Date(Date.now() - 60_000).toISOString();
    const predecessor = { pid: process.pid, host: hostname(), startedAt: before, token: "predecessor" };
    writeLock(db, { ...predecessor, holder: "dpscan serve" });
    acquireDbLock(db, "dpscan serve").release();
    // The scan row's staleness follows the same rule.
    const store = new Store(join(tmp(), "s.db"));
    try {
      const claim = { pid: process.pid, host: hostname(), token: "a-claim-of-this-pid" };
      const id = store.beginScan("scan", "t", {}, new Date(), claim);
      expect(store.getScan(id)?.stale).toBe(false); // this process's claim
      // Under this PID, but a claim this process does not hold: a predecessor's row.
      releaseClaim(claim.token);
      expect(store.getScan(id)?.stale).toBe(true);
      store.db
        .prepare("UPDATE scans SET owner_host = ?, owner_pid = 1, heartbeat_at = ? WHERE id = ?")
        .run("pod-on-another-node", new Date(Date.now() - 5 * HEARTBEAT_MS).toISOString(), id);
      expect(store.getScan(id)?.stale).toBe(true);
      expect(store.heartbeat(id, claim.token)).toBe(true);
      expect(store.getScan(id)?.stale).toBe(false);
    } finally {
      store.close();
    }
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
      serviceSettings({}, readSettings(file));
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
