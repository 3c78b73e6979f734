// Runs benchmark scripts (they print numbers; nothing here is a timed test).
//   pnpm bench                    lists the benchmarks
//   pnpm bench cassi-sim          runs every bench/*.ts of packages/cassi-sim
//   pnpm bench cassi-sim/simulate-and-gap-tv   runs one
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const benches: string[] = [];
for (const group of ['packages', 'apps']) {
  const base = join(root, group);
  if (!existsSync(base)) continue;
  for (const name of readdirSync(base)) {
    const dir = join(base, name, 'bench');
    if (!existsSync(dir)) continue;
    for (const file of readdirSync(dir))
      if (file.endsWith('.ts')) benches.push(`${name}/${file.replace(/\.ts$/, '')}`);
  }
}
const wanted = process.argv.slice(2);
if (wanted.length === 0) {
  console.log(`benchmarks (pnpm bench <package>[/<name>]):\n${benches.map((b) => `  ${b}`).join('\n')}`);
  process.exit(0);
}
const selected = benches.filter((b) => wanted.some((w) => b === w || b.startsWith(`${w}/`)));
if (selected.length === 0) {
  console.error(`no benchmark matches ${wanted.join(' ')}; run pnpm bench to list them`);
  process.exit(2);
}
for (const bench of selected) {
  const [pkg, name] = bench.split('/');
  const group = existsSync(join(root, 'packages', pkg)) ? 'packages' : 'apps';
  console.log(`\n== ${bench}`);
  const result = spawnSync(
    process.execPath,
    ['--conditions=@s2cassi/source', '--import', 'tsx', join(root, group, pkg, 'bench', `${name}.ts`)],
    { stdio: 'inherit', cwd: root },
  );
  if (result.status !== 0) process.exit(result.status ?? 1);
}
