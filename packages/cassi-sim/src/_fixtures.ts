// Test-only: loads the fixtures written by fixtures/make_fixtures.py (never imported by index.ts).
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface GapRun {
  name: string;
  iterations: number;
  tvWeight: number;
  tvIterations: number;
  accelerate: boolean;
  tvBoundary: 'adjoint' | 'reference';
  lambda?: number;
  result: number[];
}

export interface ReferenceCase {
  shape: [number, number, number, number];
  shiftStep: number;
  direction: 'right' | 'left';
  cube: number[];
  mask: number[];
  shifted: number[];
  measurement: number[];
  initialH: number[];
  initialHM: number[];
  phi: number[];
  phiSquaredSum: number[];
  gapTv: GapRun[];
  tv: { weight: number; iterations: number; boundary: 'adjoint' | 'reference'; result: number[] }[];
}

const here = dirname(fileURLToPath(import.meta.url));

export function loadReferenceCases(): ReferenceCase[] {
  const text = readFileSync(resolve(here, '../fixtures/reference.json'), 'utf8');
  return (JSON.parse(text) as { cases: ReferenceCase[] }).cases;
}
