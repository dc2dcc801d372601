// The contract every collector implements: one per service, turning API responses into resource
// records. The runner gives it a context per (account, region) that paces and retries calls,
// records coverage, and streams records into the store.
import type { ClassifiedError } from "../aws/errors.js";
import type { ClientOf, ServiceName } from "../aws/services.js";
import type { JsonObject } from "../model/resource.js";
import type { ResourceType } from "../model/resource-types.js";

export interface EmittedResource {
  resourceType: ResourceType;
  resourceId: string;
  resourceName?: string | null;
  arn?: string | null;
  /** Defaults to the context's region (global types: "global"). */
  region?: string;
  configuration: unknown;
  supplementaryConfiguration?: Record<string, unknown>;
  /** [{Key, Value}] as the APIs return them, or a map. */
  tags?: unknown;
}

export type DetailResult<T> =
  { ok: true; value: T } | { ok: false; marker: JsonObject; error: ClassifiedError };

export interface DetailOptions {
  /** Error codes that mean "this resource simply has none" (e.g. NoSuchBucketPolicy): value becomes null. */
  absentOn?: readonly string[];
  /**
   * The record field this read fills (a supplementaryConfiguration key). When no selected rule
   * reads it the call is not made: the field is a NotCollected marker (UNKNOWN if a later
   * evaluation with more rules reads it), never a value.
   */
  fact?: string;
}

/**
 * A paginated listing, as one sentence: page through `pages`, take `items(page)`, turn each into a
 * record (undefined: not a resource, e.g. it has no id — skipped, not counted).
 */
export type Listing<Page, Item> = {
  pages: AsyncIterable<Page>;
  items: (page: Page) => readonly Item[] | undefined;
} & (
  | { toRecord: (item: Item, page: Page) => EmittedResource | undefined }
  /**
   * For records that need per-resource reads (ctx.detail): run over one page at a time with bounded
   * parallelism (as forEach), so memory follows the page size, not the region.
   */
  | {
      readRecord: (item: Item, page: Page) => Promise<EmittedResource | undefined>;
      /**
       * A last step before a record is emitted, run after its read has given back its slot: for
       * what waits on something else than the resource's own reads (KMS: the region's alias
       * index, read while the keys are). The listing goes on meanwhile, at most two pages ahead.
       */
      complete?: (record: EmittedResource) => Promise<EmittedResource>;
    }
);

export interface CollectorContext {
  readonly accountId: string;
  /** The region this run covers; global collectors run once per account with the partition's home region. */
  readonly region: string;
  readonly partition: string;
  readonly signal: AbortSignal;
  /** A paced, retried SDK client for this account (region defaults to the context's). */
  client<S extends ServiceName>(service: S, region?: string): ClientOf<S>;
  /**
   * A listing operation of an odd shape (not paginated; or building an index, not records); prefer
   * list(). Its outcome is one coverage row (ok with the count it returns, denied, or failed).
   * Returns false when it failed: what it would have listed is a coverage gap.
   */
  unit(service: ServiceName, operation: string, fn: () => Promise<number>): Promise<boolean>;
  /**
   * A paginated listing as one unit: every page's items become records, emitted and counted (the
   * unit's resource count). Returns false when it failed, as unit().
   */
  list<Page, Item>(service: ServiceName, operation: string, listing: Listing<Page, Item>): Promise<boolean>;
  /** A per-resource fact. A failure becomes an unreadable marker to store in place of the fact. */
  detail<T>(
    service: ServiceName,
    operation: string,
    fn: () => Promise<T>,
    opts?: DetailOptions,
  ): Promise<DetailResult<T | null>>;
  /** Stream a record to the store. */
  emit(resource: EmittedResource): void;
  /** Run fn over items with bounded parallelism (per-resource detail calls). */
  forEach<T>(items: Iterable<T>, fn: (item: T) => Promise<void>): Promise<void>;
}

/** A collector without its code: what start-up needs to know (src/collect/manifests.ts). */
export type CollectorManifest = Omit<Collector, "collect">;

export interface Collector {
  /** Unique name, usually the service: "ec2", "kms", ... */
  name: string;
  /** The service whose region availability decides whether it runs. */
  service: ServiceName;
  scope: "regional" | "global";
  resourceTypes: readonly ResourceType[];
  /**
   * Listing operations and the resource types they enumerate: when one is denied or fails, rules on
   * those types give UNKNOWN for the (account, region) instead of silently finding nothing.
   */
  listings: Readonly<Record<string, readonly ResourceType[]>>;
  /** Every IAM action it may call ("ec2:DescribeVolumes"); the shipped read-only policy is checked against these. */
  actions: readonly string[];
  collect(ctx: CollectorContext): Promise<void>;
}
