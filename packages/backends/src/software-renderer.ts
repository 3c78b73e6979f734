/** GPU adapter or renderer names that mean CPU emulation of a GPU. */
const SOFTWARE = /swiftshader|llvmpipe|lavapipe|softpipe|software|basic render/i;

/**
 * Whether a WebGPU adapter description or a WebGL renderer string names a software rasteriser
 * (SwiftShader, llvmpipe, lavapipe, softpipe, Microsoft Basic Render Driver) or the adapter says it is a
 * fallback adapter. Such a "GPU" is slower than the wasm backend, so `setupBackend('auto')` skips it.
 */
export function isSoftwareRenderer(description: string, isFallbackAdapter = false): boolean {
  return isFallbackAdapter || SOFTWARE.test(description);
}
