import type { Collection } from "./world.js";

/** A collection over an in-memory array (world files); generated worlds use lazy collections instead. */
export function arrayCollection<T>(items: readonly T[], idOf: (item: T) => string): Collection<T> {
  let index: Map<string, T> | undefined;
  return {
    size: items.length,
    at(i: number): T {
      const item = items[i];
      if (item === undefined) throw new RangeError(`index ${i} out of range 0..${items.length - 1}`);
      return item;
    },
    get(id: string): T | undefined {
      if (!index) index = new Map(items.map((it) => [idOf(it), it]));
      return index.get(id);
    },
  };
}

/** A collection computed on demand: `make(i)` must be deterministic; `indexOf(id)` inverts it. */
export function lazyCollection<T>(
  size: number,
  make: (i: number) => T,
  indexOf: (id: string) => number | undefined,
): Collection<T> {
  return {
    size,
    at(i: number): T {
      if (i < 0 || i >= size || !Number.isInteger(i))
        throw new RangeError(`index ${i} out of range 0..${size - 1}`);
      return make(i);
    },
    get(id: string): T | undefined {
      const i = indexOf(id);
      return i === undefined || i < 0 || i >= size ? undefined : make(i);
    },
  };
}

export const emptyCollection = <T>(): Collection<T> => arrayCollection<T>([], () => "");
