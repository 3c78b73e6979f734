import react from '@vitejs/plugin-react';
import { defaultClientConditions, defineConfig } from 'vite';
import { tfjsWasmThreads } from './build/tfjs-wasm-threads.ts';

/**
 * Cross-origin isolation (COOP same-origin + COEP require-corp) lets tfjs's wasm backend use threads
 * (SharedArrayBuffer). The same headers must be set by the static host in production: see README.md.
 */
export const ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

// Workspace packages resolve to their TypeScript sources (no package build needed first).
const conditions = ['@s2cassi/source', ...defaultClientConditions];

export default defineConfig({
  base: './',
  plugins: [react(), tfjsWasmThreads()],
  optimizeDeps: { exclude: ['@tensorflow/tfjs-backend-wasm'] },
  resolve: { conditions },
  worker: { format: 'es', plugins: () => [tfjsWasmThreads()] },
  server: { headers: ISOLATION_HEADERS },
  preview: { headers: ISOLATION_HEADERS },
  build: {
    target: 'es2022',
    chunkSizeWarningLimit: 4096,
    // demo assets (a few MB) are files, never inlined
    assetsInlineLimit: 0,
  },
});
