import { expectFiniteNumber, expectObject, expectOneOf, LossInputError } from './_validate';
import { RECONSTRUCTION_KINDS, type ReconstructionKind } from './reconstruction-loss';

/**
 * Which loss applies: `me` = L_ME (`maskEncodingLoss`), `ma` = L_MA (`maskAwareLoss`), `l1` / `rmse`
 * = the plain reconstruction loss (`reconstructionLoss`).
 */
export type LossObjective = 'me' | 'ma' | 'l1' | 'rmse';

export const LOSS_OBJECTIVES: readonly LossObjective[] = ['me', 'ma', 'l1', 'rmse'];

/** A linear ramp of alpha from `firstAlpha` to `secondAlpha`, in fractions of training (0..1). */
export interface AlphaRamp {
  /** Progress where alpha starts to move away from `firstAlpha`. */
  startFraction: number;
  /** Progress where alpha reaches `secondAlpha`; > startFraction. */
  endFraction: number;
}

/** Options of `createLossSchedule`; every field is optional and defaults to the paper's recipe. */
export interface LossScheduleOptions {
  /** Objective before the switch. Default 'me' (pre-training with L_ME). */
  firstObjective?: LossObjective;
  /** Objective from the switch on. Default 'ma' (L_MA). */
  secondObjective?: LossObjective;
  /** alpha before the switch. Default 1.5. */
  firstAlpha?: number;
  /** alpha from the switch on. Default 1.0. */
  secondAlpha?: number;
  /** beta of the MA term. Default 10. */
  beta?: number;
  /** Fraction of training (0..1) at which the second objective takes over. Default 0.5. */
  switchFraction?: number;
  /** Optional linear alpha ramp; `null` (default): alpha steps at the switch. */
  alphaRamp?: AlphaRamp | null;
  /** Norm of the Recon term inside L_ME / L_MA. Default 'l1' (the paper). */
  reconstruction?: ReconstructionKind;
}

/**
 * A validated, complete schedule: a plain JSON-serialisable object. `JSON.parse(JSON.stringify(s))`
 * gives an equal schedule that `lossScheduleAt` accepts, so a resumed run continues it exactly.
 */
export interface LossSchedule {
  format: 's2cassi.loss-schedule';
  version: 1;
  firstObjective: LossObjective;
  secondObjective: LossObjective;
  firstAlpha: number;
  secondAlpha: number;
  beta: number;
  switchFraction: number;
  alphaRamp: AlphaRamp | null;
  reconstruction: ReconstructionKind;
}

/** What applies at one point of training. */
export interface LossScheduleStep {
  objective: LossObjective;
  /** Weight of the ME term; 0 when the objective has none (`l1`, `rmse`). */
  alpha: number;
  /** Weight of the MA term; 0 unless the objective is `ma`. */
  beta: number;
  /** Norm of the Recon term (for `l1` / `rmse` objectives, the objective itself). */
  reconstruction: ReconstructionKind;
  /** 'first' before the switch, 'second' from it on. */
  phase: 'first' | 'second';
}

const FORMAT = 's2cassi.loss-schedule';
const KNOWN_KEYS = new Set([
  'format',
  'version',
  'firstObjective',
  'secondObjective',
  'firstAlpha',
  'secondAlpha',
  'beta',
  'switchFraction',
  'alphaRamp',
  'reconstruction',
]);

function fraction(value: unknown, what: string): number {
  const v = expectFiniteNumber(value, what, 0);
  if (v > 1) throw new LossInputError(`${what}: expected a fraction in [0, 1], got ${v}`);
  return v;
}

/**
 * Builds the training schedule of the paper (Sec. 4.1): the first half with L_ME (alpha 1.5), the
 * second half with L_MA (alpha 1.0, beta 10). Every number is configurable; unknown keys are
 * rejected (a typo would otherwise silently fall back to a default). Also accepts a schedule
 * (e.g. one read back from JSON) and returns an equal, validated copy.
 */
export function createLossSchedule(options: LossScheduleOptions | LossSchedule = {}): LossSchedule {
  const fn = 'createLossSchedule';
  const o = expectObject(options, `${fn}(options)`);
  for (const key of Object.keys(o)) {
    if (!KNOWN_KEYS.has(key)) {
      throw new LossInputError(
        `${fn}(options): unknown option '${key}' (expected ${[...KNOWN_KEYS].slice(2).join(', ')})`,
      );
    }
  }
  if (o.format !== undefined && o.format !== FORMAT) {
    throw new LossInputError(`${fn}(options.format): expected '${FORMAT}', got ${String(o.format)}`);
  }
  if (o.version !== undefined && o.version !== 1) {
    throw new LossInputError(`${fn}(options.version): expected 1, got ${String(o.version)}`);
  }
  let alphaRamp: AlphaRamp | null = null;
  if (o.alphaRamp !== undefined && o.alphaRamp !== null) {
    const ramp = expectObject(o.alphaRamp, `${fn}(options.alphaRamp)`);
    const startFraction = fraction(ramp.startFraction, `${fn}(options.alphaRamp.startFraction)`);
    const endFraction = fraction(ramp.endFraction, `${fn}(options.alphaRamp.endFraction)`);
    if (endFraction <= startFraction) {
      throw new LossInputError(
        `${fn}(options.alphaRamp): expected endFraction > startFraction, got ${startFraction} .. ${endFraction}`,
      );
    }
    alphaRamp = { startFraction, endFraction };
  }
  return {
    format: FORMAT,
    version: 1,
    firstObjective: expectOneOf(o.firstObjective ?? 'me', LOSS_OBJECTIVES, `${fn}(options.firstObjective)`),
    secondObjective: expectOneOf(
      o.secondObjective ?? 'ma',
      LOSS_OBJECTIVES,
      `${fn}(options.secondObjective)`,
    ),
    firstAlpha: expectFiniteNumber(o.firstAlpha ?? 1.5, `${fn}(options.firstAlpha)`, 0),
    secondAlpha: expectFiniteNumber(o.secondAlpha ?? 1.0, `${fn}(options.secondAlpha)`, 0),
    beta: expectFiniteNumber(o.beta ?? 10, `${fn}(options.beta)`, 0),
    switchFraction: fraction(o.switchFraction ?? 0.5, `${fn}(options.switchFraction)`),
    alphaRamp,
    reconstruction: expectOneOf(
      o.reconstruction ?? 'l1',
      RECONSTRUCTION_KINDS,
      `${fn}(options.reconstruction)`,
    ),
  };
}

/**
 * What applies at `epoch` of `totalEpochs` (pure: the same arguments always give the same answer).
 * Epochs may be fractional, or steps may be passed instead (`{ epoch: step, totalEpochs: steps }`).
 *
 * - progress p = epoch / totalEpochs; the second phase starts when p >= switchFraction (with 300
 *   epochs and 0.5: epochs 0..149 first, 150..299 second);
 * - alpha: `firstAlpha` in the first phase and `secondAlpha` in the second, or with `alphaRamp`
 *   firstAlpha for p <= startFraction, secondAlpha for p >= endFraction, linear in between;
 *   reported as 0 for `l1` / `rmse` objectives; beta is reported as 0 unless the objective is `ma`.
 */
export function lossScheduleAt(
  schedule: LossSchedule,
  at: { epoch: number; totalEpochs: number },
): LossScheduleStep {
  const fn = 'lossScheduleAt';
  const s = createLossSchedule(schedule);
  const where = expectObject(at, `${fn}(at)`);
  const totalEpochs = expectFiniteNumber(where.totalEpochs, `${fn}(totalEpochs)`);
  if (totalEpochs <= 0)
    throw new LossInputError(`${fn}(totalEpochs): expected a number > 0, got ${totalEpochs}`);
  const epoch = expectFiniteNumber(where.epoch, `${fn}(epoch)`, 0);
  if (epoch > totalEpochs) {
    throw new LossInputError(
      `${fn}(epoch): expected 0 <= epoch <= totalEpochs (${totalEpochs}), got ${epoch}`,
    );
  }
  const progress = epoch / totalEpochs;
  // A relative tolerance so that e.g. switchFraction 1/3 of 300 epochs switches at epoch 100.
  const second = progress >= s.switchFraction - 1e-12;
  const objective = second ? s.secondObjective : s.firstObjective;
  let alpha: number;
  if (s.alphaRamp) {
    const { startFraction, endFraction } = s.alphaRamp;
    const t = Math.min(1, Math.max(0, (progress - startFraction) / (endFraction - startFraction)));
    alpha = s.firstAlpha + (s.secondAlpha - s.firstAlpha) * t;
  } else {
    alpha = second ? s.secondAlpha : s.firstAlpha;
  }
  const usesMaskTerms = objective === 'me' || objective === 'ma';
  return {
    objective,
    alpha: usesMaskTerms ? alpha : 0,
    beta: objective === 'ma' ? s.beta : 0,
    reconstruction: objective === 'l1' || objective === 'rmse' ? objective : s.reconstruction,
    phase: second ? 'second' : 'first',
  };
}
