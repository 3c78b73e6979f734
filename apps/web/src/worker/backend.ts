import { setupBackend } from '@s2cassi/backends';
import type { BackendPreference, BackendStatus } from '../lib/types';

/**
 * Activates the requested backend through @s2cassi/backends: 'auto' walks the browser's order (webgpu,
 * webgl, wasm, cpu, skipping software GPU emulation, which is slower than wasm); an explicit request that
 * fails falls back along the same chain and `fallback` says why, so the page can show it. The wasm
 * binaries are same-origin assets (tfjsWasm() in vite.config.ts, never a CDN).
 */
export async function chooseBackend(request: BackendPreference): Promise<BackendStatus> {
  const choice = await setupBackend(request, { fallback: true });
  return {
    backend: choice.backend,
    reason: choice.reason,
    ...(choice.fallback ? { fallback: choice.fallback } : {}),
  };
}
