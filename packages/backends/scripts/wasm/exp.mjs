// exp(x, y, count): y[i] = exp(x[i]) by Cephes expf (about 1 float32 step); +Infinity above 88.72283, 0 below
// -87.33654 (no subnormal results), NaN stays NaN. Defines $exp4 (also used by gelu.mjs) and $softmaxExp4 (the attention
// kernels' softmax: x <= 0). Kernel: Exp (src/wasm/kernels/exp.ts).
import { elementwiseExport, f4, horner } from './_wat.mjs';

// exp: Cephes expf. x = n ln 2 + r with |r| <= ln(2) / 2 (ln 2 in two parts), exp(r) = 1 + r + r^2 P(r),
// then 2^n applied as 2^(n >> 1) * 2^(n - (n >> 1)) so that both factors are normal numbers.
const EXP_P = [
  '1.9875691500e-4',
  '1.3981999507e-3',
  '8.3334519073e-3',
  '4.1665795894e-2',
  '1.6666665459e-1',
  '5.0000001201e-1',
];
/** Largest x with a finite float32 exp, and the smallest with a normal one (below it: 0). */
const EXP_HI = '88.72283';
const EXP_LO = '-87.33654';

export function expText() {
  const i4 = (value) => `(v128.const i32x4 ${value} ${value} ${value} ${value})`;
  const pow2 = (n) => `(i32x4.shl (i32x4.add ${n} ${i4(127)}) (i32.const 23))`;
  // $z (clamped) -> $n = round(z / ln 2), $r = z - n ln 2, $e = exp(r) (both functions below)
  const reduce = `(local.set $n (f32x4.nearest (f32x4.mul (local.get $z) ${f4('1.44269504088896341')})))
    (local.set $r (f32x4.sub (f32x4.sub (local.get $z) (f32x4.mul (local.get $n) ${f4('0.693359375')}))
      (f32x4.mul (local.get $n) ${f4('-2.12194440e-4')})))
    (local.set $e (f32x4.add (f32x4.add
      (f32x4.mul ${horner('(local.get $r)', EXP_P)} (f32x4.mul (local.get $r) (local.get $r)))
      (local.get $r)) ${f4(1)}))`;
  return `
  (func $exp4 (param $v v128) (result v128)
    (local $z v128) (local $n v128) (local $r v128) (local $e v128) (local $ni v128) (local $half v128)
    ;; pmax/pmin with v first: NaN passes through
    (local.set $z (f32x4.pmin (f32x4.pmax (local.get $v) ${f4(EXP_LO)}) ${f4(EXP_HI)}))
    ${reduce}
    (local.set $ni (i32x4.trunc_sat_f32x4_s (local.get $n)))
    (local.set $half (i32x4.shr_s (local.get $ni) (i32.const 1)))
    (local.set $e (f32x4.mul (f32x4.mul (local.get $e) ${pow2('(local.get $half)')})
      ${pow2('(i32x4.sub (local.get $ni) (local.get $half))')}))
    ;; beyond the range: +Infinity above, 0 below (no subnormal results)
    (local.set $e (v128.bitselect ${f4('inf')} (local.get $e) (f32x4.gt (local.get $v) ${f4(EXP_HI)})))
    (v128.bitselect ${f4(0)} (local.get $e) (f32x4.lt (local.get $v) ${f4(EXP_LO)})))
  ;; exp for a softmax's x - rowmax (x <= 0, or slightly above from rounding; NaN stays NaN): $exp4 without its
  ;; upper clamp and +Infinity (x never overflows) and with 2^n as one factor (n >= -126 after the lower clamp);
  ;; 0 below ${EXP_LO} like $exp4. Used by the attention kernels' softmax.
  (func $softmaxExp4 (param $v v128) (result v128)
    (local $z v128) (local $n v128) (local $r v128) (local $e v128)
    (local.set $z (f32x4.pmax (local.get $v) ${f4(EXP_LO)}))
    ${reduce}
    (local.set $e (f32x4.mul (local.get $e) ${pow2('(i32x4.trunc_sat_f32x4_s (local.get $n))')}))
    (v128.bitselect ${f4(0)} (local.get $e) (f32x4.lt (local.get $v) ${f4(EXP_LO)})))
${elementwiseExport('exp', '$exp4')}`;
}
