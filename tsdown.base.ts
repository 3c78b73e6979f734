import { defineConfig, type UserConfig } from 'tsdown';

/**
 * The one build config every package re-exports: ESM + .d.ts from src/index.ts. publint runs in
 * scripts/pack-check.mjs on the tarball it packs, not here: tsdown 0.21.10's publint step packs into a temporary
 * folder and removes it before reading the tarball (`return readFile(...)` inside try/finally without await), which
 * failed a CI run with ENOENT; it also only logs what publint finds, where pack-check fails the package.
 */
export function packageConfig(overrides: UserConfig = {}): UserConfig {
  return defineConfig({
    entry: ['src/index.ts'],
    format: ['esm'],
    platform: 'neutral',
    target: 'es2022',
    dts: true,
    sourcemap: true,
    clean: true,
    publint: false,
    ...overrides,
  }) as UserConfig;
}
