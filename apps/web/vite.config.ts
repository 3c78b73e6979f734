// The package's own entry, like any user's app. Inside the workspace it resolves to the TypeScript source:
// the package scripts run Vite under `node --conditions=@s2cassi/source --import tsx`, so loading this
// file needs no build of @s2cassi/backends first.
import { tfjsWasm } from '@s2cassi/backends/vite';
import react from '@vitejs/plugin-react';
import { defaultClientConditions, defineConfig } from 'vite';

// Workspace packages resolve to their TypeScript sources (no package build needed first).
const conditions = ['@s2cassi/source', ...defaultClientConditions];

export default defineConfig({
  base: './',
  // tfjsWasm: tfjs-backend-wasm's binaries as same-origin assets, its threaded build fixed for bundling
  // (page and worker bundles), and cross-origin isolation headers (COOP same-origin + COEP require-corp,
  // so wasm threads get SharedArrayBuffer) from `vite dev` and `vite preview`. The static host must send
  // the same headers in production: see README.md.
  plugins: [react(), tfjsWasm()],
  resolve: { conditions },
  worker: { format: 'es' },
  build: {
    target: 'es2022',
    chunkSizeWarningLimit: 4096,
    // demo assets (a few MB) are files, never inlined
    assetsInlineLimit: 0,
  },
});
