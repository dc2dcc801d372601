// `dpscan serve` below the command line: take the database's write lock, open the store, resume an
// interrupted scheduled scan, arm the schedules, listen. Stopping (SIGTERM, SIGINT or stop())
// refuses new work at once, lets the running scan stop at its next safe point (the unit being
// collected commits; the scan is marked interrupted and resumed at the next start), and exits
// within 10 s whatever happens.
import type { AwsCredentialIdentityProvider } from "@smithy/types";
import type { FastifyInstance } from "fastify";
import { acquireDbLock, type DbLock } from "../app/db-lock.js";
import type { Rule } from "../rules/rule.js";
import { Store } from "../store/store.js";
import { EXIT, UsageError } from "../util/errors.js";
import { afterScan } from "./after.js";
import { buildApi } from "./api.js";
import { isLoopback, type TokenSet } from "./auth.js";
import type { ServiceSettings } from "./config.js";
import type { ReportSource } from "./context.js";
import { createMetrics } from "./metrics.js";
import { Scheduler, type Log } from "./scheduler.js";
import type { DeliveryOptions } from "./webhook.js";

/** SIGTERM to exit: Kubernetes' and systemd's default grace periods are 30 s and 90 s; we promise 10. */
export const STOP_DEADLINE_MS = 9_000;

export interface ServiceOptions {
  dbPath: string;
  settings: ServiceSettings;
  rules: Rule[];
  tokens: TokenSet;
  credentials?: AwsCredentialIdentityProvider;
  log?: Log;
  /** Frameworks and scopes for /api/reports and the dashboard (absent: no reports). */
  reports?: ReportSource;
  /** Webhook retry pacing (tests shorten it). */
  delivery?: Omit<DeliveryOptions, "log" | "counted">;
  /** Stop on SIGTERM/SIGINT, and exit the process if stopping overruns the deadline (the CLI). */
  handleSignals?: boolean;
}

export interface RunningService {
  url: string;
  scheduler: Scheduler;
  store: Store;
  /** Stop taking work, let the running scan stop, close; idempotent. */
  stop(reason?: string): Promise<void>;
  /** Settles once the service has stopped. */
  readonly closed: Promise<void>;
}

/** JSON lines on stderr: one object per event, with its time. */
export const jsonLog: Log = (event, fields = {}) => {
  process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), event, ...fields })}\n`);
};

export async function startService(o: ServiceOptions): Promise<RunningService> {
  const { settings } = o;
  const log = o.log ?? jsonLog;
  if (!isLoopback(settings.host) && o.tokens.size === 0)
    throw new UsageError(
      `refusing to listen on ${settings.host} without API tokens: set serve.tokensFile or DPSCAN_READ_TOKEN/DPSCAN_OPERATOR_TOKEN, or listen on 127.0.0.1`,
    );
  const lock = acquireDbLock(o.dbPath, "dpscan serve");
  const releaseOnExit = (): void => lock.release();
  process.once("exit", releaseOnExit);
  let store: Store | undefined;
  try {
    store = new Store(o.dbPath);
    return await assemble(o, store, lock, log, releaseOnExit);
  } catch (err) {
    store?.close();
    lock.release();
    process.off("exit", releaseOnExit);
    throw err;
  }
}

async function assemble(
  o: ServiceOptions,
  store: Store,
  lock: DbLock,
  log: Log,
  releaseOnExit: () => void,
): Promise<RunningService> {
  const { settings } = o;
  let ready = false;
  // The metrics read the scheduler at scrape time, after it exists.
  const metrics = createMetrics(store, () => scheduler);
  const scheduler: Scheduler = new Scheduler({
    store,
    rules: o.rules,
    schedules: settings.schedules,
    log,
    ...(o.credentials ? { credentials: o.credentials } : {}),
    outcome: (schedule, outcome) =>
      outcome === "skipped"
        ? metrics.skippedSlots.inc({ schedule })
        : metrics.scans.inc({ schedule, result: outcome }),
    afterScan: (s, result) =>
      afterScan(
        {
          store,
          database: o.dbPath,
          webhooks: settings.webhooks,
          ...(o.reports ? { reports: o.reports } : {}),
          log,
          delivery: { ...o.delivery, counted: (r) => metrics.webhooks.inc({ result: r }) },
        },
        s,
        result,
      ),
  });
  const app = await buildApi({
    store,
    rules: o.rules,
    scheduler,
    metrics,
    tokens: o.tokens,
    log,
    ratePerMinute: settings.ratePerMinute,
    corsOrigins: settings.corsOrigins,
    trendScans: settings.trendScans,
    ready: () => ready,
    ...(o.reports ? { reports: o.reports } : {}),
  });
  const address = await app.listen({ host: settings.host, port: settings.port });
  void scheduler.resumeInterrupted();
  scheduler.start();
  ready = true;
  log("serve.listening", { url: address, schedules: settings.schedules.length, tokens: o.tokens.size });
  return lifecycle(o, {
    app,
    store,
    lock,
    log,
    scheduler,
    url: address,
    releaseOnExit,
    unready: () => (ready = false),
  });
}

interface Parts {
  app: FastifyInstance;
  store: Store;
  lock: DbLock;
  log: Log;
  scheduler: Scheduler;
  url: string;
  releaseOnExit(): void;
  unready(): void;
}

function lifecycle(o: ServiceOptions, p: Parts): RunningService {
  let resolveClosed!: () => void;
  const closed = new Promise<void>((r) => (resolveClosed = r));
  let stopping: Promise<void> | undefined;
  const onSignal = (sig: NodeJS.Signals): void => void stop(`received ${sig}`);
  const stop = (reason = "stop requested"): Promise<void> => {
    stopping ??= (async () => {
      p.unready();
      p.log("serve.stopping", { reason });
      const deadline = o.handleSignals ? setTimeout(() => overrun(p), STOP_DEADLINE_MS) : undefined;
      deadline?.unref();
      try {
        await p.scheduler.stop();
        await p.app.close();
      } finally {
        if (deadline) clearTimeout(deadline);
        process.off("SIGTERM", onSignal);
        process.off("SIGINT", onSignal);
        p.store.close();
        p.lock.release();
        process.off("exit", p.releaseOnExit);
        p.log("serve.stopped", {});
        resolveClosed();
      }
    })();
    return stopping;
  };
  if (o.handleSignals) {
    process.on("SIGTERM", onSignal);
    process.on("SIGINT", onSignal);
  }
  return { url: p.url, scheduler: p.scheduler, store: p.store, stop, closed };
}

/** The running scan did not reach a safe point in time: record it as interrupted and leave. */
function overrun(p: Parts): void {
  const id = p.scheduler.runningScanId;
  // Only a scan still collecting or judging: one that completed may be in its after-actions.
  if (id !== undefined && p.store.getScan(id)?.status === "running")
    p.store.finishScan(id, "interrupted", null, "the service stopped before the scan could");
  p.log("serve.stopped", { forced: true, scan: id ?? null });
  p.lock.release();
  process.exit(EXIT.interrupted);
}
