// `dpscan serve` end to end, in-process through the real CLI: a schedule a few seconds out scans
// the demo organisation on the simulator; the API, /metrics, the webhook, the database lock, a
// SIGTERM mid-scan and the resumption after a restart, and authentication.
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Ajv } from "ajv";
import { stringify } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadDemoWorld } from "../../src/sim/world/demo.js";
import { startSimulator, type Simulator } from "../../src/sim/wire/server.js";
import { allServices } from "../../src/sim/services/index.js";
import { prunedAt } from "../../src/store/prune.js";
import { Store } from "../../src/store/store.js";
import { runCli } from "../helpers/cli.js";
import { useTmpDir } from "../helpers/tmp.js";
import {
  bearer,
  cronIn,
  getJson,
  OPERATOR_TOKEN,
  READ_TOKEN,
  servedUrl,
  startCli,
  waitFor,
  webhookReceiver,
  writeTokens,
  type LiveCli,
  type Receiver,
} from "./helpers.js";

const tmp = useTmpDir();
const ajv = new Ajv({ allErrors: true });
ajv.addFormat("date-time", /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
const findingsSchema = JSON.parse(readFileSync("schemas/findings.schema.json", "utf8")) as {
  properties: { findings: { items: object } };
};
const validFinding = ajv.compile(findingsSchema.properties.findings.items);
const ENV = ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_REGION", "AWS_PROFILE"];

interface ScanJson {
  id: number;
  status: string;
  stale: boolean;
  source: string;
  progress?: { unitsDone: number } | null;
}

let sim: Simulator;
let hook: Receiver;
let saved: Record<string, string | undefined>;

beforeAll(async () => {
  // The command's module is loaded on demand (src/cli/main.ts): load it now, so the schedule's
  // few seconds are not spent compiling it.
  await import("../../src/cli/serve.js");
  sim = await startSimulator({ world: loadDemoWorld(), services: allServices() });
  hook = await webhookReceiver(1);
  saved = Object.fromEntries(ENV.map((k) => [k, process.env[k]]));
  for (const k of ENV) delete process.env[k];
  Object.assign(process.env, {
    AWS_ACCESS_KEY_ID: sim.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: sim.credentials.secretAccessKey,
    AWS_REGION: "us-east-1",
  });
});

afterAll(async () => {
  for (const k of ENV) {
    if (saved[k] === undefined) delete process.env[k];
    else process.env[k] = saved[k];
  }
  await hook.close();
  await sim.close();
});

function writeConfig(dir: string, cron: string): string {
  const scan = {
    org: true,
    roleName: "dpscan-audit",
    externalId: "dpscan-demo",
    regions: ["us-east-1", "eu-west-1", "ap-east-1"],
    endpointUrl: sim.endpoint,
    region: "us-east-1",
  };
  const file = join(dir, "dpscan.config.yaml");
  writeFileSync(
    file,
    stringify({
      serve: {
        port: 0,
        tokensFile: writeTokens(dir),
        schedules: [
          { name: "nightly", cron, timezone: "UTC", scan, after: { reportsDir: join(dir, "reports") } },
          { name: "manual", scan, after: { keepScans: 1 } },
        ],
        webhooks: [{ url: hook.url, format: "json", minSeverity: "high" }],
      },
    }),
  );
  return file;
}

const findingKeys = (db: string, scanId: number): string[] => {
  const s = new Store(db);
  try {
    return s
      .queryFindings(scanId, { statuses: ["FAIL", "UNKNOWN", "PASS"] })
      .map((f) => `${f.status} ${f.ruleId} ${f.accountId} ${f.region} ${f.resourceId}`)
      .sort();
  } finally {
    s.close();
  }
};

describe("dpscan serve", () => {
  it("runs the scheduled scan, serves it, notifies, holds the lock, and resumes after SIGTERM", async () => {
    const dir = tmp();
    const db = join(dir, "serve.db");
    const config = writeConfig(dir, cronIn(5));
    const serve: LiveCli = startCli(["--db", db, "serve", "--config", config]);
    const url = await servedUrl(serve);

    // The scheduled scan runs by itself and completes.
    const first = await waitFor(async () => {
      const r = await getJson<{ scans: ScanJson[] }>(`${url}/api/scans`);
      return r.body.scans.find((s) => s.status === "complete");
    });
    expect(first.source).toMatch(/^schedule nightly · /);
    const firstFindings = findingKeys(db, first.id);

    await checkAuth(url);
    await checkApi(url, db, first.id);
    await checkMetrics(url);

    // The webhook's first attempt failed (500); the retry delivered the new findings.
    const delivered = (await waitFor(() => hook.bodies[0])) as {
      scanId: number;
      newFindings: { count: number };
    };
    expect(hook.hits).toBeGreaterThanOrEqual(2);
    expect(delivered.scanId).toBe(first.id);
    expect(delivered.newFindings.count).toBeGreaterThan(0);

    // A second service, or a manual scan, on the same database is refused.
    const second = await runCli(["--db", db, "serve", "--config", config]);
    expect(second.code).toBe(2);
    expect(second.stderr).toMatch(/serve\.db is being written by dpscan serve \(process \d+/);
    const manual = await runCli([
      "--db",
      db,
      "scan",
      "--no-config",
      "--quiet",
      "--endpoint-url",
      sim.endpoint,
    ]);
    expect(manual.code).toBe(2);
    expect(manual.stderr).toContain("is being written by dpscan serve");

    // A scan on request, then SIGTERM while it runs: it stops after a unit, marked interrupted.
    const started = await fetch(`${url}/api/scans`, {
      method: "POST",
      headers: { ...bearer(OPERATOR_TOKEN), "content-type": "application/json" },
      body: JSON.stringify({ schedule: "manual" }),
    });
    expect(started.status).toBe(202);
    const { scanId } = (await started.json()) as { scanId: number };
    const busy = await fetch(`${url}/api/scans`, {
      method: "POST",
      headers: { ...bearer(OPERATOR_TOKEN), "content-type": "application/json" },
      body: JSON.stringify({ schedule: "nightly" }),
    });
    expect(busy.status).toBe(409);
    const running = await waitFor(async () => {
      const r = await getJson<ScanJson>(`${url}/api/scans/${scanId}`);
      return (r.body.progress?.unitsDone ?? 0) >= 1 ? r.body : undefined;
    });
    // Its ownership row says this process runs it.
    expect(running).toMatchObject({ status: "running", stale: false });
    process.emit("SIGTERM", "SIGTERM");
    expect(await serve.done).toBe(0);
    const after = new Store(db);
    expect(after.getScan(scanId)?.status).toBe("interrupted");
    after.close();
    expect(serve.stderr()).not.toContain(OPERATOR_TOKEN);

    // Restarted, the service resumes the interrupted scan; it ends with the first scan's findings.
    const again = startCli(["--db", db, "serve", "--config", config]);
    const url2 = await servedUrl(again);
    const resumed = await waitFor(async () => {
      const r = await getJson<ScanJson>(`${url2}/api/scans/${scanId}`);
      return r.body.status === "complete" ? r.body : undefined;
    });
    expect(resumed.id).toBe(scanId);
    process.emit("SIGTERM", "SIGTERM");
    expect(await again.done).toBe(0);
    expect(findingKeys(db, scanId)).toEqual(firstFindings);
    // The manual schedule keeps one complete scan: the first one was pruned after it, as `dpscan
    // prune --keep 1` prunes (its row stays, marked; its results go).
    const pruned = new Store(db);
    expect(pruned.getScan(first.id)?.status).toBe("complete");
    expect(prunedAt(pruned, first.id)).toEqual(expect.any(String));
    expect(pruned.queryFindings(first.id, { statuses: ["FAIL", "UNKNOWN", "PASS"] })).toEqual([]);
    expect(prunedAt(pruned, scanId)).toBeNull();
    pruned.close();
    // The nightly schedule wrote its reports: the finding document (with the scan's summary and
    // gaps), its CSV, and the framework reports.
    const out = join(dir, "reports", `scan-${first.id}`);
    const written = readdirSync(out).sort();
    expect(written).toEqual(
      expect.arrayContaining(["findings.csv", "findings.json", "pci-dss-4.0.html", "hipaa.json"]),
    );
    expect(written.filter((f) => f.includes(".tmp"))).toEqual([]);
    const doc = JSON.parse(readFileSync(join(out, "findings.json"), "utf8")) as {
      scan: { id: number; complete: boolean; coverageGaps: unknown[] };
      findings: { status: string }[];
    };
    expect(doc.scan).toMatchObject({ id: first.id, complete: true });
    expect(doc.scan.coverageGaps.length).toBeGreaterThan(0);
    expect(new Set(doc.findings.map((f) => f.status))).toEqual(new Set(["FAIL", "UNKNOWN", "PASS"]));
    expect(again.stderr()).toContain('"event":"scan.resume"');
  }, 240_000);
});

async function checkAuth(url: string): Promise<void> {
  expect((await fetch(`${url}/healthz`)).status).toBe(200);
  expect((await fetch(`${url}/readyz`)).status).toBe(200);
  const anonymous = await fetch(`${url}/api/scans`);
  expect(anonymous.status).toBe(401);
  expect(anonymous.headers.get("www-authenticate")).toMatch(/^Bearer/);
  expect((await fetch(`${url}/api/scans`, { headers: bearer("not-a-token-of-this-service") })).status).toBe(
    401,
  );
  const readOnlyPost = await fetch(`${url}/api/scans`, {
    method: "POST",
    headers: { authorization: `Bearer read-token-0123456789abcdef-xyz`, "content-type": "application/json" },
    body: JSON.stringify({ schedule: "manual" }),
  });
  expect(readOnlyPost.status).toBe(403);
  // A browser's Basic credentials carry the token as the password.
  const page = await fetch(`${url}/`, {
    headers: {
      authorization: `Basic ${Buffer.from("me:read-token-0123456789abcdef-xyz").toString("base64")}`,
    },
  });
  expect(page.status).toBe(200);
  expect((await fetch(`${url}/`)).headers.get("www-authenticate")).toMatch(/^Basic/);
}

async function checkApi(url: string, db: string, scanId: number): Promise<void> {
  const detail = await getJson<Record<string, unknown>>(`${url}/api/scans/${scanId}`);
  expect(detail.headers.get("content-security-policy")).toContain("default-src 'none'");
  expect(detail.headers.get("x-content-type-options")).toBe("nosniff");
  expect(detail.headers.get("x-frame-options")).toBe("DENY");
  expect(detail.headers.get("access-control-allow-origin")).toBeNull();
  expect(detail.body.status).toBe("complete");
  expect(detail.body.stale).toBe(false);
  expect(JSON.stringify(detail.body.options)).not.toContain("externalId");
  expect((detail.body.coverage as { gaps: unknown[] }).gaps.length).toBeGreaterThan(0);

  // Every FAIL and UNKNOWN, page by page, each once, as the store has them.
  const seen: number[] = [];
  let next: string | undefined;
  do {
    const r = await getJson<{ findings: { id: number }[]; next?: string }>(
      `${url}/api/findings?limit=7${next ? `&cursor=${next}` : ""}`,
    );
    expect(r.status).toBe(200);
    seen.push(...r.body.findings.map((f) => f.id));
    next = r.body.next;
  } while (next);
  const store = new Store(db);
  const expected = store.queryFindings(scanId, { statuses: ["FAIL", "UNKNOWN"] }).map((f) => f.id);
  store.close();
  expect(seen.sort((a, b) => a - b)).toEqual(expected.sort((a, b) => a - b));

  // Each finding is the finding document's (schemas/findings.schema.json), with its id and link.
  const one = await getJson<{ findings: (Record<string, unknown> & { id: number })[] }>(
    `${url}/api/findings?limit=5&status=FAIL,UNKNOWN,PASS`,
  );
  for (const { id, links, ...doc } of one.body.findings) {
    expect(links).toEqual({ evidence: `/findings/${id}` });
    expect(validFinding(doc), JSON.stringify(validFinding.errors)).toBe(true);
  }

  const critical = await getJson<{ findings: { severity: string; status: string }[] }>(
    `${url}/api/findings?severity=critical&status=FAIL`,
  );
  expect(critical.body.findings.length).toBeGreaterThan(0);
  expect(critical.body.findings.every((f) => f.severity === "critical" && f.status === "FAIL")).toBe(true);
  expect((await getJson(`${url}/api/findings?stauts=FAIL`)).status).toBe(400);
  expect((await getJson(`${url}/api/findings?cursor=bogus`)).status).toBe(400);
  expect((await getJson(`${url}/api/scans/9999`)).status).toBe(404);
  // Framework reports, built as `dpscan report` builds them.
  const report = await getJson<{
    framework: { id: string };
    scan: { id: number };
    summary: { requirements: Record<string, number> };
  }>(`${url}/api/reports/pci-dss-4.0?format=json&scan=${scanId}`);
  expect(report.status).toBe(200);
  expect(report.body.scan.id).toBe(scanId);
  expect(report.body.summary.requirements.failed).toBeGreaterThan(0);
  const html = await fetch(`${url}/api/reports/hipaa?format=html`, { headers: bearer(READ_TOKEN) });
  expect(html.headers.get("content-type")).toContain("text/html");
  expect(html.headers.get("content-security-policy")).toMatch(/script-src 'sha256-/);
  expect(await html.text()).toContain("<!doctype html>");
  expect((await getJson(`${url}/api/reports/nope`)).status).toBe(404);
  expect((await getJson(`${url}/api/reports/hipaa?format=pdf`)).status).toBe(400);
  const rules = await getJson<{ rules: { id: string }[] }>(`${url}/api/rules`);
  expect(rules.body.rules.map((r) => r.id)).toContain("ebs-volume-unencrypted");
}

async function checkMetrics(url: string): Promise<void> {
  const res = await fetch(`${url}/metrics`, { headers: bearer("read-token-0123456789abcdef-xyz") });
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toContain("text/plain");
  const text = await res.text();
  expect(text).toContain('dpscan_last_scan_status{status="complete"} 1');
  expect(text).toMatch(/dpscan_last_scan_duration_seconds \d/);
  expect(text).toMatch(/dpscan_findings\{account="222222222222",severity="critical",status="FAIL"\} \d+/);
  expect(text).toMatch(/dpscan_resources\{account="\d{12}",resource_type="AWS::EC2::Volume"\} \d+/);
  expect(text).toMatch(/dpscan_coverage_gaps\{account="333333333333"\} [1-9]/);
  expect(text).toMatch(/dpscan_last_scan_api_calls\{account="\d{12}"\} [1-9]/);
  expect(text).toContain('dpscan_scans_total{schedule="nightly",result="complete"} 1');
}
