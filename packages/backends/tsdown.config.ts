import { packageConfig } from '../../tsdown.base';

// The two `#platform` implementations are separate entries, chosen at run time by the `node` condition
// of package.json `imports`; `#platform` itself stays external in dist/index.js. `vite.ts` is the
// `@s2cassi/backends/vite` subpath (a Vite plugin; `vite` is an optional peer, imported for types only).
export default packageConfig({
  entry: ['src/index.ts', 'src/_platform-node.ts', 'src/_platform-browser.ts', 'src/vite.ts'],
  external: [/^#platform$/, /^@tensorflow\//, /^node:/, 'webgpu', 'vite'],
});
