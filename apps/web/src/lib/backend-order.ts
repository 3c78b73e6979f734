import type { BackendPreference } from './types';

type Candidate = Exclude<BackendPreference, 'auto'>;
const CHAIN: readonly Candidate[] = ['webgpu', 'webgl', 'wasm', 'cpu'];

/**
 * Backends to try, in order: 'auto' walks the whole chain (fastest first); an explicit request comes
 * first, then the rest of the chain below it as the fallback (a failed GPU request lands on wasm, never
 * silently on another GPU API that is likely broken the same way, except webgpu -> webgl).
 */
export function orderFor(request: BackendPreference): Candidate[] {
  if (request === 'auto') return [...CHAIN];
  const index = CHAIN.indexOf(request);
  if (index < 0) {
    throw new Error(`backend: expected one of auto, ${CHAIN.join(', ')}, got ${String(request)}`);
  }
  return [request, ...CHAIN.slice(index + 1)];
}

/** Whether a GPU adapter or WebGL renderer string names CPU emulation (SwiftShader, llvmpipe, ...). */
export function softwareRenderer(description: string, isFallbackAdapter = false): boolean {
  return (
    isFallbackAdapter || /swiftshader|llvmpipe|lavapipe|softpipe|software|basic render/i.test(description)
  );
}
