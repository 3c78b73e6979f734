/** Arithmetic mean (NaN for an empty array). */
export function mean(values: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i];
  return sum / values.length;
}

export const RAD_TO_DEG = 180 / Math.PI;

/** MATLAB's `eps` (spacing of doubles at 1). */
export const EPS = 2 ** -52;
