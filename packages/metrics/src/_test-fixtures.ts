// Test-only helpers (never exported from index.ts): read the committed fixtures.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CubeLike } from './cube-like';

export const FIXTURES = resolve(dirname(fileURLToPath(import.meta.url)), '../fixtures');

export interface FullReferenceCase {
  name: string;
  reference: string;
  prediction: string;
  shape: [number, number, number];
  expected: {
    psnr: { matlab: number; matlabBands: number[]; mstPython: number; s2: number; float: number };
    ssim: { matlab: number; matlabBands: number[]; skimage: number; torchSame: number };
    sam: { matlabQuantised: number; matlabFloat: number; strictFloat: number };
    rmse: { quantised: number; quantisedBands: number[]; float: number };
    ergas: { quantised: number; float: number };
  };
}

export function fullReferenceCases(): FullReferenceCase[] {
  return JSON.parse(readFileSync(resolve(FIXTURES, 'full-reference.json'), 'utf8')).cases;
}

function readBytes(file: string): Buffer {
  return readFileSync(resolve(FIXTURES, 'full-reference', file));
}

/** Reference crop: little-endian uint16 / 65535, as float64 (what the Python script used). */
export function loadReference(c: FullReferenceCase): CubeLike {
  const bytes = readBytes(c.reference);
  const data = new Float64Array(bytes.length / 2);
  for (let i = 0; i < data.length; i++) data[i] = bytes.readUInt16LE(2 * i) / 65535;
  return { data, shape: c.shape };
}

/** Prediction: little-endian float32. */
export function loadPrediction(c: FullReferenceCase): CubeLike {
  const bytes = readBytes(c.prediction);
  const data = new Float32Array(bytes.length / 4);
  for (let i = 0; i < data.length; i++) data[i] = bytes.readFloatLE(4 * i);
  return { data, shape: c.shape };
}
