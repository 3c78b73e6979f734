export { type BackendInfo, backendInfo } from './backend-info';
export { type BackendName, type BackendPlatform, backendOrder } from './backend-order';
export { installEagerBackprop, setEagerBackprop } from './eager-backprop';
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
export { registerWasmKernels, registerWasmTrainingKernels } from './wasm/register-wasm-kernels';
export { registerWebGpuAddNChunking } from './webgpu-add-n';
