import { existsSync, readFileSync } from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// What loading an entry loads: the files reachable from it by static imports and re-exports (type-only
// ones are erased), followed into other packages' sources through their `@s2cassi/source` export.

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

const STATIC = /(?:^|[\n;])\s*(import|export)\s+(type\s+)?(?:[\w*{}\s,$]*?\s*from\s*)?['"]([^'"]+)['"]/g;
const DYNAMIC = /(?<!typeof\s*)\bimport\(\s*(?:\/\*[^*]*\*\/\s*)?['"]([^'"]+)['"]\s*\)/g;

function stripComments(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
}

function resolveRelative(from: string, specifier: string): string {
  const base = resolve(dirname(from), specifier);
  for (const candidate of [`${base}.ts`, join(base, 'index.ts'), base]) {
    if (existsSync(candidate) && candidate.endsWith('.ts')) return candidate;
  }
  throw new Error(`${from}: cannot resolve ${specifier}`);
}

/** The source file of a workspace package's subpath (`@s2cassi/x/sub`), or undefined for other packages. */
function workspaceSource(specifier: string): string | undefined {
  const match = /^(@s2cassi\/[^/]+)(\/.*)?$/.exec(specifier);
  if (!match) return undefined;
  const manifest = require.resolve(`${match[1]}/package.json`);
  const exports = JSON.parse(readFileSync(manifest, 'utf8')).exports as Record<
    string,
    Record<string, string>
  >;
  const entry = exports[`.${match[2] ?? ''}`]?.['@s2cassi/source'];
  if (!entry) throw new Error(`${specifier}: no @s2cassi/source export`);
  return resolve(dirname(manifest), entry);
}

interface Graph {
  files: string[];
  /** Bare specifiers imported statically, with the file importing them. */
  external: { specifier: string; from: string }[];
  dynamic: { specifier: string; from: string }[];
}

function staticGraph(entry: string): Graph {
  const graph: Graph = { files: [], external: [], dynamic: [] };
  const seen = new Set<string>();
  const queue = [entry];
  while (queue.length > 0) {
    const file = queue.pop() as string;
    if (seen.has(file)) continue;
    seen.add(file);
    graph.files.push(file);
    const source = stripComments(readFileSync(file, 'utf8'));
    for (const [, , typeOnly, specifier] of source.matchAll(STATIC)) {
      if (typeOnly) continue;
      if (specifier.startsWith('.')) {
        queue.push(resolveRelative(file, specifier));
        continue;
      }
      graph.external.push({ specifier, from: file });
      const workspace = workspaceSource(specifier);
      if (workspace) queue.push(workspace);
    }
    for (const [, specifier] of source.matchAll(DYNAMIC)) graph.dynamic.push({ specifier, from: file });
  }
  return graph;
}

const isNodeBuiltin = (specifier: string) =>
  specifier.startsWith('node:') || builtinModules.includes(specifier.split('/')[0]);

describe('the main entry', () => {
  const graph = staticGraph(join(here, 'index.ts'));
  const name = (file: string) => relative(resolve(here, '../..'), file);

  it('imports no Node built-in, directly or through another package', () => {
    expect(graph.files.length).toBeGreaterThan(20);
    expect(graph.external.filter((e) => isNodeBuiltin(e.specifier))).toEqual([]);
  });

  it('needs only tfjs-core and the safetensors codec of @s2cassi/hsi-io', () => {
    const packages = new Set(graph.external.map((e) => e.specifier));
    expect([...packages].sort()).toEqual(['@s2cassi/hsi-io/safetensors', '@tensorflow/tfjs-core']);
    // hsi-io's safetensors entry reaches no other format (no fflate, fast-png or h5wasm).
    expect(
      graph.files
        .map(name)
        .filter((f) => f.startsWith('hsi-io/'))
        .sort(),
    ).toEqual([
      'hsi-io/src/cube.ts',
      'hsi-io/src/errors.ts',
      'hsi-io/src/ndarray.ts',
      'hsi-io/src/safetensors.ts',
      'hsi-io/src/value-scale.ts',
    ]);
  });

  it('has no import a bundler would follow into a lazy chunk', () => {
    // (The deprecated saveS2Transformer/loadS2Transformer forwarders import the ./node subpath by a name
    // held in a variable, which bundlers leave alone.)
    expect(graph.dynamic.map((d) => `${name(d.from)} -> ${d.specifier}`)).toEqual([]);
  });
});

it('the node entry is where Node comes in (the scan sees it)', () => {
  const graph = staticGraph(join(here, 'node.ts'));
  const specifiers = graph.external.map((e) => e.specifier);
  expect(specifiers).toContain('node:fs/promises');
  expect(specifiers).toContain('@s2cassi/hsi-io/node');
  expect(graph.external.some((e) => isNodeBuiltin(e.specifier))).toBe(true);
});
