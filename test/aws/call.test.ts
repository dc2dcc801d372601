import pLimit from "p-limit";
import { describe, expect, it } from "vitest";
import { AwsCallError, callAws, DEFAULT_RETRY, newStats } from "../../src/aws/call.js";
import { classifyError } from "../../src/aws/errors.js";
import { AdaptiveLimiter } from "../../src/aws/limiter.js";

const err = (name: string, status = 400, extra: Record<string, unknown> = {}) =>
  Object.assign(new Error(`${name} happened`), { name, $metadata: { httpStatusCode: status }, ...extra });

function scope(retry = {}) {
  return {
    limiter: new AdaptiveLimiter({ ratePerSecond: 1000, burst: 1000 }),
    concurrency: pLimit(4),
    stats: [newStats()],
    retry: { ...DEFAULT_RETRY, throttleBaseDelayMs: 1, baseDelayMs: 1, maxDelayMs: 2, ...retry },
  };
}

describe("error classification", () => {
  it("knows throttles, denials, disabled regions, expiry and transient faults", () => {
    expect(classifyError(err("RequestLimitExceeded", 503)).kind).toBe("throttle");
    expect(classifyError(err("SlowDown", 503)).kind).toBe("throttle");
    expect(classifyError(err("Whatever", 400, { $retryable: { throttling: true } })).kind).toBe("throttle");
    expect(classifyError(err("AccessDeniedException")).kind).toBe("denied");
    expect(classifyError(err("UnauthorizedOperation", 403)).kind).toBe("denied");
    expect(classifyError(err("Mystery", 403)).kind).toBe("denied");
    expect(classifyError(err("OptInRequired")).kind).toBe("regionDisabled");
    expect(classifyError(err("ExpiredToken", 403)).kind).toBe("expired");
    expect(classifyError(err("NoSuchBucketPolicy", 404)).kind).toBe("notFound");
    expect(classifyError(err("InternalError", 500)).kind).toBe("transient");
    expect(classifyError(err("ValidationException")).kind).toBe("other");
    // An endpoint without the operation (s3rver, MinIO: GetBucketEncryption) answers the same on
    // every retry: a failed unit at once, not six attempts with backoff.
    expect(classifyError(err("NotImplemented", 501)).kind).toBe("other");
    expect(classifyError(err("Unknown", 501)).kind).toBe("other");
    expect(classifyError(err("Unknown", 505)).kind).toBe("other");
    expect(classifyError(err("Unknown", 502)).kind).toBe("transient");
    // An already-classified error keeps its classification when rethrown by a credential provider.
    const wrapped = new AwsCallError(
      { kind: "denied", code: "AccessDenied", message: "no" },
      "AssumeRole",
      1,
    );
    expect(classifyError(wrapped)).toEqual({ kind: "denied", code: "AccessDenied", message: "no" });
  });
});

describe("callAws", () => {
  it("retries throttling until it clears and counts it", async () => {
    const s = scope();
    let n = 0;
    const out = await callAws(s, "DescribeVolumes", async () => {
      if (n++ < 5) throw err("RequestLimitExceeded", 503);
      return "ok";
    });
    expect(out).toBe("ok");
    expect(s.stats[0]).toMatchObject({ calls: 6, throttles: 5, retries: 5, errors: 0 });
    expect(s.limiter.currentRate).toBeLessThan(1000);
  });

  it("gives up after the retry budget with the classified error", async () => {
    const s = scope({ throttleRetries: 2 });
    const p = callAws(s, "ListKeys", async () => {
      throw err("ThrottlingException");
    });
    await expect(p).rejects.toMatchObject({
      operation: "ListKeys",
      attempts: 3,
      error: { kind: "throttle" },
    });
  });

  it("does not retry a denial", async () => {
    const s = scope();
    let n = 0;
    await expect(
      callAws(s, "GetKeyPolicy", async () => {
        n++;
        throw err("AccessDeniedException");
      }),
    ).rejects.toBeInstanceOf(AwsCallError);
    expect(n).toBe(1);
  });

  it("does not retry an operation the endpoint does not implement", async () => {
    const s = scope();
    let n = 0;
    await expect(
      callAws(s, "GetBucketEncryption", async () => {
        n++;
        throw err("NotImplemented", 501);
      }),
    ).rejects.toMatchObject({ attempts: 1, error: { kind: "other", code: "NotImplemented" } });
    expect(n).toBe(1);
    expect(s.stats[0]).toMatchObject({ retries: 0 });
  });

  it("stops waiting when the scan is aborted", async () => {
    const c = new AbortController();
    const s = { ...scope({ throttleBaseDelayMs: 10_000, maxDelayMs: 10_000 }), signal: c.signal };
    const p = callAws(s, "DescribeSnapshots", async () => {
      throw err("RequestLimitExceeded", 503);
    });
    setTimeout(() => c.abort(new Error("stop")), 20);
    await expect(p).rejects.toThrow();
  });
});

describe("AdaptiveLimiter", () => {
  it("halves its rate on a throttle and recovers slowly", () => {
    const l = new AdaptiveLimiter({ ratePerSecond: 20, burst: 10 });
    l.onThrottle();
    expect(l.currentRate).toBe(10);
    l.onSuccess();
    expect(l.currentRate).toBeGreaterThan(10);
    expect(l.currentRate).toBeLessThan(11);
  });

  it("paces callers beyond the burst", async () => {
    const l = new AdaptiveLimiter({ ratePerSecond: 200, burst: 2 });
    const order: number[] = [];
    await Promise.all([0, 1, 2, 3].map((i) => l.acquire().then(() => order.push(i))));
    expect(order).toEqual([0, 1, 2, 3]);
  });

  it("queues a caller behind those already waiting, even when a token has come back", async () => {
    const l = new AdaptiveLimiter({ ratePerSecond: 1000, burst: 1 });
    const order: string[] = [];
    const a = l.acquire().then(() => order.push("a")); // the burst's token, at once
    const b = l.acquire().then(() => order.push("b")); // waits for the next token
    const until = Date.now() + 3;
    while (Date.now() < until); // a token refills while b is still queued
    const c = l.acquire().then(() => order.push("c"));
    await Promise.all([a, b, c]);
    expect(order).toEqual(["a", "b", "c"]);
  });
});
