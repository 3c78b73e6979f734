import { GAP_TV_DEFAULTS } from '@s2cassi/cassi-sim';
import { PipelineInputError } from './errors';

/** The GAP-TV settings a front end exposes; every one defaults to cassi-sim's `GAP_TV_DEFAULTS`. */
export interface GapTvSettings {
  /** GAP iterations, an integer >= 1. */
  iterations: number;
  /** TV weight theta of each denoising step, >= 0, relative to `tvWeightScale`. */
  tvWeight: number;
  /** The cube value `tvWeight` is relative to: a number > 0, or `'auto'` (estimated from the measurement). */
  tvWeightScale: number | 'auto';
}

/**
 * Complete GAP-TV settings: `overrides` (undefined entries ignored) over `GAP_TV_DEFAULTS` of
 * @s2cassi/cassi-sim, the one set of defaults of the `s2cassi` commands, the web app and this package.
 * Throws a {@link PipelineInputError} for values out of range.
 */
export function gapTvSettings(overrides: Partial<GapTvSettings> = {}): GapTvSettings {
  const settings: GapTvSettings = {
    iterations: overrides.iterations ?? GAP_TV_DEFAULTS.iterations,
    tvWeight: overrides.tvWeight ?? GAP_TV_DEFAULTS.tvWeight,
    tvWeightScale: overrides.tvWeightScale ?? GAP_TV_DEFAULTS.tvWeightScale,
  };
  if (!Number.isInteger(settings.iterations) || settings.iterations < 1) {
    throw new PipelineInputError(`GAP-TV iterations: expected an integer >= 1, got ${settings.iterations}`);
  }
  if (!(Number.isFinite(settings.tvWeight) && settings.tvWeight >= 0)) {
    throw new PipelineInputError(`GAP-TV TV weight: expected a finite number >= 0, got ${settings.tvWeight}`);
  }
  const scale = settings.tvWeightScale;
  if (scale !== 'auto' && !(typeof scale === 'number' && Number.isFinite(scale) && scale > 0)) {
    throw new PipelineInputError(`GAP-TV TV scale: expected a number > 0 or 'auto', got ${String(scale)}`);
  }
  return settings;
}

const NAMES: Record<keyof GapTvSettings, string> = {
  iterations: 'iterations',
  tvWeight: 'TV weight',
  tvWeightScale: 'TV scale',
};

/**
 * Where `settings` differ from the defaults, one phrase each, e.g. `['iterations 20 (default 100)']`;
 * empty when they are the defaults. Apps print these with a result, so a number that was made with other
 * settings says so.
 */
export function gapTvDifferences(settings: GapTvSettings): string[] {
  const defaults = gapTvSettings();
  return (Object.keys(NAMES) as (keyof GapTvSettings)[])
    .filter((key) => settings[key] !== defaults[key])
    .map((key) => `${NAMES[key]} ${settings[key]} (default ${defaults[key]})`);
}

/**
 * One line for a report: `GAP-TV: 100 iterations, TV weight 0.5, TV scale auto (the defaults)`, or with
 * `(not the defaults: iterations 20 (default 100))` when they differ.
 */
export function describeGapTv(settings: GapTvSettings): string {
  const differences = gapTvDifferences(settings);
  return `GAP-TV: ${settings.iterations} iterations, TV weight ${settings.tvWeight}, TV scale ${settings.tvWeightScale} (${differences.length === 0 ? 'the defaults' : `not the defaults: ${differences.join(', ')}`})`;
}
