export {
  backendBuffers,
  describeBackends,
  expectNoLeaks,
  NODE_BACKENDS,
  type NodeBackend,
  setBackend,
} from './backends';
export { REPO_ROOT, SHARED_DATA, SHARED_DATA_MISSING_MESSAGE, sharedDataPath } from './data';
export { maxAbsDiff, mulberry32, uniformArray } from './random';
