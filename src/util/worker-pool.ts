// Worker threads started together and watched the same way by every pool in dpscan (collection,
// judging): a worker that throws, or exits while it still owes work, fails the pool; a worker the
// pool ended itself (`end`, `terminate`) may exit. What "owes work" means is the caller's.
import { getHeapStatistics } from "node:v8";
import { Worker, type ResourceLimits, type TransferListItem } from "node:worker_threads";

/**
 * Whether dpscan runs from its build (dist/, .js): every worker script is a built module, so run
 * from the TypeScript sources (tests) there is none to start unless the caller names one.
 */
export const BUILT = import.meta.url.endsWith(".js");

/** A worker that exited while it still owed work. */
export class WorkerExit extends Error {
  constructor(readonly code: number) {
    super(`exited (code ${code})`);
  }
}

export interface PoolHandlers<Out> {
  /** A message from worker `i`. Throwing fails the pool with that error. */
  message(i: number, msg: Out): void;
  /** Whether worker `i` may exit now, with `code`, without failing the pool. */
  mayExit(i: number, code: number): boolean;
  /** A failure: a worker's error, an early exit (WorkerExit), a handler that threw. Once per worker. */
  failed(i: number, err: Error): void;
  /** Worker `i` has exited, whatever the reason (after `failed`, when that applies). */
  exited?(i: number): void;
}

/** This process's heap limit: given to a worker, a --max-old-space-size given to dpscan holds for it too. */
export const PROCESS_HEAP_LIMITS: ResourceLimits = {
  maxOldGenerationSizeMb: Math.ceil(getHeapStatistics().heap_size_limit / 2 ** 20),
};

export interface PoolOptions {
  /** Each worker's heap limits (Node's Worker option). */
  resourceLimits?: ResourceLimits;
}

export class WorkerPool<In, Out> {
  private readonly workers: Worker[] = [];
  private readonly ended = new Set<number>();
  private readonly failed = new Set<number>();
  /** Resolves once every worker has exited. */
  readonly allExited: Promise<void>;

  constructor(
    script: URL,
    count: number,
    data: (i: number) => unknown,
    handlers: PoolHandlers<Out>,
    options: PoolOptions = {},
  ) {
    const exits: Promise<void>[] = [];
    // An error is followed by an exit: one failure per worker is reported, the first.
    const fail = (i: number, err: Error): void => {
      if (this.failed.has(i)) return;
      this.failed.add(i);
      handlers.failed(i, err);
    };
    for (let i = 0; i < count; i++) {
      const worker = new Worker(script, {
        workerData: data(i),
        ...(options.resourceLimits ? { resourceLimits: options.resourceLimits } : {}),
      });
      this.workers.push(worker);
      worker.on("message", (msg: Out) => {
        try {
          handlers.message(i, msg);
        } catch (err) {
          fail(i, err instanceof Error ? err : new Error(String(err)));
        }
      });
      worker.on("error", (err) => fail(i, err));
      exits.push(
        new Promise<void>((resolve) =>
          worker.on("exit", (code) => {
            if (!this.ended.has(i) && !handlers.mayExit(i, code)) fail(i, new WorkerExit(code));
            handlers.exited?.(i);
            resolve();
          }),
        ),
      );
    }
    this.allExited = Promise.all(exits).then(() => undefined);
  }

  get size(): number {
    return this.workers.length;
  }

  /** `transfer`: buffers moved to the worker, not copied (unusable here after). */
  post(i: number, msg: In, transfer?: readonly TransferListItem[]): void {
    const w = this.workers[i];
    if (!w) throw new Error(`no worker ${i}`);
    w.postMessage(msg, transfer);
  }

  broadcast(msg: In): void {
    for (let i = 0; i < this.workers.length; i++) this.post(i, msg);
  }

  /** Stop worker `i`; its exit is then expected. */
  end(i: number): void {
    this.ended.add(i);
    void this.workers[i]?.terminate();
  }

  /** Stop every worker and wait until all have exited. */
  async terminate(): Promise<void> {
    for (let i = 0; i < this.workers.length; i++) this.end(i);
    await this.allExited;
  }
}
