import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const packageDir = resolve(import.meta.dirname, '../..');

describe('src/simd-wasm.generated.ts', () => {
  it('is what scripts/build-simd-wasm.mjs generates from scripts/wasm/ (pnpm generate:wasm when this fails)', () => {
    const script = resolve(packageDir, 'scripts/build-simd-wasm.mjs');
    const out = execFileSync(process.execPath, [script, '--check'], { encoding: 'utf8' });
    expect(out).toMatch(/up to date/);
  });
});
