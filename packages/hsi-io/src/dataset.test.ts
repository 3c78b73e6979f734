import { describe, expect, it } from 'vitest';
import { createCube } from './cube';
import { createLazyDataset } from './dataset';

describe('createLazyDataset', () => {
  it('loads lazily, caches the most recently used scenes and shares concurrent loads', async () => {
    const loads: string[] = [];
    const dataset = createLazyDataset(
      ['a', 'b', 'c'],
      async (name) => {
        loads.push(name);
        return createCube([1, 1, 1], [name.charCodeAt(0)]);
      },
      { cacheSize: 2 },
    );
    expect(loads).toEqual([]);
    expect(dataset.length).toBe(3);
    const [one, two] = await Promise.all([dataset.get('a'), dataset.get(0)]);
    expect(one).toBe(two);
    expect(loads).toEqual(['a']);
    await dataset.get('b');
    await dataset.get('a'); // a becomes most recent
    await dataset.get('c'); // evicts b
    await dataset.get('a');
    expect(loads).toEqual(['a', 'b', 'c']);
    await dataset.get('b');
    expect(loads).toEqual(['a', 'b', 'c', 'b']);
    await expect(dataset.get(3)).rejects.toThrow(/scene index must be in 0..2, got 3/);
    await expect(dataset.get('z')).rejects.toThrow(/no scene 'z'/);
    const uncached = createLazyDataset(['a'], async () => createCube([1, 1, 1]));
    expect(await uncached.get(0)).not.toBe(await uncached.get(0));
  });
});
