// Every AWS call dpscan makes goes through callAws: paced by the scope's adaptive limiter,
// capped by the global concurrency limit, retried with exponential backoff and full jitter on
// throttling and transient faults. The SDK's own retries are off (maxAttempts 1) so that retry
// budgets, pacing and counters live in one place and a throttling storm never exhausts a
// client's retry quota into a spurious failure.
import { setTimeout as sleep } from "node:timers/promises";
import type { LimitFunction } from "p-limit";
import { classifyError, type ClassifiedError } from "./errors.js";
import type { AdaptiveLimiter } from "./limiter.js";

export interface CallStats {
  calls: number;
  throttles: number;
  retries: number;
  errors: number;
}

export function newStats(): CallStats {
  return { calls: 0, throttles: 0, retries: 0, errors: 0 };
}

export interface RetryPolicy {
  /** Retries after throttling before giving up. */
  throttleRetries: number;
  /** Retries after 5xx/socket faults. */
  transientRetries: number;
  baseDelayMs: number;
  throttleBaseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = {
  throttleRetries: 15,
  transientRetries: 5,
  baseDelayMs: 100,
  throttleBaseDelayMs: 500,
  maxDelayMs: 20_000,
};

export class AwsCallError extends Error {
  constructor(
    readonly error: ClassifiedError,
    readonly operation: string,
    readonly attempts: number,
  ) {
    super(`${operation}: ${error.code}: ${error.message}`);
  }
}

export interface CallScope {
  limiter: AdaptiveLimiter;
  concurrency: LimitFunction;
  stats: CallStats[];
  retry: RetryPolicy;
  signal?: AbortSignal;
}

export async function callAws<T>(scope: CallScope, operation: string, fn: () => Promise<T>): Promise<T> {
  let throttles = 0;
  let transients = 0;
  for (let attempt = 1; ; attempt++) {
    scope.signal?.throwIfAborted();
    await scope.limiter.acquire(scope.signal);
    for (const s of scope.stats) s.calls++;
    try {
      const result = await scope.concurrency(fn);
      scope.limiter.onSuccess();
      return result;
    } catch (err) {
      const c = classifyError(err);
      let delay: number | undefined;
      if (c.kind === "throttle") {
        for (const s of scope.stats) s.throttles++;
        scope.limiter.onThrottle();
        if (throttles++ < scope.retry.throttleRetries)
          delay = backoff(scope.retry.throttleBaseDelayMs, throttles, scope.retry);
      } else if (c.kind === "transient") {
        if (transients++ < scope.retry.transientRetries)
          delay = backoff(scope.retry.baseDelayMs, transients, scope.retry);
      }
      if (delay === undefined) {
        for (const s of scope.stats) s.errors++;
        throw new AwsCallError(c, operation, attempt);
      }
      for (const s of scope.stats) s.retries++;
      await sleep(delay, undefined, scope.signal ? { signal: scope.signal } : undefined);
    }
  }
}

/** Full jitter: uniform in [0, min(cap, base * 2^n)]. */
function backoff(base: number, n: number, p: RetryPolicy): number {
  return Math.random() * Math.min(p.maxDelayMs, base * 2 ** Math.min(n, 16));
}
