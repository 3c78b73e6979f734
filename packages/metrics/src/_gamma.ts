// Lanczos approximation (g = 7, n = 9), relative error ~1e-15 for the arguments NIQE uses (0.1..15).
const G = 7;
const COEFFICIENTS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

/** The gamma function for real x (reflection formula below 0.5). */
export function gamma(x: number): number {
  if (x < 0.5) return Math.PI / (Math.sin(Math.PI * x) * gamma(1 - x));
  const z = x - 1;
  let a = COEFFICIENTS[0];
  const t = z + G + 0.5;
  for (let i = 1; i < G + 2; i++) a += COEFFICIENTS[i] / (z + i);
  return Math.sqrt(2 * Math.PI) * t ** (z + 0.5) * Math.exp(-t) * a;
}
