import { readFileSync } from 'node:fs';
import { loadStandardMask } from '@s2cassi/demo-data';
import { describe, expect, it } from 'vitest';
import { configuredMask, randomMask } from './mask-source';
import { loadConfiguredMask, loadStandardMaskFromDemoData } from './node-data';
import { preset } from './presets';

describe('configuredMask / loadConfiguredMask', () => {
  const config = preset('cpu-small');

  it('the trainer ships no data: a standard mask must be given as data in the core entry', async () => {
    expect(config.data.mask.kind).toBe('standard');
    await expect(configuredMask(config)).rejects.toThrow(
      /standardMask.*@s2cassi\/demo-data|@s2cassi\/demo-data/,
    );
    const standard = await loadStandardMask();
    const given = { data: standard.data, shape: [256, 256] as [number, number] };
    expect(await configuredMask(config, { standardMask: given })).toBe(given);
    await expect(
      configuredMask(config, { standardMask: { data: new Float32Array(16), shape: [4, 4] } }),
    ).rejects.toThrow('must be 256 x 256');
  });

  it('the Node entry loads the standard mask from @s2cassi/demo-data, value for value', async () => {
    const standard = await loadStandardMask();
    const loaded = await loadConfiguredMask(config);
    expect(loaded.shape).toEqual([256, 256]);
    expect(loaded.data.length).toBe(256 * 256);
    let different = 0;
    for (let i = 0; i < loaded.data.length; i++) if (loaded.data[i] !== standard.data[i]) different++;
    expect(different).toBe(0);
    expect((await loadStandardMaskFromDemoData()).shape).toEqual([256, 256]);
  });

  it('random masks are the same from both entries', async () => {
    const random = {
      ...config,
      data: { ...config.data, mask: { kind: 'random' as const, size: 32, binary: true, randomCrop: true } },
    };
    const a = await loadConfiguredMask(random);
    const b = randomMask(32, true, random.seed);
    expect(Array.from(a.data)).toEqual(Array.from(b.data));
  });

  it('@s2cassi/demo-data is an optional peer of the trainer, not a dependency', () => {
    const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
    expect(manifest.dependencies['@s2cassi/demo-data']).toBeUndefined();
    expect(manifest.peerDependencies['@s2cassi/demo-data']).toBeDefined();
    expect(manifest.peerDependenciesMeta['@s2cassi/demo-data']).toEqual({ optional: true });
  });
});
