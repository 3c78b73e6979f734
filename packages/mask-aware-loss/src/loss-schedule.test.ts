import { describe, expect, it } from 'vitest';
import { createLossSchedule, type LossSchedule, lossScheduleAt } from './loss-schedule';

describe('createLossSchedule / lossScheduleAt', () => {
  it('defaults to the paper: L_ME (alpha 1.5) for the first half, L_MA (alpha 1, beta 10) after', () => {
    const s = createLossSchedule();
    expect(s).toEqual({
      format: 's2cassi.loss-schedule',
      version: 1,
      firstObjective: 'me',
      secondObjective: 'ma',
      firstAlpha: 1.5,
      secondAlpha: 1,
      beta: 10,
      switchFraction: 0.5,
      alphaRamp: null,
      reconstruction: 'l1',
    });
    const at = (epoch: number) => lossScheduleAt(s, { epoch, totalEpochs: 300 });
    expect(at(0)).toEqual({ objective: 'me', alpha: 1.5, beta: 0, reconstruction: 'l1', phase: 'first' });
    expect(at(149)).toEqual({ objective: 'me', alpha: 1.5, beta: 0, reconstruction: 'l1', phase: 'first' });
    expect(at(149.99).objective).toBe('me');
    expect(at(150)).toEqual({ objective: 'ma', alpha: 1, beta: 10, reconstruction: 'l1', phase: 'second' });
    expect(at(299)).toEqual(at(150));
    expect(at(300)).toEqual(at(150));
  });

  it('every number is configurable; steps may stand in for epochs', () => {
    const s = createLossSchedule({
      firstObjective: 'l1',
      secondObjective: 'ma',
      secondAlpha: 0.25,
      beta: 3,
      switchFraction: 1 / 3,
      reconstruction: 'rmse',
    });
    expect(lossScheduleAt(s, { epoch: 99, totalEpochs: 300 })).toEqual({
      objective: 'l1',
      alpha: 0,
      beta: 0,
      reconstruction: 'l1',
      phase: 'first',
    });
    // 1/3 of 300 is epoch 100 despite rounding in 1/3.
    expect(lossScheduleAt(s, { epoch: 100, totalEpochs: 300 })).toEqual({
      objective: 'ma',
      alpha: 0.25,
      beta: 3,
      reconstruction: 'rmse',
      phase: 'second',
    });
    expect(lossScheduleAt(s, { epoch: 1000, totalEpochs: 3000 }).objective).toBe('ma');
    const rmse = createLossSchedule({ firstObjective: 'rmse', secondObjective: 'rmse' });
    expect(lossScheduleAt(rmse, { epoch: 200, totalEpochs: 300 })).toMatchObject({
      objective: 'rmse',
      reconstruction: 'rmse',
      alpha: 0,
      beta: 0,
    });
    // switchFraction 0: the second objective from the start; 1: never (until the very end).
    const never = createLossSchedule({ switchFraction: 1 });
    expect(lossScheduleAt(never, { epoch: 299, totalEpochs: 300 }).objective).toBe('me');
    const always = createLossSchedule({ switchFraction: 0 });
    expect(lossScheduleAt(always, { epoch: 0, totalEpochs: 300 }).objective).toBe('ma');
  });

  it('an optional linear alpha ramp', () => {
    const s = createLossSchedule({ alphaRamp: { startFraction: 0.4, endFraction: 0.6 } });
    const alpha = (epoch: number) => lossScheduleAt(s, { epoch, totalEpochs: 100 }).alpha;
    expect(alpha(0)).toBe(1.5);
    expect(alpha(40)).toBe(1.5);
    expect(alpha(45)).toBeCloseTo(1.375, 12); // 1.5 - 0.5 * 0.25
    expect(alpha(50)).toBeCloseTo(1.25, 12);
    expect(lossScheduleAt(s, { epoch: 50, totalEpochs: 100 }).objective).toBe('ma');
    expect(alpha(55)).toBeCloseTo(1.125, 12);
    expect(alpha(60)).toBe(1);
    expect(alpha(100)).toBe(1);
  });

  it('is pure and survives a JSON round trip, so a resumed run continues exactly', () => {
    const s = createLossSchedule({ beta: 7, alphaRamp: { startFraction: 0.1, endFraction: 0.9 } });
    const copy = JSON.parse(JSON.stringify(s)) as LossSchedule;
    expect(copy).toEqual(s);
    expect(createLossSchedule(copy)).toEqual(s);
    for (let epoch = 0; epoch <= 40; epoch++) {
      const a = lossScheduleAt(s, { epoch, totalEpochs: 40 });
      expect(lossScheduleAt(copy, { epoch, totalEpochs: 40 })).toEqual(a);
      expect(lossScheduleAt(s, { epoch, totalEpochs: 40 })).toEqual(a);
    }
    const frozen = Object.freeze({ ...s });
    expect(() => lossScheduleAt(frozen, { epoch: 3, totalEpochs: 10 })).not.toThrow();
  });

  it('rejects bad options and positions with clear errors', () => {
    expect(() => createLossSchedule({ switchFraction: 1.5 })).toThrow(
      /switchFraction\): expected a fraction in \[0, 1\], got 1.5/,
    );
    expect(() => createLossSchedule({ firstAlpha: -1 })).toThrow(
      /firstAlpha\): expected a finite number >= 0, got -1/,
    );
    expect(() => createLossSchedule({ beta: Number.NaN })).toThrow(/beta\).*got NaN/);
    expect(() => createLossSchedule({ secondObjective: 'mae' as 'ma' })).toThrow(
      /secondObjective\): expected one of 'me', 'ma', 'l1', 'rmse', got 'mae'/,
    );
    expect(() => createLossSchedule({ reconstruction: 'mae' as 'l1' })).toThrow(/reconstruction\)/);
    expect(() => createLossSchedule({ alphaRamp: { startFraction: 0.6, endFraction: 0.6 } })).toThrow(
      /expected endFraction > startFraction, got 0.6 .. 0.6/,
    );
    expect(() => createLossSchedule({ alpha: 1 } as unknown as LossSchedule)).toThrow(
      /unknown option 'alpha'/,
    );
    expect(() => createLossSchedule({ version: 2 } as unknown as LossSchedule)).toThrow(
      /version\): expected 1, got 2/,
    );
    expect(() => createLossSchedule('me' as unknown as LossSchedule)).toThrow(
      /options\): expected an object, got 'me'/,
    );
    const s = createLossSchedule();
    expect(() => lossScheduleAt(s, { epoch: 301, totalEpochs: 300 })).toThrow(
      /epoch\): expected 0 <= epoch <= totalEpochs \(300\), got 301/,
    );
    expect(() => lossScheduleAt(s, { epoch: -1, totalEpochs: 300 })).toThrow(
      /epoch\): expected a finite number >= 0, got -1/,
    );
    expect(() => lossScheduleAt(s, { epoch: 0, totalEpochs: 0 })).toThrow(
      /totalEpochs\): expected a number > 0, got 0/,
    );
    expect(() => lossScheduleAt({ ...s, beta: -3 }, { epoch: 0, totalEpochs: 3 })).toThrow(/beta/);
  });
});
