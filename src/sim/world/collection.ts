import type { Collection, GlobalResources, RegionResources, SimAccount, World } from "./types.js";

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

// ---------------------------------------------------------------------------------------------
// Walking every collection of a world (counting, benchmarks, tests).

type CollectionField<R> = { [K in keyof R]-?: R[K] extends Collection<unknown> ? K : never }[keyof R];
export type RegionalCollection = CollectionField<RegionResources>;
export type GlobalCollection = CollectionField<GlobalResources>;

// Records rather than arrays, so the compiler rejects a list that misses a collection of types.ts.
const REGIONAL: Record<RegionalCollection, true> = {
  volumes: true,
  snapshots: true,
  kmsKeys: true,
  rdsInstances: true,
  rdsClusters: true,
  rdsSnapshots: true,
  rdsClusterSnapshots: true,
  rdsParameterGroups: true,
  rdsClusterParameterGroups: true,
  cloudHsmClusters: true,
  dynamodbTables: true,
  secrets: true,
  trails: true,
  loadBalancers: true,
  listeners: true,
};
const GLOBAL: Record<GlobalCollection, true> = {
  buckets: true,
  iamPolicies: true,
  iamUsers: true,
  iamRoles: true,
  iamGroups: true,
};

/** The collections of a region, in world order. */
export const REGIONAL_COLLECTIONS = Object.keys(REGIONAL) as readonly RegionalCollection[];
/** The account-wide collections (S3 and IAM), in world order. */
export const GLOBAL_COLLECTIONS = Object.keys(GLOBAL) as readonly GlobalCollection[];

export interface WorldCollection {
  account: SimAccount;
  /** Undefined for the account-wide collections. */
  region: string | undefined;
  type: RegionalCollection | GlobalCollection;
  collection: Collection<unknown>;
}

/**
 * Every collection of a world, account by account: the account-wide ones, then those of each
 * enabled region the account serves. Lazy: nothing is built before it is reached.
 */
export function* worldCollections(world: World): Generator<WorldCollection> {
  for (let i = 0; i < world.accounts.size; i++) {
    const account = world.accounts.at(i);
    for (const type of GLOBAL_COLLECTIONS)
      yield { account, region: undefined, type, collection: account.global[type] };
    for (const region of account.enabledRegions) {
      const r = account.region(region);
      if (!r) continue;
      for (const type of REGIONAL_COLLECTIONS) yield { account, region, type, collection: r[type] };
    }
  }
}
