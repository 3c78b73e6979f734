import { readFileSync } from 'node:fs';
import { inflateSync } from 'node:zlib';
import { setupBackend } from '@s2cassi/backends';
import { SHARED_DATA, SHARED_DATA_MISSING_MESSAGE, sharedDataPath } from '@s2cassi/testing';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { S2Transformer } from './s2-transformer';
import { estimateForwardBytes, planTiles, reconstructTiled } from './tiled';

/**
 * Test-only minimal MAT v5 reader: the first numeric matrix (miSINGLE or miDOUBLE, possibly inside a
 * miCOMPRESSED element), returned row-major [rows, cols]. Enough for the TSA-Net real-data files.
 */
function readMatV5Matrix(path: string): { rows: number; cols: number; data: Float32Array } {
  const file = readFileSync(path);
  let offset = 128;
  while (offset + 8 <= file.length) {
    const type = file.readUInt32LE(offset);
    const size = file.readUInt32LE(offset + 4);
    let element = file.subarray(offset + 8, offset + 8 + size);
    offset += 8 + size + ((8 - (size % 8)) % 8);
    if (type === 15)
      element = inflateSync(element).subarray(8); // miCOMPRESSED -> its miMATRIX body
    else if (type !== 14) continue;
    // sub-elements: array flags, dimensions, name, real part
    let p = 0;
    const sub = () => {
      const tag = element.readUInt32LE(p);
      if (tag >>> 16 !== 0) {
        const out = { type: tag & 0xffff, bytes: element.subarray(p + 4, p + 4 + (tag >>> 16)) };
        p += 8;
        return out;
      }
      const n = element.readUInt32LE(p + 4);
      const out = { type: tag, bytes: element.subarray(p + 8, p + 8 + n) };
      p += 8 + n + ((8 - (n % 8)) % 8);
      return out;
    };
    sub(); // flags
    const dims = sub();
    const [rows, cols] = [dims.bytes.readInt32LE(0), dims.bytes.readInt32LE(4)];
    sub(); // name
    const real = sub();
    const columnMajor =
      real.type === 7
        ? new Float32Array(
            real.bytes.buffer.slice(real.bytes.byteOffset, real.bytes.byteOffset + real.bytes.length),
          )
        : Float32Array.from(
            new Float64Array(
              real.bytes.buffer.slice(real.bytes.byteOffset, real.bytes.byteOffset + real.bytes.length),
            ),
          );
    const data = new Float32Array(rows * cols);
    for (let i = 0; i < rows; i++)
      for (let j = 0; j < cols; j++) data[i * cols + j] = columnMajor[j * rows + i];
    return { rows, cols, data };
  }
  throw new Error(`${path}: no numeric matrix found`);
}

describe.skipIf(!SHARED_DATA)(
  `real 660 x 660 scene, tiled [wasm] (${SHARED_DATA ? 'shared data found' : SHARED_DATA_MISSING_MESSAGE})`,
  () => {
    it('reconstructs scene1 (660 x 714 measurement) with the default model within a 512 MiB budget', async () => {
      await setupBackend('wasm');
      const meas = readMatV5Matrix(sharedDataPath('cassi_real/Measurements/scene1.mat'));
      const mask = readMatV5Matrix(sharedDataPath('cassi_real/mask.mat'));
      expect([meas.rows, meas.cols, mask.rows, mask.cols]).toEqual([660, 714, 660, 660]);
      // Y0(:, :, n) = Y(:, 2n : 2n + 660) * M (spec 1.5 "HM"; S2's real helper applies no 2/N scaling)
      const bands = 28;
      const y0 = new Float32Array(660 * 660 * bands);
      for (let i = 0; i < 660; i++)
        for (let j = 0; j < 660; j++)
          for (let n = 0; n < bands; n++)
            y0[(i * 660 + j) * bands + n] = meas.data[i * 714 + j + 2 * n] * mask.data[i * 660 + j];
      const input = tf.tensor4d(y0, [1, 660, 660, bands]);
      const model = new S2Transformer();
      const budget = 512 * 2 ** 20;
      const layout = planTiles(model.config, 660, 660, { memoryBudgetBytes: budget });
      const before = tf.memory().numBytes;
      const start = performance.now();
      let output: tf.Tensor | undefined;
      const profile = await tf.profile(async () => {
        output = await reconstructTiled(model, input, { memoryBudgetBytes: budget });
        return output;
      });
      const seconds = (performance.now() - start) / 1000;
      const peakAboveInput = profile.peakBytes - before;
      console.log(
        `660 x 660 tiled: tile ${layout.tile}, overlap ${layout.overlap}, ${layout.rowStarts.length * layout.colStarts.length} tiles, ${seconds.toFixed(0)} s, peak tfjs memory above the input ${(peakAboveInput / 2 ** 20).toFixed(0)} MiB (budget ${budget / 2 ** 20} MiB, estimate per tile ${(estimateForwardBytes(model.config, layout.tile + 7, layout.tile + 7) / 2 ** 20).toFixed(0)} MiB)`,
      );
      expect(output?.shape).toEqual([1, 660, 660, bands]);
      const values = (output as tf.Tensor).dataSync();
      expect(values.every(Number.isFinite)).toBe(true);
      // the budget covers one tile's forward pass; the blended output tensor (49 MB) is created at the end
      expect(peakAboveInput).toBeLessThanOrEqual(budget + 660 * 660 * bands * 4);
      tf.dispose([input, output as tf.Tensor]);
      model.dispose();
    }, 3_600_000);
  },
);
