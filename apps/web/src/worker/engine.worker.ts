/// <reference lib="webworker" />
import { loadDemoScene, loadStandardMask } from '@s2cassi/demo-data';
import * as Comlink from 'comlink';
import { DEMO_WEIGHTS_MISSING, loadDemoWeights } from '../demo-weights';
import { exportCube } from '../lib/export-cube';
import type { ExportFormat } from '../lib/formats';
import { readInput } from '../lib/read-input';
import type {
  BackendPreference,
  BackendStatus,
  CubeData,
  InputRole,
  JobProgress,
  LoadedInput,
  NamedBytes,
  PlaneData,
  ReconstructJob,
  ReconstructResult,
  WeightsData,
} from '../lib/types';
import { chooseBackend } from './backend';
import { bandMetrics, disposeModel, reconstruct, type SimulateParams, simulate } from './engine';

let controller: AbortController | undefined;
/** Backend set-ups run one after the other (two at once race inside tfjs and both can fail). */
let setup: Promise<unknown> = Promise.resolve();
let current: { request: BackendPreference; status: BackendStatus } | undefined;
let demoWeights: Promise<WeightsData> | undefined;

export interface DemoData {
  cube: CubeData;
  mask: PlaneData;
  name: string;
  attribution: string;
}

/** What the page can ask the worker. Every tfjs computation and every file decode runs here. */
const api = {
  init(request: BackendPreference): Promise<BackendStatus> {
    const next = setup.then(async () => {
      if (current?.request === request) return current.status;
      disposeModel();
      const status = await chooseBackend(request);
      current = { request, status };
      return status;
    });
    setup = next.catch(() => undefined);
    return next;
  },

  async loadDemo(): Promise<DemoData> {
    const [scene, mask] = await Promise.all([loadDemoScene(), loadStandardMask()]);
    const result: DemoData = {
      cube: { data: scene.data, shape: scene.shape, wavelengths: scene.wavelengths },
      mask: { data: mask.data, shape: mask.shape },
      name: scene.name,
      attribution: `${scene.attribution}; mask: ${mask.attribution}`,
    };
    return Comlink.transfer(result, [scene.data.buffer]);
  },

  async readInput(role: InputRole, files: NamedBytes[]): Promise<LoadedInput> {
    return readInput(role, files);
  },

  async simulate(cube: CubeData, mask: PlaneData, params: SimulateParams): Promise<PlaneData> {
    const result = await simulate(cube, mask, params);
    return Comlink.transfer(result, [result.data.buffer]);
  },

  async reconstruct(job: ReconstructJob, onProgress: (p: JobProgress) => void): Promise<ReconstructResult> {
    controller?.abort();
    controller = new AbortController();
    const signal = controller.signal;
    let weights = job.weights;
    if (job.method === 's2-demo') {
      if (!loadDemoWeights) throw new Error(DEMO_WEIGHTS_MISSING);
      demoWeights ??= loadDemoWeights();
      weights = await demoWeights;
    }
    const result = await reconstruct({ ...job, weights }, (p) => void onProgress(p), signal);
    return Comlink.transfer(result, [result.cube.buffer]);
  },

  /** Stops the running reconstruction at its next checkpoint (GAP-TV: the next iteration). */
  cancel(): void {
    controller?.abort(new DOMException('cancelled by the user', 'AbortError'));
  },

  metrics(truth: CubeData, estimate: CubeData) {
    return bandMetrics(truth, estimate);
  },

  exportCube(cube: CubeData, format: ExportFormat, stem: string): NamedBytes[] {
    return exportCube(cube, format, stem);
  },
};

export type EngineApi = typeof api;

Comlink.expose(api);
