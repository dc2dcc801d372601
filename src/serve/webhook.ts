// Notifications after a complete scan: a POST to each webhook when FAIL findings at or above its
// severity appeared since the previous complete scan, or coverage gaps grew. JSON (dpscan's body)
// or Slack's `{text}`. Retries with exponential backoff and jitter on network errors, 429 and 5xx;
// a webhook that keeps failing is logged and given up, never failing the scan. The URL is never
// logged (a Slack URL is a credential): only its host.
import { severityRank, SEVERITIES, type Severity } from "../model/severity.js";
import { clip } from "../util/text.js";
import type { ScanChange } from "./changes.js";
import type { WebhookConfig } from "./config.js";
import type { Log } from "./scheduler.js";

/** Findings listed in one notification; the count covers the rest. */
const LISTED = 50;
const ATTEMPT_TIMEOUT_MS = 10_000;

export interface DeliveryOptions {
  /** First retry's delay; doubles per retry (default 1 s). */
  baseDelayMs?: number;
  log: Log;
  /** Counts deliveries for /metrics. */
  counted?(result: "delivered" | "failed"): void;
}

/** The notification a webhook should get for this change, or undefined when nothing concerns it. */
export function notification(hook: WebhookConfig, c: ScanChange): string | undefined {
  const min = severityRank(hook.minSeverity);
  const fresh = c.newFails
    .filter((f) => severityRank(f.severity) >= min)
    .sort((a, b) => severityRank(b.severity) - severityRank(a.severity));
  const dropped = hook.coverageDrop && c.previousGaps !== null && c.gaps > c.previousGaps;
  if (fresh.length === 0 && !dropped) return undefined;
  const bySeverity = Object.fromEntries(
    SEVERITIES.map((s) => [s, fresh.filter((f) => f.severity === s).length]).filter(([, n]) => n !== 0),
  ) as Partial<Record<Severity, number>>;
  if (hook.format === "slack") return JSON.stringify({ text: slackText(hook, c, fresh, dropped) });
  return JSON.stringify({
    event: "dpscan.scan.changed",
    scanId: c.scanId,
    previousScanId: c.previousScanId,
    minSeverity: hook.minSeverity,
    newFindings: {
      count: fresh.length,
      bySeverity,
      items: fresh.slice(0, LISTED).map((f) => ({
        ruleId: f.ruleId,
        severity: f.severity,
        accountId: f.accountId,
        region: f.region,
        resourceType: f.resourceType,
        resourceId: clip(f.resourceId, 256),
        arn: f.arn === null ? null : clip(f.arn, 512),
      })),
    },
    coverage: { gaps: c.gaps, previousGaps: c.previousGaps, dropped },
  });
}

/** Slack mrkdwn: resource-owned text is escaped (&, <, >) so it cannot form links or mentions. */
function slackText(
  hook: WebhookConfig,
  c: ScanChange,
  fresh: ScanChange["newFails"],
  dropped: boolean,
): string {
  const esc = (s: string): string =>
    clip(s, 200).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  const lines = [`*dpscan scan ${c.scanId}*`];
  if (fresh.length > 0) lines.push(`${fresh.length} new FAIL finding(s) at or above ${hook.minSeverity}:`);
  for (const f of fresh.slice(0, 20))
    lines.push(`• [${f.severity}] ${f.ruleId} ${f.accountId} ${f.region} ${esc(f.resourceId)}`);
  if (fresh.length > 20) lines.push(`… and ${fresh.length - 20} more`);
  if (dropped) lines.push(`Coverage dropped: ${c.gaps} gap(s), ${c.previousGaps ?? 0} before.`);
  return lines.join("\n");
}

/** POST `body`, retrying; resolves with whether it was delivered. Never rejects. */
export async function deliver(hook: WebhookConfig, body: string, o: DeliveryOptions): Promise<boolean> {
  const host = safeHost(hook.url);
  const base = o.baseDelayMs ?? 1000;
  for (let attempt = 0; attempt <= hook.retries; attempt++) {
    if (attempt > 0) await sleep(base * 2 ** (attempt - 1) * (0.5 + Math.random() / 2));
    let outcome: string;
    try {
      const res = await fetch(hook.url, {
        method: "POST",
        headers: { "content-type": "application/json", "user-agent": "dpscan-webhook" },
        body,
        redirect: "error",
        signal: AbortSignal.timeout(ATTEMPT_TIMEOUT_MS),
      });
      await res.arrayBuffer().catch(() => undefined);
      if (res.ok) {
        o.log("webhook.delivered", { host, attempt: attempt + 1, status: res.status });
        o.counted?.("delivered");
        return true;
      }
      outcome = `HTTP ${res.status}`;
      if (res.status < 500 && res.status !== 429) {
        o.log("webhook.failed", { host, attempt: attempt + 1, error: outcome, retry: false });
        break;
      }
    } catch (err) {
      outcome = (err as Error).name === "TimeoutError" ? "timeout" : "connection failed";
    }
    o.log("webhook.failed", { host, attempt: attempt + 1, error: outcome, retry: attempt < hook.retries });
  }
  o.counted?.("failed");
  return false;
}

/** Notify every webhook the change concerns, in parallel. */
export async function notifyAll(
  hooks: readonly WebhookConfig[],
  c: ScanChange,
  o: DeliveryOptions,
): Promise<void> {
  await Promise.all(
    hooks.map(async (h) => {
      const body = notification(h, c);
      if (body !== undefined) await deliver(h, body, o);
    }),
  );
}

function safeHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return "(invalid URL)";
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
