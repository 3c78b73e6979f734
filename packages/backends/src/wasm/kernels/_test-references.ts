/** Test references shared by the kernel tests of this folder. */

export const sizeOf = (shape: readonly number[]) => shape.reduce((p, d) => p * d, 1);

/** erf by Simpson's rule on 2/sqrt(pi) exp(-t^2) in float64 (error ~1e-13 at 4,000 intervals). */
export function erfReference(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  if (Math.abs(x) > 6) return Math.sign(x);
  const steps = 4000;
  const h = x / steps;
  let sum = 1 + Math.exp(-x * x);
  for (let i = 1; i < steps; i++) sum += (i % 2 === 1 ? 4 : 2) * Math.exp(-((i * h) ** 2));
  return ((sum * h) / 3) * (2 / Math.sqrt(Math.PI));
}

/** Slice by multi-indices. */
export function sliceReference(
  values: ArrayLike<number>,
  shape: number[],
  begin: number[],
  size: number[],
): number[] {
  const out: number[] = [];
  const index = new Array<number>(shape.length).fill(0);
  for (let flat = 0; flat < sizeOf(size); flat++) {
    let rest = flat;
    for (let d = size.length - 1; d >= 0; d--) {
      index[d] = (rest % size[d]) + begin[d];
      rest = Math.floor(rest / size[d]);
    }
    let source = 0;
    for (let d = 0; d < shape.length; d++) source = source * shape[d] + index[d];
    out.push(values[source]);
  }
  return out;
}
