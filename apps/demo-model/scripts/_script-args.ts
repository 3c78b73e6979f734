// Command-line helpers shared by the demo-model scripts (train, evaluate).
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** `assets/demo-model` of the installed @s2cassi/demo-data: where shipped weights and their card go. */
export const demoModelAssets = resolve(
  dirname(createRequire(import.meta.url).resolve('@s2cassi/demo-data/package.json')),
  'assets/demo-model',
);

/** The value after `name` on the command line, if present. */
export function option(name: string): string | undefined {
  const index = process.argv.indexOf(name);
  return index >= 0 ? process.argv[index + 1] : undefined;
}

/** Every value given after `name` on the command line (a repeatable option), in order. */
export function options(name: string): string[] {
  return process.argv.flatMap((arg, i) =>
    arg === name && i + 1 < process.argv.length ? [process.argv[i + 1]] : [],
  );
}

/** The shared data folder holding cave/: --data, $S2CASSI_DATA, ../shared/data beside the checkout. */
export function dataFolder(): string {
  const candidates = [
    option('--data'),
    process.env.S2CASSI_DATA,
    resolve(repoRoot, '../shared/data'),
    '/work/shared/data',
  ];
  const found = candidates.find((p) => p !== undefined && existsSync(resolve(p, 'cave')));
  if (!found)
    throw new Error(
      `no shared data folder with cave/ found (tried ${candidates.filter(Boolean).join(', ')}); pass --data`,
    );
  return found;
}

/** The centre `size` x `size` crop [size, size, bands] of an HWC cube (row-major, bands fastest). */
export function centreCrop(data: Float32Array, shape: readonly number[], size: number): Float32Array {
  const [height, width, bands] = shape;
  const top = Math.floor((height - size) / 2);
  const left = Math.floor((width - size) / 2);
  const out = new Float32Array(size * size * bands);
  for (let y = 0; y < size; y++) {
    const from = ((top + y) * width + left) * bands;
    out.set(data.subarray(from, from + size * bands), y * size * bands);
  }
  return out;
}
