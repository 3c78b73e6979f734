import * as tf from '@tensorflow/tfjs-core';
import {
  enableEngineRelaxedSimd,
  IS_NODE_PLATFORM,
  importOptional,
  isInstalled,
  MAX_WASM_THREADS,
  relaxedSimdOffByEnvironment,
  releasePthreadWorkers,
  startSimdPool,
  startThreadedWasm,
  type ThreadedWasmModule,
  wasmBinaryDirectory,
} from '#platform';
import { webGlRenderer } from './_webgl';
import { type BackendName, backendOrder } from './backend-order';
import { type NodeWebGpuOptions, setupNodeWebGpu } from './node-webgpu';
import { registerGradients } from './register-gradients';
import { isSoftwareRenderer } from './software-renderer';
import {
  configureRelaxedSimd,
  guardWasmMalloc,
  relaxedSimdSupported,
  setSimdPool,
  simdPoolOn,
  tfjsMemory,
  type WasmModuleLike,
} from './wasm/_simd-module';
import { registerWasmKernels } from './wasm/register-wasm-kernels';
import { registerWebGpuAddNChunking } from './webgpu-add-n';

/** What {@link setupBackend} may be asked for. */
export type BackendRequest = 'auto' | BackendName;
export const BACKEND_REQUESTS: readonly BackendRequest[] = [
  'auto',
  'webgpu',
  'webgl',
  'wasm',
  'cpu',
  'tensorflow',
];

/** Options of {@link setupBackend}. */
export interface SetupBackendOptions {
  /**
   * wasm threads. Browsers: passed to tfjs's `setThreadsCount` (threads need a cross-origin isolated
   * page; tfjs caps them at half the logical cores, at most 8). Node: opt-in; `threads` > 1 starts
   * tfjs-backend-wasm 4.22.0's threaded build through this package's loader (capped at 8; falls back to
   * one thread, with a logged reason, if it cannot start). Default: browsers tfjs's choice, Node 1.
   */
  threads?: number;
  /**
   * Where the tfjs-backend-wasm `.wasm` files are: a URL/path prefix ending in '/' or a map from file
   * name to URL. Node default: the package's own `dist/` folder. Browsers: tfjs's default (next to the
   * script) unless given.
   */
  wasmPaths?: string | Record<string, string>;
  /**
   * wasm: whether this package's SIMD kernels may run their relaxed-SIMD build (fused multiply-add in the matrix
   * kernels, 5-15 % faster training steps; results differ from the plain build by float32 rounding, and from one
   * CPU to another where one has FMA and the other not). Default true, except in Node with
   * `S2CASSI_RELAXED_SIMD=0` in the environment. Where the engine has relaxed SIMD only behind a flag (Node 20,
   * V8 11.3), setupBackend turns on V8's `--experimental-wasm-relaxed-simd` itself, before the kernels compile.
   * false keeps the plain SIMD build (bit-for-bit the same on every CPU). Takes effect only before the first
   * SIMD kernel compiles in the process (normally the first setupBackend('wasm')).
   */
  relaxedSimd?: boolean;
  /** 'auto' also accepts a software WebGPU adapter (llvmpipe, SwiftShader). Default false. */
  allowSoftwareWebGpu?: boolean;
  /**
   * When an explicit request fails, go on down the platform's chain below it ({@link backendOrder}:
   * a failed 'webgpu' tries webgl in a browser, then wasm, then cpu), skipping software GPUs as 'auto'
   * does, and say so in {@link BackendChoice.fallback}. Default false: an explicit request that fails throws.
   */
  fallback?: boolean;
  /** Passed to {@link setupNodeWebGpu} (Node only). */
  webgpu?: NodeWebGpuOptions;
  /** Receives one line per decision. */
  log?: (message: string) => void;
}

/** The backend that was activated and why. */
export interface BackendChoice {
  backend: string;
  reason: string;
  /** Set when an explicit request failed and `fallback` activated another backend: what failed and why. */
  fallback?: string;
}

/** How to install the TensorFlow C backend, shown when 'tensorflow' is requested but absent. */
export const TENSORFLOW_INSTALL_HINT =
  "the 'tensorflow' backend needs @tensorflow/tfjs-node (CPU) or @tensorflow/tfjs-node-gpu (CUDA 11.2 + cuDNN 8.1), version 4.22.0: " +
  'npm install @tensorflow/tfjs-node@4.22.0 (its install step downloads libtensorflow 2.9.1 and needs internet access). ' +
  "Or use 'wasm' (any CPU) or 'webgpu' (a GPU).";

const TENSORFLOW_PACKAGES = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'] as const;

/**
 * Loads, registers and activates a tfjs backend, then registers gradients (and, for wasm, this package's
 * kernels, {@link registerWasmKernels}; for webgpu, an `AddN` that works for more than 7 tensors). Backend packages are
 * imported dynamically, so a browser bundle never pulls the Node-only ones. 'auto' walks
 * {@link backendOrder}: in Node webgpu (a real, non-software adapter unless `allowSoftwareWebGpu`), then
 * tensorflow (only if installed), then wasm, then cpu; in a browser or Web Worker webgpu, then webgl
 * (both skipped when only a software rasteriser is there, {@link isSoftwareRenderer}), then wasm, then
 * cpu. The returned `reason` says why it stopped where it did. An explicit request accepts a software
 * GPU; when it fails it throws an Error naming the request and the cause, or, with `fallback`, goes on
 * down the chain and says so in `fallback`. tfjs's own initialisation warnings go into the error.
 */
export async function setupBackend(
  request: BackendRequest = 'auto',
  options: SetupBackendOptions = {},
): Promise<BackendChoice> {
  if (!BACKEND_REQUESTS.includes(request)) {
    throw new Error(
      `setupBackend: expected one of ${BACKEND_REQUESTS.map((r) => `'${r}'`).join(', ')}, got ${JSON.stringify(request)}`,
    );
  }
  if (options.threads != null && !(Number.isInteger(options.threads) && options.threads >= 1)) {
    throw new Error(`setupBackend: expected threads to be an integer >= 1, got ${options.threads}`);
  }
  const log = options.log ?? (() => {});
  registerGradients();
  let choice: BackendChoice;
  if (request === 'auto') {
    choice = await setupAuto(options, log);
  } else {
    try {
      choice = await setupRequested(request, options, log);
    } catch (error) {
      if (options.fallback !== true) throw error;
      const cause = (error as Error).message.replace(/^setup\w+: /, '');
      const platform = IS_NODE_PLATFORM ? 'node' : 'browser';
      choice = await setupChain(backendOrder(request, platform).slice(1), options, log, [
        `${request}: ${cause}`,
      ]);
      choice.reason = `fallback: ${choice.reason.replace(/^auto: /, '')}`;
      choice.fallback = `${request} failed (${cause}); using ${choice.backend} instead`;
    }
  }
  log(`backend: ${choice.backend} (${choice.reason})`);
  return choice;
}

async function setupRequested(
  request: BackendName,
  options: SetupBackendOptions,
  log: (message: string) => void,
): Promise<BackendChoice> {
  switch (request) {
    case 'cpu':
      await setupCpu();
      return { backend: 'cpu', reason: "requested 'cpu'" };
    case 'wasm':
      return { backend: 'wasm', reason: `requested 'wasm'${await setupWasm(options, log)}` };
    case 'webgpu':
      return { backend: 'webgpu', reason: `requested 'webgpu'${await setupWebGpu(options, log, true)}` };
    case 'webgl':
      return { backend: 'webgl', reason: `requested 'webgl'${await setupWebGl(true)}` };
    case 'tensorflow':
      return { backend: 'tensorflow', reason: `requested 'tensorflow': ${await setupTensorflow(log)}` };
  }
}

async function activate(name: string): Promise<void> {
  // tfjs says why a backend failed to initialise only through console.warn: keep those lines for the error
  const warnings: string[] = [];
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    warnings.push(args.map(String).join(' ').split('\n')[0]);
    warn.apply(console, args);
  };
  let ok = false;
  try {
    ok = await tf.setBackend(name);
  } catch (error) {
    throw new Error(`setupBackend: tfjs backend '${name}' failed to initialise: ${(error as Error).message}`);
  } finally {
    console.warn = warn;
  }
  if (!ok) {
    const detail = warnings.filter((w) => !/^Initialization of backend/.test(w)).join('; ');
    throw new Error(
      `setupBackend: tfjs backend '${name}' failed to initialise${detail ? `: ${detail}` : ' (see the warning above)'}`,
    );
  }
  await tf.ready();
}

function initialised(name: string): boolean {
  return (tf.engine() as unknown as { registry: Record<string, unknown> }).registry[name] != null;
}

async function setupCpu(): Promise<void> {
  await import('@tensorflow/tfjs-backend-cpu');
  await activate('cpu');
}

async function setupWasm(options: SetupBackendOptions, log: (message: string) => void): Promise<string> {
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  const notes: string[] = [];
  const wantRelaxed = options.relaxedSimd ?? !relaxedSimdOffByEnvironment();
  if (!wantRelaxed) {
    if (!configureRelaxedSimd(false) && relaxedSimdSupported())
      log(
        'wasm: relaxedSimd false came after the SIMD kernels compiled; they stay on the relaxed-SIMD build',
      );
  } else if (configureRelaxedSimd(true) && !relaxedSimdSupported() && enableEngineRelaxedSimd()) {
    configureRelaxedSimd(true); // the engine said no before the flag: ask again
    log(
      relaxedSimdSupported()
        ? "wasm: turned on V8's --experimental-wasm-relaxed-simd for the SIMD kernels' fused multiply-add " +
            '(relaxedSimd: false or S2CASSI_RELAXED_SIMD=0 keeps the plain SIMD build)'
        : "wasm: V8's --experimental-wasm-relaxed-simd is on, but the relaxed-SIMD build did not pass its check; plain SIMD",
    );
  }
  if (!initialised('wasm')) {
    const paths = options.wasmPaths ?? wasmBinaryDirectory();
    if (paths != null) {
      wasm.setWasmPaths(paths);
      notes.push(`wasm files from ${typeof paths === 'string' ? paths : 'the given file map'}`);
    }
    if (options.threads != null) {
      if (!IS_NODE_PLATFORM) {
        wasm.setThreadsCount(options.threads);
      } else if (options.threads > 1) {
        useNodeThreadedWasm(wasm, options.threads, paths ?? undefined, log);
      }
    }
  } else if (options.wasmPaths != null || options.threads != null) {
    log('wasm: backend already initialised; wasmPaths/threads left as they were');
  }
  registerWasmKernels();
  await activate('wasm');
  const module = (tf.backend() as unknown as { wasm: WasmModuleLike }).wasm;
  guardWasmMalloc(module);
  const threads = wasm.getThreadsCount();
  // before the thread notes (callers match the reason's end)
  notes.push(relaxedSimdSupported() ? 'relaxed-SIMD FMA' : 'no relaxed SIMD (multiply + add)');
  notes.push(`${threads} thread(s)`);
  if (!IS_NODE_PLATFORM && (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated !== true) {
    notes.push('page not cross-origin isolated: no threads');
  }
  if (IS_NODE_PLATFORM && threads > 1) {
    // The SIMD kernels (matmul, erf, transpose) split across the same number of threads; XNNPACK's
    // own pool serves the kernels tfjs runs natively.
    const memory = tfjsMemory(module);
    if (memory != null && memory.buffer instanceof SharedArrayBuffer && simdPoolOn(memory) == null) {
      setSimdPool(memory, await startSimdPool(memory, threads));
      notes.push(`SIMD kernels on ${threads} threads`);
    }
  }
  return ` (${notes.join(', ')})`;
}

/** The tfjs version the Node threaded-wasm loader is written against (file names, C API, glue). */
export const THREADED_WASM_TFJS_VERSION = '4.22.0';

/**
 * Throws unless tfjs-core and tfjs-backend-wasm are the version the Node threaded-wasm loader knows.
 * @internal exported for tests
 */
export function assertThreadedWasmVersions(core: string, wasm: string): void {
  if (core !== THREADED_WASM_TFJS_VERSION || wasm !== THREADED_WASM_TFJS_VERSION) {
    throw new Error(
      `setupBackend: wasm threads in Node need @tensorflow/tfjs-core and @tensorflow/tfjs-backend-wasm ${THREADED_WASM_TFJS_VERSION} ` +
        `(the loader depends on that build's internals), got tfjs-core ${core} and tfjs-backend-wasm ${wasm}; ` +
        'install 4.22.0 or leave out the threads option',
    );
  }
}

type WasmBackendPackage = typeof import('@tensorflow/tfjs-backend-wasm');

/**
 * Replaces the registered 'wasm' backend factory (before it has run) with one that starts
 * tfjs-backend-wasm's threaded build in Node, and falls back to tfjs's own single-threaded factory,
 * logging why, when that fails.
 */
function useNodeThreadedWasm(
  wasm: WasmBackendPackage,
  requested: number,
  wasmPaths: string | Record<string, string> | undefined,
  log: (message: string) => void,
): void {
  assertThreadedWasmVersions(tf.version_core, wasm.version_wasm);
  const threads = Math.min(requested, MAX_WASM_THREADS);
  if (threads < requested)
    log(`wasm: threads=${requested} capped at ${MAX_WASM_THREADS} (tfjs-backend-wasm's pthread pool)`);
  const singleThreaded = tf.findBackendFactory('wasm');
  if (singleThreaded == null) throw new Error("setupBackend: tfjs-backend-wasm did not register 'wasm'");
  tf.removeBackend('wasm');
  tf.registerBackend(
    'wasm',
    async () => {
      let module: ThreadedWasmModule | undefined;
      try {
        module = await startThreadedWasm({ threads, wasmPaths });
        wasm.setThreadsCount(threads);
        const backend = new wasm.BackendWasm(
          module as unknown as ConstructorParameters<typeof wasm.BackendWasm>[0],
        );
        releasePthreadWorkers(module);
        log(`wasm: threaded build started in Node with ${wasm.getThreadsCount()} thread(s)`);
        return backend;
      } catch (error) {
        try {
          module?.PThread.terminateAllThreads();
        } catch {
          // nothing left to stop
        }
        log(
          `wasm: threads=${threads} unavailable in Node (${(error as Error).message}); running single-threaded`,
        );
        wasm.setThreadsCount(1);
        return singleThreaded();
      }
    },
    WASM_PRIORITY,
  );
}

/** tfjs-backend-wasm's registration priority. */
const WASM_PRIORITY = 2;

async function setupWebGpu(
  options: SetupBackendOptions,
  log: (message: string) => void,
  allowSoftware: boolean,
): Promise<string> {
  if (IS_NODE_PLATFORM) {
    const info = await setupNodeWebGpu({
      ...options.webgpu,
      log,
      allowSoftware: allowSoftware && options.webgpu?.allowSoftware !== false,
    });
    await activate('webgpu');
    return ` (Dawn adapter '${info.adapter}'${info.isSoftware ? ', software rasteriser' : ''}, ${info.featureLevel})`;
  }
  const gpu = (globalThis as { navigator?: { gpu?: { requestAdapter(): Promise<unknown> } } }).navigator?.gpu;
  if (gpu == null)
    throw new Error("setupBackend: 'webgpu' needs navigator.gpu, which this browser does not provide");
  const adapter = (await gpu.requestAdapter()) as {
    info?: Record<string, unknown>;
    isFallbackAdapter?: boolean;
  } | null;
  if (adapter == null)
    throw new Error("setupBackend: 'webgpu': navigator.gpu.requestAdapter() returned no adapter");
  const description = [adapter.info?.vendor, adapter.info?.architecture, adapter.info?.description]
    .filter(Boolean)
    .join(' / ');
  const software = isSoftwareRenderer(description, adapter.isFallbackAdapter === true);
  if (software && !allowSoftware) throw new Error(`software adapter '${description}'`);
  await import('@tensorflow/tfjs-backend-webgpu');
  registerWebGpuAddNChunking();
  await activate('webgpu');
  return ` (adapter '${description || 'unknown'}'${software ? ', software' : ''})`;
}

/** Browsers only: tfjs's WebGL2 backend; refuses a software renderer unless `allowSoftware`. */
async function setupWebGl(allowSoftware: boolean): Promise<string> {
  if (IS_NODE_PLATFORM) {
    throw new Error(
      "setupBackend: 'webgl' needs a browser or a Web Worker (WebGL2); in Node use 'webgpu' or 'wasm'",
    );
  }
  await import('@tensorflow/tfjs-backend-webgl');
  await activate('webgl');
  const renderer = webGlRenderer();
  const software = isSoftwareRenderer(renderer);
  if (software && !allowSoftware) throw new Error(`software renderer '${renderer}'`);
  return ` (renderer '${renderer}'${software ? ', software' : ''})`;
}

async function setupTensorflow(log: (message: string) => void): Promise<string> {
  if (!IS_NODE_PLATFORM)
    throw new Error(`setupBackend: 'tensorflow' runs only in Node; ${TENSORFLOW_INSTALL_HINT}`);
  const name = TENSORFLOW_PACKAGES.find((candidate) => isInstalled(candidate));
  if (name == null) throw new Error(`setupBackend: ${TENSORFLOW_INSTALL_HINT}`);
  try {
    await importOptional(name);
  } catch (error) {
    throw new Error(`setupBackend: ${name} is installed but failed to load: ${(error as Error).message}`);
  }
  log(`tensorflow: loaded ${name}`);
  await activate('tensorflow');
  return `${name}`;
}

async function setupAuto(
  options: SetupBackendOptions,
  log: (message: string) => void,
): Promise<BackendChoice> {
  return setupChain(backendOrder('auto', IS_NODE_PLATFORM ? 'node' : 'browser'), options, log, []);
}

/** Tries `candidates` in order as 'auto' does (software GPUs skipped); `skipped` collects why each failed. */
async function setupChain(
  candidates: readonly BackendName[],
  options: SetupBackendOptions,
  log: (message: string) => void,
  skipped: string[],
): Promise<BackendChoice> {
  const why = () => (skipped.length ? `; skipped ${skipped.join('; ')}` : '');
  for (const candidate of candidates) {
    try {
      switch (candidate) {
        case 'webgpu': {
          const detail = await setupWebGpu(options, log, options.allowSoftwareWebGpu === true);
          return { backend: 'webgpu', reason: `auto: a WebGPU adapter is available${detail}${why()}` };
        }
        case 'webgl': {
          const detail = await setupWebGl(false);
          return { backend: 'webgl', reason: `auto: WebGL2 on a hardware GPU${detail}${why()}` };
        }
        case 'tensorflow': {
          if (!IS_NODE_PLATFORM || !TENSORFLOW_PACKAGES.some((name) => isInstalled(name))) {
            skipped.push('tensorflow: @tensorflow/tfjs-node(-gpu) not installed');
            continue;
          }
          const name = await setupTensorflow(log);
          return { backend: 'tensorflow', reason: `auto: ${name} is installed${why()}` };
        }
        case 'wasm': {
          const detail = await setupWasm(options, log);
          return {
            backend: 'wasm',
            reason: `auto: wasm is the fastest available CPU backend${detail}${why()}`,
          };
        }
        case 'cpu':
          await setupCpu();
          return { backend: 'cpu', reason: `auto: fell back to the pure-JS cpu backend${why()}` };
      }
    } catch (error) {
      skipped.push(`${candidate}: ${(error as Error).message.replace(/^setup\w+: /, '')}`);
    }
  }
  throw new Error(`setupBackend: no tfjs backend could start${why()}`);
}
