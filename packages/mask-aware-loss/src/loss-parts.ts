import type * as tf from '@tensorflow/tfjs-core';

/**
 * The parts of a loss, each a float32 scalar tensor.
 *
 * - `total`: what to minimise, `recon + alpha * me + beta * ma` (only the terms the loss has).
 * - `recon`: the reconstruction term, mean |F_hat - F| (or its RMSE / MSE variant).
 * - `me`: the mask-encoding term mean |f_h - M * F|, before the `alpha` weight (L_ME, L_MA only).
 * - `ma`: the mask-aware term, the mean over regions of the ratio, before the `beta` weight (L_MA only).
 *
 * Ownership: every tensor in the object is new and distinct (never the same tensor twice, never one
 * of the inputs) and belongs to the caller, who disposes it (`disposeLossParts`, `tf.dispose(parts)`
 * or an enclosing `tf.tidy`). Inside `optimizer.minimize` / `tf.variableGrads`, only the returned
 * `total` survives the gradient tidy: `tf.keep` the parts you want to log there, read them after the
 * step and dispose them.
 */
export interface LossParts {
  total: tf.Scalar;
  recon: tf.Scalar;
  me?: tf.Scalar;
  ma?: tf.Scalar;
}

/** The values of `LossParts` as plain numbers, for logging. */
export interface LossPartValues {
  total: number;
  recon: number;
  me?: number;
  ma?: number;
}

/**
 * Reads the parts as numbers (one `data()` each). Does not dispose them; see `disposeLossParts`.
 */
export async function readLossParts(parts: LossParts): Promise<LossPartValues> {
  const out: LossPartValues = {
    total: (await parts.total.data())[0],
    recon: (await parts.recon.data())[0],
  };
  if (parts.me) out.me = (await parts.me.data())[0];
  if (parts.ma) out.ma = (await parts.ma.data())[0];
  return out;
}

/** Disposes every tensor of `parts` (safe to call twice). */
export function disposeLossParts(parts: LossParts): void {
  parts.total.dispose();
  parts.recon.dispose();
  parts.me?.dispose();
  parts.ma?.dispose();
}
