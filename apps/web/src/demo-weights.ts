import type { WeightsData } from './lib/types';

/**
 * Where the bundled demo S2-Transformer weights come from. `@s2cassi/demo-data` does not ship them yet
 * (the demo model is trained later). When it exports a loader, plug it in here, e.g.
 *   export const loadDemoWeights: DemoWeightsLoader | undefined = async () => fromDemoData(await loadDemoModel());
 * and the "S2-Transformer (demo weights)" method starts working; until then the UI says
 * {@link DEMO_WEIGHTS_MISSING}.
 */
export type DemoWeightsLoader = () => Promise<WeightsData>;

export const loadDemoWeights: DemoWeightsLoader | undefined = undefined;

export const DEMO_WEIGHTS_MISSING = 'demo weights not bundled in this build';
