import { gapTvDifferences } from '@s2cassi/pipeline';
import { useEffect, useMemo, useReducer, useRef } from 'react';
import { DEMO_WEIGHTS_MISSING, loadDemoWeights } from './demo-weights';
import { EngineClient, isCancellation } from './lib/engine-client';
import { defaultWavelengths } from './lib/formats';
import { download } from './lib/pictures';
import { type CubeData, type InputRole, type JobProgress, METHOD_LABELS, type PlaneData } from './lib/types';
import { workbenchReducer } from './workbench-reducer';
import {
  cubeList,
  initialWorkbenchState,
  preferenceFromUrl,
  type Result,
  type ShownCube,
  s2Overrides,
  shownCubeOf,
  type WorkbenchAction,
  type WorkbenchState,
} from './workbench-state';

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The page's state, what the views derive from it, and the page's actions. */
export interface Workbench {
  state: WorkbenchState;
  dispatch: (action: WorkbenchAction) => void;
  /** Ground truth first, then the results. */
  cubes: ShownCube[];
  /** The cube in the views, if any. */
  shownCube: ShownCube | undefined;
  /** Loads the bundled demo scene and mask, then simulates a measurement from them. */
  loadDemo: () => Promise<void>;
  /** Reads one slot's files in the worker; a file that cannot be read leaves what was loaded. */
  readFiles: (role: InputRole, files: File[]) => Promise<void>;
  /** Simulates a measurement from the loaded cube and mask (or the ones given) with the fields' settings. */
  simulate: (cube?: CubeData, mask?: PlaneData) => Promise<void>;
  /** Reconstructs the measurement with the chosen method; a GPU failure on the way reruns it on wasm. */
  reconstruct: () => Promise<void>;
  /** Stops the running reconstruction (ends the worker if it does not stop within 1.5 s). */
  cancel: () => void;
  /** Saves a result in the chosen export format. */
  exportResult: (result: Result) => Promise<void>;
}

/**
 * All the page's state in one reducer (`workbenchReducer`), the tfjs worker behind `EngineClient`, and the
 * async actions as plain functions. Each action reads the state of the render it was made in, like an event
 * handler would.
 */
export function useWorkbench(): Workbench {
  const engine = useMemo(() => new EngineClient(), []);
  const [state, dispatch] = useReducer(workbenchReducer, undefined, () =>
    initialWorkbenchState(preferenceFromUrl(globalThis.location?.search)),
  );
  // numbers results #1, #2, ... over the page's life (a new demo or cube does not start again at #1)
  const counter = useRef(0);

  // Backend: set up on start and whenever the preference changes.
  useEffect(() => {
    let live = true;
    dispatch({ type: 'backendStarting' });
    engine
      .init(state.preference)
      .then((status) => live && dispatch({ type: 'backendReady', status }))
      .catch((error) => live && dispatch({ type: 'backendFailed', message: message(error) }));
    return () => {
      live = false;
    };
  }, [engine, state.preference]);

  useEffect(() => {
    engine.onRestart = (status) => dispatch({ type: 'backendRestarted', status });
  }, [engine]);

  const { truth, results } = state;
  const cubes = useMemo(() => cubeList({ truth, results }), [truth, results]);
  const shownCube = shownCubeOf(cubes, state.shown);

  async function simulate(cube = state.truth?.cube, plane = state.mask?.plane): Promise<void> {
    if (!cube || !plane) {
      dispatch({
        type: 'errorSet',
        key: 'general',
        text: 'Simulating needs a cube and a mask (load the demo or drop files).',
      });
      return;
    }
    dispatch({ type: 'errorSet', key: 'general', text: undefined });
    const { shiftStep, noiseSigma, seed } = state.settings;
    try {
      const y = await engine.remote.simulate(cube, plane, { shiftStep, noiseSigma, seed });
      dispatch({
        type: 'measurementSimulated',
        plane: y,
        source: `simulated (step ${shiftStep}${noiseSigma > 0 ? `, noise σ=${noiseSigma}` : ', no noise'})`,
      });
    } catch (error) {
      dispatch({ type: 'errorSet', key: 'general', text: `Simulation failed: ${message(error)}` });
    }
  }

  async function loadDemo(): Promise<void> {
    dispatch({ type: 'readingStarted', what: 'demo' });
    try {
      const demo = await engine.remote.loadDemo();
      dispatch({ type: 'demoLoaded', ...demo });
      await simulate(demo.cube, demo.mask);
    } catch (error) {
      dispatch({ type: 'errorSet', key: 'general', text: `could not load the demo: ${message(error)}` });
    } finally {
      dispatch({ type: 'readingFinished' });
    }
  }

  async function readFiles(role: InputRole, files: File[]): Promise<void> {
    dispatch({ type: 'readingStarted', what: role });
    try {
      const named = await Promise.all(
        files.map(async (f) => ({ name: f.name, bytes: new Uint8Array(await f.arrayBuffer()) })),
      );
      dispatch({ type: 'inputLoaded', input: await engine.remote.readInput(role, named) });
    } catch (error) {
      const text = `Could not read ${files.map((f) => f.name).join(', ')}: ${message(error)}`;
      dispatch({ type: 'errorSet', key: role, text });
    } finally {
      dispatch({ type: 'readingFinished' });
    }
  }

  async function reconstruct(): Promise<void> {
    const { measurement, mask, truth, weights, backend, settings, running } = state;
    const { method, shiftStep, iterations, tvWeight, s2Scaling, s2Ensemble } = settings;
    const fail = (text: string) => dispatch({ type: 'errorSet', key: 'general', text });
    if (running) return;
    if (!measurement || !mask) return fail('Reconstructing needs a measurement and a mask.');
    if (method === 's2-demo' && !loadDemoWeights) {
      return fail(`S2-Transformer (demo weights): ${DEMO_WEIGHTS_MISSING}. Drop your own weights instead.`);
    }
    if (method === 's2-user' && !weights) {
      return fail('S2-Transformer (your weights): drop a .safetensors weights file first.');
    }
    const label = METHOD_LABELS[method];
    dispatch({ type: 'reconstructionStarted', label });
    const onProgress = (progress: JobProgress) => dispatch({ type: 'progressed', progress });
    const job = {
      method,
      measurement: measurement.plane,
      mask: mask.plane,
      shiftStep,
      iterations,
      tvWeight,
      weights: method === 's2-user' ? weights : undefined,
      ...(method !== 'gap-tv' && s2Scaling !== 'model' ? { measurementScaling: s2Scaling } : {}),
      ...(method !== 'gap-tv' && s2Ensemble !== 'model' ? { selfEnsemble: s2Ensemble } : {}),
    };
    try {
      let result: Awaited<ReturnType<EngineClient['reconstruct']>>;
      try {
        result = await engine.reconstruct(job, onProgress);
      } catch (error) {
        // A GPU failure mid-job: fall back to wasm automatically and run the job again.
        if (isCancellation(error) || !backend || !['webgpu', 'webgl'].includes(backend.backend)) throw error;
        const status = await engine.init('wasm');
        const warning = `${backend.backend} failed during the reconstruction (${message(error)}); switched to ${status.backend}`;
        dispatch({ type: 'backendSwitched', status, warning });
        result = await engine.reconstruct(job, onProgress);
      }
      const wavelengths =
        truth && truth.cube.shape[2] === result.shape[2]
          ? truth.cube.wavelengths
          : defaultWavelengths(result.shape[2]);
      const cube: CubeData = { data: result.cube, shape: result.shape, wavelengths };
      counter.current += 1;
      const entry: Result = {
        id: `r${counter.current}`,
        // settings that are not the shared defaults are part of the result's name
        label: `${result.gapTv ? ['GAP-TV', ...gapTvDifferences(result.gapTv)].join(', ') : [label, ...s2Overrides(job, result)].join(', ')} #${counter.current}`,
        method,
        cube,
        seconds: result.seconds,
        backend: result.backend,
      };
      if (truth?.cube.shape.every((d, i) => d === result.shape[i])) {
        entry.metrics = await engine.remote.metrics(truth.cube, cube);
      }
      dispatch({ type: 'resultAdded', result: entry });
    } catch (error) {
      if (isCancellation(error)) dispatch({ type: 'reconstructionCancelled' });
      else fail(`Reconstruction failed: ${message(error)}`);
    } finally {
      dispatch({ type: 'reconstructionFinished' });
    }
  }

  async function exportResult(result: Result): Promise<void> {
    try {
      const files = await engine.remote.exportCube(
        result.cube,
        state.exportFormat,
        `s2cassi-${result.label}`,
      );
      for (const f of files) download(f.name, f.bytes);
    } catch (error) {
      dispatch({ type: 'errorSet', key: 'general', text: `Export failed: ${message(error)}` });
    }
  }

  return {
    state,
    dispatch,
    cubes,
    shownCube,
    loadDemo,
    readFiles,
    simulate,
    reconstruct,
    cancel: () => void engine.cancel(),
    exportResult,
  };
}
