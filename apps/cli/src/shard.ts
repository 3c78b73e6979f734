import { InvalidArgumentError } from 'commander';

/** A deterministic slice of a batch: k-th (1-based) of n. */
export interface Shard {
  index: number;
  count: number;
}

/** "k/n" with 1 <= k <= n; "0/n" is refused (shards are 1-based, like Slurm array ids from 1). */
export function parseShard(value: string): Shard {
  const match = /^(\d+)\/(\d+)$/.exec(value.trim());
  const index = match ? Number(match[1]) : Number.NaN;
  const count = match ? Number(match[2]) : Number.NaN;
  if (!match || count < 1 || index < 1 || index > count) {
    throw new InvalidArgumentError(`expected k/n with 1 <= k <= n (e.g. 2/8), got '${value}'.`);
  }
  return { index, count };
}

/**
 * The items of shard k/n: the sorted list is dealt round-robin (item i goes to shard (i mod n) + 1), so
 * every item lands in exactly one shard and shard sizes differ by at most one.
 */
export function shardItems<T>(sortedItems: readonly T[], shard: Shard | undefined): T[] {
  if (!shard) return [...sortedItems];
  return sortedItems.filter((_, i) => i % shard.count === shard.index - 1);
}
