// GET /api/diff: what `dpscan diff` prints, over HTTP — the two latest complete scans by default,
// or the scans named, as JSON or Markdown; bad or missing scans are 400/404, never a 500.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadRules } from "../../src/rules/loader.js";
import { TokenSet } from "../../src/serve/auth.js";
import { SERVE_DEFAULTS } from "../../src/serve/config.js";
import { startService, type RunningService } from "../../src/serve/service.js";
import { runCli } from "../helpers/cli.js";
import { useTmpDir } from "../helpers/tmp.js";
import { bearer, READ_TOKEN, writeTokens } from "./helpers.js";

const tmp = useTmpDir();

const item = (id: string, encrypted: boolean, captured: string) => ({
  resourceType: "AWS::EC2::Volume",
  resourceId: id,
  arn: `arn:aws:ec2:us-east-1:111122223333:volume/${id}`,
  awsAccountId: "111122223333",
  awsRegion: "us-east-1",
  configurationItemCaptureTime: captured,
  configuration: { encrypted, size: 8 },
});

describe("GET /api/diff", () => {
  let service: RunningService;
  beforeAll(async () => {
    const dir = tmp();
    const db = join(dir, "diff.db");
    // Scan 1: vol-a fails, vol-b passes. Scan 2: vol-a is fixed, vol-b now fails.
    const one = join(dir, "one.json");
    const two = join(dir, "two.json");
    writeFileSync(
      one,
      JSON.stringify([
        item("vol-a", false, "2026-11-01T00:00:00Z"),
        item("vol-b", true, "2026-11-01T00:00:00Z"),
      ]),
    );
    writeFileSync(
      two,
      JSON.stringify([
        item("vol-a", true, "2026-11-02T00:00:00Z"),
        item("vol-b", false, "2026-11-02T00:00:00Z"),
      ]),
    );
    for (const f of [one, two])
      expect((await runCli(["--db", db, "--no-config", "evaluate", "--input", f])).code).toBe(0);
    service = await startService({
      dbPath: db,
      settings: {
        host: "127.0.0.1",
        port: 0,
        ratePerMinute: SERVE_DEFAULTS.ratePerMinute,
        trendScans: SERVE_DEFAULTS.trendScans,
        corsOrigins: [],
        schedules: [],
        webhooks: [],
      },
      rules: loadRules(),
      tokens: TokenSet.load(writeTokens(dir), {}),
      log: () => undefined,
    });
  });
  afterAll(async () => {
    await service.stop();
  });

  const get = (path: string): Promise<Response> =>
    fetch(`${service.url}${path}`, { headers: bearer(READ_TOKEN) });

  it("compares the two latest complete scans: vol-b is new, vol-a resolved", async () => {
    const r = await get("/api/diff");
    expect(r.status).toBe(200);
    const body = (await r.json()) as {
      counts: Record<string, number>;
      changes: { change: string; resourceId: string }[];
    };
    const changes = body.changes
      .filter((c) => c.resourceId.startsWith("vol-"))
      .map((c) => `${c.change} ${c.resourceId}`)
      .sort();
    expect(changes).toEqual(["new vol-b", "resolved vol-a"]);
  });

  it("names the scans it is given, and speaks Markdown", async () => {
    const r = await get("/api/diff?from=1&to=2&format=md");
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toMatch(/^text\/markdown/);
    expect(await r.text()).toContain("vol-b");
  });

  it("refuses what it cannot compare: 400 for bad input, 404 for missing scans", async () => {
    expect((await get("/api/diff?from=2&to=1")).status).toBe(400);
    expect((await get("/api/diff?from=1&to=1")).status).toBe(400);
    expect((await get("/api/diff?from=x")).status).toBe(400);
    expect((await get("/api/diff?to=99")).status).toBe(404);
    expect((await get("/api/diff?to=1")).status).toBe(404); // the first scan: nothing before it
    expect((await fetch(`${service.url}/api/diff`)).status).toBe(401);
  });
});
