// sumRows(x, y, outer, rows, cols): y[o][c] = sum over r of x[o][r][c] (a reduction over middle axes), accumulated
// in float32, four rows at a time ((x0 + x1) + (x2 + x3) added to the running sum). Kernel: Sum
// (src/wasm/kernels/sum.ts); the fused gradients also sum their per-part partials with it.
import { f4 } from './_wat.mjs';

/**
 * One pass over the columns of y (the $ld bytes at $y): each column's new value is `vector(q)` four columns at
 * a time, then `scalar(q)` for the last cols mod 4 ($q = the column's byte offset).
 */
function columnsPass(label, vector, scalar) {
  return `
        (local.set $q (i32.const 0))
        (block $${label}Vdone (loop $${label}V
          (br_if $${label}Vdone (i32.gt_u (i32.add (local.get $q) (i32.const 16)) (local.get $ld)))
          (v128.store align=4 (i32.add (local.get $y) (local.get $q)) ${vector})
          (local.set $q (i32.add (local.get $q) (i32.const 16)))
          (br $${label}V)))
        (block $${label}Fdone (loop $${label}F
          (br_if $${label}Fdone (i32.ge_u (local.get $q) (local.get $ld)))
          (f32.store align=4 (i32.add (local.get $y) (local.get $q)) ${scalar})
          (local.set $q (i32.add (local.get $q) (i32.const 4)))
          (br $${label}F)))`;
}

export function sumRowsText() {
  const at = (base) => `(i32.add (local.get ${base}) (local.get $q))`;
  const v = (base) => `(v128.load align=4 ${at(base)})`;
  const f = (base) => `(f32.load align=4 ${at(base)})`;
  // y += (x0 + x1) + (x2 + x3), then y += x0 for the last rows mod 4
  const four = (load, add) =>
    `(${add} ${load('$y')} (${add} (${add} ${load('$x0')} ${load('$x1')}) (${add} ${load('$x2')} ${load('$x3')})))`;
  const one = (load, add) => `(${add} ${load('$y')} ${load('$x0')})`;
  return `
  (func (export "sumRows") (param $x i32) (param $y i32) (param $outer i32) (param $rows i32) (param $cols i32)
    (local $o i32) (local $r i32) (local $q i32) (local $ld i32)
    (local $x0 i32) (local $x1 i32) (local $x2 i32) (local $x3 i32)
    (local.set $ld (i32.shl (local.get $cols) (i32.const 2)))
    (local.set $x0 (local.get $x))
    (block $Odone (loop $O
      (br_if $Odone (i32.ge_u (local.get $o) (local.get $outer)))${columnsPass('Z', f4(0), '(f32.const 0)')}
      (local.set $r (i32.const 0))
      (block $R4done (loop $R4
        (br_if $R4done (i32.gt_u (i32.add (local.get $r) (i32.const 4)) (local.get $rows)))
        (local.set $x1 (i32.add (local.get $x0) (local.get $ld)))
        (local.set $x2 (i32.add (local.get $x1) (local.get $ld)))
        (local.set $x3 (i32.add (local.get $x2) (local.get $ld)))${columnsPass('A', four(v, 'f32x4.add'), four(f, 'f32.add'))}
        (local.set $x0 (i32.add (local.get $x3) (local.get $ld)))
        (local.set $r (i32.add (local.get $r) (i32.const 4)))
        (br $R4)))
      (block $R1done (loop $R1
        (br_if $R1done (i32.ge_u (local.get $r) (local.get $rows)))${columnsPass('B', one(v, 'f32x4.add'), one(f, 'f32.add'))}
        (local.set $x0 (i32.add (local.get $x0) (local.get $ld)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $R1)))
      (local.set $y (i32.add (local.get $y) (local.get $ld)))
      (local.set $o (i32.add (local.get $o) (i32.const 1)))
      (br $O))))`;
}
