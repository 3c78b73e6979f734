import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';

/** One workspace member (a folder under packages/, apps/ or tooling/ with a package.json). */
export interface WorkspaceMember {
  name: string;
  /** Folder relative to the repository root, `/`-separated. */
  folder: string;
  private: boolean;
  dependencies: string[];
  devDependencies: string[];
  peerDependencies: string[];
}

export interface ImportSite {
  /** File relative to the repository root. */
  file: string;
  specifier: string;
}

export interface WorkspaceGraph {
  members: WorkspaceMember[];
  /** Workspace-internal edges `from -> to`, declared in package.json or found in imports. */
  edges: { from: string; to: string; declared: boolean; imported: boolean; kind: string }[];
  crossMemberRelativeImports: ImportSite[];
  undeclaredImports: ImportSite[];
  /** Each cycle as a list of member names, first == last. */
  cycles: string[][];
}

const SOURCE = /\.(ts|tsx|mts|mjs|js)$/;
const SKIP = new Set(['node_modules', 'dist', 'runs', 'test-artifacts', 'coverage', '.turbo']);
const IMPORT =
  /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+|\brequire\s*\(\s*|\bnew URL\s*\(\s*)(['"])([^'"\n]+)\1/g;

function listSources(folder: string): string[] {
  if (!existsSync(folder)) return [];
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    if (SKIP.has(entry.name) || entry.name.startsWith('.')) return [];
    const path = join(folder, entry.name);
    if (entry.isDirectory()) return listSources(path);
    return SOURCE.test(entry.name) && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

function readMembers(root: string): WorkspaceMember[] {
  return ['packages', 'apps', 'tooling'].flatMap((top) =>
    existsSync(join(root, top))
      ? readdirSync(join(root, top))
          .filter((name) => existsSync(join(root, top, name, 'package.json')))
          .map((name) => {
            const manifest = JSON.parse(readFileSync(join(root, top, name, 'package.json'), 'utf8'));
            const keys = (field: string) => Object.keys(manifest[field] ?? {});
            return {
              name: manifest.name as string,
              folder: `${top}/${name}`,
              private: manifest.private === true,
              dependencies: keys('dependencies'),
              devDependencies: keys('devDependencies'),
              peerDependencies: keys('peerDependencies'),
            };
          })
      : [],
  );
}

/** Package name of a bare specifier (`@scope/name/sub` -> `@scope/name`). */
function packageOf(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

function findCycles(names: string[], next: Map<string, Set<string>>): string[][] {
  const cycles: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string) => {
    state.set(node, 'open');
    stack.push(node);
    for (const to of next.get(node) ?? []) {
      if (state.get(to) === 'open') cycles.push([...stack.slice(stack.indexOf(to)), to]);
      else if (!state.has(to)) visit(to);
    }
    stack.pop();
    state.set(node, 'done');
  };
  for (const name of names) if (!state.has(name)) visit(name);
  return cycles;
}

/**
 * Reads the workspace's package.json files and every source file's imports (static, dynamic, `require`
 * and `new URL(..., import.meta.url)`), and reports relative paths that leave their member, workspace
 * imports their member does not declare, and cycles in the graph of declared and imported edges.
 * `extraFiles` adds virtual files (for testing the checker itself).
 */
export function workspaceGraph(
  root: string,
  options: { extraFiles?: { file: string; text: string }[] } = {},
): WorkspaceGraph {
  const members = readMembers(root);
  const byName = new Map(members.map((m) => [m.name, m]));
  const edges = new Map<string, WorkspaceGraph['edges'][number]>();
  const addEdge = (from: string, to: string, declared: boolean, imported: boolean, kind: string) => {
    if (from === to) return;
    const key = `${from} -> ${to}`;
    const edge = edges.get(key) ?? { from, to, declared: false, imported: false, kind };
    edge.imported ||= imported;
    // A dependency outranks a peer, which outranks a dev dependency (a package may list one name twice).
    const rank = (k: string) => ['dependency', 'peer', 'dev'].indexOf(k);
    if (declared && (!edge.declared || rank(kind) < rank(edge.kind))) edge.kind = kind;
    edge.declared ||= declared;
    edges.set(key, edge);
  };
  for (const member of members) {
    for (const [kind, list] of [
      ['dependency', member.dependencies],
      ['peer', member.peerDependencies],
      ['dev', member.devDependencies],
    ] as const) {
      for (const dependency of list)
        if (byName.has(dependency)) addEdge(member.name, dependency, true, false, kind);
    }
  }
  const crossMemberRelativeImports: ImportSite[] = [];
  const undeclaredImports: ImportSite[] = [];
  const files = members.flatMap((member) =>
    listSources(join(root, member.folder)).map((file) => ({
      member,
      file,
      text: readFileSync(file, 'utf8'),
    })),
  );
  for (const extra of options.extraFiles ?? []) {
    const folder = relative(root, extra.file).split(sep).slice(0, 2).join('/');
    const member = members.find((m) => m.folder === folder);
    if (member) files.push({ member, file: extra.file, text: extra.text });
  }
  for (const { member, file, text } of files) {
    const memberRoot = resolve(root, member.folder);
    const site = (specifier: string) => ({ file: relative(root, file).split(sep).join('/'), specifier });
    for (const match of text.matchAll(IMPORT)) {
      const specifier = match[2];
      if (specifier.startsWith('.')) {
        const target = resolve(file, '..', specifier);
        if (target !== memberRoot && !target.startsWith(memberRoot + sep)) {
          // Leaving the member is fine for repository-level files (tsdown.base.ts); not into another member.
          const owner = members.find((m) => {
            const folder = resolve(root, m.folder);
            return target === folder || target.startsWith(folder + sep);
          });
          if (owner) {
            crossMemberRelativeImports.push(site(specifier));
            addEdge(member.name, owner.name, false, true, 'relative');
          }
        }
        continue;
      }
      const name = packageOf(specifier);
      const target = byName.get(name);
      if (!target || target === member) continue;
      const declared =
        member.dependencies.includes(name) ||
        member.devDependencies.includes(name) ||
        member.peerDependencies.includes(name);
      if (!declared) undeclaredImports.push(site(specifier));
      addEdge(member.name, name, false, true, 'import');
    }
  }
  const next = new Map<string, Set<string>>();
  for (const edge of edges.values()) {
    if (!next.has(edge.from)) next.set(edge.from, new Set());
    next.get(edge.from)!.add(edge.to);
  }
  return {
    members,
    edges: [...edges.values()].sort((a, b) => (a.from + a.to).localeCompare(b.from + b.to)),
    crossMemberRelativeImports,
    undeclaredImports,
    cycles: findCycles(
      members.map((m) => m.name),
      next,
    ),
  };
}

/**
 * The runtime dependency graph (dependencies and peer dependencies between workspace members; dev
 * dependencies left out) as a Mermaid flowchart, the block docs/architecture.md embeds.
 */
export function dependencyGraphMermaid(graph: WorkspaceGraph): string {
  const id = (name: string) => name.replace(/^@s2cassi\//, '').replace(/[^a-z0-9]/gi, '_');
  const label = (member: WorkspaceMember) =>
    `${id(member.name)}["${member.name.replace(/^@s2cassi\//, '')}${member.private ? ' (private)' : ''}"]`;
  const lines = ['```mermaid', 'flowchart TD'];
  for (const member of [...graph.members].sort((a, b) => a.name.localeCompare(b.name))) {
    lines.push(`  ${label(member)}`);
  }
  for (const edge of graph.edges) {
    if (!edge.declared || edge.kind === 'dev') continue;
    lines.push(`  ${id(edge.from)} ${edge.kind === 'peer' ? '-.->' : '-->'} ${id(edge.to)}`);
  }
  lines.push('```');
  return lines.join('\n');
}
