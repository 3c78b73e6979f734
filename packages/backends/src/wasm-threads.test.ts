import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_WASM_THREADS, startThreadedWasm } from './_wasm-threads-node';
import { assertThreadedWasmVersions } from './setup-backend';

// Multi-threaded wasm in Node. A tfjs backend initialises once per process, so every configuration
// runs `_wasm-threads-probe.ts` in its own child process (plain Node + tsx, outside vitest).
const packageDir = resolve(import.meta.dirname, '..');
/**
 * A child that has not ended this long after saying `done` is stuck (a worker keeping it alive): it is
 * killed and the exit test fails. Generous, so that a loaded machine never trips it; the test asserts on
 * the measured delay separately.
 */
const HANG_AFTER_DONE_MS = 60_000;
/** A child that has not exited on its own within this long after `done` fails the exit test. */
const EXIT_WITHIN_MS = 15_000;

interface ProbeResult {
  choice: { backend: string; reason: string };
  threads: number;
  relaxedSimd: boolean;
  log: string[];
  wasm: Record<string, number[]>;
  cpu?: Record<string, number[]>;
  numTensors: number;
}
interface ProbeRun {
  result: ProbeResult;
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Time between the child's `done` and its exit. */
  exitDelayMs: number;
}

const probeFolder = mkdtempSync(join(tmpdir(), 's2cassi-wasm-threads-'));
afterAll(() => rmSync(probeFolder, { recursive: true, force: true }));

/**
 * Runs the probe in a child process. Its result (tens of MB of JSON) comes back through a file, not the
 * pipe; stdout carries only `done`. No wall-clock limit applies before `done`: how long the probe takes
 * on a loaded machine is not what this suite tests (vitest's hook timeout is the backstop).
 */
function probe(...args: string[]): Promise<ProbeRun> {
  const outputFile = join(probeFolder, `${args.join('-')}.json`);
  return new Promise((done, fail) => {
    const child = spawn(
      process.execPath,
      [
        ...(args.includes('relaxed') ? ['--experimental-wasm-relaxed-simd'] : []),
        '--conditions=@s2cassi/source',
        '--import',
        'tsx',
        'src/_wasm-threads-probe.ts',
        ...args,
      ],
      {
        cwd: packageDir,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: {
          ...process.env,
          S2CASSI_PROBE_OUT: outputFile,
          ...(args.includes('plain-env') ? { S2CASSI_RELAXED_SIMD: '0' } : {}),
        },
      },
    );
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let doneAt: number | undefined;
    let killer: NodeJS.Timeout | undefined;
    child.stdout.on('data', (chunk: Buffer) => {
      stdout.push(chunk);
      if (doneAt === undefined && Buffer.concat(stdout).toString().includes('done\n')) {
        doneAt = Date.now();
        killer = setTimeout(() => child.kill('SIGKILL'), HANG_AFTER_DONE_MS);
      }
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr.push(chunk);
    });
    child.on('error', fail);
    child.on('close', (code, signal) => {
      clearTimeout(killer);
      const exitDelayMs = doneAt === undefined ? Number.POSITIVE_INFINITY : Date.now() - doneAt;
      try {
        const result = JSON.parse(readFileSync(outputFile, 'utf8')) as ProbeResult;
        done({ result, code, signal, exitDelayMs });
      } catch (error) {
        fail(
          new Error(
            `probe ${args.join(' ')}: no result (code ${code}, signal ${signal}; ${String(error)}): ${Buffer.concat(stderr).toString()}`,
          ),
        );
      }
    });
  });
}

/** Largest |a - b| relative to the largest |b| (the output's scale). */
function relativeDifference(a: number[], b: number[]): number {
  expect(a.length).toBe(b.length);
  let difference = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    difference = Math.max(difference, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return difference / Math.max(scale, 1e-30);
}

const OUTPUTS = [
  'conv2d',
  'conv2dInputGradient',
  'conv2dFilterGradient',
  'matMul',
  'batchMatMul',
  'softmax',
  'pooledBatchMatMul',
  'pooledRowsMatMul',
  'pooledErf',
  'pooledTranspose',
];

describe('wasm threads in Node (child processes)', () => {
  let threaded: ProbeRun;
  let single: ProbeRun;
  let fallback: ProbeRun;
  let relaxed: ProbeRun;
  let plain: ProbeRun;
  let plainByEnvironment: ProbeRun;
  beforeAll(async () => {
    [threaded, single, fallback, relaxed, plain, plainByEnvironment] = await Promise.all([
      probe('2', 'cpu'),
      probe('default'),
      probe('2', 'missing-binary'),
      probe('2', 'cpu', 'relaxed'),
      probe('2', 'cpu', 'plain'),
      probe('default', 'plain-env'),
    ]);
  }, 20 * 60_000);

  it('relaxed SIMD: the FMA build runs where the engine has it, Node 20 through the V8 flag setupBackend sets (or node was started with), matching cpu within 1e-5', () => {
    // An independent probe of this engine: a module with one f32x4.relaxed_madd (0xfd 0x105)
    const relaxedModule = new Uint8Array([
      0, 97, 115, 109, 1, 0, 0, 0, 1, 6, 1, 96, 1, 123, 1, 123, 3, 2, 1, 0, 10, 13, 1, 11, 0, 32, 0, 32, 0,
      32, 0, 253, 133, 2, 11,
    ]);
    const major = Number(process.versions.node.split('.')[0]);
    const behindFlag = major === 20; // V8 11.3; relaxed SIMD is on by default from V8 11.4 (Node 21+)
    expect(threaded.result.relaxedSimd).toBe(WebAssembly.validate(relaxedModule) || behindFlag);
    expect(single.result.relaxedSimd).toBe(threaded.result.relaxedSimd);
    expect(threaded.result.choice.reason).toContain(
      threaded.result.relaxedSimd ? 'relaxed-SIMD FMA' : 'no relaxed SIMD (multiply + add)',
    );
    const flagLine = "wasm: turned on V8's --experimental-wasm-relaxed-simd";
    expect(threaded.result.log.some((line) => line.startsWith(flagLine))).toBe(
      behindFlag && !WebAssembly.validate(relaxedModule),
    );
    // started with the flag: nothing to turn on
    expect(relaxed.result.log.some((line) => line.startsWith(flagLine))).toBe(false);
    expect(relaxed.result.relaxedSimd).toBe(true);
    expect(relaxed.result.choice.reason).toContain(
      'relaxed-SIMD FMA, 2 thread(s), SIMD kernels on 2 threads)',
    );
    expect(relaxed.result.threads).toBe(2);
    const { wasm, cpu } = relaxed.result;
    for (const name of OUTPUTS) {
      expect(wasm[name].every(Number.isFinite), name).toBe(true);
      expect(relativeDifference(wasm[name], cpu?.[name] ?? []), `${name} vs cpu`).toBeLessThanOrEqual(1e-5);
    }
  });

  it('relaxedSimd: false and S2CASSI_RELAXED_SIMD=0 keep the plain SIMD build (multiply + add), matching cpu within 1e-5', () => {
    for (const run of [plain, plainByEnvironment]) {
      expect(run.code).toBe(0);
      expect(run.result.relaxedSimd).toBe(false);
      expect(run.result.choice.reason).toContain('no relaxed SIMD (multiply + add)');
      expect(run.result.log.join('\n')).not.toContain('experimental-wasm-relaxed-simd');
    }
    expect(plain.result.threads).toBe(2);
    const { wasm, cpu } = plain.result;
    for (const name of OUTPUTS) {
      expect(wasm[name].every(Number.isFinite), name).toBe(true);
      expect(relativeDifference(wasm[name], cpu?.[name] ?? []), `${name} vs cpu`).toBeLessThanOrEqual(1e-5);
    }
  });

  it('threads: 2 starts the threaded build, reports 2 threads and the process exits on its own', () => {
    expect(threaded.signal).toBeNull();
    expect(threaded.code).toBe(0);
    expect(threaded.exitDelayMs).toBeLessThan(EXIT_WITHIN_MS);
    expect(threaded.result.threads).toBe(2);
    expect(threaded.result.choice.reason).toContain('2 thread(s)');
    expect(threaded.result.log).toContain('wasm: threaded build started in Node with 2 thread(s)');
    expect(threaded.result.choice.reason).toContain('SIMD kernels on 2 threads');
    expect(threaded.result.numTensors).toBe(0);
  });

  it('without threads Node stays single-threaded', () => {
    expect(single.code).toBe(0);
    expect(single.result.threads).toBe(1);
    expect(single.result.choice.reason).toContain('1 thread(s)');
    expect(single.result.log.join('\n')).not.toContain('threaded');
    expect(single.result.choice.reason).not.toContain('SIMD kernels on');
  });

  it('conv2d forward/backward, matMul, batchMatMul, softmax and the pooled SIMD kernels match single-threaded wasm and cpu within 1e-5', () => {
    const { wasm, cpu } = threaded.result;
    expect(Object.keys(wasm).sort()).toEqual([...OUTPUTS].sort());
    for (const name of OUTPUTS) {
      expect(wasm[name].every(Number.isFinite), name).toBe(true);
      expect(
        relativeDifference(wasm[name], single.result.wasm[name]),
        `${name} vs 1 thread`,
      ).toBeLessThanOrEqual(1e-5);
      expect(relativeDifference(wasm[name], cpu?.[name] ?? []), `${name} vs cpu`).toBeLessThanOrEqual(1e-5);
    }
    // The softmax rows sum to 1: the comparison is not between two equally wrong results.
    const softmax = wasm.softmax;
    const rowSum = softmax.slice(0, 64).reduce((sum, value) => sum + value, 0);
    expect(rowSum).toBeCloseTo(1, 5);
  });

  it('falls back to one thread, saying why, when the threaded module cannot start', () => {
    expect(fallback.code).toBe(0);
    expect(fallback.exitDelayMs).toBeLessThan(EXIT_WITHIN_MS);
    expect(fallback.result.threads).toBe(1);
    expect(fallback.result.log.find((line) => line.startsWith('wasm: threads='))).toMatch(
      /^wasm: threads=2 unavailable in Node \(cannot instantiate .*no-such-file\.wasm: ENOENT.*\); running single-threaded$/,
    );
    for (const name of OUTPUTS)
      expect(relativeDifference(fallback.result.wasm[name], single.result.wasm[name]), name).toBe(0);
  });
});

describe('startThreadedWasm failure modes (in process)', () => {
  const listenerCounts = () => [
    process.listenerCount('uncaughtException'),
    process.listenerCount('unhandledRejection'),
  ];

  for (const [label, workerSource, expected] of [
    [
      'a worker that throws',
      'throw new Error("broken worker")',
      /pthread worker failed while loading: broken worker/,
    ],
    ['a worker that exits', '', /pthread worker exited \(code 0\) before it loaded/],
    ['a worker that never answers', 'setInterval(() => {}, 1000);', /did not start within 1500 ms/],
  ] as const) {
    it(`rejects for ${label} and leaves no globals or process listeners behind`, async () => {
      const before = listenerCounts();
      const hadWorker = 'Worker' in globalThis;
      const started = Date.now();
      await expect(startThreadedWasm({ threads: 2, workerSource, timeoutMs: 1500 })).rejects.toThrow(
        expected,
      );
      expect(Date.now() - started).toBeLessThan(15_000);
      expect(listenerCounts()).toEqual(before);
      expect('Worker' in globalThis).toBe(hadWorker);
    });
  }

  it('rejects a thread count outside 1..8', async () => {
    await expect(startThreadedWasm({ threads: MAX_WASM_THREADS + 1 })).rejects.toThrow(
      'expected threads to be an integer in 1..8, got 9',
    );
  });
});

describe('assertThreadedWasmVersions', () => {
  it('accepts 4.22.0 and refuses any other tfjs version by name', () => {
    expect(() => assertThreadedWasmVersions('4.22.0', '4.22.0')).not.toThrow();
    expect(() => assertThreadedWasmVersions('4.21.0', '4.22.0')).toThrow(
      /need @tensorflow\/tfjs-core and @tensorflow\/tfjs-backend-wasm 4\.22\.0 .*got tfjs-core 4\.21\.0 and tfjs-backend-wasm 4\.22\.0/,
    );
    expect(() => assertThreadedWasmVersions('4.22.0', '4.23.0')).toThrow(/tfjs-backend-wasm 4\.23\.0/);
  });
});
