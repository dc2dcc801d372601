// `scan --shard K/N`: which accounts shard K of N scans. Rendezvous (highest-random-weight)
// hashing: each account goes to the shard whose SHA-256 of (shard, account) is highest, so adding
// or removing an account moves only that account, and going from N to N+1 shards moves only the
// accounts the new shard wins (about 1/(N+1) of them).
import { createHash } from "node:crypto";

export interface Shard {
  /** 0 .. count-1, as Kubernetes' JOB_COMPLETION_INDEX and AWS Batch's AWS_BATCH_JOB_ARRAY_INDEX count. */
  index: number;
  count: number;
}

/** The most shards a scan can be split into (each account hashes once per shard). */
export const MAX_SHARDS = 1000;

/** "K/N" as a shard, or why it is not one. */
export function parseShard(text: string): Shard {
  const m = /^(\d{1,4})\/(\d{1,4})$/.exec(text);
  if (!m) throw new RangeError(`"${text}" is not K/N (e.g. 0/4: the first of four shards)`);
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1 || count > MAX_SHARDS)
    throw new RangeError(`N must be from 1 to ${MAX_SHARDS} (got ${count})`);
  if (index >= count)
    throw new RangeError(
      `K counts from 0 and must be below N: ${text} is not one of 0/${count} .. ${count - 1}/${count}`,
    );
  return { index, count };
}

export const shardText = (s: Shard): string => `${s.index}/${s.count}`;

function weight(shard: number, accountId: string): bigint {
  return createHash("sha256").update(`${shard}/${accountId}`).digest().readBigUInt64BE(0);
}

/** The shard (0 .. count-1) that owns an account. */
export function shardOf(accountId: string, count: number): number {
  let best = 0;
  let top = -1n;
  for (let k = 0; k < count; k++) {
    const w = weight(k, accountId);
    if (w > top) {
      top = w;
      best = k;
    }
  }
  return best;
}

/** The accounts of `ids` that `shard` owns, in their order. */
export function accountsOfShard(ids: readonly string[], shard: Shard): string[] {
  return ids.filter((id) => shardOf(id, shard.count) === shard.index);
}
