import { packageConfig } from '../../tsdown.base';

// Three entries sharing chunks: the platform-neutral main entry, the Node-only file helpers (node:
// built-ins stay external) and the tfjs converters.
export default packageConfig({
  entry: ['src/index.ts', 'src/node.ts', 'src/tfjs.ts'],
  deps: { neverBundle: [/^node:/] },
});
