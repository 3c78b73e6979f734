#!/usr/bin/env node
// Packaging check: every published workspace package is built, packed with `pnpm pack`, installed from
// its tarball (with the tarballs of the @s2cassi packages it depends on, and its peers from the npm
// registry) into an empty temporary project, imported, and the first ```js block of its README run.
// publint checks each tarball (errors and warnings fail the package; suggestions are printed).
// A package that only works inside the workspace fails here.
//
// Usage: node scripts/pack-check.mjs [package-dir ...]   (default: every non-private package)
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';

const root = resolve(import.meta.dirname, '..');
const pnpm = join(root, 'node_modules/.bin/pnpm');

function workspacePackages() {
  const dirs = [];
  for (const group of ['packages', 'apps']) {
    const base = join(root, group);
    if (!existsSync(base)) continue;
    for (const name of readdirSync(base)) {
      const file = join(base, name, 'package.json');
      if (!existsSync(file)) continue;
      const pkg = JSON.parse(readFileSync(file, 'utf8'));
      dirs.push({ dir: join(base, name), pkg });
    }
  }
  return dirs;
}

function run(cmd, args, cwd, extraEnv = {}) {
  return execFileSync(cmd, args, {
    cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...extraEnv },
  }).toString();
}

const all = workspacePackages();
const byName = new Map(all.map((p) => [p.pkg.name, p]));
const requested = process.argv.slice(2).map((d) => resolve(d));
const targets = all.filter((p) => !p.pkg.private && (requested.length === 0 || requested.includes(p.dir)));
if (targets.length === 0) {
  console.error('pack-check: no published packages found');
  process.exit(1);
}

const TRAINING_ARTEFACT =
  /(^|\/)(training|runs|checkpoints)\/|log\.jsonl|console-[^/]*\.out$|optimizer\.safetensors$|train\.pid$/;
const work = mkdtempSync(join(tmpdir(), 's2cassi-pack-'));
const tarballs = new Map();
function pack(name) {
  if (tarballs.has(name)) return tarballs.get(name);
  const entry = byName.get(name);
  // Internal dependencies travel as tarballs too (they are not on the registry yet).
  for (const dep of Object.keys(entry.pkg.dependencies ?? {})) if (byName.has(dep)) pack(dep);
  run(pnpm, ['run', '--if-present', 'build'], entry.dir);
  const out = run(pnpm, ['pack', '--pack-destination', work], entry.dir).trim().split('\n').pop();
  const file = out.startsWith('/') ? out : join(work, out);
  // A published package ships no training-run artefacts (runs, checkpoints, logs, optimizer state).
  const shipped = run('tar', ['-tzf', file], work).trim().split('\n');
  const artefacts = shipped.filter((path) => TRAINING_ARTEFACT.test(path));
  if (artefacts.length > 0) {
    throw new Error(`${name}: the tarball ships training-run artefacts: ${artefacts.join(', ')}`);
  }
  tarballs.set(name, file);
  return file;
}

function readmeInstall(dir) {
  const readme = join(dir, 'README.md');
  if (!existsSync(readme)) return [];
  const line = /^npm install (.+)$/m.exec(readFileSync(readme, 'utf8'));
  return line
    ? line[1]
        .trim()
        .split(/\s+/)
        .filter((word) => !word.startsWith('-'))
    : [];
}

function readmeExample(dir) {
  const readme = join(dir, 'README.md');
  if (!existsSync(readme)) return undefined;
  const match = /```js\n([\s\S]*?)```/.exec(readFileSync(readme, 'utf8'));
  return match?.[1];
}

let failed = 0;
for (const { dir, pkg } of targets) {
  const started = Date.now();
  try {
    const own = pack(pkg.name);
    const tarball = readFileSync(own);
    const { messages } = await publint({
      pack: { tarball: tarball.buffer.slice(tarball.byteOffset, tarball.byteOffset + tarball.byteLength) },
    });
    const problems = messages.filter((message) => message.type !== 'suggestion');
    for (const message of messages)
      console.log(`     publint ${message.type}: ${formatMessage(message, pkg)}`);
    if (problems.length > 0)
      throw new Error(`${pkg.name}: publint found ${problems.length} problem(s) in the tarball`);
    const project = join(work, `try-${pkg.name.replace(/[@/]/g, '_')}`);
    mkdirSync(project);
    writeFileSync(
      join(project, 'package.json'),
      JSON.stringify({ name: 'pack-check', private: true, type: 'module' }),
    );
    const internal = [];
    const collect = (name) => {
      for (const dep of Object.keys(byName.get(name).pkg.dependencies ?? {})) {
        if (byName.has(dep) && !internal.includes(tarballs.get(dep))) {
          internal.push(tarballs.get(dep));
          collect(dep);
        }
      }
    };
    collect(pkg.name);
    const peers = Object.entries(pkg.peerDependencies ?? {})
      .filter(([name]) => !pkg.peerDependenciesMeta?.[name]?.optional)
      .map(([name, range]) => `${name}@${range}`);
    // The README's own `npm install ...` line is what a user runs: install what it names too
    // (the @s2cassi packages it names come from their tarballs).
    const extra = readmeInstall(dir).filter((spec) => !spec.startsWith('@s2cassi/'));
    run(
      'npm',
      ['install', '--no-audit', '--no-fund', '--loglevel=error', own, ...internal, ...peers, ...extra],
      project,
    );
    writeFileSync(
      join(project, 'import.mjs'),
      `const m = await import(${JSON.stringify(pkg.name)});\nif (Object.keys(m).length === 0) throw new Error('no exports');\nconsole.log(Object.keys(m).length + ' exports');\n`,
    );
    const imported = run('node', ['import.mjs'], project).trim();
    const example = readmeExample(dir);
    if (!example) throw new Error(`${pkg.name}: README.md has no \`\`\`js example block`);
    writeFileSync(join(project, 'example.mjs'), example);
    const output = run('node', ['example.mjs'], project).trim();
    console.log(
      `ok   ${pkg.name} (${imported}; README example ran in ${((Date.now() - started) / 1000).toFixed(1)} s)`,
    );
    if (process.env.PACK_CHECK_VERBOSE) console.log(output);
  } catch (error) {
    failed++;
    const detail = error.stderr?.toString() || error.stdout?.toString() || error.message;
    console.error(`FAIL ${pkg.name}\n${detail}`);
  }
}
rmSync(work, { recursive: true, force: true });
if (failed) {
  console.error(`pack-check: ${failed} of ${targets.length} packages failed`);
  process.exit(1);
}
console.log(`pack-check: ${targets.length} packages ok`);
