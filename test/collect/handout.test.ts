// FairHandout: accounts go to collection workers by fair share, never more than a worker's slots.
import { describe, expect, it } from "vitest";
import { FairHandout } from "../../src/collect/handout.js";

/** A worker's asks, recorded: what each got (undefined: nothing left), in order. */
function asker(h: FairHandout<number>, i: number) {
  const got: (number | undefined)[] = [];
  return {
    got,
    ask: (finished = false) => h.ask(i, finished, (item) => got.push(item)),
  };
}

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

describe("FairHandout", () => {
  it("splits 10 accounts 5/5 over two workers of 8 slots, though the first asks with all its slots first", () => {
    const h = new FairHandout(range(10), [8, 8]);
    const a = asker(h, 0);
    const b = asker(h, 1);
    for (let k = 0; k < 8; k++) a.ask();
    expect(a.got).toEqual([0, 1, 2, 3, 4]);
    for (let k = 0; k < 8; k++) b.ask();
    // Nothing left once b has its five: the parked asks of both are answered with nothing.
    expect(b.got).toEqual([5, 6, 7, 8, 9, undefined, undefined, undefined]);
    expect(a.got).toEqual([0, 1, 2, 3, 4, undefined, undefined, undefined]);
    expect(h.holding()).toEqual([5, 5]);
  });

  it("gives a parked ask the next account when its worker falls under its share", () => {
    const h = new FairHandout(range(6), [4, 4]);
    const a = asker(h, 0);
    const b = asker(h, 1);
    for (let k = 0; k < 4; k++) a.ask();
    expect(a.got).toEqual([0, 1, 2]); // a share of 6 over 2 workers: 3; the fourth ask waits
    b.ask();
    b.ask();
    expect(b.got).toEqual([3, 4]);
    // a finishes one: it holds 2 of 5 left, under its share of 3, so the waiting ask gets the last.
    a.ask(true);
    expect(a.got).toEqual([0, 1, 2, 5, undefined]);
    expect(h.holding()).toEqual([3, 2]);
  });

  it("hands out past the share when no other worker has a free slot", () => {
    const h = new FairHandout(range(6), [1, 8]);
    const a = asker(h, 0);
    const b = asker(h, 1);
    a.ask();
    for (let k = 0; k < 8; k++) b.ask();
    expect(a.got).toEqual([0]);
    expect(b.got.filter((x) => x !== undefined)).toEqual([1, 2, 3, 4, 5]);
    expect(h.holding()).toEqual([1, 5]);
  });

  it("never gives a worker more accounts than it has asked for", () => {
    const h = new FairHandout(range(100), [3, 3, 3]);
    const workers = [0, 1, 2].map((i) => asker(h, i));
    for (const w of workers) for (let k = 0; k < 3; k++) w.ask();
    expect(h.holding()).toEqual([3, 3, 3]);
    // Each finish frees exactly one slot, which gets exactly one account.
    let served = 9;
    for (let round = 0; round < 20; round++)
      for (const w of workers) {
        w.ask(true);
        served++;
        expect(w.got.length).toBe(3 + round + 1);
      }
    expect(h.holding()).toEqual([3, 3, 3]);
    expect(new Set(workers.flatMap((w) => w.got)).size).toBe(served);
  });

  it("answers every parked and later ask with nothing once closed", () => {
    const h = new FairHandout(range(10), [8, 8]);
    const a = asker(h, 0);
    for (let k = 0; k < 8; k++) a.ask();
    h.close();
    expect(a.got).toEqual([0, 1, 2, 3, 4, undefined, undefined, undefined]);
    const b = asker(h, 1);
    b.ask();
    expect(b.got).toEqual([undefined]);
  });
});
