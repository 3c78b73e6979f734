import type { Cube } from './cube';

/**
 * A lazily loaded collection of scenes: nothing is read until `get` asks for a scene; at most
 * `cacheSize` decoded scenes are kept (least recently used evicted), so a training loop does not hold
 * every scene twice. With a cache, concurrent `get`s of one scene share a single load.
 */
export interface LazyDataset {
  readonly names: readonly string[];
  readonly length: number;
  get(scene: number | string): Promise<Cube>;
  /** Drops every cached scene. */
  clear(): void;
}

export interface LazyDatasetOptions {
  /** Decoded scenes kept in memory (default 0: none; every `get` loads again). */
  cacheSize?: number;
}

/** Builds a LazyDataset from scene names and a loader. */
export function createLazyDataset(
  names: readonly string[],
  load: (name: string) => Promise<Cube>,
  options: LazyDatasetOptions = {},
): LazyDataset {
  const cacheSize = options.cacheSize ?? 0;
  if (!Number.isInteger(cacheSize) || cacheSize < 0)
    throw new Error(`createLazyDataset: cacheSize must be a non-negative integer, got ${cacheSize}`);
  const list = Object.freeze([...names]);
  const cache = new Map<string, Promise<Cube>>();
  const resolve = (scene: number | string): string => {
    if (typeof scene === 'number') {
      if (!Number.isInteger(scene) || scene < 0 || scene >= list.length) {
        throw new Error(`dataset: scene index must be in 0..${list.length - 1}, got ${scene}`);
      }
      return list[scene];
    }
    if (!list.includes(scene)) throw new Error(`dataset: no scene '${scene}' (scenes: ${list.join(', ')})`);
    return scene;
  };
  return {
    names: list,
    length: list.length,
    get(scene) {
      let name: string;
      try {
        name = resolve(scene);
      } catch (error) {
        return Promise.reject(error);
      }
      const hit = cache.get(name);
      if (hit) {
        cache.delete(name);
        cache.set(name, hit);
        return hit;
      }
      const pending = load(name);
      if (cacheSize > 0) {
        cache.set(name, pending);
        pending.catch(() => cache.delete(name));
        while (cache.size > cacheSize) cache.delete(cache.keys().next().value as string);
      }
      return pending;
    },
    clear() {
      cache.clear();
    },
  };
}
