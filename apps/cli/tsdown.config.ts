import { packageConfig } from '../../tsdown.base';

// The library entry and the `s2cassi` bin; Node only.
export default packageConfig({
  entry: ['src/index.ts', 'src/bin.ts'],
  platform: 'node',
  fixedExtension: false,
});
