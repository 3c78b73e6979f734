// swap(src, dst, outer, a, b, inner, j0, j1): dst[o][j][i][:] = src[o][i][j][:] for j0 <= j < j1, rows of `inner`
// floats (a transpose that exchanges two adjacent axes and keeps the last one; j0 = 0, j1 = b for all of it, a part
// of the j range per part otherwise). Kernel: Transpose (src/wasm/kernels/transpose.ts).
// copyRuns(src, dst, count, bytes, srcStride, dstStride): copies `count` runs of `bytes` bytes (a multiple of 4), run
// r from src + r srcStride to dst + r dstStride (bytes). Kernels: Slice, SplitV, Concat (src/wasm/kernels/slice.ts,
// split-v.ts, concat.ts), whose runs were one TypedArray.copyWithin call each.

/** Copies $bytes (a multiple of 4) from $s to $d: memory.copy for long rows, else vectors and a float tail. */
const copyRow = `
          (if (i32.ge_u (local.get $bytes) (i32.const 256))
            (then (memory.copy (local.get $d) (local.get $s) (local.get $bytes)))
            (else
              (local.set $q (i32.const 0))
              (block $Vdone (loop $V
                (br_if $Vdone (i32.gt_u (i32.add (local.get $q) (i32.const 16)) (local.get $bytes)))
                (v128.store align=4 (i32.add (local.get $d) (local.get $q)) (v128.load align=4 (i32.add (local.get $s) (local.get $q))))
                (local.set $q (i32.add (local.get $q) (i32.const 16)))
                (br $V)))
              (block $Fdone (loop $F
                (br_if $Fdone (i32.ge_u (local.get $q) (local.get $bytes)))
                (f32.store align=4 (i32.add (local.get $d) (local.get $q)) (f32.load align=4 (i32.add (local.get $s) (local.get $q))))
                (local.set $q (i32.add (local.get $q) (i32.const 4)))
                (br $F)))))`;

export function swapText() {
  return `
  (func (export "swap") (param $src i32) (param $dst i32) (param $outer i32) (param $a i32) (param $b i32)
      (param $inner i32) (param $j0 i32) (param $j1 i32)
    (local $o i32) (local $i i32) (local $j i32) (local $bytes i32) (local $stride i32) (local $base i32)
    (local $s i32) (local $d i32) (local $q i32)
    (local.set $bytes (i32.shl (local.get $inner) (i32.const 2)))
    (local.set $stride (i32.mul (local.get $b) (local.get $bytes)))
    (block $Odone (loop $O
      (br_if $Odone (i32.ge_u (local.get $o) (local.get $outer)))
      (local.set $base (i32.add (local.get $src) (i32.mul (local.get $o) (i32.mul (local.get $a) (local.get $stride)))))
      (local.set $j (local.get $j0))
      (block $Jdone (loop $J
        (br_if $Jdone (i32.ge_u (local.get $j) (local.get $j1)))
        (local.set $s (i32.add (local.get $base) (i32.mul (local.get $j) (local.get $bytes))))
        ;; output block (o, j) starts at dst + ((o b + j) a) * bytes
        (local.set $d (i32.add (local.get $dst) (i32.mul (i32.mul (i32.add (i32.mul (local.get $o) (local.get $b)) (local.get $j)) (local.get $a)) (local.get $bytes))))
        (local.set $i (i32.const 0))
        (block $Idone (loop $I
          (br_if $Idone (i32.ge_u (local.get $i) (local.get $a)))${copyRow}
          (local.set $s (i32.add (local.get $s) (local.get $stride)))
          (local.set $d (i32.add (local.get $d) (local.get $bytes)))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br $I)))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $J)))
      (local.set $o (i32.add (local.get $o) (i32.const 1)))
      (br $O))))
  (func (export "copyRuns") (param $src i32) (param $dst i32) (param $count i32) (param $bytes i32)
      (param $srcStride i32) (param $dstStride i32)
    (local $r i32) (local $s i32) (local $d i32) (local $q i32)
    (local.set $s (local.get $src))
    (local.set $d (local.get $dst))
    (block $Rdone (loop $R
      (br_if $Rdone (i32.ge_u (local.get $r) (local.get $count)))${copyRow}
      (local.set $s (i32.add (local.get $s) (local.get $srcStride)))
      (local.set $d (i32.add (local.get $d) (local.get $dstStride)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $R))))`;
}
