import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { setupBackend } from '@s2cassi/backends';
import { REPO_ROOT } from '@s2cassi/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { tinyConfig } from './_test-helpers';
import type { StepRecord } from './events';
import { openResume, openTraining, readLog } from './node';

const config = tinyConfig({
  seed: 3,
  training: { epochs: 40, samplesPerEpoch: 8, batchSize: 2 },
  checkpoint: { everySteps: 1000, keep: 2 },
  data: { noise: { kind: 'gaussian', std: 0.02 } },
});

describe('a real process killed with SIGTERM and resumed', () => {
  const root = mkdtempSync(join(tmpdir(), 's2cassi-trainer-kill-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('saves a checkpoint on SIGTERM, exits cleanly, and the resumed run matches an uninterrupted one', async () => {
    const runDir = join(root, 'killed');
    const script = join(root, 'train.mts');
    writeFileSync(
      script,
      `import { openTraining } from ${JSON.stringify(resolve(import.meta.dirname, 'node.ts'))};\n` +
        `const run = await openTraining(JSON.parse(process.argv[2]), process.argv[3], { log: (l) => console.log(l) });\n` +
        `run.trainer.events.on('step', (s) => { if (s.step === 30) console.log('STEP30'); });\n` +
        `const result = await run.start();\nconsole.log('RESULT', JSON.stringify(result));\n`,
    );
    const child = spawn(
      process.execPath,
      [
        // Node itself with tsx as a loader (not the tsx CLI, which wraps the script in a second process
        // and relays signals): SIGTERM must reach the training process directly.
        '--conditions=@s2cassi/source',
        '--import',
        pathToFileURL(join(REPO_ROOT, 'node_modules/tsx/dist/loader.mjs')).href,
        script,
        JSON.stringify(config),
        runDir,
      ],
      { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
    await new Promise<void>((done, fail) => {
      child.stdout.on('data', (chunk) => {
        output += chunk;
        if (output.includes('STEP30')) done();
      });
      child.stderr.on('data', (chunk) => {
        output += chunk;
      });
      child.on('exit', () => fail(new Error(`child exited early:\n${output}`)));
    });
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(output).toMatch(/SIGTERM: finishing the current step and saving a checkpoint/);
    const result = JSON.parse(output.split('RESULT ')[1]);
    expect(result.stopped).toBe(true);
    expect(result.step).toBeGreaterThan(30);
    expect(result.step).toBeLessThan(160);
    const manifest = JSON.parse(readFileSync(join(runDir, 'checkpoints', 'manifest.json'), 'utf8'));
    expect(manifest.latest).toBe(`step-${String(result.step).padStart(9, '0')}`);

    await setupBackend('wasm');
    const resumed = await openResume(runDir, { handleSignals: false });
    expect(resumed.trainer.step).toBe(result.step);
    await resumed.start();
    const straightDir = join(root, 'straight');
    const straight = await openTraining(config, straightDir, { handleSignals: false });
    const straightSteps: StepRecord[] = [];
    straight.trainer.events.on('step', (s) => straightSteps.push(s));
    await straight.start();
    const killedLog = await readLog(join(runDir, 'log.jsonl'));
    expect(killedLog.steps).toHaveLength(160);
    const diffs = killedLog.steps.map((s, i) => Math.abs(s.loss.total - straightSteps[i].loss.total));
    console.log(
      `SIGTERM at step ${result.step} + resume: max |loss difference| over 160 steps = ${Math.max(...diffs)}`,
    );
    expect(Math.max(...diffs)).toBe(0);
    expect(existsSync(join(runDir, 'curves', 'loss.png'))).toBe(true);
  }, 600_000);
});
