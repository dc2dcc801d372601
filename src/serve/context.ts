// What the routes of `dpscan serve` share: the store, the rules, the scheduler, the metrics, the
// tokens and the service's settings.
import type { Rule } from "../rules/rule.js";
import type { Store } from "../store/store.js";
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
  trendScans: number;
  /** False while starting and once stopping. */
  ready(): boolean;
}
