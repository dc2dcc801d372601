// PDF through the system's headless Chromium (Debian's chromium package), driven by
// playwright-core; nothing downloads a browser. The page is the HTML report printed with its
// print stylesheet, offline and with every request refused. Chromium stamps the PDF with the
// time it was made; those dates are replaced by the scan's start so the PDF is reproducible.
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BrowserContext } from "playwright-core";
import { UsageError } from "../util/errors.js";

const CANDIDATES = ["/usr/bin/chromium", "/usr/bin/chromium-browser"];

/** Flags that keep a headless Chromium quiet, local and unprivileged-container friendly. */
export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** The Chromium to use: $DPSCAN_CHROMIUM, or the Debian package's; a one-line error otherwise. */
export function chromiumExecutable(env: NodeJS.ProcessEnv = process.env): string {
  const override = env.DPSCAN_CHROMIUM;
  if (override) {
    if (!existsSync(override))
      throw new UsageError(`DPSCAN_CHROMIUM=${override}: no such file (PDF reports need Chromium)`);
    return override;
  }
  const found = CANDIDATES.find((p) => existsSync(p));
  if (!found)
    throw new UsageError(
      "PDF reports need Chromium, which is not installed: apt-get install chromium (or set DPSCAN_CHROMIUM to its path)",
    );
  return found;
}

/** A headless Chromium with a fresh profile, offline, every request refused; close() removes the profile. */
export async function launchChromium(): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  const executablePath = chromiumExecutable();
  const profile = mkdtempSync(join(tmpdir(), "dpscan-chromium-"));
  try {
    // Loaded when a PDF is made: importing playwright-core costs every report ≈ 0.5 s otherwise.
    const { chromium } = await import("playwright-core");
    const context = await chromium.launchPersistentContext(profile, {
      executablePath,
      headless: true,
      offline: true,
      args: CHROMIUM_ARGS,
    });
    await context.route("**/*", (route) => route.abort());
    return {
      context,
      close: async () => {
        await context.close();
        rmSync(profile, { recursive: true, force: true });
      },
    };
  } catch (err) {
    rmSync(profile, { recursive: true, force: true });
    throw err;
  }
}

/** Print HTML reports to PDF with one browser; `date` (ISO) becomes the PDF's creation date. */
export class PdfPrinter {
  private browser?: Awaited<ReturnType<typeof launchChromium>>;

  async print(html: string, date: string): Promise<Buffer> {
    this.browser ??= await launchChromium();
    const page = await this.browser.context.newPage();
    try {
      await page.setContent(html, { waitUntil: "load" });
      const pdf = await page.pdf({ format: "A4", printBackground: true, preferCSSPageSize: true });
      return fixDates(Buffer.from(pdf), date);
    } finally {
      await page.close();
    }
  }

  async close(): Promise<void> {
    await this.browser?.close();
    this.browser = undefined;
  }
}

/** Same-length replacement of Chromium's D:YYYYMMDDHHmmss stamps, so byte offsets stay valid. */
function fixDates(pdf: Buffer, iso: string): Buffer {
  const stamp = `D:${iso.replace(/[-:T]/g, "").slice(0, 14)}`;
  const text = pdf.toString("latin1").replace(/D:\d{14}(?=[+\-Z'])/g, stamp);
  return Buffer.from(text, "latin1");
}
