import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = new URL('..', import.meta.url).pathname;
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

describe('@s2cassi/demo-data package.json says what the package ships', () => {
  it('every published path exists (dist is built) and the license file it names exists', () => {
    for (const path of manifest.files as string[]) {
      if (path === 'dist') continue;
      expect(existsSync(join(root, path)), path).toBe(true);
    }
    const named = /^SEE LICENSE IN (.+)$/.exec(manifest.license);
    expect(named, 'the data are not MIT: the license field points at the terms').not.toBeNull();
    expect(existsSync(join(root, named![1]))).toBe(true);
    const notice = readFileSync(join(root, named![1]), 'utf8');
    for (const asset of readdirSync(join(root, 'assets'))) expect(notice).toContain(`assets/${asset}`);
  });

  it('claims no weights it does not ship, and ships no training runs', () => {
    const shipsWeights = existsSync(join(root, 'assets/demo-model'));
    expect(/weights/i.test(manifest.description)).toBe(shipsWeights);
    expect(existsSync(join(root, 'training'))).toBe(false);
    expect(existsSync(join(root, 'scripts/train-demo-model.ts'))).toBe(false);
  });
});
