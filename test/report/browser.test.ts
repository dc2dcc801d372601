// The HTML report in a real headless Chromium (the system's, as PDF uses it): it renders without
// a console error, no payload hidden in a resource name or tag runs, the filter and the sort
// work, and the print layout makes a PDF. These tests never skip: CI installs Chromium
// (.ci/run), and without it they fail loudly.
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inMemory, prepareReport } from "../../src/report/build.js";
import type { ReportDigest } from "../../src/report/model.js";
import { launchChromium } from "../../src/report/pdf.js";
import { renderReport } from "../../src/report/render.js";
import { HOSTILE } from "../helpers/sim.js";
import { useTmpDir } from "../helpers/tmp.js";
import { deniedListing, example, openStore, OTHER, storeScan, testFramework, volume } from "./fixtures.js";

const tmp = useTmpDir();
const PAYLOADS = [
  `<script>window.__pwned="script"</script>`,
  `<img src=x onerror="window.__pwned='img'">`,
  `"><svg onload="window.__pwned='svg'">`,
  `javascript:window.__pwned='href'`,
];

let browser: Awaited<ReturnType<typeof launchChromium>>;
let model: ReportDigest;
let html: string;

beforeAll(async () => {
  const dir = tmp();
  const store = openStore(dir);
  const id = storeScan(
    store,
    [
      ...PAYLOADS.map((p, i) => volume(`vol-${i}-${p}`, null, { tags: { [p]: HOSTILE }, resourceName: p })),
      volume("vol-encrypted", "1111abcd-12ab-34cd-56ef-1234567890ab"),
      example("kms-key-rotation-disabled", "UNKNOWN", { resourceId: "key-unknown" }),
      example("kms-key-rotation-disabled", "FAIL", { resourceId: `key-${PAYLOADS[1]}` }),
    ],
    [
      {
        ...deniedListing(OTHER, "us-east-1", "secretsmanager", "ListSecrets", [
          "AWS::SecretsManager::Secret",
        ]),
        errorMessage: PAYLOADS[0] as string,
      },
    ],
  );
  model = inMemory(prepareReport(store, id, testFramework(dir)));
  store.close();
  html = renderReport(model, "html");
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
});

async function open(): Promise<{ page: Page; problems: string[] }> {
  const page = await browser.context.newPage();
  const problems: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error" || m.type() === "warning") problems.push(`${m.type()}: ${m.text()}`);
  });
  page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
  await page.setContent(html, { waitUntil: "load" });
  return { page, problems };
}

/** The resource cell of each row the filter leaves visible (page-side code as text: no DOM types here). */
const visibleRows = (page: Page): Promise<string[]> =>
  page.evaluate<string[]>(
    `[...document.querySelectorAll("#findings-table tbody tr")].filter((r) => !r.hidden).map((r) => r.cells[4].textContent)`,
  );

describe("the HTML report in Chromium", () => {
  it("renders, with no console error or CSP violation", async () => {
    const { page, problems } = await open();
    expect(await page.title()).toBe(`Test framework: compliance report for scan ${model.scan.id}`);
    expect(await page.locator("section.req").count()).toBe(model.requirements.length);
    expect(await page.locator("svg").count()).toBeGreaterThanOrEqual(2);
    // The script ran (it marks the page), so the CSP hash is right.
    expect(await page.evaluate<boolean>(`document.documentElement.classList.contains("js")`)).toBe(true);
    expect(problems).toEqual([]);
    await page.close();
  });

  it("runs no script, handler or link hidden in names, tags and messages", async () => {
    const { page, problems } = await open();
    expect(await page.evaluate<unknown>("window.__pwned")).toBeUndefined();
    expect(await page.locator("script").count()).toBe(1);
    expect(await page.locator("img, iframe, object, embed").count()).toBe(0);
    expect(await page.locator("[onerror], [onload], [onclick]").count()).toBe(0);
    expect(
      await page.$$eval("a[href]", (as) =>
        as.map((a) => a.getAttribute("href")).filter((h) => !h?.startsWith("#")),
      ),
    ).toEqual([]);
    // The payloads are on the page, as text.
    expect(await page.locator("body").innerText()).toContain(`<img src=x onerror="window.__pwned='img'">`);
    expect(problems).toEqual([]);
    await page.close();
  });

  it("filters the findings table by text, status and requirement, and sorts it", async () => {
    const { page } = await open();
    const all = await visibleRows(page);
    expect(all.length).toBe([...model.findings()].filter((f) => f.status !== "PASS").length);
    await page.fill("#f-text", "vol-2");
    expect(await visibleRows(page)).toEqual([expect.stringContaining("vol-2-")]);
    expect(await page.textContent("#f-count")).toBe("1");
    await page.fill("#f-text", "");
    await page.selectOption("#f-status", "UNKNOWN");
    const unknown = await page.$$eval("#findings-table tbody tr:not([hidden])", (rows) =>
      rows.map((r) => r.getAttribute("data-status")),
    );
    expect(unknown.length).toBeGreaterThan(0);
    expect(new Set(unknown)).toEqual(new Set(["UNKNOWN"]));
    await page.selectOption("#f-status", "");
    await page.selectOption("#f-req", "1.2");
    expect((await visibleRows(page)).every((t) => t.includes("AWS::KMS::Key"))).toBe(true);
    await page.selectOption("#f-req", "");
    // Sort by resource, then reverse it.
    await page.click("#findings-table thead th:nth-child(5) button");
    const asc = await visibleRows(page);
    expect(asc).toEqual([...asc].sort());
    await page.click("#findings-table thead th:nth-child(5) button");
    expect(await visibleRows(page)).toEqual([...asc].reverse());
    await page.close();
  });

  it("prints: controls hidden, headers repeated, a page per requirement, and a PDF", async () => {
    const { page } = await open();
    await page.emulateMedia({ media: "print" });
    const layout = await page.evaluate<{ filters: string; thead: string; breaks: string[] }>(`({
      filters: getComputedStyle(document.querySelector(".filters")).display,
      thead: getComputedStyle(document.querySelector("thead")).display,
      breaks: [...document.querySelectorAll("section.req.page")].map((e) => getComputedStyle(e).breakBefore),
    })`);
    expect(layout.filters).toBe("none");
    expect(layout.thead).toBe("table-header-group");
    expect(layout.breaks.length).toBeGreaterThan(0);
    expect(new Set(layout.breaks)).toEqual(new Set(["page"]));
    await page.close();
    const pdf = await renderReport(model, "pdf");
    expect(pdf.subarray(0, 5).toString()).toBe("%PDF-");
    expect((pdf.toString("latin1").match(/\/Type\s*\/Page\b/g) ?? []).length).toBeGreaterThanOrEqual(3);
    // Reproducible: Chromium's own timestamps are replaced by the scan's.
    expect(pdf.toString("latin1")).toContain(
      `/CreationDate (D:${model.scan.startedAt.replace(/[-:T]/g, "").slice(0, 14)}`,
    );
    expect((await renderReport(model, "pdf")).equals(pdf)).toBe(true);
  });
});
