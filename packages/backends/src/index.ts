export { type BackendInfo, backendInfo } from './backend-info';
export { type BackendName, type BackendPlatform, backendOrder } from './backend-order';
export { mirrorPadGradConfig } from './mirror-pad-gradient';
export {
  type NodeWebGpuInfo,
  type NodeWebGpuOptions,
  setupNodeWebGpu,
  WEBGPU_INSTALL_HINT,
} from './node-webgpu';
export { gradientsRegistered, registerGradients } from './register-gradients';
export {
  BACKEND_REQUESTS,
  type BackendChoice,
  type BackendRequest,
  type SetupBackendOptions,
  setupBackend,
  TENSORFLOW_INSTALL_HINT,
} from './setup-backend';
export { isSoftwareRenderer } from './software-renderer';
export {
  registerWasmMatmul,
  setWasmMatmulMode,
  unregisterWasmMatmul,
  type WasmMatmulMode,
  wasmMatmulMode,
} from './wasm-matmul';
export {
  FUSED_GELU,
  FUSED_GELU_GRAD,
  registerWasmSimdKernels,
  unregisterWasmSimdKernels,
  WASM_SIMD_KERNELS,
} from './wasm-simd-kernels';
export { registerWasmTrainingKernels, WASM_TRAINING_KERNELS } from './wasm-training-kernels';
export {
  registerWebGpuAddNChunking,
  unregisterWebGpuAddNChunking,
  webGpuAddNChunkingRegistered,
} from './webgpu-add-n';
