// Count the finding documents the store hands out (Store.prototype.iterateFindingDocs, spied on
// with vitest: undone by vi.restoreAllMocks), to see whether output is written while rows are read.
import { vi } from "vitest";
import { Store } from "../../src/store/store.js";

export function countPulledRows<T extends { pulled: number }>(seen: T): T {
  const iterate = Store.prototype.iterateFindingDocs;
  vi.spyOn(Store.prototype, "iterateFindingDocs").mockImplementation(function* (this: Store, ...args) {
    for (const row of iterate.apply(this, args)) {
      seen.pulled++;
      yield row;
    }
  });
  return seen;
}
