import { defineConfig, type UserConfig } from 'tsdown';

/** The one build config every package re-exports: ESM + .d.ts from src/index.ts, checked by publint. */
export function packageConfig(overrides: UserConfig = {}): UserConfig {
  return defineConfig({
    entry: ['src/index.ts'],
    format: ['esm'],
    platform: 'neutral',
    target: 'es2022',
    dts: true,
    sourcemap: true,
    clean: true,
    publint: true,
    ...overrides,
  }) as UserConfig;
}
