// Client-side pacing per throttling scope (account, region, service): a token bucket whose rate
// adapts — multiplicative decrease on a throttle, slow additive increase on success — so a scan
// settles just under the quota it shares with the customer's own workloads.
import { setTimeout as sleep } from "node:timers/promises";

export interface LimiterOptions {
  /** Starting and maximum requests per second. */
  ratePerSecond: number;
  /** Burst size. */
  burst: number;
  /** Floor for the adaptive rate. */
  minRatePerSecond?: number;
}

const READY: Promise<void> = Promise.resolve();

export class AdaptiveLimiter {
  private tokens: number;
  private rate: number;
  private last = Date.now();
  private readonly max: number;
  private readonly min: number;
  private readonly burst: number;
  /** Requests waiting, in order: keeps fairness between concurrent callers. */
  private queue: Promise<void> = Promise.resolve();
  /** How many are in `queue`: with none, a caller finding a token takes it at once. */
  private waiting = 0;

  constructor(opts: LimiterOptions) {
    if (!(opts.ratePerSecond > 0)) throw new RangeError(`rate ${opts.ratePerSecond}/s: must be more than 0`);
    this.max = opts.ratePerSecond;
    this.rate = opts.ratePerSecond;
    this.min = opts.minRatePerSecond ?? Math.min(1, opts.ratePerSecond);
    this.burst = Math.max(1, opts.burst);
    this.tokens = this.burst;
  }

  get currentRate(): number {
    return this.rate;
  }

  /** Wait for a token; an abort ends the wait at once (the caller then stops, not the limiter). */
  acquire(signal?: AbortSignal): Promise<void> {
    // The common case, no one ahead and a token left, without the queue's promises.
    if (this.waiting === 0 && !signal?.aborted) {
      this.refill();
      if (this.tokens >= 1) {
        this.tokens -= 1;
        return READY;
      }
    }
    this.waiting++;
    const next = this.queue
      .then(() => this.take(signal))
      .finally(() => {
        this.waiting--;
      });
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async take(signal?: AbortSignal): Promise<void> {
    for (;;) {
      signal?.throwIfAborted();
      this.refill();
      if (this.tokens >= 1) {
        this.tokens -= 1;
        return;
      }
      const ms = Math.max(1, Math.ceil(((1 - this.tokens) / this.rate) * 1000));
      await sleep(ms, undefined, signal ? { signal } : undefined);
    }
  }

  private refill(): void {
    const now = Date.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.rate);
    this.last = now;
  }

  onThrottle(): void {
    this.refill();
    this.rate = Math.max(this.min, this.rate * 0.5);
    this.tokens = Math.min(this.tokens, 0);
  }

  onSuccess(): void {
    if (this.rate < this.max) this.rate = Math.min(this.max, this.rate + Math.max(0.05, this.max * 0.01));
  }
}
