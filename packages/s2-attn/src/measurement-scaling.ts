import { S2AttnInputError } from './errors';

/**
 * How a model expects its measurements scaled, and what its output is in: a property of how it was trained,
 * stored with its weights (safetensors metadata `measurement`) so that whoever reconstructs with it scales
 * measurements the same way.
 *
 * - `band-sum` (the simulation convention, spec section 1): the network sees Y * (2 / N) * gain, where Y is the
 *   plain band sum of the coded, shifted cube; its output is the cube in the units of the measurement's cube
 *   (Y = sum_n shift(M X)_n). A model trained on simulations with Gaussian noise has gain 1.
 * - `peak` (the real-data convention of the TSA-Net / MST / S2-Transformer code): a real frame has no fixed scale,
 *   so the network sees the measurement scaled to `peak` at its maximum (their code: meas / max(meas) * 0.8);
 *   it was trained on Y * (2 / N) * gain (their shot noise multiplies by 1.2), so its output is in those units
 *   and is scaled back by max(Y) * (2 / N) * gain / peak to the measurement's units, as GAP-TV's cube is.
 */
export type MeasurementScaling =
  | { kind: 'band-sum'; gain: number }
  | { kind: 'peak'; peak: number; gain: number };

/** Models saved without a `measurement` entry: the simulation convention, gain 1. */
export const DEFAULT_MEASUREMENT_SCALING: Readonly<MeasurementScaling> = Object.freeze({
  kind: 'band-sum',
  gain: 1,
});

function positive(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new S2AttnInputError(`${what}: expected a finite number > 0, got ${JSON.stringify(value)}`);
  }
  return value;
}

/**
 * Checks a measurement scaling (e.g. parsed from a weights file) and returns a clean copy; errors name
 * `source`, the field, what was expected and what was given.
 */
export function resolveMeasurementScaling(
  value: unknown,
  source = 'measurement scaling',
): MeasurementScaling {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new S2AttnInputError(
      `${source}: expected { kind: 'band-sum', gain } or { kind: 'peak', peak, gain }, got ${JSON.stringify(value)}`,
    );
  }
  const v = value as Record<string, unknown>;
  const allowed = v.kind === 'peak' ? ['kind', 'peak', 'gain'] : ['kind', 'gain'];
  const extra = Object.keys(v).filter((key) => !allowed.includes(key));
  if (v.kind !== 'band-sum' && v.kind !== 'peak') {
    throw new S2AttnInputError(
      `${source}: kind: expected 'band-sum' or 'peak', got ${JSON.stringify(v.kind)}`,
    );
  }
  if (extra.length > 0) {
    throw new S2AttnInputError(
      `${source}: unexpected field${extra.length > 1 ? 's' : ''} ${extra.join(', ')} for kind '${v.kind}' (expected ${allowed.join(', ')})`,
    );
  }
  const gain = positive(v.gain, `${source}: gain`);
  if (v.kind === 'band-sum') return { kind: 'band-sum', gain };
  return { kind: 'peak', peak: positive(v.peak, `${source}: peak`), gain };
}

/** True when `scaling` is the default (`band-sum`, gain 1), which weight files leave unstated. */
export function isDefaultMeasurementScaling(scaling: MeasurementScaling): boolean {
  return scaling.kind === 'band-sum' && scaling.gain === 1;
}

/**
 * The factors that put a measurement into the network's units and the network's output back into the
 * measurement's: network input Y0 = shiftBack(Y * input) * M, cube = output * F_hat.
 *
 * @param measurementMax the largest value of the measurement Y (only `peak` needs it; must be > 0 then)
 * @param bandCount N
 */
export function measurementFactors(
  scaling: MeasurementScaling,
  measurementMax: number,
  bandCount: number,
): { input: number; output: number } {
  const unit = 2 / bandCount;
  if (scaling.kind === 'band-sum') return { input: unit * scaling.gain, output: 1 };
  if (!Number.isFinite(measurementMax) || measurementMax <= 0) {
    throw new S2AttnInputError(
      `the model scales measurements to their peak (${scaling.peak}): expected a measurement with a positive maximum, got maximum ${measurementMax}`,
    );
  }
  return {
    input: scaling.peak / measurementMax,
    output: (measurementMax * unit * scaling.gain) / scaling.peak,
  };
}
