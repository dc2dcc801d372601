// Simulators for tests and the SDK clients that call them, closed and destroyed when done: one per
// test file (useSimulator) or one per test (withSimulator). Imports vitest's hooks, so it lives
// apart from test/helpers/sim.ts, which suites outside test/sim import too.
import { afterAll, beforeAll } from "vitest";
import { startSimulator } from "../../src/sim/wire/server.js";
import type { Simulator, SimulatorOptions } from "../../src/sim/wire/server.js";
import { sdkConfig } from "../helpers/sim.js";
import type { SimSdkConfig } from "../helpers/sim.js";

interface Destroyable {
  destroy(): void;
}

/**
 * A new `Client` signing for `region` as `account` (default: the management account), with one
 * attempt so that errors reach the test unretried; `extra` adds client options.
 */
export type ClientFactory = <C extends Destroyable>(
  Client: new (config: SimSdkConfig) => C,
  region?: string,
  account?: string,
  extra?: object,
) => C;

/** A client factory for `sim`, and the clients it handed out. */
function clientsFor(sim: () => Simulator): { client: ClientFactory; clients: Destroyable[] } {
  const clients: Destroyable[] = [];
  const client: ClientFactory = (Client, region = "us-east-1", account, extra = {}) => {
    const s = sim();
    const creds = account === undefined ? s.credentials : s.credentialsFor(account);
    const c = new Client({ ...sdkConfig(s, region, creds, { maxAttempts: 1 }), ...extra });
    clients.push(c);
    return c;
  };
  return { client, clients };
}

/** A simulator for the whole test file: started before its tests, closed after them. */
export function useSimulator(options: SimulatorOptions): { client: ClientFactory } {
  let sim: Simulator | undefined;
  const { client, clients } = clientsFor(() => {
    if (!sim) throw new Error("the simulator is not running: ask for clients inside tests or hooks");
    return sim;
  });
  beforeAll(async () => {
    sim = await startSimulator(options);
  });
  afterAll(async () => {
    for (const c of clients) c.destroy();
    await sim?.close();
  });
  return { client };
}

/** A simulator for one test: `fn` runs against it, then it is closed whatever happened. */
export async function withSimulator<T>(
  options: SimulatorOptions,
  fn: (sim: Simulator, client: ClientFactory) => Promise<T>,
): Promise<T> {
  const sim = await startSimulator(options);
  const { client, clients } = clientsFor(() => sim);
  try {
    return await fn(sim, client);
  } finally {
    for (const c of clients) c.destroy();
    await sim.close();
  }
}
