// What the routes of `dpscan serve` share: the store, the rules, the scheduler, the metrics, the
// tokens and the service's settings.
import type { Framework, ReportScope } from "../report/index.js";
import type { Rule } from "../rules/rule.js";
import type { ScanRow, Store } from "../store/store.js";
import type { TokenSet } from "./auth.js";
import type { ServiceMetrics } from "./metrics.js";
import type { Log, Scheduler } from "./scheduler.js";

export interface ApiContext {
  store: Store;
  rules: readonly Rule[];
  scheduler: Scheduler;
  metrics: ServiceMetrics;
  tokens: TokenSet;
  log: Log;
  ratePerMinute: number;
  /** Origins a browser may call the API from (CORS); empty: none. */
  corsOrigins: readonly string[];
  trendScans: number;
  /** The frameworks and their scopes: /api/reports and the dashboard's requirement summary. */
  reports?: ReportSource;
  /** False while starting and once stopping. */
  ready(): boolean;
}

/** The scan a read names (?scan=ID), else the latest complete one. */
export function scanFor(store: Store, id: number | undefined): ScanRow | undefined {
  return id === undefined ? store.latestCompleteScan() : store.getScan(id);
}

/** What the service reports on: the loaded frameworks and the scope of each (settings `reports:`). */
export interface ReportSource {
  frameworks: readonly Framework[];
  scopeFor(frameworkId: string): ReportScope;
}

/**
 * A route's query string schema: these parameters and no others (an unknown or misspelt one is a
 * 400, never silently ignored).
 */
export function strictQuery<P extends Record<string, object>>(
  properties: P,
): { type: "object"; additionalProperties: false; properties: P } {
  return { type: "object", additionalProperties: false, properties };
}

/** `?scan=ID`: a stored scan (default: the latest complete one). */
export const SCAN_PARAM = { type: "integer", minimum: 1 } as const;
