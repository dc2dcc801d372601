// /metrics in Prometheus text format (prom-client, its own registry). Figures of the latest
// complete scan are read from the store at each scrape, so they survive restarts and always agree
// with the API; the service's own activity (scans started, slots skipped, webhooks, HTTP) is
// counted in memory. Names follow Prometheus conventions: dpscan_ prefix, units in names.
import { collectDefaultMetrics, Counter, Gauge, Registry } from "prom-client";
import { isCoverageGap } from "../model/coverage.js";
import type { Store } from "../store/store.js";
import type { Scheduler } from "./scheduler.js";

const SCAN_STATUSES = ["running", "complete", "failed", "interrupted"] as const;

export interface ServiceMetrics {
  registry: Registry;
  scans: Counter<"schedule" | "result">;
  skippedSlots: Counter<"schedule">;
  webhooks: Counter<"result">;
  httpRequests: Counter<"method" | "route" | "status">;
}

export function createMetrics(store: Store, scheduler: () => Scheduler | undefined): ServiceMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "dpscan_process_" });
  const gauge = <L extends string>(
    name: string,
    help: string,
    labelNames: readonly L[],
    collect: (g: Gauge<L>) => void,
  ): void => {
    new Gauge<L>({
      name,
      help,
      labelNames,
      registers: [registry],
      collect() {
        this.reset();
        collect(this);
      },
    });
  };
  const latestScan = () => store.listScans(1)[0];
  const latestComplete = () => store.latestCompleteScan();

  gauge("dpscan_last_scan_start_timestamp_seconds", "Start of the latest scan", [], (g) => {
    const s = latestScan();
    if (s) g.set(Date.parse(s.startedAt) / 1000);
  });
  gauge("dpscan_last_scan_end_timestamp_seconds", "End of the latest scan that ended", [], (g) => {
    const s = store.listScans(20).find((x) => x.finishedAt);
    if (s?.finishedAt) g.set(Date.parse(s.finishedAt) / 1000);
  });
  gauge("dpscan_last_scan_status", "1 for the latest scan's status", ["status"], (g) => {
    const s = latestScan();
    if (s) for (const st of SCAN_STATUSES) g.set({ status: st }, s.status === st ? 1 : 0);
  });
  gauge("dpscan_last_complete_scan_timestamp_seconds", "End of the latest complete scan", [], (g) => {
    const s = latestComplete();
    if (s?.finishedAt) g.set(Date.parse(s.finishedAt) / 1000);
  });
  gauge("dpscan_last_scan_duration_seconds", "Duration of the latest complete scan", [], (g) => {
    const s = latestComplete();
    if (s?.durationMs != null) g.set(s.durationMs / 1000);
  });
  gauge("dpscan_scan_running", "1 while a scan runs", [], (g) => g.set(scheduler()?.running ? 1 : 0));
  gauge("dpscan_resources", "Resources of the latest complete scan", ["account", "resource_type"], (g) => {
    const s = latestComplete();
    if (s)
      for (const r of store.accountStats(s.id).resources)
        g.set({ account: r.accountId, resource_type: r.resourceType }, r.count);
  });
  gauge("dpscan_findings", "Findings of the latest complete scan", ["account", "severity", "status"], (g) => {
    const s = latestComplete();
    if (s)
      for (const f of store.accountStats(s.id).findings)
        g.set({ account: f.accountId, severity: f.severity, status: f.status }, f.count);
  });
  perAccountCoverage(gauge, store);
  gauge("dpscan_last_scan_throttles", "Throttled API calls of the latest complete scan", [], (g) => {
    const t = latestComplete()?.summary?.throttles;
    if (typeof t === "number") g.set(t);
  });

  return {
    registry,
    scans: new Counter({
      name: "dpscan_scans_total",
      help: "Scans this process ran, by how they ended",
      labelNames: ["schedule", "result"],
      registers: [registry],
    }),
    skippedSlots: new Counter({
      name: "dpscan_schedule_skipped_total",
      help: "Cron slots skipped because a scan was still running",
      labelNames: ["schedule"],
      registers: [registry],
    }),
    webhooks: new Counter({
      name: "dpscan_webhook_deliveries_total",
      help: "Webhook notifications, delivered or given up",
      labelNames: ["result"],
      registers: [registry],
    }),
    httpRequests: new Counter({
      name: "dpscan_http_requests_total",
      help: "HTTP requests served",
      labelNames: ["method", "route", "status"],
      registers: [registry],
    }),
  };
}

type GaugeMaker = <L extends string>(
  name: string,
  help: string,
  labelNames: readonly L[],
  collect: (g: Gauge<L>) => void,
) => void;

/** Coverage gaps and API calls per account of the latest complete scan. */
function perAccountCoverage(gauge: GaugeMaker, store: Store): void {
  const rows = () => {
    const s = store.latestCompleteScan();
    return s ? store.accountStats(s.id).coverage : [];
  };
  gauge("dpscan_coverage_gaps", "Denied or failed listings of the latest complete scan", ["account"], (g) => {
    const by = new Map<string, number>();
    for (const r of rows())
      by.set(r.accountId, (by.get(r.accountId) ?? 0) + (isCoverageGap(r) ? r.count : 0));
    for (const [account, n] of by) g.set({ account }, n);
  });
  gauge("dpscan_last_scan_api_calls", "API calls of the latest complete scan", ["account"], (g) => {
    const by = new Map<string, number>();
    for (const r of rows()) by.set(r.accountId, (by.get(r.accountId) ?? 0) + (r.apiCalls ?? 0));
    for (const [account, n] of by) g.set({ account }, n);
  });
}
