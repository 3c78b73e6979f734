import { packageConfig } from '../../tsdown.base';

// Two entries sharing chunks: the platform-neutral main entry (no Node built-in; of @s2cassi/hsi-io only
// the safetensors codec) and the Node-only file helpers (node: built-ins stay external).
export default packageConfig({
  entry: ['src/index.ts', 'src/node.ts'],
  deps: { neverBundle: [/^node:/] },
});
