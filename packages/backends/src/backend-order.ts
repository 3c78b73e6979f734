/** A concrete tfjs backend {@link setupBackend} can activate. */
export type BackendName = 'webgpu' | 'webgl' | 'tensorflow' | 'wasm' | 'cpu';

/** Where the code runs: Node (tensorflow possible, no WebGL) or a browser / Web Worker (WebGL, no tensorflow). */
export type BackendPlatform = 'node' | 'browser';

const AUTO_ORDER: Readonly<Record<BackendPlatform, readonly BackendName[]>> = Object.freeze({
  node: Object.freeze(['webgpu', 'tensorflow', 'wasm', 'cpu'] as const),
  browser: Object.freeze(['webgpu', 'webgl', 'wasm', 'cpu'] as const),
});

/**
 * The backends `setupBackend` tries, in order, fastest first: for `'auto'` the platform's whole chain
 * (Node: webgpu, tensorflow, wasm, cpu; browsers: webgpu, webgl, wasm, cpu), for an explicit request that
 * backend followed by the rest of the chain below it (what `fallback: true` falls back along). A request
 * outside the platform's chain (webgl in Node, tensorflow in a browser) is followed by wasm and cpu.
 */
export function backendOrder(request: BackendName | 'auto', platform: BackendPlatform): BackendName[] {
  const chain = AUTO_ORDER[platform];
  if (chain == null) {
    throw new Error(`backendOrder: expected platform 'node' or 'browser', got ${JSON.stringify(platform)}`);
  }
  if (request === 'auto') return [...chain];
  const index = chain.indexOf(request);
  return [request, ...(index < 0 ? ['wasm', 'cpu'] : chain.slice(index + 1))] as BackendName[];
}
