import { packageConfig } from '../../tsdown.base';

// The two `#platform` implementations are separate entries, chosen at run time by the `node` condition
// of package.json `imports`; `#platform` itself stays external in dist/index.js.
export default packageConfig({
  entry: ['src/index.ts', 'src/_platform-node.ts', 'src/_platform-browser.ts'],
  external: [/^#platform$/, /^@tensorflow\//, /^node:/, 'webgpu'],
});
