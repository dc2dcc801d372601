// Run collectors against the simulator through the real SDK clients, into a real SQLite file.
import { join } from "node:path";
import { ClientFactory } from "../../src/aws/clients.js";
import { runCollectors, type AccountTarget, type RunSummary } from "../../src/collect/runner.js";
import type { Collector } from "../../src/collect/types.js";
import type { ResourceRecord } from "../../src/model/resource.js";
import { startSimulator, type Simulator } from "../../src/sim/server.js";
import { allServices } from "../../src/sim/services/index.js";
import type { World } from "../../src/sim/world.js";
import { Store, type CoverageInput } from "../../src/store/store.js";

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

export async function collectFromWorld(
  world: World,
  collectors: readonly Collector[],
  opts: { dir: string; accounts?: string[]; regions?: string[]; concurrency?: number },
): Promise<CollectResult> {
  const sim = await startSimulator({ world, services: allServices() });
  const store = new Store(join(opts.dir, "collect.db"));
  const scanId = store.beginScan("scan", "test");
  const factory = new ClientFactory({ concurrency: opts.concurrency ?? 16, endpoint: sim.endpoint });
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
