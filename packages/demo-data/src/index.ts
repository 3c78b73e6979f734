export { type DemoCube, type DemoMask, loadDemoScene, loadStandardMask } from './demo-scene';
