import type { Plugin, UserConfig } from 'vite';

/**
 * The headers that make a page cross-origin isolated, which browsers require before they give it
 * `SharedArrayBuffer` (and so wasm threads). A static host must send them for every file.
 */
export const CROSS_ORIGIN_ISOLATION_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
});

/** Options of {@link tfjsWasm}. */
export interface TfjsWasmOptions {
  /**
   * Send {@link CROSS_ORIGIN_ISOLATION_HEADERS} from `vite dev` and `vite preview` (wasm threads need
   * them). Default true.
   */
  crossOriginIsolation?: boolean;
  /** Also transform the bundles of Web Workers (`worker.plugins`), where tfjs usually runs. Default true. */
  workers?: boolean;
}

const WASM_PACKAGE = '@tensorflow/tfjs-backend-wasm';
const BACKEND_FILE = /[\\/]tfjs-backend-wasm[\\/]dist[\\/]backend_wasm\.js$/;
const MARKER = '__s2cassiThreadedLoader';

/** tfjs-backend-wasm 4.22: the pthread workers' main script is the stringified factory. */
const THREADED_FACTORY =
  /new Blob\(\[`var WasmBackendModuleThreadedSimd = ` \+\s*wasmFactoryThreadedSimd\.toString\(\)\], \{ type: 'text\/javascript' \}\)/;
/** tfjs-backend-wasm 4.22, `getPathToWasmBinary`: the path used when no file map entry exists. */
const FOLDER_FALLBACK = 'return wasmModuleFolder + path;';

const IMPORTS = [
  `import ${MARKER} from '../wasm-out/tfjs-backend-wasm-threaded-simd.js?url';`,
  "import __s2cassiWasm from './tfjs-backend-wasm.wasm?url';",
  "import __s2cassiWasmSimd from './tfjs-backend-wasm-simd.wasm?url';",
  "import __s2cassiWasmThreadedSimd from './tfjs-backend-wasm-threaded-simd.wasm?url';",
  'const __s2cassiBundledWasm = {',
  "  'tfjs-backend-wasm.wasm': __s2cassiWasm,",
  "  'tfjs-backend-wasm-simd.wasm': __s2cassiWasmSimd,",
  "  'tfjs-backend-wasm-threaded-simd.wasm': __s2cassiWasmThreadedSimd,",
  '};',
].join('\n');

/**
 * Rewrites tfjs-backend-wasm 4.22's `dist/backend_wasm.js`; null for every other module or when it was
 * already rewritten. Throws when the code it expects is not there (another tfjs version).
 * @internal exported for tests
 */
export function rewriteTfjsWasmBackend(code: string, id: string): string | null {
  if (!BACKEND_FILE.test(id.split('?')[0])) return null;
  if (code.includes(MARKER)) return null;
  const missing = [
    THREADED_FACTORY.test(code) ? undefined : 'the threaded loader Blob (wasmFactoryThreadedSimd.toString())',
    code.includes(FOLDER_FALLBACK) ? undefined : `'${FOLDER_FALLBACK}' in getPathToWasmBinary`,
  ].filter((what) => what != null);
  if (missing.length > 0) {
    throw new Error(
      `@s2cassi/backends/vite: expected the code of ${WASM_PACKAGE} 4.22 in ${id}, but ${missing.join(' and ')} was not found; this plugin supports tfjs-backend-wasm 4.22 only`,
    );
  }
  const body = code
    .replace(THREADED_FACTORY, `new URL(${MARKER}, self.location.href).href`)
    .replace(
      FOLDER_FALLBACK,
      'return wasmPathPrefix == null && __s2cassiBundledWasm[path] != null ? __s2cassiBundledWasm[path] : wasmModuleFolder + path;',
    );
  return `${IMPORTS}\n${body}`;
}

function transformPlugin(): Plugin {
  return {
    name: 's2cassi:tfjs-wasm-transform',
    enforce: 'pre',
    transform(code, id) {
      try {
        const rewritten = rewriteTfjsWasmBackend(code, id);
        return rewritten == null ? null : { code: rewritten, map: null };
      } catch (error) {
        this.error((error as Error).message);
      }
    },
  };
}

/**
 * A Vite plugin that makes `@tensorflow/tfjs-backend-wasm` 4.22 work in a Vite bundle, threads included:
 *
 * - its three `.wasm` binaries are emitted as same-origin assets and become tfjs's default locations,
 *   so `setupBackend('wasm')` (or `tf.setBackend('wasm')`) needs no `wasmPaths` and nothing is fetched
 *   from a CDN; `setWasmPaths(...)` / the `wasmPaths` option still take precedence;
 * - the threaded build's pthread workers, which tfjs starts from a Blob holding
 *   `wasmFactoryThreadedSimd.toString()` (broken once bundled and minified: "e is not defined" in every
 *   pthread, and the backend never starts), load an unbundled same-origin copy of the Emscripten loader
 *   (`wasm-out/tfjs-backend-wasm-threaded-simd.js`, emitted as an asset) instead;
 * - the package is left out of dependency pre-bundling (so the rewrite also applies in `vite dev`), the
 *   rewrite is added to `worker.plugins` too, and `vite dev` / `vite preview` send the cross-origin
 *   isolation headers.
 *
 * Pinned to the code of tfjs-backend-wasm 4.22: the build fails with a clear error if it changed.
 * Threads still need a cross-origin isolated page in production: send
 * {@link CROSS_ORIGIN_ISOLATION_HEADERS} from the static host.
 */
export function tfjsWasm(options: TfjsWasmOptions = {}): Plugin {
  const transform = transformPlugin();
  return {
    ...transform,
    name: 's2cassi:tfjs-wasm',
    config(config) {
      if (options.workers ?? true) {
        const previous = config.worker?.plugins;
        config.worker = { ...config.worker, plugins: () => [...(previous?.() ?? []), transformPlugin()] };
      }
      const added: UserConfig = { optimizeDeps: { exclude: [WASM_PACKAGE] } };
      if (options.crossOriginIsolation ?? true) {
        added.server = { headers: { ...CROSS_ORIGIN_ISOLATION_HEADERS } };
        added.preview = { headers: { ...CROSS_ORIGIN_ISOLATION_HEADERS } };
      }
      return added;
    },
  };
}
