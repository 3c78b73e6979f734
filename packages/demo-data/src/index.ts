export { type DemoCube, type DemoMask, type DemoScene, loadDemoScene, loadStandardMask } from './demo-scene';
