import { mulberry32 } from '@s2cassi/testing';
import * as tf from '@tensorflow/tfjs-core';
import type { Module } from './module';

/** Fills every weight of `module` with seeded random values (betas positive), so tests see non-trivial weights. */
export function randomizeWeights(module: Module, seed: number, scale = 0.5): void {
  const random = mulberry32(seed);
  for (const { name, variable } of module.namedWeights()) {
    const values = new Float32Array(variable.size);
    const isBeta = name.endsWith('beta');
    for (let i = 0; i < values.length; i++) {
      values[i] = isBeta ? 0.5 + 2 * random() : (2 * random() - 1) * scale;
    }
    tf.tidy(() => variable.assign(tf.tensor(values, variable.shape)));
  }
}

/** Reads a module's named weights into plain arrays. */
export function weightArrays(module: Module): Record<string, Float32Array> {
  const out: Record<string, Float32Array> = {};
  for (const { name, variable } of module.namedWeights()) out[name] = variable.dataSync() as Float32Array;
  return out;
}
