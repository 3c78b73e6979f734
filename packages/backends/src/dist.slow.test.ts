import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The built package, outside vitest: plain Node ESM (the `node` condition of #platform) and a browser
// bundle built by Vite (the `default` condition), each run as a child process.
const packageDir = resolve(import.meta.dirname, '..');
const scratch = mkdtempSync(join(packageDir, '.dist-test-'));

const APP = `
import * as tf from '@tensorflow/tfjs-core';
import { backendInfo, setupBackend } from '@s2cassi/backends';
const request = process.argv[2] ?? 'cpu';
const choice = await setupBackend(request);
const w = tf.ones([3, 3, 2, 4]);
const x = tf.ones([1, 6, 6, 2]);
const dw = tf.grad((f) => tf.sum(tf.conv2d(x, f, 1, 'same')))(w);
const info = backendInfo();
console.log(JSON.stringify({ backend: choice.backend, shape: dw.shape, corner: dw.dataSync()[0], centre: dw.dataSync()[32], gradients: info.gradientsRegistered }));
`;

describe('the built package outside vitest', () => {
  beforeAll(() => {
    execFileSync('npx', ['tsdown'], { cwd: packageDir, stdio: 'pipe' });
  }, 600_000);
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  for (const backend of ['cpu', 'wasm']) {
    it(`plain Node ESM (node app.mjs) registers gradients and trains on ${backend}`, () => {
      // Inside the package folder, so '@s2cassi/backends' self-resolves to dist/ and tfjs from node_modules.
      const app = join(scratch, 'app.mjs');
      writeFileSync(app, APP);
      const out = execFileSync('node', [app, backend], { cwd: scratch, stdio: 'pipe' })
        .toString()
        .trim()
        .split('\n');
      expect(JSON.parse(out.at(-1) ?? '')).toEqual({
        backend,
        shape: [3, 3, 2, 4],
        corner: 25,
        centre: 36,
        gradients: true,
      });
    });
  }

  it('plain Node ESM runs wasm with threads: 2 from dist/ and exits on its own', () => {
    const app = join(scratch, 'threads.mjs');
    writeFileSync(
      app,
      `import * as tf from '@tensorflow/tfjs-core';
import { backendInfo, setupBackend } from '@s2cassi/backends';
const log = [];
await setupBackend('wasm', { threads: 2, log: (line) => log.push(line) });
const y = tf.conv2d(tf.ones([1, 16, 16, 4]), tf.ones([3, 3, 4, 8]), 1, 'same');
console.log(JSON.stringify({ threads: backendInfo().threads, centre: y.dataSync()[(8 * 16 + 8) * 8], log: log.find((line) => line.startsWith('wasm: threaded')) }));
`,
    );
    // execFileSync's timeout turns a process that never exits into a failure instead of a hang.
    const out = execFileSync('node', [app], { cwd: scratch, stdio: 'pipe', timeout: 600_000 })
      .toString()
      .trim()
      .split('\n');
    expect(JSON.parse(out.at(-1) ?? '')).toEqual({
      threads: 2,
      centre: 36,
      log: 'wasm: threaded build started in Node with 2 thread(s)',
    });
  });

  it('a browser bundle built by Vite uses the ESM gradients, one tfjs-core copy, no Node code', async () => {
    const { build } = await import('vite');
    const root = join(scratch, 'web');
    const outDir = join(root, 'out');
    execFileSync('mkdir', ['-p', root]);
    writeFileSync(join(root, 'main.js'), APP.replace("process.argv[2] ?? 'cpu'", "'cpu'"));
    await build({
      root,
      logLevel: 'silent',
      configFile: false,
      build: {
        outDir,
        minify: false,
        modulePreload: false,
        rollupOptions: { input: join(root, 'main.js') },
        target: 'es2022',
      },
    });
    const files = readdirSync(join(outDir, 'assets')).filter((f) => f.endsWith('.js'));
    const code = files.map((f) => readFileSync(join(outDir, 'assets', f), 'utf8')).join('\n');
    expect(code).not.toContain('createRequire');
    expect(code).not.toContain('tf.node.js');
    // tfjs-core's engine and the Sum gradient config, each bundled once.
    expect(code.match(/getOrMakeEngine\(\) \{/g)?.length).toBe(1);
    expect(code.match(/\bsumGradConfig = \{/g)?.length).toBe(1);
    // The bundle is an ES module; run it in Node with just enough of a DOM that tfjs picks its browser
    // platform (the bundle's Node platform was stubbed out by tfjs-core's "browser" field).
    const entry = files.find((f) => f.startsWith('main'));
    expect(entry).toBeDefined();
    const runner = join(root, 'run.mjs');
    writeFileSync(
      runner,
      'globalThis.window = globalThis;\nglobalThis.document = { querySelector: () => null, createElement: () => ({}), getElementsByTagName: () => [] };\nawait import(process.argv[2]);\n',
    );
    const bundle = join(outDir, 'assets', entry ?? '');
    const out = execFileSync('node', [runner, bundle], { stdio: 'pipe' }).toString().trim().split('\n');
    expect(JSON.parse(out.at(-1) ?? '')).toEqual({
      backend: 'cpu',
      shape: [3, 3, 2, 4],
      corner: 25,
      centre: 36,
      gradients: true,
    });
  }, 600_000);
});
