import type { ObjectiveChangeRecord, StepRecord } from './events';

const NAMES: Record<string, string> = { me: 'L_ME', ma: 'L_MA', l1: 'L1', rmse: 'RMSE' };

/** The paper's name of a loss objective: 'me' -> 'L_ME', 'ma' -> 'L_MA', 'l1' -> 'L1', 'rmse' -> 'RMSE'. */
export function objectiveName(objective: string): string {
  return NAMES[objective] ?? objective;
}

/**
 * The record of a change of loss objective before step `step` (0-based; printed 1-based like the step
 * lines). The total loss is a different quantity on each side of the switch: L_ME = Recon + alpha * ME,
 * L_MA = Recon + alpha * ME + beta * MA, so the total jumps at the switch while Recon does not.
 */
export function objectiveChange(
  step: number,
  epoch: number,
  from: string,
  to: { objective: string; alpha: number; beta: number },
): ObjectiveChangeRecord {
  const [a, b] = [objectiveName(from), objectiveName(to.objective)];
  const what =
    to.objective === 'ma'
      ? `the total now adds beta * MA (L_MA = recon + alpha * ME + beta * MA, alpha ${to.alpha}, beta ${to.beta})`
      : `the total is now ${b} (alpha ${to.alpha}, beta ${to.beta})`;
  return {
    type: 'objective',
    step,
    epoch,
    from,
    to: to.objective,
    alpha: to.alpha,
    beta: to.beta,
    message: `loss objective switches from ${a} to ${b} from step ${step + 1} (epoch ${epoch + 1}): ${what}, so it is not comparable with the total before; compare recon across the switch`,
  };
}

/** Where the objective changes in (possibly thinned) step records: the first record of each new one. */
export function objectiveChangesFromSteps(
  steps: readonly StepRecord[],
): { step: number; from: string; to: string }[] {
  const changes: { step: number; from: string; to: string }[] = [];
  for (let i = 1; i < steps.length; i++) {
    if (steps[i].objective !== steps[i - 1].objective)
      changes.push({ step: steps[i].step, from: steps[i - 1].objective, to: steps[i].objective });
  }
  return changes;
}
