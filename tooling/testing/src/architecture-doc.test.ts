import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * docs/architecture.md is drawn from the code: every workspace member is in its table, and every file or
 * folder it names exists (paths under `src/` and `scripts/` in the wasm kernel section are the backends
 * package's). The dependency graph itself is checked by workspace-graph.test.ts.
 */
const root = resolve(import.meta.dirname, '../../..');
const doc = readFileSync(join(root, 'docs/architecture.md'), 'utf8');

describe('docs/architecture.md', () => {
  it('its member table names every workspace member', () => {
    const table = doc.slice(doc.indexOf('| member |'), doc.indexOf('## Dependency graph'));
    const rows = table.split('\n').filter((line) => line.startsWith('| `'));
    const named = rows.flatMap((row) => [...row.split('|')[1].matchAll(/`([\w/-]+)`/g)].map((m) => m[1]));
    const members = ['packages', 'apps', 'tooling'].flatMap((group) =>
      readdirSync(join(root, group))
        .filter((name) => existsSync(join(root, group, name, 'package.json')))
        .map((name) => ({ group, name })),
    );
    const missing = members.filter(
      ({ group, name }) => !named.includes(`${group}/${name}`) && !named.includes(name),
    );
    expect(missing).toEqual([]);
  });

  it('names only files and folders that exist', () => {
    const paths = [
      ...new Set([...doc.matchAll(/(?:packages|apps|tooling|scripts|src)\/[\w./-]*[\w/]/g)].map((m) => m[0])),
    ];
    expect(paths).toEqual(expect.arrayContaining(['apps/demo-model', 'src/wasm/kernels/']));
    const missing = paths.filter(
      (path) => !existsSync(join(root, path)) && !existsSync(join(root, 'packages/backends', path)),
    );
    expect(missing).toEqual([]);
  });

  it('draws the wasm kernel subsystem and the demo-model project', () => {
    for (const part of ['SIMD module', 'worker', 'src/wasm/kernels/', 'apps/demo-model', 'demo-data']) {
      expect(doc).toContain(part);
    }
  });
});
