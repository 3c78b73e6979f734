import { packageConfig } from '../../tsdown.base';

// Four entries sharing chunks: the platform-neutral main entry, the Node-only file helpers (node:
// built-ins stay external), the tfjs converters and the safetensors codec alone (what a model package
// needs for its weights, without the other formats' dependencies).
export default packageConfig({
  entry: ['src/index.ts', 'src/node.ts', 'src/safetensors.ts', 'src/tfjs.ts'],
  deps: { neverBundle: [/^node:/] },
});
