// Run collectors against the simulator through the real SDK clients, into a real SQLite file.
import { join } from "node:path";
import { expect } from "vitest";
import { ClientFactory, type ClientFactoryOptions } from "../../src/aws/clients.js";
import { runCollectors, type AccountTarget, type RunSummary } from "../../src/collect/runner.js";
import type { Collector } from "../../src/collect/types.js";
import type { ResourceRecord } from "../../src/model/resource.js";
import { SCAN_OPTIONS } from "../../src/model/scan-options.js";
import { startSimulator, type Simulator } from "../../src/sim/wire/server.js";
import { allServices } from "../../src/sim/services/index.js";
import type { World } from "../../src/sim/world/types.js";
import type { CoverageInput } from "../../src/model/coverage.js";
import { Store } from "../../src/store/store.js";

export interface CollectResult {
  sim: Simulator;
  store: Store;
  scanId: number;
  summary: RunSummary;
  records: ResourceRecord[];
  coverage: CoverageInput[];
  byId(id: string): ResourceRecord | undefined;
  close(): Promise<void>;
}

export interface CollectOptions {
  dir: string;
  /** Default: the world's management account. */
  accounts?: string[];
  /** Default: every region enabled in each account. */
  regions?: string[];
  /** In-flight API calls (default 16). */
  concurrency?: number;
  /**
   * Client pacing per service, instead of the production rates: for worlds that need thousands of
   * calls (more than one page of resources, each with its own detail calls).
   */
  rates?: ClientFactoryOptions["rates"];
}

export async function collectFromWorld(
  world: World,
  collectors: readonly Collector[],
  opts: CollectOptions,
): Promise<CollectResult> {
  const sim = await startSimulator({ world, services: allServices() });
  const store = new Store(join(opts.dir, "collect.db"));
  const scanId = store.beginScan("scan", "test");
  const factory = new ClientFactory({
    concurrency: opts.concurrency ?? 16,
    endpoint: sim.endpoint,
    ...(opts.rates ? { rates: opts.rates } : {}),
  });
  const accounts: AccountTarget[] = (opts.accounts ?? [world.managementAccountId]).map((accountId) => {
    const creds = sim.credentialsFor(accountId);
    return {
      accountId,
      credentials: async () => ({ accessKeyId: creds.accessKeyId, secretAccessKey: creds.secretAccessKey }),
    };
  });
  try {
    const summary = await runCollectors({
      store,
      scanId,
      factory,
      accounts,
      collectors,
      ...(opts.regions ? { regions: opts.regions } : {}),
      homeRegion: "us-east-1",
      accountConcurrency: SCAN_OPTIONS.accountConcurrency.default,
      partition: "aws",
      signal: new AbortController().signal,
    });
    const records = [...store.iterateResources(scanId)].map((r) => r.record);
    return {
      sim,
      store,
      scanId,
      summary,
      records,
      coverage: store.coverage(scanId),
      byId: (id) => records.find((r) => r.resourceId === id),
      async close() {
        factory.destroy();
        store.close();
        await sim.close();
      },
    };
  } catch (err) {
    factory.destroy();
    store.close();
    await sim.close();
    throw err;
  }
}

/**
 * The IAM actions (`service:Operation`) behind the calls the simulator answered for `service`,
 * sorted, each once. `except`: operations that are not the collector's (the runner's DescribeRegions).
 */
export function calledActions(r: CollectResult, service: string, except: readonly string[] = []): string[] {
  const called = r.sim.counters
    .snapshot()
    .rows.filter((x) => x.service === service && !except.includes(x.operation))
    .map((x) => `${service}:${x.operation}`);
  return [...new Set(called)].sort();
}

/** The collector called its service, and only through actions it declares. */
export function expectCalledActionsDeclared(r: CollectResult, collector: Collector): void {
  const called = calledActions(r, collector.service);
  expect(called.length).toBeGreaterThan(0);
  for (const action of called) expect(collector.actions).toContain(action);
}
