import { describe, expect, it } from 'vitest';
import { learningRateAt } from './learning-rate';
import { preset } from './presets';

describe('learningRateAt', () => {
  it('halves the paper rate every 50 epochs', () => {
    const config = preset('paper');
    const at = (epoch: number) => learningRateAt(config, { epoch, step: epoch * 1250, totalSteps: 375000 });
    expect(at(0)).toBe(4e-4);
    expect(at(49)).toBe(4e-4);
    expect(at(50)).toBe(2e-4);
    expect(at(149)).toBe(1e-4);
    expect(at(299)).toBeCloseTo(4e-4 / 32, 15);
  });

  it('cosine anneals from the base to the minimum per step', () => {
    const config = {
      ...preset('paper'),
      learningRateSchedule: { kind: 'cosine' as const, minLearningRate: 1e-6 },
    };
    const at = (step: number) => learningRateAt(config, { epoch: 0, step, totalSteps: 1000 });
    expect(at(0)).toBeCloseTo(4e-4, 15);
    expect(at(500)).toBeCloseTo((4e-4 + 1e-6) / 2, 15);
    expect(at(1000)).toBeCloseTo(1e-6, 15);
    expect(at(250)).toBeCloseTo(1e-6 + ((4e-4 - 1e-6) * (1 + Math.cos(Math.PI / 4))) / 2, 15);
  });

  it('cosine with startEpoch holds the base rate until that epoch, then anneals over the remaining steps', () => {
    // paper preset: 300 epochs; 1000 steps in all, so startEpoch 180 is step 600
    const config = {
      ...preset('paper'),
      learningRateSchedule: { kind: 'cosine' as const, minLearningRate: 1e-6, startEpoch: 180 },
    };
    const at = (step: number) => learningRateAt(config, { epoch: 0, step, totalSteps: 1000 });
    expect(at(0)).toBe(4e-4);
    expect(at(599)).toBe(4e-4);
    expect(at(600)).toBeCloseTo(4e-4, 15);
    expect(at(700)).toBeCloseTo(1e-6 + ((4e-4 - 1e-6) * (1 + Math.cos(Math.PI / 4))) / 2, 15);
    expect(at(800)).toBeCloseTo((4e-4 + 1e-6) / 2, 15);
    expect(at(1000)).toBeCloseTo(1e-6, 15);
    for (let step = 601; step <= 1000; step++) expect(at(step)).toBeLessThan(at(step - 1));
    // startEpoch 0 is the plain cosine
    const plain = {
      ...config,
      learningRateSchedule: { kind: 'cosine' as const, minLearningRate: 1e-6, startEpoch: 0 },
    };
    expect(learningRateAt(plain, { epoch: 0, step: 250, totalSteps: 1000 })).toBeCloseTo(
      1e-6 + ((4e-4 - 1e-6) * (1 + Math.cos(Math.PI / 4))) / 2,
      15,
    );
  });

  it('constant stays put', () => {
    const config = { ...preset('paper'), learningRateSchedule: { kind: 'constant' as const } };
    expect(learningRateAt(config, { epoch: 299, step: 5, totalSteps: 10 })).toBe(4e-4);
  });
});
