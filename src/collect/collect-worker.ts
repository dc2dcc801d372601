// A collection worker thread: runs the same runAccounts code as the in-process path on the
// accounts the main thread hands it, with its own SDK clients (the per-call CPU is what spreads
// over the cores). Every store write and event goes to the main thread as a message, in order.
import { parentPort, workerData } from "node:worker_threads";
import type { AwsCredentialIdentity } from "@smithy/types";
import { ClientFactory } from "../aws/clients.js";
import type { CoverageInput } from "../model/coverage.js";
import type { ResourceRecord } from "../model/resource.js";
import { INSERT_BATCH, toResourceRow, type ResourceRow } from "../store/store.js";
import { factsReadIn } from "./facts.js";
import { factoryOptions } from "./factory-options.js";
import { selectCollectors } from "./registry.js";
import { runAccounts, type AccountTarget, type RunStore, type UnitSink } from "./runner.js";
import type { FromWorker, ToWorker, UnitId, WireCredentials, WorkerInit } from "./worker-protocol.js";

/** Records a worker sink holds before it posts them: one of the main thread's insert batches. */
const POST_BATCH = INSERT_BATCH;
/** Assumed-role credentials are asked for again this long before they expire. */
const REFRESH_MS = 5 * 60_000;

const port = parentPort;
if (!port) throw new Error("collect-worker.js runs as a worker thread");
const init = workerData as WorkerInit;
const post = (m: FromWorker): void => port.postMessage(m);

const controller = new AbortController();
let nextReq = 0;
const pending = new Map<number, (m: ToWorker) => void>();
const ask = (m: (req: number) => FromWorker): Promise<ToWorker> =>
  new Promise((resolve) => {
    const req = nextReq++;
    pending.set(req, resolve);
    post(m(req));
  });

port.on("message", (m: ToWorker) => {
  if (m.t === "abort") {
    controller.abort(new Error("scan stopped"));
    for (const resolve of pending.values()) resolve({ t: "account", req: -1, account: null });
    pending.clear();
    return;
  }
  const resolve = pending.get(m.req);
  pending.delete(m.req);
  resolve?.(m);
});

/** An account's credentials come from the main thread, which assumes the role (its STS pacing is the scan's). */
function credentialsOf(accountId: string): () => Promise<AwsCredentialIdentity> {
  let held: { value: AwsCredentialIdentity; until: number } | undefined;
  return async () => {
    if (held && Date.now() < held.until) return held.value;
    const reply = await ask((req) => ({ t: "creds", req, accountId }));
    if (reply.t !== "creds") throw controller.signal.reason;
    if (reply.error)
      throw Object.assign(new Error(reply.error.message), { name: reply.error.code, error: reply.error });
    const c = reply.credentials as WireCredentials;
    const value: AwsCredentialIdentity = {
      accessKeyId: c.accessKeyId,
      secretAccessKey: c.secretAccessKey,
      ...(c.sessionToken ? { sessionToken: c.sessionToken } : {}),
      ...(c.expiration !== undefined ? { expiration: new Date(c.expiration) } : {}),
    };
    held = { value, until: c.expiration !== undefined ? c.expiration - REFRESH_MS : Infinity };
    return value;
  };
}

let nextSink = 0;
class PostedSink implements UnitSink {
  readonly id = nextSink++;
  private buffer: ResourceRow[] = [];
  private added = 0;
  add(records: Iterable<ResourceRecord>): void {
    for (const r of records) {
      this.buffer.push(toResourceRow(r));
      this.added++;
      if (this.buffer.length >= POST_BATCH) this.flush();
    }
  }
  get count(): number {
    return this.added;
  }
  flush(): void {
    if (this.buffer.length > 0) post({ t: "records", sink: this.id, rows: this.buffer });
    this.buffer = [];
  }
}

/**
 * Test-only: a worker that dies right after committing its first unit, as an out-of-memory kill
 * would (test/collect/workers.test.ts checks that the scan fails and --resume completes it).
 */
const DIE_AFTER_FIRST_UNIT = process.env.DPSCAN_TEST_WORKER_DIES === "1";

const done = new Set(init.done);
const store: RunStore = {
  completedUnits: () => done,
  upsertCoverage: (_scanId: number, rows: CoverageInput[]) => post({ t: "coverage", rows }),
  sink: () => new PostedSink(),
  completeUnit(_scanId: number, unit: UnitId, sink: UnitSink, coverage: CoverageInput[]) {
    const s = sink as PostedSink;
    s.flush();
    post({ t: "complete", sink: s.id, unit, coverage });
    if (DIE_AFTER_FIRST_UNIT) process.exit(1);
  },
};

async function main(): Promise<void> {
  const factory = new ClientFactory(await factoryOptions(init.options, controller.signal, init.concurrency));
  const sent = { calls: 0, throttles: 0, retries: 0 };
  const postStats = (): void => {
    const g = factory.global;
    const delta = {
      calls: g.calls - sent.calls,
      throttles: g.throttles - sent.throttles,
      retries: g.retries - sent.retries,
    };
    if (delta.calls + delta.throttles + delta.retries === 0) return;
    Object.assign(sent, { calls: g.calls, throttles: g.throttles, retries: g.retries });
    post({ t: "stats", ...delta });
  };
  const ticker = setInterval(postStats, 250);
  const order = new Map(init.collectors.map((n, i) => [n, i]));
  const collectors = selectCollectors(init.collectors).sort(
    (a, b) => (order.get(a.name) ?? 0) - (order.get(b.name) ?? 0),
  );
  try {
    const summary = await runAccounts(
      {
        store,
        scanId: init.scanId,
        factory,
        accounts: [],
        collectors,
        ...(init.regions ? { regions: init.regions } : {}),
        homeRegion: init.homeRegion,
        partition: init.partition,
        signal: controller.signal,
        accountConcurrency: init.accountConcurrency,
        ...(init.readsText !== undefined ? { reads: factsReadIn(init.readsText) } : {}),
        events: {
          accountStarted: (accountId) => post({ t: "accountStarted", accountId }),
          accountSkipped: (accountId, reason) => post({ t: "accountSkipped", accountId, reason }),
          unitsPlanned: (accountId, count) => post({ t: "unitsPlanned", accountId, count }),
          unitDone: (unit) => {
            postStats();
            post({ t: "unitDone", unit });
          },
        },
      },
      async (previous): Promise<AccountTarget | undefined> => {
        if (controller.signal.aborted) return undefined;
        const reply = await ask((req) => ({ t: "next", req, finished: previous !== undefined }));
        if (reply.t !== "account" || !reply.account) return undefined;
        const { accountId, roleArn } = reply.account;
        return { accountId, credentials: credentialsOf(accountId), ...(roleArn ? { roleArn } : {}) };
      },
    );
    postStats();
    controller.signal.throwIfAborted();
    post({ t: "done", summary });
  } finally {
    clearInterval(ticker);
    factory.destroy();
  }
}

main().catch((err: unknown) => {
  post({
    t: "failed",
    aborted: controller.signal.aborted,
    message: err instanceof Error ? (err.stack ?? err.message) : String(err),
  });
});
