// Accounts handed to collection workers by fair share. Each worker asks when one of its account
// slots is free; an ask is answered only while the worker holds fewer than its share of what is
// left (queued + in flight), so a worker that starts first cannot take most of a small
// organisation (8 of 10 with 8 slots each) and leave the other idle while it works through them.
// A worker never holds more than its slots: memory stays bounded by the scan's account concurrency.

export class FairHandout<T> {
  private readonly queue: T[];
  private readonly held: number[];
  private readonly parked: ((item: T | undefined) => void)[][];
  private closed = false;

  /** `slots[i]`: the accounts worker i runs at once (it never asks for more). */
  constructor(
    items: Iterable<T>,
    private readonly slots: readonly number[],
  ) {
    this.queue = [...items];
    this.held = slots.map(() => 0);
    this.parked = slots.map(() => []);
  }

  /**
   * Worker `i` asks for an item for one slot; `finished` when that slot has just finished the item
   * it held. `reply` gets the item, or undefined once nothing is left (or the hand-out is closed).
   */
  ask(i: number, finished: boolean, reply: (item: T | undefined) => void): void {
    if (finished) this.held[i] = Math.max(0, (this.held[i] ?? 0) - 1);
    this.parked[i]?.push(reply);
    this.pump();
  }

  /** Items held by each worker now (for tests and logs). */
  holding(): readonly number[] {
    return [...this.held];
  }

  /** Every parked and later ask gets nothing (the scan is stopping). */
  close(): void {
    this.closed = true;
    this.pump();
  }

  private get left(): number {
    return this.closed ? 0 : this.queue.length;
  }

  private pump(): void {
    while (this.left > 0) {
      const i = this.pick();
      if (i < 0) return;
      const reply = this.parked[i]?.shift() as (item: T | undefined) => void;
      this.held[i] = (this.held[i] ?? 0) + 1;
      reply(this.queue.shift());
    }
    for (const asks of this.parked) for (const reply of asks.splice(0)) reply(undefined);
  }

  /** The asking worker holding least, if it is under its fair share (or no other worker could take more). */
  private pick(): number {
    const inFlight = this.held.reduce((a, b) => a + b, 0);
    const share = Math.ceil((this.left + inFlight) / this.held.length);
    let best = -1;
    for (let i = 0; i < this.held.length; i++) {
      if ((this.parked[i]?.length ?? 0) === 0) continue;
      if (best < 0 || (this.held[i] ?? 0) < (this.held[best] ?? 0)) best = i;
    }
    if (best < 0) return -1;
    const held = this.held[best] ?? 0;
    const othersFull = this.held.every((h, j) => j === best || h >= (this.slots[j] ?? 0));
    return held < share || othersFull ? best : -1;
  }
}
