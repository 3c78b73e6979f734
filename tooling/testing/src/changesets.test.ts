import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import parse from '@changesets/parse';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './data';

/** Every changeset must parse (front matter intact) and name only published workspace packages. */
describe('changesets', () => {
  const published = new Map<string, boolean>();
  for (const group of ['packages', 'apps', 'tooling']) {
    const base = join(REPO_ROOT, group);
    if (!existsSync(base)) continue;
    for (const name of readdirSync(base)) {
      const file = join(base, name, 'package.json');
      if (!existsSync(file)) continue;
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name: string; private?: boolean };
      published.set(pkg.name, pkg.private !== true);
    }
  }
  const dir = join(REPO_ROOT, '.changeset');
  const files = readdirSync(dir).filter((f) => f.endsWith('.md') && f !== 'README.md');
  for (const file of files) {
    it(`${file} parses and names published packages`, () => {
      const changeset = parse(readFileSync(join(dir, file), 'utf8'));
      expect(changeset.releases.length).toBeGreaterThan(0);
      expect(changeset.summary.length).toBeGreaterThan(10);
      for (const release of changeset.releases) {
        expect(published.get(release.name), `${release.name} is not a published workspace package`).toBe(
          true,
        );
      }
    });
  }
});
