/**
 * Backends whose tensors live on a GPU: a synchronous readback (`dataSync`) there blocks until the GPU
 * queue drains (WebGL `readPixels`), or is not supported at all (WebGPU in a worker stalls; in Node it
 * throws), so value checks are off by default on them.
 */
export const GPU_BACKENDS: ReadonlySet<string> = new Set(['webgl', 'webgpu']);
