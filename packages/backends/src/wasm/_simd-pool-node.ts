/**
 * Worker threads that run the SIMD kernels (scripts/build-simd-wasm.mjs) on the threaded tfjs build's shared
 * memory, in place, so that one kernel call can be split across cores (reached through `#platform`, Node
 * only). tfjs kernels are synchronous, so the caller blocks: it posts each worker its part through a
 * SharedArrayBuffer, runs the first part itself, then waits with Atomics.wait (allowed on Node's main
 * thread, not on a browser's). Idle workers sleep in Atomics.wait and cost nothing; they are unref()ed so
 * they never keep the process alive.
 */
import { Worker } from 'node:worker_threads';
import { SIMD_FUNCTIONS, type SimdFunctionName, type SimdPool, simdModule, simdOn } from './_simd-module';

// Control block per worker (Int32Array): [0] job number (the caller bumps it), [1] number of the job last
// finished, [2] function index (-1: exit), [3] argument count, [4..4+MAX_ARGS) arguments, [ERROR] 1 if the
// last job threw. Only the caller writes [0], so the next job number is always [0] + 1.
const JOB = 0;
const DONE = 1;
const FN = 2;
const ARGC = 3;
const ARGS = 4;
const MAX_ARGS = 12;
const ERROR = ARGS + MAX_ARGS;
const CONTROL_INTS = ERROR + 1;

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { module, memory, control, names } = workerData;
const exports = new WebAssembly.Instance(module, { env: { memory } }).exports;
const fns = names.map((name) => exports[name]);
const ctrl = new Int32Array(control);
parentPort.postMessage('ready');
let seen = 0;
for (;;) {
  Atomics.wait(ctrl, ${JOB}, seen);
  seen = Atomics.load(ctrl, ${JOB});
  const fn = ctrl[${FN}];
  if (fn < 0) break;
  try {
    fns[fn](...Array.from(ctrl.subarray(${ARGS}, ${ARGS} + ctrl[${ARGC}])));
    ctrl[${ERROR}] = 0;
  } catch {
    ctrl[${ERROR}] = 1;
  }
  Atomics.store(ctrl, ${DONE}, seen);
  Atomics.notify(ctrl, ${DONE});
}
`;

/** How long the caller waits for one worker's part before it gives up (a worker died or hangs). */
const JOB_TIMEOUT_MS = 600_000;

/** Posts the next job (already described in the control block) to one worker. */
function post(ctrl: Int32Array): void {
  Atomics.store(ctrl, JOB, ctrl[JOB] + 1);
  Atomics.notify(ctrl, JOB);
}

class NodeSimdPool implements SimdPool {
  private closed = false;

  constructor(
    private readonly memory: WebAssembly.Memory,
    private readonly workers: Worker[],
    private readonly controls: Int32Array[],
  ) {}

  get threads(): number {
    return this.workers.length + 1;
  }

  run(name: SimdFunctionName, parts: number[][]): void {
    if (this.closed) throw new Error('SIMD worker pool: run() after close()');
    if (parts.length > this.threads) {
      throw new Error(`SIMD worker pool: ${parts.length} parts for ${this.threads} threads`);
    }
    const longest = Math.max(...parts.map((args) => args.length));
    if (longest > MAX_ARGS) throw new Error(`SIMD worker pool: ${longest} arguments (at most ${MAX_ARGS})`);
    const fn = SIMD_FUNCTIONS.indexOf(name);
    for (let w = 1; w < parts.length; w++) {
      const ctrl = this.controls[w - 1];
      ctrl[FN] = fn;
      ctrl[ARGC] = parts[w].length;
      ctrl.set(parts[w], ARGS);
      post(ctrl);
    }
    let failure: unknown;
    try {
      (simdOn(this.memory)[name] as (...args: number[]) => void)(...parts[0]);
    } catch (error) {
      failure = error;
    }
    for (let w = 1; w < parts.length; w++) {
      const ctrl = this.controls[w - 1];
      const job = ctrl[JOB];
      const start = Date.now();
      for (;;) {
        const done = Atomics.load(ctrl, DONE);
        if (done === job) break;
        if (Date.now() - start > JOB_TIMEOUT_MS) {
          throw new Error(
            `SIMD worker pool: worker ${w} did not finish ${name} within ${JOB_TIMEOUT_MS / 1000} s`,
          );
        }
        Atomics.wait(ctrl, DONE, done, 1000);
      }
      if (ctrl[ERROR] !== 0 && failure == null)
        failure = new Error(`SIMD worker pool: ${name} failed in worker ${w}`);
    }
    if (failure != null) throw failure;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const ctrl of this.controls) {
      ctrl[FN] = -1;
      post(ctrl);
    }
    await Promise.all(this.workers.map((worker) => worker.terminate()));
  }
}

/**
 * Starts `threads - 1` workers on `memory` (a shared WebAssembly.Memory: the threaded tfjs build's). Rejects
 * if a worker fails to start within `timeoutMs`, after stopping the ones that did.
 */
export async function startSimdPool(
  memory: WebAssembly.Memory,
  threads: number,
  timeoutMs = 20_000,
): Promise<SimdPool> {
  if (!(memory.buffer instanceof SharedArrayBuffer)) {
    throw new Error(
      'SIMD worker pool: needs a shared WebAssembly.Memory (the threaded tfjs-backend-wasm build)',
    );
  }
  if (!Number.isInteger(threads) || threads < 2) {
    throw new Error(`SIMD worker pool: threads must be an integer >= 2, got ${threads}`);
  }
  const module = simdModule(true);
  const workers: Worker[] = [];
  const controls: Int32Array[] = [];
  const started: Promise<void>[] = [];
  for (let w = 1; w < threads; w++) {
    const control = new SharedArrayBuffer(CONTROL_INTS * 4);
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { module, memory, control, names: [...SIMD_FUNCTIONS] },
    });
    workers.push(worker);
    controls.push(new Int32Array(control));
    started.push(
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`SIMD worker pool: worker ${w} did not start in ${timeoutMs} ms`)),
          timeoutMs,
        );
        worker.once('message', () => {
          clearTimeout(timer);
          resolve();
        });
        worker.once('error', (error) => {
          clearTimeout(timer);
          reject(error);
        });
        worker.once('exit', (code) => {
          clearTimeout(timer);
          reject(new Error(`SIMD worker pool: worker ${w} exited with code ${code} while starting`));
        });
      }),
    );
  }
  try {
    await Promise.all(started);
  } catch (error) {
    await Promise.all(workers.map((worker) => worker.terminate()));
    throw error;
  }
  for (const worker of workers) {
    worker.removeAllListeners();
    // A job that throws sets the ERROR flag and the caller reports it; this only keeps an unexpected
    // worker error from crashing the process (the caller then times out, naming the worker).
    worker.on('error', () => {});
    worker.unref();
  }
  return new NodeSimdPool(memory, workers, controls);
}
