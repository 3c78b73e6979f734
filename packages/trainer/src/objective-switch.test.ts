import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setupBackend } from '@s2cassi/backends';
import { decodePng } from '@s2cassi/hsi-render';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tinyConfig } from './_test-helpers';
import type { MaskArray } from './batch-sampler';
import { chartLayout, trainingCurves } from './curves';
import type { ObjectiveChangeRecord, StepRecord } from './events';
import { openTraining, readLog } from './node';
import { syntheticSceneSource } from './scene-source';
import { Trainer } from './trainer';

/** L_ME for epochs 0-1, L_MA for epochs 2-3: two steps per epoch, the switch at step 4. */
const config = tinyConfig({ seed: 3, training: { epochs: 4, samplesPerEpoch: 4, batchSize: 2 } });

/** A seeded mask in (0, 1], 24 x 24 (the tiny preset's size). */
function seededMask(): MaskArray {
  const data = new Float32Array(24 * 24);
  let s = 11;
  for (let i = 0; i < data.length; i++) {
    s = (s * 1103515245 + 12345) % 2147483648;
    data[i] = 0.1 + 0.9 * (s / 2147483648);
  }
  return { data, shape: [24, 24] };
}

function source() {
  const synthetic = config.data.source;
  if (synthetic.kind !== 'synthetic') throw new Error('the tiny preset is synthetic');
  return syntheticSceneSource({ ...synthetic, bandCount: config.model.bandCount, seed: config.seed });
}

let root: string;
beforeAll(async () => {
  await setupBackend('wasm');
  root = mkdtempSync(join(tmpdir(), 's2cassi-objective-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('the switch from L_ME to L_MA', () => {
  it('is an event, once, at the first L_MA step, saying the total changes meaning; no tensor leaks', async () => {
    const before = tf.memory().numTensors;
    const trainer = await Trainer.create({ config, source: source(), mask: seededMask() });
    const changes: ObjectiveChangeRecord[] = [];
    const steps: StepRecord[] = [];
    trainer.events.on('objective', (e) => changes.push(e));
    trainer.events.on('step', (e) => steps.push(e));
    await trainer.run();
    trainer.dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect(steps.map((s) => s.objective)).toEqual(['me', 'me', 'me', 'me', 'ma', 'ma', 'ma', 'ma']);
    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({ type: 'objective', step: 4, epoch: 2, from: 'me', to: 'ma' });
    expect(changes[0].alpha).toBe(steps[4].alpha);
    expect(changes[0].beta).toBe(steps[4].beta);
    expect(changes[0].message).toMatch(/from L_ME to L_MA from step 5 \(epoch 3\)/);
    expect(changes[0].message).toMatch(/not comparable/);
  });

  it('is in the run log, and the loss chart plots total, recon, ME and MA with axes, legend and a marker there', async () => {
    const dir = join(root, 'run');
    const run = await openTraining(config, dir, {
      source: source(),
      mask: seededMask(),
      handleSignals: false,
      backend: { backend: 'wasm', reason: 'test' },
    });
    await run.start();
    const log = await readLog(join(dir, 'log.jsonl'));
    expect(log.objectiveChanges).toEqual([expect.objectContaining({ step: 4, from: 'me', to: 'ma' })]);

    const svg = readFileSync(join(dir, 'curves', 'loss.svg'), 'utf8');
    for (const label of ['>total<', '>recon<', '>ME<', '>MA<', 'L_ME -&gt; L_MA', '>step<'])
      expect(svg).toContain(label);

    // The PNG: the same chart (layout from the same series and options), with text and the marker.
    const charts = trainingCurves(log.steps, log.validations, log.objectiveChanges);
    expect(charts.loss.series.map((s) => s.label)).toEqual(['total', 'recon', 'ME', 'MA']);
    expect(charts.loss.options.markers).toEqual([{ x: 4, label: 'L_ME -> L_MA' }]);
    const layout = chartLayout(charts.loss.series, charts.loss.options);
    const png = decodePng(readFileSync(join(dir, 'curves', 'loss.png')));
    expect([png.width, png.height]).toEqual([layout.width, layout.height]);
    const inked = (x0: number, y0: number, x1: number, y1: number, [r, g, b]: number[]) => {
      let n = 0;
      for (let y = Math.round(y0); y < Math.round(y1); y++)
        for (let x = Math.round(x0); x < Math.round(x1); x++) {
          const o = (y * png.width + x) * 4;
          if (png.data[o] === r && png.data[o + 1] === g && png.data[o + 2] === b) n++;
        }
      return n;
    };
    const ink = [51, 51, 51];
    // Tick labels and the y label left of the plot; tick labels and the x label below it.
    expect(inked(0, layout.top, layout.left - 5, layout.bottom, ink)).toBeGreaterThan(100);
    expect(inked(layout.left, layout.bottom + 5, layout.right, layout.height, ink)).toBeGreaterThan(50);
    // The legend, right of the plot: four swatches in the series' colours and their labels.
    expect(inked(layout.right + 1, layout.top, layout.width, layout.bottom, ink)).toBeGreaterThan(4 * 10);
    for (const s of charts.loss.series) {
      const rgb = [1, 3, 5].map((i) => Number.parseInt(s.color.slice(i, i + 2), 16));
      expect(inked(layout.right + 1, layout.top, layout.width, layout.bottom, rgb), s.label).toBeGreaterThan(
        10,
      );
    }
    // The marker: a dashed line at the switch step.
    const x = layout.x(4);
    expect(inked(x, layout.top, x + 1, layout.bottom, [0x55, 0x55, 0x55])).toBeGreaterThan(
      (layout.bottom - layout.top) * 0.4,
    );
  });

  it('without logged switches, the chart finds the switch in the step records', () => {
    const step = (index: number, objective: string): StepRecord =>
      ({ type: 'step', step: index, objective, loss: { total: 1, recon: 0.5, me: 0.1 } }) as StepRecord;
    const charts = trainingCurves([step(0, 'me'), step(5, 'me'), step(10, 'ma'), step(15, 'ma')], []);
    expect(charts.loss.options.markers).toEqual([{ x: 10, label: 'L_ME -> L_MA' }]);
    expect(trainingCurves([step(0, 'l1'), step(5, 'l1')], []).loss.options.markers).toEqual([]);
  });
});
