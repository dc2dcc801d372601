import { describe, expect, it } from "vitest";
import { WorkerExit, WorkerPool } from "../../src/util/worker-pool.js";

const SCRIPT = new URL("./fixtures/pool-worker.mjs", import.meta.url);

interface Echo {
  from: string;
  m: string;
}

function pool(count: number, opts: { mayExit?: boolean; throwOnMessage?: boolean } = {}) {
  const got: { i: number; msg: Echo }[] = [];
  const failures: { i: number; err: Error }[] = [];
  const exited: number[] = [];
  const p = new WorkerPool<string, Echo>(SCRIPT, count, (i) => ({ name: `w${i}` }), {
    message: (i, msg) => {
      if (opts.throwOnMessage) throw new Error("handler broke");
      got.push({ i, msg });
    },
    mayExit: () => opts.mayExit ?? false,
    failed: (i, err) => failures.push({ i, err }),
    exited: (i) => exited.push(i),
  });
  return { p, got, failures, exited };
}

const until = async (ok: () => boolean): Promise<void> => {
  for (let n = 0; n < 500 && !ok(); n++) await new Promise((r) => setTimeout(r, 10));
  if (!ok()) throw new Error("timed out");
};

describe("WorkerPool", () => {
  it("routes each worker's messages with its index, and a pool it ended itself fails nothing", async () => {
    const { p, got, failures, exited } = pool(3);
    expect(p.size).toBe(3);
    p.broadcast("echo");
    await until(() => got.length === 3);
    expect(got.map((g) => [g.i, g.msg.from]).sort()).toEqual([
      [0, "w0"],
      [1, "w1"],
      [2, "w2"],
    ]);
    await p.terminate();
    expect(failures).toEqual([]);
    expect(exited.sort()).toEqual([0, 1, 2]);
  });

  it("reports a worker that throws once (its error, not the exit that follows)", async () => {
    const { p, failures } = pool(2);
    p.post(1, "throw");
    await until(() => failures.length > 0);
    await new Promise((r) => setTimeout(r, 100));
    expect(failures).toHaveLength(1);
    expect(failures[0]?.i).toBe(1);
    expect(failures[0]?.err.message).toContain("boom in w1");
    expect(failures[0]?.err).not.toBeInstanceOf(WorkerExit);
    await p.terminate();
    expect(failures).toHaveLength(1);
  });

  it("fails a worker that leaves while it may not, and lets one leave when it may", async () => {
    const strict = pool(1);
    strict.p.post(0, "leave");
    await strict.p.allExited;
    expect(strict.failures).toHaveLength(1);
    expect(strict.failures[0]?.err).toBeInstanceOf(WorkerExit);
    expect((strict.failures[0]?.err as WorkerExit).code).toBe(0);

    const lax = pool(1, { mayExit: true });
    lax.p.post(0, "leave");
    await lax.p.allExited;
    expect(lax.failures).toEqual([]);
  });

  it("ends one worker on request without failing, and fails on a handler that throws", async () => {
    const { p, failures, exited } = pool(2, { throwOnMessage: true });
    p.end(0);
    await until(() => exited.includes(0));
    expect(failures).toEqual([]);
    p.post(1, "echo");
    await until(() => failures.length === 1);
    expect(failures[0]?.i).toBe(1);
    expect(failures[0]?.err.message).toBe("handler broke");
    await p.terminate();
  });
});
