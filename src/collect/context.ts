// The context the runner gives a collector for one (account, region) unit: paced clients of the
// account's session, calls tallied per operation, records normalized into the unit's sink, and
// per-resource work with bounded parallelism.
import pLimit from "p-limit";
import type { ClientSession } from "../aws/clients.js";
import type { ServiceName } from "../aws/services.js";
import { boundJson, normalizeItem } from "../model/normalize.js";
import type { ResourceSink } from "../store/store.js";
import { tallyingCalls, type TallyBook } from "./coverage.js";
import type { CollectorContext, EmittedResource, Listing } from "./types.js";

/** The key of a unit's tallies: one coverage row per service and operation. */
export type OperationKey = { service: ServiceName; operation: string };

export interface UnitContextInput {
  accountId: string;
  /** The unit's region as stored ("global" for global collectors). */
  region: string;
  /** Where its calls go (the home region for global collectors). */
  callRegion: string;
  partition: string;
  signal: AbortSignal;
  session: ClientSession;
  tallies: TallyBook<OperationKey>;
  sink: Pick<ResourceSink, "add">;
  detailConcurrency: number;
  /** Whether a selected rule reads a fact (DetailOptions.fact); default: every fact. */
  reads?: (fact: string) => boolean;
}

export function unitContext(input: UnitContextInput): CollectorContext {
  const { accountId, region, callRegion, session, tallies, sink } = input;
  const captureTime = new Date().toISOString();
  const detailLimit = pLimit(input.detailConcurrency);
  const calls = tallyingCalls(
    (service, operation) => tallies.of({ service, operation }),
    undefined,
    input.reads,
  );
  const ctx: CollectorContext = {
    accountId,
    region: callRegion,
    partition: input.partition,
    signal: input.signal,
    client: (service, r) => session.client(service, r ?? callRegion),
    ...calls,
    list: (service, operation, listing) => runListing(ctx, service, operation, listing),
    emit(r: EmittedResource) {
      sink.add([
        normalizeItem(
          {
            resourceType: r.resourceType,
            resourceId: r.resourceId,
            resourceName: r.resourceName ?? null,
            arn: r.arn ?? null,
            awsAccountId: accountId,
            awsRegion: r.region ?? region,
            configuration: boundJson(r.configuration),
            supplementaryConfiguration: boundJson(r.supplementaryConfiguration ?? {}),
            tags: r.tags,
            configurationItemCaptureTime: captureTime,
          },
          {},
        ),
      ]);
    },
    async forEach(items, fn) {
      await Promise.all([...items].map((it) => detailLimit(() => fn(it))));
    },
  };
  return ctx;
}

/** ctx.list: one unit over every page; a page's records are emitted before the next page is fetched. */
async function runListing<Page, Item>(
  ctx: CollectorContext,
  service: ServiceName,
  operation: string,
  listing: Listing<Page, Item>,
): Promise<boolean> {
  return ctx.unit(service, operation, async () => {
    let count = 0;
    const keep = (r: EmittedResource | undefined): void => {
      if (!r) return;
      ctx.emit(r);
      count++;
    };
    // A page's reads run while the next page is fetched (at most two pages' reads at once), so a
    // page does not end in a tail of its last reads before the next listing call starts.
    let reading: Promise<void> | undefined;
    try {
      for await (const page of listing.pages) {
        const items = listing.items(page) ?? [];
        if ("toRecord" in listing) {
          for (const item of items) keep(listing.toRecord(item, page));
        } else {
          const { readRecord: read, complete } = listing;
          const completing: Promise<void>[] = [];
          const work = ctx
            .forEach(items, async (item) => {
              const r = await read(item, page);
              if (r && complete) completing.push(complete(r).then(keep));
              else keep(r);
            })
            .then(() => Promise.all(completing).then(() => undefined));
          work.catch(() => undefined); // awaited below; no unhandled rejection meanwhile
          await reading;
          reading = work;
        }
      }
    } catch (err) {
      // A failed page: the reads already started finish before the unit is judged and committed.
      await reading?.catch(() => undefined);
      throw err;
    }
    await reading;
    return count;
  });
}
