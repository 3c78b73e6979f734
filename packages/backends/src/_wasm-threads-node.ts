/**
 * Multi-threaded tfjs-backend-wasm in Node (reached through `#platform`, Node only).
 *
 * tfjs-backend-wasm 4.22 never starts its pthreads build in Node: its `WASM_HAS_MULTITHREAD_SUPPORT`
 * flag returns false there, its pthread worker script is handed to emscripten as a `blob:` URL (Node's
 * `worker_threads` cannot start one), the main script as a `Blob`, and the C++ side caps the thread
 * count at half of `emscripten_num_logical_cores()`. This module starts the same emscripten build
 * (`wasm-out/tfjs-backend-wasm-threaded-simd.js`, shipped inside the npm package) itself:
 *
 * - the pthread worker script (tfjs's `wasmWorkerContents`, escaped the way tfjs escapes it for its
 *   blob) is written to a private temporary folder and emscripten's `locateFile` points at it; the
 *   main script is the glue file's own path, which the worker reads with `importScripts`;
 * - `instantiateWasm` instantiates the threaded binary with an import object whose
 *   `emscripten_num_logical_cores` reports twice the requested thread count, so the C++ cap (half the
 *   cores, at most 8) lets the request through without touching `os.cpus()`;
 * - startup is bounded: a worker that errors or exits, a missing binary, an abort or a timeout rejects,
 *   and every worker, process listener and global the glue added is removed again;
 * - after the XNNPACK thread pool exists, its running pthread workers are `unref()`ed (emscripten refs
 *   them while a pthread runs, so the process would never exit), the unused pool workers are
 *   terminated, the temporary folder is deleted and the `Worker` global the glue defines is restored.
 *
 * Everything here depends on tfjs-backend-wasm 4.22.0's build (its file names, emscripten's `PThread`
 * object and the C API `init_with_threads_count`); the caller checks the version first.
 */
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Worker } from 'node:worker_threads';

const require = createRequire(import.meta.url);

export const THREADED_WASM_BINARY = 'tfjs-backend-wasm-threaded-simd.wasm';
const GLUE = 'tfjs-backend-wasm-threaded-simd.js';
const WORKER = 'tfjs-backend-wasm-threaded-simd.worker.js';
/** emscripten's pre-created pthread pool in this build (`pthreadPoolSize=8`) and tfjs's thread cap. */
export const MAX_WASM_THREADS = 8;
/** How long the threaded module may take to load its workers before setup gives up. */
export const THREADED_WASM_START_TIMEOUT_MS = 20_000;

/** The parts of the emscripten module this file and tfjs's `BackendWasm` use. */
export interface ThreadedWasmModule {
  cwrap(name: string, returnType: string | null, argumentTypes: string[]): (...args: number[]) => number;
  PThread: {
    unusedWorkers: Worker[];
    runningWorkers: Worker[];
    terminateAllThreads(): void;
  };
  tfjs?: Record<string, (...args: number[]) => number>;
  [key: string]: unknown;
}

export interface ThreadedWasmOptions {
  /** Threads XNNPACK should use (1..8). */
  threads: number;
  /** Same meaning as `setWasmPaths`: a prefix ending in '/' or a file-name → path map. */
  wasmPaths?: string | Record<string, string>;
  /** Default {@link THREADED_WASM_START_TIMEOUT_MS}. */
  timeoutMs?: number;
  /** Replaces the pthread worker script (tests use it to simulate a broken or silent worker). */
  workerSource?: string;
}

type EmscriptenFactory = (config: Record<string, unknown>) => Promise<ThreadedWasmModule>;
type WorkerWithOnError = Worker & { onerror?: (error: unknown) => void };

function wasmOutDirectory(): string {
  return `${join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'wasm-out')}/`;
}

/** File path of the threaded binary: `wasmPaths` as tfjs reads it, else the package's own copy. */
function threadedBinaryPath(wasmPaths: ThreadedWasmOptions['wasmPaths']): string {
  let location = `${wasmOutDirectory()}${THREADED_WASM_BINARY}`;
  if (typeof wasmPaths === 'string') location = `${wasmPaths}${THREADED_WASM_BINARY}`;
  else if (wasmPaths?.[THREADED_WASM_BINARY] != null) location = wasmPaths[THREADED_WASM_BINARY];
  if (/^[a-z][a-z0-9+.-]+:\/\//i.test(location)) {
    if (!location.startsWith('file:'))
      throw new Error(
        `expected a file path or file: URL for ${THREADED_WASM_BINARY} in Node, got ${location}`,
      );
    return fileURLToPath(location);
  }
  return location;
}

function pthreadWorkerSource(): string {
  const { wasmWorkerContents } = require(`${wasmOutDirectory()}${WORKER}`) as { wasmWorkerContents: string };
  // The source is a template literal, so its "\n" escapes arrived as newlines; tfjs re-escapes them
  // before making its blob (tf-backend-wasm's init), and so do we.
  return wasmWorkerContents.replace(/\n/g, '\\n');
}

const PROCESS_EVENTS = ['uncaughtException', 'unhandledRejection'] as const;
/** `process` as a plain emitter (its typed overloads do not take a union of event names). */
const processEvents: NodeJS.EventEmitter = process;

/**
 * Starts tfjs-backend-wasm's threaded emscripten module in Node and resolves to it once all pthread
 * pool workers have loaded. The caller wraps it in `BackendWasm` (which creates the XNNPACK thread
 * pool) and then calls {@link releasePthreadWorkers}. Rejects, after cleaning up, when the module
 * cannot start within `timeoutMs`.
 */
export async function startThreadedWasm(options: ThreadedWasmOptions): Promise<ThreadedWasmModule> {
  const { threads } = options;
  if (!(Number.isInteger(threads) && threads >= 1 && threads <= MAX_WASM_THREADS))
    throw new Error(`expected threads to be an integer in 1..${MAX_WASM_THREADS}, got ${threads}`);
  const timeoutMs = options.timeoutMs ?? THREADED_WASM_START_TIMEOUT_MS;
  const binaryPath = threadedBinaryPath(options.wasmPaths);
  const gluePath = `${wasmOutDirectory()}${GLUE}`;
  const factory = require(gluePath) as EmscriptenFactory;
  const workerSource = options.workerSource ?? pthreadWorkerSource();

  const folder = mkdtempSync(join(tmpdir(), 's2cassi-wasm-threads-'));
  const workerPath = join(folder, WORKER);
  writeFileSync(`${workerPath}.tmp`, workerSource);
  renameSync(`${workerPath}.tmp`, workerPath);

  const hadWorkerGlobal = Object.hasOwn(globalThis, 'Worker');
  const previousWorkerGlobal = (globalThis as { Worker?: unknown }).Worker;
  const listenersBefore = new Map(PROCESS_EVENTS.map((event) => [event, processEvents.listeners(event)]));
  const restoreGlobals = () => {
    if (hadWorkerGlobal) (globalThis as { Worker?: unknown }).Worker = previousWorkerGlobal;
    else delete (globalThis as { Worker?: unknown }).Worker;
  };

  let config: Record<string, unknown> & Partial<ThreadedWasmModule> = {};
  let failStartup: (error: unknown) => void = () => {};
  const startupFailed = new Promise<never>((_, reject) => {
    failStartup = reject;
  });
  const onWorkerError = (error: unknown) =>
    failStartup(new Error(`a pthread worker failed while loading: ${(error as Error)?.message ?? error}`));
  const onWorkerExit = (code: number) =>
    failStartup(new Error(`a pthread worker exited (code ${code}) before it loaded`));
  const originalOnError = new Map<WorkerWithOnError, WorkerWithOnError['onerror']>();
  const poolWorkers = (): WorkerWithOnError[] => [
    ...(config.PThread?.unusedWorkers ?? []),
    ...(config.PThread?.runningWorkers ?? []),
  ];

  config = {
    mainScriptUrlOrBlob: gluePath,
    locateFile: (path: string, prefix: string) => {
      if (path.endsWith('.worker.js')) return workerPath;
      if (path.endsWith('.wasm')) return binaryPath;
      return prefix + path;
    },
    instantiateWasm: (
      info: Record<string, Record<string, unknown>>,
      receiveInstance: (instance: WebAssembly.Instance, module: WebAssembly.Module) => void,
    ) => {
      // tfjs caps threads at emscripten_num_logical_cores() / 2 (evaluated once, by a C++ global
      // initialiser on the main thread); report enough cores for the request.
      const env = { ...info.env, emscripten_num_logical_cores: () => 2 * threads };
      const imports = { ...info, env, wasi_snapshot_preview1: env } as WebAssembly.Imports;
      readFile(binaryPath)
        .then((bytes) => WebAssembly.instantiate(bytes, imports))
        .then(({ instance, module }) => {
          receiveInstance(instance, module);
          // receiveInstance posted the module to every pool worker and gave each an `onerror` that
          // throws (an uncaught exception in Node); during startup an error fails setup instead.
          for (const worker of poolWorkers()) {
            originalOnError.set(worker, worker.onerror);
            worker.onerror = onWorkerError;
          }
        })
        .catch((error: unknown) =>
          failStartup(new Error(`cannot instantiate ${binaryPath}: ${(error as Error).message}`)),
        );
      return {};
    },
    onAbort: (what: unknown) => failStartup(new Error(`the wasm module aborted: ${String(what)}`)),
  };

  let timer: NodeJS.Timeout | undefined;
  try {
    const ready = factory(config);
    // The glue created its worker pool synchronously; listen before any of them can fail to start.
    for (const worker of poolWorkers()) {
      worker.on('error', onWorkerError);
      worker.on('exit', onWorkerExit);
    }
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`the threaded module did not start within ${timeoutMs} ms`)),
        timeoutMs,
      );
    });
    const module = await Promise.race([ready, startupFailed, timedOut]);
    // The same C API wrappers tfjs's own init() attaches (`BackendWasm` calls them).
    module.tfjs = {
      init: module.cwrap('init', null, []),
      initWithThreadsCount: module.cwrap('init_with_threads_count', null, ['number']),
      getThreadsCount: module.cwrap('get_threads_count', 'number', []),
      registerTensor: module.cwrap('register_tensor', null, ['number', 'number', 'number']),
      disposeData: module.cwrap('dispose_data', null, ['number']),
      dispose: module.cwrap('dispose', null, []),
    };
    for (const worker of poolWorkers()) {
      worker.off('error', onWorkerError);
      worker.off('exit', onWorkerExit);
      if (originalOnError.has(worker)) worker.onerror = originalOnError.get(worker);
    }
    return module;
  } catch (error) {
    for (const worker of poolWorkers()) void worker.terminate();
    try {
      config.PThread?.terminateAllThreads();
    } catch {
      // the workers are already terminated above
    }
    for (const event of PROCESS_EVENTS) {
      const before = listenersBefore.get(event) ?? [];
      for (const listener of processEvents.listeners(event))
        if (!before.includes(listener)) processEvents.removeListener(event, listener as () => void);
    }
    throw error;
  } finally {
    clearTimeout(timer);
    rmSync(folder, { recursive: true, force: true });
    // The glue defines `Worker` globally (Node has none); the pool is complete (or gone), so take it
    // back out: a later `new Worker` from the glue then throws instead of waiting for a deleted file.
    restoreGlobals();
  }
}

/**
 * After `BackendWasm` has created the XNNPACK thread pool: lets the process exit although pthreads are
 * running (emscripten `ref()`s a worker while its pthread runs) and frees the pool workers no pthread
 * uses (each is a V8 isolate holding the module, ~7 MB). Returns the number of running pthreads.
 */
export function releasePthreadWorkers(module: ThreadedWasmModule): number {
  for (const worker of module.PThread.runningWorkers) worker.unref();
  for (const worker of module.PThread.unusedWorkers) void worker.terminate();
  module.PThread.unusedWorkers = [];
  return module.PThread.runningWorkers.length;
}
