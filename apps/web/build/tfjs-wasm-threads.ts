import type { Plugin } from 'vite';

/**
 * tfjs-backend-wasm 4.22 starts its pthread workers from a Blob holding
 * `wasmFactoryThreadedSimd.toString()`. After bundling and minification that function refers to
 * variables of the bundle's scope, so every pthread worker dies with "ReferenceError: e is not defined"
 * and the threaded backend never starts. This plugin points the pthread workers at an unbundled,
 * same-origin copy of the Emscripten loader (`wasm-out/tfjs-backend-wasm-threaded-simd.js`, emitted as
 * an asset) instead. Pinned to the code of tfjs-backend-wasm 4.22: the build fails loudly if the
 * pattern is not found.
 */
export function tfjsWasmThreads(): Plugin {
  const pattern =
    /new Blob\(\[`var WasmBackendModuleThreadedSimd = ` \+\s*wasmFactoryThreadedSimd\.toString\(\)\], \{ type: 'text\/javascript' \}\)/;
  return {
    name: 's2cassi:tfjs-wasm-threads',
    enforce: 'pre',
    transform(code, id) {
      if (!/[\\/]tfjs-backend-wasm[\\/]dist[\\/]backend_wasm\.js$/.test(id.split('?')[0])) return null;
      if (!pattern.test(code)) {
        this.error(
          'tfjs-wasm-threads: the threaded loader code of @tensorflow/tfjs-backend-wasm changed; update build/tfjs-wasm-threads.ts',
        );
      }
      return {
        code: `import __s2cassiThreadedLoader from '../wasm-out/tfjs-backend-wasm-threaded-simd.js?url';\n${code.replace(
          pattern,
          'new URL(__s2cassiThreadedLoader, self.location.href).href',
        )}`,
        map: null,
      };
    },
  };
}
