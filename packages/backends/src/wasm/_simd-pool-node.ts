/**
 * Worker threads that run the SIMD kernels (scripts/build-simd-wasm.mjs) on the threaded tfjs build's shared
 * memory, in place, so that one kernel call can be split across cores (reached through `#platform`, Node
 * only). tfjs kernels are synchronous, so the caller blocks: it writes the call's parts into a shared table,
 * wakes the workers, and then every thread, the caller included, claims the next unclaimed part (an atomic
 * compare-and-swap on one word) until none is left; the caller waits (Atomics.wait, allowed on Node's main
 * thread, not on a browser's) until every part is done. A worker that wakes late, or a core that a neighbour
 * slows down, just claims fewer parts: nobody waits for a share fixed in advance. Idle workers sleep in
 * Atomics.wait and cost nothing; they are unref()ed so they never keep the process alive.
 */
import { Worker } from 'node:worker_threads';
import {
  MAX_POOL_PARTS,
  SIMD_FUNCTIONS,
  type SimdFunctionName,
  type SimdPool,
  setSimdPool,
  simdModule,
  simdOn,
} from './_simd-module';

// The shared control block (Int32Array): [JOB] job number (the caller bumps it to wake the workers), [CLAIM]
// parts << 8 | next unclaimed part, [COMPLETED] parts finished, [FN] function index (-1: exit), [FAILED] 1 +
// the index of a part that threw in a worker (0: none), then MAX_POOL_PARTS rows of [argument count, arguments].
// The caller writes a call's table, FN, COMPLETED and FAILED before it stores CLAIM, and touches them again
// only after every part has completed; a thread reads a part's row only after its CAS on CLAIM claimed it.
const JOB = 0;
const CLAIM = 1;
const COMPLETED = 2;
const FN = 3;
const FAILED = 4;
const TABLE = 8;
const MAX_ARGS = 12;
const ROW = MAX_ARGS + 1;
const CONTROL_INTS = TABLE + MAX_POOL_PARTS * ROW;

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { module, memory, control, names } = workerData;
const exports = new WebAssembly.Instance(module, { env: { memory } }).exports;
const fns = names.map((name) => exports[name]);
const q = new Int32Array(control);
parentPort.postMessage('ready');
let seen = 0;
for (;;) {
  Atomics.wait(q, ${JOB}, seen);
  seen = Atomics.load(q, ${JOB});
  if (Atomics.load(q, ${FN}) < 0) break;
  for (;;) {
    const claim = Atomics.load(q, ${CLAIM});
    const parts = claim >> 8;
    const part = claim & 255;
    if (part >= parts) break;
    if (Atomics.compareExchange(q, ${CLAIM}, claim, claim + 1) !== claim) continue;
    const row = ${TABLE} + part * ${ROW};
    try {
      fns[q[${FN}]](...Array.from(q.subarray(row + 1, row + 1 + q[row])));
    } catch {
      Atomics.compareExchange(q, ${FAILED}, 0, part + 1);
    }
    if (Atomics.add(q, ${COMPLETED}, 1) + 1 === parts) Atomics.notify(q, ${COMPLETED});
  }
}
`;

/** How long the caller waits for the parts of one call before it gives up (a worker died or hangs). */
const JOB_TIMEOUT_MS = 600_000;

class NodeSimdPool implements SimdPool {
  private closed = false;

  constructor(
    private readonly memory: WebAssembly.Memory,
    private readonly workers: Worker[],
    private readonly q: Int32Array,
  ) {}

  get threads(): number {
    return this.workers.length + 1;
  }

  run(name: SimdFunctionName, parts: number[][]): void {
    if (this.closed) throw new Error('SIMD worker pool: run() after close()');
    if (parts.length === 0) return;
    if (parts.length > MAX_POOL_PARTS) {
      throw new Error(`SIMD worker pool: ${parts.length} parts (at most ${MAX_POOL_PARTS})`);
    }
    const longest = Math.max(...parts.map((args) => args.length));
    if (longest > MAX_ARGS) throw new Error(`SIMD worker pool: ${longest} arguments (at most ${MAX_ARGS})`);
    const kernel = simdOn(this.memory)[name] as (...args: number[]) => void;
    if (parts.length === 1) {
      kernel(...parts[0]);
      return;
    }
    const { q } = this;
    q[FN] = SIMD_FUNCTIONS.indexOf(name);
    parts.forEach((args, part) => {
      const row = TABLE + part * ROW;
      q[row] = args.length;
      q.set(args, row + 1);
    });
    Atomics.store(q, COMPLETED, 0);
    Atomics.store(q, FAILED, 0);
    Atomics.store(q, CLAIM, parts.length << 8);
    Atomics.add(q, JOB, 1);
    Atomics.notify(q, JOB);
    let failure: unknown;
    for (;;) {
      const claim = Atomics.load(q, CLAIM);
      const part = claim & 255;
      if (part >= parts.length) break;
      if (Atomics.compareExchange(q, CLAIM, claim, claim + 1) !== claim) continue;
      try {
        kernel(...parts[part]);
      } catch (error) {
        failure ??= error;
      }
      Atomics.add(q, COMPLETED, 1);
    }
    const start = Date.now();
    for (;;) {
      const done = Atomics.load(q, COMPLETED);
      if (done === parts.length) break;
      if (Date.now() - start > JOB_TIMEOUT_MS) {
        // A part still running could write later or count into the next call: retire the pool (later kernels
        // on this memory run single-threaded) and stop its workers.
        this.closed = true;
        setSimdPool(this.memory, undefined);
        for (const worker of this.workers) void worker.terminate();
        throw new Error(
          `SIMD worker pool: ${parts.length - done} part(s) of ${name} not finished within ${JOB_TIMEOUT_MS / 1000} s (a worker died or hangs); the SIMD kernels run on one thread from now on`,
        );
      }
      Atomics.wait(q, COMPLETED, done, 1000);
    }
    const failed = Atomics.load(q, FAILED);
    if (failure == null && failed !== 0)
      failure = new Error(`SIMD worker pool: ${name} failed in a worker thread (part ${failed - 1})`);
    if (failure != null) throw failure;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    Atomics.store(this.q, FN, -1);
    Atomics.add(this.q, JOB, 1);
    Atomics.notify(this.q, JOB);
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
  const control = new SharedArrayBuffer(CONTROL_INTS * 4);
  const started: Promise<void>[] = [];
  for (let w = 1; w < threads; w++) {
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { module, memory, control, names: [...SIMD_FUNCTIONS] },
    });
    workers.push(worker);
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
    // A part that throws sets the FAILED flag and the caller reports it; this only keeps an unexpected
    // worker error from crashing the process (the caller then times out and retires the pool).
    worker.on('error', () => {});
    worker.unref();
  }
  return new NodeSimdPool(memory, workers, new Int32Array(control));
}
