// Coverage accounting shared by the API runner (src/collect/runner.ts), the AWS Config aggregator
// and its KMS enrichment (src/collect/aws-config/): every call of an operation within a unit is
// tallied (ok, denied, failed, the first error), and the tally becomes that operation's coverage row.
import { AwsCallError } from "../aws/call.js";
import { classifyError, type ClassifiedError } from "../aws/errors.js";
import type { ServiceName } from "../aws/services.js";
import { unreadable } from "../model/resource.js";
import type { CoverageInput } from "../model/coverage.js";
import type { CollectorContext, DetailOptions, DetailResult } from "./types.js";

/** The outcomes of one operation's calls so far. */
export interface Tally {
  ok: number;
  denied: number;
  failed: number;
  /** Resources its listings returned. */
  count: number;
  /** Calls made through unit() and detail(). */
  calls: number;
  /** The first failure: the row's error. */
  error?: ClassifiedError;
  startedAt: string;
}

export function newTally(): Tally {
  return { ok: 0, denied: 0, failed: 0, count: 0, calls: 0, startedAt: new Date().toISOString() };
}

/**
 * Tallies by key (an operation, or an account/region/operation): one per key, created on first
 * use, in first-use order.
 */
export class TallyBook<K extends Record<string, string>> {
  private readonly tallies = new Map<string, K & Tally>();

  /** The tally of `key`, new if none yet. */
  of(key: K): K & Tally {
    // Field order in the literal must not matter: sort by field name.
    const k = Object.keys(key)
      .sort()
      .map((f) => key[f])
      .join("\u0000");
    let t = this.tallies.get(k);
    if (!t) {
      t = { ...key, ...newTally() };
      this.tallies.set(k, t);
    }
    return t;
  }

  all(): (K & Tally)[] {
    return [...this.tallies.values()];
  }
}

/** The coverage status of a listing that failed with `c`. */
export function coverageStatus(c: ClassifiedError): "denied" | "failed" {
  return c.kind === "denied" ? "denied" : "failed";
}

/** An SDK error as dpscan classifies it (already classified when it comes through the call wrapper). */
export function classify(err: unknown): ClassifiedError {
  return err instanceof AwsCallError ? err.error : classifyError(err);
}

/** An abort (an AbortError, or any error once `signal` is aborted) is not an outcome: rethrow it. */
export function rethrowAbort(err: unknown, signal?: AbortSignal): void {
  if (signal?.aborted || (err instanceof Error && err.name === "AbortError")) throw err;
}

/**
 * Count a failed call as denied or failed and keep the first error. An abort (an AbortError, or
 * any error once `signal` is aborted) is not an outcome: it is rethrown.
 */
export function tallyFailure(t: Tally, err: unknown, signal?: AbortSignal): ClassifiedError {
  rethrowAbort(err, signal);
  const c = classify(err);
  t[coverageStatus(c)]++;
  t.error ??= c;
  return c;
}

/**
 * The row's outcome: denied if any call was denied, else failed if any failed; the first error's
 * message says how many calls it stands for when some succeeded ("(2 of 5 calls)").
 */
export function tallyOutcome(
  t: Tally,
): Required<Pick<CoverageInput, "status" | "errorCode" | "errorMessage" | "resourceCount">> {
  const status = t.denied > 0 ? "denied" : t.failed > 0 ? "failed" : "ok";
  const partial =
    status !== "ok" && t.ok > 0 ? ` (${t.denied + t.failed} of ${t.ok + t.denied + t.failed} calls)` : "";
  return {
    status,
    errorCode: t.error?.code ?? null,
    errorMessage: t.error ? `${t.error.message}${partial}` : null,
    resourceCount: t.count,
  };
}

/**
 * A collector context's unit() and detail(), tallied into `tallyOf(service, operation)`: a listing's
 * failure is counted and reported as false, a detail's becomes the unreadable marker; a detail
 * error whose code is in `absentOn` is an ok call with the value null.
 */
/** What a skipped read leaves in place of its fact: no call was made, so no coverage row either. */
export const NOT_COLLECTED_CODE = "NotCollected";

function notCollected<T>(fact: string, operation: string): DetailResult<T> {
  const message = `${fact} was not collected: no selected rule reads it`;
  return {
    ok: false,
    error: { kind: "other", code: NOT_COLLECTED_CODE, message },
    marker: unreadable({ errorCode: NOT_COLLECTED_CODE, message, operation }),
  };
}

export function tallyingCalls(
  tallyOf: (service: ServiceName, operation: string) => Tally,
  signal?: AbortSignal,
  reads: (fact: string) => boolean = () => true,
): Pick<CollectorContext, "unit" | "detail"> {
  return {
    async unit(service, operation, fn) {
      const t = tallyOf(service, operation);
      t.calls++;
      try {
        const count = await fn(); // not `+= await`: a concurrent unit of the same tally would be lost
        t.count += count;
        t.ok++;
        return true;
      } catch (err) {
        tallyFailure(t, err, signal);
        return false;
      }
    },
    async detail<T>(service: ServiceName, operation: string, fn: () => Promise<T>, opts?: DetailOptions) {
      if (opts?.fact !== undefined && !reads(opts.fact)) return notCollected(opts.fact, operation);
      const t = tallyOf(service, operation);
      t.calls++;
      try {
        const value = await fn();
        t.ok++;
        return { ok: true, value } as DetailResult<T | null>;
      } catch (err) {
        const c = classify(err);
        if (opts?.absentOn?.includes(c.code)) {
          t.ok++;
          return { ok: true, value: null } as DetailResult<T | null>;
        }
        tallyFailure(t, err, signal);
        return {
          ok: false,
          error: c,
          marker: unreadable({ errorCode: c.code, message: c.message, operation }),
        };
      }
    },
  };
}
