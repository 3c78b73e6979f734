import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dependencyGraphMermaid, workspaceGraph } from './workspace-graph';

/**
 * The workspace's dependency graph, from the package.json files and from what the code imports: no file
 * reaches into another member by relative path, every workspace import is declared, and the graph of
 * declared and actual edges has no cycle.
 */
const root = resolve(import.meta.dirname, '../../..');
const graph = workspaceGraph(root);

describe('workspace dependency graph', () => {
  it('finds every member', () => {
    const names = graph.members.map((m) => m.name);
    for (const expected of ['@s2cassi/cassi-sim', '@s2cassi/trainer', '@s2cassi/cli', '@s2cassi/demo-model'])
      expect(names).toContain(expected);
  });

  it('no file reaches into another workspace member by relative path', () => {
    expect(graph.crossMemberRelativeImports).toEqual([]);
  });

  it('every import of a workspace package is declared in the importing member', () => {
    expect(graph.undeclaredImports).toEqual([]);
  });

  it('has no cycle, declared or hidden', () => {
    expect(graph.cycles).toEqual([]);
  });

  it('docs/architecture.md draws exactly this graph (regenerate: node --import tsx scripts/dependency-graph.ts --write)', () => {
    const doc = readFileSync(join(root, 'docs/architecture.md'), 'utf8');
    expect(doc).toContain(dependencyGraphMermaid(graph));
  });

  it('detects what it is meant to detect (a planted relative import and a cycle)', () => {
    const planted = workspaceGraph(root, {
      extraFiles: [
        {
          file: join(root, 'packages/trainer/src/__planted.ts'),
          text: "import { x } from '../../demo-data/src/index';\nimport '@s2cassi/cli';\n",
        },
      ],
    });
    expect(planted.crossMemberRelativeImports.map((i) => i.file)).toContain(
      'packages/trainer/src/__planted.ts',
    );
    expect(planted.undeclaredImports.map((i) => i.specifier)).toContain('@s2cassi/cli');
    expect(planted.cycles.length).toBeGreaterThan(0);
  });
});

// Keep the helpers honest about the tree they read.
it('reads the real tree (sanity)', () => {
  expect(existsSync(join(root, 'pnpm-workspace.yaml'))).toBe(true);
  expect(readdirSync(join(root, 'packages')).length).toBeGreaterThan(5);
  expect(relative(root, dirname(join(root, 'packages', 'x'))).split(sep)[0]).toBe('packages');
  expect(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).private).toBe(true);
});
