export { LossInputError } from './errors';
export { disposeLossParts, type LossParts, type LossPartValues, readLossParts } from './loss-parts';
export {
  type AlphaRamp,
  createLossSchedule,
  LOSS_OBJECTIVES,
  type LossObjective,
  type LossSchedule,
  type LossScheduleOptions,
  type LossScheduleStep,
  lossScheduleAt,
} from './loss-schedule';
export {
  type MaskAwareLossInputs,
  type MaskAwareRegion,
  maskAwareLoss,
  type RegionSize,
} from './mask-aware-loss';
export { type MaskEncodingLossInputs, maskEncodingLoss } from './mask-encoding-loss';
export {
  RECONSTRUCTION_KINDS,
  type ReconstructionKind,
  type ReconstructionLossOptions,
  reconstructionLoss,
} from './reconstruction-loss';
export { type ScheduledLossInputs, scheduledLoss } from './scheduled-loss';
