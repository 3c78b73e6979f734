import { packageConfig } from '../../tsdown.base';

// Three entries: the platform-neutral main entry, the Node-only file helpers and the tfjs converters.
export default packageConfig({ entry: ['src/index.ts', 'src/node.ts', 'src/tfjs.ts'] });
