import { S2AttnInputError } from './errors';

/**
 * Inference-time self-ensembles of an S2-Transformer: the mean of several passes over the same measurement, each
 * on the input shifted down and right by an offset (mirror-padded at the top and left, cropped back), which moves
 * the window partition relative to the content (window attention sees other neighbourhoods):
 *
 * - `'none'`: one pass;
 * - `'shift2'`: offsets 0 and M/2 (two passes);
 * - `'shift4'`: offsets 0, M/4, M/2 and 3M/4 along the diagonal (four passes).
 *
 * Shifts keep the physics (the dispersion is shift-invariant), unlike width flips or transposes of a CASSI
 * measurement. The cost is one pass each; measured on the demo model's training scenes (apps/demo-model
 * scripts/results/self-ensemble.md), `shift2` gained 0.16 dB PSNR and `shift4` 0.23 dB over one pass.
 */
export type SelfEnsemble = 'none' | 'shift2' | 'shift4';

export const SELF_ENSEMBLES: readonly SelfEnsemble[] = Object.freeze(['none', 'shift2', 'shift4']);

/** Checks a self-ensemble name; the error names `what`, the choices and the value given. */
export function resolveSelfEnsemble(value: unknown, what = 'selfEnsemble'): SelfEnsemble {
  if (typeof value !== 'string' || !(SELF_ENSEMBLES as readonly string[]).includes(value)) {
    throw new S2AttnInputError(
      `${what}: expected one of ${SELF_ENSEMBLES.join(', ')}, got ${JSON.stringify(value)}`,
    );
  }
  return value as SelfEnsemble;
}

/** The diagonal offsets (pixels) of the passes of `ensemble` for window size `windowSize`, distinct, from 0. */
export function selfEnsembleOffsets(ensemble: SelfEnsemble, windowSize: number): number[] {
  const fractions =
    ensemble === 'shift4' ? [0, 1 / 4, 1 / 2, 3 / 4] : ensemble === 'shift2' ? [0, 1 / 2] : [0];
  return [...new Set(fractions.map((f) => Math.floor(f * windowSize)))];
}
