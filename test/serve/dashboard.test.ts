// The dashboard in real headless Chromium (the system's, driven by playwright-core): the demo scan
// renders with no console error, no CSP violation, no request leaving the service, no script from
// the demo's hostile tags, and the findings filter works.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CHROMIUM_ARGS, chromiumExecutable } from "../../src/report/pdf.js";
import { startCli, waitFor, type LiveCli } from "./helpers.js";

/** The demo volume whose Name tag is `<script>alert(1)</script>` (see demo.yaml). */
const HOSTILE_VOLUME = "vol-08e80c43521dee2ed";

// One directory for the whole file, removed once the browser has closed: a per-test directory
// (useTmpDir) went after the first test and Chromium then wrote its profile there again.
let dir: string;
let demo: LiveCli;
let url: string;
let browser: BrowserContext;
const problems: string[] = [];
const requests: string[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "dpscan-dashboard-"));
  demo = startCli(["--db", join(dir, "demo.db"), "demo", "--serve", "--out", join(dir, "reports")]);
  url = await waitFor(() => /Dashboard: (http:\/\/127\.0\.0\.1:\d+)\//.exec(demo.stdout())?.[1]);
  // A second scan, so the trend has two points.
  const r = await fetch(`${url}/api/scans`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: '{"schedule":"demo"}',
  });
  expect(r.status).toBe(202);
  const { scanId } = (await r.json()) as { scanId: number };
  await waitFor(async () => {
    const s = (await (await fetch(`${url}/api/scans/${scanId}`)).json()) as { status: string };
    return s.status === "complete" ? true : undefined;
  });
  browser = await chromium.launchPersistentContext(join(dir, "profile"), {
    executablePath: chromiumExecutable(),
    headless: true,
    args: CHROMIUM_ARGS,
  });
  browser.on("console", (m) => {
    if (m.type() === "error" || m.type() === "warning") problems.push(`console ${m.type()}: ${m.text()}`);
  });
  browser.on("weberror", (e) => problems.push(`page error: ${e.error().message}`));
  browser.on("request", (req) => requests.push(req.url()));
  browser.on("dialog", (d) => {
    problems.push(`dialog: ${d.message()}`);
    void d.dismiss();
  });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  process.emit("SIGTERM", "SIGTERM");
  await demo?.done;
  rmSync(dir, { recursive: true, force: true });
});

describe("the dashboard in Chromium", () => {
  it("renders the demo scan: severities, trend, gaps, findings; filters and sorts", async () => {
    const page = await browser.newPage();
    const res = await page.goto(`${url}/`);
    expect(res?.status()).toBe(200);
    expect(res?.headers()["content-security-policy"]).toMatch(/script-src 'sha256-/);
    await expect.poll(() => page.locator("#severity-cards .card.critical b").textContent()).not.toBe("0");
    expect(await page.locator("#trend tbody tr").count()).toBe(2);
    expect(await page.locator("#gaps tbody tr").count()).toBeGreaterThan(0);
    expect(await page.locator("#frameworks tbody tr").count()).toBeGreaterThanOrEqual(4);

    const rows = page.locator("#findings tbody tr");
    const total = await rows.count();
    // Every FAIL and UNKNOWN of the latest scan, as the API counts them.
    const latest = (await (await fetch(`${url}/api/scans?limit=1`)).json()) as { scans: { id: number }[] };
    const detail = (await (await fetch(`${url}/api/scans/${latest.scans[0]?.id}`)).json()) as {
      findings: { status: string; count: number }[];
    };
    const open = detail.findings.filter((f) => f.status !== "PASS").reduce((a, f) => a + f.count, 0);
    expect(open).toBeGreaterThan(50);
    expect(total).toBe(open);
    expect(await page.locator("#live-filters").isVisible()).toBe(true);
    await page.fill("#filter-text", "kms-key-policy-public");
    const visible = page.locator("#findings tbody tr:not([hidden])");
    const shown = await visible.count();
    expect(shown).toBeGreaterThan(0);
    expect(shown).toBeLessThan(total);
    for (const text of await visible.allTextContents()) expect(text).toContain("kms-key-policy-public");
    expect(await page.locator("#shown").textContent()).toBe(String(shown));
    await page.fill("#filter-text", "");
    await page.selectOption("#filter-severity", "critical");
    for (const sev of await visible.locator("td:nth-child(2)").allTextContents())
      expect(sev).toBe("critical");

    // Sorting by rule puts the rows in order.
    await page.selectOption("#filter-severity", "");
    await page.click("#findings thead th:nth-child(3)");
    const ruleIds = await rows.locator("td:nth-child(3)").allTextContents();
    expect(ruleIds).toEqual([...ruleIds].sort((a, b) => a.localeCompare(b)));
    expect(problems).toEqual([]);
  });

  it("shows a resource's evidence with its hostile Name tag as text, never as script", async () => {
    const page = await browser.newPage();
    await page.goto(`${url}/`);
    await page.fill("#filter-text", HOSTILE_VOLUME);
    await page.locator("#findings tbody tr:not([hidden]) a").first().click();
    await page.waitForSelector("#tags");
    expect(await page.locator("#tags").textContent()).toContain("<script>alert(1)</script>");
    expect(await page.locator("script").count()).toBe(1); // the dashboard's own
    expect(problems).toEqual([]);
    expect(requests.filter((u) => !u.startsWith(`${url}/`))).toEqual([]);
  });

  it("opens a framework's HTML report from the dashboard", async () => {
    const page = await browser.newPage();
    await page.goto(`${url}/`);
    await page.locator("#frameworks tbody tr").first().locator("a", { hasText: "html" }).click();
    await page.waitForLoadState("load");
    expect(page.url()).toMatch(/\/api\/reports\/[a-z0-9.-]+\?format=html&scan=\d+$/);
    expect(await page.locator("h1").first().textContent()).toBeTruthy();
    expect(problems).toEqual([]);
  });

  it("reads without JavaScript: the server-side filter form", async () => {
    const ctx = await browser.browser()?.newContext({ javaScriptEnabled: false });
    const page = ctx ? await ctx.newPage() : await browser.newPage();
    await page.goto(`${url}/?status=FAIL&severity=critical`);
    const sev = await page.locator("#findings tbody tr td:nth-child(2)").allTextContents();
    expect(sev.length).toBeGreaterThan(0);
    expect(new Set(sev)).toEqual(new Set(["critical"]));
    await ctx?.close();
  });
});
