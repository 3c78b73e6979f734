export {
  type DemoModel,
  type DemoModelConfig,
  type DemoModelTraining,
  loadDemoModel,
  loadDemoWeights,
} from './demo-model';
export { type DemoCube, type DemoMask, loadDemoScene, loadStandardMask } from './demo-scene';
