import { describe, expect, it } from 'vitest';
import { bandCountFor } from './band-count';
import { PipelineInputError } from './errors';

describe('bandCountFor', () => {
  it("inverts W' = W + d (N - 1) for every step and band count", () => {
    for (const step of [1, 2, 3])
      for (const bands of [2, 8, 28, 31]) {
        expect(bandCountFor([16, 256 + step * (bands - 1)], [16, 256], step)).toBe(bands);
      }
    expect(bandCountFor([256, 310], [256, 256], 2)).toBe(28);
  });

  it('step 0: the widths are equal and the band count is given (default 28)', () => {
    expect(bandCountFor([8, 8], [8, 8], 0)).toBe(28);
    expect(bandCountFor([8, 8], [8, 8], 0, { bandCount: 31 })).toBe(31);
    expect(() => bandCountFor([8, 9], [8, 8], 0)).toThrow(/with step 0 the widths must be equal/);
  });

  it('names both shapes, the relation and what to do when the mask does not fit', () => {
    const odd = () =>
      bandCountFor([16, 71], [16, 16], 2, { measurementName: 'meas.mat', maskName: 'mask.mat' });
    expect(odd).toThrow(PipelineInputError);
    expect(odd).toThrow(
      "the mask does not fit the measurement: mask mask.mat is [16, 16] (H x W) and measurement meas.mat is [16, 71] (H x W'); W' - W = 55 is not step * (bands - 1) for any band count >= 2. A mask fits a measurement when the heights are equal and W' = W + step * (bands - 1) (step 2); use the mask the measurement was taken with (or one cropped to [H, W]), or check the shift step.",
    );
    expect(() => bandCountFor([16, 70], [15, 16], 2)).toThrow(
      /mask is \[15, 16\] \(H x W\) and measurement is \[16, 70\] \(H x W'\); the heights differ/,
    );
    // a mask as wide as the measurement would mean one band: refused
    expect(() => bandCountFor([16, 70], [16, 70], 2)).toThrow(/W' - W = 0 is not step/);
    expect(() => bandCountFor([16, 60], [16, 70], 2)).toThrow(/W' - W = -10/);
    expect(() => bandCountFor([16, 70], [16, 16], -1)).toThrow(
      /shift step: expected an integer >= 0 \(pixels of dispersion per band\), got -1/,
    );
    expect(() => bandCountFor([16, 70], [16, 16], 1.5)).toThrow(/got 1.5/);
  });
});
