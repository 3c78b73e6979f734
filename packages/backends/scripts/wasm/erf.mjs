// erf(x, y, count): y[i] = erf(x[i]) by a rational minimax approximation on [-4, 4] (Eigen's float erf), clamped
// to [-1, 1]; NaN stays NaN, +-Infinity gives +-1. Defines $erf4 (also used by gelu.mjs). Kernel: Erf
// (src/wasm/kernels/erf.ts).
import { elementwiseExport, f4, horner } from './_wat.mjs';

// erf(x) = x P(x^2) / Q(x^2) on x clamped to [-4, 4]: the rational minimax approximation of Eigen's
// generic_fast_erf_float (also XLA's and TVM's float32 erf), coefficients highest power first.
const ERF_ALPHA = [
  '-2.72614225801306e-10',
  '2.77068142495902e-08',
  '-2.10102402082508e-06',
  '-5.69250639462346e-05',
  '-7.34990630326855e-04',
  '-2.95459980854025e-03',
  '-1.60960333262415e-02',
];
const ERF_BETA = [
  '-1.45660718464996e-05',
  '-2.13374055278905e-04',
  '-1.68282697438203e-03',
  '-7.37332916720468e-03',
  '-1.42647390514189e-02',
];
export function erfText() {
  return `
  (func $erf4 (param $v v128) (result v128)
    (local $x v128) (local $x2 v128)
    ;; pmin/pmax (one instruction each, unlike min/max) with x first, so that NaN passes through
    (local.set $x (f32x4.pmin (f32x4.pmax (local.get $v) ${f4(-4)}) ${f4(4)}))
    (local.set $x2 (f32x4.mul (local.get $x) (local.get $x)))
    ;; clamped to [-1, 1]: the fit overshoots 1 by up to 6e-8 near |x| = 4
    (f32x4.pmin (f32x4.pmax (f32x4.div
      (f32x4.mul (local.get $x) ${horner('(local.get $x2)', ERF_ALPHA)})
      ${horner('(local.get $x2)', ERF_BETA)}) ${f4(-1)}) ${f4(1)}))
${elementwiseExport('erf', '$erf4')}`;
}
