import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Plugin, UserConfig } from 'vite';
import { describe, expect, it } from 'vitest';
import { CROSS_ORIGIN_ISOLATION_HEADERS, rewriteTfjsWasmBackend, tfjsWasm } from './vite';

const require = createRequire(import.meta.url);
const wasmPackage = dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'));
const backendFile = join(wasmPackage, 'dist', 'backend_wasm.js');
const original = readFileSync(backendFile, 'utf8');

describe('rewriteTfjsWasmBackend', () => {
  it("rewrites tfjs-backend-wasm 4.22's backend_wasm.js once, and nothing else", () => {
    const rewritten = rewriteTfjsWasmBackend(original, `${backendFile}?v=123`);
    expect(rewritten).not.toBeNull();
    const code = rewritten as string;
    // the pthread workers load the unbundled loader, not a Blob of the stringified factory
    expect(code).not.toMatch(/wasmFactoryThreadedSimd\.toString\(\)/);
    expect(code).toContain("from '../wasm-out/tfjs-backend-wasm-threaded-simd.js?url'");
    expect(code).toContain('mainScriptUrlOrBlob = new URL(__s2cassiThreadedLoader, self.location.href).href');
    // the three binaries are imported as assets and are the fallback when no prefix was set
    for (const name of ['tfjs-backend-wasm', 'tfjs-backend-wasm-simd', 'tfjs-backend-wasm-threaded-simd']) {
      expect(code).toContain(`from './${name}.wasm?url'`);
    }
    expect(code).toContain('return wasmPathPrefix == null && __s2cassiBundledWasm[path] != null');
    // the rest of the module is untouched
    expect(code.length - original.length).toBeLessThan(1200);
    expect(code).toContain(original.slice(0, 2000));
    expect(rewriteTfjsWasmBackend(code, backendFile)).toBeNull();
    expect(rewriteTfjsWasmBackend(original, join(wasmPackage, 'dist', 'base.js'))).toBeNull();
  });

  it('fails loudly when the code is not the one it knows', () => {
    expect(() => rewriteTfjsWasmBackend('export const x = 1;', backendFile)).toThrow(
      /expected the code of @tensorflow\/tfjs-backend-wasm 4.22 .* the threaded loader Blob .* and 'return wasmModuleFolder \+ path;' in getPathToWasmBinary was not found/,
    );
  });
});

describe('tfjsWasm', () => {
  function configOf(plugin: Plugin, config: UserConfig): UserConfig {
    const hook = plugin.config as (config: UserConfig, env: unknown) => UserConfig;
    return hook.call({}, config, { command: 'build', mode: 'production' });
  }

  it('adds the headers, leaves the package out of pre-bundling and transforms worker bundles', () => {
    const config: UserConfig = { worker: { format: 'es', plugins: () => [{ name: 'user-worker-plugin' }] } };
    const added = configOf(tfjsWasm(), config);
    expect(added.optimizeDeps?.exclude).toEqual(['@tensorflow/tfjs-backend-wasm']);
    expect(added.server?.headers).toEqual(CROSS_ORIGIN_ISOLATION_HEADERS);
    expect(added.preview?.headers).toEqual(CROSS_ORIGIN_ISOLATION_HEADERS);
    expect(CROSS_ORIGIN_ISOLATION_HEADERS['Cross-Origin-Embedder-Policy']).toBe('require-corp');
    expect(config.worker?.format).toBe('es');
    const workerPlugins = (config.worker?.plugins?.() ?? []) as Plugin[];
    expect(workerPlugins.map((p) => p.name)).toEqual(['user-worker-plugin', 's2cassi:tfjs-wasm-transform']);

    const quiet: UserConfig = {};
    const none = configOf(tfjsWasm({ crossOriginIsolation: false, workers: false }), quiet);
    expect(none.server).toBeUndefined();
    expect(none.preview).toBeUndefined();
    expect(quiet.worker).toBeUndefined();
  });

  it('a Vite build emits the binaries and the loader as assets and wires them in', async () => {
    const { build } = await import('vite');
    const project = mkdtempSync(join(tmpdir(), 's2cassi-vite-'));
    try {
      mkdirSync(join(project, 'src'));
      writeFileSync(
        join(project, 'index.html'),
        '<!doctype html><script type="module" src="./src/main.js"></script>',
      );
      writeFileSync(
        join(project, 'src', 'main.js'),
        "import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';\nconsole.log(setWasmPaths);\n",
      );
      await build({
        root: project,
        configFile: false,
        logLevel: 'silent',
        base: './',
        plugins: [tfjsWasm()],
        resolve: { alias: { '@tensorflow/tfjs-backend-wasm': join(wasmPackage, 'dist', 'index.js') } },
        build: { outDir: join(project, 'dist'), minify: true, assetsInlineLimit: 0 },
      });
      const assets = readdirSync(join(project, 'dist', 'assets'));
      const names = [
        /^tfjs-backend-wasm-[\w-]{8}\.wasm$/,
        /^tfjs-backend-wasm-simd-[\w-]{8}\.wasm$/,
        /^tfjs-backend-wasm-threaded-simd-[\w-]{8}\.wasm$/,
        /^tfjs-backend-wasm-threaded-simd-[\w-]{8}\.js$/,
      ];
      const bundle = assets
        .filter((a) => a.endsWith('.js') && !a.startsWith('tfjs-backend-wasm'))
        .map((a) => readFileSync(join(project, 'dist', 'assets', a), 'utf8'))
        .join('\n');
      for (const name of names) {
        const asset = assets.find((a) => name.test(a));
        expect(asset, String(name)).toBeDefined();
        expect(bundle).toContain(asset);
      }
      expect(bundle).not.toContain('var WasmBackendModuleThreadedSimd = ');
      // the loader asset is the unbundled Emscripten glue
      const loader = assets.find((a) => names[3].test(a)) as string;
      expect(readFileSync(join(project, 'dist', 'assets', loader), 'utf8')).toContain(
        'WasmBackendModuleThreadedSimd',
      );
    } finally {
      rmSync(project, { recursive: true, force: true });
    }
  });
});
