import { setupBackend } from '@s2cassi/backends';
import * as tf from '@tensorflow/tfjs-core';
import { orderFor, softwareRenderer } from '../lib/backend-order';
import type { BackendPreference, BackendStatus } from '../lib/types';

type Candidate = Exclude<BackendPreference, 'auto'>;

interface GpuLike {
  requestAdapter(): Promise<{ info?: Record<string, string>; isFallbackAdapter?: boolean } | null>;
}

async function webGpuAdapterName(): Promise<{ name: string; software: boolean }> {
  const gpu = (globalThis.navigator as unknown as { gpu?: GpuLike }).gpu;
  if (!gpu) throw new Error('this browser has no WebGPU (navigator.gpu is missing)');
  const adapter = await gpu.requestAdapter();
  if (!adapter) throw new Error('WebGPU gave no adapter (blocked or no usable GPU)');
  const name = [adapter.info?.vendor, adapter.info?.architecture, adapter.info?.description]
    .filter(Boolean)
    .join(' / ');
  return { name: name || 'unknown adapter', software: softwareRenderer(name, adapter.isFallbackAdapter) };
}

async function tryWebGl(): Promise<{ detail: string; software: boolean }> {
  await import('@tensorflow/tfjs-backend-webgl');
  if (!(await tf.setBackend('webgl'))) throw new Error('WebGL2 is not available');
  await tf.ready();
  const backend = tf.backend() as unknown as { gpgpu?: { gl?: WebGL2RenderingContext } };
  const gl = backend.gpgpu?.gl;
  const info = gl?.getExtension('WEBGL_debug_renderer_info');
  const renderer = gl && info ? String(gl.getParameter(info.UNMASKED_RENDERER_WEBGL)) : 'unknown renderer';
  return { detail: renderer, software: softwareRenderer(renderer) };
}

/**
 * tfjs reports why a backend failed to initialise only through console.warn ("see the warning above");
 * collect those lines while `run` runs and put them into the error, so the page can show them.
 */
async function withWarnings<T>(run: () => Promise<T>): Promise<T> {
  const warnings: string[] = [];
  const original = console.warn;
  console.warn = (...args: unknown[]) => {
    warnings.push(args.map(String).join(' ').split('\n')[0]);
    original.apply(console, args);
  };
  try {
    return await run();
  } catch (error) {
    const detail = warnings.filter((w) => !/^Initialization of backend/.test(w)).join('; ');
    throw new Error(
      `${(error as Error).message.replace(/ \(see the warning above\)/, '')}${detail ? `: ${detail}` : ''}`,
    );
  } finally {
    console.warn = original;
  }
}

async function activate(candidate: Candidate, strict: boolean): Promise<string> {
  return withWarnings(() => activateQuietly(candidate, strict));
}

async function activateQuietly(candidate: Candidate, strict: boolean): Promise<string> {
  switch (candidate) {
    case 'webgpu': {
      const adapter = await webGpuAdapterName();
      if (adapter.software && !strict) throw new Error(`only a software adapter (${adapter.name})`);
      // also replaces tfjs's webgpu AddN with one that works for more than 7 tensors (cassi-sim sums 28)
      await setupBackend('webgpu');
      return `WebGPU on ${adapter.name}${adapter.software ? ' (software)' : ''}`;
    }
    case 'webgl': {
      const gl = await tryWebGl();
      if (gl.software && !strict) throw new Error(`only a software renderer (${gl.detail})`);
      return `WebGL2 on ${gl.detail}`;
    }
    case 'wasm': {
      // the wasm binaries are same-origin assets: tfjsWasm() in vite.config.ts (never a CDN)
      const choice = await setupBackend('wasm');
      const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;
      return `WebAssembly ${choice.reason.replace(/^requested 'wasm' /, '')}${isolated ? '' : ' (page not cross-origin isolated: no threads)'}`;
    }
    case 'cpu':
      await setupBackend('cpu');
      return 'plain JavaScript (slow)';
  }
}

/**
 * Activates the requested backend. 'auto' walks webgpu -> webgl -> wasm -> cpu, skipping software GPU
 * emulation (slower than wasm). An explicit request that fails falls back along the same chain, and
 * `fallback` says why, so the page can show it.
 */
export async function chooseBackend(request: BackendPreference): Promise<BackendStatus> {
  const skipped: string[] = [];
  for (const candidate of orderFor(request)) {
    const strict = candidate === request;
    try {
      const detail = await activate(candidate, strict);
      const status: BackendStatus = {
        backend: tf.getBackend(),
        reason: `${detail}${skipped.length ? `; skipped ${skipped.join('; ')}` : ''}`,
      };
      if (request !== 'auto' && candidate !== request) {
        status.fallback = `${request} failed (${skipped[0]}); using ${candidate} instead`;
      }
      return status;
    } catch (error) {
      skipped.push(`${candidate}: ${(error as Error).message}`);
    }
  }
  throw new Error(`no tfjs backend could start: ${skipped.join('; ')}`);
}
