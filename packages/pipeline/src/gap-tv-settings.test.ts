import { GAP_TV_DEFAULTS } from '@s2cassi/cassi-sim';
import { describe, expect, it } from 'vitest';
import { describeGapTv, gapTvDifferences, gapTvSettings } from './gap-tv-settings';

describe('GAP-TV settings', () => {
  it("are cassi-sim's GAP_TV_DEFAULTS unless overridden (undefined entries ignored)", () => {
    expect(gapTvSettings()).toEqual({ ...GAP_TV_DEFAULTS });
    expect(gapTvSettings({ iterations: 20, tvWeight: undefined })).toEqual({
      ...GAP_TV_DEFAULTS,
      iterations: 20,
    });
  });

  it('say where they differ from the defaults, in one line for a report', () => {
    expect(gapTvDifferences(gapTvSettings())).toEqual([]);
    expect(describeGapTv(gapTvSettings())).toBe(
      'GAP-TV: 100 iterations, TV weight 0.5, TV scale auto (the defaults)',
    );
    const other = gapTvSettings({ iterations: 60, tvWeightScale: 1 });
    expect(gapTvDifferences(other)).toEqual(['iterations 60 (default 100)', 'TV scale 1 (default auto)']);
    expect(describeGapTv(other)).toBe(
      'GAP-TV: 60 iterations, TV weight 0.5, TV scale 1 (not the defaults: iterations 60 (default 100), TV scale 1 (default auto))',
    );
  });

  it('reject values out of range, naming the setting and the value', () => {
    expect(() => gapTvSettings({ iterations: 0 })).toThrow(
      'GAP-TV iterations: expected an integer >= 1, got 0',
    );
    expect(() => gapTvSettings({ iterations: 2.5 })).toThrow(/got 2.5/);
    expect(() => gapTvSettings({ tvWeight: -1 })).toThrow(
      'GAP-TV TV weight: expected a finite number >= 0, got -1',
    );
    expect(() => gapTvSettings({ tvWeight: Number.NaN })).toThrow(/got NaN/);
    expect(() => gapTvSettings({ tvWeightScale: 0 })).toThrow(
      "GAP-TV TV scale: expected a number > 0 or 'auto', got 0",
    );
  });
});
