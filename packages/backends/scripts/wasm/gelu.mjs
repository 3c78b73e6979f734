// gelu(x, y, count): y[i] = x[i] Phi(x[i]) = 0.5 x (1 + erf(x / sqrt 2)) (the exact GELU, erf as in erf.mjs);
// geluGrad(x, dy, dx, count): dx[i] = dy[i] (Phi(x[i]) + x[i] phi(x[i])), its gradient. Kernels: S2CassiGelu and
// S2CassiGeluGrad (src/wasm/kernels/gelu.ts, gelu-grad.ts).
import { elementwiseExport, f4 } from './_wat.mjs';

// GELU(x) = x Phi(x) = 0.5 x (1 + erf(x / sqrt 2)) and its derivative Phi(x) + x phi(x), phi(x) =
// exp(-x^2 / 2) / sqrt(2 pi), from $erf4 and $exp4.
export function geluText() {
  return `
  (func $phi4 (param $v v128) (result v128)
    (f32x4.mul ${f4(0.5)} (f32x4.add ${f4(1)} (call $erf4 (f32x4.mul (local.get $v) ${f4('0.70710678118654752')})))))
  (func $gelu4 (param $v v128) (result v128)
    (f32x4.mul (local.get $v) (call $phi4 (local.get $v))))
  (func $geluGrad4 (param $v v128) (param $g v128) (result v128)
    (f32x4.mul (local.get $g) (f32x4.add (call $phi4 (local.get $v))
      (f32x4.mul (f32x4.mul (local.get $v) ${f4('0.39894228040143268')})
        (call $exp4 (f32x4.mul (f32x4.mul (local.get $v) (local.get $v)) ${f4(-0.5)}))))))
  ${elementwiseExport('gelu', '$gelu4')}
  ${elementwiseExport('geluGrad', '$geluGrad4', ['$x', '$dy'], '$dx')}`;
}
